// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for lib/keyindex.c: found what was put, nothing else; a
 * replacement in place; removals in the middle of probe runs (backward
 * shift) leave every other key findable, checked against a plain array.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "keyindex.h"

#define N 5000

struct key {
	uint32_t id;
	uint64_t start;
	long pos;   /* -1: not in the index */
};

static void check_all(const struct pvt_index *ix, const struct key *k, size_t n)
{
	size_t in = 0;

	for (size_t i = 0; i < n; i++) {
		assert_int_equal(pvt_index_find(ix, k[i].id, k[i].start), k[i].pos);
		in += k[i].pos >= 0;
	}
	assert_int_equal(pvt_index_count(ix), in);
}

static void test_put_find_del(void **state)
{
	static struct key k[N];
	struct pvt_index *ix = NULL;
	uint64_t s = 99;

	(void)state;
	assert_int_equal(pvt_index_find(NULL, 1, 2), -1);
	assert_int_equal(pvt_index_del(NULL, 1, 2), -ENOENT);
	for (size_t i = 0; i < N; i++) {
		/* ids reused with other start times, as tids are */
		k[i] = (struct key){ .id = (uint32_t)(i % 700), .start = 1000 + i / 700, .pos = (long)i };
		assert_int_equal(pvt_index_put(&ix, k[i].id, k[i].start, i), 0);
	}
	check_all(ix, k, N);
	/* replace in place */
	assert_int_equal(pvt_index_put(&ix, k[10].id, k[10].start, 4242), 0);
	k[10].pos = 4242;
	check_all(ix, k, N);
	/* remove two thirds in a scattered order, then put some back */
	for (size_t r = 0; r < 2 * N / 3; r++) {
		size_t i;

		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		i = s % N;
		assert_int_equal(pvt_index_del(ix, k[i].id, k[i].start), k[i].pos >= 0 ? 0 : -ENOENT);
		k[i].pos = -1;
	}
	check_all(ix, k, N);
	for (size_t i = 0; i < N; i += 3) {
		if (k[i].pos < 0) {
			assert_int_equal(pvt_index_put(&ix, k[i].id, k[i].start, i + 1), 0);
			k[i].pos = (long)i + 1;
		}
	}
	check_all(ix, k, N);
	for (size_t i = 0; i < N; i++)
		if (k[i].pos >= 0)
			assert_int_equal(pvt_index_del(ix, k[i].id, k[i].start), 0);
	assert_int_equal(pvt_index_count(ix), 0);
	pvt_index_free(ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_find_del),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
