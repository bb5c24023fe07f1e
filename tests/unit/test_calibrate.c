// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/calibrate.c: the switch arithmetic, the
 * calibration file (write, atomic save, load and its failure cases), a short
 * run of each measurement, and the command's option handling.  The quantiles
 * it takes are lib/quantile.c's (tests/unit/test_quantile.c).
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
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "quiet_stderr.h"
#include <json-c/json.h>

#include "calibrate.h"
#include "common.h"

static char tmpdir[256];

/* This cmocka has no assert_double_equal. */
#define assert_near(a, b, eps) near_((a), (b), (eps), #a, __LINE__)

static void near_(double a, double b, double eps, const char *expr, int line)
{
	if (!(a - b <= eps && b - a <= eps))
		fail_msg("line %d: %s is %.17g, want %.17g (+/- %g)", line, expr, a, b, eps);
}

/* ---- helpers ---- */

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int setup_dir(void **state)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/pvt-cal-XXXXXX", base && *base ? base : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *tpath(const char *name)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s/%s", tmpdir, name);
	return buf;
}

static const char *write_tmp(const char *name, const char *content, size_t len)
{
	const char *p = tpath(name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return p;
}

/* s with the first occurrence of from replaced by to (malloc'd). */
static char *replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	char *r;

	assert_non_null(at);
	r = malloc(strlen(s) - strlen(from) + strlen(to) + 1);
	assert_non_null(r);
	sprintf(r, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
	return r;
}

#define RES(name, ipc, kind, rt, oh, sw)                                                     \
	"{\"name\":\"" name "\",\"ipc\":\"" ipc "\",\"kind\":\"" kind "\",\"roundtrip_ns\":" \
	rt ",\"roundtrip_p10_ns\":" rt ",\"roundtrip_p90_ns\":" rt ",\"loop_overhead_ns\":" \
	oh ",\"switch_ns\":" sw "}"

static const char valid_json[] =
	"{\"schema\":\"pvtrace.calibration/1\",\"created\":\"2026-11-23T01:00:00Z\","
	"\"created_unix\":1795400000,"
	"\"machine\":{\"hostname\":\"host1\",\"kernel\":\"6.1.0-test\","
	"\"cpu_model\":\"Test CPU @ 3.00GHz\",\"ncpus\":2,\"cpu\":0},"
	"\"method\":\"pinned ping-pong\",\"rounds\":100000,\"reps\":7,"
	"\"results\":["
	RES("pipe_threads", "pipe", "threads", "3000.5", "1000.5", "1000") ","
	RES("pipe_processes", "pipe", "processes", "5000", "1000", "2000") ","
	RES("futex_threads", "futex", "threads", "2500.25", "900", "800.1") ","
	RES("futex_processes", "futex", "processes", "4000.75", "800", "1600.4")
	"],"
	"\"switch_cost_ns\":{\"same_address_space\":900.1,\"address_space_change\":1800},"
	"\"unknown_future_member\":[1,{\"x\":null}]}\n";

static int load_str(const char *content, struct pvt_calibration *c)
{
	return calibration_load(write_tmp("case.json", content, strlen(content)), c);
}

/* ---- pure functions ---- */

static void test_switch_ns(void **state)
{
	assert_near(cal_switch_ns(3000, 1000), 1000, 1e-12);
	assert_near(cal_switch_ns(1001, 1000), 0.5, 1e-12);
	assert_near(cal_switch_ns(1000, 1000), 0, 1e-12);
	assert_near(cal_switch_ns(900, 1000), 0, 1e-12);  /* floored */
	assert_near(cal_switch_ns(5000, 0), 2500, 1e-12);
	assert_true(isnan(cal_switch_ns(NAN, 1)));
}

static void made_up_run(struct pvt_cal_run *r, double scale)
{
	static const double rt[] = { 3000, 5000, 2600, 4100.25 }, oh[] = { 1000, 1000, 1000, 900 };

	memset(r, 0, sizeof(*r));
	snprintf(r->created, sizeof(r->created), "2026-11-23T01:00:00Z");
	r->created_unix = 1795400000;
	snprintf(r->hostname, sizeof(r->hostname), "host \"quoted\"\n");
	snprintf(r->kernel, sizeof(r->kernel), "6.1.0-test");
	snprintf(r->cpu_model, sizeof(r->cpu_model), "Test CPU \xc3\xa9 @ 3GHz");
	r->ncpus = 2;
	r->cpu = 1;
	r->rounds = 1234;
	r->reps = 5;
	for (int t = 0; t < PVT_CAL_NTESTS; t++) {
		r->results[t].roundtrip_ns = rt[t] * scale;
		r->results[t].roundtrip_p10_ns = rt[t] * scale - 10;
		r->results[t].roundtrip_p90_ns = rt[t] * scale + 10.04;
		r->results[t].loop_overhead_ns = oh[t];
	}
	cal_finish(r);
}

static void test_finish(void **state)
{
	struct pvt_cal_run r;

	made_up_run(&r, 1);
	assert_string_equal(r.results[PVT_CAL_PIPE_THREADS].name, "pipe_threads");
	assert_string_equal(r.results[PVT_CAL_FUTEX_PROCESSES].name, "futex_processes");
	assert_string_equal(r.results[PVT_CAL_FUTEX_PROCESSES].ipc, "futex");
	assert_string_equal(r.results[PVT_CAL_PIPE_PROCESSES].kind, "processes");
	assert_near(r.results[PVT_CAL_PIPE_THREADS].switch_ns, 1000, 1e-9);
	assert_near(r.results[PVT_CAL_PIPE_PROCESSES].switch_ns, 2000, 1e-9);
	assert_near(r.results[PVT_CAL_FUTEX_THREADS].switch_ns, 800, 1e-9);
	assert_near(r.results[PVT_CAL_FUTEX_PROCESSES].switch_ns, 1600.125, 1e-9);
	assert_near(r.same_as_ns, 900, 1e-9);
	assert_near(r.as_change_ns, 1800.0625, 1e-9);
}

/*
 * The floor at 0 and the mean of the pairs, exactly: a pair whose round trip is below its
 * loop overhead (clamped), one equal to it (0 without the clamp too), and two above.
 */
static void test_finish_clamped(void **state)
{
	struct pvt_calibration c;
	struct pvt_cal_run r;
	char path[512];

	made_up_run(&r, 1);
	r.results[PVT_CAL_PIPE_THREADS].roundtrip_ns = 800;      /* overhead 1000: -100 -> 0 */
	r.results[PVT_CAL_PIPE_PROCESSES].roundtrip_ns = 1000;   /* overhead 1000: 0 */
	cal_finish(&r);
	assert_true(r.results[PVT_CAL_PIPE_THREADS].switch_ns == 0);
	assert_true(r.results[PVT_CAL_PIPE_PROCESSES].switch_ns == 0);
	assert_true(r.results[PVT_CAL_FUTEX_THREADS].switch_ns == 800);        /* (2600 - 1000) / 2 */
	assert_true(r.results[PVT_CAL_FUTEX_PROCESSES].switch_ns == 1600.125); /* (4100.25 - 900) / 2 */
	assert_true(r.same_as_ns == 400);        /* (0 + 800) / 2: the clamped 0 counts */
	assert_true(r.as_change_ns == 800.0625); /* (0 + 1600.125) / 2 */

	/* and so in the file (to 0.1 ns) */
	snprintf(path, sizeof(path), "%s", tpath("clamped/cal.json"));
	assert_int_equal(calibration_save(path, &r), 0);
	assert_int_equal(calibration_load(path, &c), 0);
	assert_true(c.same_as_ns == 400);
	assert_near(c.as_change_ns, 800.1, 1e-9);
	assert_near(c.pipe_threads_rt_ns, 800, 1e-9);
}

static void test_default_path(void **state)
{
	unsetenv(PVT_CAL_ENV);
	assert_string_equal(calibration_default_path(), "/var/lib/pvtrace/calibration.json");
	setenv(PVT_CAL_ENV, "", 1);
	assert_string_equal(calibration_default_path(), "/var/lib/pvtrace/calibration.json");
	setenv(PVT_CAL_ENV, "/tmp/x/cal.json", 1);
	assert_string_equal(calibration_default_path(), "/tmp/x/cal.json");
	unsetenv(PVT_CAL_ENV);
}

/* ---- loading ---- */

static void test_load_valid(void **state)
{
	struct pvt_calibration c;
	const char *p = write_tmp("valid.json", valid_json, strlen(valid_json));

	assert_int_equal(calibration_load(p, &c), 0);
	assert_string_equal(c.path, p);
	assert_string_equal(c.created, "2026-11-23T01:00:00Z");
	assert_string_equal(c.hostname, "host1");
	assert_string_equal(c.kernel, "6.1.0-test");
	assert_string_equal(c.cpu_model, "Test CPU @ 3.00GHz");
	assert_near(c.same_as_ns, 900.1, 1e-9);
	assert_near(c.as_change_ns, 1800, 1e-9);   /* a JSON integer */
	assert_near(c.pipe_threads_rt_ns, 3000.5, 1e-9);
	assert_near(c.pipe_processes_rt_ns, 5000, 1e-9);
	assert_near(c.futex_threads_rt_ns, 2500.25, 1e-9);
	assert_near(c.futex_processes_rt_ns, 4000.75, 1e-9);
}

static void test_load_missing_file(void **state)
{
	struct pvt_calibration c;

	assert_int_equal(calibration_load(tpath("does-not-exist.json"), &c), -ENOENT);
	assert_int_equal(calibration_load(tpath("no-such-dir/cal.json"), &c), -ENOENT);
}

static void test_load_wrong_schema(void **state)
{
	struct pvt_calibration c;
	char *s;
	int q = quiet_begin();

	s = replace(valid_json, "pvtrace.calibration/1", "pvtrace.calibration/2");
	assert_int_equal(load_str(s, &c), -EINVAL);
	free(s);
	s = replace(valid_json, "pvtrace.calibration/1", "pvtrace.report/1");
	assert_int_equal(load_str(s, &c), -EINVAL);
	free(s);
	s = replace(valid_json, "\"schema\":\"pvtrace.calibration/1\",", "");
	assert_int_equal(load_str(s, &c), -EINVAL);
	free(s);
	s = replace(valid_json, "\"pvtrace.calibration/1\"", "1");
	assert_int_equal(load_str(s, &c), -EINVAL);
	free(s);
	quiet_end(q);
	/* a failed load leaves no half-filled numbers */
	assert_near(c.same_as_ns, 0, 0);
	assert_string_equal(c.hostname, "");
}

static void test_load_missing_fields(void **state)
{
	static const struct {
		const char *from, *to;
	} cases[] = {
		{ "\"created\":\"2026-11-23T01:00:00Z\",", "" },
		{ "\"created\":\"2026-11-23T01:00:00Z\"", "\"created\":7" },
		{ "\"hostname\":\"host1\",", "" },
		{ "\"cpu_model\":\"Test CPU @ 3.00GHz\",", "" },
		{ "\"kernel\":\"6.1.0-test\"", "\"kernel\":null" },
		{ "\"machine\":{", "\"machinery\":{" },
		{ "\"switch_cost_ns\":", "\"switch_costs\":" },
		{ "\"same_address_space\":900.1,", "" },
		{ ",\"address_space_change\":1800", "" },
		{ "\"address_space_change\":1800", "\"address_space_change\":\"1800\"" },
		{ "\"same_address_space\":900.1", "\"same_address_space\":-1" },
		{ "\"switch_cost_ns\":{", "\"switch_cost_ns\":[],\"x\":{" },
		{ "\"results\":[", "\"results\":{},\"y\":[" },   /* results not an array */
		{ "\"name\":\"futex_processes\"", "\"name\":\"futex_procs\"" },
		{ "\"name\":\"pipe_threads\",", "" },
		{ "\"roundtrip_ns\":5000,", "" },
		{ "\"roundtrip_ns\":2500.25", "\"roundtrip_ns\":true" },
	};
	struct pvt_calibration c;
	int q = quiet_begin();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = replace(valid_json, cases[i].from, cases[i].to);
		int err = load_str(s, &c);

		if (err != -EINVAL) {
			quiet_end(q);
			fail_msg("case %zu (%s -> %s): got %d, want -EINVAL", i, cases[i].from,
				 cases[i].to, err);
		}
		free(s);
	}
	quiet_end(q);
}

