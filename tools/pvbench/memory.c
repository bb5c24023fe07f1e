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
#include "pvbench.h"

#define MEM_NN 3
static const unsigned int mem_n[MEM_NN] = { 1, 100, 1000 };
#define MEM_LO 1 /* index of N = 100 in mem_n */
#define MEM_HI 2 /* index of N = 1000 */

#define MEM_READY_MS 20000   /* the tasks must all be ready by then */
#define MEM_CHILD_MS 60000   /* the measuring child must answer by then */
#define MEM_SETTLE_MIN_NS 25000000L   /* settle(): see there */
#define MEM_SETTLE_STEP_NS 10000000L
#define MEM_SETTLE_STEP_BYTES (64 * 1024)
#define MEM_SETTLE_MAX_NS 1000000000ull
#define MEM_SETTLE_BLIND_NS 50000000L
#define MEM_TRIES 5          /* measurements of one figure while disturbed */
#define MEM_RETRY_QUICK_NS 3000000000LL /* time the suite may spend measuring again */
#define MEM_RETRY_FULL_NS 30000000000LL

enum { KIND_THREAD, KIND_PROC };

/* The parts of a measurement, in bytes. */
enum { PART_USER, PART_KSTACK, PART_SLAB, PART_PGTAB, NPART };
static const char *const part_key[NPART] = {
	"user_bytes", "kernel_stack_bytes", "slab_bytes", "page_table_bytes",
};

/* What the measuring child sends back. */
struct mem_msg {
	int ok;
	int exact;             /* stat_refresh worked: the meminfo counters were exact */
	int disturbed;         /* other tasks were created or ended meanwhile */
	double part[NPART];    /* bytes added, all N tasks together */
	char err[160];
};

struct mem_state {
	double rss, kstack, slab, pgtab; /* bytes */
	long long forks, tasks;          /* tasks ever created, alive (-1: unknown) */
};

/* ---- reading /proc ---- */

