// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_top.c - `pvtrace top`: the live view of the whole machine, of running
 * processes (-p) or of a cgroup (--cgroup).  The tracer opens in an attach
 * mode (every task, the processes, the cgroup: bpf/attach.bpf.h), the attach
 * pass registers what runs, and top_run() (top.c) shows each interval's
 * figures from the task map (top_source.c).  No syscall hooks, no memory
 * sampling in BPF: the view needs neither (RSS comes from /proc).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd_attach.h"
#include "cmd_run.h"
#include "cmd_top.h"
#include "common.h"
#include "parse.h"
#include "top_source.h"
#include "top_text.h"

#define usage_error(...) pvt_usage_error("top", __VA_ARGS__)
#define TOP_MAX_TASKS_DEFAULT 32768

void top_usage(FILE *f)
{
	fprintf(f,
		"usage: pvtrace top [-p PID[,PID...] | --cgroup PATH] [options]\n"
		"\n"
		"A live view of context switches: per process and, expanded, per thread, every\n"
		"interval: switches per second (voluntary, involuntary), the share of switch-ins\n"
		"from the same process, address-space changes per second, run-queue wait p50/p99\n"
		"over the interval, on-CPU %%, RSS; a header with the machine's threads-versus-\n"
		"processes split of the interval and the events lost.  Without -p or --cgroup it\n"
		"watches every task of the machine (up to --max-tasks alive at once; beyond,\n"
		"counted as untracked in the header).  On a terminal it is full-screen; with no\n"
		"terminal, or --batch, it prints one snapshot per interval (like top -b).\n"
		"\n"
		"options:\n"
		"  -p, --pid PID[,PID...] only these running processes and what they create (up to %d)\n"
		"      --cgroup PATH      only the tasks of this cgroup v2 directory and below\n"
		"  -d, --delay SECS       the interval (default 1; a decimal number, at least 0.05)\n"
		"  -n, --iterations N     stop after N intervals (default: until q, Ctrl-C, or the\n"
		"                         targets are gone)\n"
		"  -b, --batch            print snapshots even on a terminal\n"
		"  -f, --format FMT       batch: text (default) or json (one JSON object per line,\n"
		"                         schema pvtrace.top/1)\n"
		"      --by process|cgroup\n"
		"                         rows by process (default) or by cgroup v2\n"
		"  -s, --sort COLUMN      sort by COLUMN, largest first: %s\n"
		"                         (default sw)\n"
		"  -r, --reverse          the other order\n"
		"  -H, --threads          show every process's threads\n"
		"      --filter TEXT      only processes (cgroups) whose name (path) holds TEXT\n"
		"      --max-tasks N      task map capacity (default %d)\n"
		"  -v, --verbose          say more\n"
		"  -h, --help             this help\n"
		"\n"
		"%s"
		"\n"
		"Needs root (or CAP_BPF and CAP_PERFMON) and a kernel with BTF.\n"
		"Column definitions: METRICS.md, \"Live view (top)\" (docs/ in the source;\n"
		"share/doc/pvtrace/ installed).\n",
		PVT_MAX_TARGETS, top_sort_names, TOP_MAX_TASKS_DEFAULT, top_keys_help);
}

enum { OPT_TOP_CGROUP = 512, OPT_TOP_BY, OPT_TOP_FILTER, OPT_TOP_MAX_TASKS };

static int parse_delay(const char *arg, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (!*arg || *end || errno || !isfinite(v) || v < 0.05 || v > 86400)
		return usage_error("--delay needs seconds from 0.05 to 86400, not '%s'", arg);
	*out = v;
	return 0;
}

