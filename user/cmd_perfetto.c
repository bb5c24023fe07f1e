// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_perfetto.c - `pvtrace perfetto [-i FILE] -o OUT`: a recording made by
 * `pvtrace record` written as a Perfetto trace (perfetto_input.c reads it,
 * perfetto.c writes the trace), for ui.perfetto.dev or trace_processor.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cmd_perfetto.h"
#include "cmd_record.h"
#include "common.h"
#include "output.h"
#include "perfetto.h"

#define usage_error(...) pvt_usage_error("perfetto", __VA_ARGS__)

void perfetto_usage(FILE *f)
{
	fprintf(f,
		"usage: pvtrace perfetto [-i FILE] -o OUT\n"
		"\n"
		"Write the recording FILE (made by 'pvtrace record') as a Perfetto trace, for\n"
		"https://ui.perfetto.dev or trace_processor: each CPU's scheduling slices\n"
		"(sched_switch, wakeups, migrations), the traced tasks' creations, renames and\n"
		"exits, their processes and threads by name, and counter tracks: each\n"
		"thread's run-queue wait at each switch-in, each process's RSS.  A recording\n"
		"cut short is written as far as it goes (then exit status 1); a corrupt one,\n"
		"of another version or not a recording at all gets one line and exit status 1.\n"
		"What the trace holds: RECORD.md (docs/ in the source; share/doc/pvtrace/ installed).\n"
		"\n"
		"options:\n"
		"  -i, --input FILE       the recording (default %s)\n"
		"  -o, --output OUT       the trace (replaced once whole; '-': stdout, not a terminal)\n"
		"  -v, --verbose          say more\n"
		"  -h, --help             this help\n",
		PVT_RECORD_DEFAULT_PATH);
}

int perfetto_parse_args(int argc, char **argv, struct perfetto_opts *o)
{
	static const struct option longopts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->input = PVT_RECORD_DEFAULT_PATH;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
		case 'o':
			if (!*optarg)
				return usage_error("-%c needs a file name", c);
			*(c == 'i' ? &o->input : &o->output) = optarg;
			break;
		case 'v':
			pvt_verbose++;
			break;
		case 'h':
			o->help = true;
			return 0;
		default:
			return pvt_getopt_error("perfetto", c, argv);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s' (the recording: -i FILE)", argv[optind]);
	if (!o->output)
		return usage_error("no output: -o OUT (the trace to write)");
	if (!strcmp(o->output, "-") && isatty(STDOUT_FILENO))
		return usage_error("-o -: a binary trace, not for a terminal (redirect stdout, or -o OUT)");
	return 0;
}

static void say_written(const struct perfetto_opts *o, const struct perfetto_stats *s)
{
	fprintf(stderr, "pvtrace: wrote %s: %llu sched_switch (%llu joining untraced tasks), "
		"%llu wakeups, %llu migrations, %llu creations, %llu renames, %llu exits, "
		"%llu run-queue waits, %llu RSS samples\n",
		strcmp(o->output, "-") ? o->output : "stdout",
		(unsigned long long)s->switches, (unsigned long long)s->bridged,
		(unsigned long long)s->wakeups, (unsigned long long)s->migrations,
		(unsigned long long)s->creations, (unsigned long long)s->renames,
		(unsigned long long)s->exits, (unsigned long long)s->runq_values,
		(unsigned long long)s->rss_values);
}

/* The trace of @in to -o.  0 or an exit status. */
static int write_trace(const struct perfetto_opts *o, struct pf_input *in)
{
	struct perfetto_stats st;
	struct pvt_output out;
	char err[256];

	if (output_open_whole(&out, o->output, "trace", stdout))
		return PVT_EXIT_FAILURE;
	if (perfetto_write(in, out.f, &st, err, sizeof(err))) {
		pvt_err("perfetto: %s", err);
		output_abort(&out);
		return PVT_EXIT_FAILURE;
	}
	if (output_commit(&out))
		return PVT_EXIT_FAILURE;
	say_written(o, &st);
	if (in->sched_lost)
		pvt_warn("perfetto: %llu scheduling events did not fit the recording's ring buffer: "
			 "the trace misses them", (unsigned long long)in->sched_lost);
	if (!in->have_boot)
		pvt_warn("perfetto: %s does not hold the boot clock (an older recording): its "
			 "CLOCK_MONOTONIC times are written as CLOCK_BOOTTIME", o->input);
	return 0;
}

int cmd_perfetto(int argc, char **argv)
{
	struct perfetto_opts o;
	struct pf_input in;
	char err[512];
	int rc, ret;

	rc = perfetto_parse_args(argc, argv, &o);
	if (rc)
		return rc;
	if (o.help) {
		perfetto_usage(stdout);
		return 0;
	}
	rc = pf_input_load(&in, o.input, err, sizeof(err));
	if (rc == -1) {
		pvt_err("perfetto: %s: %s", o.input, err);
		pf_input_free(&in);
		return PVT_EXIT_FAILURE;
	}
	ret = write_trace(&o, &in);
	if (!ret && in.truncated) {
		pvt_err("perfetto: %s: %s; the trace holds what came before", o.input, err);
		ret = PVT_EXIT_FAILURE;
	}
	pf_input_free(&in);
	return ret;
}
