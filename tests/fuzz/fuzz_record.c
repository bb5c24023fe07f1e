// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_record.c - a recording's reader on any bytes: recr_open_mem(),
 * recr_next() over every chunk, recr_sched_all() and recr_sched_ev() on each
 * SCHED chunk, recr_tlv() on each INFO and JOURNAL chunk; then the journal
 * played back through run's own code (replay_open_mem(): run_on_event(),
 * the sampling passes, fold_add_task()...) and the report built from it
 * (report_write(): the model, the text or JSON view), and the timeline (text
 * and JSON); both to /dev/null.  No crash, no undefined behaviour, no leak; an error is one
 * line; a file the reader calls cut short or corrupt is refused by all three.
 *
 * Every chunk carries a CRC-32, so nearly every mutation of a payload stops
 * at the checksum: the input is read as it is, then again with each chunk's
 * checksum made right (where the chunk headers hold together), so that the
 * payloads' parsers see the mutations too.  Seeds: real recordings
 * (tests/fuzz/corpus/record/), some stored uncompressed (the payloads'
 * bytes in reach of the mutations).
 */
#include <stdbool.h>
#include <string.h>
#include <zlib.h>
#include "cmd_report.h"
#include "fuzz.h"
#include "record_file.h"
#include "replay.h"
#include "timeline.h"

static FILE *nul;

/* The reader alone, every chunk taken apart: recr_next()'s last status (-3: not opened). */
static int read_all(const uint8_t *data, size_t size)
{
	struct pvt_rec_reader *r;
	struct pvt_chunk c;
	char err[512] = "";
	int rc;

	if (recr_open_mem(&r, data, size, err, sizeof(err))) {
		FUZZ_CHECK(err[0] && !r);
		return -3;
	}
	while ((rc = recr_next(r, &c, err, sizeof(err))) == 1) {
		FUZZ_CHECK(c.len <= PVT_CHUNK_MAX && (c.data || !c.len));
		if (c.type == PVT_CH_SCHED) {
			struct pvt_sched_ev *all = malloc(c.count * sizeof(*all)), one;
			size_t at[3] = { 0, c.count / 2, c.count - 1 };

			FUZZ_CHECK(c.count > 0);
			if (!all)
				continue;
			recr_sched_all(&c, all);
			for (int i = 0; i < 3; i++) {
				recr_sched_ev(&c, at[i], &one);
				FUZZ_CHECK(!memcmp(&one, &all[at[i]], sizeof(one)));
				FUZZ_CHECK(one.cpu == (uint16_t)c.cpu);
			}
			free(all);
		} else if (c.type == PVT_CH_INFO || c.type == PVT_CH_JOURNAL) {
			const uint8_t *d;
			uint32_t kind, len, n = 0;
			size_t off = 0;
			int t;

			while ((t = recr_tlv(&c, &off, &kind, &d, &len)) == 1) {
				FUZZ_CHECK(d >= c.data && len <= c.len && d - c.data <= (ptrdiff_t)(c.len - len));
				FUZZ_CHECK(off <= c.len);
				n++;
			}
			FUZZ_CHECK(t == 0 && n == c.count); /* recr_next() checked the framing */
		}
	}
	FUZZ_CHECK(rc == 0 || rc == -1 || rc == -2);
	if (rc == 0) {
		FUZZ_CHECK(recr_end(r) != NULL);
		FUZZ_CHECK(recr_next(r, &c, err, sizeof(err)) == 0); /* the end stays the end */
	} else {
		FUZZ_CHECK(err[0] && !strchr(err, '\n'));
	}
	recr_close(r);
	return rc;
}

/* `pvtrace report`: the journal through run's code, then the model and a view: 0 or -1. */
static int replay_all(const uint8_t *data, size_t size, bool json)
{
	struct report_opts o;
	struct replay rp;
	int rc = replay_open_mem(&rp, data, size);

	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc) {
		FUZZ_CHECK(rp.err[0] && !strchr(rp.err, '\n'));
	} else {
		memset(&o, 0, sizeof(o));
		run_opts_init(&o.run);
		o.run.format = json ? PVT_FMT_JSON : PVT_FMT_TEXT;
		o.run.hist = true;
		o.run.by_cgroup = rp.opt.by_cgroup != 0;
		FUZZ_CHECK(report_write(&o, &rp, nul) == 0); /* to /dev/null: only memory could fail */
	}
	replay_free(&rp);
	return rc;
}

/* The timeline to /dev/null: timeline_write()'s status (-4: not opened). */
static int timeline_all(const uint8_t *data, size_t size, bool json)
{
	struct pvt_rec_reader *r;
	char err[512] = "";
	int rc;

	if (recr_open_mem(&r, data, size, err, sizeof(err)))
		return -4;
	rc = timeline_write(r, nul, json, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -1 || rc == -2);
	if (rc)
		FUZZ_CHECK(err[0] && !strchr(err, '\n'));
	recr_close(r);
	return rc;
}

/* A copy of @data with each chunk's checksum made right, as far as the chunk headers go. */
static uint8_t *fix_checksums(const uint8_t *data, size_t size)
{
	uint8_t *b = malloc(size ? size : 1);
	size_t off = sizeof(struct pvt_file_hdr);
	struct pvt_chunk_hdr h;

	if (!b)
		return NULL;
	memcpy(b, data, size);
	while (off <= size && size - off >= sizeof(h)) {
		uLong crc;

		memcpy(&h, b + off, sizeof(h));
		if (h.stored_len > size - off - sizeof(h))
			break;
		h.crc = 0;
		crc = crc32(0, (const Bytef *)&h, sizeof(h));
		h.crc = (uint32_t)crc32(crc, b + off + sizeof(h), h.stored_len);
		memcpy(b + off, &h, sizeof(h));
		off += sizeof(h) + h.stored_len;
	}
	return b;
}

/* Reader, replay and timeline on @data; the reader's status. */
static int all_three(const uint8_t *data, size_t size, bool json)
{
	int rc = read_all(data, size), rp = replay_all(data, size, json);
	int tl = timeline_all(data, size, json);

	if (rc == -3) { /* not a recording at all */
		FUZZ_CHECK(rp == -1 && tl == -4);
		return rc;
	}
	/* cut short or corrupt: refused by the report; the timeline says the same (or finds a
	 * corrupt record before the cut) */
	if (rc)
		FUZZ_CHECK(rp == -1 && (tl == rc || tl == -1));
	else if (tl) /* a record the timeline finds corrupt, the report does too */
		FUZZ_CHECK(rp == -1);
	return rc ? rc : rp ? rp : tl;
}

int pvt_fuzz_one(const uint8_t *data, size_t size)
{
	uint8_t *fixed;
	int rc;

	fuzz_quiet();
	if (!nul)
		nul = fopen("/dev/null", "we");
	if (!nul)
		abort();
	rc = all_three(data, size, false);
	fixed = fix_checksums(data, size);
	if (fixed && memcmp(fixed, data, size))
		all_three(fixed, size, true);
	else if (fixed && rc == 0)
		timeline_all(fixed, size, true);
	free(fixed);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pvt_fuzz_one(data, size);
	return 0;
}
