// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/output.c: the report written to a temporary file and
 * put in place only when whole (unnamed, or named where O_TMPFILE is
 * missing), symbolic links refused, devices and FIFOs written as they are,
 * the event stream, close-on-exec, the sudo user's ownership and the
 * SUDO_UID/SUDO_GID parse.  Run as root (make check) for the ownership.
 *
 * Files go to a fresh directory under $TMPDIR (or /tmp), removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "quiet_stderr.h"

#include "output.h"
#include "privs.h"

static char tmpdir[256];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int setup_dir(void **state)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/pvt-out-XXXXXX", base && *base ? base : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh subdirectory of tmpdir for one test; its path in @buf. */
static const char *subdir(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", tmpdir, name);
	assert_int_equal(mkdir(buf, 0755), 0);
	return buf;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* The file's text (up to 255 bytes), or "" if it cannot be read. */
static const char *get(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* Entries of @dir other than . and .. (hidden ones too); the first in @first. */
static int entries(const char *dir, char *first, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	if (first)
		first[0] = '\0';
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (!n++ && first)
			snprintf(first, size, "%s", e->d_name);
	}
	closedir(d);
	return n;
}

static void assert_cloexec(FILE *f)
{
	int fl = fcntl(fileno(f), F_GETFD);

	assert_true(fl >= 0 && (fl & FD_CLOEXEC));
}

static mode_t umask_now(void)
{
	mode_t m = umask(022);

	umask(m);
	return m;
}

/* ---- who owns what pvtrace creates ---- */

static void test_parse_owner(void **state)
{
	uid_t u = 7;
	gid_t g = 7;

	assert_int_equal(privs_parse_owner(NULL, NULL, &u, &g), 0);
	assert_int_equal(privs_parse_owner("1000", "100", &u, &g), 1);
	assert_int_equal(u, 1000);
	assert_int_equal(g, 100);
	assert_int_equal(privs_parse_owner("65534", "0", &u, &g), 1);   /* group root: fine */
	assert_int_equal(u, 65534);
	assert_int_equal(g, 0);
	assert_int_equal(privs_parse_owner("4294967294", "4294967294", &u, &g), 1);
	assert_true(u == 4294967294u && g == 4294967294u);
	u = g = 7;
	assert_int_equal(privs_parse_owner("0", "0", &u, &g), 0);        /* root: nothing to do */
	/* not ids: nothing set */
	static const char *const bad[] = { "", "-1", "+5", " 5", "5 ", "5x", "0x10", "1e3",
					   "4294967295", "4294967296", "99999999999999999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(privs_parse_owner(bad[i], "100", &u, &g), -1);
		assert_int_equal(privs_parse_owner("100", bad[i], &u, &g), -1);
	}
	assert_int_equal(privs_parse_owner("1000", NULL, &u, &g), -1);   /* half of it */
	assert_int_equal(privs_parse_owner(NULL, "1000", &u, &g), -1);
	assert_true(u == 7 && g == 7);
}

static void test_owner_env(void **state)
{
	uid_t u = 7;
	gid_t g = 7;
	int q;

	setenv("SUDO_UID", "65534", 1);
	setenv("SUDO_GID", "65533", 1);
	assert_int_equal(pvt_owner_for_new_files(&u, &g), geteuid() == 0);
	if (geteuid() == 0)
		assert_true(u == 65534 && g == 65533);
	setenv("SUDO_UID", "nobody", 1);
	q = quiet_begin();
	assert_int_equal(pvt_owner_for_new_files(&u, &g), 0);
	quiet_end(q);
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	assert_int_equal(pvt_owner_for_new_files(&u, &g), 0);
}

/* ---- the report ---- */

/* A new report: unnamed while written (nothing in the directory), then in place. */
static void test_report_new(void **state)
{
	char dir[512], path[600], first[300];
	struct pvt_output o;
	struct stat st;

	subdir(dir, sizeof(dir), "new");
	snprintf(path, sizeof(path), "%s/r.json", dir);
	assert_int_equal(output_open_report(&o, path, stderr), 0);
	assert_non_null(o.f);
	assert_cloexec(o.f);
	fputs("report\n", o.f);
	assert_int_equal(entries(dir, NULL, 0), 0);
	assert_int_equal(output_commit(&o), 0);
	assert_null(o.f);
	assert_string_equal(get(path), "report\n");
	assert_int_equal(entries(dir, first, sizeof(first)), 1);
	assert_string_equal(first, "r.json");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0666 & ~umask_now());
	/* a name without a directory: the current one */
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(output_open_report(&o, "plain", stderr), 0);
	fputs("plain\n", o.f);
	assert_int_equal(output_commit(&o), 0);
	assert_int_equal(chdir("/"), 0);
	snprintf(path, sizeof(path), "%s/plain", dir);
	assert_string_equal(get(path), "plain\n");
}

