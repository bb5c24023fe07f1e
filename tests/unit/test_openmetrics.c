// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/openmetrics.c: content negotiation (Prometheus's own
 * Accept header, q values, versions, wildcards, junk), both formats' exact
 * text for each family type, escaping of label values (backslash, quote,
 * newline, invalid UTF-8) and of HELP, histograms made cumulative with
 * +Inf, exact seconds and canonical `le` bounds, a buffer that grows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "openmetrics.h"

#define PROM_ACCEPT "application/openmetrics-text;version=1.0.0,application/openmetrics-text;" \
		    "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

static void test_negotiate(void **state)
{
	static const struct {
		const char *accept;
		enum om_format want;
	} cases[] = {
		{ NULL, OM_PROMETHEUS_TEXT },
		{ "", OM_PROMETHEUS_TEXT },
		{ PROM_ACCEPT, OM_OPENMETRICS },
		{ "text/plain;version=0.0.4;q=0.5,*/*;q=0.1", OM_PROMETHEUS_TEXT },
		{ "application/openmetrics-text", OM_OPENMETRICS },
		{ "Application/OpenMetrics-Text; Version=\"1.0.0\"", OM_OPENMETRICS },
		/* a version we do not write: not acceptable, so the default */
		{ "application/openmetrics-text;version=0.0.1", OM_PROMETHEUS_TEXT },
		{ "application/openmetrics-text; version=1.0.0; q=0.5, text/plain; q=0.9",
		  OM_PROMETHEUS_TEXT },
		{ "text/plain;q=0.2, application/openmetrics-text;q=0.3", OM_OPENMETRICS },
		{ "application/openmetrics-text;q=0", OM_PROMETHEUS_TEXT },
		{ "application/openmetrics-text;q=junk, text/plain;q=0.1", OM_PROMETHEUS_TEXT },
		{ "application/*", OM_OPENMETRICS },
		{ "*/*", OM_PROMETHEUS_TEXT },
		{ "text/*;q=0.9, application/*;q=0.9", OM_PROMETHEUS_TEXT }, /* a tie: the first */
		{ "image/png, ,;;,=", OM_PROMETHEUS_TEXT },
		{ "  application/openmetrics-text  ;  q=1  ", OM_OPENMETRICS },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (om_negotiate(cases[i].accept) != cases[i].want)
			fail_msg("Accept %s", cases[i].accept ? cases[i].accept : "(none)");
	}
	assert_string_equal(om_content_type[OM_OPENMETRICS],
			    "application/openmetrics-text; version=1.0.0; charset=utf-8");
	assert_string_equal(om_content_type[OM_PROMETHEUS_TEXT],
			    "text/plain; version=0.0.4; charset=utf-8");
}

static const struct om_family sw = { "x_switches", OM_COUNTER, NULL, "Switches." };
static const struct om_family cpu = { "x_cpu_seconds", OM_COUNTER, "seconds", "CPU time." };
static const struct om_family tasks = { "x_tasks", OM_GAUGE, NULL, "Tasks." };
static const struct om_family build = { "x_build", OM_INFO, NULL, "Build." };

static char *both(enum om_format f)
{
	struct om_label l[] = { { "pid", "42" }, { "kind", "voluntary" } };
	struct om_buf b = {};

	om_family(&b, f, &sw);
	om_sample_u64(&b, f, &sw, l, 2, 1234);
	om_family(&b, f, &cpu);
	om_sample_ns(&b, f, &cpu, l, 1, 1500000001ull);
	om_family(&b, f, &tasks);
	om_sample_u64(&b, f, &tasks, NULL, 0, 3);
	om_family(&b, f, &build);
	l[0] = (struct om_label){ "version", "1.2.3" };
	om_sample_u64(&b, f, &build, l, 1, 77);
	om_finish(&b, f);
	assert_false(b.oom);
	return b.s;
}

static void test_text_format(void **state)
{
	char *s = both(OM_PROMETHEUS_TEXT);

	(void)state;
	assert_string_equal(s,
		"# HELP x_switches_total Switches.\n"
		"# TYPE x_switches_total counter\n"
		"x_switches_total{pid=\"42\",kind=\"voluntary\"} 1234\n"
		"# HELP x_cpu_seconds_total CPU time.\n"
		"# TYPE x_cpu_seconds_total counter\n"
		"x_cpu_seconds_total{pid=\"42\"} 1.500000001\n"
		"# HELP x_tasks Tasks.\n"
		"# TYPE x_tasks gauge\n"
		"x_tasks 3\n"
		"# HELP x_build_info Build.\n"
		"# TYPE x_build_info gauge\n"
		"x_build_info{version=\"1.2.3\"} 1\n");
	free(s);
}

static void test_openmetrics_format(void **state)
{
	char *s = both(OM_OPENMETRICS);

	(void)state;
	assert_string_equal(s,
		"# TYPE x_switches counter\n"
		"# HELP x_switches Switches.\n"
		"x_switches_total{pid=\"42\",kind=\"voluntary\"} 1234\n"
		"# TYPE x_cpu_seconds counter\n"
		"# UNIT x_cpu_seconds seconds\n"
		"# HELP x_cpu_seconds CPU time.\n"
		"x_cpu_seconds_total{pid=\"42\"} 1.500000001\n"
		"# TYPE x_tasks gauge\n"
		"# HELP x_tasks Tasks.\n"
		"x_tasks 3\n"
		"# TYPE x_build info\n"
		"# HELP x_build Build.\n"
		"x_build_info{version=\"1.2.3\"} 1\n"
		"# EOF\n");
	free(s);
}

