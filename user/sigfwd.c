// SPDX-License-Identifier: GPL-2.0
/* sigfwd.c - the signals pvtrace passes on to the command (what and why: sigfwd.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "common.h"
#include "sigfwd.h"

#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

static const int fwd_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

/* A signal noted by the handler, for the event loop. */
struct sigfwd_rec {
	int sig;
	int code;
};

static int pipe_fd[2] = { -1, -1 };
static volatile sig_atomic_t signals_seen;
static volatile sig_atomic_t cur_pidfd = -1;
static volatile sig_atomic_t cur_pid = -1;

bool sigfwd_decide(int sig, int si_code, pid_t cmd_pgid, pid_t own_pgid, bool own_session_leader)
{
	if (si_code != SI_KERNEL)
		return true;  /* kill(1) and the like: aimed at pvtrace alone */
	if (sig == SIGHUP && own_session_leader)
		return true;  /* a hangup: to the session leader alone */
	/* To pvtrace's process group: the command had it if it is still there. */
	return cmd_pgid < 0 || cmd_pgid != own_pgid;
}

int sigfwd_send(int pidfd, pid_t pid, int sig, int si_code)
{
	pid_t me = getpid();

	if (pidfd < 0)
		return -EBADF;
	/* getpgid of our own child, not yet reaped: its group now, not a stranger's. */
	if (!sigfwd_decide(sig, si_code, getpgid(pid), getpgrp(), getsid(0) == me))
		return 0;
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0))
		return -errno;
	return 1;
}

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	struct sigfwd_rec r = { .sig = sig, .code = si->si_code };
	int saved = errno;

	if (++signals_seen < SIGFWD_STOP_AT) {
		if (write(pipe_fd[1], &r, sizeof(r)) < 0) {
			/* the pipe full: this one is not passed on */
		}
	} else {
		/* The last resort: pass it on now, then let it stop pvtrace. */
		struct sigaction dfl = { .sa_handler = SIG_DFL };

		if (cur_pidfd >= 0)
			sigfwd_send(cur_pidfd, cur_pid, sig, r.code);
		sigemptyset(&dfl.sa_mask);
		sigaction(sig, &dfl, NULL);
		raise(sig); /* delivered when this handler returns */
	}
	errno = saved;
}

int sigfwd_install(void)
{
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | SA_RESTART };

	if (pipe_fd[0] < 0 && pipe2(pipe_fd, O_CLOEXEC | O_NONBLOCK))
		return -errno;
	signals_seen = 0;
	sigemptyset(&sa.sa_mask);
	/* One handler at a time: the count and the pipe see them in order. */
	for (size_t i = 0; i < ARRAY_SIZE(fwd_sigs); i++)
		sigaddset(&sa.sa_mask, fwd_sigs[i]);
	for (size_t i = 0; i < ARRAY_SIZE(fwd_sigs); i++)
		sigaction(fwd_sigs[i], &sa, NULL);
	return 0;
}

int sigfwd_fd(void)
{
	return pipe_fd[0];
}

void sigfwd_attach(int pidfd, pid_t pid)
{
	cur_pid = pid;
	cur_pidfd = pidfd;
}

void sigfwd_detach(void)
{
	cur_pidfd = -1;
}

int sigfwd_discard(void)
{
	struct sigfwd_rec r;
	int n = 0;

	while (pipe_fd[0] >= 0 && read(pipe_fd[0], &r, sizeof(r)) == sizeof(r))
		n++;
	return n;
}

int sigfwd_drain(int pidfd, pid_t pid)
{
	struct sigfwd_rec r;
	int sent = 0;

	while (pipe_fd[0] >= 0 && read(pipe_fd[0], &r, sizeof(r)) == sizeof(r)) {
		int err = sigfwd_send(pidfd, pid, r.sig, r.code);

		if (err > 0) {
			sent++;
			pvt_debug("passed %s on to the command", strsignal(r.sig));
		} else if (!err) {
			pvt_debug("%s from the terminal: the command, in pvtrace's process group, "
				  "had it too", strsignal(r.sig));
		} else if (err != -ESRCH) {
			pvt_warn("cannot pass %s on to the command: %s", strsignal(r.sig),
				 strerror(-err));
		}
	}
	return sent;
}
