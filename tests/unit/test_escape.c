// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for lib/escape.c (term_escape and friends).
 *
 * Build: gcc -std=gnu11 -O2 -g -Wall -Wextra -Ilib \
 *            tests/unit/test_escape.c lib/escape.c -lcmocka
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "escape.h"

/* Escape a string literal of known size (may contain NULs) and compare. */
static void check_escape_n(const char *src, size_t srclen, const char *want)
{
	char buf[256];
	size_t n;

	memset(buf, 'Z', sizeof(buf));
	n = term_escape(buf, sizeof(buf), src, srclen);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

/* For literals: length excludes the literal's own terminating NUL. */
#define CHECK(lit, want) check_escape_n((lit), sizeof(lit) - 1, (want))

static void test_printable_passthrough(void **state)
{
	(void)state;
	CHECK("", "");
	CHECK("bash", "bash");
	CHECK(" !~azAZ09[]{}\"'/", " !~azAZ09[]{}\"'/");
	CHECK("a\\b", "a\\\\b");
	CHECK("\\x1b", "\\\\x1b");	/* a literal "\x1b" text is not ambiguous */
}

static void test_control_bytes(void **state)
{
	(void)state;
	CHECK("\x01", "\\x01");
	CHECK("\a", "\\x07");
	CHECK("\b\t\n\v\f\r", "\\x08\\x09\\x0a\\x0b\\x0c\\x0d");
	CHECK("\x1b[2J", "\\x1b[2J");
	CHECK("\x1f", "\\x1f");
	CHECK("\x7f", "\\x7f");
	CHECK("a\x7f" "b", "a\\x7fb");
}

static void test_stops_at_nul(void **state)
{
	(void)state;
	CHECK("abc\0def", "abc");
	CHECK("\0abc", "");
	/* srclen shorter than the string */
	check_escape_n("abcdef", 3, "abc");
	/* NULL src with zero length is allowed */
	check_escape_n(NULL, 0, "");
}

static void test_comm_15_bytes(void **state)
{
	/* a TASK_COMM_LEN (16) buffer: 15 bytes + NUL padding */
	char comm[16];

	(void)state;
	memcpy(comm, "x\x1b[31mred\nbel\a!", 15);
	comm[15] = '\0';
	assert_int_equal(strlen(comm), 15);
	check_escape_n(comm, sizeof(comm), "x\\x1b[31mred\\x0abel\\x07!");

	/* short comm, NUL-padded: garbage after the NUL is ignored */
	memset(comm, 0, sizeof(comm));
	memcpy(comm, "sh", 2);
	comm[10] = '\x1b';
	check_escape_n(comm, sizeof(comm), "sh");
}

static void test_valid_utf8(void **state)
{
	(void)state;
	CHECK("caf\xc3\xa9", "caf\xc3\xa9");			/* é */
	CHECK("\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac");	/* 日本 */
	CHECK("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");		/* 😀 */
	CHECK("\xc2\xa0", "\xc2\xa0");				/* U+00A0 NBSP */
	CHECK("\xef\xbf\xbf", "\xef\xbf\xbf");			/* U+FFFF */
	CHECK("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");		/* U+10FFFF */
}

static void test_c1_controls(void **state)
{
	(void)state;
	CHECK("\xc2\x9b" "31m", "\\xc2\\x9b31m");	/* CSI */
	CHECK("\xc2\x80", "\\xc2\\x80");		/* U+0080 */
	CHECK("\xc2\x9f", "\\xc2\\x9f");		/* U+009F */
	CHECK("a\xc2\x85" "b", "a\\xc2\\x85b");		/* NEL */
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	CHECK("\xff", "\\xff");
	CHECK("\xfe\xff", "\\xfe\\xff");
	CHECK("\x80", "\\x80");				/* stray continuation */
	CHECK("\xe2\x82", "\\xe2\\x82");		/* truncated at end */
	CHECK("\xe2\x82" "A", "\\xe2\\x82A");		/* truncated mid */
	CHECK("\xc0\xaf", "\\xc0\\xaf");		/* overlong '/' */
	CHECK("\xe0\x80\xaf", "\\xe0\\x80\\xaf");	/* overlong, 3 bytes */
	CHECK("\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf");
	CHECK("\xed\xa0\x80", "\\xed\\xa0\\x80");	/* surrogate D800 */
	CHECK("\xed\xbf\xbf", "\\xed\\xbf\\xbf");	/* surrogate DFFF */
	CHECK("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");	/* > U+10FFFF */
	CHECK("\xf8\x88\x80\x80\x80", "\\xf8\\x88\\x80\\x80\\x80");
	/* resynchronisation: bad lead followed by a valid sequence */
	CHECK("\xe2\x82\xe2\x82\xac", "\\xe2\\x82\xe2\x82\xac");
	/* a NUL inside a sequence: lead escaped, then input ends */
	CHECK("\xe2\0\xac", "\\xe2");
	/* srclen cuts a valid sequence: treated as truncated */
	check_escape_n("\xc3\xa9", 1, "\\xc3");
}

static void test_utf8_decode(void **state)
{
	uint32_t cp = 0;

	(void)state;
	assert_int_equal(utf8_decode("A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(utf8_decode("\xc3\xa9", 2, &cp), 2);
	assert_int_equal(cp, 0xe9);
	assert_int_equal(utf8_decode("\xe6\x97\xa5", 3, &cp), 3);
	assert_int_equal(cp, 0x65e5);
	assert_int_equal(utf8_decode("\xf0\x9f\x98\x80", 4, &cp), 4);
	assert_int_equal(cp, 0x1f600);
	assert_int_equal(utf8_decode("\xed\x9f\xbf", 3, &cp), 3);
	assert_int_equal(cp, 0xd7ff);
	assert_int_equal(utf8_decode("\xee\x80\x80", 3, &cp), 3);
	assert_int_equal(cp, 0xe000);
	assert_int_equal(utf8_decode("\xc3\xa9", 2, NULL), 2);

	assert_int_equal(utf8_decode("A", 0, &cp), 0);
	assert_int_equal(utf8_decode(NULL, 4, &cp), 0);
	assert_int_equal(utf8_decode("\xc3\xa9", 1, &cp), 0);
	assert_int_equal(utf8_decode("\xc1\xbf", 2, &cp), 0);
	assert_int_equal(utf8_decode("\xe0\x9f\xbf", 3, &cp), 0);
	assert_int_equal(utf8_decode("\xed\xa0\x80", 3, &cp), 0);
	assert_int_equal(utf8_decode("\xf0\x8f\xbf\xbf", 4, &cp), 0);
	assert_int_equal(utf8_decode("\xf4\x90\x80\x80", 4, &cp), 0);
	assert_int_equal(utf8_decode("\xf5\x80\x80\x80", 4, &cp), 0);
	assert_int_equal(utf8_decode("\xe2\x82\x41", 3, &cp), 0);
}

/* Specific truncation points for dst buffers that are too small. */
static void test_truncation_cases(void **state)
{
	char buf[32];
	size_t n;

	(void)state;
	/* "a" + ESC + "b" renders as a\x1bb (6 chars + NUL) */
	static const struct { size_t dstsz; const char *want; } cases[] = {
		{ 1, "" }, { 2, "a" }, { 3, "a" }, { 4, "a" }, { 5, "a" },
		{ 6, "a\\x1b" }, { 7, "a\\x1bb" }, { 8, "a\\x1bb" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(buf, 'Z', sizeof(buf));
		n = term_escape(buf, cases[i].dstsz, "a\x1b" "b", 3);
		assert_string_equal(buf, cases[i].want);
		assert_int_equal(n, strlen(cases[i].want));
		assert_int_equal(buf[cases[i].dstsz], 'Z');	/* no overrun */
	}

	/* 日 (3 bytes) needs dstsz 4 */
	n = term_escape(buf, 3, "\xe6\x97\xa5", 3);
	assert_string_equal(buf, "");
	assert_int_equal(n, 0);
	n = term_escape(buf, 4, "\xe6\x97\xa5", 3);
	assert_string_equal(buf, "\xe6\x97\xa5");
	assert_int_equal(n, 3);

	/* emoji: 4 bytes, nothing emitted with room for only 3 */
	n = term_escape(buf, 5, "x\xf0\x9f\x98\x80", 5);
	assert_string_equal(buf, "x");
	assert_int_equal(n, 1);
	n = term_escape(buf, 6, "x\xf0\x9f\x98\x80", 5);
	assert_string_equal(buf, "x\xf0\x9f\x98\x80");
	assert_int_equal(n, 5);

	/* C1 escape is all-or-nothing (8 chars) */
	n = term_escape(buf, 8, "\xc2\x9b", 2);
	assert_string_equal(buf, "");
	n = term_escape(buf, 9, "\xc2\x9b", 2);
	assert_string_equal(buf, "\\xc2\\x9b");

	/* backslash escape is 2 chars */
	n = term_escape(buf, 2, "\\", 1);
	assert_string_equal(buf, "");
	n = term_escape(buf, 3, "\\", 1);
	assert_string_equal(buf, "\\\\");

	/* stops at the first piece that does not fit, even if later ones would */
	n = term_escape(buf, 4, "a\x1b" "bc", 4);
	assert_string_equal(buf, "a");
	assert_int_equal(n, 1);
}

/*
 * Exhaustive: for every dst size, the output must be NUL-terminated, a
 * prefix of the full output that ends on a piece boundary, the longest such
 * prefix that fits, and nothing past dstsz may be written.
 */
static void test_truncation_exhaustive(void **state)
{
	/* pieces of the rendering of src, in order */
	static const char *const pieces[] = {
		"a", "\\x1b", "\xc3\xa9", "\\\\", "\xe6\x97\xa5",
		"\\xc2\\x9b", "\\xff", "\xf0\x9f\x98\x80", "\\xe2", "\\x82",
		"z",
	};
	static const char src[] = "a\x1b\xc3\xa9\\\xe6\x97\xa5\xc2\x9b\xff"
				  "\xf0\x9f\x98\x80\xe2\x82z";
	const size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
	char full[128], buf[128];
	size_t fulllen = 0;

	(void)state;
	full[0] = '\0';
	for (size_t i = 0; i < npieces; i++)
		strcat(full, pieces[i]);
	fulllen = strlen(full);
	check_escape_n(src, sizeof(src) - 1, full);

	for (size_t dstsz = 0; dstsz <= fulllen + 2; dstsz++) {
		size_t want = 0, n;

		/* longest piece-boundary prefix with want + 1 <= dstsz */
		for (size_t i = 0, acc = 0; i < npieces; i++) {
			acc += strlen(pieces[i]);
			if (acc + 1 > dstsz)
				break;
			want = acc;
		}

		memset(buf, 'Z', sizeof(buf));
		n = term_escape(buf, dstsz, src, sizeof(src) - 1);
		if (dstsz == 0) {
			assert_int_equal(n, 0);
			assert_int_equal(buf[0], 'Z');	/* untouched */
			continue;
		}
		assert_int_equal(n, want);
		assert_int_equal(buf[want], '\0');
		assert_memory_equal(buf, full, want);
		for (size_t k = dstsz; k < sizeof(buf); k++)
			assert_int_equal(buf[k], 'Z');
	}
}

static void test_null_and_empty_dst(void **state)
{
	char c = 'Z';

	(void)state;
	assert_int_equal(term_escape(NULL, 10, "abc", 3), 0);
	assert_int_equal(term_escape(&c, 0, "abc", 3), 0);
	assert_int_equal(c, 'Z');
	assert_int_equal(term_escape(&c, 1, "abc", 3), 0);
	assert_int_equal(c, '\0');
}

static void test_term_width(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(term_width(""), 0);
	assert_int_equal(term_width(NULL), 0);
	assert_int_equal(term_width("bash"), 4);
	assert_int_equal(term_width("caf\xc3\xa9"), 4);
	assert_int_equal(term_width("\xe6\x97\xa5\xe6\x9c\xac"), 2);
	assert_int_equal(term_width("\xf0\x9f\x98\x80!"), 2);

	term_escape(buf, sizeof(buf), "a\x1b\xc3\xa9", 4);
	assert_string_equal(buf, "a\\x1b\xc3\xa9");
	assert_int_equal(term_width(buf), 6);
}

static void test_escape_tmp(void **state)
{
	char buf[32];
	const char *r;

	(void)state;
	r = term_escape_tmp("a\nb", 3, buf, sizeof(buf));
	assert_ptr_equal(r, buf);
	assert_string_equal(r, "a\\x0ab");

	r = term_escape_tmp("abc", 3, buf, 3);
	assert_ptr_equal(r, buf);
	assert_string_equal(r, "ab");

	r = term_escape_tmp("abc", 3, NULL, 0);
	assert_string_equal(r, "");

	/* the worst-case size macro is enough for all-escaped input */
	{
		char big[TERM_ESCAPE_BUFSZ(4)];

		assert_int_equal(term_escape(big, sizeof(big), "\x01\x02\xff\x7f", 4),
				 16);
		assert_string_equal(big, "\\x01\\x02\\xff\\x7f");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printable_passthrough),
		cmocka_unit_test(test_control_bytes),
		cmocka_unit_test(test_stops_at_nul),
		cmocka_unit_test(test_comm_15_bytes),
		cmocka_unit_test(test_valid_utf8),
		cmocka_unit_test(test_c1_controls),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_utf8_decode),
		cmocka_unit_test(test_truncation_cases),
		cmocka_unit_test(test_truncation_exhaustive),
		cmocka_unit_test(test_null_and_empty_dst),
		cmocka_unit_test(test_term_width),
		cmocka_unit_test(test_escape_tmp),
	};

	return cmocka_run_group_tests_name("escape", tests, NULL, NULL);
}
