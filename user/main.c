// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - pvtrace: per-TID context switches, creation cost, memory and exit
 * of a command's whole task tree, measured with eBPF on the scheduler's
 * tracepoints.  Subcommands are dispatched from a table (as bpftool does).
 */
#include <stdio.h>
#include <string.h>
#include "cmd_attach.h"
#include "cmd_bench.h"
#include "cmd_perfetto.h"
#include "calibrate.h"
#include "common.h"
#include "cmd_record.h"
#include "cmd_report.h"
#include "cmd_run.h"
#include "cmd_serve.h"
#include "cmd_top.h"
#include "version.h" /* PVTRACE_VERSION: .output/version.h, made by the Makefile */

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static int cmd_help(int argc, char **argv);

static const struct cmd cmds[] = {
	{ "run", cmd_run, "run a command and report its tasks' context switches" },
	{ "attach", cmd_attach, "trace running processes or a cgroup, then report as run does" },
	{ "record", cmd_record, "run a command and record every scheduling event of its tasks to a file" },
	{ "report", cmd_report, "the report of a recording (pvtrace record), or its timeline" },
	{ "perfetto", cmd_perfetto, "a recording as a Perfetto trace (ui.perfetto.dev)" },
	{ "top", cmd_top, "a live view of context switches: the machine, processes or a cgroup" },
	{ "serve", cmd_serve, "export the live figures to Prometheus (OpenMetrics over HTTP)" },
	{ "bench", cmd_bench, "measure process vs thread costs here, beside two articles' figures" },
	{ "calibrate", cmd_calibrate, "measure the direct cost of a context switch on this machine" },
	{ "help", cmd_help, "show this help, or a command's: help COMMAND" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: pvtrace [-v] [--version] [-h] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\noptions (before COMMAND):\n"
		   "  -v, --verbose  say more, as each command's -v does (-vv: libbpf's debug log)\n"
		   "      --version  print pvtrace's version and exit\n"
		   "  -h, --help     this help\n"
		   "\n'pvtrace COMMAND --help' describes a command's options.\n"
		   "Example: sudo pvtrace run -- ./app arg\n");
}

/* help [COMMAND]: this usage, or COMMAND's own (as 'pvtrace COMMAND --help'). */
static int cmd_help(int argc, char **argv)
{
	char help_opt[] = "--help";

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		if (argc > 2) {
			fprintf(stderr, "pvtrace help: unexpected argument '%s'\n", argv[2]);
			return PVT_EXIT_USAGE;
		}
		usage(stdout);
		return 0;
	}
	if (argc > 2) {
		fprintf(stderr, "pvtrace help: unexpected argument '%s' (usage: pvtrace help "
			"[COMMAND])\n", argv[2]);
		return PVT_EXIT_USAGE;
	}
	for (size_t k = 0; k < ARRAY_SIZE(cmds); k++) {
		if (!strcmp(argv[1], cmds[k].name)) {
			char *sub[] = { argv[1], help_opt, NULL };

			return cmds[k].fn(2, sub);
		}
	}
	fprintf(stderr, "pvtrace help: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return PVT_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (argv[i][1] == 'v' && argv[i][strspn(argv[i] + 1, "v") + 1] == '\0') {
			pvt_verbose += (int)strlen(argv[i]) - 1; /* -v, -vv, ... */
		} else if (!strcmp(argv[i], "--verbose")) {
			pvt_verbose++;
		} else if (!strcmp(argv[i], "--version")) {
			printf("pvtrace %s\n", PVTRACE_VERSION);
			return 0;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "pvtrace: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return PVT_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return PVT_EXIT_USAGE;
	}
	for (size_t k = 0; k < ARRAY_SIZE(cmds); k++)
		if (!strcmp(argv[i], cmds[k].name))
			return cmds[k].fn(argc - i, argv + i);
	fprintf(stderr, "pvtrace: unknown command '%s'\n", argv[i]);
	usage(stderr);
	return PVT_EXIT_USAGE;
}
