/* SPDX-License-Identifier: GPL-2.0 */
/* report.h - what a report is made of; one writer per format (report_text.c, report_json.c). */
#ifndef PVT_REPORT_H
#define PVT_REPORT_H

#include <stdio.h>
#include "tasktable.h"
#include "calibrate.h"
#include "memory.h"
#include "tracer.h"

/* Run-queue waits by what ran before the switch-in that ended them. */
struct pvt_class_sum {
	uint64_t count, total_ns, max_ns;
	struct hist h;
};

struct pvt_report {
	char *const *argv;          /* the command */
	int root_pid;
	uint64_t t0_ns;             /* the command's first sight (scheduler clock): origin of *_ns times */
	uint64_t t0_kt;             /* the same moment on CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	uint64_t duration_ns;
	int root_wstatus;           /* wait(2) status of the command */
	uint64_t counters[PVT_C__MAX];
	const struct pvt_table *tb;
	size_t top;                 /* text: per-TID rows, 0 = all */
	bool null_programs;
	bool hist;                  /* text: --hist */
	struct pvt_class_sum runq_from[PVT_FROM__MAX];
	const struct pvt_calibration *cal; /* NULL: none */
	const char *cal_path;       /* where it was looked for */
	const struct pvt_mem_table *mt; /* memory samples (never NULL in a real report) */
	struct pvt_slab_sizes slab;
	struct pvt_mem_summary mem;
	uint32_t interval_ms;       /* --interval (0: no periodic sampling) */
	struct pvt_hooks_stats hooks; /* the syscall hooks' use */
	const struct pvt_prog_stats *progs; /* --bpf-stats: each program's own cost */
	size_t nprogs;
};

/* lost_events: pvt_lost_events() (status.h) of the report's counters. */
uint64_t report_lost_events(const struct pvt_report *r);

/*
 * Estimated CPU time spent switching into a task (or a set): switch-ins that
 * changed address space times the calibrated cost of such a switch, plus the
 * others times the same-address-space cost.  -1 without a calibration.
 */
double report_switch_cost_ns(const struct pvt_report *r, uint64_t in, uint64_t as_change);

/* The task's most frequent waker, or NULL. */
const struct pvt_waker *report_top_waker(const struct pvt_task *t);

/* Index of the biggest waker of @t that is the same process as @t, etc.: true if same process. */
static inline bool report_waker_same_process(const struct pvt_task *t, const struct pvt_waker *w)
{
	return w->pid == t->pid && w->tid != 0;
}

int report_json(FILE *f, const struct pvt_report *r);
int report_text(FILE *f, const struct pvt_report *r);

#endif /* PVT_REPORT_H */
