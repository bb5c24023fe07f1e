/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tracer.h - the BPF side's lifecycle, libbpf-style:
 * tracer_open (open -> configure -> load -> attach), poll, detach, read, close.
 */
#ifndef PVT_TRACER_H
#define PVT_TRACER_H

#include <stdbool.h>
#include <stdint.h>
#include "pvtrace.h"
#include "model.h" /* what the tracer collects: hooks, program and class statistics */

struct pvt_tracer;

/* Called for each ring-buffer record (already size-checked). */
typedef void (*pvt_event_fn)(void *ctx, const struct pvt_ev_hdr *hdr, const void *data, size_t size);

struct pvt_tracer_opts {
	uint32_t root_tid;      /* the gated command (run) */
	uint32_t attach_mode;   /* enum pvt_attach_mode: which running tasks tracer_attach_pass() takes */
	uint32_t targets[PVT_MAX_TARGETS]; /* PVT_ATTACH_PIDS: the processes */
	size_t ntargets;
	uint64_t cgroup_id;     /* PVT_ATTACH_CGROUP: the cgroup v2 and its depth */
	uint32_t cgroup_level;
	uint32_t max_tasks;     /* task map capacity */
	uint32_t ringbuf_bytes; /* power of two, >= page size */
	bool null_programs;     /* attach empty programs instead (overhead baseline) */
	enum pvt_sys_mode sys_mode;
	bool live_events;       /* --events: live creation, exec and rename records */
	bool bpf_stats;         /* --bpf-stats: the kernel's run-time statistics of each program */
	bool record_sched;      /* record: every scheduling event of a traced task to on_sched */
	uint32_t sched_rb_bytes;/* its ring buffer (power of two, >= page size) */
	void (*on_sched)(void *ctx, const struct pvt_sched_ev *ev);
	pvt_event_fn on_event;
	void *ctx;
};

/* Preflight checks with one clear line each: BTF present, privileges. 0 or -1. */
int tracer_preflight(void);

/* 0, or -1 after printing one line saying what failed. */
int tracer_open(struct pvt_tracer **out, const struct pvt_tracer_opts *opts);

int tracer_epoll_fd(struct pvt_tracer *tr);     /* -1 with null programs */

/*
 * --syscall-costs=bursts: attach the syscall hooks when the BPF side asks
 * (a creation or exec while they are off), detach them once creating has
 * stopped.  Call at every turn of the event loop; returns the longest wait
 * (ms) before the next call, or -1 for no limit.
 */
int tracer_sys_hooks_tick(struct pvt_tracer *tr, uint64_t now_ns);
void tracer_sys_hooks_stats(struct pvt_tracer *tr, uint64_t now_ns, struct pvt_hooks_stats *out);

/*
 * The bursts logic of the syscall hooks, apart from BPF (unit-tested alone):
 * tracer_sys_hooks_tick reads the BPF side's request flag and activity count
 * (creations and execs), asks tracer_hooks_step what to do, and attaches or
 * detaches the hooks, which it then notes with tracer_hooks_attached/_detached.
 */
#define PVT_HOOKS_IDLE_NS 20000000ull /* detach after this long without a creation or exec */
#define PVT_HOOKS_TICK_MS 5           /* while attached, look this often (ms) */

struct pvt_hooks_state {
	bool on;                      /* attached */
	uint64_t last_activity;       /* the activity count at the last look */
	uint64_t last_active_ns;      /* when it last changed (or the hooks were attached) */
	uint64_t attached_at_ns;      /* when the open window began */
	struct pvt_hooks_stats stats; /* mode, windows, attached_ns of the closed windows */
};

enum pvt_hooks_step {
	PVT_HOOKS_STAY,   /* nothing to do */
	PVT_HOOKS_ATTACH, /* detached, and the BPF side asks for them */
	PVT_HOOKS_DETACH, /* attached, and the activity count still for PVT_HOOKS_IDLE_NS */
};

/* What to do at now_ns; notes a change of the activity count while attached. */
enum pvt_hooks_step tracer_hooks_step(struct pvt_hooks_state *h, bool wanted, uint64_t activity,
				      uint64_t now_ns);
