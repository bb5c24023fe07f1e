// SPDX-License-Identifier: GPL-2.0
/*
 * openmetrics.c - the exposition writer of `pvtrace serve` (openmetrics.h):
 * the Prometheus text format and OpenMetrics, escaping, content negotiation.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "escape.h"
#include "openmetrics.h"

const char *const om_content_type[OM__FORMATS] = {
	[OM_PROMETHEUS_TEXT] = "text/plain; version=0.0.4; charset=utf-8",
	[OM_OPENMETRICS] = "application/openmetrics-text; version=1.0.0; charset=utf-8",
};

/* ---- content negotiation ---- */

#define NEG_NONE (-1)

/* [s, e) without blanks at either end. */
static void trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

static bool token_is(const char *s, const char *e, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(e - s) == n && !strncasecmp(s, word, n);
}

/* One parameter "name=value" of a media range: q into *q, version into *ver. */
static void media_param(const char *s, const char *e, double *q, const char **ver,
			const char **ver_end)
{
	const char *eq = memchr(s, '=', (size_t)(e - s)), *v;

	if (!eq)
		return;
	v = eq + 1;
	trim(&s, &eq);
	trim(&v, &e);
	if (e - v >= 2 && *v == '"' && e[-1] == '"') {
		v++;
		e--;
	}
	if (token_is(s, eq, "q")) {
		char buf[16];
		size_t n = (size_t)(e - v) < sizeof(buf) - 1 ? (size_t)(e - v) : sizeof(buf) - 1;
		char *end;

		memcpy(buf, v, n);
		buf[n] = '\0';
		*q = strtod(buf, &end);
		if (end == buf || *end || *q < 0 || *q > 1)
			*q = 0; /* malformed: not acceptable */
	} else if (token_is(s, eq, "version")) {
		*ver = v;
		*ver_end = e;
	}
}

/* The format one media range [s, e) asks for, or NEG_NONE; its q into *q. */
static int media_range(const char *s, const char *e, double *q)
{
	const char *semi = memchr(s, ';', (size_t)(e - s)), *te = semi ? semi : e;
	const char *ver = NULL, *ver_end = NULL;

	*q = 1;
	while (semi) {
		const char *ps = semi + 1, *pe;

		semi = memchr(ps, ';', (size_t)(e - ps));
		pe = semi ? semi : e;
		media_param(ps, pe, q, &ver, &ver_end);
	}
	trim(&s, &te);
	if (token_is(s, te, "application/openmetrics-text"))
		return !ver || token_is(ver, ver_end, "1.0.0") ? OM_OPENMETRICS : NEG_NONE;
	if (token_is(s, te, "text/plain"))
		return !ver || token_is(ver, ver_end, "0.0.4") ? OM_PROMETHEUS_TEXT : NEG_NONE;
	if (token_is(s, te, "application/*"))
		return OM_OPENMETRICS;
	if (token_is(s, te, "text/*") || token_is(s, te, "*/*"))
		return OM_PROMETHEUS_TEXT;
	return NEG_NONE;
}

enum om_format om_negotiate(const char *accept)
{
	enum om_format best = OM_PROMETHEUS_TEXT;
	double best_q = 0;
	const char *s = accept;

	while (s && *s) {
		const char *comma = strchr(s, ','), *e = comma ? comma : s + strlen(s);
		double q;
		int fmt = media_range(s, e, &q);

		if (fmt != NEG_NONE && q > best_q) {
			best = (enum om_format)fmt;
			best_q = q;
		}
		s = comma ? comma + 1 : NULL;
	}
	return best;
}

/* ---- the buffer ---- */

