/* SPDX-License-Identifier: GPL-2.0 */
/*
 * model.h - the report model: what a trace collected (struct pvt_collected)
 * and every figure derived from it (struct pvt_model), computed once by
 * model_build().  The views (report_text.c, report_json.c) only format a
 * model.  The collected record is plain data: `pvtrace run` fills it from the
 * live maps (run.c's collect phase), and a recording could fill it from a
 * file; nothing here reaches into libbpf or the maps.
 *
 * Every figure is defined in docs/METRICS.md.
 */
#ifndef PVT_MODEL_H
#define PVT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "calibrate.h"
#include "hist.h"
#include "fold.h"
#include "memory.h"
#include "tasktable.h"

/*
 * When the raw_syscalls hooks (the creating syscalls' and execs' durations)
 * are attached: every syscall on the machine pays for them while they are.
 */
enum pvt_sys_mode {
	PVT_SYS_NEVER = 0,  /* --syscall-costs=never (--no-syscall-costs) */
	PVT_SYS_BURSTS = 1, /* the default: while the traced tree creates tasks or execs */
	PVT_SYS_ALWAYS = 2, /* the whole trace */
};

/* The syscall hooks' use over a trace. */
struct pvt_hooks_stats {
	enum pvt_sys_mode mode;
	uint32_t windows;       /* times attached */
	uint64_t attached_ns;   /* total time attached */
};

/* One BPF program's own cost, from the kernel's bpf_stats (--bpf-stats). */
struct pvt_prog_stats {
	char name[32];
	uint64_t run_count;
	uint64_t run_time_ns;
};

/* Run-queue waits by what ran before the switch-in that ended them (BPF's class map). */
struct pvt_class_sum {
	uint64_t count, total_ns, max_ns;
	struct hist h;
};

/* How the traced tasks were chosen. */
enum pvt_trace_mode {
	PVT_MODE_RUN = 0,    /* run: the command pvtrace started, and all it created */
	PVT_MODE_ATTACH = 1, /* attach: running processes or a cgroup, and all they created */
};

/* Why an attached trace ended. */
enum pvt_end_reason {
	PVT_END_COMMAND = 0,   /* run: the command exited */
	PVT_END_SIGNAL,        /* SIGINT, SIGTERM, SIGHUP or SIGQUIT */
	PVT_END_DURATION,      /* --duration */
	PVT_END_TARGETS_GONE,  /* every target process has exited */
	PVT_END_CGROUP_EMPTY,  /* the cgroup has no task left */
};
const char *pvt_end_reason_name(enum pvt_end_reason r);

/* The final read of the tasks alive at the end (tracer.h: struct pvt_final_stats). */
struct pvt_final_sums {
	int passes;
	uint64_t unsettled;         /* read as they were at the last pass */
	uint64_t lost;              /* spoilt by an event while frozen: not verified */
};

/* What one trace collected, and how it is to be shown. */
struct pvt_collected {
	enum pvt_trace_mode mode;
	char *const *argv;          /* run: the command; attach: NULL */
	/* attach */
	const uint32_t *target_pids;/* -p: the processes (NULL: none) */
	size_t ntarget_pids;
	const char *target_cgroup;  /* --cgroup: its path from the cgroup2 root (NULL: none) */
	uint64_t attached_at_ns;    /* CLOCK_REALTIME when the trace began (ns since the epoch) */
	enum pvt_end_reason end_reason;
	struct pvt_final_sums final;
	/* a cgroup id to its path (NULL: not known); model_build looks up each task's */
	const char *(*cgroup_path)(void *ctx, uint64_t id);
	void *cgroup_ctx;
	int root_pid;
	int root_wstatus;           /* wait(2) status of the command */
	uint64_t duration_ns;
	uint64_t t0_kt;             /* the command's first sight on CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	uint64_t counters[PVT_C__MAX];
	struct pvt_class_sum runq_from[PVT_FROM__MAX];
	struct pvt_hooks_stats hooks;
	const struct pvt_prog_stats *progs; /* --bpf-stats: each program's own cost; NULL: not asked */
	size_t nprogs;
	struct pvt_table *tb;       /* every task's final record (table_add'ed, not finished) */
	const struct pvt_mem_table *mt; /* memory samples (never NULL in a real report) */
	struct pvt_slab_sizes slab;
	const struct pvt_calibration *cal; /* NULL: none */
	const char *cal_path;       /* where it was looked for */
	/* options */
	size_t top;                 /* text: rows per table, 0 = all */
	bool null_programs;
	bool hist;                  /* text: --hist */
	bool by_cgroup;             /* text: --by cgroup (the cgroups' table) */
	uint32_t interval_ms;       /* --interval (0: no periodic sampling) */
};