static void test_load_truncated(void **state)
{
	size_t len = strlen(valid_json);
	struct pvt_calibration c;
	char *s;
	int q = quiet_begin();

	/* every proper prefix that is not the whole object is rejected */
	for (size_t n = 0; n + 1 < len; n++) {
		int err = calibration_load(write_tmp("trunc.json", valid_json, n), &c);

		if (err != -EINVAL) {
			quiet_end(q);
			fail_msg("prefix of %zu bytes: got %d, want -EINVAL", n, err);
		}
	}
	assert_int_equal(load_str("", &c), -EINVAL);
	assert_int_equal(load_str(" \n", &c), -EINVAL);
	assert_int_equal(load_str("[]", &c), -EINVAL);
	assert_int_equal(load_str("\"pvtrace.calibration/1\"", &c), -EINVAL);
	assert_int_equal(load_str("{\"schema\":'pvtrace.calibration/1'}", &c), -EINVAL);
	s = replace(valid_json, "}\n", "} {}\n");
	assert_int_equal(load_str(s, &c), -EINVAL);     /* trailing data */
	free(s);
	s = replace(valid_json, "}\n", "},\n");
	assert_int_equal(load_str(s, &c), -EINVAL);
	free(s);
	quiet_end(q);
	/* the whole text minus only its final newline is fine */
	assert_int_equal(calibration_load(write_tmp("trunc.json", valid_json, len - 1), &c), 0);
}

