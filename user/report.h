/* SPDX-License-Identifier: GPL-2.0 */
/* report.h - what a report is made of; one writer per format (report_text.c, report_json.c). */
#ifndef PVT_REPORT_H
#define PVT_REPORT_H

#include <stdio.h>
#include "tasktable.h"

struct pvt_report {
	char *const *argv;          /* the command */
	int root_pid;
	uint64_t t0_ns;             /* trace start (monotonic), origin of every *_ns time */
	uint64_t duration_ns;
	int root_wstatus;           /* wait(2) status of the command */
	uint64_t counters[PVT_C__MAX];
	const struct pvt_table *tb;
	size_t top;                 /* text: per-TID rows, 0 = all */
	bool null_programs;
};

/* Total ring-buffer records dropped. */
uint64_t report_lost_events(const struct pvt_report *r);

int report_json(FILE *f, const struct pvt_report *r);
int report_text(FILE *f, const struct pvt_report *r);

#endif /* PVT_REPORT_H */
