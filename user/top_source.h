/* SPDX-License-Identifier: GPL-2.0 */
/*
 * top_source.h - the tracer as a source of snapshots for the live view
 * (top.h): `pvtrace top` and `pvtrace run --live`.
 *
 * A snapshot is every tracked task's record, read from the task map, with
 * the final records the ring buffer brought since the previous one.  Under
 * `run --live` the ring buffer's records also go to the report (run_state),
 * the memory sampling passes are made at each snapshot, and the syscall
 * hooks are looked after there.
 */
#ifndef PVT_TOP_SOURCE_H
#define PVT_TOP_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "run_trace.h"
#include "top.h"

struct top_tracer_src {
	struct pvt_tracer *tr;
	struct run_state *rs;       /* run --live: the report's state (NULL: top) */
	uint32_t interval_ms;       /* run --live: memory sampling period (0: none) */
	/* what ends the source: */
	int *pidfds;                /* top -p: the targets (all exited) */
	size_t npidfds;
	int cg_events_fd;           /* top --cgroup: cgroup.events (empty), -1 */
	int cmd_pidfd;              /* run --live: the command (exited), -1 */
	/* owned */
	struct pvt_task *tasks, *ended, *ended_out;
	size_t n, cap, n_ended, cap_ended, n_ended_out;
	uint64_t last_sample_ns;
	bool closed;                /* the view is gone: final records only go to the report */
	uint64_t dropped;
};

/* A struct top_source on @s (top_src_init() first: zeroes, fds -1). */
void top_src_init(struct top_tracer_src *s);
struct top_source top_src_source(struct top_tracer_src *s);
/* The tracer's ring-buffer callback (ctx: struct top_tracer_src *). */
void top_src_on_event(void *ctx, const struct pvt_ev_hdr *hdr, const void *data, size_t size);
void top_src_free(struct top_tracer_src *s);

#endif /* PVT_TOP_SOURCE_H */
