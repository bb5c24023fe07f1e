/* SPDX-License-Identifier: GPL-2.0 */
/* cmd_top.h - `pvtrace top`: options and entry point (cmd_top.c). */
#ifndef PVT_CMD_TOP_H
#define PVT_CMD_TOP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "pvtrace.h"
#include "top.h"

struct top_cli {
	struct top_opts view;
	uint32_t pids[PVT_MAX_TARGETS]; /* -p */
	size_t npids;
	const char *cgroup;         /* --cgroup */
	uint32_t max_tasks;         /* --max-tasks */
	bool help;
};

/* Parse `top`'s arguments (argv[0] is "top").  0, or PVT_EXIT_USAGE after printing why. */
int top_parse_args(int argc, char **argv, struct top_cli *o);
void top_usage(FILE *f);
int cmd_top(int argc, char **argv);

#endif /* PVT_CMD_TOP_H */
