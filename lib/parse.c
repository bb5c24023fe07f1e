// SPDX-License-Identifier: GPL-2.0
/* parse.c - strict number parsing (see parse.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "parse.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Digits from @p into *v; false on overflow.  *end: the first non-digit. */
static bool digits(const char *p, uint64_t *v, const char **end)
{
	uint64_t x = 0;

	for (; is_digit(*p); p++) {
		unsigned int d = (unsigned int)(*p - '0');

		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	*end = p;
	return true;
}

enum pvt_parse_error pvt_parse_u64_why(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *end;
	uint64_t v;

	if (!s || !is_digit(*s))
		return s && s[0] == '-' && is_digit(s[1]) ? PVT_PARSE_NEGATIVE : PVT_PARSE_NOT_A_NUMBER;
	if (!digits(s, &v, &end)) {
		/* Too many digits: too large, unless junk follows them. */
		while (is_digit(*s))
			s++;
		return *s ? PVT_PARSE_NOT_A_NUMBER : PVT_PARSE_TOO_LARGE;
	}
	if (*end)
		return PVT_PARSE_NOT_A_NUMBER;
	if (v > max)
		return PVT_PARSE_TOO_LARGE;
	if (v < min)
		return PVT_PARSE_TOO_SMALL;
	*out = v;
	return PVT_PARSE_OK;
}

int pvt_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	return pvt_parse_u64_why(s, min, max, out) == PVT_PARSE_OK ? 0 : -1;
}

const char *pvt_parse_msg(enum pvt_parse_error e, const char *s, uint64_t min, uint64_t max,
			  char *buf, size_t size)
{
	if (!s)
		s = "";
	switch (e) {
	case PVT_PARSE_OK:
		snprintf(buf, size, "%s is a number", s);
		break;
	case PVT_PARSE_NEGATIVE:
		snprintf(buf, size, "'%s' is negative; expected a number >= %" PRIu64, s, min);
		break;
	case PVT_PARSE_TOO_SMALL:
		snprintf(buf, size, "%s is too small (minimum %" PRIu64 ")", s, min);
		break;
	case PVT_PARSE_TOO_LARGE:
		snprintf(buf, size, "%s is too large (maximum %" PRIu64 ")", s, max);
		break;
	default:
		snprintf(buf, size, "'%s' is not a number", s);
		break;
	}
	return buf;
}

bool pvt_scan_u64(const char **s, uint64_t *out)
{
	const char *p = *s, *end;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!is_digit(*p) || !digits(p, out, &end))
		return false;
	*s = end;
	return true;
}

bool pvt_text_field(const char *text, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);
	const char *line = text;

	while (line && *line) {
		if (!strncmp(line, key, klen)) {
			const char *p = line + klen;

			return pvt_scan_u64(&p, out);
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return false;
}