static ssize_t read_text(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t k;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (len + 1 < size) {
		k = read(fd, buf + len, size - 1 - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			close(fd);
			return -1;
		}
		if (!k)
			break;
		len += (size_t)k;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

/* The value of the line "@key <number> kB" in @buf, in bytes; -1 if absent. */
static double kb_field(const char *buf, const char *key)
{
	size_t klen = strlen(key);
	const char *p = buf;

	while (p && *p) {
		if (!strncmp(p, key, klen))
			return (double)strtoll(p + klen, NULL, 10) * 1024.0;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

/* The "processes" line of /proc/stat: tasks created since boot; -1 if unknown. */
static long long read_forks(void)
{
	char buf[4096];
	size_t len = 0, rem;
	long long v = -1;
	int fd, skip = 0;
	char *p, *nl;
	ssize_t k;

	fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (;;) {
		k = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
		buf[len] = '\0';
		for (p = buf; (nl = memchr(p, '\n', (size_t)(buf + len - p))); p = nl + 1) {
			if (!skip && !strncmp(p, "processes ", 10)) {
				v = strtoll(p + 10, NULL, 10);
				goto out;
			}
			skip = 0;
		}
		rem = (size_t)(buf + len - p);
		if (rem == sizeof(buf) - 1) {
			/* A line longer than buf (intr): drop it up to its newline. */
			skip = 1;
			len = 0;
		} else {
			memmove(buf, p, rem);
			len = rem;
		}
	}
out:
	close(fd);
	return v;
}

/* The number of tasks alive, from /proc/loadavg ("0.00 0.00 0.00 1/123 456"); -1 if unknown. */
static long long read_tasks(void)
{
	char buf[256], *p;

	if (read_text("/proc/loadavg", buf, sizeof(buf)) < 0)
		return -1;
	p = strchr(buf, '/');
	return p ? strtoll(p + 1, NULL, 10) : -1;
}

/* Fold the per-CPU vmstat deltas into the global counters (root only); 1 if done. */
static int stat_refresh(void)
{
	char c;
	int fd = open("/proc/sys/vm/stat_refresh", O_RDONLY | O_CLOEXEC);
	ssize_t k;

	if (fd < 0)
		return 0;
	do
		k = read(fd, &c, 1);
	while (k < 0 && errno == EINTR);
	close(fd);
	return k >= 0;
}

/* KernelStack, Slab and PageTables of /proc/meminfo into @st; 0, or -1 with @err. */
static int read_meminfo(struct mem_state *st, char *err, size_t errsz)
{
	char buf[8192];

	if (read_text("/proc/meminfo", buf, sizeof(buf)) < 0) {
		snprintf(err, errsz, "cannot read /proc/meminfo: %s", strerror(errno));
		return -1;
	}
	st->kstack = kb_field(buf, "KernelStack:");
	st->slab = kb_field(buf, "Slab:");
	st->pgtab = kb_field(buf, "PageTables:");
	if (st->kstack < 0 || st->slab < 0 || st->pgtab < 0) {
		snprintf(err, errsz, "/proc/meminfo has no KernelStack, Slab or PageTables");
		return -1;
	}
	return 0;
}

/*
 * The measuring process's Rss, then the kernel counters.  The task counters
 * are read before /proc/meminfo when @before, after it otherwise, so that
 * their window encloses the meminfo one.  0 or -1 with @err.
 */
static int read_state(struct mem_state *st, bool before, int *exact, char *err, size_t errsz)
{
	char buf[4096];

	if (before) {
		st->forks = read_forks();
		st->tasks = read_tasks();
	}
	errno = 0;
	if (read_text("/proc/self/smaps_rollup", buf, sizeof(buf)) < 0 ||
	    (st->rss = kb_field(buf, "Rss:")) < 0) {
		snprintf(err, errsz, "cannot read Rss from /proc/self/smaps_rollup: %s",
			 strerror(errno ? errno : EINVAL));
		return -1;
	}
	*exact = stat_refresh();
	if (read_meminfo(st, err, errsz))
		return -1;
	if (!before) {
		st->forks = read_forks();
		st->tasks = read_tasks();
	}
	return 0;
}

/* @m = after - before; disturbed if tasks other than our @n were created or ended. */
static void state_delta(struct mem_msg *m, const struct mem_state *b, const struct mem_state *a,
			unsigned int n, double user_extra)
{
	m->part[PART_USER] = a->rss - b->rss + user_extra;
	m->part[PART_KSTACK] = a->kstack - b->kstack;
	m->part[PART_SLAB] = a->slab - b->slab;
	m->part[PART_PGTAB] = a->pgtab - b->pgtab;
	m->disturbed = b->forks >= 0 && a->forks >= 0 && b->tasks >= 0 && a->tasks >= 0 &&
		       (a->forks - b->forks != n || a->tasks - b->tasks != n);
	/*
	 * Adding tasks cannot shrink the kernel's memory: if it shrank, the
	 * kernel freed something else inside the window (slabs released late,
	 * the last of an earlier measurement's tasks).
	 */
	if (m->part[PART_KSTACK] + m->part[PART_SLAB] + m->part[PART_PGTAB] < 0)
		m->disturbed = 1;
}

static void sleep_ns(long ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000L, .tv_nsec = ns % 1000000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* KernelStack + Slab + PageTables in bytes, exact (1) or not (0); -1 if unreadable. */
static int kernel_total(double *v)
{
	struct mem_state st;
	int exact = stat_refresh();
	char err[8];

	if (read_meminfo(&st, err, sizeof(err)))
		return -1;
	*v = st.kstack + st.slab + st.pgtab;
	return exact;
}

/*
 * Let the kernel finish freeing the tasks that just ended: their task_struct,
 * mm and the rest go after one or more RCU grace periods, tens of ms.  Wait
 * MEM_SETTLE_MIN_NS, then, if the counters are exact, until they change by
 * less than MEM_SETTLE_STEP_BYTES in MEM_SETTLE_STEP_NS (MEM_SETTLE_MAX_NS at
 * most); if they are not, MEM_SETTLE_BLIND_NS in all.
 */
static void settle(void)
{
	uint64_t end = pvt_now_ns() + MEM_SETTLE_MAX_NS;
	double prev, cur;

	sleep_ns(MEM_SETTLE_MIN_NS);
	if (kernel_total(&prev) != 1) {
		sleep_ns(MEM_SETTLE_BLIND_NS - MEM_SETTLE_MIN_NS);
		return;
	}
	while (pvt_now_ns() < end) {
		sleep_ns(MEM_SETTLE_STEP_NS);
		if (kernel_total(&cur) != 1)
			return;
		if (cur - prev < MEM_SETTLE_STEP_BYTES && prev - cur < MEM_SETTLE_STEP_BYTES)
			return;
		prev = cur;
	}
}

/* ---- idle threads ---- */

static unsigned int th_ready, th_release, th_target;

static long futex(unsigned int *uaddr, int op, unsigned int val, const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

static void *idle_thread(void *arg)
{
	if (__atomic_add_fetch(&th_ready, 1, __ATOMIC_SEQ_CST) ==
	    __atomic_load_n(&th_target, __ATOMIC_SEQ_CST))
		futex(&th_ready, FUTEX_WAKE_PRIVATE, 1, NULL);
	while (!__atomic_load_n(&th_release, __ATOMIC_SEQ_CST))
		futex(&th_release, FUTEX_WAIT_PRIVATE, 0, NULL);
	return arg;
}

/* Wait until th_ready reaches @n; 0, or -1 after MEM_READY_MS. */
static int threads_wait_ready(unsigned int n)
{
	uint64_t deadline = pvt_now_ns() + MEM_READY_MS * 1000000ull;
	struct timespec ts = { 0, 100000000L };
	unsigned int r;

	while ((r = __atomic_load_n(&th_ready, __ATOMIC_SEQ_CST)) < n) {
		if (pvt_now_ns() > deadline)
			return -1;
		futex(&th_ready, FUTEX_WAIT_PRIVATE, r, &ts);
	}
	return 0;
}

static void threads_release(pthread_t *t, unsigned int n)
{
	__atomic_store_n(&th_release, 1, __ATOMIC_SEQ_CST);
	futex(&th_release, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL);
	for (unsigned int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

/* Wait until this process has one thread left (the others released by the kernel). */
static void threads_wait_gone(void)
{
	uint64_t deadline = pvt_now_ns() + 1000000000ull;
	char buf[4096];
	const char *p;

	while (pvt_now_ns() < deadline) {
		if (read_text("/proc/self/status", buf, sizeof(buf)) < 0)
			return;
		p = strstr(buf, "\nThreads:");
		if (!p || strtol(p + 9, NULL, 10) <= 1)
			return;
		sleep_ns(100000);
	}
}

/* A warm-up thread on a stack of our own: glibc does not cache such a stack. */
static int threads_warmup(char *err, size_t errsz)
{
	size_t sz = 256 * 1024;
	pthread_attr_t attr;
	pthread_t t;
	void *stk;
	int e;

	stk = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
		   -1, 0);
	if (stk == MAP_FAILED) {
		snprintf(err, errsz, "mmap: %s", strerror(errno));
		return -1;
	}
	th_ready = th_release = 0;
	th_target = 1;
	pthread_attr_init(&attr);
	pthread_attr_setstack(&attr, stk, sz);
	e = pthread_create(&t, &attr, idle_thread, NULL);
	pthread_attr_destroy(&attr);
	if (e) {
		munmap(stk, sz);
		snprintf(err, errsz, "pthread_create: %s", strerror(e));
		return -1;
	}
	threads_wait_ready(1);
	threads_release(&t, 1);
	threads_wait_gone();
	munmap(stk, sz);
	return 0;
}

static int measure_threads(unsigned int n, struct mem_msg *m)
{
	struct mem_state b, a;
	unsigned int i;
	pthread_t *t;
	int e, ok = -1;

	t = calloc(n, sizeof(*t));
	if (!t) {
		snprintf(m->err, sizeof(m->err), "out of memory");
		return -1;
	}
	memset(t, 0, n * sizeof(*t));
	if (read_state(&b, true, &m->exact, m->err, sizeof(m->err)) ||
	    threads_warmup(m->err, sizeof(m->err)))
		goto out;
	settle();
	th_ready = th_release = 0;
	th_target = n;
	if (read_state(&b, true, &m->exact, m->err, sizeof(m->err)))
		goto out;
	for (i = 0; i < n; i++) {
		e = pthread_create(&t[i], NULL, idle_thread, NULL);
		if (e) {
			snprintf(m->err, sizeof(m->err), "pthread_create: thread %u of %u: %s",
				 i + 1, n, strerror(e));
			threads_release(t, i);
			goto out;
		}
	}
	if (threads_wait_ready(n)) {
		snprintf(m->err, sizeof(m->err), "the %u threads were not all ready after %d s",
			 n, MEM_READY_MS / 1000);
		threads_release(t, n);
		goto out;
	}
	sleep_ns(2000000);
	e = read_state(&a, false, &m->exact, m->err, sizeof(m->err));
	threads_release(t, n);
	if (e)
		goto out;
	state_delta(m, &b, &a, n, 0);
	ok = 0;
out:
	free(t);
	return ok;
}

/* ---- idle processes ---- */

/* An idle child: ready, then blocked reading @rel until its write end is closed. */
static void __attribute__((noreturn)) idle_child(pid_t parent, int rdy, int rel, int res)
{
	char c = 'r';
	ssize_t k;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	close(res);
	do
		k = write(rdy, &c, 1);
	while (k < 0 && errno == EINTR);
	close(rdy);
	do
		k = read(rel, &c, 1);
	while (k < 0 && errno == EINTR);
	_exit(0);
}

/*
 * Fork @n idle children (pids in @pid); the children close their copies of
 * the pipes' other ends.  Returns how many were started; @err if not all.
 */
static unsigned int procs_start(unsigned int n, pid_t *pid, int rdy[2], int rel[2], int res,
				char *err, size_t errsz)
{
	pid_t self = getpid();
	unsigned int i;

	for (i = 0; i < n; i++) {
		/* Not pid[i] = fork(): the child would copy that heap page. */
		pid_t p = fork();

		if (p < 0) {
			snprintf(err, errsz, "fork: process %u of %u: %s", i + 1, n,
				 strerror(errno));
			break;
		}
		if (!p) {
			close(rdy[0]);
			close(rel[1]);
			idle_child(self, rdy[1], rel[0], res);
		}
		pid[i] = p;
	}
	return i;
}

/* Read @n ready bytes; 0, or -1 (a child died before, or timeout). */
static int procs_wait_ready(int rdy, unsigned int n)
{
	uint64_t deadline = pvt_now_ns() + MEM_READY_MS * 1000000ull;
	unsigned int got = 0;
	char buf[256];
	struct pollfd p = { .fd = rdy, .events = POLLIN };
	ssize_t k;
	int left;

	while (got < n) {
		uint64_t now = pvt_now_ns();

		if (now >= deadline)
			return -1;
		left = (int)((deadline - now) / 1000000) + 1;
		if (poll(&p, 1, left) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (!p.revents)
			continue;
		k = read(rdy, buf, sizeof(buf));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		got += (unsigned int)k;
	}
	return 0;
}

/* Close the release pipe (the children read EOF and exit) and reap them. */
static void procs_end(int *rel_w, pid_t *pid, unsigned int n)
{
	int st;

	if (*rel_w >= 0) {
		close(*rel_w);
		*rel_w = -1;
	}
	for (unsigned int i = 0; i < n; i++)
		while (waitpid(pid[i], &st, 0) < 0 && errno == EINTR)
			;
}

/* The private pages of each child, summed, in bytes; -1 if one cannot be read. */
static double procs_private(const pid_t *pid, unsigned int n, char *err, size_t errsz)
{
	char path[64], buf[4096];
	double sum = 0, c, d;

	for (unsigned int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid[i]);
		errno = 0;
		if (read_text(path, buf, sizeof(buf)) < 0 ||
		    (c = kb_field(buf, "Private_Clean:")) < 0 ||
		    (d = kb_field(buf, "Private_Dirty:")) < 0) {
			snprintf(err, errsz, "cannot read Private_* from %s: %s", path,
				 strerror(errno ? errno : EINVAL));
			return -1;
		}
		sum += c + d;
	}
	return sum;
}

static int measure_procs(unsigned int n, int res, struct mem_msg *m)
{
	int rdy[2] = { -1, -1 }, rel[2] = { -1, -1 }, ok = -1;
	struct mem_state b, a;
	unsigned int started;
	double priv;
	pid_t *pid;

	pid = calloc(n, sizeof(*pid));
	if (!pid) {
		snprintf(m->err, sizeof(m->err), "out of memory");
		return -1;
	}
	memset(pid, 0, n * sizeof(*pid));
	if (read_state(&b, true, &m->exact, m->err, sizeof(m->err)))
		goto out;
	/* Warm-up: one idle child, started and ended the same way. */
	if (pipe2(rdy, O_CLOEXEC) || pipe2(rel, O_CLOEXEC)) {
		snprintf(m->err, sizeof(m->err), "pipe: %s", strerror(errno));
		goto out;
	}
	started = procs_start(1, pid, rdy, rel, res, m->err, sizeof(m->err));
	close(rdy[1]);
	if (started == 1)
		procs_wait_ready(rdy[0], 1);
	procs_end(&rel[1], pid, started);
	close(rel[0]);
	close(rdy[0]);
	rdy[0] = rdy[1] = rel[0] = -1;
	if (started != 1)
		goto out;
	settle();

	if (pipe2(rdy, O_CLOEXEC) || pipe2(rel, O_CLOEXEC)) {
		snprintf(m->err, sizeof(m->err), "pipe: %s", strerror(errno));
		goto out;
	}
	if (read_state(&b, true, &m->exact, m->err, sizeof(m->err)))
		goto out;
	started = procs_start(n, pid, rdy, rel, res, m->err, sizeof(m->err));
	if (started < n) {
		procs_end(&rel[1], pid, started);
		goto out;
	}
	close(rdy[1]);
	rdy[1] = -1;
	if (procs_wait_ready(rdy[0], n)) {
		snprintf(m->err, sizeof(m->err),
			 "the %u processes were not all ready after %d s (one died?)", n,
			 MEM_READY_MS / 1000);
		procs_end(&rel[1], pid, n);
		goto out;
	}
	sleep_ns(2000000);
	if (read_state(&a, false, &m->exact, m->err, sizeof(m->err))) {
		procs_end(&rel[1], pid, n);
		goto out;
	}
	priv = procs_private(pid, n, m->err, sizeof(m->err));
	procs_end(&rel[1], pid, n);
	if (priv < 0)
		goto out;
	state_delta(m, &b, &a, n, priv);
	ok = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (rdy[i] >= 0)
			close(rdy[i]);
		if (rel[i] >= 0)
			close(rel[i]);
	}
	free(pid);
	return ok;
}

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
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
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
