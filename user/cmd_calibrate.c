// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_calibrate.c - `pvtrace calibrate`: options, the measurement of the four
 * ping-pong pairs (calibrate.c), the table printed and the calibration file
 * written.
 */
#include <errno.h>
#include <sched.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "calibrate.h"
#include "common.h"
#include "machine.h"

/* Usage errors of `pvtrace calibrate` (common.c). */
#define usage_error(...) pvt_usage_error("calibrate", __VA_ARGS__)

#define ROUNDS_DEFAULT 100000
#define REPS_DEFAULT 7
#define ROUNDS_QUICK 20000
#define REPS_QUICK 3

struct cal_opts {
	const char *output;
	bool quick, print_only, help;
	int cpu;                 /* -1: the first allowed */
	uint64_t rounds;         /* 0: default */
	unsigned int reps;       /* 0: default */
};

static void calibrate_usage(FILE *f)
{
	fprintf(f,
		"usage: pvtrace calibrate [-o FILE] [--quick] [--cpu N] [--rounds N] [--reps N]\n"
		"                         [--print-only]\n"
		"\n"
		"Measure the direct cost of a context switch on this machine, lmbench lat_ctx\n"
		"style: two tasks pinned to one CPU bounce a token (pipes, then a futex; as\n"
		"threads, then as processes); the same syscalls without a switch are subtracted,\n"
		"and a round trip is two switches.  Prints a table and writes the calibration\n"
		"file that reports use to estimate the time spent switching.\n"
		"\n"
		"options:\n"
		"  -o, --output FILE   write FILE instead of $%s, or if that is not set,\n"
		"                      %s (needs root); under sudo,\n"
		"                      FILE is given to the sudo user\n"
		"      --quick         %d repetitions of %d round trips (a few seconds) instead\n"
		"                      of %d of %d\n"
		"      --cpu N         run both tasks on CPU N (default: the first allowed CPU)\n"
		"      --rounds N      round trips per repetition (default %d; --quick: %d)\n"
		"      --reps N        repetitions, of which the median is used (default %d;\n"
		"                      --quick: %d)\n"
		"      --print-only    print the table, write nothing\n"
		"  -v, --verbose       say more\n"
		"  -h, --help          this help\n"
		"\n"
		"Needs no privileges, only write access to the file.\n"
		"File format: METRICS.md, \"The calibration file\" (pvtrace's docs).\n",
		PVT_CAL_ENV, PVT_CAL_DEFAULT_PATH, REPS_QUICK, ROUNDS_QUICK, REPS_DEFAULT,
		ROUNDS_DEFAULT, ROUNDS_DEFAULT, ROUNDS_QUICK, REPS_DEFAULT, REPS_QUICK);
}

enum { OPT_QUICK = 256, OPT_CPU, OPT_ROUNDS, OPT_REPS, OPT_PRINT_ONLY };

