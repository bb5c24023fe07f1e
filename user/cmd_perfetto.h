/* SPDX-License-Identifier: GPL-2.0 */
/* cmd_perfetto.h - `pvtrace perfetto`: a recording as a Perfetto trace (cmd_perfetto.c). */
#ifndef PVT_CMD_PERFETTO_H
#define PVT_CMD_PERFETTO_H

#include <stdbool.h>
#include <stdio.h>

struct perfetto_opts {
	const char *input;      /* -i FILE (default pvtrace.data) */
	const char *output;     /* -o OUT ("-": stdout, not a terminal) */
	bool help;
};

/* Parse `perfetto`'s arguments (argv[0] is "perfetto").  0 or PVT_EXIT_USAGE. */
int perfetto_parse_args(int argc, char **argv, struct perfetto_opts *o);
void perfetto_usage(FILE *f);
int cmd_perfetto(int argc, char **argv);

#endif /* PVT_CMD_PERFETTO_H */
