// SPDX-License-Identifier: GPL-2.0
/*
 * creator.c - creates tasks in every way, timing each creation itself, so
 * that pvtrace's view of task creation can be compared with the creator's.
 *
 *   creator [N] [--rename] [--threads-only]
 *
 * N (default 5) tasks of each kind are created one after the other: create,
 * wait for it (join/waitpid/futex), then the next.  The kinds, in order:
 *
 *   pthread_create  pthread_create + pthread_join; the thread stores its
 *                   gettid() for the parent (glibc 2.36: clone3)
 *   fork            fork(); the child calls _exit(0) at once
 *   vfork           vfork(); the child calls _exit(0) at once
 *   posix_spawn     posix_spawn of /bin/true
 *   fork_exec       fork(); the child execs /bin/true (only fork() is timed)
 *   fork_exec_self  fork(); the child execs this program again, as
 *                   `creator --exec-probe`, after printing what it measured
 *                   of itself just before execv (see below)
 *   clone_thread    clone() with CLONE_THREAD and friends on a malloc'd
 *                   64 KiB stack; the child does syscall(SYS_exit, 0) and
 *                   the parent waits on the CLONE_CHILD_CLEARTID futex word
 *
 * With --rename every pthread_create thread renames itself twice with
 * prctl(PR_SET_NAME): "stage-1", then "stage-2".  With --threads-only only
 * the pthread_create kind is made.
 *
 * Each creation is timed with CLOCK_MONOTONIC immediately around the call
 * (as seen by the caller), and reported as one JSON object per line on
 * stdout, flushed at once:
 *
 *   {"how":"fork","tid":1234,"t0_ns":T0,"t1_ns":T1,"ns":T1-T0}
 *
 * pthread_create lines get "renamed":true with --rename, the thread's own
 * stack as pthread_getattr_np() gives it: "stack_lo", "stack_hi", and
 * "cpu_ns": the creator's own CPU time across the call
 * (CLOCK_THREAD_CPUTIME_ID read just outside the two CLOCK_MONOTONIC reads:
 * what the call cost on the CPU, less any time preempted or blocked in it),
 * and "switches": the creator's own context switches across the same span
 * (getrusage(RUSAGE_THREAD), voluntary plus involuntary).  The
 * fork_exec_self child prints, just before its execv,
 *   {"how":"exec_pre","tid":T,"minflt":F,"t_exec_ns":T}
 * (its minor faults so far, getrusage; the time), and the exec'd program
 *   {"how":"exec_probe","tid":T,"t_main_ns":T}
 * first thing in main.  The last line is {"done":true,"pid":PID}.
 *
 * Exit status: 0 success, 1 runtime failure, 2 usage error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "child.h"
#include "clock.h"
#include "parse.h"

#define DEF_N		5
#define MAX_N		100000
#define CLONE_STACK	(64 * 1024)

extern char **environ;

static bool rename_threads, threads_only;

static void die(const char *what)
{
	fprintf(stderr, "creator: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long thread_switches(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) < 0)
		die("getrusage(RUSAGE_THREAD)");
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		die("clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* One line; @extra: more members (",\"k\":v..."), or "". */
static void emit(const char *how, pid_t tid, uint64_t t0, uint64_t t1, const char *extra)
{
	if (printf("{\"how\":\"%s\",\"tid\":%d,\"t0_ns\":%" PRIu64
		   ",\"t1_ns\":%" PRIu64 ",\"ns\":%" PRIu64 "%s}\n",
		   how, (int)tid, t0, t1, t1 - t0, extra) < 0 ||
	    fflush(stdout) == EOF)
		die("writing to stdout");
}

/* A line from a forked child: no stdio there, one write. */
static void child_line(const char *line, size_t len)
{
	if (write(STDOUT_FILENO, line, len) != (ssize_t)len)
		_exit(127);
}

/* Reap child pid; it must have exited with status 0. */
static void reap(const char *how, pid_t pid)
{
	int st;

	if (pvt_waitpid(pid, &st, 0) < 0)
		die("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "creator: %s child %d did not exit 0 (wait status %d)\n",
			how, (int)pid, st);
		exit(1);
	}
}

