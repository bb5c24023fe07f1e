// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/sigfwd.c: which signals pvtrace passes on to the
 * command (the decision), sending through the pidfd to a real child (in
 * pvtrace's process group or out of it, alive or reaped), the handler's
 * self-pipe drained by the event loop, and the third signal, which stops
 * pvtrace after passing it on.
 *
 * Every handler is installed in a forked child, never in the test process.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "common.h"
#include "sigfwd.h"

static void test_decide(void **state)
{
	(void)state;
	/* kill(1), sigqueue, tgkill: aimed at pvtrace alone, always passed on */
	assert_true(sigfwd_decide(SIGINT, SI_USER, 100, 100, false));
	assert_true(sigfwd_decide(SIGTERM, SI_QUEUE, 100, 100, false));
	assert_true(sigfwd_decide(SIGTERM, SI_TKILL, 100, 100, true));
	/* the terminal's Ctrl-C: the command in pvtrace's group had it */
	assert_false(sigfwd_decide(SIGINT, SI_KERNEL, 100, 100, false));
	assert_false(sigfwd_decide(SIGQUIT, SI_KERNEL, 100, 100, true));
	/* ... unless it left the group (setsid, setpgid) */
	assert_true(sigfwd_decide(SIGINT, SI_KERNEL, 200, 100, false));
	assert_true(sigfwd_decide(SIGQUIT, SI_KERNEL, 200, 100, true));
	/* its group unknown: pass it on (the pidfd makes that safe) */
	assert_true(sigfwd_decide(SIGINT, SI_KERNEL, -1, 100, false));
	/* a hangup goes to the session leader alone */
	assert_true(sigfwd_decide(SIGHUP, SI_KERNEL, 100, 100, true));
	/* a session leader's exit: SIGHUP to the foreground group, the command's too */
	assert_false(sigfwd_decide(SIGHUP, SI_KERNEL, 100, 100, false));
}

static int pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* A child that waits (for a signal); with @own_group it first leaves our process group. */
static pid_t waiting_child(bool own_group)
{
	int p[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		if (own_group)
			setpgid(0, 0);
		if (write(p[1], "r", 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

static void reap(pid_t pid, int want_sig)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), want_sig);
}

static void test_send(void **state)
{
	pid_t pid = waiting_child(false);
	int pidfd = pidfd_open(pid), st;

	(void)state;
	assert_true(pidfd >= 0);
	/* Ctrl-C on the terminal reached the child in our group: not sent again */
	assert_int_equal(sigfwd_send(pidfd, pid, SIGINT, SI_KERNEL), 0);
	usleep(20000);
	assert_int_equal(waitpid(pid, &st, WNOHANG), 0);
	/* kill(1) to pvtrace: sent */
	assert_int_equal(sigfwd_send(pidfd, pid, SIGTERM, SI_USER), 1);
	reap(pid, SIGTERM);
	close(pidfd);

	/* The child left our group: the terminal's Ctrl-C did not reach it, pvtrace sends it. */
	pid = waiting_child(true);
	pidfd = pidfd_open(pid);
	assert_true(pidfd >= 0);
	assert_int_equal(getpgid(pid), pid);
	assert_int_equal(sigfwd_send(pidfd, pid, SIGINT, SI_KERNEL), 1);
	reap(pid, SIGINT);
	close(pidfd);
}

/* Reaped: the pidfd still names the dead child, never whatever took its pid since. */
static void test_send_reaped(void **state)
{
	pid_t pid = fork();
	int pidfd, st;

	(void)state;
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	pidfd = pidfd_open(pid);
	assert_true(pidfd >= 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(sigfwd_send(pidfd, pid, SIGTERM, SI_USER), -ESRCH);
	assert_int_equal(sigfwd_send(pidfd, pid, SIGINT, SI_KERNEL), -ESRCH);
	close(pidfd);
	assert_int_equal(sigfwd_send(-1, pid, SIGTERM, SI_USER), -EBADF);
}

/*
 * In a child playing pvtrace: the handler notes two signals on the pipe and
 * the drain passes them on to its own child; the third is passed on from
 * the handler and stops it.  Exit statuses say which step failed.
 */
static void play_pvtrace(pid_t cmd2)
{
	pid_t cmd = waiting_child(false);
	int pidfd = pidfd_open(cmd), pidfd2 = pidfd_open(cmd2), st;

	if (pidfd < 0 || pidfd2 < 0 || sigfwd_install() || sigfwd_fd() < 0)
		_exit(20);
	sigfwd_attach(pidfd, cmd);
	raise(SIGTERM); /* SI_TKILL: aimed at "pvtrace" alone */
	if (sigfwd_drain(pidfd, cmd) != 1)
		_exit(21);
	if (waitpid(cmd, &st, 0) != cmd || !WIFSIGNALED(st) || WTERMSIG(st) != SIGTERM)
		_exit(22);
	/* Nothing more noted: nothing sent. */
	if (sigfwd_drain(pidfd, cmd) != 0)
		_exit(23);
	/* The second: noted, and the child already reaped: not sent (ESRCH, no error). */
	raise(SIGINT);
	if (sigfwd_drain(pidfd, cmd) != 0)
		_exit(24);
	/* The third: passed on to the command attached now, then the default action. */
	sigfwd_attach(pidfd2, cmd2);
	raise(SIGHUP);
	_exit(25); /* still alive */
}

static void test_handler_and_third_signal(void **state)
{
	pid_t cmd2 = waiting_child(false), pid;
	int st;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		play_pvtrace(cmd2);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFEXITED(st))
		fail_msg("the pvtrace stand-in exited %d instead of dying of SIGHUP",
			 WEXITSTATUS(st));
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGHUP);
	/* ... which it passed on first */
	reap(cmd2, SIGHUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_send),
		cmocka_unit_test(test_send_reaped),
		cmocka_unit_test(test_handler_and_third_signal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
