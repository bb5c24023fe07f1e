/* SPDX-License-Identifier: GPL-2.0 */
/*
 * record_file.h - pvtrace's recording format (`pvtrace record`, `report -i`,
 * `perfetto -i`), version 1, defined in docs/RECORD.md: a header, then chunks,
 * each with its own header (type, CPU, count, lengths, CRC-32), most of them
 * zlib-compressed; an END chunk closes a whole recording.  Chunks are written
 * as the trace goes, so a recording cut short is a readable prefix that the
 * reader calls truncated.  All integers little-endian.
 *
 * The writer takes scheduling events (struct pvt_sched_ev, stored per CPU,
 * column by column) and journal records (what `run`'s userspace consumed:
 * ring-buffer records, sampling passes, the maps at the end...).  The reader
 * validates everything before it hands it out: a file of any content gives
 * chunks or one error line, never a crash (fuzzed: tests/fuzz/fuzz_record.c).
 */
#ifndef PVT_RECORD_FILE_H
#define PVT_RECORD_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pvtrace.h"

#define PVT_REC_MAGIC "PVTRDATA"
#define PVT_REC_VERSION 1
#define PVT_CHUNK_MAGIC 0x4b435650u /* "PVCK" */
#define PVT_CHUNK_MAX (64u << 20)   /* no chunk holds more than this, stored or raw */
#define PVT_SCHED_PER_CHUNK 16384   /* scheduling events per chunk (the writer's) */

enum pvt_chunk_type {
	PVT_CH_INFO = 1,    /* TLV records (enum pvt_info): what was recorded, where, how */
	PVT_CH_SCHED = 2,   /* one CPU's scheduling events, column by column */
	PVT_CH_JOURNAL = 3, /* TLV records (enum pvt_journal), in the order run consumed them */
	PVT_CH_END = 4,     /* struct pvt_rec_end: the recording is whole */
};

#define PVT_CHF_ZLIB 1u /* the payload is zlib-compressed (raw_len: its size inflated) */

struct pvt_file_hdr {
	char magic[8];          /* PVT_REC_MAGIC */
	uint32_t version;       /* PVT_REC_VERSION */
	uint32_t hdr_size;      /* sizeof(struct pvt_file_hdr) */
};

struct pvt_chunk_hdr {
	uint32_t magic;         /* PVT_CHUNK_MAGIC */
	uint32_t type;          /* enum pvt_chunk_type */
	uint32_t cpu;           /* SCHED: the CPU; else 0 */
	uint32_t count;         /* SCHED: events; INFO, JOURNAL: records */
	uint32_t raw_len;       /* the payload's size */
	uint32_t stored_len;    /* bytes that follow this header */
	uint32_t crc;           /* CRC-32 (zlib's) of this header (crc as 0), then those bytes */
	uint32_t flags;         /* PVT_CHF_* */
};

/* INFO records. */
enum pvt_info {
	PVT_INFO_VERSION = 1,   /* pvtrace's version (text) */
	PVT_INFO_KERNEL = 2,    /* uname -r (text) */
	PVT_INFO_HOST = 3,      /* the host's name (text) */
	PVT_INFO_ARCH = 4,      /* uname -m (text) */
	PVT_INFO_CLOCK = 5,     /* the clock of every ts: "CLOCK_MONOTONIC" (text) */
	PVT_INFO_ARG = 6,       /* one argument of the command, in order (text; none for attach) */
	PVT_INFO_START = 7,     /* struct pvt_info_start */
	PVT_INFO_OPTIONS = 8,   /* struct pvt_rec_options */
	PVT_INFO_NCPUS = 9,     /* uint32_t: possible CPUs */
	PVT_INFO_BOOTTIME = 10, /* struct pvt_info_boottime (Perfetto's clock: user/perfetto.c) */
};

struct pvt_info_start {
	uint64_t realtime_ns;   /* CLOCK_REALTIME at the start */
	uint64_t monotonic_ns;  /* CLOCK_MONOTONIC at the same instant */
};

/* CLOCK_BOOTTIME and CLOCK_MONOTONIC at one instant (the monotonic read halves two). */
struct pvt_info_boottime {
	uint64_t boottime_ns;
	uint64_t monotonic_ns;
};