/* An existing report is untouched until the new one is whole; a failed run leaves it. */
static void replace_existing(const char *name, bool no_tmpfile)
{
	char dir[512], path[600], first[300];
	struct pvt_output o;

	output_no_tmpfile = no_tmpfile;
	subdir(dir, sizeof(dir), name);
	snprintf(path, sizeof(path), "%s/r.json", dir);
	put(path, "old\n");

	assert_int_equal(output_open_report(&o, path, stderr), 0);
	assert_cloexec(o.f);
	fputs("half", o.f);
	fflush(o.f);
	assert_string_equal(get(path), "old\n");
	/* named: one more entry, hidden, beside it; unnamed: none */
	assert_int_equal(entries(dir, first, sizeof(first)), no_tmpfile ? 2 : 1);
	output_abort(&o);
	assert_string_equal(get(path), "old\n");
	assert_int_equal(entries(dir, first, sizeof(first)), 1);
	assert_string_equal(first, "r.json");

	assert_int_equal(output_open_report(&o, path, stderr), 0);
	fputs("new\n", o.f);
	assert_int_equal(output_commit(&o), 0);
	assert_string_equal(get(path), "new\n");
	assert_int_equal(entries(dir, first, sizeof(first)), 1);
	assert_string_equal(first, "r.json");
	output_no_tmpfile = false;
}

static void test_report_replaces_when_whole(void **state)
{
	replace_existing("replace", false);
}

static void test_report_named_temporary(void **state)
{
	char dir[512], path[600], first[300];
	struct pvt_output o;

	replace_existing("replace-named", true);
	/* its name: hidden, beside the target, and never an existing file's */
	output_no_tmpfile = true;
	subdir(dir, sizeof(dir), "named");
	snprintf(path, sizeof(path), "%s/r.json", dir);
	assert_int_equal(output_open_report(&o, path, stderr), 0);
	assert_int_equal(entries(dir, first, sizeof(first)), 1);
	assert_true(!strncmp(first, ".r.json.", 8) && strlen(first) == 8 + 8 + 4);
	assert_string_equal(first + 16, ".tmp");
	assert_string_equal(o.tmp, first);
	output_abort(&o);
	assert_int_equal(entries(dir, NULL, 0), 0);
	output_no_tmpfile = false;
}

/* A symbolic link is neither followed nor replaced; its target is untouched. */
static void test_report_symlink_refused(void **state)
{
	char dir[512], path[600], target[600], dangling[600];
	struct pvt_output o;
	struct stat st;
	int q;

	subdir(dir, sizeof(dir), "link");
	snprintf(target, sizeof(target), "%s/target", dir);
	snprintf(path, sizeof(path), "%s/r.json", dir);
	snprintf(dangling, sizeof(dangling), "%s/dangling", dir);
	put(target, "target\n");
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(symlink("/nonexistent-pvtrace-target", dangling), 0);
	q = quiet_begin();
	assert_int_equal(output_open_report(&o, path, stderr), -1);
	assert_null(o.f);
	assert_int_equal(output_open_report(&o, dangling, stderr), -1);
	assert_int_equal(output_open_stream(&o, path, stderr), -1);
	assert_int_equal(output_open_stream(&o, dangling, stderr), -1);
	assert_int_equal(output_open_report(&o, "/dev/stdout", stderr), -1);
	quiet_end(q);
	assert_string_equal(get(target), "target\n");
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(access("/nonexistent-pvtrace-target", F_OK), -1);
	assert_int_equal(entries(dir, NULL, 0), 3);
}

/* stdout, stderr, devices, and what cannot be written. */
static void test_report_targets(void **state)
{
	char dir[512], path[600];
	struct pvt_output o;
	int q;

	assert_int_equal(output_open_report(&o, NULL, stderr), 0);
	assert_ptr_equal(o.f, stderr);
	assert_int_equal(output_commit(&o), 0);
	assert_int_equal(output_open_report(&o, "-", stderr), 0);
	assert_ptr_equal(o.f, stdout);
	assert_int_equal(output_commit(&o), 0);
	assert_int_equal(output_open_stream(&o, "-", stderr), 0);
	assert_ptr_equal(o.f, stdout);
	output_abort(&o);

	/* a character device: written as it is, never replaced */
	assert_int_equal(output_open_report(&o, "/dev/null", stderr), 0);
	assert_cloexec(o.f);
	fputs("nothing\n", o.f);
	assert_int_equal(output_commit(&o), 0);
	assert_int_equal(access("/dev/null", W_OK), 0);
	/* a write error at the end is a failure */
	q = quiet_begin();
	assert_int_equal(output_open_report(&o, "/dev/full", stderr), 0);
	fputs("no room\n", o.f);
	assert_int_equal(output_commit(&o), -1);

	subdir(dir, sizeof(dir), "targets");
	assert_int_equal(output_open_report(&o, dir, stderr), -1);          /* a directory */
	snprintf(path, sizeof(path), "%s/", dir);
	assert_int_equal(output_open_report(&o, path, stderr), -1);
	snprintf(path, sizeof(path), "%s/missing/r.json", dir);
	assert_int_equal(output_open_report(&o, path, stderr), -1);         /* no directory */
	assert_int_equal(output_open_stream(&o, path, stderr), -1);
	assert_int_equal(output_open_stream(&o, dir, stderr), -1);
	quiet_end(q);
	assert_int_equal(entries(dir, NULL, 0), 0);
}

