/* SPDX-License-Identifier: GPL-2.0 */
/*
 * serve.h - the reader loop's side of `pvtrace serve`: final records into
 * the series as they come, and snapshots (the task map, the series, both
 * expositions) published to the HTTP server when a scrape asks for one or
 * every interval.  The loop itself is run_trace_loop() (run_trace.h), with
 * serve_poll() as its poll callback and the server's wake fd.
 */
#ifndef PVT_SERVE_H
#define PVT_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cgroup.h"
#include "http_server.h"
#include "metrics.h"
#include "tracer.h"

struct serve_state {
	struct pvt_tracer *tr;
	struct http_server *http;
	struct metrics m;
	struct pvt_cgroup_names *cgn; /* cgroup ids to paths (NULL: ids unnamed) */
	uint64_t interval_ns;         /* a snapshot at least this often */
	bool bpf_stats;               /* the programs' run-time statistics exported */
	/* owned */
	struct pvt_task *tasks;       /* the task map, copied at each snapshot */
	size_t ntasks, cap_tasks;
	uint64_t last_ns;             /* the last snapshot (CLOCK_MONOTONIC) */
	uint64_t snapshots;
	uint64_t snapshot_ns;         /* how long the last one took */
	uint64_t dropped;             /* task records not kept: out of memory */
	bool publish_warned;
};

/* The tracer's ring-buffer callback (ctx: struct serve_state *): final records. */
void serve_on_event(void *ctx, const struct pvt_ev_hdr *hdr, const void *data, size_t size);

/*
 * run_watch's poll callback (ctx: struct serve_state *): a snapshot if a
 * scrape waits or the interval is over.  Never ends the loop.
 */
bool serve_poll(void *ctx);

/* Take a snapshot and publish it.  0, or -ENOMEM (the last page stays). */
int serve_snapshot(struct serve_state *s);

/* met_mem_reader on /proc/PID/status (VmRSS, RssAnon, RssFile, RssShmem, VmSwap, VmSize, VmPTE). */
int serve_read_mem(void *ctx, uint32_t pid, uint64_t out[MET_MEM__MAX]);

/* met_cgroup_namer on cgroup.c (ctx: struct pvt_cgroup_names *). */
const char *serve_cgroup_name(void *ctx, uint64_t id);

void serve_state_free(struct serve_state *s);

#endif /* PVT_SERVE_H */
