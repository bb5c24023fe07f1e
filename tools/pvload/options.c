// SPDX-License-Identifier: GPL-2.0
/* options.c - pvload's help texts and command line (see pvload.h). */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parse.h"
#include "pvload.h"

const char general_help[] =
"Usage: pvload SCENARIO [options]\n"
"       pvload --help\n"
"       pvload SCENARIO --help\n"
"\n"
"Workload generator for pvtrace: produces context switches and task\n"
"creation/exit in a controlled way and reports what it measured of itself.\n"
"\n"
"Scenarios:\n"
"  pingpong   pairs of threads or processes bouncing a token back and forth\n"
"  churn      create many short-lived threads and/or processes\n"
"  mixed      thread pingpong + process pingpong + churn, all at once\n"
"  demo       mixed, each task living at least 400 ms (make demo)\n"
"\n"
"Common options:\n"
"  --quiet    do not print the summary lines\n"
"  -h, --help show help (general, or for the given scenario)\n"
"\n"
"Unless --quiet is given, one summary line per part is printed to stdout\n"
"at the end, e.g.\n"
"  pingpong threads pairs=1 rounds=10000 elapsed_ns=... ns_per_roundtrip=...\n"
"\n"
"Exit status: 0 success, 1 runtime failure, 2 usage error.\n";

const char pingpong_help[] =
"Usage: pvload pingpong [--threads | --procs] [--pairs N] [--rounds N]\n"
"                       [--pin CPU] [--ipc pipe|futex] [--quiet]\n"
"\n"
"Start N pairs of tasks.  In each pair, \"ping\" passes a token to \"pong\"\n"
"and waits for it to come back, ROUNDS times.  Every hand-over wakes the\n"
"partner and puts the sender to sleep.  The main process only creates the\n"
"tasks and waits for them.\n"
"\n"
"Options:\n"
"  --threads         pair members are threads of pvload (default)\n"
"  --procs           pair members are forked child processes\n"
"  --pairs N         number of pairs (default 1, max 1024)\n"
"  --rounds N        round trips per pair (default 10000)\n"
"  --pin CPU         every ping/pong task pins itself to CPU (with\n"
"                    sched_setaffinity) before starting, so that the\n"
"                    partners switch directly to each other on that CPU\n"
"  --ipc pipe|futex  token transport: two pipes per pair (default), or a\n"
"                    futex word in shared memory (MAP_SHARED for --procs)\n"
"  --quiet           do not print the summary line\n"
"  -h, --help        show this help\n"
"\n"
"Task names: ping-tI / pong-tI (threads), ping-pI / pong-pI (processes),\n"
"where I is the pair index.\n"
"\n"
"Summary line:\n"
"  pingpong MODE pairs=N rounds=N elapsed_ns=T ns_per_roundtrip=X ipc=.. pin=..\n"
"elapsed_ns runs from the earliest start to the latest end of the pairs'\n"
"round-trip loops (measured by each ping task); ns_per_roundtrip is the\n"
"mean over pairs of (loop time / rounds).\n";

const char churn_help[] =
"Usage: pvload churn [--threads | --procs] [-n N] [--concurrency C] [--quiet]\n"
"       pvload churn [--threads=N] [--procs=M] [--concurrency C] [--quiet]\n"
"\n"
"Create threads and/or processes that exit immediately (threads return at\n"
"once, processes call _exit(0) at once; each only sets its name first).\n"
"At most C are alive at a time: C are created, then all C are joined or\n"
"waited for, and so on, so that many thousands can be created.\n"
"\n"
"Options:\n"
"  --threads         create N threads (-n), named churn-t (default)\n"
"  --procs           fork N child processes (-n), named churn-p\n"
"  -n N              number of tasks to create (default 100, max 100000000)\n"
"  --threads=N       create N threads, named churn-t\n"
"  --procs=M         fork M child processes, named churn-p\n"
"  --concurrency C   maximum alive at a time (default 16, max 4096)\n"
"  --quiet           do not print the summary line(s)\n"
"  -h, --help        show this help\n"
"\n"
"The counted forms (the value must be attached with '=') replace -n and the\n"
"plain --threads/--procs.  Given both, --threads=N --procs=M runs the two\n"
"parts one after the other, threads first, not concurrently; each part has\n"
"at most C tasks alive and gets its own summary line, e.g.\n"
"  pvload churn --threads=10000 --procs=2000 --concurrency 64\n"
"\n"
"Summary line (one per part):\n"
"  churn MODE n=N concurrency=C elapsed_ns=T ns_per_task=X\n";

