// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/privs.c: the command's environment under --user (as
 * `runuser -u USER` sets it), the user looked up by name or uid, the identity
 * taken in a child (root only: a child process takes `nobody`'s identity and
 * cannot take root back), the owner of files made under sudo, and the note
 * under sudo.
 *
 * privs_resolve prints its errors on stderr: expected here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "common.h"
#include "privs.h"

static size_t env_len(char **env)
{
	size_t n = 0;

	while (env[n])
		n++;
	return n;
}

/* The value of @name in @env, or NULL; fails if it is there twice. */
static const char *env_get(char **env, const char *name)
{
	const char *v = NULL;
	size_t n = strlen(name);

	for (size_t i = 0; env[i]; i++) {
		if (!strncmp(env[i], name, n) && env[i][n] == '=') {
			assert_null(v);
			v = env[i] + n + 1;
		}
	}
	return v;
}

static void test_env_other_user(void **state)
{
	char *env[] = { "PATH=/usr/bin:/bin", "HOME=/root", "USER=root", "SHELL=/bin/zsh",
			"LOGNAME=root", "HOME=/twice", "USERX=kept", "TERM=xterm", "FOO=bar", NULL };
	char **e = privs_user_env(env, "alice", "/home/alice", 1000);

	(void)state;
	assert_non_null(e);
	/* Everything else kept, in order; HOME, USER and LOGNAME the user's, once each. */
	assert_string_equal(e[0], "PATH=/usr/bin:/bin");
	assert_string_equal(e[1], "SHELL=/bin/zsh");
	assert_string_equal(e[2], "USERX=kept");
	assert_string_equal(e[3], "TERM=xterm");
	assert_string_equal(e[4], "FOO=bar");
	assert_string_equal(env_get(e, "HOME"), "/home/alice");
	assert_string_equal(env_get(e, "USER"), "alice");
	assert_string_equal(env_get(e, "LOGNAME"), "alice");
	assert_int_equal(env_len(e), 8);
	free(e);
}

static void test_env_root(void **state)
{
	char *env[] = { "HOME=/home/alice", "USER=alice", "LOGNAME=alice", NULL };
	char **e = privs_user_env(env, "root", "/root", 0);

	(void)state;
	/* runuser -u root: HOME only; USER and LOGNAME left as they were. */
	assert_string_equal(env_get(e, "HOME"), "/root");
	assert_string_equal(env_get(e, "USER"), "alice");
	assert_string_equal(env_get(e, "LOGNAME"), "alice");
	assert_int_equal(env_len(e), 3);
	free(e);
}

static void test_env_empty(void **state)
{
	char **e = privs_user_env(NULL, "bob", "", 1001);

	(void)state;
	assert_string_equal(env_get(e, "HOME"), "/"); /* no home directory: / */
	assert_string_equal(env_get(e, "USER"), "bob");
	assert_string_equal(env_get(e, "LOGNAME"), "bob");
	assert_int_equal(env_len(e), 3);
	free(e);
}

static void test_sudo_owner(void **state)
{
	uid_t u = 7;
	gid_t g = 7;

	(void)state;
	assert_int_equal(privs_sudo_owner("1000", "1001", 0, &u, &g), 1);
	assert_int_equal(u, 1000);
	assert_int_equal(g, 1001);
	u = g = 7;
	/* not root: the file is the user's already */
	assert_int_equal(privs_sudo_owner("1000", "1001", 1000, &u, &g), 0);
	/* sudo from root: nothing to give */
	assert_int_equal(privs_sudo_owner("0", "0", 0, &u, &g), 0);
	/* not both, not plain decimals, or the "unchanged" id */
	assert_int_equal(privs_sudo_owner("1000", NULL, 0, &u, &g), 0);
	assert_int_equal(privs_sudo_owner(NULL, "1000", 0, &u, &g), 0);
	assert_int_equal(privs_sudo_owner("", "1000", 0, &u, &g), 0);
	assert_int_equal(privs_sudo_owner("-1", "1000", 0, &u, &g), 0);
	assert_int_equal(privs_sudo_owner("1000x", "1000", 0, &u, &g), 0);
	assert_int_equal(privs_sudo_owner("0x10", "1000", 0, &u, &g), 0);
	assert_int_equal(privs_sudo_owner("1000", " 1000", 0, &u, &g), 0);
	assert_int_equal(privs_sudo_owner("4294967295", "1000", 0, &u, &g), 0);
	assert_int_equal(privs_sudo_owner("99999999999", "1000", 0, &u, &g), 0);
	assert_int_equal(u, 7);
	assert_int_equal(g, 7);
}

