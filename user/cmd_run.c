// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_run.c - `pvtrace run [options] -- CMD [ARGS]`, in four phases:
 *   prepare  options, the command's path, the report and event outputs;
 *   trace    the command started behind a gate, the tracer attached, the
 *            event loop until the command exits (run_trace.c);
 *   collect  the maps drained into a collected record (run_trace.c);
 *   report   model_build() (model.c), then one view (report_text.c or
 *            report_json.c).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cgroup.h"
#include "cmd_run.h"
#include "common.h"
#include "launch.h"
#include "output.h"
#include "report.h"
#include "run_trace.h"
#include "top_source.h"
#include "cmd_record.h"
#include "record_file.h"
#include <sys/syscall.h>

/* Usage errors of `pvtrace run` (common.c). */
#define usage_error(...) pvt_usage_error(run_cmd_name, __VA_ARGS__)

const char *run_cmd_name = "run";

#define RINGBUF_KB_DEFAULT 8192
#define INTERVAL_MS_DEFAULT 100

void run_usage(FILE *f)
{
	fprintf(f,
		"usage: pvtrace run [options] [--] CMD [ARGS...]\n"
		"\n"
		"Run CMD, follow every thread and process it creates, and report per task its\n"
		"context switches (checked against the kernel's own counters), what its creation\n"
		"and exec cost, the memory it holds, and how it ended.  The report goes to\n"
		"stderr (or -o FILE); CMD's stdin, stdout and stderr are left alone, and it\n"
		"inherits no other descriptor of pvtrace's.  pvtrace exits with CMD's status\n"
		"(128+N if signal N killed it).\n"
		"\n"
		"options:\n"
		"  -o, --output FILE      write the report to FILE instead of stderr ('-': stdout, with\n"
		"                         CMD's own stdout); FILE is replaced once the report is whole\n"
		"                         (a failed run leaves it as it was); a symbolic link is\n"
		"                         refused, a device or FIFO written as it is\n"
		"  -f, --format FMT       report format: text (default) or json (schema pvtrace.report/1)\n"
		"  -t, --top N            text report: show the N tasks with the most switches (default 20;\n"
		"                         0 shows all)\n"
		"      --max-tasks N      task map capacity: tasks alive at once (default %u); tasks beyond\n"
		"                         it, and all they create, are counted and reported as untracked\n"
		"      --keep-tasks N     hold at most N ended tasks' records (default %u; 0: no bound);\n"
		"                         beyond, the least interesting are folded into per-process and\n"
		"                         per-name sums, counted and shown, so memory stays bounded\n"
		"      --ringbuf-kb N     ring buffer for creations and exits, in KiB: a power of two,\n"
		"                         at least 4 (default %u); drops are counted and reported\n"
		"      --events[=FILE]    print each creation, exec, rename and exit of the traced tree\n"
		"                         as it happens, one line each, to stderr or FILE ('-': stdout;\n"
		"                         JSON lines with -f json); FILE is written as the trace goes\n"
		"  -i, --interval MS      sample memory every MS ms (default %u, or 0; else >= 10):\n"
		"                         each process's RSS, page tables, VMAs (in BPF), its PSS,\n"
		"                         shared and private memory and its threads' resident stacks\n"
		"                         (/proc); 0: only at creation, exec and exit, in BPF\n"
		"      --syscall-costs WHEN\n"
		"                         when to time the creating syscalls and execs with hooks on\n"
		"                         raw_syscalls, which every syscall on the machine pays while\n"
		"                         they are attached: bursts (default: while the traced tree\n"
		"                         creates tasks or execs, from its second creation of a burst\n"
		"                         on), always, or never; an untimed creation has null\n"
		"                         created.syscall_ns, oncpu_ns, copy_ns and exec_ns (the\n"
		"                         syscall, flags and execs are still reported)\n"
		"      --no-syscall-costs the same as --syscall-costs never\n"
		"      --bpf-stats        report each BPF program's run count and run time (the kernel's\n"
		"                         bpf_stats, enabled for the trace: it adds a clock read to\n"
		"                         every program run on the machine)\n"
		"      --hist             text report: bcc-style histograms of run-queue latency for\n"
		"                         threads, processes, and each of the top processes\n"
		"      --by process|cgroup\n"
		"                         text report: with cgroup, a table of the tasks grouped by\n"
		"                         cgroup v2, threads and processes side by side (JSON: always,\n"
		"                         cgroups[])\n"
		"      --calibration FILE switch costs measured by 'pvtrace calibrate' (default:\n"
		"                         $PVTRACE_CALIBRATION, else %s)\n"
		"      --status, --no-status\n"
		"                         live one-line status on stderr (default: only if a terminal)\n"
		"      --live             while CMD runs, the live view of 'pvtrace top' on its tasks\n"
		"                         (full-screen on a terminal, where q closes it and the trace\n"
		"                         goes on; else a snapshot a second on stderr), then the report\n"
		"      --null-programs    attach empty programs on the same tracepoints and measure\n"
		"                         nothing (the tracing mechanism's own cost, for make bench)\n"
		"  -u, --user USER        run CMD as USER (a name or a numeric uid): its groups, uid and\n"
		"                         gid, and HOME, USER and LOGNAME, as 'runuser -u USER' does;\n"
		"                         pvtrace keeps its privileges (default: as pvtrace's user)\n"
		"  -v, --verbose          say more; twice shows libbpf's debug log\n"
		"  -h, --help             this help\n"
		"\n"
		"Needs root (or CAP_BPF and CAP_PERFMON) and a kernel with BTF.  SIGINT, SIGTERM,\n"
		"SIGHUP and SIGQUIT sent to pvtrace are passed on to CMD (a Ctrl-C on the terminal\n"
		"reaches CMD once, in pvtrace's process group or not); the report is still written.\n"
		"The third such signal stops pvtrace at once, without a report.\n"
		"Metric definitions: METRICS.md (docs/ in the source; share/doc/pvtrace/ installed).\n",
		PVT_DEFAULT_MAX_TASKS, PVT_DEFAULT_KEEP_TASKS, RINGBUF_KB_DEFAULT, INTERVAL_MS_DEFAULT,
		PVT_CAL_DEFAULT_PATH);
}

