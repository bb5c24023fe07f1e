// SPDX-License-Identifier: GPL-2.0
/*
 * json_writer.c - a small typed streaming JSON writer.
 * See json_writer.h for the output format and escaping rules.
 */
#include "json_writer.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"	/* utf8_decode() */

/* One open container. */
struct jw_frame {
	bool is_object;
	bool name_pending;	/* object: jw_name() done, value still due */
	size_t count;		/* members / elements started so far */
};

struct json_writer {
	FILE *f;
	bool pretty;
	int err;		/* JW_ERR_* bits, sticky */
	unsigned int depth;	/* number of frames in use in stack[] */
	/*
	 * Containers whose start was rejected (misuse or too deep).  While
	 * nonzero, everything is dropped; each end call decrements it.
	 */
	unsigned int suppressed;
	struct jw_frame stack[JW_MAX_DEPTH];
};

static const char hex_digits[] = "0123456789abcdef";

/* ---- low-level output, recording I/O errors ---- */

static void out_write(json_writer_t *jw, const char *buf, size_t len)
{
	if (len && fwrite(buf, 1, len, jw->f) != len)
		jw->err |= JW_ERR_IO;
}

static void out_char(json_writer_t *jw, char c)
{
	if (putc(c, jw->f) == EOF)
		jw->err |= JW_ERR_IO;
}

static void out_str(json_writer_t *jw, const char *s)
{
	out_write(jw, s, strlen(s));
}

/* Pretty mode: start a new line indented for the given nesting level. */
static void out_newline_indent(json_writer_t *jw, unsigned int level)
{
	if (!jw->pretty)
		return;
	out_char(jw, '\n');
	for (unsigned int i = 0; i < level; i++)
		out_write(jw, "  ", 2);
}

/* Write a quoted, escaped JSON string from len bytes of s. */
static void out_json_string(json_writer_t *jw, const char *s, size_t len)
{
	size_t i = 0, run = 0;	/* s[run..i) is pending pass-through */

	out_char(jw, '"');
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		size_t esclen = 0;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80) {
			size_t ulen = utf8_decode(s + i, len - i, NULL);

			if (ulen) {
				i += ulen;	/* valid UTF-8: pass through */
				continue;
			}
		}

		/* c needs an escape: flush the pending run first */
		out_write(jw, s + run, i - run);
		esc[esclen++] = '\\';
		switch (c) {
		case '"':  esc[esclen++] = '"';  break;
		case '\\': esc[esclen++] = '\\'; break;
		case '\b': esc[esclen++] = 'b';  break;
		case '\f': esc[esclen++] = 'f';  break;
		case '\n': esc[esclen++] = 'n';  break;
		case '\r': esc[esclen++] = 'r';  break;
		case '\t': esc[esclen++] = 't';  break;
		default:
			/* other controls, DEL, and invalid UTF-8 bytes */
			esc[esclen++] = 'u';
			esc[esclen++] = '0';
			esc[esclen++] = '0';
			esc[esclen++] = hex_digits[c >> 4];
			esc[esclen++] = hex_digits[c & 0xf];
			break;
		}
		out_write(jw, esc, esclen);
		i++;
		run = i;
	}
	out_write(jw, s + run, i - run);
	out_char(jw, '"');
}

/* ---- structure tracking ---- */

static struct jw_frame *top(json_writer_t *jw)
{
	return jw->depth ? &jw->stack[jw->depth - 1] : NULL;
}

/*
 * Prepare for a value (scalar or container start): emit the separator and
 * indentation it needs.  Returns false if the value must be dropped.
 */
static bool begin_value(json_writer_t *jw)
{
	struct jw_frame *fr;

	if (!jw || jw->suppressed)
		return false;
	fr = top(jw);
	if (!fr)
		return true;	/* top level */
	if (fr->is_object) {
		if (!fr->name_pending) {
			jw->err |= JW_ERR_MISUSE;	/* value without name */
			return false;
		}
		fr->name_pending = false;	/* separator came with name */
		return true;
	}
	if (fr->count++)
		out_char(jw, ',');
	out_newline_indent(jw, jw->depth);
	return true;
}

/* After a complete value: a top-level value ends with a newline. */
static void end_value(json_writer_t *jw)
{
	if (jw->depth == 0)
		out_char(jw, '\n');
}

static void start_container(json_writer_t *jw, bool is_object)
{
	struct jw_frame *fr;

	if (!jw)
		return;
	if (jw->suppressed) {
		jw->suppressed++;
		return;
	}
	if (jw->depth >= JW_MAX_DEPTH) {
		jw->err |= JW_ERR_MISUSE;	/* too deep */
		jw->suppressed++;
		return;
	}
	if (!begin_value(jw)) {
		jw->suppressed++;
		return;
	}
	out_char(jw, is_object ? '{' : '[');
	fr = &jw->stack[jw->depth++];
	fr->is_object = is_object;
	fr->name_pending = false;
	fr->count = 0;
}

static void end_container(json_writer_t *jw, bool is_object)
{
	struct jw_frame *fr;

	if (!jw)
		return;
	if (jw->suppressed) {
		jw->suppressed--;
		return;
	}
	fr = top(jw);
	if (!fr || fr->is_object != is_object) {
		jw->err |= JW_ERR_MISUSE;	/* end without matching start */
		return;
	}
	if (fr->name_pending) {
		/* name without value: complete it so the JSON stays valid */
		jw->err |= JW_ERR_MISUSE;
		out_str(jw, "null");
		fr->name_pending = false;
	}
	if (fr->count)
		out_newline_indent(jw, jw->depth - 1);
	out_char(jw, is_object ? '}' : ']');
	jw->depth--;
	end_value(jw);
}

