// SPDX-License-Identifier: GPL-2.0
/*
 * pingpong.c - two tasks bouncing a token: the link, and lat_ctx timing; see pingpong.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
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
#include "clock.h"
#include "pingpong.h"

/* ---- the link ---- */

static long sys_futex(uint32_t *uaddr, int op, uint32_t val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

const char *pp_strerror(int err)
{
	switch (err) {
	case 0: return "no error";
	case PP_ESEND: return "write to pipe";
	case PP_ERECV: return "read from pipe";
	case PP_EEOF: return "read from pipe: end of file (partner failed?)";
	case PP_EWAKE: return "futex(FUTEX_WAKE)";
	case PP_EWAIT: return "futex(FUTEX_WAIT)";
	case PP_ESTOP: return "partner failed";
	case PP_EGONE: return "partner exited";
	default: return "unknown ping-pong error";
	}
}

int pp_link_open(struct pp_link *l, bool futex, bool processes, uint32_t *word)
{
	memset(l, 0, sizeof(*l));
	l->ab[0] = l->ab[1] = l->ba[0] = l->ba[1] = -1;
	l->futex = futex;
	l->shared = processes;
	if (futex) {
		l->word = word;
		__atomic_store_n(word, PP_TURN_A, __ATOMIC_RELEASE);
		return 0;
	}
	if (pipe2(l->ab, O_CLOEXEC))
		return -1;
	if (pipe2(l->ba, O_CLOEXEC)) {
		int e = errno;

		pp_link_close(l);
		errno = e;
		return -1;
	}
	return 0;
}

void pp_link_keep(struct pp_link *l, enum pp_side me)
{
	if (l->futex)
		return;
	close_fd(me == PP_A ? &l->ab[0] : &l->ab[1]);
	close_fd(me == PP_A ? &l->ba[1] : &l->ba[0]);
}

void pp_link_close(struct pp_link *l)
{
	close_fd(&l->ab[0]);
	close_fd(&l->ab[1]);
	close_fd(&l->ba[0]);
	close_fd(&l->ba[1]);
}

static int wait_op(const struct pp_link *l)
{
	return l->shared ? FUTEX_WAIT : FUTEX_WAIT_PRIVATE;
}

static int wake_op(const struct pp_link *l)
{
	return l->shared ? FUTEX_WAKE : FUTEX_WAKE_PRIVATE;
}

static inline int pass(struct pp_link *l, enum pp_side me)
{
	uint32_t mine = me == PP_A ? PP_TURN_A : PP_TURN_B;
	char c = 'x';
	ssize_t r;

	if (!l->futex) {
		do
			r = write(me == PP_A ? l->ab[1] : l->ba[1], &c, 1);
		while (r < 0 && errno == EINTR);
		if (r == 1)
			return 0;
		if (r >= 0)
			errno = EIO;
		return PP_ESEND;
	}
	/* Only from our own turn: a partner's PP_TURN_STOP is not overwritten. */
	if (__atomic_load_n(l->word, __ATOMIC_RELAXED) != mine) {
		errno = 0;
		return PP_ESTOP;
	}
	__atomic_store_n(l->word, mine ^ 1, __ATOMIC_RELEASE);
	if (sys_futex(l->word, wake_op(l), 1) < 0)
		return PP_EWAKE;
	return 0;
}

static inline int await(struct pp_link *l, enum pp_side me)
{
	uint32_t other = me == PP_A ? PP_TURN_B : PP_TURN_A, v;
	char c;
	ssize_t r;

	if (!l->futex) {
		do
			r = read(me == PP_A ? l->ba[0] : l->ab[0], &c, 1);
		while (r < 0 && errno == EINTR);
		if (r == 1)
			return 0;
		if (r < 0)
			return PP_ERECV;
		errno = 0;
		return PP_EEOF;
	}
	while ((v = __atomic_load_n(l->word, __ATOMIC_ACQUIRE)) == other) {
		if (sys_futex(l->word, wait_op(l), other) == 0 || errno == EAGAIN)
			continue;
		if (errno != EINTR)
			return PP_EWAIT;
		if (l->gone && *l->gone) {
			errno = 0;
			return PP_EGONE;
		}
	}
	if (v == PP_TURN_STOP) {
		errno = 0;
		return PP_ESTOP;
	}
	return 0;
}

int pp_pass(struct pp_link *l, enum pp_side me)
{
	return pass(l, me);
}

int pp_await(struct pp_link *l, enum pp_side me)
{
	return await(l, me);
}

void pp_hangup(struct pp_link *l, enum pp_side me)
{
	if (!l->futex) {
		close_fd(me == PP_A ? &l->ab[1] : &l->ba[1]);
		return;
	}
	__atomic_store_n(l->word, PP_TURN_STOP, __ATOMIC_RELEASE);
	sys_futex(l->word, wake_op(l), 1);
}

/* Read one word per cache line of the working set: the lat_ctx -s cost. */
static void touch_ws(const char *ws, size_t len)
{
	for (size_t off = 0; ws && off < len; off += 64)
		(void)*(volatile const char *)(ws + off);
}

int pp_rounds(struct pp_link *l, enum pp_side me, uint64_t n, const char *ws, size_t ws_bytes)
{
	int e;

	for (uint64_t i = 0; i < n; i++) {
		if (me == PP_A) {
			touch_ws(ws, ws_bytes);
			if ((e = pass(l, me)) || (e = await(l, me)))
				return e;
			continue;
		}
		e = await(l, me);
		if (e)
			return n == PP_UNTIL_STOP && (e == PP_EEOF || e == PP_ESTOP) ? 0 : e;
		touch_ws(ws, ws_bytes);
		if ((e = pass(l, me)))
			return e;
	}
	return 0;
}

/* ---- timing a context switch (lat_ctx) ---- */

struct pingpong {
	const struct pp_config *c;
	struct pp_link link;
	int q[2];          /* pipe for the overhead loop */
	uint32_t *page;    /* futex: [0] the link's word, [16] the overhead loop's */
	char *ws_a;        /* A's working set */
	pid_t child;
	pthread_t thread;
	bool partner_running;
	int partner_err;   /* thread partner: errno of a failed setup */
};

static volatile sig_atomic_t child_gone;

static void on_sigchld(int sig)
{
	child_gone = 1;
}

static void set_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

static int pin_self(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static char *ws_alloc(size_t len)
{
	char *p;

	if (!len)
		return NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	memset(p, 1, len); /* resident, and private to its task */
	return p;
}

/*
 * The partner's start: pin, allocate its working set.  A failure shows to A
 * as a hang-up (see pp_hangup), and for a thread in partner_err.
 */
static int partner_prepare(struct pingpong *pp, char **ws)
{
	*ws = NULL;
	if (pin_self(pp->c->cpu_b))
		return errno;
	if (pp->c->ws_bytes && !(*ws = ws_alloc(pp->c->ws_bytes)))
		return errno;
	return 0;
}

static void *partner_thread(void *arg)
{
	struct pingpong *pp = arg;
	char *ws;

	pp->partner_err = partner_prepare(pp, &ws);
	if (!pp->partner_err)
		pp_rounds(&pp->link, PP_B, PP_UNTIL_STOP, ws, pp->c->ws_bytes);
	else
		pp_hangup(&pp->link, PP_B);
	if (ws)
		munmap(ws, pp->c->ws_bytes);
	return NULL;
}

/* A's side: n round trips (2 context switches each when both share a CPU). */
static int pingpong_rounds(struct pingpong *pp, uint64_t n)
{
	return pp_rounds(&pp->link, PP_A, n, pp->ws_a, pp->c->ws_bytes) ? -1 : 0;
}

/* The same syscalls (and working-set reads) as n round trips, by A alone, with no switch. */
static int overhead_rounds(struct pingpong *pp, uint64_t n)
{
	uint32_t *w = pp->page ? pp->page + 16 : NULL;
	int wait = pp->c->processes ? FUTEX_WAIT : FUTEX_WAIT_PRIVATE;
	int wake = pp->c->processes ? FUTEX_WAKE : FUTEX_WAKE_PRIVATE;
	size_t wsl = pp->c->ws_bytes;
	char c = 'x';

	if (!pp->c->futex) {
		for (uint64_t i = 0; i < n; i++) {
			for (int k = 0; k < 2; k++) {
				touch_ws(pp->ws_a, wsl);
				if (write(pp->q[1], &c, 1) != 1 || read(pp->q[0], &c, 1) != 1)
					return -1;
			}
		}
		return 0;
	}
	*w = 0;
	for (uint64_t i = 0; i < n; i++) {
		for (int k = 0; k < 2; k++) {
			touch_ws(pp->ws_a, wsl);
			sys_futex(w, wake, 1);      /* no waiter */
			sys_futex(w, wait, 1);      /* *w != 1: EAGAIN at once */
		}
	}
	return 0;
}

static int partner_start(struct pingpong *pp, char *err, size_t errsz)
{
	pid_t parent = getpid();
	int e;

	if (!pp->c->processes) {
		e = pthread_create(&pp->thread, NULL, partner_thread, pp);
		if (e) {
			set_err(err, errsz, "cannot create a thread: %s", strerror(e));
			return -1;
		}
		pp->partner_running = true;
		return 0;
	}
	fflush(NULL);
	pp->child = fork();
	if (pp->child < 0) {
		set_err(err, errsz, "cannot fork: %s", strerror(errno));
		return -1;
	}
	if (pp->child == 0) {
		char *ws;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		pp_link_keep(&pp->link, PP_B);
		if (partner_prepare(pp, &ws)) {
			pp_hangup(&pp->link, PP_B);
			_exit(2);
		}
		pp_rounds(&pp->link, PP_B, PP_UNTIL_STOP, ws, pp->c->ws_bytes);
		_exit(0);
	}
	pp_link_keep(&pp->link, PP_A);
	pp->partner_running = true;
	return 0;
}

/* Tell B to finish and wait for it; -1 if it did not end cleanly. */
static int partner_stop(struct pingpong *pp)
{
	int status;

	if (!pp->partner_running)
		return 0;
	pp_hangup(&pp->link, PP_A);
	pp->partner_running = false;
	if (!pp->c->processes)
		return pthread_join(pp->thread, NULL) || pp->partner_err ? -1 : 0;
	if (pvt_waitpid(pp->child, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

static int pingpong_setup(struct pingpong *pp, const struct pp_config *c, char *err, size_t errsz)
{
	memset(pp, 0, sizeof(*pp));
	pp->c = c;
	pp->link.ab[0] = pp->link.ab[1] = pp->link.ba[0] = pp->link.ba[1] = -1;
	pp->q[0] = pp->q[1] = -1;
	if (c->ws_bytes && !(pp->ws_a = ws_alloc(c->ws_bytes))) {
		set_err(err, errsz, "cannot map a %zu-byte working set: %s", c->ws_bytes,
			strerror(errno));
		return -1;
	}
	if (c->futex) {
		/* Shared so a forked child sees it; futex ops non-private between processes. */
		pp->page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (pp->page == MAP_FAILED) {
			pp->page = NULL;
			set_err(err, errsz, "mmap: %s", strerror(errno));
			return -1;
		}
	} else if (pipe2(pp->q, O_CLOEXEC)) {
		set_err(err, errsz, "pipe: %s", strerror(errno));
		return -1;
	}
	if (pp_link_open(&pp->link, c->futex, c->processes, pp->page)) {
		set_err(err, errsz, "pipe: %s", strerror(errno));
		return -1;
	}
	pp->link.gone = &child_gone;
	return 0;
}

static void pingpong_teardown(struct pingpong *pp)
{
	pp_link_close(&pp->link);
	close_fd(&pp->q[0]);
	close_fd(&pp->q[1]);
	if (pp->page)
		munmap(pp->page, 4096);
	pp->page = NULL;
	if (pp->ws_a)
		munmap(pp->ws_a, pp->c->ws_bytes);
	pp->ws_a = NULL;
}

/* One timed run of fn: ns per round, or -1. */
static double time_run(int (*fn)(struct pingpong *, uint64_t), struct pingpong *pp, uint64_t rounds)
{
	uint64_t t0 = pvt_now_ns();

	if (fn(pp, rounds))
		return -1;
	return (double)(pvt_now_ns() - t0) / (double)rounds;
}
int pp_measure(const struct pp_config *c, uint64_t rounds, unsigned int reps,
	       double *rt, double *oh, char *err, size_t errsz)
{
	struct sigaction sa = { .sa_handler = on_sigchld }, old_chld, sa_ign = { .sa_handler = SIG_IGN },
			 old_pipe;
	cpu_set_t saved;
	bool restore = false;
	struct pingpong pp;
	uint64_t warm;
	int ret = -1, e;

	if (!rounds || !reps || reps > PP_MAX_REPS) {
		set_err(err, errsz, "bad rounds or reps");
		return -1;
	}
	if (pingpong_setup(&pp, c, err, errsz))
		goto out;
	if (c->cpu_a >= 0) {
		if (sched_getaffinity(0, sizeof(saved), &saved) == 0)
			restore = true;
		if (pin_self(c->cpu_a)) {
			set_err(err, errsz, "cannot run on CPU %d: %s", c->cpu_a, strerror(errno));
			goto out;
		}
	}

	/* A dead partner must show as an error, not a hang or SIGPIPE. */
	sigemptyset(&sa.sa_mask); /* no SA_RESTART: a child's exit interrupts a futex wait */
	sigaction(SIGCHLD, &sa, &old_chld);
	sigaction(SIGPIPE, &sa_ign, &old_pipe);
	child_gone = 0;

	if (partner_start(&pp, err, errsz))
		goto out_sig;
	/*
	 * Round trips and overhead loops alternate, run by run (the partner
	 * sleeps, waiting for the token, during A's overhead loop): a change of
	 * load on a shared machine then hits both halves of a run's figure.
	 */
	warm = rounds / 5 > 1000 ? rounds / 5 : 1000;
	e = pingpong_rounds(&pp, warm) || overhead_rounds(&pp, warm) ? -1 : 0;
	for (unsigned int r = 0; !e && r < reps; r++) {
		if ((rt[r] = time_run(pingpong_rounds, &pp, rounds)) < 0)
			e = -1;
		else if ((oh[r] = time_run(overhead_rounds, &pp, rounds)) < 0)
			e = -2;
	}
	if (e == -2) {
		set_err(err, errsz, "the overhead loop failed");
		goto out_sig;
	}
	if (partner_stop(&pp) || e) {
		if (c->cpu_b >= 0 && !c->processes && pp.partner_err)
			set_err(err, errsz, "the partner cannot run on CPU %d: %s", c->cpu_b,
				strerror(pp.partner_err));
		else
			set_err(err, errsz, "the ping-pong partner failed%s",
				c->cpu_b >= 0 ? " (can it run on its CPU?)" : "");
		goto out_sig;
	}
	ret = 0;
out_sig:
	partner_stop(&pp);
	sigaction(SIGCHLD, &old_chld, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
out:
	if (restore)
		sched_setaffinity(0, sizeof(saved), &saved);
	pingpong_teardown(&pp);
	return ret;
}