int run_option(int c, const char *optarg, struct run_opts *o)
{
	uint64_t v;

	switch (c) {
	case 'o':
		if (!*optarg)
			return usage_error("-o needs a file name");
		o->output = optarg;
		break;
	case 'f':
		if (!strcmp(optarg, "text"))
			o->format = PVT_FMT_TEXT;
		else if (!strcmp(optarg, "json"))
			o->format = PVT_FMT_JSON;
		else
			return usage_error("unknown format '%s' (text or json)", optarg);
		break;
	case 't':
		if (pvt_parse_u64(optarg, 0, 1u << 30, &v))
			return usage_error("--top needs a number >= 0, not '%s'", optarg);
		o->top = v;
		break;
	case 'i':
		if (pvt_parse_u64(optarg, 0, 3600000, &v) || (v && v < 10))
			return usage_error("--interval needs milliseconds: 0 (off) or 10 to 3600000, "
					   "not '%s'", optarg);
		o->interval_ms = (uint32_t)v;
		break;
	case OPT_MAX_TASKS:
		return pvt_parse_max_tasks(run_cmd_name, optarg, &o->max_tasks);
	case OPT_KEEP_TASKS:
		if (pvt_parse_u64(optarg, 0, 1u << 30, &v))
			return usage_error("--keep-tasks needs a number from 0 (no bound) to 1073741824, "
					   "not '%s'", optarg);
		o->keep_tasks = v;
		break;
	case OPT_RINGBUF_KB:
		if (pvt_parse_u64(optarg, 4, 1u << 20, &v) || (v & (v - 1)))
			return usage_error("--ringbuf-kb needs a power of two from 4 to 1048576, "
					   "not '%s'", optarg);
		o->ringbuf_bytes = v * 1024;
		break;
	case OPT_STATUS:
		o->status = 1;
		break;
	case OPT_NO_STATUS:
		o->status = 0;
		break;
	case OPT_NULL:
		o->null_programs = true;
		break;
	case OPT_HIST:
		o->hist = true;
		break;
	case OPT_LIVE:
		o->live = true;
		break;
	case OPT_BY:
		if (!strcmp(optarg, "cgroup"))
			o->by_cgroup = true;
		else if (!strcmp(optarg, "process"))
			o->by_cgroup = false;
		else
			return usage_error("--by needs process or cgroup, not '%s'", optarg);
		break;
	case OPT_CALIBRATION:
		if (!*optarg)
			return usage_error("--calibration needs a file name");
		o->calibration = optarg;
		break;
	case OPT_NO_SYSCALLS:
		o->sys_mode = PVT_SYS_NEVER;
		break;
	case OPT_SYSCALLS:
		if (!strcmp(optarg, "bursts"))
			o->sys_mode = PVT_SYS_BURSTS;
		else if (!strcmp(optarg, "always"))
			o->sys_mode = PVT_SYS_ALWAYS;
		else if (!strcmp(optarg, "never"))
			o->sys_mode = PVT_SYS_NEVER;
		else
			return usage_error("--syscall-costs needs bursts, always or never, not '%s'",
					   optarg);
		break;
	case OPT_BPF_STATS:
		o->bpf_stats = true;
		break;
	case 'u':
		if (!*optarg)
			return usage_error("--user needs a user name or uid");
		o->user = optarg;
		break;
	case OPT_EVENTS:
		if (optarg && !*optarg)
			return usage_error("--events= needs a file name");
		o->events = true;
		o->events_path = optarg;
		break;
	}
	return 0;
}

