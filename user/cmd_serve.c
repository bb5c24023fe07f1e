// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_serve.c - `pvtrace serve`: a Prometheus/OpenMetrics exporter.  The
 * tracer opens in an attach mode (the whole machine, -p processes, a
 * cgroup) without syscall hooks, as for `top`; the attach pass registers
 * what runs; then run_trace_loop() reads the ring buffer and, through
 * serve_poll(), builds the series (metrics.c) and publishes their
 * exposition (metrics_expo.c) to the HTTP server (http_server.c), until
 * SIGINT or SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd_attach.h"
#include "cmd_run.h"
#include "cmd_serve.h"
#include "common.h"
#include "run_trace.h"
#include "serve.h"

#define usage_error(...) pvt_usage_error("serve", __VA_ARGS__)
#define SERVE_MAX_TASKS_DEFAULT 32768
#define SERVE_MAX_SERIES_DEFAULT 1000
#define SERVE_GRACE_S_DEFAULT 120
#define SERVE_INTERVAL_S_DEFAULT 5
#define SERVE_STALE_MIN_NS 10000000000ull /* /healthz: stale after 3 intervals, at least 10 s */

void serve_usage(FILE *f)
{
	fprintf(f,
		"usage: pvtrace serve [--listen ADDR:PORT] [-p PID[,PID...] | --cgroup PATH | --all]\n"
		"                     [options]\n"
		"\n"
		"Export context switches, run-queue waits, task creations and memory, per process\n"
		"(or thread, cgroup, name), over HTTP for Prometheus: /metrics in the Prometheus text\n"
		"format, or OpenMetrics when the scraper's Accept header asks for it; /healthz.\n"
		"Counters count from the start of serve and never go back; a process that ends keeps\n"
		"its last values for --grace seconds.  Until SIGINT or SIGTERM.\n"
		"\n"
		"targets (one of; default --all):\n"
		"      --all              every task of the machine (up to --max-tasks alive at once)\n"
		"  -p, --pid PID[,PID...] running processes and what they create (up to %d)\n"
		"      --cgroup PATH      the tasks of this cgroup v2 directory and below\n"
		"\n"
		"options:\n"
		"  -l, --listen ADDR:PORT where to listen (default 127.0.0.1:%d; ADDR an IPv4 address,\n"
		"                         [IPv6] or localhost; PORT alone: 127.0.0.1:PORT; every\n"
		"                         interface only if asked: 0.0.0.0 or [::]; port 0: any\n"
		"                         free port, printed)\n"
		"      --by process|thread|cgroup|comm\n"
		"                         the series' labels: pid, comm, cgroup (default); pid, tid,\n"
		"                         comm, cgroup; cgroup; comm (the process's name)\n"
		"      --max-series N     series exported one by one (default %d); beyond, summed in\n"
		"                         the series whose labels are all \"other\"\n"
		"      --grace SECS       a series whose tasks have all ended stays this long (default %d)\n"
		"  -i, --interval SECS    a snapshot at least this often besides scrapes (default %d)\n"
		"      --max-tasks N      task map capacity (default %d)\n"
		"      --bpf-stats        export each BPF program's run count and time (enables the\n"
		"                         kernel's statistics while serving: a clock read per run)\n"
		"  -v, --verbose          say more\n"
		"  -h, --help             this help\n"
		"\n"
		"Needs root (or CAP_BPF and CAP_PERFMON) and a kernel with BTF.\n"
		"Metric definitions: METRICS.md, \"OpenMetrics (pvtrace serve)\" (docs/ in the source;\n"
		"share/doc/pvtrace/ installed).\n",
		PVT_MAX_TARGETS, SERVE_PORT_DEFAULT, SERVE_MAX_SERIES_DEFAULT, SERVE_GRACE_S_DEFAULT,
		SERVE_INTERVAL_S_DEFAULT, SERVE_MAX_TASKS_DEFAULT);
}