struct thread_info {
	pid_t tid;
	uintptr_t stack_lo, stack_hi;
};

static void *thread_fn(void *arg)
{
	struct thread_info *ti = arg;
	pthread_attr_t attr;
	size_t size;
	void *addr;

	ti->tid = gettid();
	if (pthread_getattr_np(pthread_self(), &attr) ||
	    pthread_attr_getstack(&attr, &addr, &size))
		die("pthread_getattr_np");
	pthread_attr_destroy(&attr);
	ti->stack_lo = (uintptr_t)addr;
	ti->stack_hi = (uintptr_t)addr + size;
	if (rename_threads) {
		if (prctl(PR_SET_NAME, "stage-1", 0, 0, 0) < 0)
			die("prctl(PR_SET_NAME, stage-1)");
		if (prctl(PR_SET_NAME, "stage-2", 0, 0, 0) < 0)
			die("prctl(PR_SET_NAME, stage-2)");
	}
	return NULL;
}

static void do_pthread(void)
{
	struct thread_info ti = {};
	char extra[192];
	uint64_t c0, c1, t0, t1;
	long s0, s1;
	pthread_t th;
	int err;

	s0 = thread_switches();
	c0 = thread_cpu_ns();
	t0 = pvt_now_ns();
	err = pthread_create(&th, NULL, thread_fn, &ti);
	t1 = pvt_now_ns();
	c1 = thread_cpu_ns();
	s1 = thread_switches();
	if (err) {
		errno = err;
		die("pthread_create");
	}
	if ((err = pthread_join(th, NULL))) {
		errno = err;
		die("pthread_join");
	}
	snprintf(extra, sizeof(extra), ",\"stack_lo\":%" PRIuPTR ",\"stack_hi\":%" PRIuPTR
		 ",\"cpu_ns\":%" PRIu64 ",\"switches\":%ld%s", ti.stack_lo, ti.stack_hi, c1 - c0, s1 - s0,
		 rename_threads ? ",\"renamed\":true" : "");
	emit("pthread_create", ti.tid, t0, t1, extra);
}

static void do_fork(void)
{
	uint64_t t0, t1;
	pid_t pid;

	t0 = pvt_now_ns();
	pid = fork();
	t1 = pvt_now_ns();
	if (pid < 0)
		die("fork");
	if (pid == 0)
		_exit(0);
	reap("fork", pid);
	emit("fork", pid, t0, t1, "");
}

static void do_vfork(void)
{
	/* volatile: the vfork child runs on this stack frame */
	volatile uint64_t t0;
	uint64_t t1;
	pid_t pid;

	t0 = pvt_now_ns();
	pid = vfork();
	if (pid == 0)
		_exit(0);
	t1 = pvt_now_ns();
	if (pid < 0)
		die("vfork");
	reap("vfork", pid);
	emit("vfork", pid, t0, t1, "");
}

static void do_posix_spawn(void)
{
	char *argv[] = { "true", NULL };
	uint64_t t0, t1;
	pid_t pid;
	int err;

	t0 = pvt_now_ns();
	err = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ);
	t1 = pvt_now_ns();
	if (err) {
		errno = err;
		die("posix_spawn(/bin/true)");
	}
	reap("posix_spawn", pid);
	emit("posix_spawn", pid, t0, t1, "");
}

/*
 * fork(), and the child execs /bin/true, or (@self) this program as
 * `creator --exec-probe` after printing what it measured of itself.
 */
static void do_fork_exec(bool self)
{
	char *true_argv[] = { "true", NULL }, *self_argv[] = { "creator", "--exec-probe", NULL };
	const char *how = self ? "fork_exec_self" : "fork_exec";
	const char *path = self ? "/proc/self/exe" : "/bin/true";
	uint64_t t0, t1;
	pid_t pid;

	t0 = pvt_now_ns();
	pid = fork();
	t1 = pvt_now_ns();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		static const char msg[] = "creator: execv failed\n";
		struct rusage ru;
		char line[160];
		int len;

		if (self) {
			if (getrusage(RUSAGE_SELF, &ru) < 0)
				_exit(127);
			len = snprintf(line, sizeof(line),
				       "{\"how\":\"exec_pre\",\"tid\":%d,\"minflt\":%ld,"
				       "\"t_exec_ns\":%" PRIu64 "}\n", (int)gettid(), ru.ru_minflt,
				       pvt_now_ns());
			child_line(line, (size_t)len);
		}
		execv(path, self ? self_argv : true_argv);
		child_line(msg, sizeof(msg) - 1);
		_exit(127);
	}
	reap(how, pid);
	emit(how, pid, t0, t1, "");
}