/*
 * Every time read is a finite number within physical bounds: a switch cost
 * 0 <= ns < 1e9, a round trip 0 < ns < 1e9.  1e300 once reached the report's
 * integer conversions (undefined behaviour).
 */
static void test_load_out_of_range(void **state)
{
	static const struct {
		const char *from, *to;
	} bad[] = {
		{ "\"same_address_space\":900.1", "\"same_address_space\":1e300" },
		{ "\"address_space_change\":1800", "\"address_space_change\":1e300" },
		{ "\"address_space_change\":1800", "\"address_space_change\":1e400" },
		{ "\"address_space_change\":1800", "\"address_space_change\":-1e400" },
		{ "\"address_space_change\":1800", "\"address_space_change\":1e9" },
		{ "\"address_space_change\":1800", "\"address_space_change\":99999999999999999999" },
		{ "\"address_space_change\":1800", "\"address_space_change\":-0.5" },
		{ "\"address_space_change\":1800", "\"address_space_change\":NaN" },
		{ "\"address_space_change\":1800", "\"address_space_change\":Infinity" },
		{ "\"roundtrip_ns\":5000,", "\"roundtrip_ns\":1e300," },
		{ "\"roundtrip_ns\":5000,", "\"roundtrip_ns\":0," },
		{ "\"roundtrip_ns\":5000,", "\"roundtrip_ns\":-3," },
		{ "\"roundtrip_ns\":5000,", "\"roundtrip_ns\":2e9," },
	};
	static const struct {
		const char *from, *to;
	} good[] = {
		{ "\"same_address_space\":900.1", "\"same_address_space\":0" },   /* the writer's floor */
		{ "\"address_space_change\":1800", "\"address_space_change\":999999999.9" },
		{ "\"roundtrip_ns\":5000,", "\"roundtrip_ns\":0.1," },
		{ "\"roundtrip_p10_ns\":5000,", "\"roundtrip_p10_ns\":1e300," }, /* informative only */
	};
	struct pvt_calibration c;
	int q = quiet_begin();

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *s = replace(valid_json, bad[i].from, bad[i].to);
		int err = load_str(s, &c);

		free(s);
		if (err != -EINVAL || c.same_as_ns != 0 || c.as_change_ns != 0) {
			quiet_end(q);
			fail_msg("%s: got %d (costs %g, %g), want -EINVAL and no costs", bad[i].to,
				 err, c.same_as_ns, c.as_change_ns);
		}
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char *s = replace(valid_json, good[i].from, good[i].to);
		int err = load_str(s, &c);

		free(s);
		if (err) {
			quiet_end(q);
			fail_msg("%s: got %d, want 0", good[i].to, err);
		}
	}
	quiet_end(q);
}