enum { OPT_SERVE_ALL = 512, OPT_SERVE_CGROUP, OPT_SERVE_BY, OPT_SERVE_MAX_SERIES, OPT_SERVE_GRACE,
       OPT_SERVE_MAX_TASKS, OPT_SERVE_BPF_STATS };

/* "ADDR" and the port into o->addr; 0 or -1. */
static int set_addr(struct serve_opts *o, const char *host, bool v6, uint64_t port)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)&o->addr;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&o->addr;

	memset(&o->addr, 0, sizeof(o->addr));
	if (!v6 && !strcmp(host, "localhost"))
		host = "127.0.0.1";
	if (v6) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		o->addrlen = sizeof(*a6);
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			return -1;
		snprintf(o->listen, sizeof(o->listen), "[%s]:%u", host, (unsigned)port);
		return 0;
	}
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)port);
	o->addrlen = sizeof(*a4);
	if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
		return -1;
	snprintf(o->listen, sizeof(o->listen), "%s:%u", host, (unsigned)port);
	return 0;
}

int serve_parse_listen(const char *arg, struct serve_opts *o)
{
	char host[64] = "127.0.0.1";
	const char *colon = strrchr(arg, ':'), *port = colon ? colon + 1 : arg;
	size_t hl = colon ? (size_t)(colon - arg) : 0;
	bool v6 = false;
	uint64_t p;

	if (pvt_parse_u64(port, 0, 65535, &p))
		return -1;
	if (hl >= 2 && arg[0] == '[' && arg[hl - 1] == ']') {
		v6 = true;
		arg++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return -1;
	if (hl) {
		memcpy(host, arg, hl);
		host[hl] = '\0';
	}
	return set_addr(o, host, v6, p);
}

/* Seconds (decimal) from @min to @max into nanoseconds; 0 or PVT_EXIT_USAGE. */
static int parse_seconds(const char *opt, const char *arg, double min, double max, uint64_t *ns)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (!*arg || *end || errno || !isfinite(v) || v < min || v > max)
		return usage_error("%s needs seconds from %g to %g, not '%s'", opt, min, max, arg);
	*ns = (uint64_t)(v * 1e9 + 0.5);
	return 0;
}

static int parse_by(const char *arg, enum metrics_by *by)
{
	static const char *const names[] = { [METRICS_BY_PROCESS] = "process",
		[METRICS_BY_THREAD] = "thread", [METRICS_BY_CGROUP] = "cgroup",
		[METRICS_BY_COMM] = "comm" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(arg, names[i])) {
			*by = (enum metrics_by)i;
			return 0;
		}
	}
	return usage_error("--by needs process, thread, cgroup or comm, not '%s'", arg);
}

static void serve_opts_init(struct serve_opts *o)
{
	memset(o, 0, sizeof(*o));
	set_addr(o, "127.0.0.1", false, SERVE_PORT_DEFAULT);
	o->by = METRICS_BY_PROCESS;
	o->max_series = SERVE_MAX_SERIES_DEFAULT;
	o->grace_ns = SERVE_GRACE_S_DEFAULT * 1000000000ull;
	o->interval_ns = SERVE_INTERVAL_S_DEFAULT * 1000000000ull;
	o->max_tasks = SERVE_MAX_TASKS_DEFAULT;
}

