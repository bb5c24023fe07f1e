/* SPDX-License-Identifier: GPL-2.0 */
/*
 * calibrate.h - `pvtrace calibrate`: measure the direct cost of a context
 * switch on this machine, and load the result for reports.
 *
 * Tracepoints cannot time the switch code itself, so pvtrace measures it the
 * way lmbench's lat_ctx does: two tasks pinned to the same CPU bounce a token
 * back and forth (one round trip = 2 context switches); the same syscalls done
 * by one task alone, with no switch, are the loop overhead, and
 *     switch_ns = (roundtrip_ns - loop_overhead_ns) / 2   (floored at 0).
 * Four pairs are measured: pipe_threads, pipe_processes, futex_threads,
 * futex_processes.  Each is a warm-up then R repetitions of N round trips;
 * the medians are used, and the 10th/90th percentiles of the round trip kept.
 *
 * The calibration file
 * --------------------
 * Location: $PVTRACE_CALIBRATION if set (and not empty), else
 * /var/lib/pvtrace/calibration.json (the directory is created).  `pvtrace
 * calibrate -o FILE` writes elsewhere.  It is replaced atomically (a temporary
 * file in the same directory, then rename).
 *
 * Format: one JSON object (written by json_writer, pretty), schema
 * "pvtrace.calibration/1":
 *   {
 *     "schema": "pvtrace.calibration/1",
 *     "created": "2026-11-23T01:00:00Z",        ISO 8601, UTC
 *     "created_unix": 1795400000,
 *     "machine": { "hostname": "..", "kernel": "<uname -r>",
 *                  "cpu_model": "<model name from /proc/cpuinfo>",
 *                  "ncpus": 2,                    CPUs online
 *                  "cpu": 0 },                    the CPU both tasks ran on
 *     "method": "pinned ping-pong on one CPU, lat_ctx style: ...",
 *     "rounds": 100000,                            N, round trips per repetition
 *     "reps": 7,                                   R
 *     "results": [                                 4 entries, in this order
 *       { "name": "pipe_threads", "ipc": "pipe", "kind": "threads",
 *         "roundtrip_ns": .., "roundtrip_p10_ns": .., "roundtrip_p90_ns": ..,
 *         "loop_overhead_ns": .., "switch_ns": .. },
 *       { "name": "pipe_processes", ... }, { "name": "futex_threads", ... },
 *       { "name": "futex_processes", ... } ],
 *     "switch_cost_ns": {
 *       "same_address_space": ..,      mean switch_ns of the *_threads pairs
 *       "address_space_change": .. }   mean switch_ns of the *_processes pairs
 *   }
 * All times are JSON numbers in nanoseconds, rounded to 0.1 ns.
 * calibration_load() requires schema, created, machine.{hostname,kernel,
 * cpu_model}, switch_cost_ns.* and the four results' roundtrip_ns; other
 * members are informative and unknown members are ignored.
 *
 * The file is data, not trusted: it must be a regular file (a FIFO, a
 * device, a directory is refused before anything is read) of at most
 * PVT_CAL_MAX_FILE bytes; each time read must be finite and below
 * PVT_CAL_MAX_NS (1 s): switch costs >= 0 (0: a pair whose switch could not
 * be told from its loop), round trips > 0.  Its strings are escaped by
 * whatever prints them (term_escape, the JSON writer).
 */
#ifndef PVT_CALIBRATE_H
#define PVT_CALIBRATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define PVT_CAL_SCHEMA "pvtrace.calibration/1"
#define PVT_CAL_DEFAULT_PATH "/var/lib/pvtrace/calibration.json"
#define PVT_CAL_ENV "PVTRACE_CALIBRATION"
#define PVT_CAL_MAX_FILE (1 << 20) /* bytes */
#define PVT_CAL_MAX_NS 1e9         /* a round trip or a switch cost above it is no measurement */

/* What reports need, loaded from a calibration file. */
struct pvt_calibration {
	char path[4096];
	char created[40];          /* ISO 8601 UTC */
	char hostname[128], kernel[128], cpu_model[160];
	double same_as_ns;         /* switch_cost_ns.same_address_space */
	double as_change_ns;       /* switch_cost_ns.address_space_change */
	/* raw results, for tests/reports */
	double pipe_threads_rt_ns, pipe_processes_rt_ns, futex_threads_rt_ns, futex_processes_rt_ns;
};

