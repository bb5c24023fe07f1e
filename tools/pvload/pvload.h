/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvload.h - what pvload's files share: limits, the command line's
 * configuration, messages, and the parts a scenario is made of.
 *
 *   main.c     scenarios, messages, main()
 *   options.c  help texts and the command line
 *   pairs.c    the pingpong part: pairs of tasks on lib/pingpong.c's links
 *   churn.c    the churn part: short-lived threads and processes
 *   tasks.c    naming, pinning and reaping tasks
 */
#ifndef PVLOAD_H
#define PVLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- limits and defaults ---- */

#define MAX_PAIRS		1024ULL
#define MAX_ROUNDS		(1ULL << 40)
#define MAX_CHURN		100000000ULL
#define MAX_CONCURRENCY		4096ULL

#define DEF_PAIRS		1
#define DEF_PP_ROUNDS		10000
#define DEF_MIXED_ROUNDS	20000
#define DEF_CHURN_N		100
#define DEF_CONCURRENCY		16
#define MIXED_CHURN_THREADS	50
#define MIXED_CHURN_PROCS	20
/*
 * demo: each task lives at least this long, four of pvtrace's default 100 ms
 * memory sampling intervals, so that every table of its report has figures.
 */
#define DEF_DEMO_HOLD_MS	400
#define MAX_HOLD_MS		3600000ULL

enum mode { MODE_THREADS, MODE_PROCS };
enum ipc { IPC_PIPE, IPC_FUTEX };

static inline const char *mode_name(enum mode m)
{
	return m == MODE_THREADS ? "threads" : "procs";
}

/* Everything the command line can set; defaults filled in by main(). */
struct config {
	bool quiet;
	bool mode_given;	/* --threads or --procs seen */
	enum mode mode;
	uint64_t pairs;
	uint64_t rounds;
	uint64_t n;
	bool n_given;		/* -n seen */
	uint64_t n_threads;	/* churn --threads=N, 0: not given */
	uint64_t n_procs;	/* churn --procs=M, 0: not given */
	uint64_t concurrency;
	int pin;		/* CPU to pin pingpong tasks to, -1: none */
	enum ipc ipc;
	uint64_t hold_ms;	/* mixed, demo: each task lives at least this long */
};

/* ---- messages (main.c) ---- */

/*
 * True in forked children.  They must leave with _exit() (no atexit
 * handlers, no stdio flush of buffers inherited from the parent).
 */
extern bool in_child;
/* Scenario being parsed, for the "Try 'pvload SCENARIO --help'" hint. */
extern const char *cur_scenario;

/* "pvload: MESSAGE[: strerror(err)]" on stderr, one write(2): safe in a forked child. */
void report(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Runtime failure: the message, exit 1. */
void die(int err, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
/* Usage error: the message and where to find help, exit 2. */
void usage_error(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* ---- the command line (options.c) ---- */

enum opt_id {
	OPT_HELP, OPT_QUIET, OPT_THREADS, OPT_PROCS, OPT_PAIRS, OPT_ROUNDS,
	OPT_PIN, OPT_IPC, OPT_N, OPT_CONCURRENCY, OPT_HOLD,
};

enum opt_arg {
	ARG_NONE,		/* a flag */
	ARG_REQUIRED,		/* takes a value ("--x V" or "--x=V") */
	ARG_OPTIONAL,		/* may take a value, only as "--x=V" */
};

struct optdef {
	const char *name;	/* e.g. "--pairs" */
	const char *alias;	/* e.g. "-h", or NULL */
	enum opt_arg arg;
	enum opt_id id;
};

extern const char general_help[], pingpong_help[], churn_help[], mixed_help[], demo_help[];
extern const struct optdef pingpong_opts[], churn_opts[], mixed_opts[];

/* Parse argv[first..argc-1] with the option table of the scenario; exits 2 on an error. */
void parse_options(int argc, char **argv, int first, const struct optdef *defs,
		   const char *help, struct config *cfg);

/* ---- tasks (tasks.c) ---- */

void set_task_name(const char *name);
/* Pin the calling task to @cpu; 0 or -1 with errno. */
int pin_self(int cpu);
void *xcalloc(size_t n, size_t size);
/* Reap child @pid (@name for messages): true if it exited with status 0. */
bool reap_child(pid_t pid, const char *name);
/* After a failed fork: kill and reap the children forked so far (entries <= 0 skipped). */
void kill_children(const pid_t *pids, size_t n);
/* The n-th CPU this process may run on (wrapping), or -1 if unknown. */
int nth_allowed_cpu(int n);
/* Sleep until @ms ms after @since_ns (CLOCK_MONOTONIC, pvt_now_ns()); at once if past. */
void hold_until(uint64_t since_ns, uint64_t ms);

/* ---- the parts (pairs.c, churn.c) ---- */

struct pp_pair;

/* One pingpong part: its parameters and results. */
struct pp_part {
	enum mode mode;
	enum ipc ipc;
	uint64_t pairs;
	uint64_t rounds;
	int pin;			/* -1: no pinning */
	uint64_t hold_ms;		/* each task lives at least this long (0: ends with its rounds) */

	struct pp_pair *pair;		/* shared mapping, pairs entries */
	bool ok;			/* all tasks succeeded */
	uint64_t elapsed_ns;
	double ns_per_roundtrip;
};

/* Run one pingpong part and fill in its results. */
void pp_part_run(struct pp_part *p);
void pp_print_summary(const struct pp_part *p);

struct churn_part {
	enum mode mode;
	uint64_t n;
	uint64_t concurrency;
	uint64_t hold_ms;		/* each task lives this long before it exits (0: at once) */

	bool ok;
	uint64_t elapsed_ns;
};

void churn_part_run(struct churn_part *c);
void churn_print_summary(const struct churn_part *c);

#endif /* PVLOAD_H */