/* The options that shape the report, as recorded (report may override top, hist, by). */
struct pvt_rec_options {
	uint64_t keep_tasks;
	uint64_t top;
	uint32_t max_tasks;
	uint32_t interval_ms;
	uint32_t mode;          /* enum pvt_trace_mode */
	uint32_t hist;
	uint32_t by_cgroup;
	uint32_t null_programs;
};

/* JOURNAL records: what `run`'s userspace consumed, in order (user/replay.c). */
enum pvt_journal {
	PVT_J_RING = 1,         /* a ring-buffer record as delivered (struct pvt_ev_hdr first) */
	PVT_J_SAMPLE = 2,       /* a sampling pass: the iterator's records (struct pvt_iter_rec[]) */
	PVT_J_SMAPS = 3,        /* one /proc read of that pass: struct pvt_j_smaps + stacks[] */
	PVT_J_SAMPLE_END = 4,   /* uint64_t: the pass's own time (ns) */
	PVT_J_MAP_MEM = 5,      /* struct pvt_mem left in the process map at the end */
	PVT_J_MAP_TASK = 6,     /* struct pvt_task alive at the end */
	PVT_J_MAP_OVERFLOW = 7, /* struct pvt_task parked in the overflow map */
	PVT_J_MAP_LATE = 8,     /* struct pvt_j_late */
	PVT_J_COLLECTED = 9,    /* struct pvt_j_collected: the collect phase's figures */
	PVT_J_PROG = 10,        /* struct pvt_prog_stats (--bpf-stats), one per program */
	PVT_J_CGROUP = 11,      /* uint64_t id, then its path (text) */
	PVT_J_CALIBRATION = 12, /* struct pvt_calibration used by the report */
	PVT_J_TARGET_PID = 13,  /* uint32_t: an attach target */
	PVT_J_TARGET_CGROUP = 14, /* the attach target cgroup's path (text) */
	PVT_J_SLAB = 15,        /* struct pvt_slab_sizes */
	PVT_J_CAL_PATH = 16,    /* where the calibration was looked for (text) */
	PVT_J_SAMPLE_TIME = 17, /* uint64_t: CLOCK_MONOTONIC at the start of the sampling pass
				 * whose PVT_J_SAMPLE follows (its time: `perfetto`'s RSS) */
};

/* PVT_J_SMAPS: memory_read_proc(pid, &sum, stacks, n) and what it returned. */
struct pvt_j_smaps {
	int32_t ret;
	uint32_t pid;
	uint64_t rss, pss, shared, private_, swap;
	uint32_t nstacks;
	uint32_t pad;
	/* then nstacks x { uint64_t lo, hi, rss; uint32_t found, pad; } */
};
struct pvt_j_stack {
	uint64_t lo, hi, rss;
	uint32_t found, pad;
};

struct pvt_j_late {
	uint32_t tid;
	uint32_t pad;
	uint64_t start_time;
	struct pvt_create_cost cost;
};

struct pvt_j_collected {
	int32_t root_pid;
	int32_t root_wstatus;
	uint64_t duration_ns;
	uint64_t t0_kt;
	uint64_t counters[PVT_C__MAX];
	uint64_t runq_count[PVT_FROM__MAX], runq_total_ns[PVT_FROM__MAX], runq_max_ns[PVT_FROM__MAX];
	uint64_t runq_hist[PVT_FROM__MAX][PVT_HIST_BUCKETS];
	uint32_t hooks_mode, hooks_windows;
	uint64_t hooks_attached_ns;
	int32_t final_passes;
	uint32_t end_reason;
	uint64_t final_unsettled, final_lost;
	uint64_t attached_at_ns;
	uint32_t nprogs;        /* PVT_J_PROG records that follow */
	uint32_t pad;
};

/* END */
struct pvt_rec_end {
	uint64_t chunks;        /* before this one */
	uint64_t sched_events;  /* written */
	uint64_t journal_records;
	uint64_t sched_lost;    /* events the BPF side could not send (PVT_C_SCHED_LOST) */
};

/* ---- writer ---- */

struct pvt_rec_writer;

/*
 * Create @path for a recording: a new file, or one that is already a
 * pvtrace recording (replaced); any other existing file only with @force.
 * No symbolic link is followed.  0, or -1 with one line in @err.
 */
