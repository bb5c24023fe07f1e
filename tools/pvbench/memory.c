// SPDX-License-Identifier: GPL-2.0
/*
 * memory.c - pvbench suite "memory": what one more idle thread, and one more
 * idle process, costs in memory (bytes per task, user + kernel).
 *
 * One MEASUREMENT (one kind, one N) happens in a measuring child forked from
 * pvbench, so that pvbench's own heap does not move:
 *  1. warm-up: the child reads all the counters once, creates one task of the
 *     kind and ends it (a thread on a stack of its own, so that glibc's stack
 *     cache stays empty; a process), so that the code and kernel paths used
 *     are faulted in before anything is counted;
 *  2. settle: it waits 25 ms, then until KernelStack + Slab + PageTables
 *     change by less than 64 KiB in 10 ms (500 ms at most; a flat 50 ms
 *     when the counters are not exact, see below): the tasks of the previous
 *     measurement and of the warm-up are freed after RCU grace periods, tens
 *     of ms after they end, and must not be freed inside the window;
 *  3. BEFORE: the number of tasks alive and ever created (/proc/loadavg,
 *     /proc/stat "processes"), its own Rss (/proc/self/smaps_rollup), then
 *     the system-wide KernelStack, Slab (SReclaimable + SUnreclaim) and
 *     PageTables of /proc/meminfo;
 *  4. it creates N idle tasks, all alive at once:
 *     - threads: pthread_create() with default attributes (8 MiB stack from
 *       RLIMIT_STACK, guard page); each thread adds one to a counter and
 *       sleeps on a futex, and does nothing else;
 *     - processes: fork(); each child writes one byte to a "ready" pipe and
 *       blocks reading a "release" pipe, and does nothing else;
 *  5. it waits until all N have signalled (counter / N bytes read), then
 *     2 ms more so that the last ones are inside their futex or read;
 *  6. AFTER: Rss, /proc/meminfo, then the task counts again; for processes
 *     only then (so that the /proc inodes this creates are not counted) the
 *     Private_Clean + Private_Dirty of each child's /proc/PID/smaps_rollup:
 *     the pages a child shares with no one (pages it dirtied after fork(),
 *     i.e. its copy-on-write copies, and the pages the measuring process
 *     copied away from it by writing after the fork);
 *  7. it releases the tasks (futex wake / closing the pipe), joins or reaps
 *     them, and sends the figures back over a pipe.
 * USER memory added = Rss(after) - Rss(before) of the measuring process (for
 * threads: their stacks' touched pages), plus, for processes, the children's
 * private pages.  KERNEL memory added = the /proc/meminfo deltas of
 * KernelStack + Slab + PageTables (for threads, PageTables includes the page
 * table page each 8 MiB stack needs).
 *
 * The kernel figures are SYSTEM-WIDE, hence noisy:
 *  - anything else on the machine allocating or freeing slab or page tables
 *    meanwhile shows up.  If other tasks were created or ended during the
 *    window (the task counts moved by other than N), or if the kernel's
 *    memory shrank although N tasks were added (it freed something else
 *    meanwhile), the measurement is made again, up to 5 times in all while
 *    a retry budget lasts (3 s of measuring with --quick, 30 s otherwise);
 *    the runs kept although disturbed are counted in "disturbed_runs";
 *  - /proc/meminfo lags the per-CPU vmstat deltas (up to a threshold per CPU
 *    and counter, a few hundred KiB on this machine).  When
 *    /proc/sys/vm/stat_refresh can be read (root) it is read just before
 *    /proc/meminfo, which folds those deltas and makes the counters exact;
 *    without it they are not (detail "exact_counters" = 0), and the N = 1
 *    and N = 100 figures are then rough;
 *  - Slab grows by whole slabs (a task_struct slab holds five in 32 KiB),
 *    and objects freed by earlier measurements are reused from partial slabs
 *    without any growth: the first tasks of a measurement look cheaper.
 * That is why N is large and the headline is a slope, in which these offsets
 * cancel (as long as they are below the cost of the first 100 tasks).
 * PageTables depends on the address space layout (ASLR), so the process
 * figures move by a page table page or two between invocations of pvbench.
 *
 * Results (bytes per task):
 *   memory.per_thread.nN, memory.per_process.nN (N = 1, 100, 1000): with N
 *     idle tasks alive, (user added + kernel added) / N.  Fixed costs and
 *     the reuse above are included, and for N = 1 the noise can even make
 *     it negative: kept as measured.
 *   memory.per_thread, memory.per_process: the MARGINAL cost, per run
 *     (M(1000) - M(100)) / 900 where M is the total added with N tasks alive,
 *     the 100 and the 1000 of the same run; fixed costs cancel.
 *   memory.per_thread_kernel, memory.per_process_kernel: the kernel part of
 *     that slope alone (KernelStack + Slab + PageTables).
 * Details of each result: the parts user_bytes, kernel_stack_bytes,
 * slab_bytes, page_table_bytes (per task, medians over the runs; the kernel
 * ones only for the _kernel results), exact_counters, disturbed_runs.
 * Runs: per kind one discarded measurement at N = 100, then o->runs runs (at
 * most 3 with --quick), each measuring N = 1, 100 and 1000 in turn.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "child.h"
#include "memory.h"

#define MEM_NN 3
static const unsigned int mem_n[MEM_NN] = { 1, 100, 1000 };
#define MEM_LO 1 /* index of N = 100 in mem_n */
#define MEM_HI 2 /* index of N = 1000 */