/* What pvt_err printed while @fn ran, in @buf. */
static void capture_stderr(char *buf, size_t size, void (*fn)(void *), void *arg)
{
	char path[512];
	int saved, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s", tpath("stderr.txt"));
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	fn(arg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, size - 1, 0);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
}

static int last_err;

static void load_it(void *arg)
{
	struct pvt_calibration c;

	last_err = calibration_load(arg, &c);
}

/* The messages: one line naming the file and the value; what the file says is escaped. */
static void test_load_messages(void **state)
{
	char msg[2048], p[512], *s;

	s = replace(valid_json, "\"same_address_space\":900.1", "\"same_address_space\":1e300");
	snprintf(p, sizeof(p), "%s", write_tmp("huge.json", s, strlen(s))); /* tpath's buffer is reused */
	free(s);
	capture_stderr(msg, sizeof(msg), load_it, (void *)p);
	assert_int_equal(last_err, -EINVAL);
	assert_non_null(strstr(msg, "huge.json"));
	assert_non_null(strstr(msg, "switch_cost_ns.same_address_space is 1e+300: out of range"));
	assert_non_null(strchr(msg, '\n'));
	assert_null(strchr(msg, '\n') + 1 < msg + strlen(msg) ? msg : NULL); /* one line */

	s = replace(valid_json, "pvtrace.calibration/1", "\\u001b]0;owned\\u0007\\u001b[2J");
	snprintf(p, sizeof(p), "%s", write_tmp("evil.json", s, strlen(s)));
	free(s);
	capture_stderr(msg, sizeof(msg), load_it, (void *)p);
	assert_int_equal(last_err, -EINVAL);
	assert_null(strchr(msg, '\x1b'));
	assert_null(strchr(msg, '\x07'));
	assert_non_null(strstr(msg, "\\x1b]0;owned\\x07"));
}

