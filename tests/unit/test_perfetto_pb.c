// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the protobuf writer (user/perfetto_pb.c): varint encodings
 * (the examples of protobuf's encoding guide), negative int32s in ten bytes,
 * strings, nested messages whose length needs one, two and three bytes, the
 * nesting limit and its misuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "perfetto_pb.h"

static void expect(struct pb_buf *b, const uint8_t *want, size_t n)
{
	assert_false(b->failed);
	assert_int_equal(b->len, n);
	assert_memory_equal(b->data, want, n);
}

/* Decode the varint at *p, moving past it. */
static uint64_t get_varint(const uint8_t **p)
{
	uint64_t v = 0;
	int shift = 0;

	do {
		v |= (uint64_t)(**p & 0x7f) << shift;
		shift += 7;
	} while (*(*p)++ & 0x80);
	return v;
}

static void test_varint(void **state)
{
	static const struct { uint64_t v; size_t n; uint8_t bytes[10]; } cases[] = {
		{ 0, 1, { 0x00 } },
		{ 1, 1, { 0x01 } },
		{ 127, 1, { 0x7f } },
		{ 128, 2, { 0x80, 0x01 } },
		{ 150, 2, { 0x96, 0x01 } },
		{ 300, 2, { 0xac, 0x02 } },
		{ 16383, 2, { 0xff, 0x7f } },
		{ 16384, 3, { 0x80, 0x80, 0x01 } },
		{ 0xffffffffull, 5, { 0xff, 0xff, 0xff, 0xff, 0x0f } },
		{ UINT64_MAX, 10, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 } },
	};
	struct pb_buf b;

	(void)state;
	pb_init(&b);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const uint8_t *p;

		pb_reset(&b);
		pb_put_varint(&b, cases[i].v);
		assert_int_equal(pb_varint_size(cases[i].v), cases[i].n);
		expect(&b, cases[i].bytes, cases[i].n);
		p = b.data;
		assert_true(get_varint(&p) == cases[i].v);
	}
	pb_free(&b);
}

static void test_fields(void **state)
{
	/* field 1 = 150: the guide's 08 96 01; field 2 = "testing"; field 3 = -1; field 4 = true */
	static const uint8_t want[] = {
		0x08, 0x96, 0x01,
		0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g',
		0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
		0x20, 0x01,
	};
	struct pb_buf b;

	(void)state;
	pb_init(&b);
	pb_uint(&b, 1, 150);
	pb_string(&b, 2, "testing");
	pb_int(&b, 3, -1);
	pb_bool(&b, 4, true);
	expect(&b, want, sizeof(want));
	pb_free(&b);
}

static void test_large_field_number(void **state)
{
	/* field 491 (sched_migrate_task), length-delimited: tag 491 << 3 | 2 = 3930 */
	static const uint8_t want[] = { 0xda, 0x1e, 0x00 };
	struct pb_buf b;

	(void)state;
	pb_init(&b);
	pb_begin(&b, 491);
	pb_end(&b);
	expect(&b, want, sizeof(want));
	pb_free(&b);
}

static void test_comm_stops_at_nul_or_max(void **state)
{
	static const uint8_t want[] = { 0x0a, 0x03, 'a', 'b', 'c', 0x12, 0x04, 'w', 'x', 'y', 'z' };
	char full[4] = { 'w', 'x', 'y', 'z' }; /* no NUL */
	struct pb_buf b;

	(void)state;
	pb_init(&b);
	pb_strn(&b, 1, "abc", 16);
	pb_strn(&b, 2, full, sizeof(full));
	expect(&b, want, sizeof(want));
	pb_free(&b);
}

static void test_nested(void **state)
{
	/* message { 3: { 1: 150 } }: the guide's 1a 03 08 96 01 */
	static const uint8_t want[] = { 0x1a, 0x03, 0x08, 0x96, 0x01, 0x20, 0x05 };
	struct pb_buf b;

	(void)state;
	pb_init(&b);
	pb_begin(&b, 3);
	pb_uint(&b, 1, 150);
	pb_end(&b);
	pb_uint(&b, 4, 5);
	expect(&b, want, sizeof(want));
	assert_int_equal(b.depth, 0);
	pb_free(&b);
}

/* Nested messages of @inner bytes of content inside two levels: each length right. */
static void nested_of(size_t inner)
{
	char *s = malloc(inner + 1);
	const uint8_t *p;
	struct pb_buf b;
	size_t slen = inner;
	uint64_t len1, len2;

	assert_non_null(s);
	/* the string's length such that its field (tag, length, bytes) fits `inner` bytes */
	while (1 + pb_varint_size(slen) + slen > inner)
		slen--;
	memset(s, 'x', slen);
	s[slen] = '\0';
	pb_init(&b);
	pb_begin(&b, 1);
	pb_begin(&b, 2);
	pb_string(&b, 1, s);
	pb_end(&b);
	pb_end(&b);
	assert_false(b.failed);
	p = b.data;
	assert_int_equal(*p++, 0x0a);
	len1 = get_varint(&p);
	assert_int_equal(len1, b.len - (size_t)(p - b.data));
	assert_int_equal(*p++, 0x12);
	len2 = get_varint(&p);
	assert_int_equal(len2, b.len - (size_t)(p - b.data));
	assert_int_equal(*p++, 0x0a);
	assert_int_equal(get_varint(&p), slen);
	assert_int_equal(b.len - (size_t)(p - b.data), slen);
	assert_memory_equal(p, s, slen);
	pb_free(&b);
	free(s);
}

static void test_nested_lengths(void **state)
{
	(void)state;
	nested_of(10);      /* one-byte lengths */
	nested_of(200);     /* two */
	nested_of(20000);   /* three */
	nested_of(3000000); /* four, and the buffer grown many times */
}

static void test_nesting_misuse(void **state)
{
	struct pb_buf b;

	(void)state;
	pb_init(&b);
	pb_end(&b);
	assert_true(b.failed);
	pb_reset(&b);
	assert_false(b.failed);
	for (int i = 0; i < PB_MAX_DEPTH; i++)
		pb_begin(&b, 1);
	assert_false(b.failed);
	pb_begin(&b, 1);
	assert_true(b.failed);
	pb_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_varint),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_large_field_number),
		cmocka_unit_test(test_comm_stops_at_nul_or_max),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_nested_lengths),
		cmocka_unit_test(test_nesting_misuse),
	};

	return cmocka_run_group_tests_name("perfetto_pb", tests, NULL, NULL);
}
