// SPDX-License-Identifier: GPL-2.0
/* Unit tests for lib/clock.c: pvt_now_ns() is CLOCK_MONOTONIC in ns. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "clock.h"

static uint64_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void test_monotonic(void **state)
{
	uint64_t a = mono(), b = pvt_now_ns(), c = mono(), prev = b;
	struct timespec ms = { 0, 10000000L };

	assert_true(a <= b && b <= c); /* the same clock, read between two reads of it */
	for (int i = 0; i < 1000; i++) {
		uint64_t t = pvt_now_ns();

		assert_true(t >= prev);
		prev = t;
	}
	nanosleep(&ms, NULL);
	assert_true(pvt_now_ns() - b >= 10000000ull); /* in ns: a 10 ms sleep shows */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_monotonic),
	};

	return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