/* One option (not -p): 0 or PVT_EXIT_USAGE. */
static int serve_option(int c, const char *arg, struct serve_opts *o, bool *all)
{
	uint64_t v;

	switch (c) {
	case 'l':
		if (serve_parse_listen(arg, o))
			return usage_error("--listen needs ADDR:PORT (an IPv4 address, [IPv6] or "
					   "localhost; port 0 to 65535), not '%s'", arg);
		return 0;
	case OPT_SERVE_ALL:
		*all = true;
		return 0;
	case OPT_SERVE_CGROUP:
		if (!*arg)
			return usage_error("--cgroup needs a cgroup v2 directory");
		o->cgroup = arg;
		return 0;
	case OPT_SERVE_BY:
		return parse_by(arg, &o->by);
	case OPT_SERVE_MAX_SERIES:
		if (pvt_parse_u64(arg, 1, 1000000, &v))
			return usage_error("--max-series needs a number from 1 to 1000000, not '%s'", arg);
		o->max_series = (size_t)v;
		return 0;
	case OPT_SERVE_GRACE:
		return parse_seconds("--grace", arg, 0, 86400, &o->grace_ns);
	case 'i':
		return parse_seconds("--interval", arg, 0.1, 3600, &o->interval_ns);
	case OPT_SERVE_MAX_TASKS:
		return pvt_parse_max_tasks("serve", arg, &o->max_tasks);
	case OPT_SERVE_BPF_STATS:
		o->bpf_stats = true;
		return 0;
	case 'v':
		pvt_verbose++;
		return 0;
	default:
		return -1;
	}
}

int serve_parse_args(int argc, char **argv, struct serve_opts *o)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "pid", required_argument, NULL, 'p' },
		{ "all", no_argument, NULL, OPT_SERVE_ALL },
		{ "cgroup", required_argument, NULL, OPT_SERVE_CGROUP },
		{ "by", required_argument, NULL, OPT_SERVE_BY },
		{ "max-series", required_argument, NULL, OPT_SERVE_MAX_SERIES },
		{ "grace", required_argument, NULL, OPT_SERVE_GRACE },
		{ "interval", required_argument, NULL, 'i' },
		{ "max-tasks", required_argument, NULL, OPT_SERVE_MAX_TASKS },
		{ "bpf-stats", no_argument, NULL, OPT_SERVE_BPF_STATS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct attach_opts ao = {};
	bool all = false;
	int c, err;

	serve_opts_init(o);
	run_cmd_name = "serve"; /* attach_parse_pids()'s and attach_open_*()'s messages */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":l:p:i:vh", longopts, NULL)) != -1) {
		if (c == 'h') {
			o->help = true;
			return 0;
		}
		if (c == 'p') {
			err = attach_parse_pids(optarg, &ao);
		} else {
			err = serve_option(c, optarg, o, &all);
			if (err < 0)
				return pvt_getopt_error("serve", c, argv);
		}
		if (err)
			return err;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if ((ao.npids > 0) + !!o->cgroup + all > 1)
		return usage_error("-p, --cgroup and --all cannot be combined");
	memcpy(o->pids, ao.pids, sizeof(o->pids));
	o->npids = ao.npids;
	return 0;
}

/* The targets checked, the tracer opened and the running tasks registered.  0 or an exit status. */
static int open_tracer(const struct serve_opts *o, struct serve_state *s)
{
	struct pvt_tracer_opts topts = {
		.ringbuf_bytes = 8u << 20, .sys_mode = PVT_SYS_NEVER, .on_event = serve_on_event,
		.ctx = s, .max_tasks = o->max_tasks, .bpf_stats = o->bpf_stats,
		.attach_mode = PVT_ATTACH_ALL,
	};
	struct attach_opts ao = { .cg_events_fd = -1 };
	uint64_t c[PVT_C__MAX];
	int err, ret = PVT_EXIT_FAILURE;

	for (size_t i = 0; i < PVT_MAX_TARGETS; i++)
		ao.pidfds[i] = -1;
	if (o->npids) {
		memcpy(ao.pids, o->pids, sizeof(ao.pids));
		ao.npids = o->npids;
		if (attach_open_targets(&ao))
			goto out;
		topts.attach_mode = PVT_ATTACH_PIDS;
		memcpy(topts.targets, ao.pids, sizeof(topts.targets));
		topts.ntargets = ao.npids;
	} else if (o->cgroup) {
		ao.cgroup = o->cgroup;
		if (attach_open_cgroup(&ao))
			goto out;
		topts.attach_mode = PVT_ATTACH_CGROUP;
		topts.cgroup_id = ao.cg.id;
		topts.cgroup_level = ao.cg.level;
	}
	if (tracer_open(&s->tr, &topts))
		goto out;
	err = tracer_attach_pass(s->tr);
	if (err) {
		pvt_err("serve: the task iterator failed: %s", strerror(-err));
		goto out;
	}
	tracer_read_counters(s->tr, c);
	if (!c[PVT_C_ATTACHED]) {
		pvt_err("serve: no task found to watch");
		goto out;
	}
	fprintf(stderr, "pvtrace: attached to %llu task(s)%s\n", (unsigned long long)c[PVT_C_ATTACHED],
		c[PVT_C_ATTACH_FULL] ? " (the task map is full: the rest counted untracked)" : "");
	ret = 0;
out:
	for (size_t i = 0; i < ao.npids; i++)
		if (ao.pidfds[i] >= 0)
			close(ao.pidfds[i]);
	if (ao.cg_events_fd >= 0)
		close(ao.cg_events_fd);
	return ret;
}

