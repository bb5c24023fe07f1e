/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pingpong.h - two tasks bouncing a token, the way lmbench's lat_ctx times a
 * context switch.  Shared by `pvtrace calibrate` and pvbench's switch suite;
 * libc only (no libbpf), so pvbench can link it alone.
 *
 * Task A (the caller) and task B (a thread, or a forked process) take turns:
 * A passes the token, B receives it and passes it back: one round trip, and
 * when both are on one CPU, two context switches.  The token goes through two
 * pipes (1 byte each way) or one futex word in a shared page.  The loop
 * overhead is the same syscalls done by A alone, with no partner and so no
 * switch (pipes: write and read its own pipe twice; futex: a wake with no
 * waiter and a wait that returns EAGAIN, twice).  Then
 *     switch = (round trip - overhead) / 2.
 * With a working set (lat_ctx -s), each task reads its own ws_bytes buffer
 * (one load per 64-byte line) each time it gets the token, and the overhead
 * loop reads A's buffer twice per round: what remains is the cost of the
 * switch plus the cache misses it causes.
 */
#ifndef PVT_PINGPONG_H
#define PVT_PINGPONG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pp_config {
	bool futex;        /* a futex word (else two pipes) */
	bool processes;    /* B is a forked process (else a thread of the caller) */
	int cpu_a, cpu_b;  /* pin A (the calling thread) and B; -1 keeps the inherited affinity */
	size_t ws_bytes;   /* working set each side reads per turn; 0 for none */
};

#define PP_MAX_REPS 1000

/*
 * A warm-up, then @reps (1..PP_MAX_REPS) runs, each @rounds round trips
 * with the partner then @rounds of the overhead loop (by A alone, on cpu_a,
 * while the partner sleeps).  rt[i] and oh[i] get run i's ns per round.  The calling
 * thread's affinity is restored.  0, or -1 with the reason in @err.
 */
int pp_measure(const struct pp_config *c, uint64_t rounds, unsigned int reps,
	       double *rt, double *oh, char *err, size_t errsz);

#endif /* PVT_PINGPONG_H */
