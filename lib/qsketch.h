/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qsketch.h - quantiles of a stream of values in bounded memory, for the
 * figures pvtrace keeps of tasks it no longer holds (user/fold.c).
 *
 * Exact while the stream has at most QS_EXACT distinct values, each kept
 * with its count: a quantile is then lib/quantile.h's nearest rank, the
 * value pvt_quantile_sorted_u64() gives over all of them.  At the first
 * distinct value beyond that the sketch becomes a log-linear histogram
 * (about 15 KiB): values below 2^QS_SUB_BITS in a bucket each, above that
 * each power of two split into 2^QS_SUB_BITS equal buckets, so a bucket is
 * narrower than 1/32 of its lower bound.  A quantile takes the same rank,
 * finds the bucket holding it, spreads that bucket's samples evenly over it
 * (as user/hist.c does) and is clamped to the exact minimum and maximum: it
 * lies in the same bucket as the exact nearest-rank value, so within 1/32
 * (3.1%) of it.  count, sum, min and max are always exact.  libc only.
 */
#ifndef PVT_QSKETCH_H
#define PVT_QSKETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QS_EXACT 512
#define QS_SUB_BITS 5
#define QS_BUCKETS ((64 - QS_SUB_BITS + 1) << QS_SUB_BITS)

struct pvt_qs_val {
	uint64_t v, n;
};

struct pvt_qsketch {
	uint64_t count, sum, min, max;
	struct pvt_qs_val *vals;    /* exact: distinct values ascending, with their counts */
	size_t nvals, vals_cap;
	uint64_t *buckets;          /* histogram (QS_BUCKETS), once beyond QS_EXACT values */
};

/* An empty sketch (all zero is one too). */
void qs_init(struct pvt_qsketch *s);
void qs_free(struct pvt_qsketch *s);

/* Add @n samples of value @v: 0, or -ENOMEM with the sketch as it was. */
int qs_add(struct pvt_qsketch *s, uint64_t v, uint64_t n);

/* Add every sample of @src to @dst: 0, or -ENOMEM (then @dst may hold part of @src). */
int qs_merge(struct pvt_qsketch *dst, const struct pvt_qsketch *src);

/* @dst (uninitialised) becomes a copy of @src: 0, or -ENOMEM with @dst empty. */
int qs_copy(struct pvt_qsketch *dst, const struct pvt_qsketch *src);

/* Still exact (no histogram yet). */
static inline bool qs_is_exact(const struct pvt_qsketch *s)
{
	return !s->buckets;
}

/* The q-quantile (q in [0,1]): exact or within a bucket, as above; 0 if empty. */
uint64_t qs_quantile(const struct pvt_qsketch *s, double q);

/* The histogram's bucket of @v and its bounds: [low, low + width). */
unsigned qs_bucket_of(uint64_t v);
uint64_t qs_bucket_low(unsigned idx);
uint64_t qs_bucket_width(unsigned idx);

#endif /* PVT_QSKETCH_H */
