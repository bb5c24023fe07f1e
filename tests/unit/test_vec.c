// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for lib/vec.c: capacities doubling from VEC_MIN_CAP, overflow
 * refused, and VEC_PUSH/VEC_RESERVE keeping every element across growth and
 * leaving everything as it was when they fail.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vec.h"

struct rec {
	uint64_t a;
	char name[20];
};

static void test_grow_cap(void **state)
{
	assert_int_equal(vec_grow_cap(0, 1), VEC_MIN_CAP);
	assert_int_equal(vec_grow_cap(0, VEC_MIN_CAP), VEC_MIN_CAP);
	assert_int_equal(vec_grow_cap(0, VEC_MIN_CAP + 1), 2 * VEC_MIN_CAP);
	assert_int_equal(vec_grow_cap(16, 17), 32);
	assert_int_equal(vec_grow_cap(100, 101), 200);
	assert_int_equal(vec_grow_cap(100, 1000), 1600);
	assert_int_equal(vec_grow_cap(SIZE_MAX / 2 + 1, SIZE_MAX), 0); /* would overflow */
}

static void test_realloc_overflow(void **state)
{
	void *p = malloc(8);

	assert_non_null(p);
	assert_null(vec_realloc(p, SIZE_MAX / 4, 8)); /* n * size overflows */
	memset(p, 1, 8);                              /* p still ours */
	free(p);
}

static void test_push(void **state)
{
	struct rec *v = NULL;
	size_t n = 0, cap = 0;

	for (uint64_t i = 0; i < 1000; i++) {
		struct rec r = { .a = i * i };

		snprintf(r.name, sizeof(r.name), "rec-%llu", (unsigned long long)i);
		assert_int_equal(VEC_PUSH(v, n, cap, r), 0);
		assert_int_equal(n, i + 1);
		assert_true(cap >= n);
	}
	assert_int_equal(cap, 1024);
	for (uint64_t i = 0; i < 1000; i++) {
		char want[20];

		snprintf(want, sizeof(want), "rec-%llu", (unsigned long long)i);
		assert_true(v[i].a == i * i);
		assert_string_equal(v[i].name, want);
	}
	free(v);
}

static void test_reserve(void **state)
{
	int *v = NULL, *before;
	size_t cap = 0;

	assert_int_equal(VEC_RESERVE(v, cap, 0), 0);   /* nothing needed */
	assert_null(v);
	assert_int_equal(VEC_RESERVE(v, cap, 5), 0);
	assert_int_equal(cap, VEC_MIN_CAP);
	before = v;
	assert_int_equal(VEC_RESERVE(v, cap, VEC_MIN_CAP), 0); /* fits: no realloc */
	assert_ptr_equal(v, before);
	/* Too many: refused, array and capacity untouched. */
	assert_int_equal(VEC_RESERVE(v, cap, SIZE_MAX / 2), -ENOMEM);
	assert_ptr_equal(v, before);
	assert_int_equal(cap, VEC_MIN_CAP);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow_cap),
		cmocka_unit_test(test_realloc_overflow),
		cmocka_unit_test(test_push),
		cmocka_unit_test(test_reserve),
	};

	return cmocka_run_group_tests_name("vec", tests, NULL, NULL);
}
