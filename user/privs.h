/* SPDX-License-Identifier: GPL-2.0 */
/*
 * privs.h - who runs what: the user the command runs as (`pvtrace run
 * --user`), the note under sudo when that is root, and who owns the files
 * pvtrace creates for the user who ran it with sudo.
 *
 * pvtrace itself keeps its privileges (it loads and reads BPF, reads /proc of
 * every traced task); only the command, in the gated child between fork and
 * exec, takes the user's identity.  What changes, as `runuser -u USER -- CMD`
 * (util-linux) does it: the supplementary groups (the user's, as
 * initgroups(3) finds them), the real, effective and saved group and user
 * ids; in the environment HOME (the user's home directory) and, unless the
 * user is root, USER and LOGNAME (its name).  Everything else in the
 * environment, SHELL and PATH included, is passed on unchanged, and the
 * command is found on pvtrace's PATH as without --user.
 */
#ifndef PVT_PRIVS_H
#define PVT_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

/* The identity the command takes (privs_resolve()), applied by privs_apply(). */
struct pvt_cred {
	char *name;        /* the user's name, from the user database */
	uid_t uid;
	gid_t gid;         /* its primary group */
	gid_t *groups;     /* its supplementary groups, the primary included */
	int ngroups;
	bool set_ids;      /* false: --user named pvtrace's own unprivileged user: ids left alone */
	char **envp;       /* the command's environment (privs_user_env()) */
};

/*
 * --user SPEC (a name, or a numeric uid with an entry in the user database):
 * look the user up and its groups, check pvtrace may become it (root, or
 * CAP_SETUID and CAP_SETGID; any process may "become" its own uid), build the
 * command's environment from @env.  Done before anything starts.  Returns 0
 * (*out set; privs_free() it), or after one line on stderr: PVT_EXIT_USAGE
 * (no such user), PVT_EXIT_FAILURE (pvtrace may not switch to that user,
 * out of memory).
 */
int privs_resolve(const char *spec, char *const *env, struct pvt_cred **out);

/*
 * The command's environment for user @name (@uid, home directory @home) from
 * @env: @env's entries in order, without HOME (and without USER and LOGNAME
 * unless @uid is 0), then HOME=@home (an empty home: "/"), then for a uid
 * other than 0 USER=@name and LOGNAME=@name.  The array and the three new
 * strings are allocated together: one free() releases all; NULL without memory.
 */
char **privs_user_env(char *const *env, const char *name, const char *home, uid_t uid);

/*
 * In the child, after fork and before exec: setgroups, setresgid, setresuid,
 * then a check that a user other than root cannot get root back.  Calls
 * nothing that allocates.  0, or the errno of the step that failed.
 */
int privs_apply(const struct pvt_cred *c);

void privs_free(struct pvt_cred *c);

/*
 * Under sudo (SUDO_UID of a user other than root, pvtrace's effective uid 0)
 * and without --user: one line on stderr, once per process, that the command
 * runs as root and how to run it as the user ("--user $SUDO_USER", else
 * "--user $SUDO_UID").  Returns whether it was printed.
 */
bool privs_note_root_under_sudo(void);

/*
 * Who should own a file pvtrace creates at a path the user chose (-o FILE,
 * --events=FILE, calibrate -o FILE): under sudo, the user who ran sudo.
 * Returns 1 with *uid and *gid set when pvtrace runs as root (effective uid 0)
 * and SUDO_UID and SUDO_GID are both plain decimal ids, SUDO_UID not 0;
 * else 0, *uid and *gid left alone (leave the file as created).
 *
 * Give away only a file pvtrace has just created itself (O_CREAT|O_EXCL,
 * mkstemp: a temporary file renamed over the path), by its descriptor
 * (fchown), never an existing file opened for writing: `sudo pvtrace run -o
 * /etc/shadow` must not hand /etc/shadow to the user.
 */
int pvt_owner_for_new_files(uid_t *uid, gid_t *gid);

/*
 * The rule above without the environment and euid: @suid, @sgid the values of
 * SUDO_UID and SUDO_GID (NULL: unset).  1 (a user other than root, *uid and
 * *gid set), 0 (unset, or root), -1 (not a user and group id: decimal digits
 * only, below 2^32 - 1, the value that means "no id").  pvt_owner_for_new_files()
 * warns once about -1.
 */
int privs_parse_owner(const char *suid, const char *sgid, uid_t *uid, gid_t *gid);

/* The same from explicit values (@sudo_uid, @sudo_gid: the variables' text or NULL). */
int privs_sudo_owner(const char *sudo_uid, const char *sudo_gid, uid_t euid, uid_t *uid,
		     gid_t *gid);

/*
 * fchown(@fd) to pvt_owner_for_new_files()'s owner, if there is one: for a
 * file pvtrace has just created (see above), named @path in the warning if
 * that fails (the file is then left as it is: still written).  0 (nothing to
 * do, or done), or -errno.
 */
int privs_chown_new_file(int fd, const char *path);

#endif /* PVT_PRIVS_H */