/*
 * Only a regular file is read: a FIFO (which once blocked pvtrace after the
 * command ended), a directory, a device are refused by their type at once; a
 * file over 1 MiB by its size; a symbolic link to a good file is followed.
 */
static void test_load_not_a_file(void **state)
{
	struct pvt_calibration c;
	char fifo[512], big[512], link[512], good[512];
	FILE *f;
	int q;

	snprintf(good, sizeof(good), "%s", write_tmp("good.json", valid_json, strlen(valid_json)));
	snprintf(fifo, sizeof(fifo), "%s", tpath("fifo.json"));
	assert_int_equal(mkfifo(fifo, 0600), 0);
	snprintf(big, sizeof(big), "%s", tpath("big.json"));
	f = fopen(big, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(valid_json, 1, strlen(valid_json), f), strlen(valid_json));
	for (int i = 0; i < 2 * 1024 * 1024 / 64; i++)
		fputs("                                                              \n", f);
	assert_int_equal(fclose(f), 0);
	snprintf(link, sizeof(link), "%s", tpath("link.json"));
	assert_int_equal(symlink(good, link), 0);

	q = quiet_begin();
	assert_int_equal(calibration_load(fifo, &c), -EINVAL);   /* returns: no writer needed */
	assert_int_equal(calibration_load(tmpdir, &c), -EINVAL);
	assert_int_equal(calibration_load("/dev/zero", &c), -EINVAL);
	assert_int_equal(calibration_load("/dev/null", &c), -EINVAL);
	assert_int_equal(calibration_load(big, &c), -EINVAL);
	quiet_end(q);
	assert_int_equal(calibration_load(link, &c), 0);
	assert_near(c.same_as_ns, 900.1, 1e-9);
}

/* The parser reads @len bytes and no more: a buffer without a NUL, and NULs inside. */
static void test_parse_buffer(void **state)
{
	size_t len = strlen(valid_json);
	char *buf = malloc(len);
	struct pvt_calibration c;
	int q;

	assert_non_null(buf);
	memcpy(buf, valid_json, len);
	assert_int_equal(calibration_parse(buf, len, "buf", &c), 0);
	assert_string_equal(c.path, "buf");
	assert_near(c.as_change_ns, 1800, 1e-9);
	q = quiet_begin();
	assert_int_equal(calibration_parse(buf, len - 2, "buf", &c), -EINVAL);
	buf[len - 1] = '\0';  /* a NUL where the newline was */
	assert_int_equal(calibration_parse(buf, len, "buf", &c), -EINVAL);
	buf[10] = '\0';
	assert_int_equal(calibration_parse(buf, len, "buf", &c), -EINVAL);
	assert_int_equal(calibration_parse(buf, 0, "buf", &c), -EINVAL);
	assert_int_equal(calibration_parse(buf, (size_t)PVT_CAL_MAX_FILE + 1, "buf", &c), -EINVAL);
	quiet_end(q);
	free(buf);
}

