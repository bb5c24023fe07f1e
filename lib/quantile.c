// SPDX-License-Identifier: GPL-2.0
/* quantile.c - the nearest-rank quantile (see quantile.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "quantile.h"

uint64_t pvt_quantile_rank(uint64_t n, double q)
{
	double r;
	uint64_t k;

	if (!n)
		return 0;
	if (!(q > 0)) /* also NaN */
		return 1;
	if (q >= 1)
		return n;
	r = q * (double)n + 0.999999999;
	k = r >= (double)n ? n : (uint64_t)r;
	return k < 1 ? 1 : k;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void pvt_sort_u64(uint64_t *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_u64);
}

uint64_t pvt_quantile_sorted_u64(const uint64_t *v, size_t n, double q)
{
	return n ? v[pvt_quantile_rank(n, q) - 1] : 0;
}

double pvt_quantile(const double *v, size_t n, double q)
{
	double *s, r;

	if (!n || !v)
		return NAN;
	s = malloc(n * sizeof(*s));
	if (!s)
		return NAN;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	r = s[pvt_quantile_rank(n, q) - 1];
	free(s);
	return r;
}

double pvt_median(const double *v, size_t n)
{
	return pvt_quantile(v, n, 0.5);
}
