// SPDX-License-Identifier: GPL-2.0
/*
 * create.c - pvbench "create" suite: what it costs to create (and get rid
 * of) one process or one thread.
 *
 * Every figure is microseconds per operation, timed with bench_time(): a
 * discarded warm-up call, the iteration count sized so one run lasts at
 * least min_run_ns, then o->runs runs; a run's figure is its elapsed
 * CLOCK_MONOTONIC time divided by its iterations.  Nothing is subtracted:
 * the loop around an operation costs nanoseconds against tens of
 * microseconds.  One OPERATION is the whole cycle, as a program that
 * creates a task for a piece of work pays it:
 *
 * create.fork            fork(); the child calls _exit(0) at once; the parent
 *                        waitpid()s it (and checks it exited 0).
 * create.vfork           the same with vfork() (the parent sleeps until the
 *                        child's _exit).
 * create.posix_spawn     posix_spawn() of `true` (/bin/true or /usr/bin/true,
 *                        found at startup) with pvbench's environ, then
 *                        waitpid().  glibc spawns with clone(CLONE_VM|CLONE_VFORK)
 *                        and the exec, the dynamic loading of `true` and its
 *                        exit are all inside the operation.
 * create.fork_exec       fork(); the child execve()s `true`; waitpid().  The
 *                        classic fork + exec, page-table copy included.
 * create.pthread_create  pthread_create() with default attributes of a thread
 *                        that returns at once, then pthread_join().  glibc
 *                        reuses the joined thread's cached stack, so this is
 *                        the warm path (no mmap of a new stack).
 * create.clone_thread    raw clone(CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|
 *                        CLONE_THREAD|CLONE_SYSVSEM|CLONE_PARENT_SETTID|
 *                        CLONE_CHILD_CLEARTID) on one stack mapped once and
 *                        reused; the child function returns at once and
 *                        glibc's clone() ends that thread with the exit
 *                        syscall; the parent joins with FUTEX_WAIT on the
 *                        CLONE_CHILD_CLEARTID word until the kernel zeroes
 *                        it.  The kernel's thread creation without glibc's
 *                        stack and TLS set-up.  All signals are blocked around
 *                        the timed loop (not per operation) so that no signal
 *                        handler can run on a thread that has no TLS of its own.
 * create.fork_64m        fork() + _exit(0) + waitpid() of a process with 64 MiB
 * create.fork_1g         (1 GiB) of private anonymous memory resident: mmap,
 *                        MADV_NOHUGEPAGE (4 KiB pages, as a malloc heap has
 *                        them where THP is not "always"), one byte written per
 *                        4 KiB page.  The memory is held by a helper child
 *                        forked from pvbench, which runs bench_time() itself
 *                        and sends its runs back over a pipe, so pvbench never
 *                        holds it.  details.resident_bytes is the helper's
 *                        VmRSS just before its timed loop.  Needs MemAvailable
 *                        of 1.5 times the size.  The quick mode does 3 runs of
 *                        fork_1g instead of o->runs.
 *
 * Children that do nothing but _exit(0) or exec `true` do not set
 * PR_SET_PDEATHSIG: that would add two syscalls to the figure, and such a
 * child cannot outlive pvbench for more than its own exit.  The memory
 * helper does set it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "child.h"
#include "fileio.h"
#include "parse.h"
#include "pvbench.h"

extern char **environ;

#define PROC_MAX_ITERS (1u << 16)
#define THREAD_MAX_ITERS (1u << 22)
#define CLONE_STACK_SIZE (64 * 1024)
#define PAGE_4K 4096ul
#define HELPER_TIMEOUT_MS (300 * 1000)
#define HELPER_MAX_RUNS 64

struct create_ctx {
	const char *true_path;     /* /bin/true or /usr/bin/true */
	char *true_argv[2];
	void *stack;               /* create.clone_thread: the one stack */
	volatile pid_t tid;        /* create.clone_thread: PARENT_SETTID / CHILD_CLEARTID word */
};

