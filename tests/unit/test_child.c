// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for lib/child.c: pvt_waitpid() waits on through signals that
 * interrupt waitpid (a handler installed without SA_RESTART) and passes
 * every other result through.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "child.h"

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	alarms++;
}

static void test_interrupted(void **state)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old; /* no SA_RESTART */
	struct itimerval it = { .it_interval = { 0, 20000 }, .it_value = { 0, 20000 } };
	struct itimerval off = { 0 };
	int st = -1;
	pid_t pid;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct timespec ts = { 0, 200000000L };

		nanosleep(&ts, NULL);
		_exit(7);
	}
	alarms = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	assert_int_equal(pvt_waitpid(pid, &st, 0), pid);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	assert_true(alarms > 0); /* it was interrupted, and waited on */
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 7);
}

static void test_passthrough(void **state)
{
	int st;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	assert_int_equal(pvt_waitpid(pid, &st, WNOHANG), 0); /* still running */
	kill(pid, SIGKILL);
	assert_int_equal(pvt_waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	errno = 0;
	assert_int_equal(pvt_waitpid(pid, &st, 0), -1); /* reaped already */
	assert_int_equal(errno, ECHILD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interrupted),
		cmocka_unit_test(test_passthrough),
	};

	return cmocka_run_group_tests_name("child", tests, NULL, NULL);
}
