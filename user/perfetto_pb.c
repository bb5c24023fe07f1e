// SPDX-License-Identifier: GPL-2.0
/*
 * perfetto_pb.c - the protobuf writer of `pvtrace perfetto` (perfetto_pb.h).
 *
 * Written here rather than taken from a library: a Perfetto trace needs only
 * five things of the wire format (varints, tags, strings, nested messages and
 * the length in front of each), about a hundred lines, where protobuf-c or
 * nanopb would add a build dependency and code generated from a 680 KB schema
 * for the dozen messages pvtrace writes.
 *
 * A nested message's length is not known until it ends: pb_end() moves its
 * content up by the size of that length's varint and writes it in front, so
 * the encoding stays minimal (protozero reserves 4 bytes of a redundant varint
 * instead; the move costs less than the bytes would on disk).
 */
#include <stdlib.h>
#include <string.h>
#include "perfetto_pb.h"

enum { PB_VARINT = 0, PB_LEN = 2 };

void pb_init(struct pb_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void pb_free(struct pb_buf *b)
{
	free(b->data);
	pb_init(b);
}

void pb_reset(struct pb_buf *b)
{
	b->len = 0;
	b->depth = 0;
	b->failed = false;
}

/* Room for @n more bytes: false (and failed set) if there is none. */
static bool pb_room(struct pb_buf *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (b->failed)
		return false;
	if (b->len + n <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

size_t pb_varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* @v as a varint at @p (room for pb_varint_size(v) bytes). */
static void pb_encode_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p = (uint8_t)v;
}

void pb_put_varint(struct pb_buf *b, uint64_t v)
{
	size_t n = pb_varint_size(v);

	if (!pb_room(b, n))
		return;
	pb_encode_varint(b->data + b->len, v);
	b->len += n;
}

static void pb_tag(struct pb_buf *b, uint32_t field, unsigned int wire)
{
	pb_put_varint(b, (uint64_t)field << 3 | wire);
}

void pb_uint(struct pb_buf *b, uint32_t field, uint64_t v)
{
	pb_tag(b, field, PB_VARINT);
	pb_put_varint(b, v);
}

void pb_int(struct pb_buf *b, uint32_t field, int64_t v)
{
	pb_uint(b, field, (uint64_t)v);
}

void pb_bool(struct pb_buf *b, uint32_t field, bool v)
{
	pb_uint(b, field, v ? 1 : 0);
}

void pb_bytes(struct pb_buf *b, uint32_t field, const void *p, size_t len)
{
	pb_tag(b, field, PB_LEN);
	pb_put_varint(b, len);
	if (!pb_room(b, len))
		return;
	if (len)
		memcpy(b->data + b->len, p, len);
	b->len += len;
}

void pb_string(struct pb_buf *b, uint32_t field, const char *s)
{
	pb_bytes(b, field, s, strlen(s));
}

void pb_strn(struct pb_buf *b, uint32_t field, const char *s, size_t max)
{
	pb_bytes(b, field, s, strnlen(s, max));
}

void pb_begin(struct pb_buf *b, uint32_t field)
{
	if (b->depth >= PB_MAX_DEPTH) {
		b->failed = true;
		return;
	}
	pb_tag(b, field, PB_LEN);
	b->open[b->depth++] = b->len;
}

void pb_end(struct pb_buf *b)
{
	size_t start, len, n;

	if (b->depth <= 0) {
		b->failed = true;
		return;
	}
	start = b->open[--b->depth];
	len = b->len - start;
	n = pb_varint_size(len);
	if (!pb_room(b, n))
		return;
	memmove(b->data + start + n, b->data + start, len);
	pb_encode_varint(b->data + start, len);
	b->len += n;
}