static void test_resolve(void **state)
{
	struct passwd *pw = getpwnam("nobody");
	struct pvt_cred *c;
	char uid_s[32];
	char *env[] = { "HOME=/root", "FOO=1", NULL };

	(void)state;
	if (!pw)
		skip();
	if (geteuid() != 0)
		skip(); /* another user needs root: test_resolve_self covers the rest */
	/* by name */
	assert_int_equal(privs_resolve("nobody", env, &c), 0);
	assert_string_equal(c->name, "nobody");
	assert_int_equal(c->uid, pw->pw_uid);
	assert_int_equal(c->gid, pw->pw_gid);
	assert_true(c->set_ids);
	{
		gid_t want[256];
		int n = 256;

		assert_true(getgrouplist("nobody", pw->pw_gid, want, &n) >= 0);
		assert_int_equal(c->ngroups, n);
		assert_memory_equal(c->groups, want, n * sizeof(gid_t));
	}
	assert_string_equal(env_get(c->envp, "HOME"), pw->pw_dir);
	assert_string_equal(env_get(c->envp, "USER"), "nobody");
	assert_string_equal(env_get(c->envp, "FOO"), "1");
	privs_free(c);
	/* by uid */
	snprintf(uid_s, sizeof(uid_s), "%u", (unsigned int)pw->pw_uid);
	assert_int_equal(privs_resolve(uid_s, env, &c), 0);
	assert_string_equal(c->name, "nobody");
	privs_free(c);
}

static void test_resolve_errors(void **state)
{
	struct pvt_cred *c = (void *)1;

	(void)state;
	assert_int_equal(privs_resolve("pvt-no-such-user-xyz", NULL, &c), PVT_EXIT_USAGE);
	assert_null(c);
	assert_int_equal(privs_resolve("", NULL, &c), PVT_EXIT_USAGE);
	/* a uid with no entry in the user database */
	assert_int_equal(privs_resolve("3999999999", NULL, &c), PVT_EXIT_USAGE);
	assert_null(c);
}

/* Any process may run the command as its own user. */
static void test_resolve_self(void **state)
{
	struct passwd *pw = getpwuid(geteuid());
	struct pvt_cred *c;

	(void)state;
	if (!pw)
		skip();
	assert_int_equal(privs_resolve(pw->pw_name, NULL, &c), 0);
	assert_int_equal(c->uid, geteuid());
	assert_string_equal(env_get(c->envp, "HOME"), pw->pw_dir && *pw->pw_dir ? pw->pw_dir : "/");
	privs_free(c);
	assert_int_equal(privs_apply(NULL), 0);
}

/* In a child, as `runuser -u nobody` would: its ids and groups, no way back to root. */
static void test_apply(void **state)
{
	struct passwd *pw = getpwnam("nobody");
	struct pvt_cred *c;
	int st;
	pid_t pid;

	(void)state;
	if (!pw || geteuid() != 0)
		skip();
	assert_int_equal(privs_resolve("nobody", NULL, &c), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		gid_t g[256];
		int n;
		uid_t r, e, s;

		if (privs_apply(c))
			_exit(10);
		if (getresuid(&r, &e, &s) || r != pw->pw_uid || e != pw->pw_uid || s != pw->pw_uid)
			_exit(11);
		if (getgid() != pw->pw_gid || getegid() != pw->pw_gid)
			_exit(12);
		n = getgroups(256, g);
		if (n != c->ngroups || memcmp(g, c->groups, n * sizeof(gid_t)))
			_exit(13);
		if (setuid(0) == 0 || seteuid(0) == 0 || setgroups(0, NULL) == 0)
			_exit(14);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	privs_free(c);
}

/* Under sudo, a file pvtrace has just created becomes the sudo user's. */
static void test_chown_new_file(void **state)
{
	char path[] = "/tmp/pvt-test-privs-XXXXXX";
	struct stat st;
	int fd;

	(void)state;
	if (geteuid() != 0)
		skip();
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	assert_int_equal(privs_chown_new_file(fd, path), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_uid, 0);
	setenv("SUDO_UID", "65534", 1);
	setenv("SUDO_GID", "65533", 1);
	assert_int_equal(privs_chown_new_file(fd, path), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_uid, 65534);
	assert_int_equal(st.st_gid, 65533);
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	close(fd);
	unlink(path);
}

static void test_note_once(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	unsetenv("SUDO_UID");
	assert_false(privs_note_root_under_sudo());
	setenv("SUDO_UID", "0", 1);
	setenv("SUDO_GID", "0", 1);
	assert_false(privs_note_root_under_sudo()); /* root sudo to root: nothing to say */
	setenv("SUDO_UID", "65534", 1);
	setenv("SUDO_GID", "65534", 1);
	setenv("SUDO_USER", "nobody", 1);
	assert_true(privs_note_root_under_sudo());
	assert_false(privs_note_root_under_sudo()); /* once */
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	unsetenv("SUDO_USER");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_other_user),
		cmocka_unit_test(test_env_root),
		cmocka_unit_test(test_env_empty),
		cmocka_unit_test(test_sudo_owner),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_resolve_errors),
		cmocka_unit_test(test_resolve_self),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_chown_new_file),
		cmocka_unit_test(test_note_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
