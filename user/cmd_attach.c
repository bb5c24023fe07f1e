// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_attach.c - `pvtrace attach -p PID[,PID...] | --cgroup PATH [options]`:
 * trace processes that are already running (every thread, and every task
 * they create from then on), or every task of a cgroup v2 directory, until
 * Ctrl-C, --duration, or the targets are gone; then the report `run` gives.
 *
 * The phases are run's (cmd_run.c, run_trace.c) but for the start: the
 * tracer opens in an attach mode, and the attach pass of the task iterator
 * registers the running targets (bpf/attach.bpf.h); their kernel counters at
 * their first sight are the baseline of every figure.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "cgroup.h"
#include "cmd_attach.h"
#include "cmd_record.h"
#include "record_file.h"
#include "cmd_run.h"
#include "common.h"
#include "fileio.h"
#include "parse.h"
#include "run_trace.h"

#define usage_error(...) pvt_usage_error(run_cmd_name, __VA_ARGS__)

void attach_usage(FILE *f)
{
	fprintf(f,
		"usage: pvtrace attach (-p PID[,PID...] | --cgroup PATH) [options]\n"
		"\n"
		"Trace processes that are already running: every thread of each PID, and every\n"
		"task they create from then on; or every task in a cgroup v2 directory (a\n"
		"container, a systemd service) and below it, including tasks moved into it later.\n"
		"Until Ctrl-C (SIGINT, SIGTERM, SIGHUP, SIGQUIT), --duration, or the last target\n"
		"process exits (the cgroup empties); then the report 'pvtrace run' gives, every\n"
		"figure counted from the attach: the kernel's counters at each task's first sight\n"
		"are its baseline, and tasks alive at the end are verified by a final read of\n"
		"their counters.  Tasks that existed before the attach say so; their creation\n"
		"is unknown (null in JSON).  pvtrace exits 0 when the trace ends this way.\n"
		"\n"
		"targets (one of):\n"
		"  -p, --pid PID[,PID...] running processes (up to %d; a thread's id names its process);\n"
		"                         may be given more than once\n"
		"      --cgroup PATH      a cgroup v2 directory: a path on the cgroup2 mount, or relative\n"
		"                         to it as /proc/PID/cgroup shows it (/system.slice/x.service)\n"
		"\n"
		"options:\n"
		"  -d, --duration SECS    stop after SECS seconds (a decimal number; default: until\n"
		"                         Ctrl-C or the targets are gone)\n"
		"  -o, --output FILE      the report to FILE instead of stderr ('-': stdout)\n"
		"  -f, --format FMT       text (default) or json (schema pvtrace.report/1, \"mode\": \"attach\")\n"
		"  -t, --top N            text report: the N tasks with the most switches (default 20;\n"
		"                         0 shows all)\n"
		"      --hist             text report: run-queue latency histograms\n"
		"      --by process|cgroup\n"
		"                         text report: with cgroup, the tasks grouped by cgroup v2\n"
		"      --events[=FILE]    each creation, exec, rename and exit as it happens\n"
		"  -i, --interval MS      sample memory every MS ms (default 100; 0: only at creation,\n"
		"                         exec and exit)\n"
		"      --max-tasks N      task map capacity (default %u): beyond it, counted as untracked\n"
		"      --keep-tasks N     ended tasks' records held (default %u; 0: no bound)\n"
		"      --ringbuf-kb N     ring buffer size in KiB (a power of two >= 4; default 8192)\n"
		"      --syscall-costs WHEN, --no-syscall-costs, --bpf-stats, --calibration FILE,\n"
		"      --status, --no-status\n"
		"                         as for 'pvtrace run' (see pvtrace run --help)\n"
		"  -v, --verbose          say more\n"
		"  -h, --help             this help\n"
		"\n"
		"Needs root (or CAP_BPF and CAP_PERFMON) and a kernel with BTF.\n"
		"Metric definitions: METRICS.md (docs/ in the source; share/doc/pvtrace/ installed).\n",
		PVT_MAX_TARGETS, PVT_DEFAULT_MAX_TASKS, PVT_DEFAULT_KEEP_TASKS);
}

