// SPDX-License-Identifier: GPL-2.0
/* hist.c - latency histograms (see hist.h for the bucket scheme). */
#include <string.h>
#include "hist.h"
#include "quantile.h"

#define HIST_LAST (PVT_HIST_BUCKETS - 1)

static unsigned ilog2_u64(uint64_t v)
{
	return 63u - (unsigned)__builtin_clzll(v);
}

unsigned hist_bucket_of(uint64_t v)
{
	unsigned l, sub, idx;

	if (v < 4)
		return (unsigned)v;
	l = ilog2_u64(v);
	sub = (unsigned)(v >> (l - 2)) & 3;
	idx = (l - 1) * 4 + sub;
	return idx > HIST_LAST ? HIST_LAST : idx;
}

uint64_t hist_bucket_low(unsigned idx)
{
	if (idx > HIST_LAST)
		idx = HIST_LAST;
	if (idx < 4)
		return idx;
	return (uint64_t)(4 + idx % 4) << (idx / 4 + 1 - 2);
}

uint64_t hist_bucket_high(unsigned idx)
{
	if (idx > HIST_LAST)
		idx = HIST_LAST;
	if (idx < 4)
		return idx + 1;
	return (uint64_t)(5 + idx % 4) << (idx / 4 + 1 - 2);
}

void hist_add_u32(struct hist *dst, const uint32_t *src)
{
	if (!dst || !src)
		return;
	for (unsigned i = 0; i < PVT_HIST_BUCKETS; i++)
		dst->b[i] += src[i];
}

void hist_add(struct hist *dst, const struct hist *src)
{
	if (!dst || !src)
		return;
	for (unsigned i = 0; i < PVT_HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
}

uint64_t hist_count(const struct hist *h)
{
	uint64_t n = 0;

	if (!h)
		return 0;
	for (unsigned i = 0; i < PVT_HIST_BUCKETS; i++)
		n += h->b[i];
	return n;
}

uint64_t hist_quantile(const struct hist *h, double q, uint64_t min_ns, uint64_t max_ns)
{
	uint64_t count = hist_count(h), rank, cum = 0, v = 0;

	if (!count)
		return 0;
	/* The sample quantile's rank (lib/quantile.h), placed inside its bucket below. */
	rank = pvt_quantile_rank(count, q);

	/* The extremes, when known, are the first and the last sample. */
	if (rank == count && max_ns != UINT64_MAX)
		return max_ns;	/* max_ns wins over min_ns, as in the clamp below */
	if (rank == 1 && min_ns != 0)
		return min_ns > max_ns ? max_ns : min_ns;

	for (unsigned i = 0; i < PVT_HIST_BUCKETS; i++) {
		uint64_t n = h->b[i], low, high, pos;
		double frac;

		if (!n || cum + n < rank) {
			cum += n;
			continue;
		}
		low = hist_bucket_low(i);
		high = hist_bucket_high(i);
		/* The last bucket is open-ended: stretch it to a known maximum. */
		if (i == HIST_LAST && max_ns != UINT64_MAX && max_ns >= high)
			high = max_ns + 1;
		pos = rank - cum;	/* 1..n */
		/*
		 * Spread the bucket's n samples evenly over [low, high - 1]: the
		 * first at low, the last at high - 1, so that with min_ns/max_ns
		 * known q=0 and q=1 give them exactly.  A lone sample sits in the
		 * middle.
		 */
		if (n > 1 && pos == n) {
			v = high - 1;	/* exact, whatever the float precision */
			break;
		}
		frac = n == 1 ? 0.5 : (double)(pos - 1) / (double)(n - 1);
		v = low + (uint64_t)((long double)(high - 1 - low) * frac);
		if (v > high - 1)
			v = high - 1;
		if (v < low)
			v = low;
		break;
	}
	if (v < min_ns)
		v = min_ns;
	if (v > max_ns)
		v = max_ns;
	return v;
}

/* ---- printing ---- */

#define HIST_MAX_COLS 100
#define HIST_BAR_MAX 40

static unsigned slot_of(uint64_t x)
{
	return x < 2 ? 0 : ilog2_u64(x);
}

static int ndigits(uint64_t v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

void hist_print(FILE *f, const struct hist *h, const char *title)
{
	static const struct {
		const char *name;
		uint64_t div;
	} units[] = { { "nsecs", 1 }, { "usecs", 1000 }, { "msecs", 1000000 } };
	uint64_t slots[64], top, maxc = 0;
	int first = -1, last = -1, lastb = -1, u, w, cw, bars;
	int open = 0;

	if (title && *title)
		fprintf(f, "%s\n", title);
	if (h)
		for (int i = 0; i < PVT_HIST_BUCKETS; i++)
			if (h->b[i])
				lastb = i;
	if (lastb < 0) {
		fprintf(f, "(no samples)\n");
		return;
	}

	/* Unit: the largest in which the top bucket is at least 1000 units. */
	top = hist_bucket_low((unsigned)lastb);
	u = top >= 1000000000ull ? 2 : top >= 1000000ull ? 1 : 0;
	open = lastb == HIST_LAST;

	/* Merge sub-buckets into powers of two of the display unit, each by its
	 * midpoint (exact in nsecs, where no sub-bucket straddles a power). */
	memset(slots, 0, sizeof(slots));
	for (int i = 0; i <= lastb; i++) {
		uint64_t lo, hi, s;

		if (!h->b[i])
			continue;
		lo = hist_bucket_low((unsigned)i);
		hi = hist_bucket_high((unsigned)i);
		s = slot_of((lo + (hi - lo) / 2) / units[u].div);
		slots[s] += h->b[i];
	}
	for (int s = 0; s < 64; s++) {
		if (!slots[s])
			continue;
		if (first < 0)
			first = s;
		last = s;
		if (slots[s] > maxc)
			maxc = slots[s];
	}

	/* Column widths: bcc's 10 digits unless the labels need more. */
	w = ndigits(last >= 63 ? UINT64_MAX : (2ull << last) - 1);
	if (w < 10)
		w = 10;
	cw = ndigits(maxc);
	if (cw < 8)
		cw = 8;
	/* "%*s -> %-*s : %-*s |bars|" */
	bars = HIST_MAX_COLS - (w + 4 + w + 3 + cw + 1 + 2);
	if (bars > HIST_BAR_MAX)
		bars = HIST_BAR_MAX;
	if (bars < 1)
		bars = 1;

	fprintf(f, "%*s%-*s : %-*s distribution\n", w - 5, "", w + 9, units[u].name,
		cw, "count");
	for (int s = first; s <= last; s++) {
		char lo[24], hi[24], bar[HIST_BAR_MAX + 1];
		uint64_t nstars;

		snprintf(lo, sizeof(lo), "%llu", s == 0 ? 0ull : 1ull << s);
		if (open && s == last)
			snprintf(hi, sizeof(hi), "inf");
		else
			snprintf(hi, sizeof(hi), "%llu",
				 s >= 63 ? (unsigned long long)UINT64_MAX : (2ull << s) - 1);
		nstars = (uint64_t)((unsigned __int128)slots[s] * (unsigned)bars / maxc);
		memset(bar, '*', nstars);
		memset(bar + nstars, ' ', (size_t)bars - nstars);
		bar[bars] = '\0';
		fprintf(f, "%*s -> %-*s : %-*llu |%s|\n", w, lo, w, hi, cw,
			(unsigned long long)slots[s], bar);
	}
}
