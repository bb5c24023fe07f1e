/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parse.h - strict number parsing, shared by pvtrace, pvbench, pvload and
 * the test programs: option values ("--rounds 1000") and the numbers of
 * /proc text ("VmRSS:     1234 kB").  libc only.
 *
 * An option value is a plain decimal: digits only, the whole string, no
 * sign, no blanks, no hex, no exponent.  A refused value has one reason,
 * and pvt_parse_msg() says it in words for a usage error.
 */
#ifndef PVT_PARSE_H
#define PVT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pvt_parse_error {
	PVT_PARSE_OK = 0,
	PVT_PARSE_NOT_A_NUMBER, /* empty, a sign, blanks, hex, trailing characters */
	PVT_PARSE_NEGATIVE,     /* "-5": a minus and a digit */
	PVT_PARSE_TOO_SMALL,    /* below min */
	PVT_PARSE_TOO_LARGE,    /* above max, or beyond 64 bits */
};

/* @s as a plain decimal in [min, max] into *out (left alone on an error). */
enum pvt_parse_error pvt_parse_u64_why(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* The same, 0 on success and -1 on any error. */
int pvt_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * Why @s was refused, for a message after "OPTION: ": "'x' is not a number",
 * "'-3' is negative; expected a number >= 1", "12 is too large (maximum 10)",
 * "0 is too small (minimum 1)".  Returns @buf.
 */
const char *pvt_parse_msg(enum pvt_parse_error e, const char *s, uint64_t min, uint64_t max,
			  char *buf, size_t size);

/*
 * The decimal number at *@s after blanks (spaces, tabs); *@s is moved past
 * it.  False, *@s unchanged, if no digit is there or it does not fit 64 bits.
 */
bool pvt_scan_u64(const char **s, uint64_t *out);

/*
 * The number on the line of @text that starts with @key (given whole, with
 * its colon: "VmRSS:"), as in /proc/PID/status or /proc/meminfo.  False if
 * no line starts with @key or no number follows it.
 */
bool pvt_text_field(const char *text, const char *key, uint64_t *out);

#endif /* PVT_PARSE_H */