enum { OPT_CGROUP = OPT__RUN_END, OPT_ATTACH_END };

/* -p's list: numbers separated by commas, each a pid from 1 to 4194304, up to PVT_MAX_TARGETS. */
int attach_parse_pids(const char *arg, struct attach_opts *o)
{
	char buf[256], *save = NULL, *tok;
	uint64_t v;

	if (!*arg || strlen(arg) >= sizeof(buf))
		return usage_error("-p needs a process id or a comma-separated list of them, not '%s'",
				   arg);
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		bool dup = false;

		if (pvt_parse_u64(tok, 1, 4194304, &v))
			return usage_error("-p needs process ids (1 to 4194304), not '%s'", tok);
		for (size_t i = 0; i < o->npids; i++)
			dup |= o->pids[i] == v;
		if (dup)
			continue;
		if (o->npids == PVT_MAX_TARGETS)
			return usage_error("at most %d processes with -p", PVT_MAX_TARGETS);
		o->pids[o->npids++] = (uint32_t)v;
	}
	if (arg[strlen(arg) - 1] == ',' || arg[0] == ',' || strstr(arg, ",,"))
		return usage_error("-p: an empty item in '%s'", arg);
	return 0;
}

int attach_parse_duration(const char *arg, uint64_t *ms)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(arg, &end);
	if (!*arg || *end || errno || !isfinite(s) || s <= 0 || s > 31536000)
		return usage_error("--duration needs seconds, more than 0 and at most a year, not '%s'",
				   arg);
	*ms = (uint64_t)(s * 1000 + 0.5);
	if (!*ms)
		*ms = 1;
	return 0;
}

int attach_parse_args(int argc, char **argv, struct attach_opts *o)
{
	static const struct option longopts[] = {
		RUN_LONGOPTS,
		{ "pid", required_argument, NULL, 'p' },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "duration", required_argument, NULL, 'd' },
		{}
	};
	int c, err;

	memset(o, 0, sizeof(*o));
	run_opts_init(&o->run);
	run_cmd_name = "attach";
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:f:t:i:p:d:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			pvt_verbose++;
			break;
		case 'h':
			o->run.help = true;
			return 0;
		case 'p':
			err = attach_parse_pids(optarg, o);
			if (err)
				return err;
			break;
		case OPT_CGROUP:
			if (!*optarg)
				return usage_error("--cgroup needs a cgroup v2 directory");
			if (o->cgroup)
				return usage_error("--cgroup given twice");
			o->cgroup = optarg;
			break;
		case 'd':
			err = attach_parse_duration(optarg, &o->duration_ms);
			if (err)
				return err;
			break;
		case '?':
		case ':':
			return pvt_getopt_error("attach", c, argv);
		default:
			err = run_option(c, optarg, &o->run);
			if (err)
				return err;
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s' (to start a command under tracing: "
				   "pvtrace run -- CMD)", argv[optind]);
	if (!o->npids && !o->cgroup)
		return usage_error("nothing to attach to: -p PID or --cgroup PATH");
	if (o->npids && o->cgroup)
		return usage_error("-p and --cgroup cannot be combined");
	return 0;
}

/* The thread group of @pid (itself for a process), or -1 if there is no such task. */
static int tgid_of(uint32_t pid)
{
	char path[64], buf[4096], *p;
	uint64_t v;

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	if (pvt_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "\nTgid:");
	if (!p || pvt_parse_u64(strtok(p + 6, " \t\n"), 1, 4194304, &v))
		return -1;
	return (int)v;
}

int attach_open_targets(struct attach_opts *o)
{
	for (size_t i = 0; i < o->npids; i++) {
		int tgid = tgid_of(o->pids[i]);

		if (tgid < 0) {
			pvt_err("%s: no process with pid %u", run_cmd_name, o->pids[i]);
			return PVT_EXIT_FAILURE;
		}
		if ((uint32_t)tgid != o->pids[i]) {
			pvt_warn("%s: %u is a thread of process %d: taking process %d", run_cmd_name,
				 o->pids[i], tgid, tgid);
			o->pids[i] = (uint32_t)tgid;
		}
		o->pidfds[i] = (int)syscall(SYS_pidfd_open, o->pids[i], 0);
		if (o->pidfds[i] < 0) {
			if (errno == ESRCH)
				pvt_err("%s: process %u exited before the attach", run_cmd_name, o->pids[i]);
			else
				pvt_err("%s: cannot watch process %u: %s", run_cmd_name, o->pids[i],
					strerror(errno));
			return PVT_EXIT_FAILURE;
		}
	}
	return 0;
}

