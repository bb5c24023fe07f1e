// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - pvbench: the process-versus-thread figures of the seed articles,
 * measured on this machine.  Options, the machine record, the suites in
 * order, then one report (text.c or json.c).  No root, no BPF: `pvtrace
 * bench` runs this program, and `pvtrace bench --trace` runs it under
 * pvtrace.
 *
 * Exit status: 0 every figure measured; 1 some could not be (each says why
 * in the report) or the report could not be written; 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "parse.h"
#include "pvbench.h"
#include "version.h" /* PVTRACE_VERSION: .output/version.h, made by the Makefile */

static const struct {
	const char *name;
	int (*fn)(const struct bench_opts *o, struct bench_results *rs);
	const char *what;
} suites[] = {
	{ "create", suite_create, "fork, vfork, posix_spawn, fork+exec, pthread_create, clone; fork of 64 MiB and 1 GiB" },
	{ "switch", suite_switch, "context switch: pipe and futex, threads and processes, one CPU and two" },
	{ "ipc", suite_ipc, "latency of pipe, unix socket, eventfd, shared memory + futex, mq; bandwidth" },
	{ "memory", suite_memory, "memory of N idle threads and N idle processes, N = 1, 100, 1000" },
	{ "scale", suite_scale, "create and reap 1,000 and 10,000 threads and processes" },
};
#define NSUITES (sizeof(suites) / sizeof(suites[0]))

#define RUNS_FULL 11
#define RUNS_QUICK 5
#define MIN_RUN_FULL_NS 50000000ull
#define MIN_RUN_QUICK_NS 10000000ull
#define WS_MAX_KIB (1024 * 1024)

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pvbench [OPTIONS]\n"
		"\n"
		"Measure on this machine the figures two articles give for processes and threads,\n"
		"and print them beside the articles' ranges. Needs no root. The articles:\n"
		"  [1] \"Understanding Process vs Thread from the Ground Up\", by Vijay\n"
		"  [2] \"Threads vs. Processes\", a page of an online course\n"
		"\n"
		"  -q, --quick          fewer, shorter runs (%d runs of >= %llu ms): under a minute\n"
		"  -r, --runs N         timed runs per figure, after a warm-up (default %d, 1-%d)\n"
		"  -s, --suite LIST     comma-separated suites to run (default: all):\n",
		RUNS_QUICK, MIN_RUN_QUICK_NS / 1000000, RUNS_FULL, BENCH_MAX_RUNS);
	for (size_t i = 0; i < NSUITES; i++)
		fprintf(f, "                         %-7s %s\n", suites[i].name, suites[i].what);
	fprintf(f,
		"      --ws KIB         switch suite: each task reads a KIB working set per switch,\n"
		"                       as lmbench's lat_ctx -s (default 0; at most %d)\n"
		"      --cpus A,B       switch suite: pinned pairs run on CPU A, spread pairs on A and B\n"
		"                       (default: the first two CPUs this process may use)\n"
		"  -f, --format FMT     text (default) or json (schema pvtrace.bench/1)\n"
		"  -o, --output FILE    write the report to FILE instead of stdout\n"
		"  -v, --verbose        say what is being measured, on stderr\n"
		"  -V, --version        print the version\n"
		"  -h, --help           this help\n"
		"\n"
		"Each figure is the median of its runs, with the 10th and 90th percentiles.\n"
		"Methods: BENCH.md (pvtrace's docs).  Exit status: 0 all measured, 1 some figure could not be\n"
		"measured (the report says why), 2 usage error.\n",
		WS_MAX_KIB);
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("pvbench: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'pvbench --help'.\n", stderr);
	return 2;
}

static int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	uint64_t v;

	if (pvt_parse_u64(s, min, max, &v))
		return -1;
	*out = (unsigned long)v;
	return 0;
}

/* "create,switch" -> a mask of suites; -1 naming the unknown one. */
static int parse_suites(const char *arg, unsigned int *mask)
{
	char buf[256], *save = NULL, *tok;

	if (strlen(arg) >= sizeof(buf))
		return usage_error("--suite: too long: '%s'", arg);
	strcpy(buf, arg);
	*mask = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < NSUITES && strcmp(tok, suites[i].name); i++)
			;
		if (i == NSUITES)
			return usage_error("--suite: unknown suite '%s' (create, switch, ipc, memory, scale)",
					   tok);
		*mask |= 1u << i;
	}
	if (!*mask)
		return usage_error("--suite: no suite named in '%s'", arg);
	return 0;
}

static int parse_cpus(const char *arg, int *a, int *b)
{
	unsigned long x, y;
	char buf[64], *comma;
	cpu_set_t set;

	if (strlen(arg) >= sizeof(buf) || !(comma = strchr(strcpy(buf, arg), ',')))
		return usage_error("--cpus: expected two CPU numbers A,B, got '%s'", arg);
	*comma = '\0';
	if (parse_uint(buf, 0, CPU_SETSIZE - 1, &x) || parse_uint(comma + 1, 0, CPU_SETSIZE - 1, &y))
		return usage_error("--cpus: expected two CPU numbers A,B, got '%s'", arg);
	if (x == y)
		return usage_error("--cpus: A and B must differ, got '%s'", arg);
	if (sched_getaffinity(0, sizeof(set), &set) == 0 &&
	    (!CPU_ISSET(x, &set) || !CPU_ISSET(y, &set)))
		return usage_error("--cpus: this process may not run on both CPUs of '%s' "
				   "(see taskset -p $$)", arg);
	*a = (int)x;
	*b = (int)y;
	return 0;
}

