/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perfetto_pb.h - a protobuf writer, the little of the wire format that
 * `pvtrace perfetto` needs: varints, tags, strings and nested messages
 * (perfetto_pb.c).  Messages are built in a growing buffer; a nested message
 * is opened with pb_begin() and closed with pb_end(), which puts its length
 * in front of it.
 */
#ifndef PVT_PERFETTO_PB_H
#define PVT_PERFETTO_PB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_MAX_DEPTH 8 /* nested messages open at once */

struct pb_buf {
	uint8_t *data;
	size_t len, cap;
	size_t open[PB_MAX_DEPTH]; /* where each open message's content starts */
	int depth;
	bool failed;               /* out of memory, or nesting misused: the content is void */
};

void pb_init(struct pb_buf *b);
void pb_free(struct pb_buf *b);
/* Empty it (the memory kept), failed cleared. */
void pb_reset(struct pb_buf *b);

/* The bytes of @v as a varint (1 to 10). */
size_t pb_varint_size(uint64_t v);
/* @v as a varint, with no tag. */
void pb_put_varint(struct pb_buf *b, uint64_t v);

/* Fields: tag (field << 3 | wire type), then the value. */
void pb_uint(struct pb_buf *b, uint32_t field, uint64_t v);
/* int32/int64: a negative value takes 10 bytes (two's complement, as protobuf says). */
void pb_int(struct pb_buf *b, uint32_t field, int64_t v);
void pb_bool(struct pb_buf *b, uint32_t field, bool v);
void pb_bytes(struct pb_buf *b, uint32_t field, const void *p, size_t len);
void pb_string(struct pb_buf *b, uint32_t field, const char *s);
/* A string of at most @max bytes, up to its first NUL (a kernel's comm[16]). */
void pb_strn(struct pb_buf *b, uint32_t field, const char *s, size_t max);

/* Open a nested message as field @field; pb_end() closes the innermost one. */
void pb_begin(struct pb_buf *b, uint32_t field);
void pb_end(struct pb_buf *b);

#endif /* PVT_PERFETTO_PB_H */
