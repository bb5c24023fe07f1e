// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_report.c - `pvtrace report [-i FILE]`: the report `run` would have
 * written, rebuilt from a recording (replay.c plays its journal back through
 * run's own code, then the same model and views); `--timeline`: its
 * scheduling events, one line each (timeline.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd_record.h"
#include "cmd_report.h"
#include "common.h"
#include "replay.h"
#include "timeline.h"

#define usage_error(...) pvt_usage_error("report", __VA_ARGS__)

void report_usage(FILE *f)
{
	fprintf(f,
		"usage: pvtrace report [-i FILE] [-o FILE] [-f text|json] [--top N] [--hist]\n"
		"                      [--by process|cgroup] [--calibration FILE] [--timeline]\n"
		"\n"
		"The report 'pvtrace run' would have written for a recording made by 'pvtrace\n"
		"record': the same figures, built by the same code from what the recording kept.\n"
		"A recording cut short, corrupt, of another version or not a recording at all\n"
		"gets one line and exit status 1.\n"
		"\n"
		"options:\n"
		"  -i, --input FILE       the recording (default %s)\n"
		"  -o, --output FILE      the report to FILE instead of stdout ('-': stdout)\n"
		"  -f, --format FMT       text (default) or json (schema pvtrace.report/1)\n"
		"  -t, --top N            text: the N tasks with the most switches (default: the\n"
		"                         recording's; 0 shows all)\n"
		"      --hist             text: run-queue latency histograms\n"
		"      --by process|cgroup\n"
		"                         text: with cgroup, the tasks grouped by cgroup v2\n"
		"      --calibration FILE switch costs from FILE instead of the recording's\n"
		"      --timeline         the scheduling events instead, one per line, in time order:\n"
		"                         time, CPU, task, its wait for the CPU, its run, what ran\n"
		"                         before (like perf sched timehist)\n"
		"  -v, --verbose          say more\n"
		"  -h, --help             this help\n",
		PVT_RECORD_DEFAULT_PATH);
}

enum { OPT_TIMELINE = 1024 };

int report_parse_args(int argc, char **argv, struct report_opts *o)
{
	static const struct option longopts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "top", required_argument, NULL, 't' },
		{ "hist", no_argument, NULL, OPT_HIST },
		{ "by", required_argument, NULL, OPT_BY },
		{ "calibration", required_argument, NULL, OPT_CALIBRATION },
		{ "timeline", no_argument, NULL, OPT_TIMELINE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c, err;

	memset(o, 0, sizeof(*o));
	run_opts_init(&o->run);
	run_cmd_name = "report";
	o->input = PVT_RECORD_DEFAULT_PATH;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:o:f:t:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (!*optarg)
				return usage_error("-i needs a file name");
			o->input = optarg;
			break;
		case 'v':
			pvt_verbose++;
			break;
		case 'h':
			o->run.help = true;
			return 0;
		case OPT_TIMELINE:
			o->timeline = true;
			break;
		case '?':
		case ':':
			return pvt_getopt_error("report", c, argv);
		default:
			o->top_given |= c == 't';
			err = run_option(c, optarg, &o->run);
			if (err)
				return err;
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s' (the recording: -i FILE)", argv[optind]);
	return 0;
}

int report_write(const struct report_opts *o, struct replay *rp, FILE *out)
{
	struct pvt_collected *c = &rp->col;
	struct pvt_calibration cal;
	struct run_opts ro = o->run;

	ro.argv = rp->argv;
	ro.interval_ms = rp->opt.interval_ms;
	ro.null_programs = rp->opt.null_programs;
	if (!o->top_given)
		ro.top = rp->opt.top;
	if (ro.calibration) {
		run_report_setup(&ro, c, &cal);
	} else { /* the recording's calibration, not this machine's */
		run_report_setup(&ro, c, NULL);
		c->cal = rp->have_cal ? &rp->cal : NULL;
		c->cal_path = rp->cal_path ? rp->cal_path : "calibration file";
	}
	c->argv = rp->col.mode == PVT_MODE_RUN ? rp->argv : NULL;
	return run_report(&ro, &rp->rs, c, out) ? PVT_EXIT_FAILURE : 0;
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o;
	struct run_outputs out = {};
	struct replay rp;
	int err, ret;

	err = report_parse_args(argc, argv, &o);
	if (err)
		return err;
	if (o.run.help) {
		report_usage(stdout);
		return 0;
	}
	if (o.timeline)
		return timeline_print(o.input, o.run.output, o.run.format == PVT_FMT_JSON);
	if (replay_open(&rp, o.input)) {
		pvt_err("report: %s: %s", o.input, rp.err);
		replay_free(&rp);
		return PVT_EXIT_FAILURE;
	}
	ret = output_open_report(&out.report, o.run.output ? o.run.output : "-", stdout) ?
	      PVT_EXIT_FAILURE : 0;
	if (!ret)
		ret = report_write(&o, &rp, out.report.f);
	out.written = !ret;
	ret = run_finish(&o.run, &rp.rs, &out, ret);
	replay_free(&rp);
	return ret;
}
