// SPDX-License-Identifier: GPL-2.0
/* vec.c - growable arrays (see vec.h). */
#include <stdint.h>
#include <stdlib.h>
#include "vec.h"

size_t vec_grow_cap(size_t cap, size_t need)
{
	size_t c = cap < VEC_MIN_CAP ? VEC_MIN_CAP : cap;

	while (c < need) {
		if (c > SIZE_MAX / 2)
			return 0;
		c *= 2;
	}
	return c;
}

void *vec_realloc(void *p, size_t n, size_t size)
{
	size_t bytes;

	if (size && n > SIZE_MAX / size)
		return NULL;
	bytes = n * size;
	return realloc(p, bytes ? bytes : 1);
}
