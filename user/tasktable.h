/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tasktable.h - the userspace task table: every task's final record,
 * grouped into processes, verified against the kernel's counters, summed
 * into threads versus processes.  Pure logic, no BPF: unit-tested.
 */
#ifndef PVT_TASKTABLE_H
#define PVT_TASKTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pvtrace.h"
#include "hist.h"
#include "creation.h"

/* Decoded wait(2)-style exit code. */
struct pvt_exit {
	bool known;     /* false while the task is alive */
	int code;       /* exit code, if !signal */
	int signal;     /* terminating signal, 0 if none */
	bool core;      /* dumped core */
};

struct pvt_rec {
	struct pvt_task t;
	bool alive;     /* no final switch seen before the report */
	bool verified;  /* kernel final counters available (ended, or read at the end) */
	bool exact;     /* event counts equal the kernel's deltas */
	struct pvt_exit exit;
	size_t proc;    /* index into table->procs */
	struct pvt_create_cost cost; /* created: the record's, or kept apart (late_costs) */
	bool cost_missing;    /* born in a creating syscall whose return was not seen */
};

/* Sums over a set of tasks. */
struct pvt_sums {
	uint64_t tasks;
	uint64_t vol, invol, in, in_unseen, as_change;
	uint64_t from[PVT_FROM__MAX];
	uint64_t oncpu_ns;
	uint64_t out_state[PVT_OUT__MAX];
	uint64_t runq_count, runq_total_ns, runq_max_ns;
	uint64_t blocked_ns;
	uint64_t migrations, wakeups;
	struct hist runq_hist;
};

/* The first task of a process, in record order (leader first, then by first_ns and tid), of some kind. */
struct pvt_first {
	bool set, nonleader;
	uint64_t first_ns;
	uint32_t tid;
};

struct pvt_proc {
	uint32_t pid, ppid;
	uint64_t leader_start_time; /* with pid, names the process instance */
	char comm[PVT_COMM_LEN];
	uint32_t threads;           /* tasks of this process seen */
	uint32_t alive;             /* of which still alive */
	uint64_t first_ns, end_ns;  /* end_ns valid if !alive */
	struct pvt_sums sums;
	struct pvt_exit exit;       /* from the last thread to exit (group dead) */
	uint32_t exit_tid;
	uint32_t origin_tid;        /* where its end began: a signal aimed at it, or the exit_group
				     * that took siblings down (0: none; docs/METRICS.md) */
	uint32_t collateral;        /* threads taken down by another thread's exit or signal */
	uint32_t exited_self, killed; /* threads that ended by exit, by a signal aimed at them */
	ssize_t leader;             /* index of the leader's record, -1 if unseen or folded */
	/* The leader as last seen (latest first_ns: a thread that execs becomes it), kept or folded. */
	bool leader_seen;
	uint64_t leader_first_ns;
	uint64_t leader_kstack;     /* its kernel stack (kstack_bytes) */
	struct pvt_first sig_first, group_first; /* origin_tid's candidates (exit_how signal, group exit) */
};

/* Creation costs of the tasks born under tracing, of one class (CLONE_THREAD or not). */
struct pvt_create_sums {
	uint64_t born;              /* tasks created */
	uint64_t in_syscall;        /* created by a clone/fork/vfork/clone3 seen entering */
	uint64_t cost_missing;      /* of which the syscall's return was not seen */
	uint64_t not_timed;         /* created by a syscall the hooks did not see (detached) */
	uint64_t execed;            /* that exec'd */
	struct pvt_cost_stats syscall, copy, first_run, exec;
	struct pvt_cost_stats oncpu, offcpu, tracer; /* the syscall's parts (created.*_ns) */
};

/* How processes ended. */
struct pvt_exit_sums {
	uint64_t processes;         /* processes whose last thread exited */
	uint64_t clean;             /* exit code 0 */
	uint64_t failed;            /* exit code != 0 */
	uint64_t signaled;          /* ended by a signal */
	uint64_t collateral_threads;/* threads taken down with their group, all processes */
};

struct pvt_late_cost {
	uint64_t start_time;
	uint32_t tid;
	struct pvt_create_cost cost;
};

/*
 * created.oncpu_ns: the creator's time in its creating syscall, less the time
 * it spent off the CPU and pvtrace's own program (docs/METRICS.md); 0 if not timed.
 */
static inline uint64_t pvt_create_oncpu_ns(const struct pvt_create_cost *c)
{
	uint64_t off = c->offcpu_ns + c->tracer_ns;

	return c->syscall_ns > off ? c->syscall_ns - off : 0;
}

struct pvt_fold; /* fold.h: the records folded into sums (--keep-tasks) */

struct pvt_table {
	struct pvt_rec *recs;       /* the records held: alive, or exited and kept */
	size_t n, cap;
	size_t ndead;               /* of which with their final switch (PVT_F_DEAD): foldable */
	const struct pvt_fold *fold; /* what was folded, added by table_finish(); NULL: nothing */
	struct pvt_proc *procs;
	size_t nprocs;
	/* filled by table_finish() */
	bool finished;
	size_t verified, exact, alive; /* folded tasks included (never alive) */
	size_t alive_verified;      /* alive at the end and verified by the final read */
	struct pvt_sums threads, processes; /* by kind: tid != pid, tid == pid */
	struct pvt_create_sums create_threads, create_procs; /* by CLONE_THREAD */
	struct pvt_exit_sums exits;
	/* creation costs kept apart by BPF, added by table_finish() */
	struct pvt_late_cost *late;
	size_t nlate, late_cap;
};