/* The first two CPUs we may use; cpu_b = -1 with only one. */
static void default_cpus(int *a, int *b)
{
	cpu_set_t set;

	*a = 0;
	*b = -1;
	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	*a = -1;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		if (*a < 0) {
			*a = c;
		} else {
			*b = c;
			return;
		}
	}
}

/* What the command line asks for, beyond struct bench_opts. */
struct args {
	unsigned int mask;   /* suites to run */
	const char *output;  /* NULL: stdout */
	bool json;
};

/* One option of getopt_long: 0 to go on, else the exit status (-1 for 0). */
static int take_option(int c, char **argv, struct bench_opts *o, struct args *a,
		       unsigned long *runs, bool *cpus_given)
{
	unsigned long v;

	switch (c) {
	case 'q':
		o->quick = true;
		return 0;
	case 'r':
		if (parse_uint(optarg, 1, BENCH_MAX_RUNS, runs))
			return usage_error("--runs: expected a number from 1 to 1000, got '%s'", optarg);
		return 0;
	case 's':
		return parse_suites(optarg, &a->mask) ? 2 : 0;
	case 'W':
		if (parse_uint(optarg, 0, WS_MAX_KIB, &v))
			return usage_error("--ws: expected KiB from 0 to 1048576, got '%s'", optarg);
		o->ws_kib = (unsigned int)v;
		return 0;
	case 'C':
		if (parse_cpus(optarg, &o->cpu_a, &o->cpu_b))
			return 2;
		*cpus_given = true;
		return 0;
	case 'f':
		if (!strcmp(optarg, "json"))
			a->json = true;
		else if (strcmp(optarg, "text"))
			return usage_error("--format: expected text or json, got '%s'", optarg);
		return 0;
	case 'o':
		if (!*optarg)
			return usage_error("--output: empty file name%s", "");
		a->output = optarg;
		return 0;
	case 'v':
		o->verbose++;
		return 0;
	case 'V':
		printf("pvbench %s\n", PVTRACE_VERSION);
		return -1;
	case 'h':
		usage(stdout);
		return -1;
	case ':':
		return usage_error("option '%s' needs an argument", argv[optind - 1]);
	default:
		return usage_error("unknown option '%s'", argv[optind - 1]);
	}
}

/* The command line into @o and @a: -1 to go on measuring, else the exit status. */
static int parse_args(int argc, char **argv, struct bench_opts *o, struct args *a)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "runs", required_argument, NULL, 'r' },
		{ "suite", required_argument, NULL, 's' },
		{ "ws", required_argument, NULL, 'W' },
		{ "cpus", required_argument, NULL, 'C' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool cpus_given = false;
	unsigned long runs = 0;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qr:s:f:o:vVh", longopts, NULL)) != -1) {
		ret = take_option(c, argv, o, a, &runs, &cpus_given);
		if (ret)
			return ret < 0 ? 0 : ret;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	o->runs = runs ? (unsigned int)runs : o->quick ? RUNS_QUICK : RUNS_FULL;
	o->min_run_ns = o->quick ? MIN_RUN_QUICK_NS : MIN_RUN_FULL_NS;
	if (!cpus_given)
		default_cpus(&o->cpu_a, &o->cpu_b);
	return -1;
}

/* The suites of @mask in order; 1 if one could not run at all. */
static int run_suites(const struct bench_opts *o, unsigned int mask, struct bench_machine *m,
		      struct bench_results *rs)
{
	int ret = 0;

	for (size_t i = 0; i < NSUITES; i++) {
		if (!(mask & (1u << i)))
			continue;
		snprintf(m->suites + strlen(m->suites), sizeof(m->suites) - strlen(m->suites), "%s%s",
			 m->suites[0] ? "," : "", suites[i].name);
		bench_debug(o, "suite %s", suites[i].name);
		if (suites[i].fn(o, rs))
			ret = 1;
	}
	return ret;
}

/* The report to @out (closed if it is @a->output); 0, or 1 if it could not be written. */
static int write_report(FILE *out, const struct args *a, const struct bench_machine *m,
			const struct bench_opts *o, const struct bench_results *rs)
{
	int err = a->json ? bench_write_json(out, m, o, rs) : bench_write_text(out, m, o, rs);

	if (fflush(out) || ferror(out))
		err = -1;
	if (a->output && fclose(out))
		err = -1;
	if (!err)
		return 0;
	bench_err("writing the report%s%s: %s", a->output ? " to " : "",
		  a->output ? a->output : "", strerror(errno ? errno : EIO));
	return 1;
}

int main(int argc, char **argv)
{
	struct bench_opts o = { .cpu_a = -1, .cpu_b = -1 };
	struct args a = { .mask = (1u << NSUITES) - 1 };
	struct bench_results rs = { 0 };
	struct bench_machine m;
	int ret, failed = 0;
	FILE *out = stdout;

	ret = parse_args(argc, argv, &o, &a);
	if (ret >= 0)
		return ret;
	/* Open the output first: a bad path fails before minutes of measuring. */
	if (a.output && !(out = fopen(a.output, "w"))) {
		bench_err("cannot write %s: %s", a.output, strerror(errno));
		return 1;
	}
	memset(&m, 0, sizeof(m));
	pvt_machine_read(&m.host);
	ret = run_suites(&o, a.mask, &m, &rs);
	for (size_t i = 0; i < rs.n; i++)
		failed += rs.r[i].error[0] != '\0';
	if (write_report(out, &a, &m, &o, &rs))
		ret = 1;
	if (failed) {
		bench_err("%d figure%s could not be measured (see the report)", failed,
			  failed == 1 ? "" : "s");
		ret = 1;
	}
	bench_results_free(&rs);
	return ret;
}
