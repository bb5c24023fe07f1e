/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json_writer.h - a small typed streaming JSON writer.
 *
 * The writer tracks nesting (up to JW_MAX_DEPTH open containers) and emits
 * the commas, colons and (in pretty mode) newlines and indentation itself.
 * Every top-level value is followed by a newline, so writing several
 * top-level values in a row produces JSON Lines.
 *
 * Output formats:
 *   compact: {"a":1,"b":[1,2],"c":{}}
 *   pretty:  two-space indentation, one member / element per line, ": "
 *            after member names; empty containers are written as {} / [].
 *
 * String escaping (member names and string values):
 *   - '"' and '\' are escaped as \" and \\;
 *   - \b, \f, \n, \r and \t use their short escapes;
 *   - other bytes below 0x20, and 0x7f, are written as \u00XX (lowercase);
 *   - well-formed UTF-8 (shortest form, at most U+10FFFF) is copied as is;
 *   - each byte of an invalid, truncated or overlong UTF-8 sequence, and of
 *     a UTF-8 encoded surrogate (U+D800-U+DFFF), is written as \u00XX, i.e.
 *     the byte is reinterpreted as the Latin-1 code point of the same value.
 *     Decoding resumes at the next byte.
 *   So the output is always valid JSON and valid UTF-8, whatever the input
 *   bytes are; strings that were valid UTF-8 round-trip exactly.
 *   A NULL string is written as null.
 *
 * Numbers: integers are written exactly (full uint64/int64 range).  Finite
 * doubles are written with the fewest significant digits (at most 17) that
 * parse back to the same value, using '.' as decimal point regardless of
 * locale; NaN and infinities are written as null.
 *
 * Errors: misuse of the API (ending a container that is not open or of the
 * other kind, a value inside an object without a preceding jw_name(), a name
 * outside an object or two names in a row, nesting deeper than JW_MAX_DEPTH)
 * sets JW_ERR_MISUSE and the offending call is ignored as far as possible so
 * that the output stays well formed.  Contents of a container that could
 * not be opened are dropped until its matching end call.  A failed write to
 * the stream sets JW_ERR_IO.  Errors are sticky; query them with
 * jw_error().  Since the FILE is buffered, some write errors only surface
 * when it is flushed: use jw_flush() to be sure.
 *
 * A writer holds no global state; distinct writers may be used from
 * distinct threads.
 */
#ifndef PVTRACE_JSON_WRITER_H
#define PVTRACE_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JW_MAX_DEPTH 64

/* Bits returned by jw_error() */
enum {
	JW_ERR_IO     = 1 << 0,	/* a write to the stream failed */
	JW_ERR_MISUSE = 1 << 1,	/* nesting / naming misuse detected */
};

typedef struct json_writer json_writer_t;

/*
 * Create a writer on f.  pretty selects indented output.  Returns NULL if f
 * is NULL or memory is exhausted.
 */
json_writer_t *jw_new(FILE *f, bool pretty);

/* Flush and free the writer.  Accepts NULL.  Does not close f. */
void jw_destroy(json_writer_t *jw);

void jw_start_object(json_writer_t *jw);
void jw_end_object(json_writer_t *jw);
void jw_start_array(json_writer_t *jw);
void jw_end_array(json_writer_t *jw);

/* Member name inside an object; must be followed by exactly one value. */
void jw_name(json_writer_t *jw, const char *name);

/* Values */
void jw_string(json_writer_t *jw, const char *s);
/* At most n bytes of s; stops at the first NUL within n. */
void jw_string_n(json_writer_t *jw, const char *s, size_t n);
void jw_uint(json_writer_t *jw, uint64_t v);
void jw_int(json_writer_t *jw, int64_t v);
void jw_double(json_writer_t *jw, double v);
void jw_bool(json_writer_t *jw, bool v);
void jw_null(json_writer_t *jw);

/* name + value conveniences (the value is skipped if the name is misused) */
void jw_string_field(json_writer_t *jw, const char *name, const char *s);
void jw_uint_field(json_writer_t *jw, const char *name, uint64_t v);
void jw_int_field(json_writer_t *jw, const char *name, int64_t v);
void jw_double_field(json_writer_t *jw, const char *name, double v);
void jw_bool_field(json_writer_t *jw, const char *name, bool v);
void jw_null_field(json_writer_t *jw, const char *name);
/* v if present, else null: the many fields that exist only sometimes. */
void jw_uint_or_null_field(json_writer_t *jw, const char *name, bool present, uint64_t v);
/* s if it is a non-empty string, else null. */
void jw_string_or_null_field(json_writer_t *jw, const char *name, const char *s);

/*
 * Error bits (JW_ERR_*) accumulated so far, including the stream's error
 * indicator; 0 if all is well.  A NULL writer reports JW_ERR_MISUSE.
 */
int jw_error(const json_writer_t *jw);

/* fflush() the stream and return jw_error(). */
int jw_flush(json_writer_t *jw);

#endif /* PVTRACE_JSON_WRITER_H */
