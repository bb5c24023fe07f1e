// SPDX-License-Identifier: GPL-2.0
/*
 * pvload - workload generator for pvtrace.
 *
 * pvload produces well-defined scheduler activity so that pvtrace's output
 * can be checked against a known workload:
 *
 *   pingpong  pairs of tasks (threads or processes) bouncing a token back
 *             and forth over pipes or a futex; every hand-over wakes the
 *             partner and puts the sender to sleep, i.e. a steady stream of
 *             voluntary context switches between two known tasks.
 *   churn     many short-lived threads and/or processes that exit at once,
 *             to exercise task creation/exit tracking.
 *   mixed     a thread pingpong, a process pingpong and a churn of threads
 *             and processes, all running at the same time.
 *   demo      make demo's workload: mixed, each task living at least 400 ms
 *             (four of pvtrace's memory sampling intervals).
 *
 * At the end pvload prints one summary line per part with what it measured
 * of itself (CLOCK_MONOTONIC around the measured loop).
 *
 * Exit status: 0 on success, 1 on a runtime failure, 2 on a usage error.
 *
 * Error policy: failures in the main process (pipe, fork, pthread_create...)
 * are fatal (status 1).  A pingpong *thread* that fails terminates the whole
 * process (status 1) since its partner would otherwise wait forever.  A
 * forked child that fails reports the error, makes sure its partner does not
 * wait forever (pipe EOF, or an "abort" value in the futex word), and exits
 * with status 1; the main process reaps everything and then exits with 1.
 *
 * Only libc and pthreads are used, and lib/ (libpvcommon.a): the ping-pong
 * link of lib/pingpong.c, strict number parsing, the clock.  The files:
 * see pvload.h.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pvload.h"

/* ------------------------------------------------------------------------ */
/* Error reporting                                                          */
/* ------------------------------------------------------------------------ */

bool in_child;
const char *cur_scenario;

static void terminate(int status)
{
	if (in_child)
		_exit(status);
	exit(status);
}

/*
 * Format "pvload: MESSAGE[: strerror(err)]\n" into a stack buffer and write
 * it with a single write(2).  No stdio locks are taken, so this is usable
 * in children forked from a multi-threaded parent.
 */
static void vreport(int err, const char *fmt, va_list ap)
{
	char msg[384], line[512];
	int len;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (err)
		len = snprintf(line, sizeof(line), "pvload: %s: %s\n", msg,
			       strerror(err));
	else
		len = snprintf(line, sizeof(line), "pvload: %s\n", msg);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(line))
		len = sizeof(line) - 1;
	/* Nothing sensible can be done if writing to stderr fails. */
	if (write(STDERR_FILENO, line, (size_t)len) < 0)
		return;
}

void report(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(err, fmt, ap);
	va_end(ap);
}

void die(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(err, fmt, ap);
	va_end(ap);
	terminate(1);
	__builtin_unreachable();
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(0, fmt, ap);
	va_end(ap);
	if (cur_scenario)
		fprintf(stderr, "Try 'pvload %s --help' for more information.\n",
			cur_scenario);
	else
		fprintf(stderr, "Try 'pvload --help' for more information.\n");
	exit(2);
}

/* ------------------------------------------------------------------------ */
/* Scenarios                                                                */
/* ------------------------------------------------------------------------ */

/* Flush the summary; a failed write to stdout is a runtime failure. */
static int finish(bool ok)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		die(errno, "writing summary to stdout");
	return ok ? 0 : 1;
}

static int run_pingpong(const struct config *cfg)
{
	struct pp_part p = {
		.mode = cfg->mode, .ipc = cfg->ipc, .pairs = cfg->pairs,
		.rounds = cfg->rounds, .pin = cfg->pin,
	};

	pp_part_run(&p);
	if (!p.ok)
		return finish(false);
	if (!cfg->quiet)
		pp_print_summary(&p);
	return finish(true);
}

/*
 * churn: one part (--threads / --procs with -n), or with --threads=N and/or
 * --procs=M up to two parts, run one after the other, threads first.
 */
static int run_churn(const struct config *cfg)
{
	struct churn_part parts[2];
	size_t nparts = 0;
	bool ok = true;

	if (!cfg->n_threads && !cfg->n_procs)
		parts[nparts++] = (struct churn_part){
			.mode = cfg->mode, .n = cfg->n,
			.concurrency = cfg->concurrency,
		};
	if (cfg->n_threads)
		parts[nparts++] = (struct churn_part){
			.mode = MODE_THREADS, .n = cfg->n_threads,
			.concurrency = cfg->concurrency,
		};
	if (cfg->n_procs)
		parts[nparts++] = (struct churn_part){
			.mode = MODE_PROCS, .n = cfg->n_procs,
			.concurrency = cfg->concurrency,
		};

	for (size_t i = 0; i < nparts; i++) {
		churn_part_run(&parts[i]);
		ok = ok && parts[i].ok;
	}
	if (ok && !cfg->quiet)
		for (size_t i = 0; i < nparts; i++)
			churn_print_summary(&parts[i]);
	return finish(ok);
}

