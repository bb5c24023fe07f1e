// SPDX-License-Identifier: GPL-2.0
/*
 * memory_tasks.c - what the memory suite measures: N idle threads (waiting
 * on a futex) or N idle processes (forked, waiting on a pipe), created
 * between two reads of the kernel's counters (see memory.c).
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
	long n;

	while (pvt_now_ns() < deadline) {
		n = self_threads();
		if (n <= 1)
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

int measure_threads(unsigned int n, struct mem_msg *m)
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
		pvt_waitpid(pid[i], &st, 0);
}

/* The private pages of each child, summed, in bytes; -1 if one cannot be read. */
static double procs_private(const pid_t *pid, unsigned int n, char *err, size_t errsz)
{
	double sum = 0, v;

	for (unsigned int i = 0; i < n; i++) {
		if ((v = private_bytes(pid[i], err, errsz)) < 0)
			return -1;
		sum += v;
	}
	return sum;
}

int measure_procs(unsigned int n, int res, struct mem_msg *m)
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

