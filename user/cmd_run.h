/* SPDX-License-Identifier: GPL-2.0 */
/* cmd_run.h - `pvtrace run`: options and entry point (cmd_run.c). */
#ifndef PVT_CMD_RUN_H
#define PVT_CMD_RUN_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include "output.h"

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
	bool by_cgroup;         /* --by cgroup */
	bool live;              /* --live: the live view while the command runs */
	/* record (cmd_record.c) */
	bool record;
	const char *record_path; /* -o FILE (default pvtrace.data) */
	bool force;             /* --force: replace a file that is not a recording */
	uint32_t record_rb_bytes; /* --record-buffer-kb */
	bool report_wanted;     /* --report[=FILE]: also write run's report (output: FILE) */
	uint32_t interval_ms;   /* --interval: memory sampling period, 0 = off */
	const char *calibration; /* --calibration FILE, NULL = default path */
	bool events;            /* --events[=FILE] */
	const char *events_path; /* NULL: stderr */
	bool help;
	const char *user;       /* -u/--user USER: the command runs as USER; NULL: as pvtrace */
	char **argv;            /* the command */
};

/* The options `run` shares with `attach` and `top` (getopt_long's table). */
enum { OPT_MAX_TASKS = 256, OPT_RINGBUF_KB, OPT_STATUS, OPT_NO_STATUS, OPT_NULL, OPT_HIST,
       OPT_CALIBRATION, OPT_EVENTS, OPT_NO_SYSCALLS, OPT_SYSCALLS, OPT_BPF_STATS, OPT_KEEP_TASKS,
       OPT_BY, OPT_LIVE, OPT__RUN_END };
#define RUN_LONGOPTS \
	{ "output", required_argument, NULL, 'o' }, \
	{ "format", required_argument, NULL, 'f' }, \
	{ "top", required_argument, NULL, 't' }, \
	{ "max-tasks", required_argument, NULL, OPT_MAX_TASKS }, \
	{ "keep-tasks", required_argument, NULL, OPT_KEEP_TASKS }, \
	{ "ringbuf-kb", required_argument, NULL, OPT_RINGBUF_KB }, \
	{ "status", no_argument, NULL, OPT_STATUS }, \
	{ "no-status", no_argument, NULL, OPT_NO_STATUS }, \
	{ "hist", no_argument, NULL, OPT_HIST }, \
	{ "by", required_argument, NULL, OPT_BY }, \
	{ "calibration", required_argument, NULL, OPT_CALIBRATION }, \
	{ "events", optional_argument, NULL, OPT_EVENTS }, \
	{ "no-syscall-costs", no_argument, NULL, OPT_NO_SYSCALLS }, \
	{ "syscall-costs", required_argument, NULL, OPT_SYSCALLS }, \
	{ "bpf-stats", no_argument, NULL, OPT_BPF_STATS }, \
	{ "interval", required_argument, NULL, 'i' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "help", no_argument, NULL, 'h' }

/* The command named in run_option()'s usage errors ("run", "attach", "top"). */
extern const char *run_cmd_name;

/* The defaults. */
void run_opts_init(struct run_opts *o);

/*
 * One shared option @c with its argument (optarg) into @o.  0, or
 * PVT_EXIT_USAGE after printing what is wrong (as `run`: attach and top
 * print the same lines).
 */
int run_option(int c, const char *optarg, struct run_opts *o);

/*
 * Parse `run`'s arguments (argv[0] is "run").  Returns 0, or PVT_EXIT_USAGE
 * after printing what is wrong.  opts->help is set for -h.
 */
int run_parse_args(int argc, char **argv, struct run_opts *opts);
void run_usage(FILE *f);
int cmd_run(int argc, char **argv);
/* run's whole flow on parsed options (record sets o->record).  The exit status. */
int run_main(struct run_opts *o);

/* The report's and the event stream's outputs (output.c). */
struct run_state;
struct run_outputs {
	struct pvt_output report;   /* stderr, stdout or -o FILE (output.c) */
	struct pvt_output events;   /* --events */
	bool written;               /* the report is whole: commit it, else leave FILE alone */
	char *path;                 /* run: the command, resolved on $PATH; the launch's once started */
};
/* Open the report (-o) and --events outputs.  0 or an exit status. */
int run_open_outputs(const struct run_opts *o, struct run_state *rs, struct run_outputs *out);
/* cgroup_names_path() as struct pvt_collected's cgroup_path (ctx: struct pvt_cgroup_names *). */
const char *run_cgroup_path(void *ctx, uint64_t id);
/* The report's options from @o, and the calibration (into @cal, which must outlive @c; NULL: not loaded). */
struct pvt_collected;
struct pvt_calibration;
void run_report_setup(const struct run_opts *o, struct pvt_collected *c, struct pvt_calibration *cal);
/* Build the model of what was collected (run_report_setup() first) and write it to @out.  0 or -1. */
int run_report(const struct run_opts *o, struct run_state *rs, struct pvt_collected *c, FILE *out);
/* Commit or drop the outputs; a failed close of a file written fails @ret.  The exit status. */
int run_finish(const struct run_opts *o, struct run_state *rs, struct run_outputs *out, int ret);

#endif /* PVT_CMD_RUN_H */
