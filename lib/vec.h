/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vec.h - growable arrays: an array pointer and its capacity, kept where
 * the caller keeps them (struct fields or locals), grown by doubling.
 *
 *	struct rec *v = NULL;
 *	size_t n = 0, cap = 0;
 *
 *	if (VEC_PUSH(v, n, cap, rec))
 *		return -ENOMEM;         // v, n and cap as they were
 *	...
 *	free(v);
 *
 * The macros take lvalues and evaluate them more than once: pass plain
 * names or fields, not expressions with side effects.  libc only.
 */
#ifndef PVT_VEC_H
#define PVT_VEC_H

#include <errno.h>
#include <stddef.h>

#define VEC_MIN_CAP 16

/*
 * The capacity to grow @cap to so that it holds @need elements: doubled
 * (from VEC_MIN_CAP) until it does; 0 if that overflows.
 */
size_t vec_grow_cap(size_t cap, size_t need);

/* realloc(@p, @n * @size), the product checked: NULL (and @p untouched) on overflow or ENOMEM. */
void *vec_realloc(void *p, size_t n, size_t size);

/* Room for at least @need elements in (@arr, @cap): 0, or -ENOMEM with both unchanged. */
#define VEC_RESERVE(arr, cap, need)                                                   \
	({                                                                            \
		size_t need_ = (need);                                                \
		int rc_ = 0;                                                          \
		if (need_ > (cap)) {                                                  \
			size_t ncap_ = vec_grow_cap((cap), need_);                    \
			void *p_ = ncap_ ? vec_realloc((arr), ncap_, sizeof(*(arr))) : NULL; \
			if (p_) {                                                     \
				(arr) = p_;                                           \
				(cap) = ncap_;                                        \
			} else {                                                      \
				rc_ = -ENOMEM;                                        \
			}                                                             \
		}                                                                     \
		rc_;                                                                  \
	})

/* Append @x (an element) to (@arr, @n, @cap): 0, or -ENOMEM with all three unchanged. */
#define VEC_PUSH(arr, n, cap, x)                                                      \
	({                                                                            \
		int rc_ = VEC_RESERVE(arr, cap, (n) + 1);                             \
		if (!rc_)                                                             \
			(arr)[(n)++] = (x);                                           \
		rc_;                                                                  \
	})

#endif /* PVT_VEC_H */
