// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/hist.c (bucket scheme, quantiles, log2 printing).
 *
 * Build: gcc -std=gnu11 -O2 -g -Wall -Wextra -Iuser -Ibpf \
 *            tests/unit/test_hist.c user/hist.c -lcmocka
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hist.h"

#define LAST (PVT_HIST_BUCKETS - 1)

/* A tiny deterministic PRNG (xorshift64*), so failures reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* ---- bucket scheme ---- */

static void test_bucket_small(void **state)
{
	/* 0..3 exact; then 4 sub-buckets per power of two. */
	static const unsigned want[21] = {
		0, 1, 2, 3,		/* 0..3 */
		4, 5, 6, 7,		/* 4..7: l=2, width 1 */
		8, 8, 9, 9, 10, 10, 11, 11,	/* 8..15: l=3, width 2 */
		12, 12, 12, 12, 13,	/* 16..20: l=4, width 4 */
	};
	(void)state;
	assert_int_equal(PVT_HIST_BUCKETS, 144);
	for (uint64_t v = 0; v <= 20; v++)
		assert_int_equal(hist_bucket_of(v), want[v]);
}

static void test_bucket_powers(void **state)
{
	(void)state;
	for (unsigned l = 2; l < 64; l++) {
		uint64_t p = 1ull << l;
		unsigned want = (l - 1) * 4;

		assert_int_equal(hist_bucket_of(p), want > LAST ? LAST : want);
		/* just below a power: the last sub-bucket of the previous one */
		want = (l - 2) * 4 + 3;
		assert_int_equal(hist_bucket_of(p - 1), want > LAST ? LAST : want);
		want = (l - 1) * 4;
		if (l >= 3)	/* p+1 stays in the first sub-bucket when width > 1 */
			assert_int_equal(hist_bucket_of(p + 1), want > LAST ? LAST : want);
	}
	assert_int_equal(hist_bucket_of(UINT64_MAX), LAST);
	assert_int_equal(hist_bucket_of(UINT64_MAX - 1), LAST);
	assert_int_equal(hist_bucket_of(1ull << 63), LAST);
	/* the first value of the last bucket, and the one before */
	assert_int_equal(hist_bucket_of(7ull << 34), LAST);
	assert_int_equal(hist_bucket_of((7ull << 34) - 1), LAST - 1);
}

static void test_bucket_bounds_known(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(hist_bucket_low(i), i);
		assert_int_equal(hist_bucket_high(i), i + 1);
	}
	assert_int_equal(hist_bucket_low(4), 4);
	assert_int_equal(hist_bucket_high(7), 8);
	assert_int_equal(hist_bucket_low(8), 8);
	assert_int_equal(hist_bucket_high(8), 10);
	assert_int_equal(hist_bucket_low(LAST), 7ull << 34);
	assert_int_equal(hist_bucket_high(LAST), 8ull << 34);
	/* out of range indexes act as the last bucket */
	assert_int_equal(hist_bucket_low(1000), hist_bucket_low(LAST));
	/* contiguous, increasing */
	for (unsigned i = 0; i < LAST; i++) {
		assert_true(hist_bucket_low(i) < hist_bucket_high(i));
		assert_int_equal(hist_bucket_high(i), hist_bucket_low(i + 1));
	}
}

static void test_bucket_bounds_exhaustive(void **state)
{
	(void)state;
	for (uint64_t v = 0; v < 100000; v++) {
		unsigned b = hist_bucket_of(v);

		assert_true(hist_bucket_low(b) <= v);
		assert_true(v < hist_bucket_high(b));
	}
}

static void test_bucket_bounds_sampled(void **state)
{
	(void)state;
	for (int k = 0; k < 200000; k++) {
		/* spread over all magnitudes */
		uint64_t v = rnd() >> (rnd() % 64);
		unsigned b = hist_bucket_of(v);

		assert_true(b <= LAST);
		assert_true(hist_bucket_low(b) <= v);
		if (b < LAST)
			assert_true(v < hist_bucket_high(b));
	}
}

static void test_bucket_of_low(void **state)
{
	(void)state;
	for (unsigned i = 0; i < PVT_HIST_BUCKETS; i++) {
		assert_int_equal(hist_bucket_of(hist_bucket_low(i)), i);
		assert_int_equal(hist_bucket_of(hist_bucket_high(i) - 1), i);
	}
}