int attach_open_cgroup(struct attach_opts *o)
{
	char err[512], path[2 * PVT_CGROUP_PATH_MAX + 32], mnt[PVT_CGROUP_PATH_MAX];

	if (cgroup_resolve(o->cgroup, &o->cg, err, sizeof(err))) {
		pvt_err("%s: %s", run_cmd_name, err);
		return PVT_EXIT_FAILURE;
	}
	if (cgroup_mount(mnt, sizeof(mnt))) {
		pvt_err("%s: no cgroup v2 file system is mounted", run_cmd_name);
		return PVT_EXIT_FAILURE;
	}
	snprintf(path, sizeof(path), "%s%s/cgroup.events", mnt, strcmp(o->cg.path, "/") ? o->cg.path : "");
	o->cg_events_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (o->cg_events_fd < 0) {
		pvt_err("%s: cannot open %s: %s", run_cmd_name, path, strerror(errno));
		return PVT_EXIT_FAILURE;
	}
	if (run_cgroup_populated(o->cg_events_fd) == 0) {
		pvt_err("%s: cgroup %s has no task", run_cmd_name, o->cg.path);
		return PVT_EXIT_FAILURE;
	}
	return 0;
}

/* How many targets are still alive (attach -p). */
static size_t targets_alive(const struct attach_opts *o)
{
	size_t n = 0;

	for (size_t i = 0; i < o->npids; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%u", o->pids[i]);
		n += access(path, F_OK) == 0;
	}
	return n;
}

/* Open the tracer, register the running targets, trace until the end.  0 or an exit status. */
static int trace(struct attach_opts *o, struct run_state *rs, struct pvt_collected *col)
{
	const struct run_opts *ro = &o->run;
	struct pvt_tracer_opts topts = {
		.max_tasks = ro->max_tasks, .ringbuf_bytes = ro->ringbuf_bytes,
		.sys_mode = ro->sys_mode, .live_events = ro->events, .bpf_stats = ro->bpf_stats,
		.on_event = run_on_event, .ctx = rs,
		.record_sched = ro->record, .sched_rb_bytes = ro->record_rb_bytes,
		.on_sched = ro->record ? record_on_sched : NULL,
	};
	struct run_watch w = { .cg_events_fd = o->cg_events_fd, .duration_ms = o->duration_ms };

	if (ro->record)
		topts.live_events = true; /* creations, execs, renames: journaled for the timeline */
	uint64_t c[PVT_C__MAX], t_start;
	struct pvt_status st;
	struct timespec now;
	int err;

	if (o->cgroup) {
		topts.attach_mode = PVT_ATTACH_CGROUP;
		topts.cgroup_id = o->cg.id;
		topts.cgroup_level = o->cg.level;
	} else {
		topts.attach_mode = PVT_ATTACH_PIDS;
		memcpy(topts.targets, o->pids, o->npids * sizeof(o->pids[0]));
		topts.ntargets = o->npids;
		w.pidfds = o->pidfds;
		w.npidfds = o->npids;
	}
	if (tracer_open(&rs->tr, &topts))
		return PVT_EXIT_FAILURE;
	clock_gettime(CLOCK_REALTIME, &now);
	t_start = pvt_now_ns();
	err = tracer_attach_pass(rs->tr);
	if (err) {
		pvt_err("attach: the task iterator failed: %s", strerror(-err));
		return PVT_EXIT_FAILURE;
	}
	tracer_read_counters(rs->tr, c);
	if (o->npids && !targets_alive(o)) {
		pvt_err("attach: the process%s exited during the attach", o->npids > 1 ? "es" : "");
		return PVT_EXIT_FAILURE;
	}
	if (!c[PVT_C_ATTACHED]) {
		pvt_err("attach: no task found to attach to%s", c[PVT_C_ATTACH_FULL] ?
			" (the task map is full: --max-tasks)" : "");
		return PVT_EXIT_FAILURE;
	}
	/* As bcc's tools say "Tracing...": a person (and a script) knows when it began. */
	fprintf(stderr, "pvtrace: attached to %llu task(s)%s\n", (unsigned long long)c[PVT_C_ATTACHED],
		isatty(STDIN_FILENO) ? "; Ctrl-C to stop" : "");
	col->attached_at_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	if (ro->interval_ms)
		run_sample_memory(rs); /* the first memory sample of every attached process */
	run_forward_signals(0);
	status_init(&st, stderr, ro->status == 1 || (ro->status == -1 && isatty(STDERR_FILENO)));
	if (run_trace_loop(rs, &st, &w, ro->interval_ms))
		return PVT_EXIT_FAILURE;
	col->duration_ns = pvt_now_ns() - t_start;
	col->end_reason = w.end;
	status_clear(&st);
	run_wait_final_switches(rs->tr);
	if (ro->interval_ms)
		run_sample_memory(rs);
	return 0;
}

