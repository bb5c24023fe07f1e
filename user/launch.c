// SPDX-License-Identifier: GPL-2.0
/* launch.c - fork the workload behind a gate, exec it when tracing is in place. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"
#include "launch.h"
#include "privs.h"

extern char **environ;

/* What the child sends back on its close-on-exec pipe when it cannot run the command. */
struct launch_failure {
	int step;  /* LAUNCH_EXEC or LAUNCH_USER */
	int err;   /* errno */
};
enum { LAUNCH_EXEC, LAUNCH_USER };

static int check_file(const char *path, const char *cmd)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			pvt_err("%s: no such file or directory", cmd);
			return PVT_EXIT_NOTFOUND;
		}
		pvt_err("%s: %s", cmd, strerror(errno));
		return PVT_EXIT_NOEXEC;
	}
	if (S_ISDIR(st.st_mode)) {
		pvt_err("%s: is a directory", cmd);
		return PVT_EXIT_NOEXEC;
	}
	if (access(path, X_OK) < 0) {
		pvt_err("%s: permission denied (not executable)", cmd);
		return PVT_EXIT_NOEXEC;
	}
	return 0;
}

int launch_resolve(const char *cmd, char **path_out)
{
	const char *pathenv, *p, *sep;
	char buf[PATH_MAX];
	int found_noexec = 0;

	*path_out = NULL;
	if (!*cmd) {
		pvt_err("'': command not found");
		return PVT_EXIT_NOTFOUND;
	}
	if (strchr(cmd, '/')) {
		int rc = check_file(cmd, cmd);

		if (!rc)
			*path_out = strdup(cmd);
		return rc;
	}
	pathenv = getenv("PATH");
	if (!pathenv)
		pathenv = "/usr/local/bin:/usr/bin:/bin";
	for (p = pathenv;; p = sep + 1) {
		struct stat st;
		size_t dlen;

		sep = strchr(p, ':');
		dlen = sep ? (size_t)(sep - p) : strlen(p);
		if (snprintf(buf, sizeof(buf), "%.*s%s%s", (int)dlen, p, dlen ? "/" : "", cmd) <
			    (int)sizeof(buf) &&
		    stat(buf, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(buf, X_OK) == 0) {
				*path_out = strdup(buf);
				return 0;
			}
			found_noexec = 1;
		}
		if (!sep)
			break;
	}
	if (found_noexec) {
		pvt_err("%s: permission denied (not executable)", cmd);
		return PVT_EXIT_NOEXEC;
	}
	pvt_err("%s: command not found", cmd);
	return PVT_EXIT_NOTFOUND;
}

static void __attribute__((noreturn)) child_fail(int err_wr, int step, int e)
{
	struct launch_failure f = { .step = step, .err = e };

	if (write(err_wr, &f, sizeof(f)) < 0) {
		/* nothing more can be said */
	}
	_exit(step == LAUNCH_USER ? PVT_EXIT_FAILURE :
	      e == ENOENT ? PVT_EXIT_NOTFOUND : PVT_EXIT_NOEXEC);
}

/*
 * In the child: take the command's identity (--user), wait at the gate, then
 * exec.  The identity is taken before the gate, where the trace does not see
 * it; pvtrace, the parent, keeps its own.  A failure is told once the gate is
 * open, when pvtrace reads the pipe.  Never returns.
 */
static void __attribute__((noreturn)) child_run(int gate_rd, int err_wr, char *const argv[],
						const char *path, const struct pvt_cred *cred)
{
	char *const *envp = cred ? cred->envp : environ;
	int user_err = privs_apply(cred);
	sigset_t none;
	char c;
	ssize_t n;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	do {
		n = read(gate_rd, &c, 1);
	} while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(PVT_EXIT_FAILURE); /* pvtrace went away: do not run untraced */
	close(gate_rd);
	if (user_err)
		child_fail(err_wr, LAUNCH_USER, user_err);

	execve(path, argv, envp);
	if (errno == ENOEXEC) {
		/* No #! line: run it with the shell, as execvp(3) and shells do. */
		int argc = 0;

		while (argv[argc])
			argc++;
		char **sh = calloc(argc + 2, sizeof(*sh));

		if (sh) {
			sh[0] = "/bin/sh";
			sh[1] = (char *)path;
			for (int i = 1; i < argc; i++)
				sh[i + 1] = argv[i];
			execve("/bin/sh", sh, envp);
		}
		errno = ENOEXEC;
	}
	child_fail(err_wr, LAUNCH_EXEC, errno);
}

int launch_set_user(struct pvt_launch *l, const char *spec)
{
	privs_free(l->cred);
	l->cred = NULL;
	return spec ? privs_resolve(spec, environ, &l->cred) : 0;
}

int launch_start(struct pvt_launch *l, char *const argv[], char *path)
{
	int gate[2], errp[2];

	l->pid = -1;
	l->gate_fd = l->err_fd = -1;
	l->path = path;
	if (pipe2(gate, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		pvt_err("cannot create pipes: %s", strerror(errno));
		return -1;
	}
	/* Under sudo, the command runs as root unless --user says otherwise: say so once. */
	if (!l->cred)
		privs_note_root_under_sudo();
	fflush(NULL);
	l->pid = fork();
	if (l->pid < 0) {
		pvt_err("cannot fork: %s", strerror(errno));
		return -1;
	}
	if (l->pid == 0) {
		close(gate[1]);
		close(errp[0]);
		child_run(gate[0], errp[1], argv, path, l->cred);
	}
	close(gate[0]);
	close(errp[1]);
	l->gate_fd = gate[1];
	l->err_fd = errp[0];
	return 0;
}

int launch_release(struct pvt_launch *l, const char *cmd)
{
	struct launch_failure f;
	ssize_t n;

	if (write(l->gate_fd, "g", 1) != 1) {
		pvt_err("cannot open the gate: %s", strerror(errno));
		return -1;
	}
	close(l->gate_fd);
	l->gate_fd = -1;
	/* EOF: exec succeeded (the pipe was close-on-exec). */
	do {
		n = read(l->err_fd, &f, sizeof(f));
	} while (n < 0 && errno == EINTR);
	close(l->err_fd);
	l->err_fd = -1;
	if (n == 0)
		return 0;
	if (n != sizeof(f)) {
		pvt_err("%s: exec failed", cmd);
		return PVT_EXIT_NOEXEC;
	}
	waitpid(l->pid, NULL, 0);
	l->pid = -1;
	if (f.step == LAUNCH_USER) {
		pvt_err("cannot run %s as %s: %s", cmd, l->cred ? l->cred->name : "?",
			strerror(f.err));
		return -1;
	}
	if (f.err == ENOENT) {
		pvt_err("%s: command not found", cmd);
		return PVT_EXIT_NOTFOUND;
	}
	pvt_err("%s: cannot execute: %s", cmd, strerror(f.err));
	return PVT_EXIT_NOEXEC;
}

void launch_abort(struct pvt_launch *l)
{
	if (l->pid > 0) {
		kill(l->pid, SIGKILL);
		waitpid(l->pid, NULL, 0);
		l->pid = -1;
	}
}

int launch_exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return PVT_EXIT_FAILURE;
}

void launch_cleanup(struct pvt_launch *l)
{
	if (l->gate_fd >= 0)
		close(l->gate_fd);
	if (l->err_fd >= 0)
		close(l->err_fd);
	l->gate_fd = l->err_fd = -1;
	free(l->path);
	l->path = NULL;
	privs_free(l->cred);
	l->cred = NULL;
}