/* A FIFO is written as it is: a reader gets the report. */
static void test_report_fifo(void **state)
{
	char dir[512], fifo[600], got[600];
	struct pvt_output o;
	pid_t pid;
	int st;

	subdir(dir, sizeof(dir), "fifo");
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(got, sizeof(got), "%s/got", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char buf[256];
		int in = open(fifo, O_RDONLY), out = open(got, O_WRONLY | O_CREAT, 0600);
		ssize_t n;

		while (in >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n)
				_exit(1);
		_exit(in < 0);
	}
	assert_int_equal(output_open_report(&o, fifo, stderr), 0);
	fputs("through the fifo\n", o.f);
	assert_int_equal(output_commit(&o), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_string_equal(get(got), "through the fifo\n");
	assert_int_equal(entries(dir, NULL, 0), 2);
}

/* Under sudo the files pvtrace creates are the invoking user's. */
static void test_sudo_owner(void **state)
{
	char dir[512], path[600], ev[600], old[600];
	struct pvt_output o;
	struct stat st;

	if (geteuid() != 0)
		skip();
	subdir(dir, sizeof(dir), "sudo");
	snprintf(path, sizeof(path), "%s/r.json", dir);
	snprintf(ev, sizeof(ev), "%s/events", dir);
	snprintf(old, sizeof(old), "%s/old-events", dir);
	put(old, "old\n");
	setenv("SUDO_UID", "65534", 1);
	setenv("SUDO_GID", "65533", 1);
	assert_int_equal(output_open_report(&o, path, stderr), 0);
	fputs("x\n", o.f);
	assert_int_equal(output_commit(&o), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_uid == 65534 && st.st_gid == 65533);
	assert_int_equal(output_open_stream(&o, ev, stderr), 0);
	assert_int_equal(output_commit(&o), 0);
	assert_int_equal(stat(ev, &st), 0);
	assert_true(st.st_uid == 65534 && st.st_gid == 65533);
	/* an existing stream file keeps its owner */
	assert_int_equal(output_open_stream(&o, old, stderr), 0);
	assert_int_equal(output_commit(&o), 0);
	assert_int_equal(stat(old, &st), 0);
	assert_true(st.st_uid == 0 && st.st_gid == 0);
	unsetenv("SUDO_UID");
	unsetenv("SUDO_GID");
	assert_int_equal(output_open_report(&o, path, stderr), 0);
	assert_int_equal(output_commit(&o), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_uid == 0);
}

/* ---- the event stream ---- */

static void test_stream(void **state)
{
	char dir[512], path[600];
	struct pvt_output o;
	struct stat st;

	subdir(dir, sizeof(dir), "stream");
	snprintf(path, sizeof(path), "%s/events", dir);
	/* new: created at once, written in place, readable while it runs */
	assert_int_equal(output_open_stream(&o, path, stderr), 0);
	assert_cloexec(o.f);
	fputs("one\n", o.f);
	fflush(o.f);
	assert_string_equal(get(path), "one\n");
	assert_int_equal(output_commit(&o), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0666 & ~umask_now());
	/* existing: truncated */
	assert_int_equal(output_open_stream(&o, path, stderr), 0);
	assert_string_equal(get(path), "");
	fputs("two\n", o.f);
	assert_int_equal(output_commit(&o), 0);
	assert_string_equal(get(path), "two\n");
	/* a device */
	assert_int_equal(output_open_stream(&o, "/dev/null", stderr), 0);
	assert_cloexec(o.f);
	assert_int_equal(output_commit(&o), 0);
	assert_int_equal(entries(dir, NULL, 0), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_owner),
		cmocka_unit_test(test_owner_env),
		cmocka_unit_test(test_report_new),
		cmocka_unit_test(test_report_replaces_when_whole),
		cmocka_unit_test(test_report_named_temporary),
		cmocka_unit_test(test_report_symlink_refused),
		cmocka_unit_test(test_report_targets),
		cmocka_unit_test(test_report_fifo),
		cmocka_unit_test(test_sudo_owner),
		cmocka_unit_test(test_stream),
	};

	return cmocka_run_group_tests_name("output", tests, setup_dir, teardown_dir);
}