/* jw_name() that reports whether the name was accepted. */
static bool put_name(json_writer_t *jw, const char *name)
{
	struct jw_frame *fr;

	if (!jw || jw->suppressed)
		return false;
	fr = top(jw);
	if (!name || !fr || !fr->is_object || fr->name_pending) {
		jw->err |= JW_ERR_MISUSE;
		return false;
	}
	if (fr->count++)
		out_char(jw, ',');
	out_newline_indent(jw, jw->depth);
	out_json_string(jw, name, strlen(name));
	if (jw->pretty)
		out_write(jw, ": ", 2);
	else
		out_char(jw, ':');
	fr->name_pending = true;
	return true;
}

/* Emit a scalar whose text is already formatted. */
static void put_raw_value(json_writer_t *jw, const char *text)
{
	if (!begin_value(jw))
		return;
	out_str(jw, text);
	end_value(jw);
}

/* ---- public API ---- */

json_writer_t *jw_new(FILE *f, bool pretty)
{
	json_writer_t *jw;

	if (!f)
		return NULL;
	jw = calloc(1, sizeof(*jw));
	if (!jw)
		return NULL;
	jw->f = f;
	jw->pretty = pretty;
	return jw;
}

void jw_destroy(json_writer_t *jw)
{
	if (!jw)
		return;
	fflush(jw->f);
	free(jw);
}

void jw_start_object(json_writer_t *jw) { start_container(jw, true); }
void jw_end_object(json_writer_t *jw)   { end_container(jw, true); }
void jw_start_array(json_writer_t *jw)  { start_container(jw, false); }
void jw_end_array(json_writer_t *jw)    { end_container(jw, false); }

void jw_name(json_writer_t *jw, const char *name)
{
	put_name(jw, name);
}

/* Emit a string value of exactly len bytes (NULL -> null). */
static void put_string(json_writer_t *jw, const char *s, size_t len)
{
	if (!s) {
		put_raw_value(jw, "null");
		return;
	}
	if (!begin_value(jw))
		return;
	out_json_string(jw, s, len);
	end_value(jw);
}

void jw_string_n(json_writer_t *jw, const char *s, size_t n)
{
	put_string(jw, s, s ? strnlen(s, n) : 0);
}

void jw_string(json_writer_t *jw, const char *s)
{
	put_string(jw, s, s ? strlen(s) : 0);
}

void jw_uint(json_writer_t *jw, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	put_raw_value(jw, buf);
}

void jw_int(json_writer_t *jw, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	put_raw_value(jw, buf);
}

void jw_double(json_writer_t *jw, double v)
{
	char buf[40];

	if (!isfinite(v)) {
		put_raw_value(jw, "null");
		return;
	}
	if (fabs(v) < 1e15 && v == (double)(int64_t)v && !(v == 0 && signbit(v))) {
		/* whole numbers as integers: 3010, not 3.01e+03 */
		snprintf(buf, sizeof(buf), "%lld", (long long)v);
	} else {
		/* shortest %g precision that round-trips (17 always does) */
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(buf, sizeof(buf), "%.*g", prec, v);
			if (strtod(buf, NULL) == v)
				break;
		}
	}
	/* a locale may use ',' as decimal point; JSON needs '.' */
	for (char *p = buf; *p; p++)
		if (*p == ',')
			*p = '.';
	put_raw_value(jw, buf);
}

void jw_bool(json_writer_t *jw, bool v)
{
	put_raw_value(jw, v ? "true" : "false");
}

void jw_null(json_writer_t *jw)
{
	put_raw_value(jw, "null");
}

void jw_string_field(json_writer_t *jw, const char *name, const char *s)
{
	if (put_name(jw, name))
		jw_string(jw, s);
}

void jw_uint_field(json_writer_t *jw, const char *name, uint64_t v)
{
	if (put_name(jw, name))
		jw_uint(jw, v);
}

void jw_int_field(json_writer_t *jw, const char *name, int64_t v)
{
	if (put_name(jw, name))
		jw_int(jw, v);
}

void jw_double_field(json_writer_t *jw, const char *name, double v)
{
	if (put_name(jw, name))
		jw_double(jw, v);
}

void jw_bool_field(json_writer_t *jw, const char *name, bool v)
{
	if (put_name(jw, name))
		jw_bool(jw, v);
}

void jw_null_field(json_writer_t *jw, const char *name)
{
	if (put_name(jw, name))
		jw_null(jw);
}

void jw_uint_or_null_field(json_writer_t *jw, const char *name, bool present, uint64_t v)
{
	if (present)
		jw_uint_field(jw, name, v);
	else
		jw_null_field(jw, name);
}

void jw_string_or_null_field(json_writer_t *jw, const char *name, const char *s)
{
	if (s && *s)
		jw_string_field(jw, name, s);
	else
		jw_null_field(jw, name);
}

int jw_error(const json_writer_t *jw)
{
	if (!jw)
		return JW_ERR_MISUSE;
	return jw->err | (ferror(jw->f) ? JW_ERR_IO : 0);
}

int jw_flush(json_writer_t *jw)
{
	if (!jw)
		return JW_ERR_MISUSE;
	if (fflush(jw->f) == EOF)
		jw->err |= JW_ERR_IO;
	return jw_error(jw);
}
