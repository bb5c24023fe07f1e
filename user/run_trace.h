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
struct top_tracer_src;
struct pvt_rec_writer;
struct run_state {
	struct pvt_table tb;
	struct pvt_mem_table mt;
	struct pvt_fold fold;       /* tb's records beyond --keep-tasks, folded (fold_init) */
	struct pvt_events ev;       /* --events: ev.f set */
	struct pvt_tracer *tr;
	int sample_warned;
	struct top_tracer_src *live; /* run --live: the view's source (top_source.h), else NULL */
	struct pvt_rec_writer *rec;  /* record: every input below is journaled to it (record_file.h) */
	uint64_t rec_flushed_ns;     /* when its chunks were last written out */
};

/* The task and memory tables and the fold (--keep-tasks, --top, --max-tasks); run_state_free(). */
void run_state_init(struct run_state *rs, size_t keep_tasks, size_t top, uint32_t max_tasks);
void run_state_free(struct run_state *rs);

/* The tracer's ring-buffer callback (ctx: struct run_state *). */
void run_on_event(void *ctx, const struct pvt_ev_hdr *hdr, const void *data, size_t size);

/*
 * Pass SIGINT, SIGTERM, SIGHUP and SIGQUIT on to the command (sigfwd.h: the
 * event loop sends them through its pidfd); ignore SIGPIPE.
 */
void run_forward_signals(pid_t pid);

/*
 * What ends a trace: run's command; attach's targets, cgroup, --duration; a
 * signal (attach only: run passes signals on to its command).
 */
struct run_watch {
	pid_t pid;              /* run: the command (0: attach) */
	int pidfd;              /* its pidfd (set by run_trace_loop) */
	int wstatus;            /* out: its wait status */
	int *pidfds;            /* attach -p: the targets (the trace ends when all have exited);
				 * an exited one's slot becomes -1 - fd (still to be closed) */
	size_t npidfds;
	int cg_events_fd;       /* attach --cgroup: its cgroup.events (ends when unpopulated), -1 */
	uint64_t duration_ms;   /* --duration (0: none) */
	bool (*poll)(void *ctx);/* called at every turn of the loop (at least every 100 ms): true ends it */
	void *poll_ctx;
	int wake_fd;            /* readable: a turn now, so that poll is called (serve: a scrape
				 * waits); poll drains it.  0: none (never stdin) */
	enum pvt_end_reason end;/* out: why it ended */
};

/* Trace until @w says it has ended.  0 or -1. */
int run_trace_loop(struct run_state *rs, struct pvt_status *st, struct run_watch *w,
		   uint32_t interval_ms);

/* A cgroup.events file (@fd): 1 populated, 0 empty, -1 unreadable. */
int run_cgroup_populated(int fd);

/* Give the tasks that have exited a moment to make their final switch (up to 1 s). */
void run_wait_final_switches(struct pvt_tracer *tr);

/* One memory sampling pass: BPF samples each process's mm, then smaps what only it tells. */
void run_sample_memory(struct run_state *rs);
/* A pass's records into the memory table, @rd reading /proc (replay.c: from the journal). */
void run_sample_pass(struct run_state *rs, struct pvt_iter_rec *recs, size_t n, int err,
		     pvt_smaps_reader rd);
/* A creation cost kept apart (late_costs), into the table (folding to make room). */
void run_add_late_cost(struct run_state *rs, uint32_t tid, uint64_t start_time,
		       const struct pvt_create_cost *c);

/*
 * Collect: detach, drain the ring buffer and the maps into @rs and @c (the
 * task table, memory, counters, class statistics, hooks and program
 * statistics, slab sizes).  c->progs is the caller's to free.  Out of
 * memory, records are folded (fold.h) or counted lost, never the report.
 * Returns 0.
 */
int run_collect(struct run_state *rs, struct pvt_collected *c);

/* record: journal what the collect phase put in @c beyond the maps (record_file.h). */
void run_journal_collected(struct run_state *rs, const struct pvt_collected *c);

/* model_build(), with records folded to make room if memory runs out.  0 or -ENOMEM. */
int run_build_model(struct run_state *rs, struct pvt_model *m, const struct pvt_collected *c);

#endif /* PVT_RUN_TRACE_H */