/* Listen (before the tracer is loaded: a port in use costs nothing).  0 or an exit status. */
static int listen_http(const struct serve_opts *o, struct serve_state *s)
{
	uint64_t stale = 3 * o->interval_ns;
	char err[256];

	if (stale < SERVE_STALE_MIN_NS)
		stale = SERVE_STALE_MIN_NS;
	if (http_start(&s->http, (const struct sockaddr *)&o->addr, o->addrlen, stale, err,
		       sizeof(err))) {
		pvt_err("serve: cannot listen on %s: %s", o->listen, err);
		return PVT_EXIT_FAILURE;
	}
	return 0;
}

/* Publish a first snapshot, serve until a signal.  0 or an exit status. */
static int serve(const struct serve_opts *o, struct serve_state *s)
{
	struct run_state rs = { .tr = s->tr };
	struct pvt_status st = {};
	struct run_watch w = { .cg_events_fd = -1, .poll = serve_poll, .poll_ctx = s };

	serve_snapshot(s);
	w.wake_fd = http_wake_fd(s->http);
	run_forward_signals(0); /* SIGINT, SIGTERM, SIGHUP, SIGQUIT end the loop */
	fprintf(stderr, "pvtrace: serving on port %d: http://%.*s:%d/metrics%s\n", http_port(s->http),
		(int)(strrchr(o->listen, ':') - o->listen), o->listen, http_port(s->http),
		isatty(STDIN_FILENO) ? "; Ctrl-C to stop" : "");
	if (run_trace_loop(&rs, &st, &w, 0))
		return PVT_EXIT_FAILURE;
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	struct serve_state s = {};
	struct serve_opts o;
	struct metrics_opts mo;
	int ret;

	ret = serve_parse_args(argc, argv, &o);
	if (ret)
		return ret;
	if (o.help) {
		serve_usage(stdout);
		return 0;
	}
	pvt_setup_libbpf_print();
	s.cgn = cgroup_names_new();
	mo = (struct metrics_opts){ .by = o.by, .max_series = o.max_series, .grace_ns = o.grace_ns,
				    .read_mem = serve_read_mem, .ctx = s.cgn,
				    .cgroup_name = s.cgn ? serve_cgroup_name : NULL };
	s.interval_ns = o.interval_ns;
	s.bpf_stats = o.bpf_stats;
	ret = metrics_init(&s.m, &mo) ? PVT_EXIT_FAILURE : 0;
	if (!ret)
		ret = tracer_preflight() ? PVT_EXIT_FAILURE : 0;
	if (!ret)
		ret = listen_http(&o, &s);
	if (!ret)
		ret = open_tracer(&o, &s);
	if (!ret)
		ret = serve(&o, &s);
	http_stop(s.http);
	tracer_close(s.tr);
	serve_state_free(&s);
	cgroup_names_free(s.cgn);
	return ret;
}
