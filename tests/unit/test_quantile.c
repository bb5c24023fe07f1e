// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for lib/quantile.c: the nearest rank (k = ceil(q * n) in
 * [1, n]) and the quantiles of doubles and of 64-bit integers built on it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "quantile.h"

static void test_rank(void **state)
{
	assert_int_equal(pvt_quantile_rank(0, 0.5), 0);
	assert_int_equal(pvt_quantile_rank(1, 0.5), 1);
	assert_int_equal(pvt_quantile_rank(100, 0.5), 50);
	assert_int_equal(pvt_quantile_rank(100, 0.99), 99);
	assert_int_equal(pvt_quantile_rank(101, 0.5), 51);
	assert_int_equal(pvt_quantile_rank(10, 0.1), 1);
	assert_int_equal(pvt_quantile_rank(11, 0.1), 2);
	assert_int_equal(pvt_quantile_rank(11, 0.9), 10);
	assert_int_equal(pvt_quantile_rank(100, 0.07), 7); /* 7.000000000000001 in binary */
	assert_int_equal(pvt_quantile_rank(10, 0), 1);
	assert_int_equal(pvt_quantile_rank(10, -1), 1);
	assert_int_equal(pvt_quantile_rank(10, NAN), 1);
	assert_int_equal(pvt_quantile_rank(10, 1), 10);
	assert_int_equal(pvt_quantile_rank(10, 2), 10);
	assert_int_equal(pvt_quantile_rank(UINT64_MAX, 1), UINT64_MAX);
}

/* k = ceil(q * n) by integer arithmetic, for every n up to 1000 and q in percent. */
static void test_rank_exhaustive(void **state)
{
	for (uint64_t n = 1; n <= 1000; n++)
		for (uint64_t pc = 1; pc < 100; pc++)
			assert_int_equal(pvt_quantile_rank(n, (double)pc / 100),
					 (pc * n + 99) / 100);
}

static void test_doubles(void **state)
{
	const double odd[] = { 5, 1, 3, 2, 4 };
	const double even[] = { 4, 1, 3, 2 };
	const double one[] = { 7.5 };
	double copy[5];

	memcpy(copy, odd, sizeof(odd));
	assert_true(pvt_median(odd, 5) == 3);
	assert_true(pvt_quantile(odd, 5, 0) == 1);
	assert_true(pvt_quantile(odd, 5, 1) == 5);
	assert_true(pvt_quantile(odd, 5, 0.10) == 1);
	assert_true(pvt_quantile(odd, 5, 0.90) == 5);
	assert_true(pvt_quantile(odd, 5, 0.50) == 3);
	assert_true(pvt_quantile(odd, 5, 0.41) == 3);  /* ceil(2.05) = 3rd */
	assert_true(pvt_quantile(odd, 5, 0.40) == 2);  /* 2nd */
	assert_true(pvt_quantile(odd, 5, -1) == 1);
	assert_true(pvt_quantile(odd, 5, 2) == 5);
	assert_memory_equal(copy, odd, sizeof(odd));   /* input untouched */
	assert_true(pvt_median(even, 4) == 2);         /* the lower middle: a measured value */
	assert_true(pvt_median(one, 1) == 7.5);
	assert_true(pvt_quantile(one, 1, 0.9) == 7.5);
	assert_true(isnan(pvt_median(odd, 0)));
	assert_true(isnan(pvt_median(NULL, 3)));
}

static void test_u64(void **state)
{
	uint64_t v[] = { 1ull << 40, 1, (1ull << 33) + 1, 0, 1ull << 32, 1ull << 32 };
	static const uint64_t sorted[] = { 0, 1, 1ull << 32, 1ull << 32, (1ull << 33) + 1,
					   1ull << 40 };

	pvt_sort_u64(v, 6);
	assert_memory_equal(v, sorted, sizeof(sorted));  /* 64-bit compares, no truncation */
	assert_int_equal(pvt_quantile_sorted_u64(v, 6, 0.5), 1ull << 32);
	assert_int_equal(pvt_quantile_sorted_u64(v, 6, 0.99), 1ull << 40);
	assert_int_equal(pvt_quantile_sorted_u64(v, 6, 0), 0);
	assert_int_equal(pvt_quantile_sorted_u64(v, 0, 0.5), 0);
	pvt_sort_u64(NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rank),
		cmocka_unit_test(test_rank_exhaustive),
		cmocka_unit_test(test_doubles),
		cmocka_unit_test(test_u64),
	};

	return cmocka_run_group_tests_name("quantile", tests, NULL, NULL);
}
