// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/record_file.c: a recording written and read back
 * (scheduling events per CPU, column by column, across chunks; journal and
 * information records), a recording cut short (truncated, at every length),
 * a flipped byte (corrupt), another version, a foreign file; the information
 * chunk first and once; replacing only recordings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <zlib.h>

#include "record_file.h"

static char path[] = "/tmp/pvt-record-XXXXXX";

static struct pvt_sched_ev ev_of(uint32_t cpu, uint64_t i)
{
	return (struct pvt_sched_ev){ .ts = 1000000 + i * 2500 + cpu, .tid = 100 + (uint32_t)(i & 1),
				      .other = 101 - (uint32_t)(i & 1), .arg = 7, .cpu = (uint16_t)cpu,
				      .kind = PVT_SE_SWITCH, .state = (uint8_t)(i & 1),
				      .flags = PVT_SEF_PREV_TRACKED, .next_pid = 100 };
}

/* A recording of @n events on each of 2 CPUs and 3 journal records; its bytes in *buf. */
static size_t make(uint64_t n, uint8_t **buf)
{
	struct pvt_rec_writer *w;
	char err[256];
	FILE *f;
	long len;

	assert_int_equal(recw_open(&w, path, true, err, sizeof(err)), 0);
	recw_info(w, PVT_INFO_ARG, "ls", 2);
	assert_int_equal(recw_begin(w), 0);
	for (uint64_t i = 0; i < n; i++) {
		struct pvt_sched_ev a = ev_of(0, i), b = ev_of(1, i);

		recw_sched(w, &a);
		recw_sched(w, &b);
	}
	recw_journal(w, PVT_J_SAMPLE_END, &n, sizeof(n), NULL, 0);
	recw_journal(w, PVT_J_CGROUP, &n, sizeof(n), "/a", 2);
	recw_journal(w, 999, NULL, 0, NULL, 0);
	assert_int_equal(recw_close(w, 5), 0);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	*buf = malloc((size_t)len);
	assert_int_equal(fread(*buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return (size_t)len;
}

/* Read @len bytes of @buf to the end: the final recr_next() status; events and records counted. */
static int walk(const uint8_t *buf, size_t len, uint64_t *events, uint64_t *records, bool check)
{
	struct pvt_rec_reader *r;
	struct pvt_chunk c;
	char err[256];
	uint64_t next[2] = { 0, 0 };
	int rc;

	*events = *records = 0;
	if (recr_open_mem(&r, buf, len, err, sizeof(err)))
		return -3;
	while ((rc = recr_next(r, &c, err, sizeof(err))) == 1) {
		if (c.type == PVT_CH_SCHED) {
			for (size_t i = 0; i < c.count; i++) {
				struct pvt_sched_ev e, want;

				recr_sched_ev(&c, i, &e);
				assert_true(c.cpu < 2); /* the header is under the checksum too */
				want = ev_of(c.cpu, next[c.cpu]++);
				if (check)
					assert_memory_equal(&e, &want, sizeof(e));
			}
			*events += c.count;
		} else if (c.type == PVT_CH_JOURNAL) {
			size_t off = 0;
			uint32_t kind, l;
			const uint8_t *d;

			while (recr_tlv(&c, &off, &kind, &d, &l) == 1)
				(*records)++;
		}
	}
	if (rc == 0)
		assert_int_equal(recr_end(r)->sched_lost, 5);
	recr_close(r);
	return rc;
}

static void roundtrip(void **state)
{
	uint64_t n = PVT_SCHED_PER_CHUNK * 2 + 17, ev, rec;
	uint8_t *buf;
	size_t len = make(n, &buf);

	assert_int_equal(walk(buf, len, &ev, &rec, true), 0);
	assert_int_equal(ev, 2 * n);
	assert_int_equal(rec, 3);
	/* compact: a ping-pong's columns compress to a few bytes per event */
	assert_true(len < 2 * n * 4);
	free(buf);
}

static void truncated_at_every_length(void **state)
{
	uint8_t *buf;
	size_t len = make(3000, &buf);
	uint64_t ev, rec;

	for (size_t l = 0; l < len; l++) {
		int rc = walk(buf, l, &ev, &rec, true);

		/* too short for a header: not a recording; else truncated, never whole */
		assert_true(l < sizeof(struct pvt_file_hdr) ? rc == -3 : rc == -2);
	}
	free(buf);
}

static void flipped_bytes_are_corrupt(void **state)
{
	uint8_t *buf;
	size_t len = make(3000, &buf);
	uint64_t ev, rec;

	for (size_t at = sizeof(struct pvt_file_hdr); at < len; at += 7) {
		int rc;

		buf[at] ^= 0x10;
		rc = walk(buf, len, &ev, &rec, false);
		/* a flip in a header's length may read as a cut; never a whole recording */
		assert_true(rc == -1 || rc == -2);
		buf[at] ^= 0x10;
	}
	free(buf);
}

static void version_and_foreign(void **state)
{
	struct pvt_rec_reader *r;
	uint8_t *buf;
	size_t len = make(10, &buf);
	char err[256];
	uint32_t v = 2;

	memcpy(buf + 8, &v, 4);
	assert_int_equal(recr_open_mem(&r, buf, len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "version 2"));
	assert_int_equal(recr_open_mem(&r, "root:x:0:0:root:/root:/bin/bash\n", 32, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a pvtrace recording"));
	free(buf);
}

/* A chunk of @type with @len bytes of @payload (uncompressed, checksum right) at @p: its end. */
static uint8_t *put_chunk(uint8_t *p, uint32_t type, uint32_t count, const void *payload, uint32_t len)
{
	struct pvt_chunk_hdr h = { .magic = PVT_CHUNK_MAGIC, .type = type, .count = count,
				   .raw_len = len, .stored_len = len };

	h.crc = (uint32_t)crc32(crc32(0, (const Bytef *)&h, sizeof(h)), len ? payload : (const void *)"", len);
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), payload, len);
	return p + sizeof(h) + len;
}

/* The information chunk comes first, and once: an end marker alone, or a second one, is corrupt. */
static void information_first_and_once(void **state)
{
	struct pvt_file_hdr fh = { .magic = PVT_REC_MAGIC, .version = PVT_REC_VERSION,
				   .hdr_size = sizeof(fh) };
	struct pvt_rec_end end = {};
	uint8_t buf[512], *p;
	struct pvt_rec_reader *r;
	struct pvt_chunk c;
	char err[256];

	memcpy(buf, &fh, sizeof(fh));
	p = put_chunk(buf + sizeof(fh), PVT_CH_END, 0, &end, sizeof(end));
	assert_int_equal(recr_open_mem(&r, buf, (size_t)(p - buf), err, sizeof(err)), 0);
	assert_int_equal(recr_next(r, &c, err, sizeof(err)), -1);
	assert_string_equal(err, "corrupt recording: it does not begin with its information chunk");
	recr_close(r);

	p = put_chunk(buf + sizeof(fh), PVT_CH_INFO, 0, NULL, 0);
	p = put_chunk(p, PVT_CH_INFO, 0, NULL, 0);
	end.chunks = 2;
	p = put_chunk(p, PVT_CH_END, 0, &end, sizeof(end));
	assert_int_equal(recr_open_mem(&r, buf, (size_t)(p - buf), err, sizeof(err)), 0);
	assert_int_equal(recr_next(r, &c, err, sizeof(err)), 1);
	assert_int_equal(recr_next(r, &c, err, sizeof(err)), -1);
	assert_string_equal(err, "corrupt recording: a second information chunk");
	recr_close(r);

	end.chunks = 1; /* INFO, END: whole, nothing in it */
	p = put_chunk(put_chunk(buf + sizeof(fh), PVT_CH_INFO, 0, NULL, 0), PVT_CH_END, 0, &end,
		      sizeof(end));
	assert_int_equal(recr_open_mem(&r, buf, (size_t)(p - buf), err, sizeof(err)), 0);
	assert_int_equal(recr_next(r, &c, err, sizeof(err)), 1);
	assert_int_equal(recr_next(r, &c, err, sizeof(err)), 0);
	recr_close(r);
}

/* A recording with nothing in it (no information record: an empty chunk) reads back whole. */
static void empty_recording(void **state)
{
	struct pvt_rec_writer *w;
	struct pvt_rec_reader *r;
	struct pvt_chunk c;
	char err[256];

	assert_int_equal(recw_open(&w, path, true, err, sizeof(err)), 0);
	assert_int_equal(recw_begin(w), 0);
	assert_int_equal(recw_close(w, 0), 0);
	assert_int_equal(recr_open(&r, path, err, sizeof(err)), 0);
	assert_int_equal(recr_next(r, &c, err, sizeof(err)), 1);
	assert_int_equal(c.type, PVT_CH_INFO);
	assert_int_equal(c.len, 0);
	assert_int_equal(recr_next(r, &c, err, sizeof(err)), 0);
	recr_close(r);
}

static void replaces_only_recordings(void **state)
{
	struct pvt_rec_writer *w;
	char err[256];
	FILE *f = fopen(path, "w");

	fputs("precious\n", f);
	fclose(f);
	assert_int_equal(recw_open(&w, path, false, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a pvtrace recording"));
	assert_int_equal(recw_open(&w, path, true, err, sizeof(err)), 0);
	assert_int_equal(recw_begin(w), 0);
	assert_int_equal(recw_close(w, 0), 0);
	assert_int_equal(recw_open(&w, path, false, err, sizeof(err)), 0); /* now a recording */
	recw_abort(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roundtrip),
		cmocka_unit_test(truncated_at_every_length),
		cmocka_unit_test(flipped_bytes_are_corrupt),
		cmocka_unit_test(version_and_foreign),
		cmocka_unit_test(information_first_and_once),
		cmocka_unit_test(empty_recording),
		cmocka_unit_test(replaces_only_recordings),
	};
	int fd = mkstemp(path), rc;

	close(fd);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path);
	return rc;
}