int cmd_attach(int argc, char **argv)
{
	struct attach_opts o;
	int err;

	err = attach_parse_args(argc, argv, &o);
	if (err)
		return err;
	if (o.run.help) {
		attach_usage(stdout);
		return 0;
	}
	return attach_main(&o);
}

int attach_main(struct attach_opts *op)
{
	struct pvt_calibration cal;
	struct run_outputs out = {};
	struct pvt_collected col = {};
	struct run_state rs = {};
	struct attach_opts o = *op;
	int ret;

	o.cg_events_fd = -1;
	for (size_t i = 0; i < PVT_MAX_TARGETS; i++)
		o.pidfds[i] = -1;
	pvt_setup_libbpf_print();
	run_state_init(&rs, o.run.keep_tasks, o.run.top, o.run.max_tasks);
	col.cgroup_ctx = cgroup_names_new();
	col.cgroup_path = col.cgroup_ctx ? run_cgroup_path : NULL;

	ret = tracer_preflight() ? PVT_EXIT_FAILURE : 0;
	if (!ret)
		ret = o.cgroup ? attach_open_cgroup(&o) : attach_open_targets(&o);
	if (!ret)
		ret = run_open_outputs(&o.run, &rs, &out);
	if (!ret && o.run.record)
		ret = record_start(&o.run, &rs);
	if (!ret)
		ret = trace(&o, &rs, &col);
	if (!ret) {
		col.mode = PVT_MODE_ATTACH;
		col.target_pids = o.npids ? o.pids : NULL;
		col.ntarget_pids = o.npids;
		col.target_cgroup = o.cgroup ? o.cg.path : NULL;
		run_collect(&rs, &col);
		run_report_setup(&o.run, &col, &cal);
		if (o.run.record)
			run_journal_collected(&rs, &col);
		if (!o.run.record || o.run.report_wanted)
			out.written = !run_report(&o.run, &rs, &col, out.report.f);
		else
			out.written = true;
		ret = out.written ? 0 : PVT_EXIT_FAILURE;
		if (o.run.record && record_finish(&o.run, &rs, &col) && !ret)
			ret = PVT_EXIT_FAILURE;
	}
	if (rs.rec) { /* a failed trace: what was written stays, a readable prefix */
		recw_abort(rs.rec);
		rs.rec = NULL;
	}
	tracer_close(rs.tr);
	ret = run_finish(&o.run, &rs, &out, ret);
	for (size_t i = 0; i < o.npids; i++)
		if (o.pidfds[i] != -1)
			close(o.pidfds[i] >= 0 ? o.pidfds[i] : -1 - o.pidfds[i]);
	if (o.cg_events_fd >= 0)
		close(o.cg_events_fd);
	cgroup_names_free(col.cgroup_ctx);
	run_state_free(&rs);
	free((void *)col.progs);
	return ret;
}