/* ---- writing ---- */

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_write_roundtrip(void **state)
{
	struct pvt_calibration c;
	struct pvt_cal_run r;
	char path[512];

	made_up_run(&r, 1);
	/* the directories do not exist yet */
	snprintf(path, sizeof(path), "%s", tpath("a/b/cal.json"));
	assert_int_equal(calibration_save(path, &r), 0);
	assert_int_equal(calibration_load(path, &c), 0);
	assert_string_equal(c.created, "2026-11-23T01:00:00Z");
	assert_string_equal(c.hostname, "host \"quoted\"\n");
	assert_string_equal(c.kernel, "6.1.0-test");
	assert_string_equal(c.cpu_model, "Test CPU \xc3\xa9 @ 3GHz");
	assert_near(c.same_as_ns, 900, 1e-9);
	assert_near(c.as_change_ns, 1800.1, 1e-9);  /* 1800.0625, to 0.1 ns */
	assert_near(c.pipe_threads_rt_ns, 3000, 1e-9);
	assert_near(c.pipe_processes_rt_ns, 5000, 1e-9);
	assert_near(c.futex_threads_rt_ns, 2600, 1e-9);
	assert_near(c.futex_processes_rt_ns, 4100.3, 1e-9);
	assert_int_equal(count_entries(tpath("a/b")), 1); /* no temporary file left */

	/* replaced in place */
	made_up_run(&r, 2);
	assert_int_equal(calibration_save(path, &r), 0);
	assert_int_equal(calibration_load(path, &c), 0);
	assert_near(c.pipe_processes_rt_ns, 10000, 1e-9);
	assert_near(c.same_as_ns, (2500 + 2100) / 2.0, 1e-9);
	assert_int_equal(count_entries(tpath("a/b")), 1);
}

static void test_write_format(void **state)
{
	struct pvt_cal_run r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	made_up_run(&r, 1);
	assert_int_equal(calibration_write(f, &r), 0);
	fclose(f);
	assert_non_null(strstr(buf, "\"schema\": \"pvtrace.calibration/1\""));
	assert_non_null(strstr(buf, "\"created_unix\": 1795400000"));
	assert_non_null(strstr(buf, "\"ncpus\": 2"));
	assert_non_null(strstr(buf, "\"cpu\": 1"));
	assert_non_null(strstr(buf, "\"rounds\": 1234"));
	assert_non_null(strstr(buf, "\"reps\": 5"));
	assert_non_null(strstr(buf, "\"roundtrip_p90_ns\": 3010"));   /* 3010.04 -> 3010.0 */
	assert_non_null(strstr(buf, "\"switch_ns\": 1600.1"));
	assert_non_null(strstr(buf, "\"ipc\": \"futex\""));
	assert_non_null(strstr(buf, "\"method\": \"pinned ping-pong on one CPU"));
	assert_true(strstr(buf, "pipe_threads") < strstr(buf, "pipe_processes"));
	assert_true(strstr(buf, "pipe_processes") < strstr(buf, "futex_threads"));
	assert_true(strstr(buf, "futex_threads") < strstr(buf, "futex_processes"));
	free(buf);
}

