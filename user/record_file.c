// SPDX-License-Identifier: GPL-2.0
/*
 * record_file.c - pvtrace's recording format: the writer and the reader
 * (record_file.h; the format itself: docs/RECORD.md).  zlib does the
 * compression and the checksums.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "privs.h"
#include "record_file.h"
#include "vec.h"

#define JOURNAL_FLUSH (256u << 10) /* a journal chunk is written at this size (raw) */
#define SCHED_COL_BYTES (8 + 4 * 4 + 3) /* per event: ts delta, tid, other, arg, next_pid, kind, state, flags */
#define MAX_CPUS 8192

struct cpu_buf {
	struct pvt_sched_ev *ev;
	size_t n;
};

struct pvt_rec_writer {
	int fd;
	int err;                 /* the first error (-errno) */
	uint8_t *info;           /* INFO records until recw_begin() */
	size_t info_len, info_cap;
	uint32_t info_count;
	uint8_t *jr;             /* the journal chunk being filled */
	size_t jr_len, jr_cap;
	uint32_t jr_count;
	struct cpu_buf *cpus;
	size_t ncpus;
	uint8_t *zbuf, *col;     /* scratch: compressed output, columns */
	size_t zcap, colcap;
	uint64_t bytes, chunks, sched, journal;
};

static void fmt(char *err, size_t errlen, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(err, errlen, f, ap);
	va_end(ap);
}

