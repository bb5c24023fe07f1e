/* SPDX-License-Identifier: GPL-2.0 */
/*
 * escape.h - safe rendering of untrusted strings for a terminal.
 *
 * Thread names (comm) and similar strings are chosen by the traced programs,
 * so they may contain terminal control sequences, invalid UTF-8 or C1
 * controls.  term_escape() turns such bytes into a harmless, printable form:
 *
 *   - printable ASCII (0x20-0x7e) passes through, except '\' which becomes
 *     "\\" so the output is unambiguous;
 *   - control bytes 0x01-0x1f and 0x7f become "\xNN" (lowercase hex);
 *   - a NUL byte ends the input (comm strings are NUL-padded), even if the
 *     given length is larger;
 *   - well-formed UTF-8 sequences (shortest form, no surrogates, at most
 *     U+10FFFF) pass through unchanged, except those that encode the C1
 *     controls U+0080-U+009F: every byte of such a sequence becomes "\xNN";
 *   - every byte of an invalid, truncated or overlong UTF-8 sequence becomes
 *     "\xNN" on its own (decoding resynchronises at the next byte).
 *
 * The result therefore contains only printable ASCII and valid, non-control
 * UTF-8.  All functions are reentrant; none keeps any state.
 */
#ifndef PVTRACE_ESCAPE_H
#define PVTRACE_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Validate one UTF-8 sequence starting at s (at most n bytes available).
 *
 * Returns the length (1-4) of the sequence if it is well formed (ASCII
 * included) and stores its code point in *cp (cp may be NULL).  Returns 0 if
 * n == 0 or the bytes at s do not begin a valid sequence: stray continuation
 * bytes, bad lead bytes (0xc0, 0xc1, 0xf5-0xff), truncated sequences,
 * overlong encodings, UTF-16 surrogates (U+D800-U+DFFF) and code points
 * above U+10FFFF are all rejected.
 */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);

/*
 * Escape up to srclen bytes of src (stopping at the first NUL) into dst,
 * following the rules above.
 *
 * dst is always NUL-terminated when dstsz > 0.  If the output does not fit,
 * it is cut at a character boundary: an escape sequence, a UTF-8 sequence
 * (and the escaped form of a C1 control as a whole) is either emitted
 * completely or not at all, and nothing after the first piece that did not
 * fit is emitted.  src may be NULL only if srclen is 0.
 *
 * Returns strlen(dst) (0 if dst is NULL or dstsz is 0).
 */
size_t term_escape(char *dst, size_t dstsz, const char *src, size_t srclen);

/*
 * Number of terminal columns taken by a string produced by term_escape():
 * one per UTF-8 code point (wide CJK characters are counted as 1 too, which
 * is good enough for column alignment of mostly-ASCII names).
 */
size_t term_width(const char *escaped);

/*
 * Convenience wrapper: term_escape() into buf and return buf, so it can be
 * used directly as a printf argument.  Returns "" if buf is NULL or bufsz is
 * 0.
 */
const char *term_escape_tmp(const char *src, size_t srclen, char *buf,
			    size_t bufsz);

/*
 * Worst-case buffer size needed by term_escape() for srclen input bytes
 * (4 output bytes per input byte, plus the terminating NUL).
 */
#define TERM_ESCAPE_BUFSZ(srclen) ((size_t)(srclen) * 4 + 1)

#endif /* PVTRACE_ESCAPE_H */
