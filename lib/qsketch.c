// SPDX-License-Identifier: GPL-2.0
/* qsketch.c - bounded quantiles: exact distinct values, then a log-linear histogram (qsketch.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "qsketch.h"
#include "quantile.h"
#include "vec.h"

#define SUB (1u << QS_SUB_BITS)

void qs_init(struct pvt_qsketch *s)
{
	memset(s, 0, sizeof(*s));
}

void qs_free(struct pvt_qsketch *s)
{
	free(s->vals);
	free(s->buckets);
	memset(s, 0, sizeof(*s));
}

unsigned qs_bucket_of(uint64_t v)
{
	unsigned l;

	if (v < SUB)
		return (unsigned)v;
	l = 63u - (unsigned)__builtin_clzll(v);
	return (l - QS_SUB_BITS + 1) * SUB + (unsigned)((v >> (l - QS_SUB_BITS)) & (SUB - 1));
}

uint64_t qs_bucket_low(unsigned idx)
{
	unsigned l;

	if (idx < SUB)
		return idx;
	l = idx / SUB + QS_SUB_BITS - 1;
	return (uint64_t)(SUB + idx % SUB) << (l - QS_SUB_BITS);
}

uint64_t qs_bucket_width(unsigned idx)
{
	return idx < SUB ? 1 : 1ull << (idx / SUB - 1);
}

static void stats_add(struct pvt_qsketch *s, uint64_t v, uint64_t n)
{
	if (!s->count || v < s->min)
		s->min = v;
	if (!s->count || v > s->max)
		s->max = v;
	s->count += n;
	s->sum += v * n;
}

/* From exact values to the histogram.  0 or -ENOMEM (still exact). */
static int to_histogram(struct pvt_qsketch *s)
{
	uint64_t *b = calloc(QS_BUCKETS, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < s->nvals; i++)
		b[qs_bucket_of(s->vals[i].v)] += s->vals[i].n;
	free(s->vals);
	s->vals = NULL;
	s->nvals = s->vals_cap = 0;
	s->buckets = b;
	return 0;
}

/* The first exact value >= v. */
static size_t lower_bound(const struct pvt_qsketch *s, uint64_t v)
{
	size_t lo = 0, hi = s->nvals;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->vals[mid].v < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int qs_add(struct pvt_qsketch *s, uint64_t v, uint64_t n)
{
	size_t i;

	if (!n)
		return 0;
	if (!s->buckets) {
		i = lower_bound(s, v);
		if (i < s->nvals && s->vals[i].v == v) {
			s->vals[i].n += n;
			stats_add(s, v, n);
			return 0;
		}
		if (s->nvals < QS_EXACT) {
			if (VEC_RESERVE(s->vals, s->vals_cap, s->nvals + 1))
				return -ENOMEM;
			memmove(&s->vals[i + 1], &s->vals[i], (s->nvals - i) * sizeof(*s->vals));
			s->vals[i] = (struct pvt_qs_val){ .v = v, .n = n };
			s->nvals++;
			stats_add(s, v, n);
			return 0;
		}
		if (to_histogram(s))
			return -ENOMEM;
	}
	s->buckets[qs_bucket_of(v)] += n;
	stats_add(s, v, n);
	return 0;
}

int qs_merge(struct pvt_qsketch *dst, const struct pvt_qsketch *src)
{
	uint64_t cnt = dst->count, sum = dst->sum, mn = dst->min, mx = dst->max;

	if (!src->count)
		return 0;
	if (!src->buckets) {
		for (size_t i = 0; i < src->nvals; i++)
			if (qs_add(dst, src->vals[i].v, src->vals[i].n))
				return -ENOMEM;
		return 0;
	}
	if (!dst->buckets && to_histogram(dst))
		return -ENOMEM;
	for (unsigned i = 0; i < QS_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count = cnt + src->count;
	dst->sum = sum + src->sum;
	dst->min = cnt && mn < src->min ? mn : src->min;
	dst->max = cnt && mx > src->max ? mx : src->max;
	return 0;
}

int qs_copy(struct pvt_qsketch *dst, const struct pvt_qsketch *src)
{
	qs_init(dst);
	if (qs_merge(dst, src)) {
		qs_free(dst);
		return -ENOMEM;
	}
	return 0;
}

/* The histogram's quantile: rank placed inside its bucket, clamped to [min, max]. */
static uint64_t hist_rank_value(const struct pvt_qsketch *s, uint64_t rank)
{
	uint64_t cum = 0, v = s->max;

	for (unsigned i = 0; i < QS_BUCKETS; i++) {
		uint64_t n = s->buckets[i], low, last, pos;

		if (!n || cum + n < rank) {
			cum += n;
			continue;
		}
		low = qs_bucket_low(i);
		last = low + (qs_bucket_width(i) - 1);
		pos = rank - cum; /* 1..n: spread evenly over [low, last] */
		if (pos == n && n > 1)
			v = last;
		else
			v = low + (uint64_t)((long double)(last - low) *
					     (n == 1 ? 0.5 : (double)(pos - 1) / (double)(n - 1)));
		break;
	}
	return v < s->min ? s->min : v > s->max ? s->max : v;
}

uint64_t qs_quantile(const struct pvt_qsketch *s, double q)
{
	uint64_t rank, cum = 0;

	if (!s->count)
		return 0;
	rank = pvt_quantile_rank(s->count, q);
	if (rank == s->count)
		return s->max;
	if (rank == 1)
		return s->min;
	if (s->buckets)
		return hist_rank_value(s, rank);
	for (size_t i = 0; i < s->nvals; i++) {
		cum += s->vals[i].n;
		if (cum >= rank)
			return s->vals[i].v;
	}
	return s->max;
}