static void test_write_fails(void **state)
{
	struct pvt_cal_run r;
	char path[512];
	int q;

	made_up_run(&r, 1);
	write_tmp("plainfile", "x", 1);
	snprintf(path, sizeof(path), "%s", tpath("plainfile/cal.json"));
	q = quiet_begin();
	assert_true(calibration_save(path, &r) < 0);       /* parent is a file */
	assert_true(calibration_save(tmpdir, &r) < 0);     /* target is a directory */
	quiet_end(q);
	assert_int_equal(access(path, F_OK), -1);

	/* a measurement the loader would refuse is not written */
	snprintf(path, sizeof(path), "%s", tpath("range/cal.json"));
	r.results[PVT_CAL_PIPE_PROCESSES].roundtrip_ns = 2e9;
	q = quiet_begin();
	assert_int_equal(calibration_save(path, &r), -EINVAL);
	made_up_run(&r, 1);
	r.as_change_ns = NAN;
	assert_int_equal(calibration_save(path, &r), -EINVAL);
	quiet_end(q);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(count_entries(tpath("range")), 0);
}

/* ---- measurement and command ---- */

static void test_measure_short(void **state)
{
	for (int t = 0; t < PVT_CAL_NTESTS; t++) {
		struct pvt_cal_result res;

		assert_int_equal(cal_measure(t, 300, 3, &res), 0);
		assert_non_null(res.name);
		assert_true(res.roundtrip_ns > 0 && isfinite(res.roundtrip_ns));
		assert_true(res.loop_overhead_ns > 0 && isfinite(res.loop_overhead_ns));
		assert_true(res.roundtrip_p10_ns <= res.roundtrip_ns);
		assert_true(res.roundtrip_ns <= res.roundtrip_p90_ns);
		/* half the round trip beyond the loop's overhead, or 0 when there is none */
		double want = res.roundtrip_ns > res.loop_overhead_ns ?
				      (res.roundtrip_ns - res.loop_overhead_ns) / 2 : 0;
		if (res.switch_ns != want)
			fail_msg("%s: switch_ns %.17g, want %.17g (round trip %.17g, overhead %.17g)",
				 res.name, res.switch_ns, want, res.roundtrip_ns, res.loop_overhead_ns);
	}
}

static int run_cmd(int quiet, int n, ...)
{
	char *argv[16];
	va_list ap;
	int ret, q = -1, qo = -1;

	va_start(ap, n);
	for (int i = 0; i < n; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[n] = NULL;
	if (quiet) {
		q = quiet_begin();
		fflush(stdout);
		qo = dup(STDOUT_FILENO);
		dup2(STDERR_FILENO, STDOUT_FILENO); /* /dev/null too */
	}
	ret = cmd_calibrate(n, argv);
	if (quiet) {
		fflush(stdout);
		dup2(qo, STDOUT_FILENO);
		close(qo);
		quiet_end(q);
	}
	return ret;
}

static double num(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		fail_msg("no number %s in %s", key, json_object_to_json_string(o));
	return json_object_get_double(v);
}

/*
 * What a real run wrote is its own arithmetic: per pair, switch_ns is half the round trip
 * beyond the overhead, or exactly 0 when the round trip is the shorter; the costs are the
 * means of the pairs; the loader returns the file's numbers.  Each number is rounded to
 * 0.1 ns in the file, so the recomputed ones are within 0.1 of it.
 */
static void check_written_arithmetic(const char *path, const struct pvt_calibration *c)
{
	json_object *root = json_object_from_file(path), *results, *cost;
	double sw[PVT_CAL_NTESTS], rt[PVT_CAL_NTESTS];

	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "results", &results));
	assert_int_equal(json_object_array_length(results), PVT_CAL_NTESTS);
	for (int t = 0; t < PVT_CAL_NTESTS; t++) {
		json_object *x = json_object_array_get_idx(results, t);
		double oh = num(x, "loop_overhead_ns"), want;

		rt[t] = num(x, "roundtrip_ns");
		sw[t] = num(x, "switch_ns");
		assert_true(rt[t] > 0 && oh > 0);
		want = rt[t] > oh ? (rt[t] - oh) / 2 : 0;
		if (rt[t] < oh - 0.1 && sw[t] != 0)
			fail_msg("pair %d: round trip %g < overhead %g but switch_ns %g", t, rt[t], oh, sw[t]);
		assert_near(sw[t], want, 0.1 + 1e-9);
	}
	assert_true(json_object_object_get_ex(root, "switch_cost_ns", &cost));
	assert_near(num(cost, "same_address_space"),
		    (sw[PVT_CAL_PIPE_THREADS] + sw[PVT_CAL_FUTEX_THREADS]) / 2, 0.1 + 1e-9);
	assert_near(num(cost, "address_space_change"),
		    (sw[PVT_CAL_PIPE_PROCESSES] + sw[PVT_CAL_FUTEX_PROCESSES]) / 2, 0.1 + 1e-9);
	assert_true(c->same_as_ns == num(cost, "same_address_space"));
	assert_true(c->as_change_ns == num(cost, "address_space_change"));
	assert_true(c->pipe_threads_rt_ns == rt[PVT_CAL_PIPE_THREADS]);
	assert_true(c->pipe_processes_rt_ns == rt[PVT_CAL_PIPE_PROCESSES]);
	assert_true(c->futex_threads_rt_ns == rt[PVT_CAL_FUTEX_THREADS]);
	assert_true(c->futex_processes_rt_ns == rt[PVT_CAL_FUTEX_PROCESSES]);
	json_object_put(root);
}