/* "exited 3", "killed by signal 9" */
static void describe_status(int st, char *buf, size_t sz)
{
	if (WIFEXITED(st))
		snprintf(buf, sz, "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, sz, "killed by signal %d (%s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else
		snprintf(buf, sz, "status 0x%x", st);
}

/* Reap @pid; 0 if it exited 0, else -1 with the reason in @err. */
static int reap(pid_t pid, const char *what, char *err, size_t errsz)
{
	char how[64];
	int st;

	if (pvt_waitpid(pid, &st, 0) < 0) {
		snprintf(err, errsz, "waitpid: %s", strerror(errno));
		return -1;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	describe_status(st, how, sizeof(how));
	snprintf(err, errsz, "%s child %s", what, how);
	return -1;
}

/*
 * The process cycles differ only in how the child starts: each starter
 * returns the child's pid, or -1 with the reason in @err.  The cycle is
 * start, then reap (the child must exit 0).
 */
typedef pid_t (*start_fn)(struct create_ctx *c, char *err, size_t errsz);

static pid_t start_fork(struct create_ctx *c, char *err, size_t errsz)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid < 0)
		snprintf(err, errsz, "fork: %s", strerror(errno));
	return pid;
}

/* Not inlined: the vfork child shares this frame and must only _exit(). */
static __attribute__((noinline)) pid_t start_vfork(struct create_ctx *c, char *err, size_t errsz)
{
	pid_t pid = vfork();

	if (pid == 0)
		_exit(0);
	if (pid < 0)
		snprintf(err, errsz, "vfork: %s", strerror(errno));
	return pid;
}

static pid_t start_posix_spawn(struct create_ctx *c, char *err, size_t errsz)
{
	pid_t pid;
	int e = posix_spawn(&pid, c->true_path, NULL, NULL, c->true_argv, environ);

	if (!e)
		return pid;
	snprintf(err, errsz, "posix_spawn %s: %s", c->true_path, strerror(e));
	return -1;
}

static pid_t start_fork_exec(struct create_ctx *c, char *err, size_t errsz)
{
	pid_t pid = fork();

	if (pid == 0) {
		execve(c->true_path, c->true_argv, environ);
		_exit(127);
	}
	if (pid < 0)
		snprintf(err, errsz, "fork: %s", strerror(errno));
	return pid;
}

static int cycles(struct create_ctx *c, uint64_t iters, start_fn start, const char *what,
		  char *err, size_t errsz)
{
	fflush(NULL);
	for (uint64_t i = 0; i < iters; i++) {
		pid_t pid = start(c, err, errsz);

		if (pid < 0 || reap(pid, what, err, errsz))
			return -1;
	}
	return 0;
}

static int op_fork(void *ctx, uint64_t iters, char *err, size_t errsz)
{
	return cycles(ctx, iters, start_fork, "fork", err, errsz);
}

static int op_vfork(void *ctx, uint64_t iters, char *err, size_t errsz)
{
	return cycles(ctx, iters, start_vfork, "vfork", err, errsz);
}

static int op_posix_spawn(void *ctx, uint64_t iters, char *err, size_t errsz)
{
	return cycles(ctx, iters, start_posix_spawn, ((struct create_ctx *)ctx)->true_path, err,
		      errsz);
}

static int op_fork_exec(void *ctx, uint64_t iters, char *err, size_t errsz)
{
	return cycles(ctx, iters, start_fork_exec, ((struct create_ctx *)ctx)->true_path, err,
		      errsz);
}

static void *thread_return(void *arg)
{
	return arg;
}

static int op_pthread(void *ctx, uint64_t iters, char *err, size_t errsz)
{
	for (uint64_t i = 0; i < iters; i++) {
		pthread_t t;
		int e = pthread_create(&t, NULL, thread_return, NULL);

		if (e) {
			snprintf(err, errsz, "pthread_create: %s", strerror(e));
			return -1;
		}
		e = pthread_join(t, NULL);
		if (e) {
			snprintf(err, errsz, "pthread_join: %s", strerror(e));
			return -1;
		}
	}
	return 0;
}

/* Runs on the raw clone thread with pvbench's TLS: must touch nothing. */
static int clone_child(void *arg)
{
	return 0;
}

#define RAW_THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
			  CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

static int op_clone_thread(void *ctx, uint64_t iters, char *err, size_t errsz)
{
	struct create_ctx *c = ctx;
	char *top = (char *)c->stack + CLONE_STACK_SIZE;
	sigset_t all, old;
	int ret = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (uint64_t i = 0; i < iters; i++) {
		pid_t t;

		c->tid = 0;
		if (clone(clone_child, top, RAW_THREAD_FLAGS, NULL, &c->tid, NULL, &c->tid) < 0) {
			snprintf(err, errsz, "clone: %s", strerror(errno));
			ret = -1;
			break;
		}
		/* PARENT_SETTID stored the tid before clone() returned; EXIT clears it. */
		while ((t = c->tid) != 0) {
			if (syscall(SYS_futex, &c->tid, FUTEX_WAIT, t, NULL, NULL, 0) < 0 &&
			    errno != EAGAIN && errno != EINTR) {
				snprintf(err, errsz, "futex wait: %s", strerror(errno));
				ret = -1;
				/* The thread still runs on c->stack: spin until it is gone. */
				while (c->tid)
					sched_yield();
				break;
			}
		}
		if (ret)
			break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

/* A "Key:  123 kB" line of a /proc file, in bytes; -1 if missing. */
static long long proc_kb(const char *path, const char *key)
{
	char buf[16384], k[64];
	uint64_t v;

	snprintf(k, sizeof(k), "%s:", key);
	if (pvt_read_file(path, buf, sizeof(buf)) < 0 || !pvt_text_field(buf, k, &v))
		return -1;
	return (long long)v * 1024;
}

/* What the memory helper sends back: one message, well under PIPE_BUF. */
struct helper_msg {
	int ok;
	unsigned int n;
	uint64_t ops_per_run;
	double resident;
	double v[HELPER_MAX_RUNS];
	char err[200];
};

/* In the helper child: map, touch, measure, time; the message goes to @fd. */
static void helper_main(const struct bench_opts *o, size_t size, int fd)
{
	struct bench_results rs = { 0 };
	struct bench_result *r;
	struct helper_msg m;
	char *p;

	memset(&m, 0, sizeof(m));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		snprintf(m.err, sizeof(m.err), "mmap %zu MiB: %s", size >> 20, strerror(errno));
		goto out;
	}
	madvise(p, size, MADV_NOHUGEPAGE);
	for (size_t off = 0; off < size; off += PAGE_4K)
		p[off] = 1;
	m.resident = (double)proc_kb("/proc/self/status", "VmRSS");

	r = bench_new(&rs, "create.fork_mem", BENCH_US);
	if (!bench_time(o, r, op_fork, NULL, PROC_MAX_ITERS)) {
		m.ok = 1;
		m.ops_per_run = r->ops_per_run;
		for (unsigned int i = 0; i < r->n && m.n < HELPER_MAX_RUNS; i++)
			m.v[m.n++] = r->v[i];
	} else {
		snprintf(m.err, sizeof(m.err), "%s", r->error);
	}
	bench_results_free(&rs);
	munmap(p, size);
out:
	while (write(fd, &m, sizeof(m)) < 0 && errno == EINTR)
		;
}

/* create.fork_64m, create.fork_1g: run the helper and take its runs. */
static void fork_resident(const struct bench_opts *o, struct bench_result *r, size_t size)
{
	long long avail = proc_kb("/proc/meminfo", "MemAvailable");
	struct bench_opts ho = *o;
	struct helper_msg m;
	size_t got = 0;
	pid_t parent = getpid(), pid;
	int pfd[2], tmo = HELPER_TIMEOUT_MS;
	char err[160] = "", how[160];
	uint64_t t0;

	bench_params(r, "fork + _exit + waitpid, %zu MiB resident (4 KiB pages)", size >> 20);
	if (avail < 0) {
		bench_fail(r, "cannot read MemAvailable from /proc/meminfo");
		return;
	}
	if ((double)avail < 1.5 * (double)size) {
		bench_fail(r, "MemAvailable %lld MiB < 1.5 x %zu MiB needed", avail >> 20,
			   size >> 20);
		return;
	}
	if (o->quick && size >= (1ul << 30))
		ho.runs = 3;
	if (ho.runs > HELPER_MAX_RUNS)
		ho.runs = HELPER_MAX_RUNS;
	if (pipe2(pfd, O_CLOEXEC)) {
		bench_fail(r, "pipe: %s", strerror(errno));
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		bench_fail(r, "fork helper: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	if (pid == 0) {
		close(pfd[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(1);
		helper_main(&ho, size, pfd[1]);
		_exit(0);
	}
	close(pfd[1]);

	/* One message or EOF; a helper that hangs is killed after the timeout. */
	t0 = pvt_now_ns();
	while (got < sizeof(m)) {
		struct pollfd pf = { .fd = pfd[0], .events = POLLIN };
		int left = tmo - (int)((pvt_now_ns() - t0) / 1000000);
		ssize_t n;

		if (left <= 0) {
			snprintf(err, sizeof(err), "helper gave no result in %d s", tmo / 1000);
			kill(pid, SIGKILL);
			break;
		}
		n = poll(&pf, 1, left);
		if (n < 0 && errno != EINTR) {
			snprintf(err, sizeof(err), "poll: %s", strerror(errno));
			kill(pid, SIGKILL);
			break;
		}
		if (n <= 0)
			continue;
		n = read(pfd[0], (char *)&m + got, sizeof(m) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(pfd[0]);
	if (reap(pid, "memory helper", how, sizeof(how)) && got < sizeof(m)) {
		/* Killed with SIGKILL and not by us: most likely the OOM killer. */
		bench_fail(r, "%s%s%s%s", err, err[0] ? "; " : "", how,
			   !err[0] && strstr(how, "signal 9") ? " (OOM killer?)" : "");
		return;
	}
	if (got < sizeof(m)) {
		bench_fail(r, "%s", err[0] ? err : "memory helper exited without a result");
		return;
	}
	if (!m.ok) {
		m.err[sizeof(m.err) - 1] = '\0';
		bench_fail(r, "%s", m.err[0] ? m.err : "memory helper failed");
		return;
	}
	for (unsigned int i = 0; i < m.n && i < HELPER_MAX_RUNS; i++)
		bench_add(r, m.v[i]);
	r->ops_per_run = m.ops_per_run;
	bench_extra(r, "resident_bytes", m.resident);
	bench_finish(r);
}

static const char *find_true(void)
{
	static const char *const paths[] = { "/bin/true", "/usr/bin/true" };

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (!access(paths[i], X_OK))
			return paths[i];
	return NULL;
}

int suite_create(const struct bench_opts *o, struct bench_results *rs)
{
	struct create_ctx c = { 0 };
	struct bench_result *r;
	int ok = 0;

	c.true_path = find_true();
	c.true_argv[0] = (char *)"true";
	c.true_argv[1] = NULL;

	r = bench_new(rs, "create.fork", BENCH_US);
	bench_params(r, "fork + _exit + waitpid");
	ok += !bench_time(o, r, op_fork, &c, PROC_MAX_ITERS);

	r = bench_new(rs, "create.vfork", BENCH_US);
	bench_params(r, "vfork + _exit + waitpid");
	ok += !bench_time(o, r, op_vfork, &c, PROC_MAX_ITERS);

	r = bench_new(rs, "create.posix_spawn", BENCH_US);
	if (c.true_path) {
		bench_params(r, "posix_spawn %s + waitpid", c.true_path);
		ok += !bench_time(o, r, op_posix_spawn, &c, PROC_MAX_ITERS);
	} else {
		bench_params(r, "posix_spawn true + waitpid");
		bench_fail(r, "no executable /bin/true or /usr/bin/true");
	}

	r = bench_new(rs, "create.fork_exec", BENCH_US);
	if (c.true_path) {
		bench_params(r, "fork + exec %s + waitpid", c.true_path);
		ok += !bench_time(o, r, op_fork_exec, &c, PROC_MAX_ITERS);
	} else {
		bench_params(r, "fork + exec true + waitpid");
		bench_fail(r, "no executable /bin/true or /usr/bin/true");
	}

	r = bench_new(rs, "create.pthread_create", BENCH_US);
	bench_params(r, "pthread_create + pthread_join, default attributes");
	ok += !bench_time(o, r, op_pthread, &c, THREAD_MAX_ITERS);

	r = bench_new(rs, "create.clone_thread", BENCH_US);
	bench_params(r, "raw clone(CLONE_THREAD...) + futex join, %d KiB stack reused",
		     CLONE_STACK_SIZE / 1024);
	c.stack = mmap(NULL, CLONE_STACK_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (c.stack == MAP_FAILED) {
		bench_fail(r, "mmap stack: %s", strerror(errno));
	} else {
		ok += !bench_time(o, r, op_clone_thread, &c, THREAD_MAX_ITERS);
		munmap(c.stack, CLONE_STACK_SIZE);
	}
	c.stack = NULL;

	r = bench_new(rs, "create.fork_64m", BENCH_US);
	fork_resident(o, r, 64ul << 20);
	ok += !r->error[0];

	r = bench_new(rs, "create.fork_1g", BENCH_US);
	fork_resident(o, r, 1ul << 30);
	ok += !r->error[0];

	return ok ? 0 : -1;
}
