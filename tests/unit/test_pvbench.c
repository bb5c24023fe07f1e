// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for pvbench's shared parts (tools/pvbench/): the quantiles, the
 * timing harness (sizing, runs, a failing operation), verdicts against the
 * seeds' ranges, the claims' ratios, and both reports (the JSON parsed back
 * with json-c; a figure that was not measured is null with its reason).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "pvbench.h"

/* The suites live in their own files, not linked here. */
int suite_create(const struct bench_opts *o, struct bench_results *rs) { return 0; }
int suite_switch(const struct bench_opts *o, struct bench_results *rs) { return 0; }
int suite_ipc(const struct bench_opts *o, struct bench_results *rs) { return 0; }
int suite_memory(const struct bench_opts *o, struct bench_results *rs) { return 0; }
int suite_scale(const struct bench_opts *o, struct bench_results *rs) { return 0; }

/* bench_finish: median, p10, p90 by nearest rank (lib/quantile.h), runs left as they were. */
static void test_quantiles(void **state)
{
	static const double v[10] = { 10, 1, 9, 2, 8, 3, 7, 4, 6, 5 };
	struct bench_results rs = { 0 };
	struct bench_result *r = bench_new(&rs, "switch.test", BENCH_US);

	for (int i = 0; i < 10; i++)
		bench_add(r, v[i]);
	bench_finish(r);
	assert_true(r->median == 5);  /* the 5th of 10 */
	assert_true(r->p10 == 1);     /* the 1st */
	assert_true(r->p90 == 9);     /* the 9th */
	assert_true(r->v[0] == 10 && r->v[9] == 5); /* not sorted in place */
	bench_add(r, 11);             /* 11 runs: the 6th, 2nd, 10th */
	bench_finish(r);
	assert_true(r->median == 6 && r->p10 == 2 && r->p90 == 10);
	bench_results_free(&rs);
}

/*
 * A fake operation on a fake clock: each iteration takes exactly 100 us, so
 * the harness's sizing is checked without depending on this machine's speed
 * or load.  It fails when told to.
 */
#define FAKE_OP_NS 100000ull
static uint64_t fake_now;

static uint64_t fake_clock(void)
{
	return fake_now;
}

struct fake {
	uint64_t calls, last_iters, iters_total;
	int fail_at; /* call number that fails, 0: never */
};

static int fake_op(void *ctx, uint64_t iters, char *err, size_t errsz)
{
	struct fake *f = ctx;

	if (++f->calls == (uint64_t)f->fail_at) {
		snprintf(err, errsz, "fork: Resource temporarily unavailable");
		return -1;
	}
	f->last_iters = iters;
	f->iters_total += iters;
	fake_now += iters * FAKE_OP_NS;
	return 0;
}

static void test_harness_sizes_and_runs(void **state)
{
	struct bench_opts o = { .runs = 7, .min_run_ns = 2000000, .clock = fake_clock };
	struct bench_results rs = { 0 };
	struct bench_result *r = bench_new(&rs, "create.fork", BENCH_US);
	struct fake f = { 0 };

	assert_int_equal(bench_time(&o, r, fake_op, &f, 1u << 30), 0);
	assert_string_equal(r->suite, "create");
	assert_int_equal(r->n, 7);
	/*
	 * Sizing: 1 iteration (0.1 ms) is 8 times too short, so x8; 8 (0.8 ms) is
	 * not, so x2 from there: 16 (1.6 ms), 32 (3.2 ms >= 2 ms).  A run lasts at
	 * least min_run_ns.
	 */
	assert_int_equal(r->ops_per_run, 32);
	assert_int_equal(f.last_iters, 32);
	assert_true(r->ops_per_run * FAKE_OP_NS >= o.min_run_ns);
	/* warm-up 1, sizing 1 + 8 + 16 + 32, then 7 timed runs of 32 */
	assert_int_equal(f.calls, 1 + 4 + 7);
	assert_int_equal(f.iters_total, 1 + 1 + 8 + 16 + 32 + 7 * 32);
	/* every run's value is the operation's exact cost, in microseconds */
	for (unsigned int i = 0; i < r->n; i++)
		assert_true(fabs(r->v[i] - 100.0) < 1e-9);
	assert_true(fabs(r->median - 100.0) < 1e-9);
	assert_true(r->p10 <= r->median && r->median <= r->p90);
	assert_true(r->ref != NULL && r->ref->lo == 50 && r->ref->hi == 100);
	assert_string_equal(r->error, "");

	/* max_iters caps the sizing. */
	r = bench_new(&rs, "create.vfork", BENCH_US);
	memset(&f, 0, sizeof(f));
	assert_int_equal(bench_time(&o, r, fake_op, &f, 4), 0);
	assert_true(r->ops_per_run == 4);
	assert_true(fabs(r->median - 100.0) < 1e-9);
	bench_results_free(&rs);
}