/* A run-queue wait summary. */
struct pvt_runq_stats {
	uint64_t count, total_ns, max_ns;
	uint64_t p50_ns, p99_ns;
};

/* The estimated CPU time spent switching into a task or a set of tasks (docs/METRICS.md). */
struct pvt_switch_cost {
	uint64_t same_as;           /* switch-ins within an address space */
	uint64_t as_change;         /* switch-ins that changed it */
	double estimated_ns;        /* -1: not calibrated */
};

/* Why a created task's syscall_ns (and oncpu, offcpu, tracer) is null (docs/METRICS.md). */
enum pvt_cost_missing {
	PVT_COST_TIMED = 0,
	PVT_COST_HOOKS_NEVER,       /* --syscall-costs never */
	PVT_COST_HOOKS_DETACHED,    /* created while the hooks were detached (bursts: its first) */
	PVT_COST_RETURN_UNSEEN,     /* born in a timed syscall whose return was not seen */
	PVT_COST_NO_SYSCALL,        /* created by the kernel, in no creating syscall */
	PVT_COST__MAX
};
/* "syscall_costs_never", ...; NULL for PVT_COST_TIMED */
const char *pvt_cost_missing_code(enum pvt_cost_missing w);

struct pvt_model_task {
	const struct pvt_rec *rec;  /* its switch figures in the shape of a sum: model_task_sums() */
	struct pvt_runq_stats runq;
	uint64_t blocked_ns;
	uint64_t start_ns, end_ns;  /* relative to the model's t0; end_ns 0 while alive */
	uint64_t lifetime_ns;       /* 0 while alive */
	uint64_t first_run_ns;      /* creation to first switch-in; 0: never ran */
	const struct pvt_waker *top_waker; /* NULL: none */
	bool top_waker_same;        /* the top waker is a thread of its own process */
	struct pvt_switch_cost cost;
	uint64_t create_oncpu_ns;   /* created.oncpu_ns */
	struct pvt_task_mem mem;
	enum pvt_mem_missing reserved_missing; /* why mem.stack_reserved is 0 (or PVT_MISS_NONE) */
	enum pvt_mem_missing resident_missing; /* why !mem.resident_known */
	enum pvt_cost_missing cost_missing;    /* born: why rec->cost.syscall_ns is 0 */
	const char *cgroup;         /* its cgroup's path (NULL: unknown, or removed since) */
};

struct pvt_model_proc {
	const struct pvt_proc *p;
	struct pvt_runq_stats runq;
	struct pvt_switch_cost cost;
	uint64_t start_ns, end_ns;  /* relative; end_ns 0 while alive */
	const struct pvt_task *origin; /* where its end began (origin_tid), NULL: none or unseen */
	const struct pvt_mem *mem;  /* NULL: no memory record */
	const struct pvt_proc_smaps *smaps; /* NULL: no smaps sample */
	enum pvt_mem_missing mem_missing;   /* why mem is NULL */
	enum pvt_mem_missing smaps_missing; /* why smaps is NULL */
	uint64_t kernel_bytes;      /* leader's task_struct + kernel stack + the process's own */
	uint64_t rss_peak;          /* 0 without a memory record */
};

