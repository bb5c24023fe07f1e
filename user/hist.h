/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hist.h - latency histograms: the bucket scheme shared with the BPF side,
 * quantiles, and a bcc-style log2 text rendering.
 *
 * Bucket scheme (bpf/ uses the same; keep them in step): values 0..3 go to
 * buckets 0..3 exactly; for v >= 4, with l = floor(log2(v)) (l >= 2),
 * sub = (v >> (l - 2)) & 3 and idx = (l - 1) * 4 + sub, clamped to
 * PVT_HIST_BUCKETS - 1.  Each power of two is split in 4 equal sub-buckets;
 * bucket idx >= 4 covers [(4 + sub) << (l - 2), (5 + sub) << (l - 2)) with
 * l = idx / 4 + 1, sub = idx % 4.  The last bucket is open-ended.
 */
#ifndef PVT_HIST_H
#define PVT_HIST_H

#include <stdint.h>
#include <stdio.h>

#ifndef PVT_HIST_BUCKETS
#define PVT_HIST_BUCKETS 144
#endif

/* Userspace sums (the BPF side keeps u32 per task). */
struct hist {
	uint64_t b[PVT_HIST_BUCKETS];
};

/* The bucket of a value (ns). */
unsigned hist_bucket_of(uint64_t v);
/* Inclusive low and exclusive high bound of a bucket; idx beyond the last is
 * treated as the last.  The last bucket's high is the scheme's nominal bound
 * even though that bucket also takes everything larger. */
uint64_t hist_bucket_low(unsigned idx);
uint64_t hist_bucket_high(unsigned idx);

/* Add a BPF per-task array of PVT_HIST_BUCKETS u32. */
void hist_add_u32(struct hist *dst, const uint32_t *src);
void hist_add(struct hist *dst, const struct hist *src);
uint64_t hist_count(const struct hist *h);

/*
 * q in [0,1]: the value below which a fraction q of samples lie.  Finds the
 * bucket holding rank ceil(q * count) (at least 1), interpolates linearly
 * inside [low, high), then clamps to [min_ns, max_ns] (pass 0 / UINT64_MAX
 * when unknown).  0 if empty.  Monotone in q.
 */
uint64_t hist_quantile(const struct hist *h, double q, uint64_t min_ns, uint64_t max_ns);

/*
 * bcc-style log2 histogram: the title line (when title is non-empty), then
 * sub-buckets merged into powers of two in the unit that fits (nsecs, usecs
 * or msecs, chosen from the largest non-empty bucket), one row per power of
 * two from the first to the last non-empty one.  "(no samples)" when empty.
 * Lines are at most 100 columns.
 */
void hist_print(FILE *f, const struct hist *h, const char *title);

#endif /* PVT_HIST_H */