/* `creator --exec-probe`: the exec'd program says when it reached main. */
static int exec_probe(void)
{
	uint64_t t = pvt_now_ns();

	if (printf("{\"how\":\"exec_probe\",\"tid\":%d,\"t_main_ns\":%" PRIu64 "}\n",
		   (int)gettid(), t) < 0 || fflush(stdout) == EOF)
		return 1;
	return 0;
}

static int clone_fn(void *arg)
{
	(void)arg;
	/* Only this thread: exit_group would take the whole process. */
	syscall(SYS_exit, 0);
	return 0;
}

static void do_clone_thread(char *stack)
{
	const int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
			  CLONE_THREAD | CLONE_SYSVSEM | CLONE_PARENT_SETTID |
			  CLONE_CHILD_CLEARTID;
	/* The kernel clears child_tid when the thread exits and wakes us. */
	pid_t parent_tid = 0, child_tid = -1, v;
	uint64_t t0, t1;
	int ret;

	t0 = pvt_now_ns();
	ret = clone(clone_fn, stack + CLONE_STACK, flags, NULL, &parent_tid,
		    NULL, &child_tid);
	t1 = pvt_now_ns();
	if (ret < 0)
		die("clone(CLONE_THREAD)");

	/*
	 * Shared (not private) futex: the kernel's CLONE_CHILD_CLEARTID wake
	 * uses the shared key.
	 */
	while ((v = __atomic_load_n(&child_tid, __ATOMIC_ACQUIRE)) != 0) {
		if (syscall(SYS_futex, &child_tid, FUTEX_WAIT, v, NULL, NULL, 0) < 0 &&
		    errno != EAGAIN && errno != EINTR)
			die("futex(FUTEX_WAIT) on the child tid");
	}
	emit("clone_thread", parent_tid, t0, t1, "");
}

static void usage(void)
{
	fprintf(stderr, "usage: creator [N] [--rename] [--threads-only]   (N: 1..%d, default %d)\n",
		MAX_N, DEF_N);
	exit(2);
}

int main(int argc, char **argv)
{
	long n = DEF_N;
	bool n_given = false;
	char *stack;

	if (argc == 2 && !strcmp(argv[1], "--exec-probe"))
		return exec_probe();
	for (int i = 1; i < argc; i++) {
		uint64_t v;

		if (!strcmp(argv[i], "--rename")) {
			rename_threads = true;
			continue;
		}
		if (!strcmp(argv[i], "--threads-only")) {
			threads_only = true;
			continue;
		}
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			usage();
		if (n_given || pvt_parse_u64(argv[i], 1, MAX_N, &v))
			usage();
		n = (long)v;
		n_given = true;
	}

	stack = malloc(CLONE_STACK);
	if (!stack)
		die("malloc (clone stack)");

	for (long i = 0; i < n; i++)
		do_pthread();
	for (long i = 0; i < n && !threads_only; i++)
		do_fork();
	for (long i = 0; i < n && !threads_only; i++)
		do_vfork();
	for (long i = 0; i < n && !threads_only; i++)
		do_posix_spawn();
	for (long i = 0; i < n && !threads_only; i++)
		do_fork_exec(false);
	for (long i = 0; i < n && !threads_only; i++)
		do_fork_exec(true);
	for (long i = 0; i < n && !threads_only; i++)
		do_clone_thread(stack);

	free(stack);
	if (printf("{\"done\":true,\"pid\":%d}\n", (int)getpid()) < 0 ||
	    fflush(stdout) == EOF)
		die("writing to stdout");
	return 0;
}
