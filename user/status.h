/* SPDX-License-Identifier: GPL-2.0 */
/*
 * status.h - the one-line live status on stderr while a trace runs (only when
 * stderr is a terminal): tasks alive and seen, switches per second, lost events.
 */
#ifndef PVT_STATUS_H
#define PVT_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "pvtrace.h"

struct pvt_status {
	FILE *f;
	bool enabled;
	bool shown;
	uint64_t last_ns;
	uint64_t last_switches;
};

void status_init(struct pvt_status *st, FILE *f, bool enabled);
/* Render from the tracer's counters at monotonic time now_ns. */
void status_update(struct pvt_status *st, const uint64_t c[PVT_C__MAX], uint64_t now_ns);
/* Erase the line (before the report or any message). */
void status_clear(struct pvt_status *st);
/*
 * Tasks the traced tree created that were not tracked (docs/METRICS.md,
 * tasks_created): the task map was full, or their creator was such a task.
 */
uint64_t pvt_untracked_tasks(const uint64_t c[PVT_C__MAX]);
/*
 * Events lost, from the tracer's counters (docs/METRICS.md, lost_events): ring-buffer
 * drops of the records that feed --events, creation costs and process memory not
 * kept, tasks not tracked.  Memory records that did not fit are read at the end:
 * not lost.
 */
uint64_t pvt_lost_events(const uint64_t c[PVT_C__MAX]);
/* The line itself, for tests. */
int status_format(char *buf, size_t sz, const uint64_t c[PVT_C__MAX], double switches_per_s);

#endif /* PVT_STATUS_H */