/* threads or processes, summed */
struct pvt_model_sums {
	const struct pvt_sums *s;
	struct pvt_runq_stats runq;
	struct pvt_switch_cost cost;
	uint64_t oncpu_per_in_ns;   /* on-CPU time per switch-in (mean) */
};

/* switch-ins by what ran before them */
struct pvt_model_class {
	uint64_t switch_ins;
	double share;               /* of all switch-ins, 0..1 */
	struct pvt_runq_stats runq;
	struct pvt_switch_cost cost; /* same_process and other_process only */
};

struct pvt_model_creation {
	const struct pvt_create_sums *c;
	double share_of_wall_time;  /* time in creating syscalls / duration (may exceed 1) */
};

struct pvt_model_progs {
	uint64_t runs, run_time_ns;
	double cpu_share;           /* run time / duration: of one CPU */
};

/* The tasks of one cgroup v2 (held records: folded tasks are not in any). */
struct pvt_model_cgroup {
	uint64_t id;
	const char *path;           /* NULL: unknown (removed since) */
	uint64_t processes;         /* distinct processes among its tasks */
	struct pvt_sums threads, procs; /* its tasks by kind (pvt_is_thread) */
	struct pvt_runq_stats runq; /* all its tasks' run-queue waits */
};

struct pvt_model {
	const struct pvt_collected *in;
	const struct pvt_table *tb; /* in->tb, finished */
	uint64_t t0_ns;             /* the command's first sight (scheduler clock): origin of times */
	struct pvt_exit root_exit;
	uint64_t lost_events;
	/* Tasks the traced tree created (docs/METRICS.md, "Which tasks"). */
	uint64_t tasks_created;     /* tracked at creation (PVT_C_TASKS_BORN) + untracked */
	uint64_t untracked;         /* not tracked: the task map full, and their descendants */
	uint64_t untracked_alive;   /* of those, marked and not seen exiting */
	struct pvt_model_task *tasks; /* in table order (tb->recs) */
	struct pvt_model_proc *procs; /* in table order (tb->procs) */
	/* orders (indices into tasks or procs) */
	size_t *tasks_by_switches, *procs_by_switches;
	size_t *created_by_cost, ncreated; /* born tasks, costliest creation (on the CPU) first */
	size_t *procs_by_rss_peak, *tasks_by_stack;
	size_t *folded_names, nfolded_names; /* folded tasks by name, most tasks first (fold.h) */
	/* summaries */
	struct pvt_model_sums threads, processes;
	struct pvt_model_class classes[PVT_FROM__MAX];
	uint64_t switch_ins;        /* all switch-ins, threads and processes */
	struct pvt_model_creation create_threads, create_procs;
	uint64_t creations_timed, creations_untimed;
	double create_process_to_thread; /* on-CPU creation p50 ratio; 0: not both */
	struct pvt_mem_summary mem;
	double mem_process_to_thread;    /* marginal bytes ratio; 0: not both */
	bool mem_ratio_sampled;     /* both sides from samples (stacks resident, smaps private) */
	struct pvt_model_progs progs;
	struct pvt_model_cgroup *cgroups; /* by switch-ins, most first */
	size_t ncgroups;
};

/*
 * Finish in->tb and derive every figure.  @in must outlive @m.
 * 0, or -ENOMEM (then model_free(m) is still safe).
 */
int model_build(struct pvt_model *m, const struct pvt_collected *in);
void model_free(struct pvt_model *m);

/* A task's switch figures in the shape of a sum (a struct pvt_sums of one task, no histogram). */
void model_task_sums(const struct pvt_model_task *x, struct pvt_sums *out);

/* Rows a view shows of @n under --top. */
static inline size_t model_rows(const struct pvt_model *m, size_t n)
{
	return m->in->top && m->in->top < n ? m->in->top : n;
}

/* The estimated switching cost of @in switch-ins, @as_change of them changing address space. */
struct pvt_switch_cost model_switch_cost(const struct pvt_calibration *cal, uint64_t in,
					 uint64_t as_change);

#endif /* PVT_MODEL_H */
