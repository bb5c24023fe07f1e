/* SPDX-License-Identifier: GPL-2.0 */
/*
 * timeline.h - `pvtrace report --timeline`: a recording's scheduling events,
 * one line each, in time order (like perf sched timehist -w -M): each
 * switch-out of a traced task with its sleep, run-queue wait and run time
 * and what ran before it on that CPU; wakeups, migrations, creations, execs,
 * renames and exits.  Columns: docs/METRICS.md, "Timeline".
 */
#ifndef PVT_TIMELINE_H
#define PVT_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "record_file.h"

/*
 * The timeline of the recording @r (from its first chunk), text or JSON
 * lines, to @f.  The whole file is read first (events from every CPU merged
 * in time order).  0; -1 if it is corrupt (nothing written, one line in
 * @err); -2 if it is truncated (the events it holds written, @err says where
 * it ends); -3 if writing to @f failed (@err says why).
 */
int timeline_write(struct pvt_rec_reader *r, FILE *f, bool json, char *err, size_t errlen);

/* Print the timeline of the recording @path to @out_path (NULL or "-": stdout).  The exit status. */
int timeline_print(const char *path, const char *out_path, bool json);

#endif /* PVT_TIMELINE_H */
