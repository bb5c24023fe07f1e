/* SPDX-License-Identifier: GPL-2.0 */
/* cmd_report.h - `pvtrace report`: a recording's report or timeline (cmd_report.c). */
#ifndef PVT_CMD_REPORT_H
#define PVT_CMD_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "cmd_run.h"

struct report_opts {
	struct run_opts run;        /* -o, -f, --top, --hist, --by, --calibration */
	const char *input;          /* -i FILE (default pvtrace.data) */
	bool top_given;             /* --top given (else the recording's) */
	bool timeline;              /* --timeline */
};

struct replay;

int report_parse_args(int argc, char **argv, struct report_opts *o);
/* The report of the replayed recording @rp (replay_open()) to @out.  0 or an exit status. */
int report_write(const struct report_opts *o, struct replay *rp, FILE *out);
void report_usage(FILE *f);
int cmd_report(int argc, char **argv);

#endif /* PVT_CMD_REPORT_H */