static void test_harness_failure(void **state)
{
	struct bench_opts o = { .runs = 5, .min_run_ns = 100000, .clock = fake_clock };
	struct bench_results rs = { 0 };
	struct bench_result *r = bench_new(&rs, "scale.processes_10k", BENCH_MS);
	struct fake f = { .fail_at = 4 };

	assert_int_equal(bench_time(&o, r, fake_op, &f, 1000), -1);
	assert_string_equal(r->error, "fork: Resource temporarily unavailable");
	assert_int_equal(r->n, 0);
	assert_true(isnan(r->median) && isnan(r->p10) && isnan(r->p90));
	bench_results_free(&rs);
}

static void test_verdicts(void **state)
{
	struct bench_results rs = { 0 };
	struct bench_result *t = bench_new(&rs, "create.pthread_create", BENCH_US);
	struct bench_result *b = bench_new(&rs, "memory.per_thread_kernel", BENCH_BYTES);
	struct bench_result *none = bench_new(&rs, "switch.pipe_threads_pinned", BENCH_US);

	bench_add(t, 1.5);
	bench_finish(t);
	assert_string_equal(bench_verdict(t), "faster");
	t->median = 2;
	assert_string_equal(bench_verdict(t), "inside");
	t->median = 10;
	assert_string_equal(bench_verdict(t), "inside");
	t->median = 10.5;
	assert_string_equal(bench_verdict(t), "slower");
	t->median = NAN;
	assert_string_equal(bench_verdict(t), "");

	bench_add(b, 22000);
	bench_finish(b);
	assert_string_equal(bench_verdict(b), "larger");
	b->median = 1000;
	assert_string_equal(bench_verdict(b), "smaller");

	bench_add(none, 1);
	bench_finish(none);
	assert_null(none->ref);
	assert_string_equal(bench_verdict(none), "");
	bench_results_free(&rs);
}

static void test_claims(void **state)
{
	struct bench_results rs = { 0 };
	const struct bench_claim *c;
	size_t n, i;

	c = bench_claims(&n);
	for (i = 0; i < n && strcmp(c[i].process, "create.fork"); i++)
		;
	assert_true(i < n);
	assert_true(isnan(bench_claim_ratio(&c[i], &rs))); /* neither measured */
	bench_add(bench_new(&rs, "create.fork", BENCH_US), 120);
	bench_finish(&rs.r[0]);
	assert_true(isnan(bench_claim_ratio(&c[i], &rs))); /* one */
	bench_add(bench_new(&rs, "create.pthread_create", BENCH_US), 40);
	bench_finish(&rs.r[1]);
	assert_true(fabs(bench_claim_ratio(&c[i], &rs) - 3) < 1e-12);
	bench_results_free(&rs);
}

static void fill(struct bench_results *rs)
{
	struct bench_result *r = bench_new(rs, "create.fork", BENCH_US);

	bench_add(r, 80);
	bench_add(r, 90);
	bench_add(r, 120);
	bench_params(r, "fork + _exit + waitpid");
	bench_extra(r, "resident_bytes", 4096);
	bench_finish(r);
	r = bench_new(rs, "create.fork_1g", BENCH_US);
	bench_fail(r, "needs 1.5 GiB available, 300 MiB are");
	bench_finish(r);
	r = bench_new(rs, "create.pthread_create", BENCH_US);
	bench_add(r, 30);
	bench_finish(r);
}

static char *render(int json)
{
	struct bench_machine m = { .host = { .hostname = "h", .kernel = "6.18", .arch = "x86_64",
					     .libc = "glibc 2.36", .date = "2026-11-23T00:00:00Z",
					     .cpus_online = 2, .cpus_allowed = 2 },
				   .suites = "create" };
	struct bench_opts o = { .runs = 3, .min_run_ns = 10000000, .cpu_a = 0, .cpu_b = 1 };
	struct bench_results rs = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fill(&rs);
	assert_int_equal(json ? bench_write_json(f, &m, &o, &rs) : bench_write_text(f, &m, &o, &rs), 0);
	fclose(f);
	bench_results_free(&rs);
	return buf;
}

