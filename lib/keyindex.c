// SPDX-License-Identifier: GPL-2.0
/* keyindex.c - an index keyed by (id, start_time) (keyindex.h). */
#include <errno.h>
#include <stdlib.h>
#include "keyindex.h"

struct pvt_index {
	size_t cap;        /* power of two */
	size_t used;
	struct slot { uint64_t start; uint32_t id; uint32_t pos1; } *slots; /* pos1 = pos + 1, 0 free */
};

static uint64_t ix_hash(uint32_t id, uint64_t start)
{
	uint64_t h = start ^ ((uint64_t)id * 0x9e3779b97f4a7c15ull);

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 29);
}

/* The slot holding (id, start), or the free slot where it would go. */
static size_t ix_slot(const struct pvt_index *ix, uint32_t id, uint64_t start)
{
	size_t i = ix_hash(id, start) & (ix->cap - 1);

	while (ix->slots[i].pos1 && (ix->slots[i].id != id || ix->slots[i].start != start))
		i = (i + 1) & (ix->cap - 1);
	return i;
}

long pvt_index_find(const struct pvt_index *ix, uint32_t id, uint64_t start)
{
	size_t i;

	if (!ix)
		return -1;
	i = ix_slot(ix, id, start);
	return ix->slots[i].pos1 ? (long)ix->slots[i].pos1 - 1 : -1;
}

/* Twice the room, every entry moved over.  0 or -ENOMEM (then *pix untouched). */
static int ix_grow(struct pvt_index **pix)
{
	struct pvt_index *ix = *pix, *n = calloc(1, sizeof(*n));
	size_t ncap = ix ? ix->cap * 2 : 256;

	if (!n || !(n->slots = calloc(ncap, sizeof(*n->slots)))) {
		free(n);
		return -ENOMEM;
	}
	n->cap = ncap;
	for (size_t j = 0; ix && j < ix->cap; j++) {
		const struct slot *s = &ix->slots[j];

		if (s->pos1) {
			n->slots[ix_slot(n, s->id, s->start)] = *s;
			n->used++;
		}
	}
	pvt_index_free(ix);
	*pix = n;
	return 0;
}

int pvt_index_put(struct pvt_index **pix, uint32_t id, uint64_t start, size_t pos)
{
	struct pvt_index *ix = *pix;
	size_t i;

	if (pos >= UINT32_MAX)
		return -ENOMEM;
	if (ix) {
		i = ix_slot(ix, id, start);
		if (ix->slots[i].pos1) {
			ix->slots[i].pos1 = (uint32_t)pos + 1;
			return 0;
		}
	}
	if ((!ix || (ix->used + 1) * 2 > ix->cap) && ix_grow(pix))
		return -ENOMEM;
	ix = *pix;
	i = ix_slot(ix, id, start);
	ix->slots[i] = (struct slot){ .start = start, .id = id, .pos1 = (uint32_t)pos + 1 };
	ix->used++;
	return 0;
}

int pvt_index_del(struct pvt_index *ix, uint32_t id, uint64_t start)
{
	size_t mask, i, j;

	if (!ix)
		return -ENOENT;
	mask = ix->cap - 1;
	i = ix_slot(ix, id, start);
	if (!ix->slots[i].pos1)
		return -ENOENT;
	/* Backward shift: move up each later entry of the run whose home is not in (i, j]. */
	for (j = (i + 1) & mask; ix->slots[j].pos1; j = (j + 1) & mask) {
		size_t home = ix_hash(ix->slots[j].id, ix->slots[j].start) & mask;

		if (((j - home) & mask) >= ((j - i) & mask)) {
			ix->slots[i] = ix->slots[j];
			i = j;
		}
	}
	ix->slots[i] = (struct slot){ 0 };
	ix->used--;
	return 0;
}

size_t pvt_index_count(const struct pvt_index *ix)
{
	return ix ? ix->used : 0;
}

void pvt_index_free(struct pvt_index *ix)
{
	if (ix)
		free(ix->slots);
	free(ix);
}
