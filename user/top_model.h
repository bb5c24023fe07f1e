/* SPDX-License-Identifier: GPL-2.0 */
/*
 * top_model.h - the live view's figures (`pvtrace top`, `run --live`): two
 * snapshots of the tracer's task map in; the interval's counts and rates per
 * task, per process and per cgroup out; then the rows a view shows, sorted,
 * filtered and expanded.  Pure: no ncurses, no libbpf, no clock.  Every
 * figure is defined in docs/METRICS.md, "Live view (top)".
 *
 *	struct top_model m;
 *	top_model_build(&m, &prev, &cur, &env);   // prev: a deep copy (top_snap_copy)
 *	top_view_build(&view, &m, &vopts);        // the lines, in display order
 *	...
 *	top_view_free(&view);
 *	top_model_free(&m);
 */
#ifndef PVT_TOP_MODEL_H
#define PVT_TOP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "pvtrace.h"

/*
 * One reading of the tracer's task map.  mono_ns: CLOCK_MONOTONIC just before
 * the map was read (task->start_time is on the same clock: a task not in the
 * previous snapshot and started after its mono_ns was born in the interval).
 */
struct top_snap {
	uint64_t mono_ns;
	struct pvt_task *tasks;	/* tracked tasks alive then (copies of the map's values) */
	size_t n;
	struct pvt_task *ended;	/* final records received since the previous snapshot */
	size_t n_ended;
	uint64_t lost_events;	/* total so far (pvt_lost_events()) */
	uint64_t untracked;	/* tasks not tracked, map full, total so far (pvt_untracked_tasks()) */
};

/* A deep copy of @src's tasks, mono_ns and totals into @dst (not its ended records).  0 or -ENOMEM. */
int top_snap_copy(struct top_snap *dst, const struct top_snap *src);
/* Free what top_snap_copy() allocated. */
void top_snap_free(struct top_snap *s);

/* What the model asks of the outside world (each may be NULL: none). */
struct top_env {
	/* The cgroup v2 path of @id (a string living until the model is freed), or NULL. */
	const char *(*cgroup_path)(void *ctx, uint64_t id);
	void *cgroup_ctx;
	/* Resident bytes of process @pid now; 0 if gone. */
	uint64_t (*rss)(void *ctx, uint32_t pid);
	void *rss_ctx;
};

/* The default top_env.rss: /proc/PID/statm's resident pages times the page size; 0 if gone. */
uint64_t top_rss_proc(void *ctx, uint32_t pid);

/* Counts in the interval. */
struct top_counts {
	uint64_t vol;			/* voluntary switch-outs */
	uint64_t invol;			/* involuntary switch-outs */
	uint64_t in;			/* switch-ins seen */
	uint64_t in_unseen;		/* switch-ins without an event */
	uint64_t from[PVT_FROM__MAX];	/* switch-ins seen, by what ran before */
	uint64_t as_change;		/* switch-ins that loaded another address space */
	uint64_t oncpu_ns;
	uint64_t runq_waits;		/* run-queue waits ended (the histogram's count) */
};

enum top_kind {
	TOP_TASK,
	TOP_PROCESS,
	TOP_CGROUP,
};

/* The interval's figures for one task, process or cgroup. */
struct top_row {
	enum top_kind kind;
	uint32_t tid;			/* task: its tid; else 0 */
	uint32_t pid;			/* task, process: the thread-group id; cgroup: 0 */
	uint64_t start_time;		/* task: its start_time; process: the leader's */
	uint64_t cgroup_id;		/* 0: unknown */
	const char *cgroup;		/* its path (env.cgroup_path), NULL: unknown */
	char comm[PVT_COMM_LEN];	/* task: its name; process: its leader's (else its lowest tid's) */
	uint32_t threads;		/* tasks alive (a task: 1) */
	uint32_t processes;		/* cgroup: processes alive listed under it; process: 1 */
	bool rates;			/* false: first seen in this interval, no figure */
	struct top_counts d;
	double sw_s, vol_s, invol_s;	/* switch-outs per second: both, voluntary, involuntary */
	double as_s;			/* address-space changes per second */
	double same_pct;		/* switch-ins from the same process, % of those seen; NAN: none */
	double oncpu_pct;		/* on-CPU time, % of the interval (several CPUs: above 100) */
	uint64_t rq_p50_ns, rq_p99_ns;	/* run-queue waits of the interval (0 if none) */
	uint64_t rss;			/* process: resident bytes; cgroup: its processes'; task: 0 */
	size_t child, n_child;		/* process: its threads, tasks[child...]; cgroup: procs[] */
};