/* ---- add / count ---- */

static void test_add(void **state)
{
	struct hist a, b;
	uint32_t raw[PVT_HIST_BUCKETS];
	(void)state;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_int_equal(hist_count(&a), 0);
	for (unsigned i = 0; i < PVT_HIST_BUCKETS; i++) {
		raw[i] = i % 3 == 0 ? UINT32_MAX : i;
		b.b[i] = 10;
	}
	hist_add_u32(&a, raw);
	hist_add_u32(&a, raw);	/* sums past u32 */
	assert_int_equal(a.b[0], 2ull * UINT32_MAX);
	assert_int_equal(a.b[1], 2);
	assert_int_equal(a.b[LAST], 2ull * LAST);
	hist_add(&a, &b);
	assert_int_equal(a.b[1], 12);
	assert_int_equal(a.b[3], 2ull * UINT32_MAX + 10);
	assert_int_equal(hist_count(&b), 10ull * PVT_HIST_BUCKETS);

	uint64_t want = 0;
	for (unsigned i = 0; i < PVT_HIST_BUCKETS; i++)
		want += 2ull * raw[i] + 10;
	assert_int_equal(hist_count(&a), want);
	/* NULLs are ignored */
	hist_add(&a, NULL);
	hist_add_u32(&a, NULL);
	assert_int_equal(hist_count(&a), want);
	assert_int_equal(hist_count(NULL), 0);
}

/* ---- quantiles ---- */

static void hist_put(struct hist *h, uint64_t v, uint64_t n)
{
	h->b[hist_bucket_of(v)] += n;
}

static void test_quantile_empty(void **state)
{
	struct hist h;
	(void)state;

	memset(&h, 0, sizeof(h));
	assert_int_equal(hist_quantile(&h, 0.5, 0, UINT64_MAX), 0);
	assert_int_equal(hist_quantile(&h, 0.0, 0, UINT64_MAX), 0);
	assert_int_equal(hist_quantile(&h, 1.0, 100, 200), 0);
	assert_int_equal(hist_quantile(NULL, 0.5, 0, UINT64_MAX), 0);
}

static void test_quantile_single(void **state)
{
	struct hist h;
	(void)state;

	/* exact buckets */
	for (uint64_t v = 0; v < 8; v++) {
		memset(&h, 0, sizeof(h));
		hist_put(&h, v, 1);
		assert_int_equal(hist_quantile(&h, 0.5, 0, UINT64_MAX), v);
		assert_int_equal(hist_quantile(&h, 0.0, 0, UINT64_MAX), v);
		assert_int_equal(hist_quantile(&h, 1.0, 0, UINT64_MAX), v);
	}
	/* a wider bucket: inside it without min/max, exact with them */
	memset(&h, 0, sizeof(h));
	hist_put(&h, 123456, 1);
	unsigned b = hist_bucket_of(123456);
	uint64_t q = hist_quantile(&h, 0.5, 0, UINT64_MAX);
	assert_true(q >= hist_bucket_low(b) && q < hist_bucket_high(b));
	assert_int_equal(hist_quantile(&h, 0.5, 123456, 123456), 123456);
	assert_int_equal(hist_quantile(&h, 0.99, 123456, 123456), 123456);
}

static void test_quantile_one_bucket(void **state)
{
	struct hist h;
	unsigned b = hist_bucket_of(50000);
	uint64_t lo = hist_bucket_low(b), hi = hist_bucket_high(b), prev = 0, v;
	(void)state;

	memset(&h, 0, sizeof(h));
	h.b[b] = 1000;
	for (int k = 0; k <= 100; k++) {
		v = hist_quantile(&h, k / 100.0, 0, UINT64_MAX);

		assert_true(v >= lo && v < hi);
		assert_true(v >= prev);
		prev = v;
	}
	/* clamped by a known max inside the bucket */
	uint64_t mx = lo + 3;
	assert_int_equal(hist_quantile(&h, 1.0, 0, mx), mx);
	assert_true(hist_quantile(&h, 0.99, 0, mx) <= mx);
	/* clamped by a known min */
	assert_int_equal(hist_quantile(&h, 0.0, hi - 2, UINT64_MAX), hi - 2);
	/* samples spread over the bucket: p0 at its low end, p100 at its high end */
	assert_int_equal(hist_quantile(&h, 0.0, 0, UINT64_MAX), lo);
	assert_int_equal(hist_quantile(&h, 1.0, 0, UINT64_MAX), hi - 1);
	v = hist_quantile(&h, 0.5, 0, UINT64_MAX);
	assert_true(v >= lo + (hi - lo) / 2 - (hi - lo) / 100 &&
		    v <= lo + (hi - lo) / 2 + (hi - lo) / 100);
}