const char mixed_help[] =
"Usage: pvload mixed [--rounds N] [--hold MS] [--quiet]\n"
"\n"
"Runs concurrently:\n"
"  1. one pair of threads ping-ponging over pipes (ping-t0, pong-t0),\n"
"     pinned to the first CPU pvload may use,\n"
"  2. one pair of processes ping-ponging over pipes (ping-p0, pong-p0),\n"
"     pinned to the second (the first again if there is only one),\n"
"  3. a churn of 50 threads (churn-t) and 20 processes (churn-p), at most\n"
"     16 of each alive at a time.\n"
"Exits 0 when everything is done.\n"
"\n"
"Options:\n"
"  --rounds N   round trips for each pingpong pair (default 20000)\n"
"  --hold MS    each task lives at least MS ms: a pingpong task sleeps out\n"
"               the rest after its rounds (its summary leaves the sleep\n"
"               out), a churn task sleeps MS ms before it exits (the churn's\n"
"               elapsed_ns holds the sleeps); default 0: they end as soon as\n"
"               done; at most 3600000\n"
"  --quiet      do not print the summary lines\n"
"  -h, --help   show this help\n"
"\n"
"Prints one summary line per part (see pvload pingpong/churn --help).\n";

const char demo_help[] =
"Usage: pvload demo [--rounds N] [--hold MS] [--quiet]\n"
"\n"
"make demo's workload: mixed (see pvload mixed --help) with --hold 400 by\n"
"default, so that each thread and process lives at least four of pvtrace's\n"
"100 ms memory sampling intervals and every table of the report has its\n"
"figures.  About 2 s with --hold 400.\n"
"\n"
"Options:\n"
"  --rounds N   round trips for each pingpong pair (default 20000)\n"
"  --hold MS    each task lives at least MS ms (default 400)\n"
"  --quiet      do not print the summary lines\n"
"  -h, --help   show this help\n";

/* ---- the option tables ---- */

const struct optdef pingpong_opts[] = {
	{ "--help",	"-h",	ARG_NONE,	OPT_HELP },
	{ "--quiet",	NULL,	ARG_NONE,	OPT_QUIET },
	{ "--threads",	NULL,	ARG_NONE,	OPT_THREADS },
	{ "--procs",	NULL,	ARG_NONE,	OPT_PROCS },
	{ "--pairs",	NULL,	ARG_REQUIRED,	OPT_PAIRS },
	{ "--rounds",	NULL,	ARG_REQUIRED,	OPT_ROUNDS },
	{ "--pin",	NULL,	ARG_REQUIRED,	OPT_PIN },
	{ "--ipc",	NULL,	ARG_REQUIRED,	OPT_IPC },
	{ NULL,		NULL,	ARG_NONE,	0 },
};

const struct optdef churn_opts[] = {
	{ "--help",		"-h",	ARG_NONE,	OPT_HELP },
	{ "--quiet",		NULL,	ARG_NONE,	OPT_QUIET },
	{ "--threads",		NULL,	ARG_OPTIONAL,	OPT_THREADS },
	{ "--procs",		NULL,	ARG_OPTIONAL,	OPT_PROCS },
	{ "-n",			NULL,	ARG_REQUIRED,	OPT_N },
	{ "--concurrency",	NULL,	ARG_REQUIRED,	OPT_CONCURRENCY },
	{ NULL,			NULL,	ARG_NONE,	0 },
};

const struct optdef mixed_opts[] = {
	{ "--help",	"-h",	ARG_NONE,	OPT_HELP },
	{ "--quiet",	NULL,	ARG_NONE,	OPT_QUIET },
	{ "--rounds",	NULL,	ARG_REQUIRED,	OPT_ROUNDS },
	{ "--hold",	NULL,	ARG_REQUIRED,	OPT_HOLD },
	{ NULL,		NULL,	ARG_NONE,	0 },
};

/*
 * A decimal number in [min, max] given as the value of option opt: plain
 * digits only (no sign, no spaces, no hex); a usage error otherwise.
 */
static uint64_t parse_num(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	enum pvt_parse_error e;
	uint64_t v = 0;
	char why[160];

	e = pvt_parse_u64_why(s, min, max, &v);
	if (e != PVT_PARSE_OK)
		usage_error("%s: %s", opt, pvt_parse_msg(e, s, min, max, why, sizeof(why)));
	return v;
}

static bool name_is(const char *name, const char *arg, size_t len)
{
	return name && strlen(name) == len && memcmp(name, arg, len) == 0;
}

/*
 * Look up argv[*i] in defs.  For options with a value, the value is either
 * after '=' ("--pairs=4") or the next argument ("--pairs 4"); *i is advanced
 * past everything consumed.  Exits with status 2 on anything malformed.
 */