struct top_header {
	uint64_t mono_ns;		/* the later snapshot's */
	uint64_t interval_ns;
	uint32_t tasks, processes, cgroups;	/* alive at the later snapshot */
	uint32_t tasks_new;		/* born in the interval (alive or ended) */
	uint32_t tasks_ended;		/* final records in the interval */
	uint32_t tasks_first_seen;	/* no figures this interval (not born in it, not seen before) */
	struct top_counts d;		/* every task's (ended ones too), first-seen ones excepted */
	double sw_s;			/* switch-outs per second */
	double from_pct[PVT_FROM__MAX];	/* share of the switch-ins seen, by origin; NAN: none */
	uint64_t lost, lost_total;	/* lost events: in the interval, since the start */
	uint64_t untracked, untracked_total;
};

struct top_model {
	struct top_header h;
	struct top_row *tasks;		/* alive, grouped by process, by tid within */
	size_t n_tasks;
	struct top_row *procs;		/* with a task alive, grouped by cgroup, by pid within */
	size_t n_procs;
	struct top_row *cgroups;	/* every cgroup with a task counted, by id */
	size_t n_cgroups;
};

/*
 * The interval from @a to @b (b->mono_ns > a->mono_ns) into *@m.  Tasks are
 * matched by (tid, start_time); see docs/METRICS.md for what is counted.
 * 0, or -ENOMEM / -EINVAL with *@m empty.
 */
int top_model_build(struct top_model *m, const struct top_snap *a, const struct top_snap *b,
		    const struct top_env *env);
void top_model_free(struct top_model *m);

/* ---- the view: which rows, in which order ---- */

/* Sort keys; numbers largest first, a row without the figure last. */
enum top_sort {
	TOP_SORT_PID,		/* pid ascending (cgroups: their processes, most first) */
	TOP_SORT_NAME,		/* name (cgroup: path) ascending */
	TOP_SORT_THREADS,
	TOP_SORT_SW,
	TOP_SORT_VOL,
	TOP_SORT_INVOL,
	TOP_SORT_SAME,
	TOP_SORT_AS,
	TOP_SORT_RQ_P50,
	TOP_SORT_RQ_P99,
	TOP_SORT_ONCPU,
	TOP_SORT_RSS,
	TOP_SORT__MAX,
};

enum top_by {
	TOP_BY_PROCESS,
	TOP_BY_CGROUP,
};

/* A set of ids (pids, cgroup ids): which rows are expanded. */
struct top_set {
	uint64_t *v;			/* sorted */
	size_t n, cap;
};
bool top_set_has(const struct top_set *s, uint64_t id);
/* Add @id if absent, else remove it: 0 or -ENOMEM. */
int top_set_toggle(struct top_set *s, uint64_t id);
void top_set_free(struct top_set *s);

struct top_view_opts {
	enum top_by by;
	enum top_sort sort;
	bool reverse;			/* the other order */
	/*
	 * Case-insensitive substring: a process is kept if its name or any of
	 * its threads' names holds it; a cgroup if its path does, or any of
	 * its processes is kept.  NULL or "": all.
	 */
	const char *filter;
	const struct top_set *expanded_pids;	/* processes shown with their threads */
	const struct top_set *expanded_cgroups;	/* cgroups shown with their processes */
	bool expand_all;		/* every process with its threads (and every cgroup) */
};

struct top_line {
	const struct top_row *row;
	int depth;			/* 0: a top row; 1: under an expanded one; 2: below that */
};

struct top_view {
	struct top_line *v;
	size_t n, cap;
};

/* The lines of @m under @o, in order, into @out (emptied first).  0 or -ENOMEM. */
int top_view_build(struct top_view *out, const struct top_model *m, const struct top_view_opts *o);
void top_view_free(struct top_view *v);

/* Order of two rows of one kind under @sort (ties: pid, then tid; cgroups: id).  <0, 0, >0. */
int top_row_cmp(const struct top_row *x, const struct top_row *y, enum top_sort sort, bool reverse);

#endif /* PVT_TOP_MODEL_H */