int recw_open(struct pvt_rec_writer **w, const char *path, bool force, char *err, size_t errlen);
/* An INFO record (before recw_begin()). */
void recw_info(struct pvt_rec_writer *w, uint32_t kind, const void *data, size_t len);
/* Write the file's header and the INFO chunk.  0 or -errno. */
int recw_begin(struct pvt_rec_writer *w);
/* A scheduling event: into its CPU's chunk, written when full. */
void recw_sched(struct pvt_rec_writer *w, const struct pvt_sched_ev *ev);
/* A journal record of @kind: @a then @b (either may be empty). */
void recw_journal(struct pvt_rec_writer *w, uint32_t kind, const void *a, size_t alen,
		  const void *b, size_t blen);
/* Write every chunk begun (a recording cut after this is readable up to here).  0 or -errno. */
int recw_flush(struct pvt_rec_writer *w);
/* Flush, write END (with @sched_lost), close.  0 or -errno (the first error met). */
int recw_close(struct pvt_rec_writer *w, uint64_t sched_lost);
/* Drop the writer after a failure (closes the file, leaves what was written). */
void recw_abort(struct pvt_rec_writer *w);
uint64_t recw_bytes(const struct pvt_rec_writer *w);
uint64_t recw_sched_events(const struct pvt_rec_writer *w);

/* ---- reader ---- */

struct pvt_rec_reader;

struct pvt_chunk {
	uint32_t type, cpu, count;
	const uint8_t *data;    /* the payload, inflated; the reader's until the next call */
	size_t len;
};

/* Read @path whole (at most 4 GiB).  0, or -1 with one line in @err (without the path: callers name it). */
int recr_open(struct pvt_rec_reader **r, const char *path, char *err, size_t errlen);
/* The same over @len bytes at @buf (not copied: they must outlive the reader). */
int recr_open_mem(struct pvt_rec_reader **r, const void *buf, size_t len, char *err, size_t errlen);
/*
 * The next chunk: 1 (in *c), 0 at the END chunk (the recording is whole), -1
 * on an error (one line in @err: corrupt, wrong version...), -2 if the file
 * ends without an END chunk (truncated: @err says after how many chunks).
 */
int recr_next(struct pvt_rec_reader *r, struct pvt_chunk *c, char *err, size_t errlen);
/* The END chunk's figures (valid after recr_next() returned 0). */
const struct pvt_rec_end *recr_end(const struct pvt_rec_reader *r);
void recr_close(struct pvt_rec_reader *r);

/*
 * What a reader that wants the whole recording does with each chunk
 * (recr_walk()): the scheduling events of every CPU are gathered into ev[]
 * (in file order: each CPU's in time order), the information and journal
 * records go to the callbacks (each returns 0, or -1 after writing its line
 * into @err).
 */
struct pvt_rec_walk {
	void *ctx;
	int (*on_info)(void *ctx, uint32_t kind, const uint8_t *d, uint32_t len, char *err,
		       size_t errlen);
	int (*on_journal)(void *ctx, uint32_t kind, const uint8_t *d, uint32_t len, char *err,
			  size_t errlen);
	struct pvt_sched_ev *ev;    /* out: caller frees */
	size_t nev, evcap;
	uint32_t max_cpu;           /* the highest CPU with an event */
	const struct pvt_rec_end *end; /* out: when whole */
};
/* Every chunk of @r: 0 whole, -1 an error, -2 truncated (what came before is kept). */
int recr_walk(struct pvt_rec_reader *r, struct pvt_rec_walk *w, char *err, size_t errlen);

/* Event @i of a SCHED chunk (i < c->count: checked by recr_next()); O(i): the deltas before it. */
void recr_sched_ev(const struct pvt_chunk *c, size_t i, struct pvt_sched_ev *ev);
/* Every event of a SCHED chunk, in order, into @ev (c->count of them), in one pass. */
void recr_sched_all(const struct pvt_chunk *c, struct pvt_sched_ev *ev);

/*
 * The next TLV record of an INFO or JOURNAL payload at *off: 1 (kind, data,
 * len set), 0 at the end, -1 if malformed.
 */
int recr_tlv(const struct pvt_chunk *c, size_t *off, uint32_t *kind, const uint8_t **data,
	     uint32_t *len);

#endif /* PVT_RECORD_FILE_H */
