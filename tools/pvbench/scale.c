// SPDX-License-Identifier: GPL-2.0
/*
 * scale.c - pvbench "scale" suite: what it costs to have N tasks alive at
 * once, created as threads or as processes.
 *
 * Every figure is milliseconds for one BATCH (the operation): CLOCK_MONOTONIC
 * from just before the first create to just after the last join or reap.
 * Nothing is subtracted.  details.per_task_us is median / N, in
 * microseconds.
 *
 * scale.threads_1k     pthread_create() N = 1000 (10000) threads with default
 * scale.threads_10k    attributes; each waits with FUTEX_WAIT_PRIVATE on a
 *                      shared "go" word, so all N are alive at once; then
 *                      go = 1, one FUTEX_WAKE of all, and pthread_join() of
 *                      every thread in creation order.
 * scale.processes_1k   fork() N = 1000 (10000) children; each sets
 * scale.processes_10k  PR_SET_PDEATHSIG, closes its copy of a shared pipe's
 *                      write end and blocks reading the pipe, so all N are
 *                      alive at once; then the parent closes the write end
 *                      (every child reads EOF and _exit(0)s) and waitpid()s
 *                      every child in creation order.
 *
 * Runs: for each kind, one discarded 1000-task batch (100 with --quick)
 * before its 1000-task runs (warm-up: slab caches, glibc's stack cache,
 * pvbench's page tables);
 * then o->runs batches for N = 1000, and for N = 10000 min(o->runs, 5)
 * batches, one in --quick mode (p10 = p90 = median then).  --quick keeps its
 * time budget on slow machines: once a result has 3 runs it takes no more
 * after it has used 3 s (warm-up included).  A 10000-task result always
 * runs (once with --quick): every name of the contract has its figure.
 *
 * Before each result the headroom is checked: RLIMIT_NPROC (tasks of our
 * real uid, unless root or CAP_SYS_RESOURCE / CAP_SYS_ADMIN), threads-max
 * and pid_max (all tasks in /proc/loadavg), and the pids cgroup (pids.max -
 * pids.current), each with 64 tasks to spare.  If creation fails part way anyway, every task created is
 * released and joined or reaped, and the result fails with the error and
 * how many were created.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>
#include "child.h"
#include "fileio.h"
#include "parse.h"
#include "pvbench.h"

#define SCALE_SMALL 1000
#define SCALE_LARGE 10000
#define SCALE_LARGE_MAX_RUNS 5
#define SCALE_MARGIN 64          /* tasks kept free beside the N we create */
#define SCALE_QUICK_MIN_RUNS 3
#define SCALE_QUICK_WARMUP 100   /* --quick: tasks in the discarded warm-up batch */
#define SCALE_QUICK_RESULT_NS 3000000000ull /* --quick: stop a result's runs after this (ns) */

struct scale_batch {
	unsigned int n;             /* tasks to create */
	pthread_t *tids;            /* threads */
	pid_t *pids;                /* processes */
	unsigned int go;            /* threads: the FUTEX "go" word */
	char err[200];
};