int top_parse_args(int argc, char **argv, struct top_cli *o)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "cgroup", required_argument, NULL, OPT_TOP_CGROUP },
		{ "delay", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "batch", no_argument, NULL, 'b' },
		{ "format", required_argument, NULL, 'f' },
		{ "by", required_argument, NULL, OPT_TOP_BY },
		{ "sort", required_argument, NULL, 's' },
		{ "threads", no_argument, NULL, 'H' },
		{ "reverse", no_argument, NULL, 'r' },
		{ "filter", required_argument, NULL, OPT_TOP_FILTER },
		{ "max-tasks", required_argument, NULL, OPT_TOP_MAX_TASKS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct attach_opts ao = {};
	uint64_t v;
	int c, err;

	memset(o, 0, sizeof(*o));
	top_opts_init(&o->view);
	run_cmd_name = "top"; /* attach_parse_pids()'s and attach_open_*()'s messages */
	o->max_tasks = TOP_MAX_TASKS_DEFAULT;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:d:n:bf:s:rHvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			/* attach's list rules, and its messages (they name attach: say top) */
			err = attach_parse_pids(optarg, &ao);
			if (err)
				return err;
			break;
		case OPT_TOP_CGROUP:
			if (!*optarg)
				return usage_error("--cgroup needs a cgroup v2 directory");
			o->cgroup = optarg;
			break;
		case 'd':
			err = parse_delay(optarg, &o->view.delay_s);
			if (err)
				return err;
			break;
		case 'n':
			if (pvt_parse_u64(optarg, 1, 1u << 30, &v))
				return usage_error("--iterations needs a number from 1, not '%s'", optarg);
			o->view.iterations = (int)v;
			break;
		case 'b':
			o->view.batch = true;
			break;
		case 'f':
			if (!strcmp(optarg, "json"))
				o->view.json = true;
			else if (strcmp(optarg, "text"))
				return usage_error("unknown format '%s' (text or json)", optarg);
			break;
		case OPT_TOP_BY:
			if (!strcmp(optarg, "cgroup"))
				o->view.by = TOP_BY_CGROUP;
			else if (!strcmp(optarg, "process"))
				o->view.by = TOP_BY_PROCESS;
			else
				return usage_error("--by needs process or cgroup, not '%s'", optarg);
			break;
		case 's':
			if (top_sort_parse(optarg, &o->view.sort))
				return usage_error("--sort needs one of %s, not '%s'", top_sort_names, optarg);
			break;
		case 'H':
			o->view.threads = true;
			break;
		case 'r':
			o->view.reverse = true;
			break;
		case OPT_TOP_FILTER:
			o->view.filter = optarg;
			break;
		case OPT_TOP_MAX_TASKS:
			err = pvt_parse_max_tasks("top", optarg, &o->max_tasks);
			if (err)
				return err;
			break;
		case 'v':
			pvt_verbose++;
			break;
		case 'h':
			o->help = true;
			return 0;
		default:
			return pvt_getopt_error("top", c, argv);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (ao.npids && o->cgroup)
		return usage_error("-p and --cgroup cannot be combined");
	memcpy(o->pids, ao.pids, sizeof(o->pids));
	o->npids = ao.npids;
	return 0;
}

int cmd_top(int argc, char **argv)
{
	struct attach_opts ao = {};
	struct top_tracer_src src;
	struct pvt_tracer_opts topts = {
		.ringbuf_bytes = 8u << 20, .sys_mode = PVT_SYS_NEVER, .on_event = top_src_on_event,
	};
	struct top_source source;
	struct top_cli o;
	uint64_t c[PVT_C__MAX];
	int err, ret = PVT_EXIT_FAILURE;

	err = top_parse_args(argc, argv, &o);
	if (err)
		return err;
	if (o.help) {
		top_usage(stdout);
		return 0;
	}
	pvt_setup_libbpf_print();
	top_src_init(&src);
	topts.ctx = &src;
	topts.max_tasks = o.max_tasks;
	ao.cg_events_fd = -1;
	for (size_t i = 0; i < PVT_MAX_TARGETS; i++)
		ao.pidfds[i] = -1;
	if (tracer_preflight())
		goto out;
	if (o.npids) {
		memcpy(ao.pids, o.pids, sizeof(ao.pids));
		ao.npids = o.npids;
		if (attach_open_targets(&ao))
			goto out;
		topts.attach_mode = PVT_ATTACH_PIDS;
		memcpy(topts.targets, ao.pids, sizeof(topts.targets));
		topts.ntargets = ao.npids;
		src.pidfds = ao.pidfds;
		src.npidfds = ao.npids;
	} else if (o.cgroup) {
		ao.cgroup = o.cgroup;
		if (attach_open_cgroup(&ao))
			goto out;
		topts.attach_mode = PVT_ATTACH_CGROUP;
		topts.cgroup_id = ao.cg.id;
		topts.cgroup_level = ao.cg.level;
		src.cg_events_fd = ao.cg_events_fd;
	} else {
		topts.attach_mode = PVT_ATTACH_ALL;
	}
	if (tracer_open(&src.tr, &topts))
		goto out;
	err = tracer_attach_pass(src.tr);
	if (err) {
		pvt_err("top: the task iterator failed: %s", strerror(-err));
		goto out;
	}
	tracer_read_counters(src.tr, c);
	if (!c[PVT_C_ATTACHED]) {
		pvt_err("top: no task found to watch");
		goto out;
	}
	if (o.view.batch || !isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO))
		fprintf(stderr, "pvtrace: attached to %llu task(s)%s\n",
			(unsigned long long)c[PVT_C_ATTACHED],
			c[PVT_C_ATTACH_FULL] ? " (the task map is full: the rest counted untracked)" : "");
	source = top_src_source(&src);
	err = top_run(&source, &o.view, stdout);
	if (err == -ENOTTY)
		pvt_err("top: cannot set up the terminal (try --batch)");
	else if (err == -EIO)
		pvt_err("top: cannot write the snapshots: %s", strerror(errno));
	else if (err)
		pvt_err("top: %s", strerror(-err));
	ret = err ? PVT_EXIT_FAILURE : 0;
out:
	tracer_close(src.tr);
	top_src_free(&src);
	for (size_t i = 0; i < ao.npids; i++)
		if (ao.pidfds[i] >= 0)
			close(ao.pidfds[i]);
	if (ao.cg_events_fd >= 0)
		close(ao.cg_events_fd);
	return ret;
}
