// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for lib/qsketch.c: exact nearest-rank quantiles while the
 * distinct values fit, within one bucket (under 1/32 of the value) beyond;
 * count, sum, min and max always exact; merging and copying.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "qsketch.h"
#include "quantile.h"

static const double qs[] = { 0, 0.01, 0.1, 0.25, 0.5, 0.9, 0.99, 0.999, 1 };

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Fill a sketch and a sorted copy with @n values from @gen. */
static uint64_t *fill(struct pvt_qsketch *s, size_t n, uint64_t (*gen)(uint64_t *), uint64_t seed)
{
	uint64_t *v = malloc(n * sizeof(*v));

	qs_init(s);
	for (size_t i = 0; i < n; i++) {
		v[i] = gen(&seed);
		assert_int_equal(qs_add(s, v[i], 1), 0);
	}
	pvt_sort_u64(v, n);
	return v;
}

static void assert_totals(const struct pvt_qsketch *s, const uint64_t *v, size_t n)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += v[i];
	assert_int_equal(s->count, n);
	assert_int_equal(s->sum, sum);
	assert_int_equal(s->min, v[0]);
	assert_int_equal(s->max, v[n - 1]);
}

static uint64_t few(uint64_t *s)
{
	return (rnd(s) % 300) * 4096 + 16384; /* page multiples: memory figures */
}

static uint64_t wide(uint64_t *s)
{
	return rnd(s) % 100000000 + (rnd(s) % 4 ? 0 : rnd(s) % 5000); /* ns, all distinct */
}

static void test_exact_while_few_values(void **state)
{
	struct pvt_qsketch s;
	uint64_t *v = fill(&s, 20000, few, 42);

	(void)state;
	assert_true(qs_is_exact(&s));
	assert_totals(&s, v, 20000);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
		assert_int_equal(qs_quantile(&s, qs[i]), pvt_quantile_sorted_u64(v, 20000, qs[i]));
	free(v);
	qs_free(&s);
}

static void test_histogram_within_a_bucket(void **state)
{
	struct pvt_qsketch s;
	uint64_t *v = fill(&s, 50000, wide, 7);

	(void)state;
	assert_false(qs_is_exact(&s));
	assert_totals(&s, v, 50000);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		uint64_t exact = pvt_quantile_sorted_u64(v, 50000, qs[i]), est = qs_quantile(&s, qs[i]);
		uint64_t d = est > exact ? est - exact : exact - est;

		/* the same bucket: under its width, itself under 1/32 of the value */
		assert_int_equal(qs_bucket_of(est), qs_bucket_of(exact));
		assert_true(d * 32 <= exact);
	}
	assert_int_equal(qs_quantile(&s, 0), v[0]);
	assert_int_equal(qs_quantile(&s, 1), v[49999]);
	free(v);
	qs_free(&s);
}

static void test_buckets_tile_the_line(void **state)
{
	(void)state;
	assert_int_equal(qs_bucket_of(0), 0);
	assert_int_equal(qs_bucket_of(31), 31);
	assert_int_equal(qs_bucket_of(32), 32);
	assert_int_equal(qs_bucket_of(UINT64_MAX), QS_BUCKETS - 1);
	for (unsigned i = 0; i + 1 < QS_BUCKETS; i++) {
		uint64_t lo = qs_bucket_low(i), w = qs_bucket_width(i);

		assert_int_equal(qs_bucket_low(i + 1), lo + w);
		assert_int_equal(qs_bucket_of(lo), i);
		assert_int_equal(qs_bucket_of(lo + w - 1), i);
		assert_true(i < 32 || w * 32 <= lo);
	}
}

static void test_merge_and_copy(void **state)
{
	struct pvt_qsketch a, b, all, c;
	uint64_t *va = fill(&a, 3000, wide, 3), *vb = fill(&b, 100, few, 5), *vall;

	(void)state;
	qs_init(&all);
	vall = malloc(3100 * sizeof(*vall));
	memcpy(vall, va, 3000 * sizeof(*va));
	memcpy(vall + 3000, vb, 100 * sizeof(*vb));
	for (size_t i = 0; i < 3100; i++)
		assert_int_equal(qs_add(&all, vall[i], 1), 0);
	/* exact into histogram, and histogram into exact: the same as all added one by one */
	assert_int_equal(qs_copy(&c, &b), 0);
	assert_int_equal(qs_merge(&c, &a), 0);
	assert_int_equal(qs_merge(&b, &a), 0);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		assert_int_equal(qs_quantile(&c, qs[i]), qs_quantile(&all, qs[i]));
		assert_int_equal(qs_quantile(&b, qs[i]), qs_quantile(&all, qs[i]));
	}
	pvt_sort_u64(vall, 3100);
	assert_totals(&c, vall, 3100);
	assert_totals(&b, vall, 3100);
	/* several of one value at once */
	qs_free(&c);
	qs_init(&c);
	assert_int_equal(qs_add(&c, 10, 5), 0);
	assert_int_equal(qs_add(&c, 3, 2), 0);
	assert_int_equal(qs_quantile(&c, 0.5), 10);
	assert_int_equal(qs_quantile(&c, 2.0 / 7), 3);
	assert_int_equal(c.sum, 56);
	assert_int_equal(qs_quantile(&(struct pvt_qsketch){}, 0.5), 0);
	free(va);
	free(vb);
	free(vall);
	qs_free(&a);
	qs_free(&b);
	qs_free(&c);
	qs_free(&all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_while_few_values),
		cmocka_unit_test(test_histogram_within_a_bucket),
		cmocka_unit_test(test_buckets_tile_the_line),
		cmocka_unit_test(test_merge_and_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