static const char *const part_key[NPART] = {
	"user_bytes", "kernel_stack_bytes", "slab_bytes", "page_table_bytes",
};

/* ---- the measuring child ---- */

/* One measurement in a measuring child; 0, or -1 with m->err. */
static int measure(int kind, unsigned int n, struct mem_msg *m)
{
	int p[2], st, e;
	uint64_t deadline;
	size_t got = 0;
	ssize_t k;
	pid_t pid, parent = getpid();

	memset(m, 0, sizeof(*m));
	if (pipe2(p, O_CLOEXEC)) {
		snprintf(m->err, sizeof(m->err), "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(m->err, sizeof(m->err), "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (!pid) {
		struct mem_msg cm;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		close(p[0]);
		memset(&cm, 0, sizeof(cm));
		if (kind == KIND_THREAD)
			e = measure_threads(n, &cm);
		else
			e = measure_procs(n, p[1], &cm);
		cm.ok = !e;
		do
			k = write(p[1], &cm, sizeof(cm));
		while (k < 0 && errno == EINTR);
		_exit(0);
	}
	close(p[1]);
	deadline = pvt_now_ns() + MEM_CHILD_MS * 1000000ull;
	while (got < sizeof(*m)) {
		struct pollfd pf = { .fd = p[0], .events = POLLIN };
		uint64_t now = pvt_now_ns();

		if (now >= deadline) {
			snprintf(m->err, sizeof(m->err), "the measuring child did not answer in %d s",
				 MEM_CHILD_MS / 1000);
			kill(pid, SIGKILL);
			break;
		}
		e = poll(&pf, 1, (int)((deadline - now) / 1000000) + 1);
		if (e < 0 && errno != EINTR) {
			snprintf(m->err, sizeof(m->err), "poll: %s", strerror(errno));
			kill(pid, SIGKILL);
			break;
		}
		if (e <= 0)
			continue;
		k = read(p[0], (char *)m + got, sizeof(*m) - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			snprintf(m->err, sizeof(m->err), "read: %s", strerror(errno));
			kill(pid, SIGKILL);
			break;
		}
		if (!k)
			break; /* EOF: the child is gone or going */
		got += (size_t)k;
	}
	close(p[0]);
	pvt_waitpid(pid, &st, 0);
	if (got < sizeof(*m)) {
		if (!m->err[0]) {
			if (WIFSIGNALED(st))
				snprintf(m->err, sizeof(m->err),
					 "the measuring child died (signal %d)", WTERMSIG(st));
			else
				snprintf(m->err, sizeof(m->err),
					 "the measuring child exited without an answer");
		}
		m->ok = 0;
		return -1;
	}
	m->err[sizeof(m->err) - 1] = '\0';
	if (!m->ok) {
		if (!m->err[0])
			snprintf(m->err, sizeof(m->err), "the measurement failed");
		return -1;
	}
	return 0;
}

/* ---- the suite ---- */

static double msg_total(const struct mem_msg *m)
{
	return m->part[PART_USER] + m->part[PART_KSTACK] + m->part[PART_SLAB] +
	       m->part[PART_PGTAB];
}

struct kind_res {
	struct bench_result *n[MEM_NN], *slope, *kern;
	double (*np)[NPART][BENCH_MAX_RUNS]; /* per N: per-task parts of each run */
	double sp[NPART][BENCH_MAX_RUNS];    /* slope parts of each run */
	unsigned int nn[MEM_NN], ns;
	unsigned int dist[MEM_NN], sdist; /* runs kept although disturbed */
	int exact;
};

/*
 * measure(), again (at most MEM_TRIES in all) while other tasks were created
 * or ended during the measurement, as long as *@budget (ns) covers another
 * measurement as long as the last one.
 */
static int measure_clean(const struct bench_opts *o, int kind, unsigned int n, struct mem_msg *m,
			 int64_t *budget)
{
	int64_t dt;
	uint64_t t0;
	int e;

	for (int t = 1;; t++) {
		t0 = pvt_now_ns();
		e = measure(kind, n, m);
		dt = (int64_t)(pvt_now_ns() - t0);
		if (e || !m->disturbed || t >= MEM_TRIES || dt > *budget)
			return e;
		*budget -= dt;
		bench_debug(o, "memory: %s N=%u: other tasks came or went meanwhile, again",
			    kind == KIND_THREAD ? "thread" : "process", n);
	}
}

static void add_median_extras(struct bench_result *r, double (*p)[BENCH_MAX_RUNS],
			      unsigned int n, int first, int exact, unsigned int disturbed)
{
	if (r->error[0] || !n)
		return;
	for (int i = first; i < NPART; i++)
		bench_extra(r, part_key[i], pvt_median(p[i], n));
	bench_extra(r, "exact_counters", exact);
	bench_extra(r, "disturbed_runs", disturbed);
}

static void run_kind(const struct bench_opts *o, int kind, struct kind_res *k, unsigned int runs,
		     int64_t *budget)
{
	const char *what = kind == KIND_THREAD ? "thread" : "process";
	double dn = mem_n[MEM_HI] - mem_n[MEM_LO];
	struct mem_msg m[MEM_NN];
	int okn[MEM_NN];

	k->exact = 1;
	/* Warm-up, discarded. */
	if (measure(kind, mem_n[MEM_LO], &m[0]))
		bench_debug(o, "memory: %s warm-up: %s", what, m[0].err);
	for (unsigned int run = 0; run < runs; run++) {
		for (int i = 0; i < MEM_NN; i++) {
			struct bench_result *r = k->n[i];
			double n = mem_n[i];

			okn[i] = 0;
			if (r->error[0])
				continue;
			if (measure_clean(o, kind, mem_n[i], &m[i], budget)) {
				bench_fail(r, "%s", m[i].err);
				continue;
			}
			okn[i] = 1;
			k->exact &= m[i].exact;
			k->dist[i] += !!m[i].disturbed;
			bench_add(r, msg_total(&m[i]) / n);
			for (int j = 0; j < NPART; j++)
				k->np[i][j][k->nn[i]] = m[i].part[j] / n;
			k->nn[i]++;
			bench_debug(o, "memory: %s N=%u: user %.0f kstack %.0f slab %.0f pgtab %.0f",
				    what, mem_n[i], m[i].part[PART_USER],
				    m[i].part[PART_KSTACK], m[i].part[PART_SLAB],
				    m[i].part[PART_PGTAB]);
		}
		if (!okn[MEM_LO] || !okn[MEM_HI])
			continue;
		for (int j = 0; j < NPART; j++)
			k->sp[j][k->ns] = (m[MEM_HI].part[j] - m[MEM_LO].part[j]) / dn;
		bench_add(k->slope, (msg_total(&m[MEM_HI]) - msg_total(&m[MEM_LO])) / dn);
		bench_add(k->kern, k->sp[PART_KSTACK][k->ns] + k->sp[PART_SLAB][k->ns] +
				   k->sp[PART_PGTAB][k->ns]);
		k->sdist += m[MEM_LO].disturbed || m[MEM_HI].disturbed;
		k->ns++;
	}
	for (int i = 0; i < MEM_NN; i++) {
		bench_finish(k->n[i]);
		add_median_extras(k->n[i], k->np[i], k->nn[i], 0, k->exact, k->dist[i]);
	}
	if (k->n[MEM_LO]->error[0] || k->n[MEM_HI]->error[0]) {
		const char *e = k->n[MEM_LO]->error[0] ? k->n[MEM_LO]->error :
							   k->n[MEM_HI]->error;

		bench_fail(k->slope, "needs N=%u and N=%u: %s", mem_n[MEM_LO], mem_n[MEM_HI], e);
		bench_fail(k->kern, "needs N=%u and N=%u: %s", mem_n[MEM_LO], mem_n[MEM_HI], e);
	}
	bench_finish(k->slope);
	bench_finish(k->kern);
	add_median_extras(k->slope, k->sp, k->ns, 0, k->exact, k->sdist);
	add_median_extras(k->kern, k->sp, k->ns, PART_KSTACK, k->exact, k->sdist);
}

int suite_memory(const struct bench_opts *o, struct bench_results *rs)
{
	static const char *const kname[2] = { "thread", "process" };
	static const char *const kplural[2] = { "threads", "processes" };
	struct kind_res *k[2];
	unsigned int runs = o->runs, nfail = 0;
	int64_t budget;
	char name[64];
	size_t first = rs->n;

	if (o->quick && runs > 3)
		runs = 3;
	if (runs > BENCH_MAX_RUNS)
		runs = BENCH_MAX_RUNS;
	if (!runs)
		runs = 1;
	for (int i = 0; i < 2; i++) {
		k[i] = calloc(1, sizeof(*k[i]));
		if (k[i])
			k[i]->np = calloc(MEM_NN, sizeof(*k[i]->np));
		if (!k[i] || !k[i]->np) {
			bench_err("memory: out of memory");
			for (int j = 0; j <= i; j++) {
				if (k[j])
					free(k[j]->np);
				free(k[j]);
			}
			return -1;
		}
	}
	for (int i = 0; i < 2; i++) {
		for (int j = 0; j < MEM_NN; j++) {
			snprintf(name, sizeof(name), "memory.per_%s.n%u", kname[i], mem_n[j]);
			k[i]->n[j] = bench_new(rs, name, BENCH_BYTES);
			bench_params(k[i]->n[j], "N=%u idle %s", mem_n[j],
				     mem_n[j] == 1 ? kname[i] : kplural[i]);
		}
	}
	for (int i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "memory.per_%s", kname[i]);
		k[i]->slope = bench_new(rs, name, BENCH_BYTES);
		bench_params(k[i]->slope, "slope N=%u..%u idle %s, user + kernel",
			     mem_n[MEM_LO], mem_n[MEM_HI], kplural[i]);
	}
	for (int i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "memory.per_%s_kernel", kname[i]);
		k[i]->kern = bench_new(rs, name, BENCH_BYTES);
		bench_params(k[i]->kern, "slope N=%u..%u idle %s, KernelStack+Slab+PageTables",
			     mem_n[MEM_LO], mem_n[MEM_HI], kplural[i]);
	}
	budget = o->quick ? MEM_RETRY_QUICK_NS : MEM_RETRY_FULL_NS;
	for (int i = 0; i < 2; i++)
		run_kind(o, i == 0 ? KIND_THREAD : KIND_PROC, k[i], runs, &budget);
	for (size_t i = first; i < rs->n; i++)
		nfail += !!rs->r[i].error[0];
	for (int i = 0; i < 2; i++) {
		free(k[i]->np);
		free(k[i]);
	}
	if (nfail < rs->n - first)
		return 0;
	bench_err("memory: nothing could be measured: %s", rs->r[first].error);
	return -1;
}

