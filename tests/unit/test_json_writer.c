// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for lib/json_writer.c.
 *
 * Build: gcc -std=gnu11 -O2 -g -Wall -Wextra -Ilib \
 *            tests/unit/test_json_writer.c lib/json_writer.c lib/escape.c \
 *            -lcmocka
 *
 * Every test writes into a memory stream (open_memstream) and compares the
 * exact bytes produced.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json_writer.h"

/* A writer on a memory stream. */
struct mem {
	char *buf;
	size_t len;
	FILE *f;
	json_writer_t *jw;
};

static json_writer_t *mem_open(struct mem *m, bool pretty)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	assert_non_null(m->f);
	m->jw = jw_new(m->f, pretty);
	assert_non_null(m->jw);
	return m->jw;
}

/*
 * Flush, destroy the writer, close the stream, compare the output with want
 * and return the writer's error bits (as seen just before destroying it).
 */
static int mem_close(struct mem *m, const char *want)
{
	int err = jw_flush(m->jw);

	jw_destroy(m->jw);
	assert_int_equal(fclose(m->f), 0);
	assert_non_null(m->buf);
	assert_string_equal(m->buf, want);
	assert_int_equal(m->len, strlen(want));
	free(m->buf);
	return err;
}

/* Write n bytes of s as a top-level string and compare the output. */
static void check_string_n(const char *s, size_t n, const char *want)
{
	struct mem m;
	json_writer_t *jw = mem_open(&m, false);

	jw_string_n(jw, s, n);
	assert_int_equal(mem_close(&m, want), 0);
}

/* For literals (which may contain NULs): exclude the literal's own NUL. */
#define CHECK_STR(lit, want) check_string_n((lit), sizeof(lit) - 1, (want))

/* ---- structure ---- */

static void test_nesting_and_commas(void **state)
{
	struct mem m;
	json_writer_t *jw = mem_open(&m, false);

	(void)state;
	jw_start_object(jw);
	jw_name(jw, "a");
	jw_uint(jw, 1);
	jw_name(jw, "b");
	jw_start_array(jw);
	jw_uint(jw, 1);
	jw_int(jw, -2);
	jw_start_object(jw);
	jw_bool_field(jw, "c", true);
	jw_end_object(jw);
	jw_start_array(jw);
	jw_null(jw);
	jw_end_array(jw);
	jw_end_array(jw);
	jw_name(jw, "d");
	jw_start_object(jw);
	jw_null_field(jw, "e");
	jw_bool_field(jw, "f", false);
	jw_end_object(jw);
	jw_string_field(jw, "g", "x");
	jw_end_object(jw);
	assert_int_equal(mem_close(&m, "{\"a\":1,\"b\":[1,-2,{\"c\":true},[null]],"
				   "\"d\":{\"e\":null,\"f\":false},\"g\":\"x\"}\n"),
			 0);
}

static void test_empty_containers(void **state)
{
	struct mem m;
	json_writer_t *jw;

	(void)state;
	jw = mem_open(&m, false);
	jw_start_object(jw);
	jw_end_object(jw);
	assert_int_equal(mem_close(&m, "{}\n"), 0);

	jw = mem_open(&m, false);
	jw_start_array(jw);
	jw_end_array(jw);
	assert_int_equal(mem_close(&m, "[]\n"), 0);

	jw = mem_open(&m, false);
	jw_start_array(jw);
	jw_start_array(jw);
	jw_end_array(jw);
	jw_start_object(jw);
	jw_end_object(jw);
	jw_end_array(jw);
	assert_int_equal(mem_close(&m, "[[],{}]\n"), 0);

	/* pretty mode keeps empty containers on one line */
	jw = mem_open(&m, true);
	jw_start_object(jw);
	jw_name(jw, "o");
	jw_start_object(jw);
	jw_end_object(jw);
	jw_name(jw, "a");
	jw_start_array(jw);
	jw_end_array(jw);
	jw_end_object(jw);
	assert_int_equal(mem_close(&m, "{\n  \"o\": {},\n  \"a\": []\n}\n"), 0);

	jw = mem_open(&m, true);
	jw_start_array(jw);
	jw_end_array(jw);
	assert_int_equal(mem_close(&m, "[]\n"), 0);
}