static void test_cmd_options(void **state)
{
	char bad[512], good[512];
	struct pvt_calibration c;

	snprintf(bad, sizeof(bad), "%s", tpath("plainfile2/cal.json"));
	write_tmp("plainfile2", "x", 1);
	snprintf(good, sizeof(good), "%s", tpath("cmd/cal.json"));

	assert_int_equal(run_cmd(1, 2, "calibrate", "--bogus"), 2);
	assert_int_equal(run_cmd(1, 2, "calibrate", "-x"), 2);
	assert_int_equal(run_cmd(1, 2, "calibrate", "extra"), 2);
	assert_int_equal(run_cmd(1, 2, "calibrate", "-o"), 2);
	assert_int_equal(run_cmd(1, 3, "calibrate", "--rounds", "0"), 2);
	assert_int_equal(run_cmd(1, 3, "calibrate", "--reps", "x"), 2);
	assert_int_equal(run_cmd(1, 3, "calibrate", "--cpu", "-1"), 2);
	assert_int_equal(run_cmd(1, 3, "calibrate", "--cpu", "1023"), 2); /* not allowed */
	assert_int_equal(run_cmd(1, 4, "calibrate", "-o", good, "--print-only"), 2);
	assert_int_equal(run_cmd(1, 2, "calibrate", "--help"), 0);
	assert_int_equal(run_cmd(1, 2, "calibrate", "-h"), 0);
	assert_int_equal(run_cmd(1, 3, "calibrate", "-o", bad), 1);      /* cannot write */
	assert_int_equal(access(good, F_OK), -1);

	assert_int_equal(run_cmd(1, 6, "calibrate", "--rounds", "200", "--reps", "1", "--print-only"), 0);
	assert_int_equal(run_cmd(1, 8, "calibrate", "--quick", "--rounds", "200", "--reps", "2", "-o",
				 good), 0);
	assert_int_equal(calibration_load(good, &c), 0);
	check_written_arithmetic(good, &c);
	assert_int_equal(count_entries(tpath("cmd")), 1);

	/* $PVTRACE_CALIBRATION is the default path */
	snprintf(good, sizeof(good), "%s", tpath("env/cal.json"));
	setenv(PVT_CAL_ENV, good, 1);
	assert_int_equal(run_cmd(1, 5, "calibrate", "--rounds", "100", "--reps", "1"), 0);
	unsetenv(PVT_CAL_ENV);
	assert_int_equal(calibration_load(good, &c), 0);
	check_written_arithmetic(good, &c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_switch_ns),
		cmocka_unit_test(test_finish),
		cmocka_unit_test(test_finish_clamped),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_load_valid),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_load_wrong_schema),
		cmocka_unit_test(test_load_missing_fields),
		cmocka_unit_test(test_load_truncated),
		cmocka_unit_test(test_load_out_of_range),
		cmocka_unit_test(test_load_messages),
		cmocka_unit_test(test_load_not_a_file),
		cmocka_unit_test(test_parse_buffer),
		cmocka_unit_test(test_write_roundtrip),
		cmocka_unit_test(test_write_format),
		cmocka_unit_test(test_write_fails),
		cmocka_unit_test(test_measure_short),
		cmocka_unit_test(test_cmd_options),
	};

	return cmocka_run_group_tests_name("calibrate", tests, setup_dir, teardown_dir);
}
