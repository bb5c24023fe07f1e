/* SPDX-License-Identifier: GPL-2.0 */
/*
 * run_trace.h - the trace and collect phases of `pvtrace run` (cmd_run.c
 * holds the prepare and report phases around them).
 */
#ifndef PVT_RUN_TRACE_H
#define PVT_RUN_TRACE_H

#include <stdint.h>
#include <sys/types.h>
#include "events.h"
#include "fold.h"
#include "memory.h"
#include "model.h"
#include "status.h"
#include "tasktable.h"
#include "tracer.h"

/* What the trace gathers as it goes: final records, memory samples, the event stream. */
struct run_state {
	struct pvt_table tb;
	struct pvt_mem_table mt;
	struct pvt_fold fold;       /* tb's records beyond --keep-tasks, folded (fold_init) */
	struct pvt_events ev;       /* --events: ev.f set */
	struct pvt_tracer *tr;
	int sample_warned;
};

/* The tracer's ring-buffer callback (ctx: struct run_state *). */
void run_on_event(void *ctx, const struct pvt_ev_hdr *hdr, const void *data, size_t size);

/*
 * Pass SIGINT, SIGTERM, SIGHUP and SIGQUIT on to the command (sigfwd.h: the
 * event loop sends them through its pidfd); ignore SIGPIPE.
 */
void run_forward_signals(pid_t pid);

/* Trace until the command @pid exits; its wait status in *wstatus.  0 or -1. */
int run_trace_loop(struct run_state *rs, struct pvt_status *st, pid_t pid, uint32_t interval_ms,
		   int *wstatus);

/* Give the tasks that have exited a moment to make their final switch (up to 1 s). */
void run_wait_final_switches(struct pvt_tracer *tr);

/* One memory sampling pass: BPF samples each process's mm, then smaps what only it tells. */
void run_sample_memory(struct run_state *rs);

/*
 * Collect: detach, drain the ring buffer and the maps into @rs and @c (the
 * task table, memory, counters, class statistics, hooks and program
 * statistics, slab sizes).  c->progs is the caller's to free.  Out of
 * memory, records are folded (fold.h) or counted lost, never the report.
 * Returns 0.
 */
int run_collect(struct run_state *rs, struct pvt_collected *c);

/* model_build(), with records folded to make room if memory runs out.  0 or -ENOMEM. */
int run_build_model(struct run_state *rs, struct pvt_model *m, const struct pvt_collected *c);

#endif /* PVT_RUN_TRACE_H */