void run_opts_init(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->format = PVT_FMT_TEXT;
	o->top = 20;
	o->max_tasks = PVT_DEFAULT_MAX_TASKS;
	o->keep_tasks = PVT_DEFAULT_KEEP_TASKS;
	o->ringbuf_bytes = RINGBUF_KB_DEFAULT * 1024;
	o->status = -1;
	o->interval_ms = INTERVAL_MS_DEFAULT;
	o->sys_mode = PVT_SYS_BURSTS;
}

int run_parse_args(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
		RUN_LONGOPTS,
		{ "user", required_argument, NULL, 'u' },
		{ "null-programs", no_argument, NULL, OPT_NULL },
		{ "live", no_argument, NULL, OPT_LIVE },
		{}
	};
	int c, err;

	run_opts_init(o);

	optind = 0; /* 0, not 1: a full getopt restart (glibc) */
	opterr = 0;
	/* '+': stop at the command, whose own options are not ours. */
	while ((c = getopt_long(argc, argv, "+:o:f:t:i:u:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			pvt_verbose++;
			break;
		case 'h':
			o->help = true;
			return 0;
		case '?':
		case ':':
			return pvt_getopt_error("run", c, argv);
		default:
			err = run_option(c, optarg, o);
			if (err)
				return err;
		}
	}
	if (optind >= argc)
		return usage_error("no command to run (pvtrace run [options] -- CMD [ARGS])");
	o->argv = &argv[optind];
	return 0;
}


/* ---- prepare ---- */

/* Everything that can fail before the command starts.  0, or an exit status. */
static int prepare(const struct run_opts *o, struct run_state *rs, struct run_outputs *out)
{
	int err;

	if (tracer_preflight())
		return PVT_EXIT_FAILURE;
	err = launch_resolve(o->argv[0], &out->path);
	if (err)
		return err;
	return run_open_outputs(o, rs, out);
}

int run_open_outputs(const struct run_opts *o, struct run_state *rs, struct run_outputs *out)
{
	if (output_open_report(&out->report, o->output, stderr))
		return PVT_EXIT_FAILURE;
	if (o->events) {
		rs->ev.json = o->format == PVT_FMT_JSON;
		if (output_open_stream(&out->events, o->events_path, stderr))
			return PVT_EXIT_FAILURE;
		rs->ev.f = out->events.f;
	}
	return 0;
}

/* ---- trace ---- */

/*
 * run --live: the live view (top.c) on the command's tasks until it exits or
 * the view is closed; the trace goes on either way.  0 or -1.
 */
