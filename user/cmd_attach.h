/* SPDX-License-Identifier: GPL-2.0 */
/* cmd_attach.h - `pvtrace attach`: options and entry point (cmd_attach.c). */
#ifndef PVT_CMD_ATTACH_H
#define PVT_CMD_ATTACH_H

#include <stdint.h>
#include <stdio.h>
#include "cgroup.h"
#include "cmd_run.h"
#include "pvtrace.h"

struct attach_opts {
	struct run_opts run;        /* the options shared with run (argv unused) */
	uint32_t pids[PVT_MAX_TARGETS]; /* -p: the processes */
	size_t npids;
	int pidfds[PVT_MAX_TARGETS];
	const char *cgroup;         /* --cgroup PATH as given */
	struct pvt_cgroup cg;       /* and resolved */
	int cg_events_fd;
	uint64_t duration_ms;       /* --duration, 0: none */
};

/* Parse `attach`'s arguments (argv[0] is "attach").  0, or PVT_EXIT_USAGE after printing why. */
int attach_parse_args(int argc, char **argv, struct attach_opts *o);
/* -p's argument: a pid or a comma-separated list, added to o->pids.  0 or PVT_EXIT_USAGE. */
int attach_parse_pids(const char *arg, struct attach_opts *o);
/* --duration's argument, seconds (decimal) into milliseconds.  0 or PVT_EXIT_USAGE. */
int attach_parse_duration(const char *arg, uint64_t *ms);
/* Check each of o->pids (a thread's id names its process) and open a pidfd on it.  0 or an exit status. */
int attach_open_targets(struct attach_opts *o);
/* Resolve o->cgroup into o->cg and open its cgroup.events (refused if empty).  0 or an exit status. */
int attach_open_cgroup(struct attach_opts *o);
void attach_usage(FILE *f);
int cmd_attach(int argc, char **argv);
/* attach's whole flow on parsed options (record sets o->run.record).  The exit status. */
int attach_main(struct attach_opts *o);

#endif /* PVT_CMD_ATTACH_H */