/* The same document in both modes. */
static void write_sample(json_writer_t *jw)
{
	jw_start_object(jw);
	jw_string_field(jw, "name", "bash");
	jw_uint_field(jw, "pid", 42);
	jw_name(jw, "tags");
	jw_start_array(jw);
	jw_string(jw, "a");
	jw_int(jw, -1);
	jw_start_object(jw);
	jw_end_object(jw);
	jw_end_array(jw);
	jw_name(jw, "nested");
	jw_start_object(jw);
	jw_null_field(jw, "x");
	jw_name(jw, "deeper");
	jw_start_array(jw);
	jw_bool(jw, true);
	jw_end_array(jw);
	jw_end_object(jw);
	jw_end_object(jw);
}

static void test_pretty_vs_compact(void **state)
{
	struct mem m;

	(void)state;
	write_sample(mem_open(&m, false));
	assert_int_equal(mem_close(&m,
		"{\"name\":\"bash\",\"pid\":42,\"tags\":[\"a\",-1,{}],"
		"\"nested\":{\"x\":null,\"deeper\":[true]}}\n"), 0);

	write_sample(mem_open(&m, true));
	assert_int_equal(mem_close(&m,
		"{\n"
		"  \"name\": \"bash\",\n"
		"  \"pid\": 42,\n"
		"  \"tags\": [\n"
		"    \"a\",\n"
		"    -1,\n"
		"    {}\n"
		"  ],\n"
		"  \"nested\": {\n"
		"    \"x\": null,\n"
		"    \"deeper\": [\n"
		"      true\n"
		"    ]\n"
		"  }\n"
		"}\n"), 0);
}

static void test_top_level_values(void **state)
{
	struct mem m;
	json_writer_t *jw;

	(void)state;
	/* each top-level value ends with a newline: JSON Lines */
	jw = mem_open(&m, false);
	jw_uint(jw, 5);
	jw_string(jw, "x");
	jw_start_object(jw);
	jw_uint_field(jw, "n", 1);
	jw_end_object(jw);
	jw_null(jw);
	assert_int_equal(mem_close(&m, "5\n\"x\"\n{\"n\":1}\nnull\n"), 0);

	jw = mem_open(&m, true);
	jw_bool(jw, false);
	assert_int_equal(mem_close(&m, "false\n"), 0);

	/* nothing written: no output at all */
	mem_open(&m, true);
	assert_int_equal(mem_close(&m, ""), 0);
}

static void test_field_helpers(void **state)
{
	struct mem m;
	json_writer_t *jw = mem_open(&m, true);

	(void)state;
	jw_start_object(jw);
	jw_string_field(jw, "s", "v");
	jw_string_field(jw, "sn", NULL);
	jw_uint_field(jw, "u", 7);
	jw_int_field(jw, "i", -7);
	jw_double_field(jw, "d", 0.5);
	jw_bool_field(jw, "b", true);
	jw_null_field(jw, "z");
	jw_string_or_null_field(jw, "so", "x");
	jw_string_or_null_field(jw, "se", "");
	jw_uint_or_null_field(jw, "uo", true, 3);
	jw_uint_or_null_field(jw, "un", false, 3);
	jw_end_object(jw);
	assert_int_equal(mem_close(&m,
		"{\n"
		"  \"s\": \"v\",\n"
		"  \"sn\": null,\n"
		"  \"u\": 7,\n"
		"  \"i\": -7,\n"
		"  \"d\": 0.5,\n"
		"  \"b\": true,\n"
		"  \"z\": null,\n"
		"  \"so\": \"x\",\n"
		"  \"se\": null,\n"
		"  \"uo\": 3,\n"
		"  \"un\": null\n"
		"}\n"), 0);
}

/* ---- string escaping ---- */