static int live_view(const struct run_opts *o, struct top_tracer_src *src, pid_t pid)
{
	struct top_opts view;
	struct top_source source;
	int err;

	src->tr = src->rs->tr;
	src->cmd_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (src->cmd_pidfd < 0) {
		pvt_err("cannot watch the command: %s", strerror(errno));
		return -1;
	}
	top_opts_init(&view);
	view.keep_signals = true; /* sigfwd.c passes them on; the command's exit ends the view */
	view.by = o->by_cgroup ? TOP_BY_CGROUP : TOP_BY_PROCESS;
	source = top_src_source(src);
	/* full-screen on the terminal; else snapshots on stderr, the command's stdout left alone */
	err = top_run(&source, &view, isatty(STDOUT_FILENO) ? stdout : stderr);
	close(src->cmd_pidfd);
	src->cmd_pidfd = -1;
	src->closed = true; /* no more copies of final records for the view */
	if (err && err != -ENOTTY)
		pvt_warn("the live view stopped: %s (the trace goes on)", strerror(-err));
	return 0;
}

/*
 * Start the command behind its gate, attach, open the gate, trace until the
 * command exits.  0 (its wait status in *wstatus, the trace's length in
 * *duration_ns), or an exit status.
 */
static int trace(const struct run_opts *o, struct run_state *rs, struct run_outputs *out,
		 struct pvt_launch *launch, int *wstatus, uint64_t *duration_ns)
{
	struct pvt_tracer_opts topts = {
		.max_tasks = o->max_tasks, .ringbuf_bytes = o->ringbuf_bytes,
		.null_programs = o->null_programs, .sys_mode = o->sys_mode,
		.live_events = o->events, .bpf_stats = o->bpf_stats,
		.on_event = run_on_event, .ctx = rs,
	};
	struct top_tracer_src *src = NULL;
	struct pvt_status st;
	uint64_t t_start;
	int err;

	char *path = out->path;

	if (o->record) {
		topts.record_sched = true;
		topts.sched_rb_bytes = o->record_rb_bytes;
		topts.on_sched = record_on_sched;
		topts.live_events = true; /* creations, execs, renames: journaled for the timeline */
	}
	if (o->live) {
		/* the ring buffer's records go to the report and to the view (freed in cmd_run) */
		src = rs->live = malloc(sizeof(*src));
		if (!src) {
			pvt_err("out of memory");
			return PVT_EXIT_FAILURE;
		}
		top_src_init(src);
		src->rs = rs;
		src->interval_ms = o->interval_ms;
		topts.on_event = top_src_on_event;
		topts.ctx = src;
	}

	out->path = NULL; /* the launch's from here on (launch_cleanup) */
	if (launch_start(launch, o->argv, path))
		return PVT_EXIT_FAILURE;
	topts.root_tid = launch->pid;
	if (tracer_open(&rs->tr, &topts)) {
		launch_abort(launch);
		return PVT_EXIT_FAILURE;
	}
	run_forward_signals(launch->pid);
	status_init(&st, stderr, o->status == 1 || (o->status == -1 && isatty(STDERR_FILENO)));
	t_start = pvt_now_ns();
	err = launch_release(launch, o->argv[0]);
	if (err)
		return err > 0 ? err : PVT_EXIT_FAILURE;
	struct run_watch w = { .pid = launch->pid, .cg_events_fd = -1 };

	if (o->live && live_view(o, src, launch->pid)) {
		launch_abort(launch);
		return PVT_EXIT_FAILURE;
	}
	if (run_trace_loop(rs, &st, &w, o->interval_ms)) {
		launch_abort(launch);
		return PVT_EXIT_FAILURE;
	}
	*wstatus = w.wstatus;
	*duration_ns = pvt_now_ns() - t_start;
	status_clear(&st);
	run_wait_final_switches(rs->tr);
	if (o->interval_ms)
		run_sample_memory(rs); /* what outlived the command (its orphans) */
	return 0;
}

/* ---- report ---- */

static void load_calibration(const struct run_opts *o, struct pvt_collected *c,
			     struct pvt_calibration *cal)
{
	int err;

	c->cal_path = o->calibration ? o->calibration : calibration_default_path();
	err = calibration_load(c->cal_path, cal);
	if (!err)
		c->cal = cal;
	else if (err != -ENOENT || o->calibration)
		pvt_warn("no switch-cost estimates: %s: %s", c->cal_path,
			 err == -ENOENT ? "no such file" : "unusable (see above)");
}

const char *run_cgroup_path(void *ctx, uint64_t id)
{
	return cgroup_names_path(ctx, id);
}

