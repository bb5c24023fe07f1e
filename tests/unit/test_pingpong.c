// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for lib/pingpong.c: the link (pipes and futex word) turn by
 * turn in one thread, whole exchanges between two threads and between two
 * processes, hang-ups and failures seen by the other side, a partner gone
 * during a futex wait, and pp_measure's arguments and a short run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "pingpong.h"

static void test_strerror(void **state)
{
	assert_string_equal(pp_strerror(0), "no error");
	assert_string_equal(pp_strerror(PP_ESEND), "write to pipe");
	assert_string_equal(pp_strerror(PP_ERECV), "read from pipe");
	assert_string_equal(pp_strerror(PP_EEOF), "read from pipe: end of file (partner failed?)");
	assert_string_equal(pp_strerror(PP_EWAKE), "futex(FUTEX_WAKE)");
	assert_string_equal(pp_strerror(PP_EWAIT), "futex(FUTEX_WAIT)");
	assert_string_equal(pp_strerror(PP_ESTOP), "partner failed");
	assert_string_equal(pp_strerror(PP_EGONE), "partner exited");
	assert_string_equal(pp_strerror(-99), "unknown ping-pong error");
}

/* One thread plays both sides, turn by turn: the pipes buffer a byte, the word says whose turn. */
static void test_turns(void **state)
{
	for (int futex = 0; futex < 2; futex++) {
		uint32_t word = 77;
		struct pp_link l;

		assert_int_equal(pp_link_open(&l, futex, false, &word), 0);
		if (futex) {
			assert_int_equal(word, PP_TURN_A);
			assert_int_equal(l.ab[0], -1); /* no pipes */
		} else {
			assert_true(l.ab[0] >= 0 && l.ab[1] >= 0 && l.ba[0] >= 0 && l.ba[1] >= 0);
		}
		for (int i = 0; i < 3; i++) {
			assert_int_equal(pp_pass(&l, PP_A), 0);
			if (futex)
				assert_int_equal(word, PP_TURN_B);
			assert_int_equal(pp_await(&l, PP_B), 0);
			assert_int_equal(pp_pass(&l, PP_B), 0);
			if (futex)
				assert_int_equal(word, PP_TURN_A);
			assert_int_equal(pp_await(&l, PP_A), 0);
		}
		if (futex) /* not A's turn: a pass is refused, the word kept */
			assert_int_equal(pp_pass(&l, PP_B), PP_ESTOP);
		/* B hangs up: A's next wait (pipes) or pass (futex) sees it. */
		pp_hangup(&l, PP_B);
		if (futex) {
			assert_int_equal(word, PP_TURN_STOP);
			assert_int_equal(pp_pass(&l, PP_A), PP_ESTOP);
			assert_int_equal(pp_await(&l, PP_A), PP_ESTOP);
			assert_int_equal(word, PP_TURN_STOP);
		} else {
			assert_int_equal(l.ba[1], -1);
			assert_int_equal(pp_pass(&l, PP_A), 0);
			assert_int_equal(pp_await(&l, PP_A), PP_EEOF);
			assert_int_equal(errno, 0);
		}
		pp_link_close(&l);
		assert_int_equal(l.ab[0], -1);
		assert_int_equal(l.ab[1], -1);
		assert_int_equal(l.ba[0], -1);
	}
}

/* A side whose partner's end is closed: a write fails (SIGPIPE ignored). */
static void test_send_fails(void **state)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	struct pp_link l;

	sigaction(SIGPIPE, &ign, &old);
	assert_int_equal(pp_link_open(&l, false, false, NULL), 0);
	close(l.ab[0]);
	l.ab[0] = -1;
	errno = 0;
	assert_int_equal(pp_pass(&l, PP_A), PP_ESEND);
	assert_int_equal(errno, EPIPE);
	pp_link_close(&l);
	sigaction(SIGPIPE, &old, NULL);
}

/* After a fork, each side keeps its own ends. */
static void test_keep(void **state)
{
	struct pp_link a, b;

	assert_int_equal(pp_link_open(&a, false, true, NULL), 0);
	/* b stands for the other process's copy: the same pipes, descriptors of its own. */
	b = a;
	b.ab[0] = dup(a.ab[0]);
	b.ab[1] = dup(a.ab[1]);
	b.ba[0] = dup(a.ba[0]);
	b.ba[1] = dup(a.ba[1]);
	pp_link_keep(&a, PP_A);
	assert_true(a.ab[1] >= 0 && a.ba[0] >= 0);
	assert_int_equal(a.ab[0], -1);
	assert_int_equal(a.ba[1], -1);
	pp_link_keep(&b, PP_B);
	assert_true(b.ab[0] >= 0 && b.ba[1] >= 0);
	assert_int_equal(b.ab[1], -1);
	assert_int_equal(b.ba[0], -1);
	assert_int_equal(pp_rounds(&b, PP_B, 0, NULL, 0), 0); /* no round: nothing read */
	assert_int_equal(pp_pass(&a, PP_A), 0);
	assert_int_equal(pp_await(&b, PP_B), 0);
	assert_int_equal(pp_pass(&b, PP_B), 0);
	assert_int_equal(pp_await(&a, PP_A), 0);
	pp_link_close(&a);
	pp_link_close(&b);
}

struct side {
	struct pp_link *l;
	enum pp_side me;
	uint64_t n;
	const char *ws;
	size_t ws_bytes;
	int ret;
};

static void *side_thread(void *arg)
{
	struct side *s = arg;

	s->ret = pp_rounds(s->l, s->me, s->n, s->ws, s->ws_bytes);
	return NULL;
}