/* $PVTRACE_CALIBRATION if set and not empty, else PVT_CAL_DEFAULT_PATH. */
const char *calibration_default_path(void);

/*
 * 0 loaded; -ENOENT no file (no message); -EINVAL malformed, wrong schema,
 * out of range, not a regular file, too large (prints one line naming the
 * file and the problem).  Any other failure to read the file returns -errno,
 * also with one line.
 */
int calibration_load(const char *path, struct pvt_calibration *c);

/*
 * The parser behind calibration_load(): the @len bytes of @buf (no NUL
 * needed), @name for messages and c->path.  0, -EINVAL (one line), -ENOMEM.
 * Reads nothing else: the fuzz target (tests/fuzz/fuzz_calibration.c).
 */
int calibration_parse(const char *buf, size_t len, const char *name, struct pvt_calibration *c);

/* A time the file may hold: finite, 0 (if @zero_ok) or above, below PVT_CAL_MAX_NS. */
bool cal_ns_usable(double ns, bool zero_ok);

int cmd_calibrate(int argc, char **argv);

/* ---- the measurement and the file, exported for tests ---- */

enum pvt_cal_test {
	PVT_CAL_PIPE_THREADS,
	PVT_CAL_PIPE_PROCESSES,
	PVT_CAL_FUTEX_THREADS,
	PVT_CAL_FUTEX_PROCESSES,
	PVT_CAL_NTESTS
};

struct pvt_cal_result {
	const char *name;          /* "pipe_threads", ... */
	const char *ipc;           /* "pipe" or "futex" */
	const char *kind;          /* "threads" or "processes" */
	double roundtrip_ns;       /* median over the repetitions */
	double roundtrip_p10_ns, roundtrip_p90_ns;
	double loop_overhead_ns;   /* median */
	double switch_ns;          /* cal_switch_ns(roundtrip_ns, loop_overhead_ns) */
};

/* Everything the calibration file holds. */
struct pvt_cal_run {
	char created[40];
	int64_t created_unix;
	char hostname[128], kernel[128], cpu_model[160];
	int ncpus, cpu;
	uint64_t rounds;
	unsigned int reps;
	struct pvt_cal_result results[PVT_CAL_NTESTS];
	double same_as_ns, as_change_ns;
};

/* (roundtrip - overhead) / 2, floored at 0. */
double cal_switch_ns(double roundtrip_ns, double overhead_ns);

/* Fill name/ipc/kind of r->results and compute r->same_as_ns / as_change_ns. */
void cal_finish(struct pvt_cal_run *r);

/* Name, ipc and kind strings of a test. */
void cal_result_init(struct pvt_cal_result *res, enum pvt_cal_test t);

#define PVT_CAL_MAX_REPS 1000

/*
 * Measure one pair: a warm-up, then reps (1..PVT_CAL_MAX_REPS) repetitions
 * of rounds round trips, and as many of the overhead loop.  The caller pins
 * the process (the pair inherits its affinity).  Fills res completely.
 * 0, or -1 (message printed).
 */
int cal_measure(enum pvt_cal_test t, uint64_t rounds, unsigned int reps,
		struct pvt_cal_result *res);

/* Write r as the calibration JSON to f.  0, or -EIO. */
int calibration_write(FILE *f, const struct pvt_cal_run *r);

/*
 * Writing the file atomically: cal_out_open() creates the parent directory
 * and checks it is writable (so it fails before measuring); cal_out_commit()
 * writes r to a temporary file next to path, syncs it and renames it over
 * path; cal_out_abort() removes a leftover temporary file.  All return 0 or
 * -errno and print one line on failure.
 */
struct cal_out {
	char path[4096];
	char tmp[4096 + 16];
	FILE *f;
	bool for_invoker; /* a path the user chose (-o): under sudo, the file is theirs (privs.h) */
};
int cal_out_open(struct cal_out *o, const char *path);
int cal_out_commit(struct cal_out *o, const struct pvt_cal_run *r);
void cal_out_abort(struct cal_out *o);

/* cal_out_open + cal_out_commit. */
int calibration_save(const char *path, const struct pvt_cal_run *r);

#endif /* PVT_CALIBRATE_H */
