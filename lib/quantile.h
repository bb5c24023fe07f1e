/* SPDX-License-Identifier: GPL-2.0 */
/*
 * quantile.h - the one quantile of pvtrace, pvbench and `pvtrace calibrate`:
 * the nearest rank.  The q-quantile of n values is the k-th smallest, with
 * k = ceil(q * n) kept in [1, n]: the smallest value with at least q of the
 * set at or below it.  It is always one of the values measured (no
 * interpolation between two), so a median of an odd count is the middle
 * value and p99 of 100 values is the 99th.
 *
 * user/hist.c's histogram quantile takes the same rank, then places it
 * inside its bucket (the samples themselves are not kept).  libc only.
 */
#ifndef PVT_QUANTILE_H
#define PVT_QUANTILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The 1-based rank of the q-quantile of @n values: ceil(q * n) in [1, n]
 * (q below 0 or NaN counts as 0, above 1 as 1); 0 if @n is 0.  A product
 * within 1e-9 above a whole number counts as that number (0.07 * 100 is
 * 7.000000000000001 in binary).
 */
uint64_t pvt_quantile_rank(uint64_t n, double q);

/* Sort @n values ascending, in place. */
void pvt_sort_u64(uint64_t *v, size_t n);

/* The q-quantile of @n values already sorted ascending; 0 if @n is 0. */
uint64_t pvt_quantile_sorted_u64(const uint64_t *v, size_t n, double q);

/* The q-quantile of @n doubles (left as they are); NAN if @n is 0, @v NULL or no memory. */
double pvt_quantile(const double *v, size_t n, double q);

/* pvt_quantile(v, n, 0.5). */
double pvt_median(const double *v, size_t n);

#endif /* PVT_QUANTILE_H */
