/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvbench.h - what the pvbench suites share: options, results, the timing
 * harness.  pvbench measures on this machine the figures the seed articles
 * give (creation, context switch, IPC, memory, scale), with no root and no
 * BPF; `pvtrace bench` runs it.  See docs/BENCH.md for each figure's method.
 *
 * A suite adds results in the order they should be printed:
 *
 *	struct bench_result *r = bench_new(rs, "create.fork", BENCH_US);
 *	bench_time(o, r, fork_op, &ctx);   // warm-up, sizing, o->runs runs
 *
 * or, for figures that are not a per-operation time, bench_add() one value
 * per run and bench_finish().  A measurement that cannot be made calls
 * bench_fail() with the reason: the result is kept, with no figures, and
 * pvbench exits 1 at the end.  A suite never exits or prints results itself.
 */
#ifndef PVBENCH_H
#define PVBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "clock.h"    /* pvt_now_ns() */
#include "machine.h"
#include "quantile.h" /* pvt_quantile(), pvt_median() */

#define BENCH_MAX_RUNS 1000
#define BENCH_MAX_RESULTS 256

/* Units: a result's figures are in one of these. */
#define BENCH_US "us"     /* microseconds per operation (lower is better) */
#define BENCH_MS "ms"     /* milliseconds per operation (lower is better) */
#define BENCH_MBPS "MB/s" /* 10^6 bytes per second (higher is better) */
#define BENCH_BYTES "bytes"

struct bench_opts {
	bool quick;            /* --quick: fewer and shorter runs, under a minute in all */
	unsigned int runs;     /* timed runs per result (after the warm-up) */
	uint64_t min_run_ns;   /* bench_time sizes a run to last at least this */
	unsigned int ws_kib;   /* switch: working set each side touches per switch (0: none) */
	int cpu_a, cpu_b;      /* switch: pinned runs on cpu_a; spread on cpu_a and cpu_b */
	int verbose;
	uint64_t (*clock)(void); /* bench_time's clock; NULL: pvt_now_ns (tests give a fake one) */
};

struct bench_ref {
	double lo, hi;         /* in the result's unit */
	const char *text;      /* what the seed says, e.g. "fork() minimal child: 50-100 us" */
	const char *source;    /* the article's title (seed.c: bench_sources()) */
};

#define BENCH_MAX_EXTRA 8

struct bench_result {
	char name[64];         /* "create.fork": a contract, see docs/BENCH.md */
	char suite[16];        /* "create": the part before the dot */
	const char *unit;      /* BENCH_US, ... */
	double *v;             /* one figure per run, in unit */
	unsigned int n;
	double median, p10, p90; /* NAN until bench_finish() */
	uint64_t ops_per_run;  /* operations timed in each run (bench_time), else 0 */
	char params[96];       /* what was measured, for people: "N=1000", "4096-byte messages" */
	char error[200];       /* why it could not be measured; "" if it was */
	const struct bench_ref *ref; /* the seed's figure, or NULL */
	struct {
		const char *key;   /* JSON member of "details", e.g. "loop_overhead_us" */
		double val;
	} extra[BENCH_MAX_EXTRA];
	unsigned int nextra;
};

struct bench_results {
	struct bench_result *r;
	size_t n, cap;
};

/*
 * A new result named @name (suite = the part before the first '.'); never
 * NULL (aborts on ENOMEM).  The pointer stays valid until
 * bench_results_free(): later results never move it.
 */
struct bench_result *bench_new(struct bench_results *rs, const char *name, const char *unit);
/* One run's figure, in the result's unit. */
void bench_add(struct bench_result *r, double v);
/* A detail kept beside the figures (JSON "details", text with -v). */
void bench_extra(struct bench_result *r, const char *key, double val);
void bench_params(struct bench_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The result could not be measured: why.  Drops its figures. */
void bench_fail(struct bench_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Median, p10, p90 of the runs (nearest rank, lib/quantile.h), and the seed's reference. */
void bench_finish(struct bench_result *r);
void bench_results_free(struct bench_results *rs);

/*
 * An operation to time: do it @iters times; 0, or -1 with the reason in
 * @err (errno is not used).  @ctx is the suite's.
 */
typedef int (*bench_op_fn)(void *ctx, uint64_t iters, char *err, size_t errsz);

/*
 * Time @fn the standard way: a warm-up call, then the iteration count
 * doubled until one call lasts at least o->min_run_ns (or @max_iters is
 * reached), then o->runs timed calls; each run's figure is elapsed / iters
 * in r->unit (BENCH_US or BENCH_MS).  Calls bench_finish().  0, or -1 after
 * bench_fail().
 */
int bench_time(const struct bench_opts *o, struct bench_result *r, bench_op_fn fn, void *ctx,
	       uint64_t max_iters);


/* A process-versus-thread claim of the seeds: the ratio of two results. */
struct bench_claim {
	const char *process, *thread; /* result names: numerator, denominator */
	const char *what;             /* "creating a process (fork) / a thread (pthread_create)" */
	const char *seed;             /* what the seed says */
	const char *source;
};
const struct bench_claim *bench_claims(size_t *n);
/* The claim's ratio of medians, NAN if either was not measured. */
double bench_claim_ratio(const struct bench_claim *c, const struct bench_results *rs);

/* An article the seed figures come from (docs/BENCH.md, "Sources"), as the reports cite it. */
struct bench_source {
	const char *title;     /* as bench_ref.source and bench_claim.source name it */
	const char *by;        /* its author, or NULL if it names none */
	const char *kind;      /* what it is: "a 3-minute read" */
	const char *what;      /* what the reports take from it */
};
/* The sources, cited [1], [2]... in this order. */
const struct bench_source *bench_sources(size_t *n);
/* The citation number (1-based) of the article titled @title, 0 if none. */
int bench_source_number(const char *title);

/* The seed's figure for a result name, or NULL (seed.c). */
const struct bench_ref *bench_ref_find(const char *name);
/* "inside", "faster", "slower" (time, bandwidth) or "smaller", "larger" (bytes); "" without a reference. */
const char *bench_verdict(const struct bench_result *r);

/* The suites (one file each).  0, or -1 if the suite could not run at all (message printed). */
int suite_create(const struct bench_opts *o, struct bench_results *rs);
int suite_switch(const struct bench_opts *o, struct bench_results *rs);
int suite_ipc(const struct bench_opts *o, struct bench_results *rs);
int suite_memory(const struct bench_opts *o, struct bench_results *rs);
int suite_scale(const struct bench_opts *o, struct bench_results *rs);

/* The machine the figures belong to (lib/machine.c), and what was run. */
struct bench_machine {
	struct pvt_machine host;
	char suites[64];             /* the suites run, comma-separated */
};

/* The reports (text.c, json.c).  0, or -1 if writing failed. */
int bench_write_text(FILE *f, const struct bench_machine *m, const struct bench_opts *o,
		     const struct bench_results *rs);
int bench_write_json(FILE *f, const struct bench_machine *m, const struct bench_opts *o,
		     const struct bench_results *rs);
/* The tasks (threads) alive on the system, from /proc/loadavg ("0.00 0.00 0.00 1/123 456"); -1 if unknown. */
long long bench_tasks_alive(void);
/* A result by name, or NULL. */
const struct bench_result *bench_find(const struct bench_results *rs, const char *name);

/* "pvbench: <message>\n" on stderr. */
void bench_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bench_debug(const struct bench_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* PVBENCH_H */