void tracer_hooks_attached(struct pvt_hooks_state *h, uint64_t activity, uint64_t now_ns);
void tracer_hooks_detached(struct pvt_hooks_state *h, uint64_t now_ns);
/* The statistics at now_ns: an open window counts up to now_ns. */
void tracer_hooks_stats_at(const struct pvt_hooks_state *h, uint64_t now_ns,
			   struct pvt_hooks_stats *out);

/*
 * The run-time statistics of each program (only with opts.bpf_stats; else
 * *n = 0).  *out: caller frees.  0 or -errno.
 */
int tracer_prog_stats(struct pvt_tracer *tr, struct pvt_prog_stats **out, size_t *n);
int tracer_poll(struct pvt_tracer *tr, int timeout_ms);
int tracer_consume(struct pvt_tracer *tr);

/* Sum of the per-CPU counters (enum pvt_counter). */
int tracer_read_counters(struct pvt_tracer *tr, uint64_t out[PVT_C__MAX]);

/* Sum of the per-CPU run-queue class stats into out[PVT_FROM__MAX] (indexed by enum pvt_from). */
int tracer_read_class_stats(struct pvt_tracer *tr, struct pvt_class_sum *out);

/* Stop the programs: no event after this returns. */
void tracer_detach(struct pvt_tracer *tr);

/* Visit the record of each tracked task still alive (left in the task map). */
int tracer_for_each_task(struct pvt_tracer *tr, void (*fn)(void *ctx, const struct pvt_task *t), void *ctx);

/* Visit each final record parked in the overflow map (exit records the ring buffer could not take). */
int tracer_for_each_overflow(struct pvt_tracer *tr, void (*fn)(void *ctx, const struct pvt_task *t),
			     void *ctx);

/*
 * Visit each creation cost kept apart (bpf/: late_costs): children that were
 * gone, or exiting, when their creator's syscall returned.
 */
int tracer_for_each_late_cost(struct pvt_tracer *tr,
			      void (*fn)(void *ctx, uint32_t tid, uint64_t start_time,
					 const struct pvt_create_cost *c),
			      void *ctx);

/*
 * One memory sampling pass (bpf/: the task iterator): every live tracked
 * task's process is sampled in BPF; *recs (caller frees) gets a record per
 * live tracked task, for userspace's own sampling.  0 or -errno.
 */
int tracer_sample(struct pvt_tracer *tr, struct pvt_iter_rec **recs, size_t *n);

/*
 * The attach pass (bpf/attach.bpf.h): register every running target task
 * (opts.attach_mode), twice, to take what was created during the first pass.
 * Call once the programs are attached.  0 or -errno.
 */
int tracer_attach_pass(struct pvt_tracer *tr);

/*
 * The final read of the kernel's counters of every tracked task still alive,
 * at an instant when none of its switches is in flight (its trace ends
 * there: PVT_F_FINAL_READ); passes are repeated, 1 ms apart, while a task
 * could not be settled, at most PVT_FINAL_PASSES.  Call before
 * tracer_detach().  0 or -errno.
 */
#define PVT_FINAL_PASSES 50
struct pvt_final_stats {
	int passes;      /* passes run */
	size_t retry;    /* tasks still unsettled at the last pass (read as they were) */
	size_t lost;     /* tasks whose read was spoilt by an event while frozen */
};
int tracer_final_read(struct pvt_tracer *tr, struct pvt_final_stats *st);

/* Visit the memory record of each process left in the process map (alive, or its exit record lost). */
int tracer_for_each_proc_mem(struct pvt_tracer *tr, void (*fn)(void *ctx, const struct pvt_mem *m),
			     void *ctx);

/* CLOCK_MONOTONIC (bpf_ktime_get_ns) at the command's first sight; 0 before it. */
uint64_t tracer_root_first_kt(struct pvt_tracer *tr);

/* How many tracked tasks have exited but not yet made their final switch. */
int tracer_count_exiting(struct pvt_tracer *tr);

void tracer_close(struct pvt_tracer *tr); /* accepts NULL */

#endif /* PVT_TRACER_H */
