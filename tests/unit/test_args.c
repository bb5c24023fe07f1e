// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for `pvtrace run` argument parsing (user/cmd_run.c run_parse_args),
 * strict number parsing (lib/parse.c pvt_parse_u64) and the exit status
 * and command resolution of user/launch.c.
 *
 * run_parse_args prints its usage errors on stderr: expected here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "common.h"
#include "launch.h"
#include "cmd_run.h"
#include "pvtrace.h"
#include "fold.h"

/* Parse a NULL-terminated argv (argv[0] = "run"). */
static int parse_v(struct run_opts *o, char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	memset(o, 0xa5, sizeof(*o)); /* the parser must set every field itself */
	return run_parse_args(argc, argv, o);
}

#define PARSE(o, ...) parse_v((o), (char *[]){ "run", __VA_ARGS__, NULL })

/* ---- run_parse_args ---- */

static void test_defaults(void **state)
{
	struct run_opts o;
	char **argv = (char *[]){ "run", "cmd", NULL };

	(void)state;
	assert_int_equal(parse_v(&o, argv), 0);
	assert_null(o.output);
	assert_int_equal(o.format, PVT_FMT_TEXT);
	assert_int_equal(o.top, 20);
	assert_int_equal(o.max_tasks, PVT_DEFAULT_MAX_TASKS);
	assert_int_equal(o.keep_tasks, PVT_DEFAULT_KEEP_TASKS);
	assert_int_equal(o.ringbuf_bytes, 8192 * 1024);
	assert_int_equal(o.status, -1);
	assert_false(o.null_programs);
	assert_false(o.help);
	assert_ptr_equal(o.argv, &argv[1]);
	assert_string_equal(o.argv[0], "cmd");
	assert_null(o.argv[1]);
}

static void test_double_dash_command(void **state)
{
	struct run_opts o;
	char **argv = (char *[]){ "run", "--", "cmd", "a", "b", NULL };

	(void)state;
	assert_int_equal(parse_v(&o, argv), 0);
	assert_ptr_equal(o.argv, &argv[2]);
	assert_string_equal(o.argv[0], "cmd");
	assert_string_equal(o.argv[1], "a");
	assert_string_equal(o.argv[2], "b");
	assert_null(o.argv[3]);
}

static void test_options_before_command(void **state)
{
	struct run_opts o;
	char **argv = (char *[]){ "run", "-o", "out.txt", "-f", "json", "--top", "5",
				  "--no-status", "--", "cmd", "x", NULL };

	(void)state;
	assert_int_equal(parse_v(&o, argv), 0);
	assert_string_equal(o.output, "out.txt");
	assert_int_equal(o.format, PVT_FMT_JSON);
	assert_int_equal(o.top, 5);
	assert_int_equal(o.status, 0);
	assert_ptr_equal(o.argv, &argv[9]);
	assert_string_equal(o.argv[1], "x");

	/* without "--" too */
	argv = (char *[]){ "run", "--top", "3", "cmd", "a", NULL };
	assert_int_equal(parse_v(&o, argv), 0);
	assert_int_equal(o.top, 3);
	assert_ptr_equal(o.argv, &argv[3]);
}

static void test_options_after_command_belong_to_it(void **state)
{
	struct run_opts o;
	char **argv = (char *[]){ "run", "cmd", "-o", "x", "--format", "bogus", "-h", NULL };

	(void)state;
	assert_int_equal(parse_v(&o, argv), 0);
	assert_null(o.output);
	assert_int_equal(o.format, PVT_FMT_TEXT);
	assert_false(o.help);
	assert_ptr_equal(o.argv, &argv[1]);
	assert_string_equal(o.argv[1], "-o");
	assert_string_equal(o.argv[2], "x");
	assert_string_equal(o.argv[5], "-h");
	assert_null(o.argv[6]);

	/* a "--" after the command is the command's too */
	argv = (char *[]){ "run", "cmd", "--", "y", NULL };
	assert_int_equal(parse_v(&o, argv), 0);
	assert_ptr_equal(o.argv, &argv[1]);
	assert_string_equal(o.argv[1], "--");

	/* after "--", an option-looking word is the command */
	argv = (char *[]){ "run", "--", "-o", "x", NULL };
	assert_int_equal(parse_v(&o, argv), 0);
	assert_null(o.output);
	assert_ptr_equal(o.argv, &argv[2]);
	assert_string_equal(o.argv[0], "-o");
}

