/* SPDX-License-Identifier: GPL-2.0 */
/* cmd_run.h - `pvtrace run`: options and entry point (cmd_run.c). */
#ifndef PVT_CMD_RUN_H
#define PVT_CMD_RUN_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

enum pvt_format { PVT_FMT_TEXT, PVT_FMT_JSON };

struct run_opts {
	const char *output;     /* -o FILE, NULL = stderr */
	enum pvt_format format;
	size_t top;             /* --top N: per-TID rows in text, 0 = all */
	uint32_t max_tasks;     /* --max-tasks N */
	size_t keep_tasks;      /* --keep-tasks N: ended tasks' records held, 0 = all (fold.h) */
	uint32_t ringbuf_bytes; /* --ringbuf-kb N */
	int status;             /* -1 auto (tty), 0 off, 1 on */
	bool null_programs;
	int sys_mode;           /* --syscall-costs=WHEN: enum pvt_sys_mode (tracer.h) */
	bool bpf_stats;         /* --bpf-stats */
	bool hist;              /* --hist */
	uint32_t interval_ms;   /* --interval: memory sampling period, 0 = off */
	const char *calibration; /* --calibration FILE, NULL = default path */
	bool events;            /* --events[=FILE] */
	const char *events_path; /* NULL: stderr */
	bool help;
	const char *user;       /* -u/--user USER: the command runs as USER; NULL: as pvtrace */
	char **argv;            /* the command */
};

/*
 * Parse `run`'s arguments (argv[0] is "run").  Returns 0, or PVT_EXIT_USAGE
 * after printing what is wrong.  opts->help is set for -h.
 */
int run_parse_args(int argc, char **argv, struct run_opts *opts);
void run_usage(FILE *f);
int cmd_run(int argc, char **argv);

#endif /* PVT_CMD_RUN_H */