static void test_escaping(void **state)
{
	static const struct om_family g = { "g", OM_GAUGE, NULL, "a \\ b \"c\"\nd" };
	struct om_label l[] = { { "comm", "a\\b\"c\nd" }, { "bad", "x\xff\xc3y\xc3\xa9" } };
	struct om_buf b = {};

	(void)state;
	om_family(&b, OM_PROMETHEUS_TEXT, &g);
	om_sample_u64(&b, OM_PROMETHEUS_TEXT, &g, l, 2, 0);
	assert_string_equal(b.s,
		"# HELP g a \\\\ b \"c\"\\nd\n"
		"# TYPE g gauge\n"
		"g{comm=\"a\\\\b\\\"c\\nd\",bad=\"x\xef\xbf\xbd\xef\xbf\xbdy\xc3\xa9\"} 0\n");
	om_buf_free(&b);
	om_family(&b, OM_OPENMETRICS, &g);
	assert_string_equal(b.s, "# TYPE g gauge\n# HELP g a \\\\ b \\\"c\\\"\\nd\n");
	om_buf_free(&b);
	assert_null(b.s);
}

static void test_histogram(void **state)
{
	static const struct om_family h = { "h_seconds", OM_HISTOGRAM, "seconds", "Waits." };
	const uint64_t le[] = { 256, 131072, 1000000000 };
	const uint64_t counts[] = { 1, 0, 2, 3 };
	struct om_label l[] = { { "pid", "7" } };
	struct om_buf b = {};

	(void)state;
	om_histogram(&b, OM_OPENMETRICS, &h, l, 1, le, 3, counts, 2500000000ull);
	om_histogram(&b, OM_PROMETHEUS_TEXT, &h, NULL, 0, le, 3, counts, 0);
	assert_string_equal(b.s,
		"h_seconds_bucket{pid=\"7\",le=\"2.56e-07\"} 1\n"
		"h_seconds_bucket{pid=\"7\",le=\"0.000131072\"} 1\n"
		"h_seconds_bucket{pid=\"7\",le=\"1.0\"} 3\n"
		"h_seconds_bucket{pid=\"7\",le=\"+Inf\"} 6\n"
		"h_seconds_count{pid=\"7\"} 6\n"
		"h_seconds_sum{pid=\"7\"} 2.5\n"
		"h_seconds_bucket{le=\"2.56e-07\"} 1\n"
		"h_seconds_bucket{le=\"0.000131072\"} 1\n"
		"h_seconds_bucket{le=\"1.0\"} 3\n"
		"h_seconds_bucket{le=\"+Inf\"} 6\n"
		"h_seconds_count 6\n"
		"h_seconds_sum 0\n");
	om_buf_free(&b);
	om_family(&b, OM_PROMETHEUS_TEXT, &h);
	assert_string_equal(b.s, "# HELP h_seconds Waits.\n# TYPE h_seconds histogram\n");
	om_buf_free(&b);
}

static void test_numbers(void **state)
{
	static const struct {
		uint64_t ns;
		const char *sec, *le;
	} cases[] = {
		{ 0, "0", "0.0" },
		{ 1, "0.000000001", "1e-09" },
		{ 256, "0.000000256", "2.56e-07" },
		{ 10000, "0.00001", "1e-05" },
		{ 65536, "0.000065536", "6.5536e-05" },
		{ 100000, "0.0001", "0.0001" },
		{ 131072, "0.000131072", "0.000131072" },
		{ 500000000, "0.5", "0.5" },
		{ 1000000000, "1", "1.0" },
		{ 1073741824, "1.073741824", "1.073741824" },
		{ 17179869184ull, "17.179869184", "17.179869184" },
		{ 123456000000000ull, "123456", "123456.0" },
		{ 1000000000000000ull, "1000000", "1e+06" },
		{ 1234567000000000ull, "1234567", "1.234567e+06" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_string_equal(om_fmt_ns(buf, sizeof(buf), cases[i].ns), cases[i].sec);
		assert_string_equal(om_fmt_le(buf, sizeof(buf), cases[i].ns), cases[i].le);
	}
}

static void test_growth(void **state)
{
	static const struct om_family g = { "g", OM_GAUGE, NULL, "G." };
	struct om_buf b = {};
	char want[64];

	(void)state;
	for (int i = 0; i < 10000; i++)
		om_sample_u64(&b, OM_OPENMETRICS, &g, NULL, 0, (uint64_t)i);
	assert_false(b.oom);
	assert_true(b.len > 4096 * 8);
	assert_int_equal(strlen(b.s), b.len);
	snprintf(want, sizeof(want), "\ng 9999\n");
	assert_string_equal(b.s + b.len - strlen(want), want);
	assert_memory_equal(b.s, "g 0\ng 1\n", 8);
	om_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiate),
		cmocka_unit_test(test_text_format),
		cmocka_unit_test(test_openmetrics_format),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_growth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
