// SPDX-License-Identifier: GPL-2.0
/*
 * run.c - `pvtrace run [options] -- CMD [ARGS]`: start the command behind a
 * gate, trace its whole task tree until it exits, write the report.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"
#include "events.h"
#include "launch.h"
#include "memory.h"
#include "report.h"
#include "run.h"
#include "status.h"
#include "tasktable.h"
#include "tracer.h"

/* Usage errors of `pvtrace run` (common.c). */
#define usage_error(...) pvt_usage_error("run", __VA_ARGS__)

#define RINGBUF_KB_DEFAULT 8192
#define EXIT_GRACE_NS 1000000000ull /* wait this long for final switches after the command exits */
#define INTERVAL_MS_DEFAULT 100
#define DRAIN_MS 100 /* the ring buffer is read at least this often */

void run_usage(FILE *f)
{
	fprintf(f,
		"usage: pvtrace run [options] [--] CMD [ARGS...]\n"
		"\n"
		"Run CMD, follow every thread and process it creates, and report per task its\n"
		"context switches (checked against the kernel's own counters), what its creation\n"
		"and exec cost, the memory it holds, and how it ended.  The report goes to\n"
		"stderr (or -o FILE); CMD's stdin, stdout and stderr are left alone.  pvtrace exits\n"
		"with CMD's status (128+N if signal N killed it).\n"
		"\n"
		"options:\n"
		"  -o, --output FILE      write the report to FILE instead of stderr\n"
		"  -f, --format FMT       report format: text (default) or json (schema pvtrace.report/1)\n"
		"  -t, --top N            text report: show the N tasks with the most switches (default 20;\n"
		"                         0 shows all)\n"
		"      --max-tasks N      task map capacity: tasks alive at once (default %u); tasks beyond\n"
		"                         it are counted and reported as untracked\n"
		"      --ringbuf-kb N     ring buffer for creations and exits, in KiB: a power of two,\n"
		"                         at least 4 (default %u); drops are counted and reported\n"
		"      --events[=FILE]    print each creation, exec, rename and exit of the traced tree\n"
		"                         as it happens, one line each, to stderr or FILE (JSON lines\n"
		"                         with -f json)\n"
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
		"      --calibration FILE switch costs measured by 'pvtrace calibrate' (default:\n"
		"                         $PVTRACE_CALIBRATION, else %s)\n"
		"      --status, --no-status\n"
		"                         live one-line status on stderr (default: only if a terminal)\n"
		"      --null-programs    attach empty programs on the same tracepoints and measure\n"
		"                         nothing (the tracing mechanism's own cost, for make bench)\n"
		"  -v, --verbose          say more; twice shows libbpf's debug log\n"
		"  -h, --help             this help\n"
		"\n"
		"Needs root (or CAP_BPF and CAP_PERFMON) and a kernel with BTF.  SIGINT, SIGTERM,\n"
		"SIGHUP and SIGQUIT sent to pvtrace are passed on to CMD; the report is still written.\n"
		"Metric definitions: docs/METRICS.md.\n",
		PVT_DEFAULT_MAX_TASKS, RINGBUF_KB_DEFAULT, INTERVAL_MS_DEFAULT, PVT_CAL_DEFAULT_PATH);
}

enum { OPT_MAX_TASKS = 256, OPT_RINGBUF_KB, OPT_STATUS, OPT_NO_STATUS, OPT_NULL, OPT_HIST,
       OPT_CALIBRATION, OPT_EVENTS, OPT_NO_SYSCALLS, OPT_SYSCALLS, OPT_BPF_STATS };

