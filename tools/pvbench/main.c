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
#include "pvbench.h"

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
		"Measure on this machine the figures the seed articles give for processes and\n"
		"threads, and print them beside the articles' ranges. Needs no root.\n"
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
		"Methods: docs/BENCH.md.  Exit status: 0 all measured, 1 some figure could not be\n"
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
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
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

int main(int argc, char **argv)
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
	struct bench_opts o = { .cpu_a = -1, .cpu_b = -1 };
	struct bench_results rs = { 0 };
	struct bench_machine m;
	unsigned int mask = (1u << NSUITES) - 1;
	const char *output = NULL;
	bool json = false, cpus_given = false;
	unsigned long runs = 0, v;
	int c, ret = 0, failed = 0, err;
	FILE *out = stdout;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qr:s:f:o:vVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			o.quick = true;
			break;
		case 'r':
			if (parse_uint(optarg, 1, BENCH_MAX_RUNS, &runs))
				return usage_error("--runs: expected a number from 1 to 1000, got '%s'",
						   optarg);
			break;
		case 's':
			if (parse_suites(optarg, &mask))
				return 2;
			break;
		case 'W':
			if (parse_uint(optarg, 0, WS_MAX_KIB, &v))
				return usage_error("--ws: expected KiB from 0 to 1048576, got '%s'", optarg);
			o.ws_kib = (unsigned int)v;
			break;
		case 'C':
			if (parse_cpus(optarg, &o.cpu_a, &o.cpu_b))
				return 2;
			cpus_given = true;
			break;
		case 'f':
			if (!strcmp(optarg, "json"))
				json = true;
			else if (strcmp(optarg, "text"))
				return usage_error("--format: expected text or json, got '%s'", optarg);
			break;
		case 'o':
			if (!*optarg)
				return usage_error("--output: empty file name%s", "");
			output = optarg;
			break;
		case 'v':
			o.verbose++;
			break;
		case 'V':
			printf("pvbench %s\n", PVTRACE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			return usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);

	o.runs = runs ? (unsigned int)runs : o.quick ? RUNS_QUICK : RUNS_FULL;
	o.min_run_ns = o.quick ? MIN_RUN_QUICK_NS : MIN_RUN_FULL_NS;
	if (!cpus_given)
		default_cpus(&o.cpu_a, &o.cpu_b);

	/* Open the output first: a bad path fails before minutes of measuring. */
	if (output && !(out = fopen(output, "w"))) {
		bench_err("cannot write %s: %s", output, strerror(errno));
		return 1;
	}
	memset(&m, 0, sizeof(m));
	pvt_machine_read(&m.host);
	for (size_t i = 0; i < NSUITES; i++) {
		if (!(mask & (1u << i)))
			continue;
		snprintf(m.suites + strlen(m.suites), sizeof(m.suites) - strlen(m.suites), "%s%s",
			 m.suites[0] ? "," : "", suites[i].name);
		bench_debug(&o, "suite %s", suites[i].name);
		if (suites[i].fn(&o, &rs))
			ret = 1;
	}
	for (size_t i = 0; i < rs.n; i++)
		failed += rs.r[i].error[0] != '\0';

	err = json ? bench_write_json(out, &m, &o, &rs) : bench_write_text(out, &m, &o, &rs);
	if (fflush(out) || ferror(out))
		err = -1;
	if (output && fclose(out))
		err = -1;
	if (err) {
		bench_err("writing the report%s%s: %s", output ? " to " : "", output ? output : "",
			  strerror(errno ? errno : EIO));
		ret = 1;
	}
	if (failed) {
		bench_err("%d figure%s could not be measured (see the report)", failed,
			  failed == 1 ? "" : "s");
		ret = 1;
	}
	bench_results_free(&rs);
	return ret;
}