void table_init(struct pvt_table *tb);
void table_free(struct pvt_table *tb);

/* Add a task's record: from an exit event (alive=false) or the map at the end. 0 or -ENOMEM. */
int table_add(struct pvt_table *tb, const struct pvt_task *t);

/* A creation cost BPF kept apart (tracer_for_each_late_cost). 0 or -ENOMEM. */
int table_add_late_cost(struct pvt_table *tb, uint32_t tid, uint64_t start_time,
			const struct pvt_create_cost *c);

/*
 * Group into processes, verify, sum, with tb->fold's folded records added.
 * Call after the last table_add; again after more records were folded
 * (each call starts over). 0 or -ENOMEM.
 */
int table_finish(struct pvt_table *tb);

/* Tasks and processes in all, held or folded (after table_finish). */
uint64_t table_tasks(const struct pvt_table *tb);
uint64_t table_processes(const struct pvt_table *tb);

/*
 * What table_finish() derives from each record, one record at a time:
 * fold.c folds records with the same functions, so a folded record counts
 * as it would have held.
 */
/* alive, verified, exact, exit: from the record's own fields. */
void table_rec_derive(struct pvt_rec *r);
void pvt_sums_add(struct pvt_sums *s, const struct pvt_task *t);
void pvt_sums_merge(struct pvt_sums *dst, const struct pvt_sums *src);
/* A new process row named by its first task @t. */
void table_proc_start(struct pvt_proc *p, const struct pvt_task *t);
/* A task (derived) into its process; @idx: its record's index, -1 for a folded one. */
void table_proc_add(struct pvt_proc *p, const struct pvt_rec *r, ssize_t idx);
/* How the task ended, into its process: collateral, killed, exited_self, origin candidates. */
void table_proc_exit_add(struct pvt_proc *p, const struct pvt_rec *r);

/* The creation figures of one born task (docs/METRICS.md "Creation summary"). */
enum pvt_create_series {
	PVT_CS_SYSCALL, PVT_CS_COPY, PVT_CS_FIRST_RUN, PVT_CS_EXEC,
	PVT_CS_ONCPU, PVT_CS_OFFCPU, PVT_CS_TRACER, PVT_CS__MAX,
};
struct pvt_create_vals {
	bool in_syscall, not_timed, execed, cost_missing;
	bool has[PVT_CS__MAX];      /* value present (counted in its series) */
	uint64_t v[PVT_CS__MAX];
};
/* @cost: the creating syscall's cost found for it (its own or kept apart); @cost_missing likewise. */
void pvt_create_vals(const struct pvt_task *t, const struct pvt_create_cost *cost, bool cost_missing,
		     struct pvt_create_vals *out);

/* wait(2) status bits of task->exit_code. */
struct pvt_exit pvt_decode_exit(int32_t exit_code);

/* Lifetime: creation (or first sight) to the final switch; 0 while alive. */
static inline uint64_t pvt_lifetime_ns(const struct pvt_rec *r)
{
	return !r->alive && r->t.end_ns > r->t.first_ns ? r->t.end_ns - r->t.first_ns : 0;
}

/* Created as a thread (CLONE_THREAD), whatever it became (a thread that execs leads). */
static inline bool pvt_created_thread(const struct pvt_task *t)
{
	return t->clone_flags & PVT_CLONE_THREAD;
}

/* "thread" or "process" */
const char *pvt_kind(const struct pvt_task *t);
static inline bool pvt_is_thread(const struct pvt_task *t) { return t->tid != t->pid; }

/* Time asleep, all states together. */
uint64_t pvt_blocked_ns(const struct pvt_task *t);

/* Run-queue latency quantile of one task (q in [0,1]). */
uint64_t pvt_task_runq_quantile(const struct pvt_task *t, double q);

/* A waker of @t that is a thread of @t's own process (tid 0: idle or an interrupt). */
static inline bool pvt_waker_same_process(const struct pvt_task *t, const struct pvt_waker *w)
{
	return w->pid == t->pid && w->tid != 0;
}

/* Switch-outs counted from events, for sorting. */
static inline uint64_t pvt_switches(const struct pvt_task *t) { return t->sw_vol + t->sw_invol; }

/* Kernel deltas over the trace (valid when rec->verified). */
uint64_t pvt_kdelta_vol(const struct pvt_rec *r);
uint64_t pvt_kdelta_invol(const struct pvt_rec *r);
uint64_t pvt_kdelta_oncpu(const struct pvt_rec *r);
uint64_t pvt_kdelta_runq(const struct pvt_rec *r);

/* Indices of records sorted by switch-outs, descending (tid ascending on ties). Caller frees. */
size_t *table_sorted_by_switches(const struct pvt_table *tb);

/* Indices of processes sorted by switch-outs, descending (pid ascending on ties). Caller frees. */
size_t *table_procs_by_switches(const struct pvt_table *tb);

#endif /* PVT_TASKTABLE_H */