int run_parse_args(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "top", required_argument, NULL, 't' },
		{ "max-tasks", required_argument, NULL, OPT_MAX_TASKS },
		{ "ringbuf-kb", required_argument, NULL, OPT_RINGBUF_KB },
		{ "status", no_argument, NULL, OPT_STATUS },
		{ "no-status", no_argument, NULL, OPT_NO_STATUS },
		{ "null-programs", no_argument, NULL, OPT_NULL },
		{ "hist", no_argument, NULL, OPT_HIST },
		{ "calibration", required_argument, NULL, OPT_CALIBRATION },
		{ "events", optional_argument, NULL, OPT_EVENTS },
		{ "no-syscall-costs", no_argument, NULL, OPT_NO_SYSCALLS },
		{ "syscall-costs", required_argument, NULL, OPT_SYSCALLS },
		{ "bpf-stats", no_argument, NULL, OPT_BPF_STATS },
		{ "interval", required_argument, NULL, 'i' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->format = PVT_FMT_TEXT;
	o->top = 20;
	o->max_tasks = PVT_DEFAULT_MAX_TASKS;
	o->ringbuf_bytes = RINGBUF_KB_DEFAULT * 1024;
	o->status = -1;
	o->interval_ms = INTERVAL_MS_DEFAULT;
	o->sys_mode = PVT_SYS_BURSTS;

	optind = 0; /* 0, not 1: a full getopt restart (glibc) */
	opterr = 0;
	/* '+': stop at the command, whose own options are not ours. */
	while ((c = getopt_long(argc, argv, "+:o:f:t:i:vh", longopts, NULL)) != -1) {
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
			if (pvt_parse_u64(optarg, 1, 1u << 22, &v))
				return usage_error("--max-tasks needs a number from 1 to 4194304, not '%s'",
						   optarg);
			o->max_tasks = v;
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
		case OPT_EVENTS:
			if (optarg && !*optarg)
				return usage_error("--events= needs a file name");
			o->events = true;
			o->events_path = optarg;
			break;
		case 'v':
			pvt_verbose++;
			break;
		case 'h':
			o->help = true;
			return 0;
		default:
			return pvt_getopt_error("run", c, argv);
		}
	}
	if (optind >= argc)
		return usage_error("no command to run (pvtrace run [options] -- CMD [ARGS])");
	o->argv = &argv[optind];
	return 0;
}

/* ---- the trace ---- */

struct run_state {
	struct pvt_table tb;
	struct pvt_mem_table mt;
	struct pvt_events ev;
	struct pvt_tracer *tr;
	int oom;
	int sample_warned;
};

static void on_event(void *ctx, const struct pvt_ev_hdr *hdr, const void *data, size_t size)
{
	struct run_state *rs = ctx;

	if (rs->ev.f) {
		if (!rs->ev.t0_kt && rs->tr)
			rs->ev.t0_kt = tracer_root_first_kt(rs->tr);
		events_print(&rs->ev, hdr, data, size);
	}
	switch (hdr->kind) {
	case PVT_EV_EXIT:
		if (size >= sizeof(struct pvt_ev_exit) &&
		    table_add(&rs->tb, &((const struct pvt_ev_exit *)data)->task))
			rs->oom = 1;
		break;
	case PVT_EV_MEM:
		if (size >= sizeof(struct pvt_ev_mem) &&
		    memtab_add_bpf(&rs->mt, &((const struct pvt_ev_mem *)data)->mem))
			rs->oom = 1;
		break;
	default:
		break; /* a newer kind: ignore */
	}
}

static void add_from_map(void *ctx, const struct pvt_task *t)
{
	struct run_state *rs = ctx;

	if (table_add(&rs->tb, t))
		rs->oom = 1;
}

static void add_proc_mem(void *ctx, const struct pvt_mem *m)
{
	struct run_state *rs = ctx;

	if (memtab_add_bpf(&rs->mt, m))
		rs->oom = 1;
}

/* One memory sampling pass: BPF samples each process's mm, then smaps for what only it tells. */
static void sample_memory(struct run_state *rs)
{
	struct pvt_iter_rec *recs;
	uint64_t t = pvt_now_ns();
	size_t n;
	int err;

	err = tracer_sample(rs->tr, &recs, &n);
	if (err && err != -ENOMEM) {
		if (!rs->sample_warned++)
			pvt_warn("memory sampling failed: %s", strerror(-err));
		return;
	}
	if (err || memtab_pass(&rs->mt, recs, n, memory_read_proc))
		rs->oom = 1;
	free(recs);
	if (rs->mt.read_error && !rs->sample_warned++)
		pvt_warn("cannot read /proc/PID/smaps_rollup of a traced process (%s): its PSS, shared "
			 "and private memory and resident stacks are left out of that sample (counted in "
			 "memory_samples_failed)", strerror(rs->mt.read_error));
	rs->mt.pass_ns_total += pvt_now_ns() - t;
}

