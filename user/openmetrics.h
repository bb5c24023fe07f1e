/* SPDX-License-Identifier: GPL-2.0 */
/*
 * openmetrics.h - the exposition writer of `pvtrace serve`: metric families
 * and their samples as text, in either format a scraper asks for:
 *
 *   - the Prometheus text format 0.0.4 (text/plain; version=0.0.4): the
 *     TYPE and HELP lines name a counter's samples (`x_total`), no UNIT;
 *   - OpenMetrics 1.0.0 (application/openmetrics-text; version=1.0.0): the
 *     TYPE, UNIT and HELP lines name the family (`x`, its samples `x_total`),
 *     an info family's samples end in `_info`, and the text ends "# EOF".
 *
 * Label values are escaped (backslash, double quote, newline) and made
 * valid UTF-8 (each byte of an invalid sequence becomes U+FFFD), as both
 * formats require.  Pure: a growable buffer in, text out; no I/O.
 *
 *	struct om_buf b = {};
 *	static const struct om_family sw = { "pvtrace_context_switches", OM_COUNTER, NULL,
 *					     "Context switches out of the CPU." };
 *	struct om_label l[] = { { "pid", "42" }, { "kind", "voluntary" } };
 *
 *	om_family(&b, OM_OPENMETRICS, &sw);
 *	om_sample_u64(&b, OM_OPENMETRICS, &sw, l, 2, 1234);
 *	om_finish(&b, OM_OPENMETRICS);
 *	if (b.oom) ...; write(fd, b.s, b.len); om_buf_free(&b);
 */
#ifndef PVT_OPENMETRICS_H
#define PVT_OPENMETRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum om_format {
	OM_PROMETHEUS_TEXT = 0, /* text/plain; version=0.0.4 */
	OM_OPENMETRICS = 1,     /* application/openmetrics-text; version=1.0.0 */
	OM__FORMATS = 2,
};

enum om_type { OM_COUNTER, OM_GAUGE, OM_HISTOGRAM, OM_INFO };

/* The Content-Type of each format. */
extern const char *const om_content_type[OM__FORMATS];

/*
 * The format to answer an Accept header with (NULL or empty: the text
 * format): the acceptable media range with the highest q (the first listed
 * on a tie) among application/openmetrics-text (no version, or 1.0.0) and
 * application/(star) for OpenMetrics, text/plain (no version, or 0.0.4),
 * text/(star) and (star)/(star) for the text format; none acceptable: the
 * text format, as Prometheus's own client libraries do.
 */
enum om_format om_negotiate(const char *accept);

struct om_buf {
	char *s;       /* NUL-terminated text (NULL while empty) */
	size_t len, cap;
	bool oom;      /* an append failed: the text is incomplete */
};

void om_buf_free(struct om_buf *b);
/* printf-style append (sets oom on failure). */
void om_printf(struct om_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct om_family {
	const char *name;  /* the family's name: without _total, _info (nor _bucket...) */
	enum om_type type;
	const char *unit;  /* OpenMetrics UNIT ("seconds", "bytes", the name's suffix); NULL: none */
	const char *help;
};

struct om_label {
	const char *name;
	const char *value; /* any bytes up to the NUL */
};

/* The family's HELP and TYPE lines (and UNIT in OpenMetrics). */
void om_family(struct om_buf *b, enum om_format f, const struct om_family *fam);

/*
 * One sample of a counter (name_total), a gauge (name) or an info family
 * (name_info, value 1 whatever @v), with labels @l[0..n).
 */
void om_sample_u64(struct om_buf *b, enum om_format f, const struct om_family *fam,
		   const struct om_label *l, size_t n, uint64_t v);
/* The same with a value in nanoseconds, written in seconds, exactly ("0.000001024"). */
void om_sample_ns(struct om_buf *b, enum om_format f, const struct om_family *fam,
		  const struct om_label *l, size_t n, uint64_t ns);

/*
 * A histogram's samples: name_bucket{...,le="B"} for each bound @le_ns[i]
 * (nanoseconds, ascending, written in seconds: om_fmt_le()), cumulative
 * from the per-bucket counts @counts[i] (the observations up to bound i, above
 * bound i - 1), then le="+Inf" (counts[nb]: those above the last bound),
 * name_count (the sum of all nb + 1 counts) and name_sum (@sum_ns, in
 * seconds).
 */
void om_histogram(struct om_buf *b, enum om_format f, const struct om_family *fam,
		  const struct om_label *l, size_t n, const uint64_t *le_ns, size_t nb,
		  const uint64_t *counts, uint64_t sum_ns);

/* OpenMetrics: "# EOF"; the text format: nothing. */
void om_finish(struct om_buf *b, enum om_format f);

/* @ns in seconds, exactly, into @buf (at least 32 bytes): "0", "1.5", "0.000001024". */
const char *om_fmt_ns(char *buf, size_t size, uint64_t ns);
/*
 * The same as a histogram bound, in OpenMetrics's canonical form (Go's %g,
 * shortest, ".0" added to an integer): "2.56e-07", "0.000131072", "1.0".
 */
const char *om_fmt_le(char *buf, size_t size, uint64_t ns);

#endif /* PVT_OPENMETRICS_H */