static const struct optdef *next_opt(int argc, char **argv, int *i,
				     const struct optdef *defs,
				     const char **val)
{
	const char *arg = argv[*i];
	const char *eq = NULL;
	const struct optdef *d;
	size_t len = strlen(arg);

	if (arg[0] != '-' || arg[1] == '\0') {
		/* "--threads 5": an optional value must be attached. */
		for (d = defs; *i > 0 && d->name; d++)
			if (d->arg == ARG_OPTIONAL && strcmp(argv[*i - 1], d->name) == 0)
				usage_error("unexpected argument '%s' (write %s=%s to give a value)",
					    arg, d->name, arg);
		usage_error("unexpected argument '%s'", arg);
	}
	if (arg[1] == '-') {
		eq = strchr(arg, '=');
		if (eq)
			len = (size_t)(eq - arg);
	}
	for (d = defs; d->name; d++)
		if (name_is(d->name, arg, len) || name_is(d->alias, arg, len))
			break;
	if (!d->name)
		usage_error("unknown option '%.*s' for scenario '%s'",
			    (int)len, arg, cur_scenario);

	*val = NULL;
	(*i)++;
	if (d->arg == ARG_REQUIRED) {
		if (eq)
			*val = eq + 1;
		else if (*i < argc)
			*val = argv[(*i)++];
		else
			usage_error("option '%s' requires a value", d->name);
	} else if (eq && d->arg == ARG_OPTIONAL) {
		*val = eq + 1;
	} else if (eq) {
		usage_error("option '%s' does not take a value", d->name);
	}
	return d;
}

static void set_mode(struct config *cfg, enum mode m)
{
	if (cfg->mode_given && cfg->mode != m)
		usage_error("--threads and --procs are mutually exclusive");
	cfg->mode_given = true;
	cfg->mode = m;
}

/* --pin CPU must name a CPU this process is allowed to run on. */
static int parse_cpu(const char *s)
{
	cpu_set_t allowed;
	int cpu = (int)parse_num("--pin", s, 0, CPU_SETSIZE - 1);

	if (sched_getaffinity(0, sizeof(allowed), &allowed) == -1)
		die(errno, "sched_getaffinity");
	if (!CPU_ISSET(cpu, &allowed)) {
		char list[256] = "";
		size_t len = 0;

		for (int c = 0; c < CPU_SETSIZE && len < sizeof(list) - 16; c++)
			if (CPU_ISSET(c, &allowed))
				len += (size_t)snprintf(list + len,
							sizeof(list) - len,
							"%s%d", len ? "," : "", c);
		usage_error("--pin: CPU %d is not available (usable CPUs: %s)",
			    cpu, list);
	}
	return cpu;
}

/* Parse argv[first..argc-1] with the option table of the scenario. */
void parse_options(int argc, char **argv, int first, const struct optdef *defs,
		   const char *help, struct config *cfg)
{
	int i = first;

	while (i < argc) {
		const char *val;
		const struct optdef *d = next_opt(argc, argv, &i, defs, &val);

		switch (d->id) {
		case OPT_HELP:
			fputs(help, stdout);
			exit(0);
		case OPT_QUIET:
			cfg->quiet = true;
			break;
		case OPT_THREADS:
			if (val)
				cfg->n_threads = parse_num("--threads", val, 1,
							   MAX_CHURN);
			else
				set_mode(cfg, MODE_THREADS);
			break;
		case OPT_PROCS:
			if (val)
				cfg->n_procs = parse_num("--procs", val, 1,
							 MAX_CHURN);
			else
				set_mode(cfg, MODE_PROCS);
			break;
		case OPT_PAIRS:
			cfg->pairs = parse_num("--pairs", val, 1, MAX_PAIRS);
			break;
		case OPT_ROUNDS:
			cfg->rounds = parse_num("--rounds", val, 1, MAX_ROUNDS);
			break;
		case OPT_HOLD:
			cfg->hold_ms = parse_num("--hold", val, 0, MAX_HOLD_MS);
			break;
		case OPT_PIN:
			cfg->pin = parse_cpu(val);
			break;
		case OPT_IPC:
			if (strcmp(val, "pipe") == 0)
				cfg->ipc = IPC_PIPE;
			else if (strcmp(val, "futex") == 0)
				cfg->ipc = IPC_FUTEX;
			else
				usage_error("--ipc: '%s' is not 'pipe' or 'futex'",
					    val);
			break;
		case OPT_N:
			cfg->n = parse_num("-n", val, 1, MAX_CHURN);
			cfg->n_given = true;
			break;
		case OPT_CONCURRENCY:
			cfg->concurrency = parse_num("--concurrency", val, 1,
						     MAX_CONCURRENCY);
			break;
		}
	}

	/* churn: the counted forms say everything -n and the modes would. */
	if (cfg->n_threads || cfg->n_procs) {
		if (cfg->mode_given)
			usage_error("--threads=N/--procs=M cannot be combined with "
				    "a plain --threads or --procs");
		if (cfg->n_given)
			usage_error("-n cannot be combined with --threads=N/--procs=M");
	}
}