static void add_late_cost(void *ctx, uint32_t tid, uint64_t start_time,
			  const struct pvt_create_cost *c)
{
	struct run_state *rs = ctx;

	if (table_add_late_cost(&rs->tb, tid, start_time, c))
		rs->oom = 1;
}

static volatile pid_t child_pid = -1;
static volatile sig_atomic_t signals_seen;

/*
 * Pass the signal on to the command.  A signal the terminal generated
 * (Ctrl-C, Ctrl-\: si_code SI_KERNEL) already reached the command, which is
 * in the same foreground process group: do not deliver it twice.  The third
 * signal restores the default action so that pvtrace can always be stopped.
 */
static void forward_signal(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;

	if (si->si_code != SI_KERNEL && child_pid > 0)
		kill(child_pid, sig);
	if (++signals_seen >= 3)
		signal(sig, SIG_DFL);
	errno = saved;
}

static void install_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_sigaction = forward_signal, .sa_flags = SA_SIGINFO | SA_RESTART };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	/*
	 * A closed pipe on the event stream (pvtrace run --events 2>&1 | head) must
	 * not kill pvtrace: the write fails, the stream stops, the report is still
	 * written.  CMD was forked before this and keeps its own disposition.
	 */
	signal(SIGPIPE, SIG_IGN);
}

enum { TAG_RB = 1, TAG_CHILD, TAG_TIMER, TAG_SAMPLE };

static int epoll_add(int ep, int fd, uint32_t tag)
{
	/*
	 * The ring buffer edge-triggered: it polls readable as long as it holds
	 * a record, and most records do not wake the reader (bpf/: only a ring a
	 * quarter full, or --events' live records, do); level-triggered, the loop
	 * would spin on a ring that a churn keeps non-empty.
	 */
	struct epoll_event ev = { .events = EPOLLIN | (tag == TAG_RB ? EPOLLET : 0), .data.u32 = tag };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}


static int timer_add(int ep, uint32_t tag, uint32_t ms)
{
	struct itimerspec its = { .it_interval = { ms / 1000, (ms % 1000) * 1000000L } };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	its.it_value = its.it_interval;
	if (fd >= 0 && (timerfd_settime(fd, 0, &its, NULL) || epoll_add(ep, fd, tag))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Trace until the command exits; returns its wait status in *wstatus. 0 or -1. */
static int trace_loop(struct run_state *rs, struct pvt_status *st, pid_t pid, uint32_t interval_ms,
		      int *wstatus)
{
	struct pvt_tracer *tr = rs->tr;
	int ep, pidfd, tfd = -1, sfd = -1, rbfd, rc = -1;
	uint64_t c[PVT_C__MAX];

	ep = epoll_create1(EPOLL_CLOEXEC);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (ep < 0 || pidfd < 0) {
		pvt_err("cannot watch the command: %s", strerror(errno));
		goto out;
	}
	rbfd = tracer_epoll_fd(tr);
	if ((rbfd >= 0 && epoll_add(ep, rbfd, TAG_RB)) || epoll_add(ep, pidfd, TAG_CHILD)) {
		pvt_err("epoll: %s", strerror(errno));
		goto out;
	}
	if (st->enabled) {
		tfd = timer_add(ep, TAG_TIMER, 1000);
		if (tfd < 0)
			st->enabled = false;
	}
	if (interval_ms) {
		sfd = timer_add(ep, TAG_SAMPLE, interval_ms);
		if (sfd < 0) {
			pvt_err("cannot set the memory sampling timer: %s", strerror(errno));
			goto out;
		}
	}
	for (;;) {
		struct epoll_event evs[4];
		int hooks_ms = tracer_sys_hooks_tick(tr, pvt_now_ns());
		int n = epoll_wait(ep, evs, ARRAY_SIZE(evs),
				   hooks_ms >= 0 && hooks_ms < DRAIN_MS ? hooks_ms : DRAIN_MS);
		bool child_done = false;

		if (n < 0 && errno != EINTR) {
			pvt_err("epoll_wait: %s", strerror(errno));
			goto out;
		}
		/* Final records do not wake this loop until the ring fills (bpf/): drain it on time. */
		tracer_consume(tr);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == TAG_RB) {
				/* drained above */
			} else if (evs[i].data.u32 == TAG_CHILD) {
				child_done = true;
			} else if (evs[i].data.u32 == TAG_TIMER) {
				uint64_t ticks;

				if (read(tfd, &ticks, sizeof(ticks)) < 0) {
					/* spurious wakeup */
				}
				tracer_read_counters(tr, c);
				status_update(st, c, pvt_now_ns());
			} else if (evs[i].data.u32 == TAG_SAMPLE) {
				uint64_t ticks;

				/* Passes missed while one ran are skipped, not run back to back. */
				if (read(sfd, &ticks, sizeof(ticks)) == sizeof(ticks))
					sample_memory(rs);
			}
		}
		if (child_done)
			break;
	}
	while (waitpid(pid, wstatus, 0) < 0) {
		if (errno != EINTR) {
			pvt_err("waitpid: %s", strerror(errno));
			goto out;
		}
	}
	rc = 0;
out:
	if (tfd >= 0)
		close(tfd);
	if (sfd >= 0)
		close(sfd);
	if (pidfd >= 0)
		close(pidfd);
	if (ep >= 0)
		close(ep);
	return rc;
}