/* Two threads, exactly n rounds each, with a working set; and B until A hangs up. */
static void test_threads(void **state)
{
	static char ws[4096];

	for (int futex = 0; futex < 2; futex++) {
		uint32_t word;
		struct pp_link l;
		struct side b = { .me = PP_B, .n = 5000, .ws = ws, .ws_bytes = sizeof(ws) };
		pthread_t t;

		assert_int_equal(pp_link_open(&l, futex, false, &word), 0);
		b.l = &l;
		assert_int_equal(pthread_create(&t, NULL, side_thread, &b), 0);
		assert_int_equal(pp_rounds(&l, PP_A, 5000, ws, sizeof(ws)), 0);
		assert_int_equal(pthread_join(t, NULL), 0);
		assert_int_equal(b.ret, 0);
		if (futex)
			assert_int_equal(word, PP_TURN_A);

		b.n = PP_UNTIL_STOP;
		assert_int_equal(pthread_create(&t, NULL, side_thread, &b), 0);
		assert_int_equal(pp_rounds(&l, PP_A, 1000, NULL, 0), 0);
		pp_hangup(&l, PP_A);
		assert_int_equal(pthread_join(t, NULL), 0);
		assert_int_equal(b.ret, 0); /* a hang-up ends PP_UNTIL_STOP cleanly */

		/* A fixed count that the partner cuts short is an error. */
		assert_int_equal(pp_link_open(&l, futex, false, &word), 0);
		b.n = 10;
		assert_int_equal(pthread_create(&t, NULL, side_thread, &b), 0);
		assert_int_equal(pp_rounds(&l, PP_A, 3, NULL, 0), 0);
		pp_hangup(&l, PP_A);
		assert_int_equal(pthread_join(t, NULL), 0);
		assert_int_equal(b.ret, futex ? PP_ESTOP : PP_EEOF);
		pp_link_close(&l);
	}
}

/* Two processes: the futex word in a shared page, the pipes kept per side. */
static void test_processes(void **state)
{
	for (int futex = 0; futex < 2; futex++) {
		uint32_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		struct pp_link l;
		int st;
		pid_t pid;

		assert_true(page != MAP_FAILED);
		assert_int_equal(pp_link_open(&l, futex, true, page), 0);
		assert_true(l.shared);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			pp_link_keep(&l, PP_B);
			_exit(pp_rounds(&l, PP_B, 3000, NULL, 0) ? 1 : 0);
		}
		pp_link_keep(&l, PP_A);
		assert_int_equal(pp_rounds(&l, PP_A, 3000, NULL, 0), 0);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		if (futex)
			assert_int_equal(*page, PP_TURN_A);
		pp_link_close(&l);
		munmap(page, 4096);
	}
}

static volatile sig_atomic_t gone;

static void on_alarm(int sig)
{
	gone = 1;
}

/* A futex wait interrupted by a signal ends in PP_EGONE once *gone is set. */
static void test_gone(void **state)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old; /* no SA_RESTART */
	struct itimerval it = { .it_value = { 0, 50000 } };
	struct pp_link l;
	uint32_t word;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	assert_int_equal(pp_link_open(&l, true, false, &word), 0);
	l.gone = &gone;
	gone = 0;
	assert_int_equal(pp_pass(&l, PP_A), 0);
	setitimer(ITIMER_REAL, &it, NULL);
	assert_int_equal(pp_await(&l, PP_A), PP_EGONE); /* nobody answers */
	assert_int_equal(gone, 1);
	sigaction(SIGALRM, &old, NULL);
}

static void test_measure(void **state)
{
	struct pp_config c = { .cpu_a = -1, .cpu_b = -1 };
	double rt[3] = { -1, -1, -1 }, oh[3] = { -1, -1, -1 };
	char err[200] = "";
	cpu_set_t set;
	int bad = -1;

	assert_int_equal(pp_measure(&c, 0, 3, rt, oh, err, sizeof(err)), -1);
	assert_string_equal(err, "bad rounds or reps");
	assert_int_equal(pp_measure(&c, 10, 0, rt, oh, err, sizeof(err)), -1);
	assert_int_equal(pp_measure(&c, 10, PP_MAX_REPS + 1, rt, oh, err, sizeof(err)), -1);

	for (int k = 0; k < 4; k++) {
		c.futex = k & 1;
		c.processes = k & 2;
		c.ws_bytes = k == 3 ? 8192 : 0;
		assert_int_equal(pp_measure(&c, 300, 3, rt, oh, err, sizeof(err)), 0);
		for (int i = 0; i < 3; i++)
			assert_true(rt[i] > 0 && oh[i] > 0 && rt[i] < 1e9 && oh[i] < 1e9);
	}

	/* A CPU this process may not run on: said, not hung. */
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	for (int cpu = CPU_SETSIZE - 1; cpu >= 0 && bad < 0; cpu--)
		if (!CPU_ISSET(cpu, &set))
			bad = cpu;
	if (bad >= 0) {
		c.cpu_a = bad;
		assert_int_equal(pp_measure(&c, 300, 1, rt, oh, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "cannot run on CPU"));
		c.cpu_a = -1;
		c.cpu_b = bad;
		c.processes = false;
		assert_int_equal(pp_measure(&c, 300, 1, rt, oh, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "the partner cannot run on CPU"));
	}
	/* the affinity is as it was */
	{
		cpu_set_t now;

		assert_int_equal(sched_getaffinity(0, sizeof(now), &now), 0);
		assert_true(CPU_EQUAL(&now, &set));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_turns),
		cmocka_unit_test(test_send_fails),
		cmocka_unit_test(test_keep),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_processes),
		cmocka_unit_test(test_gone),
		cmocka_unit_test(test_measure),
	};

	return cmocka_run_group_tests_name("pingpong", tests, NULL, NULL);
}