void run_report_setup(const struct run_opts *o, struct pvt_collected *c, struct pvt_calibration *cal)
{
	c->argv = o->argv;
	c->top = o->top;
	c->null_programs = o->null_programs;
	c->hist = o->hist;
	c->by_cgroup = o->by_cgroup;
	c->interval_ms = o->interval_ms;
	if (cal)
		load_calibration(o, c, cal);
}

int run_report(const struct run_opts *o, struct run_state *rs, struct pvt_collected *c,
	       FILE *out)
{
	struct pvt_model m;
	int err;

	if (run_build_model(rs, &m, c)) {
		model_free(&m);
		pvt_err("out of memory building the report, with every ended task folded");
		return -1;
	}
	err = o->format == PVT_FMT_JSON ? report_json(out, &m) : report_text(out, &m);
	if (err)
		pvt_err("cannot write the report%s%s: %s", o->output ? " to " : "",
			o->output ? o->output : "", strerror(errno));
	else if (m.tb->exact != m.tb->verified)
		pvt_warn("%zu task(s) not exact against the kernel's counters (see the report)",
			 m.tb->verified - m.tb->exact);
	model_free(&m);
	return err ? -1 : 0;
}

/*
 * Close the outputs: a whole report takes its file's place, a failed run's
 * is dropped (output.c); a failed close of a file written is a failure.
 */
int run_finish(const struct run_opts *o, struct run_state *rs, struct run_outputs *out, int ret)
{
	if (!out->written)
		output_abort(&out->report);
	else if (output_commit(&out->report) && ret == 0)
		ret = PVT_EXIT_FAILURE;
	if (rs->ev.failed) {
		pvt_warn("the event stream stopped at a write error (%s)",
			 o->events_path ? o->events_path : "stderr");
		output_abort(&out->events); /* said: not a failure of the run */
	} else if (output_commit(&out->events) && ret == 0) {
		ret = PVT_EXIT_FAILURE;
	}
	free(out->path);
	return ret;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	int err;

	err = run_parse_args(argc, argv, &o);
	if (err)
		return err;
	if (o.help) {
		run_usage(stdout);
		return 0;
	}
	return run_main(&o);
}

int run_main(struct run_opts *op)
{
	struct pvt_launch launch = { .pid = -1, .gate_fd = -1, .err_fd = -1 };
	struct pvt_calibration cal;
	struct run_outputs out = {};
	struct pvt_collected col = {};
	struct run_state rs = {};
	struct run_opts o = *op;
	int wstatus = 0, ret;

	pvt_setup_libbpf_print();
	run_state_init(&rs, o.keep_tasks, o.top, o.max_tasks);
	col.cgroup_ctx = cgroup_names_new();
	col.cgroup_path = col.cgroup_ctx ? run_cgroup_path : NULL;

	ret = launch_set_user(&launch, o.user); /* --user: looked up before anything starts */
	if (!ret)
		ret = prepare(&o, &rs, &out);
	if (!ret && o.record)
		ret = record_start(&o, &rs);
	if (!ret)
		ret = trace(&o, &rs, &out, &launch, &wstatus, &col.duration_ns);
	if (!ret) {
		col.root_pid = launch.pid;
		col.root_wstatus = wstatus;
		run_collect(&rs, &col);
		run_report_setup(&o, &col, &cal);
		if (o.record)
			run_journal_collected(&rs, &col);
		if (!o.record || o.report_wanted)
			out.written = !run_report(&o, &rs, &col, out.report.f);
		else
			out.written = true;
		ret = out.written ? launch_exit_status(wstatus) : PVT_EXIT_FAILURE;
		if (o.record && record_finish(&o, &rs, &col) && !ret)
			ret = PVT_EXIT_FAILURE;
	}
	if (rs.rec) { /* a failed run: what was written stays, a readable prefix */
		recw_abort(rs.rec);
		rs.rec = NULL;
	}
	tracer_close(rs.tr);
	if (rs.live) {
		top_src_free(rs.live);
		free(rs.live);
	}
	launch_cleanup(&launch);
	ret = run_finish(&o, &rs, &out, ret);
	run_state_free(&rs);
	free((void *)col.progs);
	cgroup_names_free(col.cgroup_ctx);
	return ret;
}