static long futex(unsigned int *uaddr, int op, unsigned int val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

static void *waiter(void *arg)
{
	struct scale_batch *b = arg;

	while (!__atomic_load_n(&b->go, __ATOMIC_ACQUIRE))
		futex(&b->go, FUTEX_WAIT_PRIVATE, 0);
	return NULL;
}

/* Let every waiter go and join the first @created. */
static void release_threads(struct scale_batch *b, unsigned int created)
{
	__atomic_store_n(&b->go, 1, __ATOMIC_RELEASE);
	futex(&b->go, FUTEX_WAKE_PRIVATE, INT_MAX);
	for (unsigned int i = 0; i < created; i++)
		pthread_join(b->tids[i], NULL);
}

/*
 * One thread batch: ms from the first create to the last join; -1 with
 * b->err if creation failed (what was created is joined).
 */
static double thread_batch(struct scale_batch *b)
{
	uint64_t t0, t1;
	unsigned int i;
	int e = 0;

	b->go = 0;
	t0 = pvt_now_ns();
	for (i = 0; i < b->n; i++) {
		e = pthread_create(&b->tids[i], NULL, waiter, b);
		if (e)
			break;
	}
	release_threads(b, i);
	t1 = pvt_now_ns();
	if (e) {
		snprintf(b->err, sizeof(b->err), "pthread_create: %s after %u of %u", strerror(e),
			 i, b->n);
		return -1;
	}
	return (double)(t1 - t0) / 1e6;
}

/* Reap the first @created children; how many did not exit 0. */
static unsigned int reap_children(struct scale_batch *b, unsigned int created)
{
	unsigned int bad = 0;
	int st;

	for (unsigned int i = 0; i < created; i++) {
		pid_t r;

		r = pvt_waitpid(b->pids[i], &st, 0);
		if (r < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			bad++;
	}
	return bad;
}

/* One process batch, as thread_batch(). */
static double process_batch(struct scale_batch *b)
{
	pid_t parent = getpid();
	uint64_t t0, t1;
	unsigned int i, bad;
	int p[2], e = 0;

	if (pipe(p)) {
		snprintf(b->err, sizeof(b->err), "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	t0 = pvt_now_ns();
	for (i = 0; i < b->n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			e = errno;
			break;
		}
		if (pid == 0) {
			char c;
			ssize_t n;

			if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
				_exit(1);
			close(p[1]);
			while ((n = read(p[0], &c, 1)) != 0 && (n > 0 || errno == EINTR))
				;
			_exit(0);
		}
		b->pids[i] = pid;
	}
	close(p[1]);
	bad = reap_children(b, i);
	t1 = pvt_now_ns();
	close(p[0]);
	if (e) {
		snprintf(b->err, sizeof(b->err), "fork: %s after %u of %u", strerror(e), i, b->n);
		return -1;
	}
	if (bad) {
		snprintf(b->err, sizeof(b->err), "%u of %u children did not exit 0", bad, b->n);
		return -1;
	}
	return (double)(t1 - t0) / 1e6;
}

/* A number from a one-line file; -1 if unreadable ("max" reads as LLONG_MAX). */
static long long read_num(const char *path)
{
	char buf[64];
	const char *p = buf;
	uint64_t v;

	if (pvt_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	if (!strncmp(buf, "max", 3))
		return LLONG_MAX;
	return pvt_scan_u64(&p, &v) && v <= LLONG_MAX ? (long long)v : -1;
}

/* Tasks (threads) whose real uid is @uid, as RLIMIT_NPROC counts them. */
static long long tasks_of_uid(uid_t uid)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	long long count = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char path[300], buf[16384];
		uint64_t ruid, thr;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", de->d_name);
		if (pvt_read_file(path, buf, sizeof(buf)) < 0)
			continue;
		if (pvt_text_field(buf, "Uid:", &ruid) && ruid == uid &&
		    pvt_text_field(buf, "Threads:", &thr))
			count += (long long)thr;
	}
	closedir(d);
	return count;
}

/* Whether the effective capabilities hold CAP_SYS_ADMIN (21) or CAP_SYS_RESOURCE (24). */
static bool nproc_exempt(void)
{
	char line[128];
	bool ok = false;
	FILE *f;

	if (getuid() == 0)
		return true;
	f = fopen("/proc/self/status", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "CapEff:", 7)) {
			unsigned long long cap = strtoull(line + 7, NULL, 16);

			ok = cap & ((1ull << 21) | (1ull << 24));
			break;
		}
	}
	fclose(f);
	return ok;
}

/* The pids cgroup's room (pids.max - pids.current), v2 or v1; LLONG_MAX if none found. */
static long long cgroup_pids_room(void)
{
	long long room = LLONG_MAX;
	char line[512];
	FILE *f = fopen("/proc/self/cgroup", "re");

	if (!f)
		return room;
	while (fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *path, base[700];
		long long max, cur;

		if (!ctl)
			continue;
		path = strchr(++ctl, ':');
		if (!path)
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		if (!*ctl)
			snprintf(base, sizeof(base), "/sys/fs/cgroup%s", path);
		else if (!strcmp(ctl, "pids"))
			snprintf(base, sizeof(base), "/sys/fs/cgroup/pids%s", path);
		else
			continue;
		{
			char p[760];

			snprintf(p, sizeof(p), "%s/pids.max", base);
			max = read_num(p);
			snprintf(p, sizeof(p), "%s/pids.current", base);
			cur = read_num(p);
		}
		if (max >= 0 && max != LLONG_MAX && cur >= 0 && max - cur < room)
			room = max - cur;
	}
	fclose(f);
	return room;
}

/* The limits as text for a failure message. */
static void limits_text(char *buf, size_t sz)
{
	struct rlimit rl;
	char nproc[32] = "unlimited";

	if (!getrlimit(RLIMIT_NPROC, &rl) && rl.rlim_cur != RLIM_INFINITY)
		snprintf(nproc, sizeof(nproc), "%llu", (unsigned long long)rl.rlim_cur);
	snprintf(buf, sz, "RLIMIT_NPROC %s, threads-max %lld, pid_max %lld", nproc,
		 read_num("/proc/sys/kernel/threads-max"), read_num("/proc/sys/kernel/pid_max"));
}

