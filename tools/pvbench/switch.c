// SPDX-License-Identifier: GPL-2.0
/*
 * switch.c - the switch suite: the cost of one context switch between two
 * threads and between two processes, lmbench lat_ctx style (pingpong.c).
 *
 * switch.{pipe,futex}_{threads,processes}_{pinned,spread}, in microseconds:
 *   Two tasks bounce a token through two pipes (1 byte) or a futex word.
 *   pinned: both on CPU cpu_a, so each hand-over is a context switch on
 *   that CPU; spread: on cpu_a and cpu_b, so each hand-over is a cross-CPU
 *   wake-up (the sleeper's CPU goes idle and is woken), the case of a real
 *   two-CPU pipeline.  One run = R round trips timed, then R rounds of the
 *   same syscalls by one task alone (the loop overhead); the run's figure is
 *       (round trip - loop overhead) / 2
 *   i.e. per switch.  R is sized so a run lasts about min_run_ns.
 *   With --ws KIB each task reads its own KIB-sized buffer (one load per
 *   cache line) every time it gets the token, and so does the overhead
 *   loop: what is left is the switch plus the cache refills it causes.
 * Details: roundtrip_us (median round trip, comparable with `perf bench
 * sched pipe`'s usecs/op), loop_overhead_us, rounds.
 */
#include <stdio.h>
#include "pingpong.h"
#include "pvbench.h"

static const struct {
	const char *name;
	bool futex, processes, spread;
} pairs[] = {
	{ "switch.pipe_threads_pinned", false, false, false },
	{ "switch.pipe_processes_pinned", false, true, false },
	{ "switch.futex_threads_pinned", true, false, false },
	{ "switch.futex_processes_pinned", true, true, false },
	{ "switch.pipe_threads_spread", false, false, true },
	{ "switch.pipe_processes_spread", false, true, true },
	{ "switch.futex_threads_spread", true, false, true },
	{ "switch.futex_processes_spread", true, true, true },
};

static void measure_pair(const struct bench_opts *o, struct bench_result *r, struct pp_config *c)
{
	double rt[PP_MAX_REPS], oh[PP_MAX_REPS], probe_rt, probe_oh;
	unsigned int reps = o->runs < PP_MAX_REPS ? o->runs : PP_MAX_REPS;
	uint64_t rounds;
	char err[200];

	/* Size the runs: a short probe gives the round trip. */
	if (pp_measure(c, 200, 1, &probe_rt, &probe_oh, err, sizeof(err))) {
		bench_fail(r, "%s", err);
		return;
	}
	rounds = probe_rt > 0 ? (uint64_t)((double)o->min_run_ns / probe_rt) : 1000;
	if (rounds < 200)
		rounds = 200;
	if (pp_measure(c, rounds, reps, rt, oh, err, sizeof(err))) {
		bench_fail(r, "%s", err);
		return;
	}
	for (unsigned int i = 0; i < reps; i++)
		bench_add(r, (rt[i] - oh[i]) / 2 / 1e3);
	bench_finish(r);
	bench_extra(r, "roundtrip_us", pvt_median(rt, reps) / 1e3);
	bench_extra(r, "loop_overhead_us", pvt_median(oh, reps) / 1e3);
	bench_extra(r, "rounds", (double)rounds);
	r->ops_per_run = rounds;
}

int suite_switch(const struct bench_opts *o, struct bench_results *rs)
{
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		struct bench_result *r = bench_new(rs, pairs[i].name, BENCH_US);
		struct pp_config c = {
			.futex = pairs[i].futex,
			.processes = pairs[i].processes,
			.cpu_a = o->cpu_a,
			.cpu_b = pairs[i].spread ? o->cpu_b : o->cpu_a,
			.ws_bytes = (size_t)o->ws_kib * 1024,
		};
		char cpus[32], ws[48] = "";

		if (pairs[i].spread)
			snprintf(cpus, sizeof(cpus), "CPUs %d,%d", o->cpu_a, o->cpu_b);
		else
			snprintf(cpus, sizeof(cpus), "CPU %d", o->cpu_a);
		if (o->ws_kib)
			snprintf(ws, sizeof(ws), ", %u KiB working set", o->ws_kib);
		bench_params(r, "%s, %s, %s%s", pairs[i].futex ? "futex word" : "two pipes",
			     pairs[i].processes ? "two processes" : "two threads", cpus, ws);
		if (pairs[i].spread && o->cpu_b < 0) {
			bench_fail(r, "needs two CPUs this process may run on (see --cpus)");
			continue;
		}
		bench_debug(o, "%s", r->name);
		measure_pair(o, r, &c);
	}
	return 0;
}
