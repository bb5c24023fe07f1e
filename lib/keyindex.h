/* SPDX-License-Identifier: GPL-2.0 */
/*
 * keyindex.h - positions in an array, found by (id, start_time): the
 * identity of a task or process instance (tid or pid with its start_time,
 * since ids are reused).  Open addressing with linear probing, grown by
 * doubling at half full; a removal shifts the entries after it back (no
 * tombstones), so a table that keeps taking and dropping keys stays as
 * large as the most it ever held at once.  libc only.
 */
#ifndef PVT_KEYINDEX_H
#define PVT_KEYINDEX_H

#include <stddef.h>
#include <stdint.h>

struct pvt_index;

/* The position stored for (id, start), or -1 (a NULL index holds nothing). */
long pvt_index_find(const struct pvt_index *ix, uint32_t id, uint64_t start);

/*
 * Store @pos (below 2^32 - 1) for (id, start), replacing any: 0, or
 * -ENOMEM with the index as it was.  *pix may be NULL (created here).
 */
int pvt_index_put(struct pvt_index **pix, uint32_t id, uint64_t start, size_t pos);

/* Forget (id, start): 0, or -ENOENT if it was not there. */
int pvt_index_del(struct pvt_index *ix, uint32_t id, uint64_t start);

/* Keys held. */
size_t pvt_index_count(const struct pvt_index *ix);

void pvt_index_free(struct pvt_index *ix);

#endif /* PVT_KEYINDEX_H */