/*
 * A task's final switch comes after its parent can reap it: give the tasks
 * that have exited a moment to make it, so that they can be verified.
 */
static void wait_final_switches(struct pvt_tracer *tr)
{
	uint64_t deadline = pvt_now_ns() + EXIT_GRACE_NS;

	/* Checked first: usually every final switch is already in, no need for a 5 ms poll. */
	while (tracer_count_exiting(tr) != 0) {
		if (pvt_now_ns() >= deadline) {
			pvt_debug("some exited tasks made no final switch within the grace period");
			return;
		}
		tracer_poll(tr, 5);
	}
}

static FILE *open_output(const char *path, const char *what)
{
	FILE *f;

	if (!path)
		return stderr;
	f = fopen(path, "w");
	if (!f)
		pvt_err("cannot write the %s to %s: %s", what, path, strerror(errno));
	return f;
}

int cmd_run(int argc, char **argv)
{
	struct pvt_launch launch = { .pid = -1, .gate_fd = -1, .err_fd = -1 };
	struct pvt_tracer_opts topts = {};
	struct pvt_tracer *tr = NULL;
	struct pvt_report rep = {};
	struct pvt_calibration cal;
	struct run_state rs = {};
	struct pvt_status st;
	struct run_opts o;
	FILE *out = NULL;
	char *path = NULL;
	int err, wstatus = 0, ret = PVT_EXIT_FAILURE;
	struct pvt_prog_stats *progs = NULL;
	uint64_t t_start;

	err = run_parse_args(argc, argv, &o);
	if (err)
		return err;
	if (o.help) {
		run_usage(stdout);
		return 0;
	}
	pvt_setup_libbpf_print();
	table_init(&rs.tb);
	memtab_init(&rs.mt);
	rs.mt.skip_unchanged = true;

	if (tracer_preflight())
		return PVT_EXIT_FAILURE;
	err = launch_resolve(o.argv[0], &path);
	if (err)
		return err;
	out = open_output(o.output, "report");
	if (!out) {
		free(path);
		return PVT_EXIT_FAILURE;
	}
	if (o.events) {
		rs.ev.json = o.format == PVT_FMT_JSON;
		rs.ev.f = open_output(o.events_path, "events");
		if (!rs.ev.f) {
			if (out != stderr)
				fclose(out);
			free(path);
			return PVT_EXIT_FAILURE;
		}
	}

	/* Fork the command behind its gate, then put tracking in place. */
	if (launch_start(&launch, o.argv, path))
		goto cleanup;
	topts.root_tid = launch.pid;
	topts.max_tasks = o.max_tasks;
	topts.ringbuf_bytes = o.ringbuf_bytes;
	topts.null_programs = o.null_programs;
	topts.sys_mode = o.sys_mode;
	topts.live_events = o.events;
	topts.bpf_stats = o.bpf_stats;
	topts.on_event = on_event;
	topts.ctx = &rs;
	if (tracer_open(&tr, &topts)) {
		launch_abort(&launch);
		goto cleanup;
	}
	rs.tr = tr;

	child_pid = launch.pid;
	install_signals();
	status_init(&st, stderr, o.status == 1 || (o.status == -1 && isatty(STDERR_FILENO)));
	t_start = pvt_now_ns();
	err = launch_release(&launch, o.argv[0]);
	if (err) {
		ret = err > 0 ? err : PVT_EXIT_FAILURE;
		goto cleanup;
	}

	if (trace_loop(&rs, &st, launch.pid, o.interval_ms, &wstatus)) {
		launch_abort(&launch);
		goto cleanup;
	}
	rep.duration_ns = pvt_now_ns() - t_start;
	child_pid = -1;
	status_clear(&st);

	wait_final_switches(tr);
	if (o.interval_ms)
		sample_memory(&rs); /* what outlived the command (its orphans) */
	tracer_detach(tr);
	tracer_consume(tr);
	tracer_sys_hooks_stats(tr, pvt_now_ns(), &rep.hooks);
	if (tracer_prog_stats(tr, &progs, &rep.nprogs)) {
		pvt_err("out of memory building the report");
		goto cleanup;
	}
	rep.progs = progs;
	tracer_for_each_proc_mem(tr, add_proc_mem, &rs);
	tracer_read_counters(tr, rep.counters);
	tracer_for_each_task(tr, add_from_map, &rs);
	tracer_for_each_overflow(tr, add_from_map, &rs);
	tracer_for_each_late_cost(tr, add_late_cost, &rs);
	if (rs.oom || table_finish(&rs.tb)) {
		pvt_err("out of memory building the report");
		goto cleanup;
	}

	/*
	 * BPF times are on the scheduler's clock (bpf/pvtrace.bpf.h): the origin
	 * of the report's times is the command's first sight, as the gate opened.
	 */
	rep.t0_ns = 0;
	for (size_t i = 0; i < rs.tb.n; i++) {
		const struct pvt_task *t = &rs.tb.recs[i].t;

		if ((t->flags & PVT_F_ROOT) || !rep.t0_ns || t->first_ns < rep.t0_ns)
			rep.t0_ns = t->first_ns;
		if (t->flags & PVT_F_ROOT)
			break;
	}
	rep.t0_kt = tracer_root_first_kt(tr);
	rep.argv = o.argv;
	rep.root_pid = launch.pid;
	rep.root_wstatus = wstatus;
	rep.tb = &rs.tb;
	rep.top = o.top;
	rep.null_programs = o.null_programs;
	rep.hist = o.hist;
	rep.mt = &rs.mt;
	rep.interval_ms = o.interval_ms;
	memory_slab_sizes(&rep.slab);
	memory_summary(&rs.tb, &rs.mt, &rep.slab, &rep.mem);
	tracer_read_class_stats(tr, rep.runq_from);
	rep.cal_path = o.calibration ? o.calibration : calibration_default_path();
	err = calibration_load(rep.cal_path, &cal);
	if (!err)
		rep.cal = &cal;
	else if (err != -ENOENT || o.calibration)
		pvt_warn("no switch-cost estimates: %s: %s", rep.cal_path,
			 err == -ENOENT ? "no such file" : "unusable (see above)");
	err = o.format == PVT_FMT_JSON ? report_json(out, &rep) : report_text(out, &rep);
	if (err) {
		pvt_err("cannot write the report%s%s: %s", o.output ? " to " : "",
			o.output ? o.output : "", strerror(errno));
		goto cleanup;
	}
	if (rs.tb.exact != rs.tb.verified)
		pvt_warn("%zu task(s) not exact against the kernel's counters (see the report)",
			 rs.tb.verified - rs.tb.exact);
	ret = launch_exit_status(wstatus);
cleanup:
	tracer_close(tr);
	launch_cleanup(&launch);
	if (out && out != stderr && fclose(out) && ret == 0) {
		pvt_err("cannot write the report to %s: %s", o.output, strerror(errno));
		ret = PVT_EXIT_FAILURE;
	}
	if (rs.ev.failed)
		pvt_warn("the event stream stopped at a write error (%s)",
			 o.events_path ? o.events_path : "stderr");
	if (rs.ev.f && rs.ev.f != stderr && fclose(rs.ev.f) && ret == 0) {
		pvt_err("cannot write the events to %s: %s", o.events_path, strerror(errno));
		ret = PVT_EXIT_FAILURE;
	}
	table_free(&rs.tb);
	memtab_free(&rs.mt);
	free(progs);
	return ret;
}