static void test_output(void **state)
{
	struct run_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-o", "FILE", "cmd"), 0);
	assert_string_equal(o.output, "FILE");
	assert_int_equal(PARSE(&o, "--output=FILE2", "cmd"), 0);
	assert_string_equal(o.output, "FILE2");
	assert_int_equal(PARSE(&o, "--output", "FILE3", "cmd"), 0);
	assert_string_equal(o.output, "FILE3");
	assert_int_equal(PARSE(&o, "-oFILE4", "cmd"), 0);
	assert_string_equal(o.output, "FILE4");
	/* an empty file name is refused */
	assert_int_equal(PARSE(&o, "-o", "", "cmd"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--output=", "cmd"), PVT_EXIT_USAGE);
}

/* --user is kept as given: looked up before the command starts (privs.c), not here. */
static void test_user(void **state)
{
	struct run_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "cmd"), 0);
	assert_null(o.user);
	assert_int_equal(PARSE(&o, "-u", "nobody", "cmd"), 0);
	assert_string_equal(o.user, "nobody");
	assert_int_equal(PARSE(&o, "--user=65534", "cmd"), 0);
	assert_string_equal(o.user, "65534");
	assert_int_equal(PARSE(&o, "--user", "pvt-no-such-user", "cmd"), 0);
	assert_string_equal(o.user, "pvt-no-such-user");
	assert_int_equal(PARSE(&o, "--user="), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "-u", "", "cmd"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--user"), PVT_EXIT_USAGE);
	/* the command's own -u */
	assert_int_equal(PARSE(&o, "id", "-u"), 0);
	assert_null(o.user);
}

static void test_format(void **state)
{
	struct run_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-f", "json", "cmd"), 0);
	assert_int_equal(o.format, PVT_FMT_JSON);
	assert_int_equal(PARSE(&o, "--format", "text", "cmd"), 0);
	assert_int_equal(o.format, PVT_FMT_TEXT);
	assert_int_equal(PARSE(&o, "--format=json", "cmd"), 0);
	assert_int_equal(o.format, PVT_FMT_JSON);
	assert_int_equal(PARSE(&o, "-f", "json", "-f", "text", "cmd"), 0);
	assert_int_equal(o.format, PVT_FMT_TEXT); /* the last one wins */
	assert_int_equal(PARSE(&o, "-f", "xml", "cmd"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "-f", "JSON", "cmd"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--format=", "cmd"), PVT_EXIT_USAGE);
}

static void test_top(void **state)
{
	struct run_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--top", "0", "cmd"), 0);
	assert_int_equal(o.top, 0);
	assert_int_equal(PARSE(&o, "--top", "5", "cmd"), 0);
	assert_int_equal(o.top, 5);
	assert_int_equal(PARSE(&o, "-t", "7", "cmd"), 0);
	assert_int_equal(o.top, 7);
	assert_int_equal(PARSE(&o, "--top=1073741824", "cmd"), 0);
	assert_int_equal(o.top, 1u << 30);
	assert_int_equal(PARSE(&o, "--top=1073741825", "cmd"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--top", "-1", "cmd"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--top", "abc", "cmd"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--top", "5x", "cmd"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--top", "", "cmd"), PVT_EXIT_USAGE);
}

static void test_max_tasks(void **state)
{
	struct run_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--max-tasks", "0", "cmd"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--max-tasks", "1", "cmd"), 0);
	assert_int_equal(o.max_tasks, 1);
	assert_int_equal(PARSE(&o, "--max-tasks=4194304", "cmd"), 0);
	assert_int_equal(o.max_tasks, 4194304);
	assert_int_equal(PARSE(&o, "--max-tasks", "4194305", "cmd"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--max-tasks", "-5", "cmd"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--max-tasks", "1k", "cmd"), PVT_EXIT_USAGE);
}

static void test_keep_tasks(void **state)
{
	struct run_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--keep-tasks", "0", "cmd"), 0); /* no bound */
	assert_int_equal(o.keep_tasks, 0);
	assert_int_equal(PARSE(&o, "--keep-tasks=1000", "cmd"), 0);
	assert_int_equal(o.keep_tasks, 1000);
	assert_int_equal(PARSE(&o, "--keep-tasks", "1073741824", "cmd"), 0);
	assert_int_equal(PARSE(&o, "--keep-tasks", "1073741825", "cmd"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--keep-tasks", "-1", "cmd"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--keep-tasks", "10k", "cmd"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--keep-tasks"), PVT_EXIT_USAGE);
}

static void test_ringbuf_kb(void **state)
{
	struct run_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--ringbuf-kb", "3", "cmd"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--ringbuf-kb", "0", "cmd"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--ringbuf-kb", "4", "cmd"), 0);
	assert_int_equal(o.ringbuf_bytes, 4 * 1024);
	assert_int_equal(PARSE(&o, "--ringbuf-kb", "4096", "cmd"), 0);
	assert_int_equal(o.ringbuf_bytes, 4096 * 1024);
	assert_int_equal(PARSE(&o, "--ringbuf-kb", "6", "cmd"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--ringbuf-kb", "4095", "cmd"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--ringbuf-kb=1048576", "cmd"), 0);
	assert_int_equal(o.ringbuf_bytes, 1048576u * 1024u);
	assert_int_equal(PARSE(&o, "--ringbuf-kb=2097152", "cmd"), PVT_EXIT_USAGE);
}

static void test_status_flags(void **state)
{
	struct run_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--status", "cmd"), 0);
	assert_int_equal(o.status, 1);
	assert_int_equal(PARSE(&o, "--no-status", "cmd"), 0);
	assert_int_equal(o.status, 0);
	assert_int_equal(PARSE(&o, "--status", "--no-status", "cmd"), 0);
	assert_int_equal(o.status, 0);
	assert_int_equal(PARSE(&o, "--no-status", "--status", "cmd"), 0);
	assert_int_equal(o.status, 1);
}

static void test_null_programs(void **state)
{
	struct run_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--null-programs", "cmd"), 0);
	assert_true(o.null_programs);
	assert_int_equal(PARSE(&o, "cmd"), 0);
	assert_false(o.null_programs);
}

static void test_verbose(void **state)
{
	struct run_opts o;
	int saved = pvt_verbose;

	(void)state;
	pvt_verbose = 0;
	assert_int_equal(PARSE(&o, "-v", "--verbose", "cmd"), 0);
	assert_int_equal(pvt_verbose, 2);
	pvt_verbose = saved;
}

static void test_help(void **state)
{
	struct run_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-h"), 0);
	assert_true(o.help);
	assert_int_equal(PARSE(&o, "--help"), 0);
	assert_true(o.help);
	assert_int_equal(PARSE(&o, "--top", "3", "-h", "cmd"), 0);
	assert_true(o.help);
	assert_int_equal(PARSE(&o, "cmd"), 0);
	assert_false(o.help);
}

static void test_usage_errors(void **state)
{
	struct run_opts o;

	(void)state;
	/* unknown options */
	assert_int_equal(PARSE(&o, "-x", "cmd"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--bogus", "cmd"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--status=1", "cmd"), PVT_EXIT_USAGE);
	/* missing arguments */
	assert_int_equal(PARSE(&o, "-o"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--output"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "-f"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--top"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--max-tasks"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--ringbuf-kb"), PVT_EXIT_USAGE);
	/* no command */
	assert_int_equal(parse_v(&o, (char *[]){ "run", NULL }), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--top", "3"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--top", "3", "--"), PVT_EXIT_USAGE);
	/* and a good parse still works after all these errors */
	assert_int_equal(PARSE(&o, "--top", "4", "cmd"), 0);
	assert_int_equal(o.top, 4);
	assert_string_equal(o.argv[0], "cmd");
}

/* ---- pvt_parse_u64 ---- */

static void test_parse_u64(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(pvt_parse_u64("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(pvt_parse_u64("10", 0, 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(pvt_parse_u64("007", 0, 10, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(pvt_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);

	/* bounds */
	assert_int_equal(pvt_parse_u64("5", 5, 10, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(pvt_parse_u64("4", 5, 10, &v), -1);
	assert_int_equal(pvt_parse_u64("11", 5, 10, &v), -1);
	assert_int_equal(pvt_parse_u64("7", 7, 7, &v), 0);
	assert_int_equal(v, 7);

	/* malformed: the output is left alone */
	v = 1234;
	assert_int_equal(pvt_parse_u64(NULL, 0, 10, &v), -1);
	assert_int_equal(pvt_parse_u64("", 0, 10, &v), -1);
	assert_int_equal(pvt_parse_u64("+1", 0, 10, &v), -1);
	assert_int_equal(pvt_parse_u64("-1", 0, UINT64_MAX, &v), -1);
	assert_int_equal(pvt_parse_u64("-0", 0, 10, &v), -1);
	assert_int_equal(pvt_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -1);
	assert_int_equal(pvt_parse_u64("99999999999999999999999", 0, UINT64_MAX, &v), -1);
	assert_int_equal(pvt_parse_u64("12abc", 0, 100, &v), -1);
	assert_int_equal(pvt_parse_u64("12 ", 0, 100, &v), -1);
	assert_int_equal(pvt_parse_u64("1.5", 0, 100, &v), -1);
	assert_int_equal(pvt_parse_u64("0x10", 0, 100, &v), -1);
	assert_int_equal(pvt_parse_u64("abc", 0, 100, &v), -1);
	assert_int_equal(v, 1234);
}

/* ---- launch_exit_status ---- */

static int child_status(int how)
{
	int st = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (how < 0) {
			signal(-how, SIG_DFL);
			raise(-how);
		}
		_exit(how < 0 ? 99 : how);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void test_exit_status(void **state)
{
	(void)state;
	/* statuses built by hand: exit n -> n << 8, signal s -> s */
	assert_int_equal(launch_exit_status(0), 0);
	assert_int_equal(launch_exit_status(7 << 8), 7);
	assert_int_equal(launch_exit_status(255 << 8), 255);
	assert_int_equal(launch_exit_status(9), 128 + 9);
	assert_int_equal(launch_exit_status(11), 128 + 11);
	assert_int_equal(launch_exit_status(11 | 0x80), 128 + 11); /* with core */
	assert_int_equal(launch_exit_status(W_EXITCODE(7, 0)), 7);
	assert_int_equal(launch_exit_status(W_EXITCODE(0, 9)), 137);
	/* stopped is not a final status */
	assert_int_equal(launch_exit_status(W_STOPCODE(SIGSTOP)), PVT_EXIT_FAILURE);

	/* statuses from real children */
	assert_int_equal(launch_exit_status(child_status(0)), 0);
	assert_int_equal(launch_exit_status(child_status(7)), 7);
	assert_int_equal(launch_exit_status(child_status(-SIGKILL)), 137);
	assert_int_equal(launch_exit_status(child_status(-SIGTERM)), 128 + SIGTERM);
}

/* ---- launch_resolve ---- */

static char tmpdir[64];

static void write_file(const char *dir, const char *name, mode_t mode)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\nexit 0\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(p, mode), 0);
}

static int resolve_setup(void **state)
{
	char sub[128];

	(void)state;
	strcpy(tmpdir, "/tmp/pvt-test-args.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	write_file(tmpdir, "exe", 0755);
	write_file(tmpdir, "noexec", 0644);
	snprintf(sub, sizeof(sub), "%s/adir", tmpdir);
	return mkdir(sub, 0755);
}

static int resolve_teardown(void **state)
{
	char p[256];
	static const char *const names[] = { "exe", "noexec" };

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", tmpdir, names[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/adir", tmpdir);
	rmdir(p);
	rmdir(tmpdir);
	return 0;
}

static void test_resolve(void **state)
{
	char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	char path[256], want[256];
	char *out;

	(void)state;
	/* explicit paths */
	snprintf(path, sizeof(path), "%s/exe", tmpdir);
	assert_int_equal(launch_resolve(path, &out), 0);
	assert_string_equal(out, path);
	free(out);
	snprintf(path, sizeof(path), "%s/noexec", tmpdir);
	assert_int_equal(launch_resolve(path, &out), PVT_EXIT_NOEXEC);
	assert_null(out);
	snprintf(path, sizeof(path), "%s/adir", tmpdir);
	assert_int_equal(launch_resolve(path, &out), PVT_EXIT_NOEXEC);
	assert_null(out);
	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	assert_int_equal(launch_resolve(path, &out), PVT_EXIT_NOTFOUND);
	assert_null(out);
	assert_int_equal(launch_resolve("", &out), PVT_EXIT_NOTFOUND);
	assert_null(out);

	/* PATH search: first directory that has an executable regular file */
	snprintf(path, sizeof(path), "/nonexistent-dir:%s:/usr/bin:/bin", tmpdir);
	assert_int_equal(setenv("PATH", path, 1), 0);
	assert_int_equal(launch_resolve("exe", &out), 0);
	snprintf(want, sizeof(want), "%s/exe", tmpdir);
	assert_string_equal(out, want);
	free(out);
	assert_int_equal(launch_resolve("sh", &out), 0);
	assert_non_null(out);
	assert_int_equal(access(out, X_OK), 0);
	free(out);
	/* a directory of that name is passed over */
	assert_int_equal(launch_resolve("adir", &out), PVT_EXIT_NOTFOUND);
	assert_null(out);
	/* found, but not executable */
	assert_int_equal(launch_resolve("noexec", &out), PVT_EXIT_NOEXEC);
	assert_null(out);
	assert_int_equal(launch_resolve("pvt-no-such-command-xyz", &out), PVT_EXIT_NOTFOUND);
	assert_null(out);

	if (saved) {
		setenv("PATH", saved, 1);
		free(saved);
	} else {
		unsetenv("PATH");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_double_dash_command),
		cmocka_unit_test(test_options_before_command),
		cmocka_unit_test(test_options_after_command_belong_to_it),
		cmocka_unit_test(test_output),
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_top),
		cmocka_unit_test(test_max_tasks),
		cmocka_unit_test(test_keep_tasks),
		cmocka_unit_test(test_ringbuf_kb),
		cmocka_unit_test(test_status_flags),
		cmocka_unit_test(test_null_programs),
		cmocka_unit_test(test_verbose),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test_setup_teardown(test_resolve, resolve_setup, resolve_teardown),
	};

	return cmocka_run_group_tests_name("args", tests, NULL, NULL);
}