static void test_quantile_last_bucket(void **state)
{
	struct hist h;
	uint64_t big = 1ull << 40;	/* beyond the last bucket's nominal high */
	(void)state;

	memset(&h, 0, sizeof(h));
	hist_put(&h, big, 10);
	assert_int_equal(hist_bucket_of(big), LAST);
	uint64_t v = hist_quantile(&h, 0.5, 0, UINT64_MAX);
	assert_true(v >= hist_bucket_low(LAST) && v < hist_bucket_high(LAST));
	/* with the max known, the open bucket stretches to it */
	assert_int_equal(hist_quantile(&h, 1.0, 0, big), big);
	v = hist_quantile(&h, 0.5, 0, big);
	assert_true(v >= hist_bucket_low(LAST) && v <= big);
}

static void test_quantile_uniform(void **state)
{
	struct hist h;
	const uint64_t n = 1000000;
	(void)state;

	memset(&h, 0, sizeof(h));
	for (uint64_t v = 1; v <= n; v++)
		hist_put(&h, v, 1);
	assert_int_equal(hist_count(&h), n);

	static const double qs[] = { 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999 };
	for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		uint64_t truth = (uint64_t)(qs[k] * n);
		uint64_t got = hist_quantile(&h, qs[k], 1, n);
		unsigned b = hist_bucket_of(truth);
		uint64_t width = hist_bucket_high(b) - hist_bucket_low(b);
		uint64_t diff = got > truth ? got - truth : truth - got;

		assert_true(diff <= width);
		/* where the data fills the bucket evenly, interpolation is close */
		if (hist_bucket_high(b) <= n)
			assert_true(diff <= width / 100 + 2);
	}
	assert_int_equal(hist_quantile(&h, 0.0, 1, n), 1);
	assert_int_equal(hist_quantile(&h, 1.0, 1, n), n);
}

static void test_quantile_q_edges(void **state)
{
	struct hist h;
	(void)state;

	memset(&h, 0, sizeof(h));
	hist_put(&h, 5, 3);
	hist_put(&h, 1000, 3);
	hist_put(&h, 70000, 4);
	/* q=0: the first sample; q=1: the last */
	assert_int_equal(hist_quantile(&h, 0.0, 0, UINT64_MAX), 5);
	uint64_t v = hist_quantile(&h, 1.0, 0, UINT64_MAX);
	assert_int_equal(hist_bucket_of(v), hist_bucket_of(70000));
	assert_int_equal(hist_quantile(&h, 1.0, 5, 70000), 70000);
	/* out-of-range q behaves like the nearest end */
	assert_int_equal(hist_quantile(&h, -1.0, 0, UINT64_MAX), 5);
	assert_int_equal(hist_quantile(&h, 2.0, 0, UINT64_MAX), v);
	/* rank = ceil(q * count): 0.3 -> rank 3 (still 5), 0.31 -> rank 4 */
	assert_int_equal(hist_quantile(&h, 0.3, 0, UINT64_MAX), 5);
	assert_int_equal(hist_bucket_of(hist_quantile(&h, 0.31, 0, UINT64_MAX)),
			 hist_bucket_of(1000));
	assert_int_equal(hist_bucket_of(hist_quantile(&h, 0.61, 0, UINT64_MAX)),
			 hist_bucket_of(70000));
}

