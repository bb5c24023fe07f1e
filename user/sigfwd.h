/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sigfwd.h - the signals pvtrace passes on to the command.
 *
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to pvtrace go to the command,
 * through its pidfd (pidfd_send_signal), so never to a process that has been
 * reaped or to a pid reused since.  The handler only notes the signal on a
 * self-pipe; the event loop (run_trace.c), which holds the pidfd while the
 * command is not reaped, passes it on: sigfwd_drain().
 *
 * Which signals the command has already had: one the kernel sent (si_code
 * SI_KERNEL: Ctrl-C, Ctrl-\ on the terminal, the SIGHUP of a session leader's
 * exit, of an orphaned process group) went to pvtrace's process group, so the
 * command had it too if it is still in that group; once it has moved out
 * (setsid, setpgid) it is passed on.  A hangup's SIGHUP goes to the session
 * leader alone: passed on when pvtrace leads its session.  Any other signal
 * (kill(1), sigqueue) was aimed at pvtrace alone and is passed on.
 *
 * The first two signals are passed on and the report is still written; the
 * third is passed on too, then restores the default action and stops pvtrace
 * at once (no report), so that pvtrace can always be stopped.
 */
#ifndef PVT_SIGFWD_H
#define PVT_SIGFWD_H

#include <stdbool.h>
#include <sys/types.h>

#define SIGFWD_STOP_AT 3 /* the signal that stops pvtrace itself */

/*
 * Install the handlers (SIGINT, SIGTERM, SIGHUP, SIGQUIT) and the self-pipe.
 * 0, or -errno (no pipe: nothing installed).
 */
int sigfwd_install(void);

/* The self-pipe's read end (non-blocking): readable when a signal waits to be passed on. */
int sigfwd_fd(void);

/*
 * The command's pidfd and pid while it may be signalled (the third signal is
 * passed on from the handler); sigfwd_detach() before the pidfd is closed.
 */
void sigfwd_attach(int pidfd, pid_t pid);
void sigfwd_detach(void);

/*
 * Pass on every signal noted since the last call, each as sigfwd_send().
 * Returns how many were sent.
 */
int sigfwd_drain(int pidfd, pid_t pid);

/* Read and drop every signal noted (attach: a signal ends the trace).  How many. */
int sigfwd_discard(void);

/*
 * Has the command not had signal @sig (code @si_code) already?  @cmd_pgid:
 * the command's process group (< 0: unknown), @own_pgid: pvtrace's,
 * @own_session_leader: pvtrace leads its session.
 */
bool sigfwd_decide(int sig, int si_code, pid_t cmd_pgid, pid_t own_pgid, bool own_session_leader);

/*
 * Decide for the command @pid now (its process group, pvtrace's) and send
 * @sig through @pidfd if it has not had it.  1 sent, 0 not needed, -errno
 * (-ESRCH: it has exited).  Async-signal-safe (system calls only).
 */
int sigfwd_send(int pidfd, pid_t pid, int sig, int si_code);

#endif /* PVT_SIGFWD_H */
