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
	bool verified;  /* kernel final counters available */
	bool exact;     /* event counts equal the kernel's deltas */
	struct pvt_exit exit;
	size_t proc;    /* index into table->procs */
};

/* Sums over a set of tasks. */
struct pvt_sums {
	uint64_t tasks;
	uint64_t vol, invol, in, as_change;
	uint64_t from[PVT_FROM__MAX];
	uint64_t oncpu_ns;
	uint64_t out_state[PVT_OUT__MAX];
	uint64_t runq_count, runq_total_ns, runq_max_ns;
	uint64_t blocked_ns;
	uint64_t migrations, wakeups;
	struct hist runq_hist;
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
	ssize_t leader;             /* index of the leader's record, -1 if unseen */
};

struct pvt_table {
	struct pvt_rec *recs;
	size_t n, cap;
	struct pvt_proc *procs;
	size_t nprocs;
	/* filled by table_finish() */
	size_t verified, exact, alive;
	struct pvt_sums threads, processes; /* by kind: tid != pid, tid == pid */
};

void table_init(struct pvt_table *tb);
void table_free(struct pvt_table *tb);

/* Add a task's record: from an exit event (alive=false) or the map at the end. 0 or -ENOMEM. */
int table_add(struct pvt_table *tb, const struct pvt_task *t);

/* Group into processes, verify, sum.  Call once, after the last table_add. 0 or -ENOMEM. */
int table_finish(struct pvt_table *tb);

/* wait(2) status bits of task->exit_code. */
struct pvt_exit pvt_decode_exit(int32_t exit_code);

/* "thread" or "process" */
const char *pvt_kind(const struct pvt_task *t);
static inline bool pvt_is_thread(const struct pvt_task *t) { return t->tid != t->pid; }

/* Time asleep, all states together. */
uint64_t pvt_blocked_ns(const struct pvt_task *t);

/* Run-queue latency quantile of one task (q in [0,1]). */
uint64_t pvt_task_runq_quantile(const struct pvt_task *t, double q);

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