static int parse_args(int argc, char **argv, struct cal_opts *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "quick", no_argument, NULL, OPT_QUICK },
		{ "cpu", required_argument, NULL, OPT_CPU },
		{ "rounds", required_argument, NULL, OPT_ROUNDS },
		{ "reps", required_argument, NULL, OPT_REPS },
		{ "print-only", no_argument, NULL, OPT_PRINT_ONLY },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->cpu = -1;
	optind = 0; /* a full getopt restart (glibc) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!*optarg)
				return usage_error("-o needs a file name");
			o->output = optarg;
			break;
		case OPT_QUICK:
			o->quick = true;
			break;
		case OPT_CPU:
			if (pvt_parse_u64(optarg, 0, CPU_SETSIZE - 1, &v))
				return usage_error("--cpu needs a CPU number, not '%s'", optarg);
			o->cpu = (int)v;
			break;
		case OPT_ROUNDS:
			if (pvt_parse_u64(optarg, 1, 1000000000, &v))
				return usage_error("--rounds needs a number from 1 to 1000000000, not '%s'",
						   optarg);
			o->rounds = v;
			break;
		case OPT_REPS:
			if (pvt_parse_u64(optarg, 1, PVT_CAL_MAX_REPS, &v))
				return usage_error("--reps needs a number from 1 to 1000, not '%s'", optarg);
			o->reps = (unsigned int)v;
			break;
		case OPT_PRINT_ONLY:
			o->print_only = true;
			break;
		case 'v':
			pvt_verbose++;
			break;
		case 'h':
			o->help = true;
			return 0;
		default:
			return pvt_getopt_error("calibrate", c, argv);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (o->output && o->print_only)
		return usage_error("-o and --print-only exclude each other");
	if (!o->rounds)
		o->rounds = o->quick ? ROUNDS_QUICK : ROUNDS_DEFAULT;
	if (!o->reps)
		o->reps = o->quick ? REPS_QUICK : REPS_DEFAULT;
	return 0;
}

int cmd_calibrate(int argc, char **argv)
{
	struct cal_out out = {};
	struct pvt_cal_run run = {};
	struct cal_opts o;
	cpu_set_t allowed, one;
	const char *path = NULL;
	struct pvt_machine host;
	int err, ret = PVT_EXIT_FAILURE;

	err = parse_args(argc, argv, &o);
	if (err)
		return err;
	if (o.help) {
		calibrate_usage(stdout);
		return 0;
	}
	if (sched_getaffinity(0, sizeof(allowed), &allowed)) {
		pvt_err("calibrate: sched_getaffinity: %s", strerror(errno));
		return PVT_EXIT_FAILURE;
	}
	if (o.cpu < 0) {
		for (int i = 0; i < CPU_SETSIZE && o.cpu < 0; i++)
			if (CPU_ISSET(i, &allowed))
				o.cpu = i;
	} else if (!CPU_ISSET(o.cpu, &allowed)) {
		char num[16];

		snprintf(num, sizeof(num), "%d", o.cpu);
		return usage_error("CPU %s is not one this process may run on", num);
	}
	if (o.cpu < 0) {
		pvt_err("calibrate: no CPU to run on");
		return PVT_EXIT_FAILURE;
	}

	/* Fail before measuring if the file cannot be written. */
	if (!o.print_only) {
		path = o.output ? o.output : calibration_default_path();
		if (cal_out_open(&out, path))
			return PVT_EXIT_FAILURE;
		out.for_invoker = o.output != NULL;
	}

	pvt_machine_read(&host);
	snprintf(run.created, sizeof(run.created), "%s", host.date);
	run.created_unix = host.date_unix;
	snprintf(run.hostname, sizeof(run.hostname), "%s", host.hostname);
	snprintf(run.kernel, sizeof(run.kernel), "%s", host.kernel);
	snprintf(run.cpu_model, sizeof(run.cpu_model), "%s", host.cpu_model);
	run.ncpus = host.cpus_online;
	run.cpu = o.cpu;
	run.rounds = o.rounds;
	run.reps = o.reps;

	CPU_ZERO(&one);
	CPU_SET(o.cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one)) {
		pvt_err("calibrate: cannot pin to CPU %d: %s", o.cpu, strerror(errno));
		goto out;
	}

	printf("pvtrace calibrate: %llu round trips x %u repetitions on CPU %d (%s)\n",
	       (unsigned long long)o.rounds, o.reps, o.cpu, run.cpu_model);
	printf("%-16s %13s %13s %13s   %s\n", "name", "round trip", "overhead", "per switch",
	       "round trip p10 / p90");
	fflush(stdout);
	for (int t = 0; t < PVT_CAL_NTESTS; t++) {
		struct pvt_cal_result *res = &run.results[t];

		if (cal_measure(t, o.rounds, o.reps, res))
			goto out_affinity;
		printf("%-16s %10.1f ns %10.1f ns %10.1f ns   %.1f / %.1f ns\n", res->name,
		       res->roundtrip_ns, res->loop_overhead_ns, res->switch_ns,
		       res->roundtrip_p10_ns, res->roundtrip_p90_ns);
		fflush(stdout);
		if (res->roundtrip_ns <= res->loop_overhead_ns)
			pvt_warn("%s: the round trip was not slower than the loop without a switch; "
				 "its switch cost is taken as 0", res->name);
	}
	cal_finish(&run);
	printf("context switch: %.1f ns in the same address space (threads), "
	       "%.1f ns with an address space change (processes)\n",
	       run.same_as_ns, run.as_change_ns);

	if (!o.print_only) {
		if (cal_out_commit(&out, &run))
			goto out_affinity;
		printf("wrote %s\n", path);
	}
	ret = 0;
out_affinity:
	sched_setaffinity(0, sizeof(allowed), &allowed);
out:
	if (!o.print_only)
		cal_out_abort(&out);
	return ret;
}
