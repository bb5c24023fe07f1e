// SPDX-License-Identifier: GPL-2.0
/*
 * escape.c - safe rendering of untrusted strings for a terminal.
 * See escape.h for the exact rules.
 */
#include "escape.h"

#include <string.h>

static const char hex_digits[] = "0123456789abcdef";

/* Is b a UTF-8 continuation byte within [lo, hi]? */
static int cont_in(unsigned char b, unsigned char lo, unsigned char hi)
{
	return b >= lo && b <= hi;
}

size_t utf8_decode(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xbf;	/* allowed range of byte 2 */
	size_t len;
	uint32_t c;

	if (!s || n == 0)
		return 0;

	if (p[0] < 0x80) {
		len = 1;
		c = p[0];
		goto out;
	}

	/*
	 * Lead byte classification after the Unicode "well-formed UTF-8 byte
	 * sequences" table: the range of the second byte is narrowed for
	 * E0 (no overlongs), ED (no surrogates), F0 (no overlongs) and
	 * F4 (nothing above U+10FFFF).
	 */
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		c = p[0] & 0x0f;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else {
		/* stray continuation byte, C0/C1 overlong lead, or F5-FF */
		return 0;
	}

	if (n < len)
		return 0;	/* truncated */
	if (!cont_in(p[1], lo, hi))
		return 0;
	c = (c << 6) | (p[1] & 0x3f);
	for (size_t i = 2; i < len; i++) {
		if (!cont_in(p[i], 0x80, 0xbf))
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
out:
	if (cp)
		*cp = c;
	return len;
}

/* Append "\xNN" for byte b to piece; returns the new length. */
static size_t put_hex_escape(char *piece, size_t len, unsigned char b)
{
	piece[len++] = '\\';
	piece[len++] = 'x';
	piece[len++] = hex_digits[b >> 4];
	piece[len++] = hex_digits[b & 0xf];
	return len;
}

size_t term_escape(char *dst, size_t dstsz, const char *src, size_t srclen)
{
	size_t out = 0, i = 0;

	if (!dst || dstsz == 0)
		return 0;
	if (!src)
		srclen = 0;

	while (i < srclen) {
		unsigned char c = (unsigned char)src[i];
		/* one input character rendered as an indivisible piece */
		char piece[16];
		size_t plen = 0, consumed = 1;

		if (c == '\0')
			break;

		if (c == '\\') {
			piece[plen++] = '\\';
			piece[plen++] = '\\';
		} else if (c < 0x20 || c == 0x7f) {
			plen = put_hex_escape(piece, plen, c);
		} else if (c < 0x80) {
			piece[plen++] = (char)c;
		} else {
			uint32_t cp;
			size_t len = utf8_decode(src + i, srclen - i, &cp);

			if (len == 0) {
				/* invalid: escape just this byte, resync */
				plen = put_hex_escape(piece, plen, c);
			} else if (cp <= 0x9f) {
				/* C1 control (always 2 bytes): escape all */
				for (size_t k = 0; k < len; k++)
					plen = put_hex_escape(piece, plen,
						(unsigned char)src[i + k]);
				consumed = len;
			} else {
				memcpy(piece, src + i, len);
				plen = len;
				consumed = len;
			}
		}

		/* keep room for the NUL; never emit a partial piece */
		if (plen > dstsz - 1 - out)
			break;
		memcpy(dst + out, piece, plen);
		out += plen;
		i += consumed;
	}

	dst[out] = '\0';
	return out;
}

size_t term_width(const char *escaped)
{
	size_t cols = 0;

	if (!escaped)
		return 0;
	/* count every byte that is not a UTF-8 continuation byte */
	for (const unsigned char *p = (const unsigned char *)escaped; *p; p++)
		if ((*p & 0xc0) != 0x80)
			cols++;
	return cols;
}

const char *term_escape_tmp(const char *src, size_t srclen, char *buf,
			    size_t bufsz)
{
	if (!buf || bufsz == 0)
		return "";
	term_escape(buf, bufsz, src, srclen);
	return buf;
}
