/* SPDX-License-Identifier: GPL-2.0 */
/*
 * top.h - the live view's loop (`pvtrace top`, `run --live`): snapshots from
 * a source every interval, the model (top_model.h) of each interval, shown
 * full-screen on a terminal (top_curses.c) or printed in batch (top_text.h).
 *
 * The source is abstract, so the tracer plugs in as one (cmd_top.c) and a
 * synthetic one drives the view in tests (tests/progs/top_fake.c):
 *
 *	struct top_source src = { .ctx = t, .snapshot = snap, .fd = epoll_fd,
 *				  .on_fd = drain, .done = gone };
 *	struct top_opts o;
 *
 *	top_opts_init(&o);
 *	o.delay_s = 2;
 *	err = top_run(&src, &o, stdout);
 */
#ifndef PVT_TOP_H
#define PVT_TOP_H

#include <stdbool.h>
#include <stdio.h>
#include "top_model.h"

struct top_source {
	void *ctx;
	/*
	 * Fill *out with a new snapshot (see struct top_snap: mono_ns read just
	 * before the map; the final records received since the previous call).
	 * The source owns the memory until its next call.  0 or -errno (top_run
	 * stops and returns it).
	 */
	int (*snapshot)(void *ctx, struct top_snap *out);
	/* An fd to poll besides the terminal (the tracer's epoll fd; -1: none), and its handler. */
	int fd;
	void (*on_fd)(void *ctx);
	/* True once the source has ended (the command exited, the targets are gone); may be NULL. */
	bool (*done)(void *ctx);
};

struct top_opts {
	double delay_s;		/* the interval, seconds (default 1; at least 0.05) */
	int iterations;		/* intervals shown before returning; 0: until stopped */
	bool batch;		/* print to the stream even on a terminal */
	bool json;		/* batch: JSON lines (pvtrace.top/1), else the text table */
	enum top_by by;		/* rows: processes (default) or cgroups */
	enum top_sort sort;	/* default TOP_SORT_SW */
	bool reverse;
	bool threads;		/* every process shown with its threads (and every cgroup open) */
	const char *filter;	/* name (cgroup: path) substring; NULL: none */
	bool keep_signals;	/* leave SIGINT/SIGTERM alone (the caller stops through done()) */
	/* Cgroup paths and RSS; a NULL callback: cgroup.c's names, top_rss_proc(). */
	struct top_env env;
};

/* The defaults above. */
void top_opts_init(struct top_opts *o);

/*
 * Show intervals until the source is done, SIGINT or SIGTERM (unless
 * keep_signals), `q` on the terminal, or o->iterations intervals.  The first
 * snapshot is the baseline: the first figures come one interval later.  The
 * full-screen view is used when not batch and both stdin and @out are
 * terminals; it restores the terminal on every way out.  In batch, the
 * interval the source ended in is printed too (if at least a millisecond).
 * 0, or -errno: the source's error, a write error (-EIO), -ENOMEM, or the
 * terminal could not be set up (-ENOTTY).
 */
int top_run(const struct top_source *src, const struct top_opts *o, FILE *out);

/* The keys of the full-screen view, for `pvtrace top --help` (lines of at most 80 columns). */
extern const char top_keys_help[];

#endif /* PVT_TOP_H */