void om_buf_free(struct om_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

static bool reserve(struct om_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *s;

	if (b->oom)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	while (cap < b->len + more + 1)
		cap *= 2;
	s = realloc(b->s, cap);
	if (!s) {
		b->oom = true;
		return false;
	}
	b->s = s;
	b->cap = cap;
	return true;
}

static void put(struct om_buf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void puts_(struct om_buf *b, const char *s)
{
	put(b, s, strlen(s));
}

void om_printf(struct om_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* ---- escaping ---- */

/*
 * @s escaped for a label value (@quote: also '"'; HELP text in the text
 * format escapes only backslash and newline), invalid UTF-8 replaced.
 */
static void put_escaped(struct om_buf *b, const char *s, bool quote)
{
	size_t n = strlen(s);

	while (n) {
		size_t k = utf8_decode(s, n, NULL);

		if (!k) {
			puts_(b, "\xef\xbf\xbd"); /* U+FFFD for the byte */
			k = 1;
		} else if (*s == '\\') {
			puts_(b, "\\\\");
		} else if (*s == '\n') {
			puts_(b, "\\n");
		} else if (*s == '"' && quote) {
			puts_(b, "\\\"");
		} else {
			put(b, s, k);
		}
		s += k;
		n -= k;
	}
}

/* ---- names ---- */

/* The samples' suffix of a family (what the text format's TYPE line names too). */
static const char *sample_suffix(const struct om_family *fam)
{
	switch (fam->type) {
	case OM_COUNTER:
		return "_total";
	case OM_INFO:
		return "_info";
	default:
		return "";
	}
}

static const char *type_name(enum om_format f, enum om_type t)
{
	switch (t) {
	case OM_COUNTER:
		return "counter";
	case OM_HISTOGRAM:
		return "histogram";
	case OM_INFO:
		return f == OM_OPENMETRICS ? "info" : "gauge";
	default:
		return "gauge";
	}
}

static void help_line(struct om_buf *b, enum om_format f, const char *name, const char *sfx,
		      const char *help)
{
	om_printf(b, "# HELP %s%s ", name, sfx);
	put_escaped(b, help, f == OM_OPENMETRICS);
	puts_(b, "\n");
}

void om_family(struct om_buf *b, enum om_format f, const struct om_family *fam)
{
	const char *type = type_name(f, fam->type);

	if (f == OM_PROMETHEUS_TEXT) {
		/* The samples' name (x_total), HELP first, as Prometheus's client libraries write. */
		help_line(b, f, fam->name, sample_suffix(fam), fam->help);
		om_printf(b, "# TYPE %s%s %s\n", fam->name, sample_suffix(fam), type);
		return;
	}
	/* The family's name (x), in the order the specification suggests: TYPE, UNIT, HELP. */
	om_printf(b, "# TYPE %s %s\n", fam->name, type);
	if (fam->unit)
		om_printf(b, "# UNIT %s %s\n", fam->name, fam->unit);
	help_line(b, f, fam->name, "", fam->help);
}

/* name{a="x",b="y"} (nothing in braces without labels), then a blank. */
static void sample_head(struct om_buf *b, const char *name, const char *suffix,
			const struct om_label *l, size_t n, const char *le)
{
	puts_(b, name);
	puts_(b, suffix);
	if (n || le) {
		puts_(b, "{");
		for (size_t i = 0; i < n; i++) {
			om_printf(b, "%s%s=\"", i ? "," : "", l[i].name);
			put_escaped(b, l[i].value, true);
			puts_(b, "\"");
		}
		if (le)
			om_printf(b, "%sle=\"%s\"", n ? "," : "", le);
		puts_(b, "}");
	}
	puts_(b, " ");
}

void om_sample_u64(struct om_buf *b, enum om_format f, const struct om_family *fam,
		   const struct om_label *l, size_t n, uint64_t v)
{
	sample_head(b, fam->name, sample_suffix(fam), l, n, NULL);
	om_printf(b, "%llu\n", (unsigned long long)(fam->type == OM_INFO ? 1 : v));
}

const char *om_fmt_ns(char *buf, size_t size, uint64_t ns)
{
	char frac[16];
	int i;

	snprintf(frac, sizeof(frac), "%09llu", (unsigned long long)(ns % 1000000000ull));
	for (i = 8; i >= 0 && frac[i] == '0'; i--)
		frac[i] = '\0';
	snprintf(buf, size, "%llu%s%s", (unsigned long long)(ns / 1000000000ull), frac[0] ? "." : "",
		 frac);
	return buf;
}

const char *om_fmt_le(char *buf, size_t size, uint64_t ns)
{
	char d[24];
	int nd, exp;

	if (!ns) {
		snprintf(buf, size, "0.0");
		return buf;
	}
	nd = snprintf(d, sizeof(d), "%llu", (unsigned long long)ns);
	exp = nd - 1 - 9;	/* ns = d[0].d[1..] x 10^(nd - 1), seconds = that x 10^-9 */
	while (nd > 1 && d[nd - 1] == '0')
		d[--nd] = '\0';
	if (exp < -4 || exp >= 6) {	/* Go's %g, shortest: an exponent, two digits at least */
		snprintf(buf, size, "%c%s%se%c%02d", d[0], nd > 1 ? "." : "", d + 1,
			 exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
	} else if (exp < 0) {
		snprintf(buf, size, "0.%.*s%s", -exp - 1, "0000", d);
	} else if (nd > exp + 1) {
		snprintf(buf, size, "%.*s.%s", exp + 1, d, d + exp + 1);
	} else {
		snprintf(buf, size, "%s%.*s.0", d, exp + 1 - nd, "000000");
	}
	return buf;
}

void om_sample_ns(struct om_buf *b, enum om_format f, const struct om_family *fam,
		  const struct om_label *l, size_t n, uint64_t ns)
{
	char v[32];

	sample_head(b, fam->name, sample_suffix(fam), l, n, NULL);
	om_printf(b, "%s\n", om_fmt_ns(v, sizeof(v), ns));
}

void om_histogram(struct om_buf *b, enum om_format f, const struct om_family *fam,
		  const struct om_label *l, size_t n, const uint64_t *le_ns, size_t nb,
		  const uint64_t *counts, uint64_t sum_ns)
{
	uint64_t cum = 0;
	char le[32];

	for (size_t i = 0; i < nb; i++) {
		cum += counts[i];
		sample_head(b, fam->name, "_bucket", l, n, om_fmt_le(le, sizeof(le), le_ns[i]));
		om_printf(b, "%llu\n", (unsigned long long)cum);
	}
	cum += counts[nb];
	sample_head(b, fam->name, "_bucket", l, n, "+Inf");
	om_printf(b, "%llu\n", (unsigned long long)cum);
	sample_head(b, fam->name, "_count", l, n, NULL);
	om_printf(b, "%llu\n", (unsigned long long)cum);
	sample_head(b, fam->name, "_sum", l, n, NULL);
	om_printf(b, "%s\n", om_fmt_ns(le, sizeof(le), sum_ns));
}

void om_finish(struct om_buf *b, enum om_format f)
{
	if (f == OM_OPENMETRICS)
		puts_(b, "# EOF\n");
}
