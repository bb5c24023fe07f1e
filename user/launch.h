/* SPDX-License-Identifier: GPL-2.0 */
/*
 * launch.h - starting the workload behind a gate.
 *
 * The command is forked first and waits on a pipe; pvtrace loads and attaches
 * its programs, then opens the gate and the child execs: nothing the command
 * does from its first instruction is missed.
 */
#ifndef PVT_LAUNCH_H
#define PVT_LAUNCH_H

#include <sys/types.h>

struct pvt_cred;

struct pvt_launch {
	pid_t pid;        /* the gated child, later the command */
	int gate_fd;      /* write end of the gate pipe; -1 once opened */
	int err_fd;       /* read end of the exec-error pipe (close-on-exec in the child) */
	char *path;       /* the resolved executable */
	struct pvt_cred *cred; /* --user: who the command runs as (privs.h); NULL: as pvtrace */
};

/*
 * --user @spec (NULL: none): who the command will run as, looked up before
 * anything starts (privs_resolve()).  0, or PVT_EXIT_USAGE / PVT_EXIT_FAILURE
 * after one line.
 */
int launch_set_user(struct pvt_launch *l, const char *spec);

/*
 * Resolve argv[0] like a shell (PATH search unless it contains '/').
 * Returns 0, or PVT_EXIT_NOTFOUND / PVT_EXIT_NOEXEC after printing one line.
 */
int launch_resolve(const char *cmd, char **path_out);

/*
 * Fork the gated child; it takes l->cred's identity, if any (else, under sudo,
 * pvtrace notes once that the command runs as root).  0 on success; -1 after
 * printing why.
 */
int launch_start(struct pvt_launch *l, char *const argv[], char *path);

/*
 * Open the gate and learn whether exec succeeded.  Returns 0 if the command
 * is running, PVT_EXIT_NOTFOUND / PVT_EXIT_NOEXEC (after one line) if exec
 * failed, -1 on pvtrace's own failure (the child could not take l->cred's
 * identity: one line, the child reaped).
 */
int launch_release(struct pvt_launch *l, const char *cmd);

/* Kill the gated child and reap it (when setup failed before the gate opened). */
void launch_abort(struct pvt_launch *l);

/* The exit status a shell would give for a wait(2) status: code, or 128+signal. */
int launch_exit_status(int wstatus);

void launch_cleanup(struct pvt_launch *l);

#endif /* PVT_LAUNCH_H */