static void test_json_report(void **state)
{
	char *buf = render(1);
	json_object *root = json_tokener_parse(buf), *res, *x, *v;

	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "schema", &v));
	assert_string_equal(json_object_get_string(v), "pvtrace.bench/1");
	assert_true(json_object_object_get_ex(root, "machine", &v));
	assert_true(json_object_object_get_ex(root, "results", &res));
	assert_int_equal(json_object_array_length(res), 3);

	x = json_object_array_get_idx(res, 0);
	assert_true(json_object_object_get_ex(x, "median", &v));
	assert_true(fabs(json_object_get_double(v) - 90) < 1e-9);
	assert_true(json_object_object_get_ex(x, "runs", &v) && json_object_get_int(v) == 3);
	assert_true(json_object_object_get_ex(x, "verdict", &v));
	assert_string_equal(json_object_get_string(v), "inside");
	assert_true(json_object_object_get_ex(x, "reference", &v) &&
		    json_object_is_type(v, json_type_object));
	assert_true(json_object_object_get_ex(x, "details", &v) &&
		    json_object_object_get_ex(v, "resident_bytes", &v));

	x = json_object_array_get_idx(res, 1); /* not measured */
	assert_true(json_object_object_get_ex(x, "median", &v) && v == NULL);
	assert_true(json_object_object_get_ex(x, "runs", &v) && json_object_get_int(v) == 0);
	assert_true(json_object_object_get_ex(x, "error", &v));
	assert_string_equal(json_object_get_string(v), "needs 1.5 GiB available, 300 MiB are");
	assert_true(json_object_object_get_ex(x, "verdict", &v) && v == NULL);

	assert_true(json_object_object_get_ex(root, "comparisons", &res));
	assert_int_equal(json_object_array_length(res), 1); /* fork / pthread_create only */
	x = json_object_array_get_idx(res, 0);
	assert_true(json_object_object_get_ex(x, "ratio", &v));
	assert_true(fabs(json_object_get_double(v) - 3) < 1e-9);
	json_object_put(root);
	free(buf);
}

static void test_text_report(void **state)
{
	char *buf = render(0);

	assert_non_null(strstr(buf, "create.fork "));
	assert_non_null(strstr(buf, "90.0 us"));
	assert_non_null(strstr(buf, "80.0 .. 120.0")); /* p10 .. p90: the 1st and 3rd of 3 (nearest rank) */
	assert_non_null(strstr(buf, "50-100 us"));
	assert_non_null(strstr(buf, "inside"));
	assert_non_null(strstr(buf, "create.fork_1g                 not measured: needs 1.5 GiB"));
	assert_non_null(strstr(buf, "3.0x"));
	free(buf);
}

/* The articles cited by title, never by a path; every "-" said why under its table. */
static void test_text_cites_and_says_why(void **state)
{
	struct bench_machine m = { .host = { .hostname = "h", .kernel = "6.18", .arch = "x86_64",
					     .libc = "glibc 2.36", .date = "2026-11-23T00:00:00Z",
					     .cpus_online = 2, .cpus_allowed = 2 },
				   .suites = "create" };
	struct bench_opts o = { .runs = 3, .min_run_ns = 10000000, .cpu_a = 0, .cpu_b = 1 };
	struct bench_results rs = { 0 };
	struct bench_result *r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	fill(&rs);
	r = bench_new(&rs, "create.vfork", BENCH_US); /* no figure in the articles */
	bench_add(r, 40);
	bench_finish(r);
	r = bench_new(&rs, "create.fork_exec", BENCH_US); /* not measured: its claim has no ratio */
	bench_fail(r, "no /bin/true");
	bench_finish(r);
	assert_int_equal(bench_write_text(f, &m, &o, &rs), 0);
	fclose(f);
	bench_results_free(&rs);

	assert_non_null(strstr(buf, "50-100 us [2] "));
	assert_non_null(strstr(buf, "\n  - in seed, verdict (1 result): the articles give no figure "
				    "for it\n"));
	assert_non_null(strstr(buf, "[1] creation cost: process high, thread low"));
	assert_non_null(strstr(buf, "\n  - in ratio (1 claim): a side of it not measured"));
	assert_non_null(strstr(buf, "\n  [1] \"Understanding Process vs Thread from the Ground Up\", "
				    "by Vijay ("));
	assert_non_null(strstr(buf, "\n  [2] \"Threads vs. Processes\" (a page of an online course)"));
	assert_null(strstr(buf, "docs/"));
	assert_null(strstr(buf, "shared/"));
	assert_int_equal(bench_source_number("Threads vs. Processes"), 2);
	assert_int_equal(bench_source_number("elsewhere"), 0);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantiles),
		cmocka_unit_test(test_harness_sizes_and_runs),
		cmocka_unit_test(test_harness_failure),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_claims),
		cmocka_unit_test(test_json_report),
		cmocka_unit_test(test_text_report),
		cmocka_unit_test(test_text_cites_and_says_why),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