/* mixed: each part runs in its own controller thread. */
struct mixed_ctl {
	const char *name;		/* controller thread name */
	struct pp_part *pp;		/* exactly one of pp / churn is set */
	struct churn_part *churn;
};

static void *mixed_controller(void *arg)
{
	struct mixed_ctl *ctl = arg;

	set_task_name(ctl->name);
	if (ctl->pp)
		pp_part_run(ctl->pp);
	else
		churn_part_run(ctl->churn);
	return NULL;
}

static int run_mixed(const struct config *cfg)
{
	/*
	 * Each pair pinned to a CPU of its own (the same one if there is only
	 * one): the thread pair's switches stay inside its process, the process
	 * pair's cross address spaces, and the report shows both plainly.
	 */
	struct pp_part pp_t = {
		.mode = MODE_THREADS, .ipc = IPC_PIPE, .pairs = 1,
		.rounds = cfg->rounds, .pin = nth_allowed_cpu(0), .hold_ms = cfg->hold_ms,
	};
	struct pp_part pp_p = {
		.mode = MODE_PROCS, .ipc = IPC_PIPE, .pairs = 1,
		.rounds = cfg->rounds, .pin = nth_allowed_cpu(1), .hold_ms = cfg->hold_ms,
	};
	struct churn_part ch_t = {
		.mode = MODE_THREADS, .n = MIXED_CHURN_THREADS,
		.concurrency = DEF_CONCURRENCY, .hold_ms = cfg->hold_ms,
	};
	struct churn_part ch_p = {
		.mode = MODE_PROCS, .n = MIXED_CHURN_PROCS,
		.concurrency = DEF_CONCURRENCY, .hold_ms = cfg->hold_ms,
	};
	struct mixed_ctl ctl[] = {
		{ "mix-pingpong-t", &pp_t, NULL },
		{ "mix-pingpong-p", &pp_p, NULL },
		{ "mix-churn-t", NULL, &ch_t },
		{ "mix-churn-p", NULL, &ch_p },
	};
	const size_t nctl = sizeof(ctl) / sizeof(ctl[0]);
	pthread_t tids[sizeof(ctl) / sizeof(ctl[0])];
	bool ok;
	int err;

	for (size_t i = 0; i < nctl; i++) {
		err = pthread_create(&tids[i], NULL, mixed_controller, &ctl[i]);
		if (err)
			die(err, "pthread_create (%s)", ctl[i].name);
	}
	for (size_t i = 0; i < nctl; i++) {
		err = pthread_join(tids[i], NULL);
		if (err)
			die(err, "pthread_join (%s)", ctl[i].name);
	}

	ok = pp_t.ok && pp_p.ok && ch_t.ok && ch_p.ok;
	if (ok && !cfg->quiet) {
		pp_print_summary(&pp_t);
		pp_print_summary(&pp_p);
		churn_print_summary(&ch_t);
		churn_print_summary(&ch_p);
	}
	return finish(ok);
}

struct scenario {
	const char *name;
	const struct optdef *opts;
	const char *help;
	int (*run)(const struct config *cfg);
	uint64_t default_rounds;
	uint64_t default_hold_ms;
};

static const struct scenario scenarios[] = {
	{ "pingpong", pingpong_opts, pingpong_help, run_pingpong, DEF_PP_ROUNDS, 0 },
	{ "churn", churn_opts, churn_help, run_churn, 0, 0 },
	{ "mixed", mixed_opts, mixed_help, run_mixed, DEF_MIXED_ROUNDS, 0 },
	/* make demo: mixed whose tasks outlive several memory sampling intervals */
	{ "demo", mixed_opts, demo_help, run_mixed, DEF_MIXED_ROUNDS, DEF_DEMO_HOLD_MS },
};

int main(int argc, char **argv)
{
	const struct scenario *sc = NULL;
	struct sigaction sa;
	struct config cfg = {
		.mode = MODE_THREADS,
		.pairs = DEF_PAIRS,
		.n = DEF_CHURN_N,
		.concurrency = DEF_CONCURRENCY,
		.pin = -1,
		.ipc = IPC_PIPE,
	};

	if (argc < 2)
		usage_error("missing scenario (pingpong, churn, mixed or demo)");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(general_help, stdout);
		return 0;
	}
	if (argv[1][0] == '-')
		usage_error("expected a scenario name before option '%s'",
			    argv[1]);
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (strcmp(argv[1], scenarios[i].name) == 0)
			sc = &scenarios[i];
	if (!sc)
		usage_error("unknown scenario '%s' (expected pingpong, churn, mixed or demo)",
			    argv[1]);

	cur_scenario = sc->name;
	cfg.rounds = sc->default_rounds;
	cfg.hold_ms = sc->default_hold_ms;
	parse_options(argc, argv, 2, sc->opts, sc->help, &cfg);

	/* A pipe partner that died must show up as EPIPE, not kill us. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	if (sigemptyset(&sa.sa_mask) == -1 ||
	    sigaction(SIGPIPE, &sa, NULL) == -1)
		die(errno, "sigaction(SIGPIPE)");

	return sc->run(&cfg);
}