static void test_quantile_random_monotone(void **state)
{
	struct hist h;
	(void)state;

	for (int iter = 0; iter < 2000; iter++) {
		uint64_t mn = UINT64_MAX, mx = 0;
		int nvals = 1 + (int)(rnd() % 50);

		memset(&h, 0, sizeof(h));
		for (int k = 0; k < nvals; k++) {
			uint64_t v = rnd() >> (rnd() % 64);
			uint64_t c = 1 + rnd() % (iter % 2 ? 1000000000ull : 5);

			hist_put(&h, v, c);
			if (v < mn)
				mn = v;
			if (v > mx)
				mx = v;
		}
		uint64_t p50 = hist_quantile(&h, 0.5, mn, mx);
		uint64_t p99 = hist_quantile(&h, 0.99, mn, mx);
		assert_true(mn <= p50);
		assert_true(p50 <= p99);
		assert_true(p99 <= mx);
		/* with the extremes known, q=0 and q=1 give them exactly */
		assert_int_equal(hist_quantile(&h, 0.0, mn, mx), mn);
		assert_int_equal(hist_quantile(&h, 1.0, mn, mx), mx);

		/* monotone in q, with and without known bounds */
		uint64_t prev = 0, prevu = 0;
		for (int k = 0; k <= 200; k++) {
			double q = k / 200.0;
			uint64_t v = hist_quantile(&h, q, mn, mx);
			uint64_t u = hist_quantile(&h, q, 0, UINT64_MAX);

			assert_true(v >= prev);
			assert_true(u >= prevu);
			assert_true(v >= mn && v <= mx);
			prev = v;
			prevu = u;
		}
	}
}

/* ---- printing ---- */

static char *print_hist(const struct hist *h, const char *title)
{
	char *buf = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&buf, &sz);

	assert_non_null(f);
	hist_print(f, h, title);
	fclose(f);
	assert_non_null(buf);
	return buf;
}

static void check_widths(const char *out)
{
	const char *p = out;

	while (*p) {
		const char *nl = strchr(p, '\n');

		assert_non_null(nl);	/* every line ends with a newline */
		assert_true(nl - p <= 100);
		p = nl + 1;
	}
}

/* The bar of the row whose text starts (after spaces) with "lo ->". */
static int stars_of_row(const char *out, const char *lo_arrow)
{
	const char *p = out;

	while (*p) {
		const char *nl = strchr(p, '\n');
		const char *s = p;

		while (*s == ' ')
			s++;
		if (!strncmp(s, lo_arrow, strlen(lo_arrow))) {
			const char *bar = strchr(p, '|');
			int n = 0;

			assert_non_null(bar);
			for (bar++; *bar == '*'; bar++)
				n++;
			return n;
		}
		p = nl + 1;
	}
	return -1;
}

static int count_lines(const char *out)
{
	int n = 0;

	for (; *out; out++)
		n += *out == '\n';
	return n;
}

static void test_print_empty(void **state)
{
	struct hist h;
	char *out;
	(void)state;

	memset(&h, 0, sizeof(h));
	out = print_hist(&h, "run-queue latency, process 1 (init)");
	assert_string_equal(out, "run-queue latency, process 1 (init)\n(no samples)\n");
	free(out);
	out = print_hist(NULL, NULL);
	assert_string_equal(out, "(no samples)\n");
	free(out);
}

static void test_print_nsecs(void **state)
{
	struct hist h;
	char *out;
	(void)state;

	memset(&h, 0, sizeof(h));
	hist_put(&h, 1, 3);
	hist_put(&h, 2, 20);
	hist_put(&h, 3, 20);
	hist_put(&h, 600, 10);
	out = print_hist(&h, "run-queue latency, process 1234 (app)");
	check_widths(out);
	assert_non_null(strstr(out, "run-queue latency, process 1234 (app)\n"));
	assert_non_null(strstr(out,
		"     nsecs               : count    distribution\n"));
	/* exact bcc layout for the first rows */
	assert_non_null(strstr(out,
		"         0 -> 1          : 3        |***                                     |\n"));
	assert_non_null(strstr(out,
		"         2 -> 3          : 40       |****************************************|\n"));
	assert_non_null(strstr(out,
		"       512 -> 1023       : 10       |**********                              |\n"));
	/* rows from 0 -> 1 to 512 -> 1023 inclusive, empty ones in between */
	assert_non_null(strstr(out, "         4 -> 7          : 0        |"));
	assert_int_equal(count_lines(out), 2 + 10);
	assert_null(strstr(out, "1024 ->"));
	free(out);
}