/* 0 if @n more tasks fit under every limit, else -1 with the reason in @err. */
static int check_headroom(unsigned int n, char *err, size_t errsz)
{
	long long need = (long long)n + SCALE_MARGIN, total = bench_tasks_alive(), lim, room;
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NPROC, &rl) && rl.rlim_cur != RLIM_INFINITY && !nproc_exempt()) {
		long long mine = tasks_of_uid(getuid());

		if (mine >= 0 && mine + need > (long long)rl.rlim_cur) {
			snprintf(err, errsz,
				 "RLIMIT_NPROC %llu leaves room for %lld tasks, %u needed",
				 (unsigned long long)rl.rlim_cur, (long long)rl.rlim_cur - mine, n);
			return -1;
		}
	}
	lim = read_num("/proc/sys/kernel/threads-max");
	if (lim > 0 && total >= 0 && total + need > lim) {
		snprintf(err, errsz, "threads-max %lld with %lld tasks running: %u more do not fit",
			 lim, total, n);
		return -1;
	}
	lim = read_num("/proc/sys/kernel/pid_max");
	if (lim > 0 && total >= 0 && total + need > lim) {
		snprintf(err, errsz, "pid_max %lld with %lld tasks running: %u more do not fit",
			 lim, total, n);
		return -1;
	}
	room = cgroup_pids_room();
	if (room < need) {
		snprintf(err, errsz, "pids cgroup leaves room for %lld tasks, %u needed", room, n);
		return -1;
	}
	return 0;
}

/*
 * One result: N = @n tasks, threads or processes.
 */
static void run_scale(const struct bench_opts *o, struct bench_result *r, unsigned int n,
		      bool threads)
{
	double (*batch)(struct scale_batch *) = threads ? thread_batch : process_batch;
	struct scale_batch b = { 0 };
	unsigned int runs = o->runs;
	uint64_t t0 = pvt_now_ns();
	char lim[160];
	double ms;

	bench_params(r, "N=%u %s, all alive at once, create to last %s", n,
		     threads ? "threads" : "processes", threads ? "join" : "reap");
	if (n > SCALE_SMALL)
		runs = o->quick ? 1 : (runs < SCALE_LARGE_MAX_RUNS ? runs : SCALE_LARGE_MAX_RUNS);
	if (check_headroom(n, b.err, sizeof(b.err))) {
		bench_fail(r, "%s", b.err);
		return;
	}
	if (threads)
		b.tids = calloc(n, sizeof(*b.tids));
	else
		b.pids = calloc(n, sizeof(*b.pids));
	if (!b.tids && !b.pids) {
		bench_fail(r, "out of memory");
		return;
	}

	/*
	 * Warm-up, once per kind (before its 1000-task runs): one discarded
	 * batch; of 100 tasks with --quick, which warms the same paths.
	 */
	b.n = o->quick ? SCALE_QUICK_WARMUP : n;
	if (n == SCALE_SMALL && batch(&b) < 0)
		goto fail;
	b.n = n;
	for (unsigned int i = 0; i < runs; i++) {
		ms = batch(&b);
		if (ms < 0)
			goto fail;
		bench_debug(o, "%s run %u: %.1f ms", r->name, i, ms);
		bench_add(r, ms);
		/* --quick on a slow machine: SCALE_QUICK_MIN_RUNS, then mind the budget. */
		if (o->quick && i + 1 >= SCALE_QUICK_MIN_RUNS &&
		    pvt_now_ns() - t0 > SCALE_QUICK_RESULT_NS)
			break;
	}
	bench_finish(r);
	bench_extra(r, "per_task_us", r->median / n * 1000.0);
	free(b.tids);
	free(b.pids);
	return;
fail:
	limits_text(lim, sizeof(lim));
	bench_fail(r, "%s (%s)", b.err, lim);
	free(b.tids);
	free(b.pids);
}

int suite_scale(const struct bench_opts *o, struct bench_results *rs)
{
	static const struct {
		const char *name;
		unsigned int n;
		bool threads;
	} tests[] = {
		{ "scale.threads_1k", SCALE_SMALL, true },
		{ "scale.processes_1k", SCALE_SMALL, false },
		{ "scale.threads_10k", SCALE_LARGE, true },
		{ "scale.processes_10k", SCALE_LARGE, false },
	};
	int ok = 0;

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		struct bench_result *r = bench_new(rs, tests[i].name, BENCH_MS);
		uint64_t t0 = pvt_now_ns();

		run_scale(o, r, tests[i].n, tests[i].threads);
		bench_debug(o, "%s: %.2f s", tests[i].name, (double)(pvt_now_ns() - t0) / 1e9);
		ok += !r->error[0];
	}
	return ok ? 0 : -1;
}
