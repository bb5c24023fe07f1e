/* SPDX-License-Identifier: GPL-2.0 */
/*
 * metrics.h - the series of `pvtrace serve`: cumulative counters per process
 * (or thread, cgroup, name), kept from snapshots of the task map and the
 * final records of the tasks that end.  Pure: no BPF, no I/O but the memory
 * reader it is given.
 *
 * Every count in a task's record (struct pvt_task) starts at 0 at its first
 * sight by the tracer (its creation, or the attach), so it is wholly inside
 * serve's life.  Each snapshot adds to a series what each task's counts grew
 * by since the task was last seen (its first sight: all of them); a final
 * record adds the rest and ends the task.  A series is the sum of what its
 * tasks did while they belonged to it, so it never decreases, whatever its
 * tasks do: end, rename, get lost.
 *
 * A series is named by its labels: by process (pid, the process's name: its
 * leader's comm, its cgroup), by thread (pid, tid, the thread's comm,
 * cgroup), by cgroup, by name.  One with no task alive keeps its values for
 * grace_ns after its last change, then goes.  Beyond max_series series, a
 * new one is folded into the series `other` (every label "other"), which
 * keeps what its members counted when they go: it is monotonic too.
 *
 *	metrics_init(&m, &opts);
 *	on each final record:   metrics_task_ended(&m, &rec->task);
 *	on each snapshot:       metrics_snapshot(&m, tasks, n, now_ns);
 *	then write the families from m.series[] (metrics_expo.h)
 *	metrics_free(&m);
 */
#ifndef PVT_METRICS_H
#define PVT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pvtrace.h"

enum metrics_by { METRICS_BY_PROCESS, METRICS_BY_THREAD, METRICS_BY_CGROUP, METRICS_BY_COMM };

/*
 * The run-queue histogram's bounds: 2^8 ns (256 ns) to 2^34 ns (17.2 s),
 * each a bound of the in-kernel log2x4 buckets (bpf/pvtrace.h), so the
 * counts are exact: bound B counts the waits shorter than B.
 */
#define MET_RUNQ_LE_FIRST 8
#define MET_RUNQ_BOUNDS 27
/* The bound of le bucket @i, ns. */
static inline uint64_t met_runq_le_ns(unsigned i)
{
	return 1ull << (MET_RUNQ_LE_FIRST + i);
}

/* What a task's record says, cumulative from its first sight (the figures serve exports). */
struct met_counts {
	uint64_t vol, invol;             /* switch-outs */
	uint64_t from[PVT_FROM__MAX];    /* switch-ins seen, by what ran before */
	uint64_t in_unseen;              /* switch-ins without a sched_switch event */
	uint64_t as_change;              /* address-space changes at switch-in */
	uint64_t oncpu_ns;
	uint64_t runq_ns;                /* run-queue waits' total */
	uint64_t runq[MET_RUNQ_BOUNDS + 1]; /* waits per le bucket; the last: above every bound */
};

/* Memory of a process (pvtrace_memory_bytes{type}), bytes. */
enum met_mem {
	MET_MEM_RESIDENT, MET_MEM_ANON, MET_MEM_FILE, MET_MEM_SHMEM, MET_MEM_SWAP,
	MET_MEM_VIRTUAL, MET_MEM_PAGE_TABLES, MET_MEM__MAX,
};

/* Read process @pid's memory into out[]: 0, or -1 (gone). */
typedef int (*met_mem_reader)(void *ctx, uint32_t pid, uint64_t out[MET_MEM__MAX]);
/* The path of cgroup @id, or NULL (unknown). */
typedef const char *(*met_cgroup_namer)(void *ctx, uint64_t id);

enum { MET_L_PID, MET_L_TID, MET_L_COMM, MET_L_CGROUP, MET_L__MAX };
extern const char *const met_label_names[MET_L__MAX];

struct met_series {
	/* identity: the label values (a label not used by the mode: NULL) */
	char *label[MET_L__MAX];
	uint64_t hash;
	bool folded;                 /* beyond max_series: counted in `other` */
	struct met_counts c;
	uint64_t created[2];         /* tasks its tasks created: [0] threads, [1] processes */
	uint32_t tasks[2];           /* alive at the last snapshot: [0] threads, [1] processes */
	uint64_t mem[MET_MEM__MAX];  /* its processes' memory at the last snapshot */
	bool has_mem;
	uint64_t last_change_ns;     /* a task alive, or a count grew */
};

struct metrics_opts {
	enum metrics_by by;
	size_t max_series;           /* series exported one by one (>= 1) */
	uint64_t grace_ns;           /* a series without tasks kept this long after its last change */
	met_mem_reader read_mem;     /* NULL: no memory */
	met_cgroup_namer cgroup_name;/* NULL: the id in decimal */
	void *ctx;
};

struct met_task;
struct met_proc;
struct pvt_index;

struct metrics {
	struct metrics_opts o;
	struct met_series *series;   /* exported ones and folded ones, in creation order */
	size_t nseries, cap_series;
	struct pvt_index *series_ix; /* (hash >> 32, hash) -> position */
	size_t nexported;            /* series not folded */
	struct met_series other;     /* the folded series' sum, and what the gone ones counted */
	bool other_used;
	uint64_t folded_total;       /* series ever folded into other */

	struct met_task *tasks;      /* every task seen, by (pid, start_time) */
	size_t ntasks, cap_tasks;
	struct pvt_index *task_ix, *tid_ix; /* (pid, start_time), (tid, 0): the latest with that tid */
	struct met_proc *procs;      /* processes with a task alive at the last snapshot */
	size_t nprocs, cap_procs;
	struct pvt_index *proc_ix;   /* (pid, leader_start_time) */

	uint64_t gen;                /* snapshots taken */
	uint64_t now_ns;             /* the last snapshot's time */
	uint64_t tasks_alive;        /* in the last snapshot */
	uint64_t tasks_vanished;     /* left the map without a final record (their last counts kept) */
	uint64_t dropped;            /* not counted: out of memory */
};

/* 0, or -ENOMEM. */
int metrics_init(struct metrics *m, const struct metrics_opts *o);
void metrics_free(struct metrics *m);

/* A task's final record: what it counted since last seen is added, and it ends. */
void metrics_task_ended(struct metrics *m, const struct pvt_task *t);

/*
 * A snapshot at @now_ns: @t[0..n) every task alive in the map.  Each one's
 * growth is added; a task seen before and in neither is gone (lost: its
 * last counts stay); the tasks and memory gauges are set; series without a
 * task for grace_ns go.
 */
void metrics_snapshot(struct metrics *m, const struct pvt_task *t, size_t n, uint64_t now_ns);

/* A task record's counts in serve's terms (the histogram folded into the le buckets). */
void metrics_counts_of(const struct pvt_task *t, struct met_counts *out);

#endif /* PVT_METRICS_H */
