/* SPDX-License-Identifier: GPL-2.0 */
/* cmd_record.h - `pvtrace record`: run, and keep every scheduling event in a file (cmd_record.c). */
#ifndef PVT_CMD_RECORD_H
#define PVT_CMD_RECORD_H

#include <stdio.h>
#include "cmd_run.h"
#include "model.h"
#include "pvtrace.h"
#include "run_trace.h"

#define PVT_RECORD_DEFAULT_PATH "pvtrace.data"

/* Parse `record`'s arguments (argv[0] is "record"): a command, or attach's targets.  0 or PVT_EXIT_USAGE. */
struct attach_opts;
int record_parse_args(int argc, char **argv, struct attach_opts *o);
void record_usage(FILE *f);
/* Open the recording and write its information chunk (before the trace).  0 or an exit status. */
int record_start(const struct run_opts *o, struct run_state *rs);
/* The tracer's scheduling-event callback (ctx: struct run_state *). */
void record_on_sched(void *ctx, const struct pvt_sched_ev *ev);
/* Close the recording (its END chunk) and say what it holds.  0 or -1. */
int record_finish(const struct run_opts *o, struct run_state *rs, const struct pvt_collected *c);
int cmd_record(int argc, char **argv);

#endif /* PVT_CMD_RECORD_H */
