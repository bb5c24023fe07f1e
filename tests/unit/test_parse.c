// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for lib/parse.c: strict option numbers (every kind of refusal
 * and its message), the number scanner, and /proc-style "Key: value" fields.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "parse.h"

static void test_accepts(void **state)
{
	uint64_t v = 0;

	assert_int_equal(pvt_parse_u64_why("0", 0, 10, &v), PVT_PARSE_OK);
	assert_int_equal(v, 0);
	assert_int_equal(pvt_parse_u64_why("10", 0, 10, &v), PVT_PARSE_OK);
	assert_int_equal(v, 10);
	assert_int_equal(pvt_parse_u64_why("007", 0, 10, &v), PVT_PARSE_OK);
	assert_int_equal(v, 7);
	assert_int_equal(pvt_parse_u64_why("18446744073709551615", 0, UINT64_MAX, &v),
			 PVT_PARSE_OK);
	assert_true(v == UINT64_MAX);
	assert_int_equal(pvt_parse_u64("5", 5, 5, &v), 0);
	assert_int_equal(v, 5);
}

static void test_refuses(void **state)
{
	static const struct {
		const char *s;
		uint64_t min, max;
		enum pvt_parse_error want;
	} cases[] = {
		{ "", 0, 10, PVT_PARSE_NOT_A_NUMBER },
		{ "+1", 0, 10, PVT_PARSE_NOT_A_NUMBER },
		{ " 1", 0, 10, PVT_PARSE_NOT_A_NUMBER },
		{ "1 ", 0, 10, PVT_PARSE_NOT_A_NUMBER },
		{ "1.5", 0, 10, PVT_PARSE_NOT_A_NUMBER },
		{ "0x10", 0, 100, PVT_PARSE_NOT_A_NUMBER },
		{ "1e3", 0, 10000, PVT_PARSE_NOT_A_NUMBER },
		{ "abc", 0, 10, PVT_PARSE_NOT_A_NUMBER },
		{ "-", 0, 10, PVT_PARSE_NOT_A_NUMBER },
		{ "-1", 0, UINT64_MAX, PVT_PARSE_NEGATIVE },
		{ "-0", 0, 10, PVT_PARSE_NEGATIVE },
		{ "4", 5, 10, PVT_PARSE_TOO_SMALL },
		{ "11", 5, 10, PVT_PARSE_TOO_LARGE },
		{ "18446744073709551616", 0, UINT64_MAX, PVT_PARSE_TOO_LARGE },
		{ "99999999999999999999999", 0, UINT64_MAX, PVT_PARSE_TOO_LARGE },
		{ "99999999999999999999999x", 0, UINT64_MAX, PVT_PARSE_NOT_A_NUMBER },
	};
	uint64_t v;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = 42;
		assert_int_equal(pvt_parse_u64_why(cases[i].s, cases[i].min, cases[i].max, &v),
				 cases[i].want);
		assert_int_equal(v, 42); /* left alone */
		assert_int_equal(pvt_parse_u64(cases[i].s, cases[i].min, cases[i].max, &v), -1);
	}
	assert_int_equal(pvt_parse_u64_why(NULL, 0, 10, &v), PVT_PARSE_NOT_A_NUMBER);
}

static void test_messages(void **state)
{
	char buf[128];

	assert_string_equal(pvt_parse_msg(PVT_PARSE_NOT_A_NUMBER, "x1", 1, 9, buf, sizeof(buf)),
			    "'x1' is not a number");
	assert_string_equal(pvt_parse_msg(PVT_PARSE_NEGATIVE, "-3", 1, 9, buf, sizeof(buf)),
			    "'-3' is negative; expected a number >= 1");
	assert_string_equal(pvt_parse_msg(PVT_PARSE_TOO_SMALL, "0", 1, 9, buf, sizeof(buf)),
			    "0 is too small (minimum 1)");
	assert_string_equal(pvt_parse_msg(PVT_PARSE_TOO_LARGE, "12", 1, 9, buf, sizeof(buf)),
			    "12 is too large (maximum 9)");
	/* truncated, still terminated */
	assert_string_equal(pvt_parse_msg(PVT_PARSE_TOO_LARGE, "12", 1, 9, buf, 6), "12 is");
}

static void test_scan(void **state)
{
	const char *s = "  12\t34 x", *p = s;
	uint64_t v = 0;

	assert_true(pvt_scan_u64(&p, &v));
	assert_int_equal(v, 12);
	assert_ptr_equal(p, s + 4);
	assert_true(pvt_scan_u64(&p, &v));
	assert_int_equal(v, 34);
	assert_false(pvt_scan_u64(&p, &v)); /* " x" */
	assert_ptr_equal(p, s + 7);
	p = "18446744073709551616";
	assert_false(pvt_scan_u64(&p, &v)); /* does not fit 64 bits */
	assert_int_equal(v, 34);
}

static void test_text_field(void **state)
{
	static const char status[] =
		"Name:\tcat\n"
		"VmRSS:\t    1234 kB\n"
		"voluntary_ctxt_switches:\t7\n"
		"nonvoluntary_ctxt_switches:\t3\n"
		"Empty:\t\n"
		"Threads:\t4";
	uint64_t v = 0;

	assert_true(pvt_text_field(status, "VmRSS:", &v));
	assert_int_equal(v, 1234);
	assert_true(pvt_text_field(status, "voluntary_ctxt_switches:", &v));
	assert_int_equal(v, 7);     /* a line start, not "nonvoluntary_..." */
	assert_true(pvt_text_field(status, "nonvoluntary_ctxt_switches:", &v));
	assert_int_equal(v, 3);
	assert_true(pvt_text_field(status, "Threads:", &v)); /* last line, no newline */
	assert_int_equal(v, 4);
	assert_false(pvt_text_field(status, "Name:", &v));   /* not a number */
	assert_false(pvt_text_field(status, "Empty:", &v));
	assert_false(pvt_text_field(status, "VmHWM:", &v));  /* absent */
	assert_false(pvt_text_field(status, "RSS:", &v));    /* only at a line start */
	assert_false(pvt_text_field("", "VmRSS:", &v));
	assert_int_equal(v, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_refuses),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_text_field),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