static int grow(uint8_t **p, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 4096;
	uint8_t *np;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

/* Is the file at @fd a pvtrace recording (its first bytes)? */
static bool is_recording(int fd)
{
	char m[8];

	return pread(fd, m, sizeof(m), 0) == (ssize_t)sizeof(m) && !memcmp(m, PVT_REC_MAGIC, 8);
}

int recw_open(struct pvt_rec_writer **out, const char *path, bool force, char *err, size_t errlen)
{
	struct pvt_rec_writer *w;
	int fd;

	*out = NULL;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd >= 0) {
		privs_chown_new_file(fd, path);
	} else if (errno == EEXIST) {
		struct stat st;

		fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			fmt(err, errlen, "%s: %s", path, errno == ELOOP ? "a symbolic link (refused)" :
							      strerror(errno));
			return -1;
		}
		if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
			close(fd);
			fmt(err, errlen, "%s: not a regular file", path);
			return -1;
		}
		if (!force && !is_recording(fd)) {
			close(fd);
			fmt(err, errlen, "%s exists and is not a pvtrace recording: not replaced "
				"(--force to replace it)", path);
			return -1;
		}
		if (ftruncate(fd, 0)) {
			fmt(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
	} else {
		fmt(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		close(fd);
		fmt(err, errlen, "out of memory");
		return -1;
	}
	w->fd = fd;
	*out = w;
	return 0;
}

static void put_tlv(uint8_t **buf, size_t *len, size_t *cap, uint32_t *count, int *err,
		    uint32_t kind, const void *a, size_t alen, const void *b, size_t blen)
{
	uint32_t h[2] = { kind, (uint32_t)(alen + blen) };

	if (*err)
		return;
	if (alen + blen > PVT_CHUNK_MAX / 2 || grow(buf, cap, *len + sizeof(h) + alen + blen)) {
		*err = -ENOMEM;
		return;
	}
	memcpy(*buf + *len, h, sizeof(h));
	*len += sizeof(h);
	if (alen)
		memcpy(*buf + *len, a, alen);
	*len += alen;
	if (blen)
		memcpy(*buf + *len, b, blen);
	*len += blen;
	(*count)++;
}

void recw_info(struct pvt_rec_writer *w, uint32_t kind, const void *data, size_t len)
{
	put_tlv(&w->info, &w->info_len, &w->info_cap, &w->info_count, &w->err, kind, data, len,
		NULL, 0);
}

static int write_all(struct pvt_rec_writer *w, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t r = write(w->fd, c, n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += r;
		n -= (size_t)r;
		w->bytes += (uint64_t)r;
	}
	return 0;
}

/* CRC-32 of a chunk: its header (crc as 0), then its stored bytes. */
static uint32_t chunk_crc(const struct pvt_chunk_hdr *h, const uint8_t *stored, size_t len)
{
	struct pvt_chunk_hdr z = *h;
	uLong crc;

	z.crc = 0;
	crc = crc32(0, (const Bytef *)&z, sizeof(z));
	/* not NULL even when empty: zlib's crc32() of NULL is its initial value, 0 */
	return (uint32_t)crc32(crc, len ? stored : (const Bytef *)"", (uInt)len);
}

/* One chunk: compressed if that is smaller. */
static int write_chunk(struct pvt_rec_writer *w, uint32_t type, uint32_t cpu, uint32_t count,
		       const uint8_t *raw, size_t len, bool compress)
{
	struct pvt_chunk_hdr h = { .magic = PVT_CHUNK_MAGIC, .type = type, .cpu = cpu,
				   .count = count, .raw_len = (uint32_t)len };
	const uint8_t *stored = raw;
	uLongf zlen;

	if (w->err)
		return w->err;
	if (len > PVT_CHUNK_MAX)
		return w->err = -E2BIG;
	if (compress && len) {
		zlen = compressBound(len);
		if (grow(&w->zbuf, &w->zcap, zlen))
			return w->err = -ENOMEM;
		if (compress2(w->zbuf, &zlen, raw, len, 6) == Z_OK && zlen < len) {
			stored = w->zbuf;
			len = zlen;
			h.flags = PVT_CHF_ZLIB;
		}
	}
	h.stored_len = (uint32_t)len;
	h.crc = chunk_crc(&h, stored, len);
	w->err = write_all(w, &h, sizeof(h));
	if (!w->err)
		w->err = write_all(w, stored, len);
	w->chunks++;
	return w->err;
}

int recw_begin(struct pvt_rec_writer *w)
{
	struct pvt_file_hdr h = { .version = PVT_REC_VERSION, .hdr_size = sizeof(h) };

	memcpy(h.magic, PVT_REC_MAGIC, 8);
	if (!w->err)
		w->err = write_all(w, &h, sizeof(h));
	return write_chunk(w, PVT_CH_INFO, 0, w->info_count, w->info, w->info_len, false);
}

/* One CPU's events, column by column (docs/RECORD.md), as one chunk. */
static int flush_cpu(struct pvt_rec_writer *w, uint32_t cpu)
{
	struct cpu_buf *b = &w->cpus[cpu];
	size_t n = b->n, i;
	uint8_t *p;
	uint64_t prev = 0;

	if (!n)
		return 0;
	if (grow(&w->col, &w->colcap, n * SCHED_COL_BYTES))
		return w->err = -ENOMEM;
	p = w->col;
	for (i = 0; i < n; i++) { /* ts: the first absolute, then deltas (never negative: sorted) */
		uint64_t d = b->ev[i].ts - prev;

		memcpy(p, &d, 8);
		p += 8;
		prev = b->ev[i].ts;
	}
#define COL32(field) do { for (i = 0; i < n; i++, p += 4) memcpy(p, &b->ev[i].field, 4); } while (0)
	COL32(tid);
	COL32(other);
	COL32(arg);
	COL32(next_pid);
#undef COL32
	for (i = 0; i < n; i++)
		*p++ = b->ev[i].kind;
	for (i = 0; i < n; i++)
		*p++ = b->ev[i].state;
	for (i = 0; i < n; i++)
		*p++ = (uint8_t)b->ev[i].flags;
	b->n = 0;
	w->sched += n;
	return write_chunk(w, PVT_CH_SCHED, cpu, (uint32_t)n, w->col, (size_t)(p - w->col), true);
}

static int by_ts(const void *a, const void *b)
{
	const struct pvt_sched_ev *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

void recw_sched(struct pvt_rec_writer *w, const struct pvt_sched_ev *ev)
{
	struct cpu_buf *b;

	if (w->err || ev->cpu >= MAX_CPUS)
		return;
	if (ev->cpu >= w->ncpus) {
		size_t n = (size_t)ev->cpu + 1;
		struct cpu_buf *nc = realloc(w->cpus, n * sizeof(*nc));

		if (!nc) {
			w->err = -ENOMEM;
			return;
		}
		memset(nc + w->ncpus, 0, (n - w->ncpus) * sizeof(*nc));
		w->cpus = nc;
		w->ncpus = n;
	}
	b = &w->cpus[ev->cpu];
	if (!b->ev) {
		b->ev = malloc(PVT_SCHED_PER_CHUNK * sizeof(*b->ev));
		if (!b->ev) {
			w->err = -ENOMEM;
			return;
		}
	}
	b->ev[b->n++] = *ev;
	if (b->n == PVT_SCHED_PER_CHUNK) {
		/* a program nested in another (an interrupt's wakeup) can submit out of order */
		qsort(b->ev, b->n, sizeof(*b->ev), by_ts);
		flush_cpu(w, ev->cpu);
	}
}

void recw_journal(struct pvt_rec_writer *w, uint32_t kind, const void *a, size_t alen,
		  const void *b, size_t blen)
{
	put_tlv(&w->jr, &w->jr_len, &w->jr_cap, &w->jr_count, &w->err, kind, a, alen, b, blen);
	w->journal++;
	if (w->jr_len >= JOURNAL_FLUSH) {
		write_chunk(w, PVT_CH_JOURNAL, 0, w->jr_count, w->jr, w->jr_len, true);
		w->jr_len = 0;
		w->jr_count = 0;
	}
}

int recw_flush(struct pvt_rec_writer *w)
{
	for (size_t c = 0; c < w->ncpus; c++) {
		if (w->cpus[c].n) {
			qsort(w->cpus[c].ev, w->cpus[c].n, sizeof(struct pvt_sched_ev), by_ts);
			flush_cpu(w, (uint32_t)c);
		}
	}
	if (w->jr_len) {
		write_chunk(w, PVT_CH_JOURNAL, 0, w->jr_count, w->jr, w->jr_len, true);
		w->jr_len = 0;
		w->jr_count = 0;
	}
	return w->err;
}

static void writer_free(struct pvt_rec_writer *w)
{
	for (size_t c = 0; c < w->ncpus; c++)
		free(w->cpus[c].ev);
	free(w->cpus);
	free(w->info);
	free(w->jr);
	free(w->zbuf);
	free(w->col);
	free(w);
}

int recw_close(struct pvt_rec_writer *w, uint64_t sched_lost)
{
	struct pvt_rec_end e;
	int err;

	recw_flush(w);
	e = (struct pvt_rec_end){ .chunks = w->chunks, .sched_events = w->sched,
				  .journal_records = w->journal, .sched_lost = sched_lost };
	write_chunk(w, PVT_CH_END, 0, 0, (const uint8_t *)&e, sizeof(e), false);
	err = w->err;
	if (close(w->fd) && !err)
		err = -errno;
	writer_free(w);
	return err;
}

void recw_abort(struct pvt_rec_writer *w)
{
	if (!w)
		return;
	close(w->fd);
	writer_free(w);
}

uint64_t recw_bytes(const struct pvt_rec_writer *w)
{
	return w->bytes;
}

uint64_t recw_sched_events(const struct pvt_rec_writer *w)
{
	return w->sched;
}

/* ---- reader ---- */

struct pvt_rec_reader {
	const uint8_t *buf;
	size_t len, off;
	uint8_t *owned;          /* recr_open()'s copy of the file */
	uint8_t *inflated;
	size_t inflated_cap;
	uint64_t chunks;
	struct pvt_rec_end end;
	bool ended;
};

int recr_open_mem(struct pvt_rec_reader **out, const void *buf, size_t len, char *err, size_t errlen)
{
	struct pvt_file_hdr h;
	struct pvt_rec_reader *r;

	*out = NULL;
	if (len < sizeof(h) || memcmp(buf, PVT_REC_MAGIC, 8)) {
		fmt(err, errlen, "not a pvtrace recording (no %s header)", "PVTRDATA");
		return -1;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.version != PVT_REC_VERSION) {
		fmt(err, errlen, "a pvtrace recording of format version %u; this pvtrace reads version %u",
		    h.version, PVT_REC_VERSION);
		return -1;
	}
	if (h.hdr_size != sizeof(h)) {
		fmt(err, errlen, "corrupt recording: header size %u", h.hdr_size);
		return -1;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		fmt(err, errlen, "out of memory");
		return -1;
	}
	r->buf = buf;
	r->len = len;
	r->off = sizeof(h);
	*out = r;
	return 0;
}

int recr_open(struct pvt_rec_reader **out, const char *path, char *err, size_t errlen)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fmt(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st)) {
		fmt(err, errlen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)4 << 30) {
		fmt(err, errlen, "%s", S_ISREG(st.st_mode) ? "larger than 4 GiB" : "not a regular file");
		close(fd);
		return -1;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		fmt(err, errlen, "out of memory");
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (recr_open_mem(out, buf, got, err, errlen)) {
		free(buf);
		return -1;
	}
	(*out)->owned = buf;
	return 0;
}

void recr_close(struct pvt_rec_reader *r)
{
	if (!r)
		return;
	free(r->owned);
	free(r->inflated);
	free(r);
}

const struct pvt_rec_end *recr_end(const struct pvt_rec_reader *r)
{
	return r->ended ? &r->end : NULL;
}

/* A chunk's payload is what its type says it is; SCHED: column lengths exact. */
static int check_payload(const struct pvt_chunk *c, char *err, size_t errlen, uint64_t nchunk)
{
	size_t off = 0;
	uint32_t kind, len, n = 0;
	const uint8_t *d;
	int rc;

	switch (c->type) {
	case PVT_CH_SCHED:
		if ((uint64_t)c->count * SCHED_COL_BYTES != c->len || !c->count || c->cpu >= MAX_CPUS)
			goto bad;
		return 0;
	case PVT_CH_INFO:
	case PVT_CH_JOURNAL:
		while ((rc = recr_tlv(c, &off, &kind, &d, &len)) == 1)
			n++;
		if (rc < 0 || n != c->count)
			goto bad;
		return 0;
	case PVT_CH_END:
		if (c->len != sizeof(struct pvt_rec_end))
			goto bad;
		return 0;
	default:
		fmt(err, errlen, "corrupt recording: chunk %llu has unknown type %u",
		    (unsigned long long)nchunk, c->type);
		return -1;
	}
bad:
	fmt(err, errlen, "corrupt recording: chunk %llu (type %u) is malformed",
	    (unsigned long long)nchunk, c->type);
	return -1;
}

int recr_next(struct pvt_rec_reader *r, struct pvt_chunk *c, char *err, size_t errlen)
{
	struct pvt_chunk_hdr h;
	const uint8_t *stored;

	if (r->ended)
		return 0;
	if (r->off == r->len || r->len - r->off < sizeof(h)) {
		fmt(err, errlen, "truncated recording: it ends after %llu chunks, without its end "
			"marker (a trace cut short)", (unsigned long long)r->chunks);
		return -2;
	}
	memcpy(&h, r->buf + r->off, sizeof(h));
	if (h.magic != PVT_CHUNK_MAGIC || h.raw_len > PVT_CHUNK_MAX || h.stored_len > PVT_CHUNK_MAX ||
	    (h.flags & ~PVT_CHF_ZLIB) || (!(h.flags & PVT_CHF_ZLIB) && h.raw_len != h.stored_len)) {
		fmt(err, errlen, "corrupt recording: bad chunk header at byte %zu", r->off);
		return -1;
	}
	if (r->len - r->off - sizeof(h) < h.stored_len) {
		fmt(err, errlen, "truncated recording: chunk %llu is cut short (a trace cut short)",
		    (unsigned long long)r->chunks);
		return -2;
	}
	stored = r->buf + r->off + sizeof(h);
	if (chunk_crc(&h, stored, h.stored_len) != h.crc) {
		fmt(err, errlen, "corrupt recording: chunk %llu fails its checksum",
		    (unsigned long long)r->chunks);
		return -1;
	}
	*c = (struct pvt_chunk){ .type = h.type, .cpu = h.cpu, .count = h.count, .len = h.raw_len };
	if (h.flags & PVT_CHF_ZLIB) {
		uLongf out = h.raw_len;

		if (grow(&r->inflated, &r->inflated_cap, h.raw_len ? h.raw_len : 1)) {
			fmt(err, errlen, "out of memory");
			return -1;
		}
		if (uncompress(r->inflated, &out, stored, h.stored_len) != Z_OK || out != h.raw_len) {
			fmt(err, errlen, "corrupt recording: chunk %llu does not inflate",
			    (unsigned long long)r->chunks);
			return -1;
		}
		c->data = r->inflated;
	} else {
		c->data = stored;
	}
	if (check_payload(c, err, errlen, r->chunks))
		return -1;
	if ((r->chunks == 0) != (h.type == PVT_CH_INFO)) { /* one INFO chunk, the first */
		fmt(err, errlen, "corrupt recording: %s", r->chunks ? "a second information chunk" :
			"it does not begin with its information chunk");
		return -1;
	}
	r->off += sizeof(h) + h.stored_len;
	if (h.type == PVT_CH_END) {
		memcpy(&r->end, c->data, sizeof(r->end));
		if (r->end.chunks != r->chunks) {
			fmt(err, errlen, "corrupt recording: %llu chunks, the end marker says %llu",
			    (unsigned long long)r->chunks, (unsigned long long)r->end.chunks);
			return -1;
		}
		r->ended = true;
		return 0;
	}
	r->chunks++;
	return 1;
}

void recr_sched_ev(const struct pvt_chunk *c, size_t i, struct pvt_sched_ev *ev)
{
	size_t n = c->count;
	const uint8_t *p = c->data;
	uint64_t ts = 0, d;

	/* the deltas up to i (callers walk a chunk in order: see recr_sched_all()) */
	for (size_t k = 0; k <= i; k++) {
		memcpy(&d, p + 8 * k, 8);
		ts += d;
	}
	memset(ev, 0, sizeof(*ev));
	ev->ts = ts;
	p += 8 * n;
	memcpy(&ev->tid, p + 4 * i, 4);
	p += 4 * n;
	memcpy(&ev->other, p + 4 * i, 4);
	p += 4 * n;
	memcpy(&ev->arg, p + 4 * i, 4);
	p += 4 * n;
	memcpy(&ev->next_pid, p + 4 * i, 4);
	p += 4 * n;
	ev->kind = p[i];
	ev->state = p[n + i];
	ev->flags = p[2 * n + i];
	ev->cpu = (uint16_t)c->cpu;
}

void recr_sched_all(const struct pvt_chunk *c, struct pvt_sched_ev *ev)
{
	size_t n = c->count;
	const uint8_t *ts = c->data, *col = c->data + 8 * n;
	uint64_t t = 0, d;

	for (size_t i = 0; i < n; i++) {
		memcpy(&d, ts + 8 * i, 8);
		t += d;
		memset(&ev[i], 0, sizeof(ev[i]));
		ev[i].ts = t;
		memcpy(&ev[i].tid, col + 4 * i, 4);
		memcpy(&ev[i].other, col + 4 * (n + i), 4);
		memcpy(&ev[i].arg, col + 4 * (2 * n + i), 4);
		memcpy(&ev[i].next_pid, col + 4 * (3 * n + i), 4);
		ev[i].kind = col[16 * n + i];
		ev[i].state = col[17 * n + i];
		ev[i].flags = col[18 * n + i];
		ev[i].cpu = (uint16_t)c->cpu;
	}
}

int recr_tlv(const struct pvt_chunk *c, size_t *off, uint32_t *kind, const uint8_t **data,
	     uint32_t *len)
{
	uint32_t h[2];

	if (*off == c->len)
		return 0;
	if (c->len - *off < sizeof(h))
		return -1;
	memcpy(h, c->data + *off, sizeof(h));
	if (h[1] > c->len - *off - sizeof(h))
		return -1;
	*kind = h[0];
	*len = h[1];
	*data = c->data + *off + sizeof(h);
	*off += sizeof(h) + h[1];
	return 1;
}

/* The TLV records of an INFO or JOURNAL chunk, each to @fn. */
static int walk_tlv(const struct pvt_chunk *c, void *ctx,
		    int (*fn)(void *, uint32_t, const uint8_t *, uint32_t, char *, size_t),
		    char *err, size_t errlen)
{
	const uint8_t *d;
	uint32_t kind, len;
	size_t off = 0;

	/* recr_next() checked the framing: every record is whole */
	while (recr_tlv(c, &off, &kind, &d, &len) == 1)
		if (fn && fn(ctx, kind, d, len, err, errlen))
			return -1;
	return 0;
}

int recr_walk(struct pvt_rec_reader *r, struct pvt_rec_walk *w, char *err, size_t errlen)
{
	struct pvt_chunk c;
	int rc;

	while ((rc = recr_next(r, &c, err, errlen)) == 1) {
		if (c.type == PVT_CH_INFO) { /* recr_next(): the first chunk, and only it */
			if (walk_tlv(&c, w->ctx, w->on_info, err, errlen))
				return -1;
		} else if (c.type == PVT_CH_JOURNAL) {
			if (walk_tlv(&c, w->ctx, w->on_journal, err, errlen))
				return -1;
		} else if (c.type == PVT_CH_SCHED) {
			if (VEC_RESERVE(w->ev, w->evcap, w->nev + c.count)) {
				fmt(err, errlen, "out of memory");
				return -1;
			}
			recr_sched_all(&c, w->ev + w->nev);
			w->nev += c.count;
			if (c.cpu > w->max_cpu)
				w->max_cpu = c.cpu;
		}
	}
	if (rc == 0)
		w->end = recr_end(r);
	return rc;
}