static void test_print_units(void **state)
{
	struct hist h;
	char *out;
	(void)state;

	/* largest bucket around 5 ms -> usecs; 3 us and 5 ms land in their slots */
	memset(&h, 0, sizeof(h));
	hist_put(&h, 3000, 7);
	hist_put(&h, 5000000, 2);
	out = print_hist(&h, "t");
	check_widths(out);
	assert_non_null(strstr(out, "usecs"));
	assert_int_equal(stars_of_row(out, "2 ->"), 40);	/* 3 us in 2..3 */
	assert_int_equal(stars_of_row(out, "4096 ->"), 2 * 40 / 7);	/* 5000 us */
	assert_int_equal(stars_of_row(out, "0 ->"), -1);	/* starts at the first non-empty */
	assert_int_equal(stars_of_row(out, "8192 ->"), -1);
	free(out);

	/* around 3 s -> msecs */
	memset(&h, 0, sizeof(h));
	hist_put(&h, 3000000000ull, 1);
	hist_put(&h, 20000000ull, 4);
	out = print_hist(&h, "");
	check_widths(out);
	assert_non_null(strstr(out, "msecs"));
	assert_true(out[0] != '\n');	/* no title line for an empty title */
	assert_int_equal(stars_of_row(out, "16 ->"), 40);	/* 20 ms */
	assert_int_equal(stars_of_row(out, "2048 ->"), 10);	/* 3000 ms */
	free(out);

	/* below 1 us everything -> nsecs */
	memset(&h, 0, sizeof(h));
	hist_put(&h, 900, 1);
	out = print_hist(&h, NULL);
	assert_non_null(strstr(out, "nsecs"));
	assert_int_equal(stars_of_row(out, "512 ->"), 40);
	free(out);

	/* the open-ended last bucket */
	memset(&h, 0, sizeof(h));
	hist_put(&h, UINT64_MAX, 1);
	out = print_hist(&h, NULL);
	assert_non_null(strstr(out, "msecs"));
	assert_non_null(strstr(out, "-> inf"));
	check_widths(out);
	free(out);
}

static void test_print_bars_scale(void **state)
{
	struct hist h;
	char *out;
	(void)state;

	memset(&h, 0, sizeof(h));
	hist_put(&h, 100, 1000);
	hist_put(&h, 200, 500);
	hist_put(&h, 400, 250);
	hist_put(&h, 800, 1);
	out = print_hist(&h, "x");
	assert_int_equal(stars_of_row(out, "64 ->"), 40);
	assert_int_equal(stars_of_row(out, "128 ->"), 20);
	assert_int_equal(stars_of_row(out, "256 ->"), 10);
	assert_int_equal(stars_of_row(out, "512 ->"), 0);
	free(out);
}

static void test_print_width(void **state)
{
	struct hist h;
	char *out;
	(void)state;

	/* every bucket, huge counts: still at most 100 columns */
	for (unsigned i = 0; i < PVT_HIST_BUCKETS; i++)
		h.b[i] = UINT64_MAX / PVT_HIST_BUCKETS;
	out = print_hist(&h, "all buckets");
	check_widths(out);
	assert_non_null(strstr(out, "msecs"));
	free(out);
	for (int iter = 0; iter < 300; iter++) {
		memset(&h, 0, sizeof(h));
		for (int k = 0; k < 10; k++)
			hist_put(&h, rnd() >> (rnd() % 64), rnd() >> (rnd() % 64));
		out = print_hist(&h, "random");
		check_widths(out);
		/* the largest row has a full bar */
		assert_non_null(strstr(out, "****************************************|")
				? out : strstr(out, "(no samples)"));
		free(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_small),
		cmocka_unit_test(test_bucket_powers),
		cmocka_unit_test(test_bucket_bounds_known),
		cmocka_unit_test(test_bucket_bounds_exhaustive),
		cmocka_unit_test(test_bucket_bounds_sampled),
		cmocka_unit_test(test_bucket_of_low),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_quantile_empty),
		cmocka_unit_test(test_quantile_single),
		cmocka_unit_test(test_quantile_one_bucket),
		cmocka_unit_test(test_quantile_last_bucket),
		cmocka_unit_test(test_quantile_uniform),
		cmocka_unit_test(test_quantile_q_edges),
		cmocka_unit_test(test_quantile_random_monotone),
		cmocka_unit_test(test_print_empty),
		cmocka_unit_test(test_print_nsecs),
		cmocka_unit_test(test_print_units),
		cmocka_unit_test(test_print_bars_scale),
		cmocka_unit_test(test_print_width),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