static void test_escape_classes(void **state)
{
	(void)state;
	CHECK_STR("plain text / ok", "\"plain text / ok\"\n");
	CHECK_STR("", "\"\"\n");
	CHECK_STR("\"", "\"\\\"\"\n");
	CHECK_STR("\\", "\"\\\\\"\n");
	CHECK_STR("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"\n");
	CHECK_STR("\x01", "\"\\u0001\"\n");
	CHECK_STR("\a", "\"\\u0007\"\n");
	CHECK_STR("\v", "\"\\u000b\"\n");
	CHECK_STR("\x1b[0m", "\"\\u001b[0m\"\n");
	CHECK_STR("\x1f", "\"\\u001f\"\n");
	CHECK_STR("\x7f", "\"\\u007f\"\n");
	CHECK_STR(" ~", "\" ~\"\n");
	CHECK_STR("a\"b\\c\nd", "\"a\\\"b\\\\c\\nd\"\n");
}

static void test_names_escaped(void **state)
{
	struct mem m;
	json_writer_t *jw = mem_open(&m, false);

	(void)state;
	jw_start_object(jw);
	jw_uint_field(jw, "a\"b\n\xff", 1);
	jw_uint_field(jw, "", 2);
	jw_end_object(jw);
	assert_int_equal(mem_close(&m,
		"{\"a\\\"b\\n\\u00ff\":1,\"\":2}\n"), 0);
}

static void test_comm_15_bytes(void **state)
{
	/* a TASK_COMM_LEN (16) buffer: 15 bytes + NUL */
	char comm[16];

	(void)state;
	memcpy(comm, "x\x1b[31mred\nbel\a!", 15);
	comm[15] = '\0';
	assert_int_equal(strlen(comm), 15);
	check_string_n(comm, sizeof(comm),
		       "\"x\\u001b[31mred\\nbel\\u0007!\"\n");

	/* NUL-padded short comm: stops at the first NUL */
	memset(comm, 0, sizeof(comm));
	memcpy(comm, "sh", 2);
	comm[8] = 'X';
	check_string_n(comm, sizeof(comm), "\"sh\"\n");
}

static void test_nul_within_n(void **state)
{
	(void)state;
	CHECK_STR("ab\0cd", "\"ab\"\n");
	CHECK_STR("\0", "\"\"\n");
	check_string_n("abcdef", 3, "\"abc\"\n");
	check_string_n("abcdef", 0, "\"\"\n");
	/* n cuts a UTF-8 sequence: the lone lead byte is escaped */
	check_string_n("\xc3\xa9", 1, "\"\\u00c3\"\n");
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	CHECK_STR("\xff", "\"\\u00ff\"\n");
	CHECK_STR("\x80", "\"\\u0080\"\n");			/* stray cont. */
	CHECK_STR("\xe2\x82", "\"\\u00e2\\u0082\"\n");		/* truncated */
	CHECK_STR("\xe2\x82" "A", "\"\\u00e2\\u0082A\"\n");
	CHECK_STR("\xc0\xaf", "\"\\u00c0\\u00af\"\n");		/* overlong */
	CHECK_STR("\xe0\x80\xaf", "\"\\u00e0\\u0080\\u00af\"\n");
	CHECK_STR("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"\n");	/* D800 */
	CHECK_STR("\xf4\x90\x80\x80",
		  "\"\\u00f4\\u0090\\u0080\\u0080\"\n");	/* >10FFFF */
	CHECK_STR("\xf8", "\"\\u00f8\"\n");
	/* resync: invalid bytes then a valid euro sign */
	CHECK_STR("\xe2\x82\xe2\x82\xac", "\"\\u00e2\\u0082\xe2\x82\xac\"\n");
}

static void test_valid_utf8(void **state)
{
	(void)state;
	CHECK_STR("caf\xc3\xa9", "\"caf\xc3\xa9\"\n");			/* é */
	CHECK_STR("\xe6\x97\xa5\xe6\x9c\xac",
		  "\"\xe6\x97\xa5\xe6\x9c\xac\"\n");			/* 日本 */
	CHECK_STR("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"\n");	/* 😀 */
	CHECK_STR("\xef\xbf\xbf", "\"\xef\xbf\xbf\"\n");		/* U+FFFF */
	CHECK_STR("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"\n");	/* U+10FFFF */
	/* C1 controls are legal in JSON strings: passed through */
	CHECK_STR("\xc2\x9b", "\"\xc2\x9b\"\n");
}

/* ---- numbers ---- */

static void test_integers(void **state)
{
	struct mem m;
	json_writer_t *jw = mem_open(&m, false);

	(void)state;
	jw_start_array(jw);
	jw_uint(jw, 0);
	jw_uint(jw, UINT64_MAX);
	jw_int(jw, 0);
	jw_int(jw, -1);
	jw_int(jw, INT64_MIN);
	jw_int(jw, INT64_MAX);
	jw_end_array(jw);
	assert_int_equal(mem_close(&m,
		"[0,18446744073709551615,0,-1,-9223372036854775808,"
		"9223372036854775807]\n"), 0);
}

static void test_doubles(void **state)
{
	static const struct { double v; const char *want; } cases[] = {
		{ 0.0, "0" },
		{ -0.0, "-0" },
		{ 0.1, "0.1" },
		{ 0.5, "0.5" },
		{ 3010.0, "3010" },
		{ -42.0, "-42" },
		{ -2.25, "-2.25" },
		{ 1e300, "1e+300" },
		{ 1.0 / 3.0, "0.3333333333333333" },
		{ 0.1 + 0.2, "0.30000000000000004" },
		{ 123456789.125, "123456789.125" },
		{ 5e-324, "5e-324" },
		{ DBL_MAX, "1.7976931348623157e+308" },
	};
	struct mem m;
	json_writer_t *jw;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[64];

		jw = mem_open(&m, false);
		jw_double(jw, cases[i].v);
		snprintf(want, sizeof(want), "%s\n", cases[i].want);
		assert_int_equal(mem_close(&m, want), 0);
		/* and the text parses back to the same value */
		assert_true(strtod(cases[i].want, NULL) == cases[i].v);
	}

	jw = mem_open(&m, false);
	jw_start_array(jw);
	jw_double(jw, NAN);
	jw_double(jw, INFINITY);
	jw_double(jw, -INFINITY);
	jw_end_array(jw);
	assert_int_equal(mem_close(&m, "[null,null,null]\n"), 0);
}

/* ---- error detection ---- */

static void test_misuse(void **state)
{
	struct mem m;
	json_writer_t *jw;

	(void)state;
	/* end without start */
	jw = mem_open(&m, false);
	jw_end_object(jw);
	jw_end_array(jw);
	assert_int_equal(mem_close(&m, ""), JW_ERR_MISUSE);

	/* value without name in an object: dropped */
	jw = mem_open(&m, false);
	jw_start_object(jw);
	jw_uint(jw, 1);
	jw_end_object(jw);
	assert_int_equal(mem_close(&m, "{}\n"), JW_ERR_MISUSE);

	/* name inside an array */
	jw = mem_open(&m, false);
	jw_start_array(jw);
	jw_name(jw, "x");
	jw_uint_field(jw, "y", 2);	/* value dropped with the name */
	jw_uint(jw, 3);
	jw_end_array(jw);
	assert_int_equal(mem_close(&m, "[3]\n"), JW_ERR_MISUSE);

	/* name at top level */
	jw = mem_open(&m, false);
	jw_name(jw, "x");
	assert_int_equal(mem_close(&m, ""), JW_ERR_MISUSE);

	/* mismatched end */
	jw = mem_open(&m, false);
	jw_start_object(jw);
	jw_end_array(jw);
	jw_end_object(jw);
	assert_int_equal(mem_close(&m, "{}\n"), JW_ERR_MISUSE);

	/* two names in a row: second ignored */
	jw = mem_open(&m, false);
	jw_start_object(jw);
	jw_name(jw, "a");
	jw_name(jw, "b");
	jw_uint(jw, 1);
	jw_end_object(jw);
	assert_int_equal(mem_close(&m, "{\"a\":1}\n"), JW_ERR_MISUSE);

	/* name without value: completed with null */
	jw = mem_open(&m, true);
	jw_start_object(jw);
	jw_name(jw, "a");
	jw_end_object(jw);
	assert_int_equal(mem_close(&m, "{\n  \"a\": null\n}\n"), JW_ERR_MISUSE);

	/* NULL name */
	jw = mem_open(&m, false);
	jw_start_object(jw);
	jw_name(jw, NULL);
	jw_end_object(jw);
	assert_int_equal(mem_close(&m, "{}\n"), JW_ERR_MISUSE);

	/* container without name in an object: dropped with its contents */
	jw = mem_open(&m, false);
	jw_start_object(jw);
	jw_start_array(jw);
	jw_uint(jw, 1);
	jw_start_object(jw);
	jw_uint_field(jw, "q", 1);
	jw_end_object(jw);
	jw_end_array(jw);
	jw_uint_field(jw, "k", 2);
	jw_end_object(jw);
	assert_int_equal(mem_close(&m, "{\"k\":2}\n"), JW_ERR_MISUSE);

	/* correct use reports no error */
	jw = mem_open(&m, false);
	jw_start_object(jw);
	jw_end_object(jw);
	assert_int_equal(jw_error(jw), 0);
	assert_int_equal(mem_close(&m, "{}\n"), 0);
}

static void test_depth_limit(void **state)
{
	char want[2 * JW_MAX_DEPTH + 2];
	struct mem m;
	json_writer_t *jw;

	(void)state;
	memset(want, '[', JW_MAX_DEPTH);
	memset(want + JW_MAX_DEPTH, ']', JW_MAX_DEPTH);
	want[2 * JW_MAX_DEPTH] = '\n';
	want[2 * JW_MAX_DEPTH + 1] = '\0';

	/* exactly the maximum depth is fine */
	jw = mem_open(&m, false);
	for (int i = 0; i < JW_MAX_DEPTH; i++)
		jw_start_array(jw);
	for (int i = 0; i < JW_MAX_DEPTH; i++)
		jw_end_array(jw);
	assert_int_equal(mem_close(&m, want), 0);

	/* one more: flagged, the too-deep container and contents dropped */
	jw = mem_open(&m, false);
	for (int i = 0; i < JW_MAX_DEPTH + 1; i++)
		jw_start_array(jw);
	jw_uint(jw, 1);
	for (int i = 0; i < JW_MAX_DEPTH + 1; i++)
		jw_end_array(jw);
	assert_int_equal(mem_close(&m, want), JW_ERR_MISUSE);
}

static void test_io_error(void **state)
{
	FILE *f;
	json_writer_t *jw;

	(void)state;
	/* a read-only stream: every write fails */
	f = fopen("/dev/null", "r");
	assert_non_null(f);
	jw = jw_new(f, false);
	assert_non_null(jw);
	jw_start_object(jw);
	jw_string_field(jw, "a", "b");
	jw_end_object(jw);
	assert_true(jw_flush(jw) & JW_ERR_IO);
	assert_true(jw_error(jw) & JW_ERR_IO);
	assert_false(jw_error(jw) & JW_ERR_MISUSE);
	jw_destroy(jw);
	fclose(f);
}

static void test_null_args(void **state)
{
	struct mem m;
	json_writer_t *jw;

	(void)state;
	assert_null(jw_new(NULL, false));
	jw_destroy(NULL);
	assert_int_equal(jw_error(NULL), JW_ERR_MISUSE);
	/* calls on a NULL writer are harmless no-ops */
	jw_start_object(NULL);
	jw_uint_field(NULL, "a", 1);
	jw_string(NULL, "x");
	jw_end_object(NULL);

	jw = mem_open(&m, false);
	jw_start_array(jw);
	jw_string(jw, NULL);
	jw_string_n(jw, NULL, 4);
	jw_end_array(jw);
	assert_int_equal(mem_close(&m, "[null,null]\n"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting_and_commas),
		cmocka_unit_test(test_empty_containers),
		cmocka_unit_test(test_pretty_vs_compact),
		cmocka_unit_test(test_top_level_values),
		cmocka_unit_test(test_field_helpers),
		cmocka_unit_test(test_escape_classes),
		cmocka_unit_test(test_names_escaped),
		cmocka_unit_test(test_comm_15_bytes),
		cmocka_unit_test(test_nul_within_n),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_valid_utf8),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_doubles),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_io_error),
		cmocka_unit_test(test_null_args),
	};

	return cmocka_run_group_tests_name("json_writer", tests, NULL, NULL);
}
