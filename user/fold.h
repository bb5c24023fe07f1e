/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fold.h - bounded memory (--keep-tasks N): the task table holds at most N
 * exited tasks' records; beyond, the least interesting are folded into sums
 * and their records freed, so that pvtrace's memory grows with the tasks
 * alive at once and the report's size, not with every task that ever lived.
 *
 * A folded task still counts in every figure of the report that sums or
 * counts tasks: verification, the threads/processes sums, its process's row,
 * the creation-cost statistics (their quantiles from bounded sketches,
 * lib/qsketch.h), the exit sums, the memory summary; and in a table of
 * folded tasks by name.  A process whose tasks are all folded, which has
 * ended and does not rank among the --top processes, is folded too (its
 * row dropped, counted by name).  Which records stay, and the definitions:
 * docs/METRICS.md "Folded tasks".  With nothing folded the report is the
 * one pvtrace made before folding existed.
 */
#ifndef PVT_FOLD_H
#define PVT_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "memory.h"
#include "qsketch.h"
#include "tasktable.h"

#define PVT_DEFAULT_KEEP_TASKS 8192
#define PVT_FOLD_NAMES 1024         /* names with a row of their own; the rest in "other" */
#define PVT_FOLD_CLOSED 16384       /* folded process rows remembered, for their late threads */

/* Folded tasks of one name (comm at exit). */
struct pvt_fold_name {
	char comm[PVT_COMM_LEN];
	uint64_t tasks, threads;    /* tasks folded, of which threads (tid != pid) */
	uint64_t processes;         /* process rows folded (by the process's name) */
	uint64_t vol, invol, oncpu_ns, runq_total_ns, lifetime_ns;
};

/* Creation figures of folded tasks of one class (created as threads or not). */
struct pvt_fold_create {
	uint64_t born, in_syscall, cost_missing, not_timed, execed;
	struct pvt_qsketch v[PVT_CS__MAX];
};

/* A folded task whose creation cost BPF may have kept apart: looked up at the end. */
struct pvt_fold_pending {
	uint64_t start_time;
	uint32_t tid;
	bool thread;
};

/* Memory figures of folded threads and processes (memory_summary()'s medians). */
struct pvt_fold_mem {
	uint64_t threads, threads_resident, processes, processes_private;
	struct pvt_qsketch thread_kernel, thread_resident, thread_reserved;
	struct pvt_qsketch proc_rss_peak, proc_page_tables, proc_kernel, proc_private;
};

/* A process instance whose row was folded (a late thread of it folds straight into sums). */
struct pvt_fold_closed {
	uint64_t leader_start_time;
	uint32_t pid;
	uint64_t leader_kstack;
};

struct pvt_index;

struct pvt_fold {
	/* settings */
	size_t keep;                /* --keep-tasks: exited records held at most; 0: no bound */
	size_t rank_rows;           /* rows of each ranked table kept exact (--top; 0: a quarter) */
	size_t pending_cap;         /* pending creation costs kept (the late_costs map's size) */
	struct pvt_slab_sizes slab; /* for the memory figures of what is folded */
	bool slab_known;
	/* what was folded */
	uint64_t tasks, threads;    /* tasks folded, of which threads (tid != pid) */
	uint64_t processes;         /* process rows folded */
	uint64_t batches;           /* times records were folded */
	uint64_t verified, exact;
	uint64_t first_ns;          /* the earliest first_ns folded (0: none) */
	struct pvt_sums kind[2];    /* [0] processes (leaders), [1] threads: as tb->processes, threads */
	struct pvt_fold_create create[2]; /* [0] created as processes, [1] as threads */
	struct pvt_exit_sums exits; /* of folded process rows, and collateral threads without a row */
	struct pvt_fold_mem mem;
	/* allocation failures: handled by folding more (keep halved each time) */
	uint64_t oom_folds;
	uint64_t records_lost;      /* final records that could be neither kept nor folded */
	uint64_t values_lost;       /* values a quantile sketch could not take (counted elsewhere) */
	/* folded tasks by name: rows in arrival order, then "other" */
	struct pvt_fold_name *names;
	size_t nnames;
	uint16_t *name_slots;       /* open addressing over names: index + 1, 0 free */
	struct pvt_fold_name other; /* the names beyond PVT_FOLD_NAMES, together */
	/* the folded part of each process still open or still shown */
	struct pvt_proc *parts;
	size_t nparts, parts_cap;
	struct pvt_index *parts_ix;
	struct pvt_fold_pending *pending;
	size_t npending, pending_alloc;
	/* process rows folded lately: a ring of PVT_FOLD_CLOSED */
	struct pvt_fold_closed *closed;
	size_t nclosed, closed_next;
	struct pvt_index *closed_ix;
};

/*
 * Bound @tb: fold its records beyond @keep (0: never) from now on.
 * @rank_rows: the report's --top; @pending_cap: the late_costs map's size.
 */
void fold_init(struct pvt_fold *f, struct pvt_table *tb, size_t keep, size_t rank_rows,
	       size_t pending_cap);
void fold_free(struct pvt_fold *f);

/* The kernel object sizes for folded memory figures (else read from /proc at the first fold). */
void fold_set_slab(struct pvt_fold *f, const struct pvt_slab_sizes *sl);

/*
 * A task's final record (exit event, overflow or task map): held, or folded
 * at once if its process was folded before; the least interesting exited
 * records folded first when f->keep are held.  Out of memory: more folded
 * (keep halved) and tried again; if still nothing, counted in records_lost.
 */
void fold_add_task(struct pvt_fold *f, struct pvt_table *tb, struct pvt_mem_table *mt,
		   const struct pvt_task *t);

/*
 * A process's memory record: held, or straight into the folded figures if
 * its row was folded.  Out of memory: more folded and tried again, else
 * counted in records_lost.
 */
void fold_add_mem(struct pvt_fold *f, struct pvt_table *tb, struct pvt_mem_table *mt,
		  const struct pvt_mem *m);

/*
 * Fold until at most @target exited records are held (the root's never is).
 * 0, or -ENOMEM (records folded so far stay folded).
 */
int fold_to(struct pvt_fold *f, struct pvt_table *tb, struct pvt_mem_table *mt, size_t target);

/*
 * An allocation failed: halve keep (to at least 1) and fold down to it, to
 * make room.  Returns the records folded (0: nothing left to fold).
 */
size_t fold_shrink(struct pvt_fold *f, struct pvt_table *tb, struct pvt_mem_table *mt);

#endif /* PVT_FOLD_H */
