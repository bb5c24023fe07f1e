/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pingpong.h - two tasks bouncing a token: the one ping-pong engine of
 * pvtrace (`pvtrace calibrate`), pvbench (its switch suite) and pvload (its
 * pingpong and mixed workloads).  libc only.
 *
 * Two layers.  A link (struct pp_link) is the token's way between side A
 * and side B, two pipes or one futex word, with pp_pass() / pp_await() /
 * pp_rounds() for either side: pvload runs both sides in tasks of its own.
 * pp_measure() times a context switch the way lmbench's lat_ctx does:
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

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the link: the token's way between two tasks ---- */

enum pp_side { PP_A = 0, PP_B = 1 };

/* The futex word: whose turn it is, or that one side stopped (or failed). */
enum { PP_TURN_A = 0, PP_TURN_B = 1, PP_TURN_STOP = 2 };

struct pp_link {
	bool futex;                 /* a futex word (else two pipes) */
	bool shared;                /* the sides are processes: non-private futex ops */
	int ab[2], ba[2];           /* pipes: A -> B, B -> A (-1: closed) */
	uint32_t *word;             /* futex: PP_TURN_*, where both sides see it */
	/* Optional: set (by a SIGCHLD handler) when the partner is gone; a futex
	 * wait it interrupts then fails with PP_EGONE instead of waiting on. */
	const volatile sig_atomic_t *gone;
};

/* Why a pass or a wait failed (negative; errno says more, or is 0). */
enum pp_error {
	PP_ESEND = -1,   /* write to the pipe */
	PP_ERECV = -2,   /* read from the pipe */
	PP_EEOF = -3,    /* end of file: the partner closed its end */
	PP_EWAKE = -4,   /* futex wake */
	PP_EWAIT = -5,   /* futex wait */
	PP_ESTOP = -6,   /* the partner stopped (or failed: pp_hangup) */
	PP_EGONE = -7,   /* the partner is gone (*gone) */
};

/* What failed, for a message: "read from pipe: end of file (partner failed?)". */
const char *pp_strerror(int err);

/*
 * Open a link: two pipes (O_CLOEXEC), or the futex word at @word, set to
 * PP_TURN_A (side A holds the token).  @word must be seen by both sides:
 * memory of the process for threads, a MAP_SHARED mapping for processes.
 * 0, or -1 with errno.
 */
int pp_link_open(struct pp_link *l, bool futex, bool processes, uint32_t *word);
/* In one side's task after a fork: close the pipe ends only the other side uses. */
void pp_link_keep(struct pp_link *l, enum pp_side me);
/* Close whatever pipe ends are still open. */
void pp_link_close(struct pp_link *l);

/* Hand the token to the other side (it must be @me's turn).  0 or PP_E*. */
int pp_pass(struct pp_link *l, enum pp_side me);
/* Wait for the token.  0 or PP_E*. */
int pp_await(struct pp_link *l, enum pp_side me);
/*
 * @me is done: the other side's wait ends in PP_EEOF (pipes: @me's sending
 * end is closed) or PP_ESTOP (futex).  Also what a failing side does, so
 * that its partner does not wait for ever.
 */
void pp_hangup(struct pp_link *l, enum pp_side me);

#define PP_UNTIL_STOP UINT64_MAX

/*
 * @n round trips seen from @me.  A: read its working set, pass, await.  B:
 * await, read its working set, pass.  @ws (NULL for none) is read one load
 * per 64-byte line of its @ws_bytes.  With @n = PP_UNTIL_STOP (side B),
 * answer until A hangs up, and return 0 then.  0 or PP_E*.
 */
int pp_rounds(struct pp_link *l, enum pp_side me, uint64_t n, const char *ws, size_t ws_bytes);

/* ---- timing a context switch (lat_ctx) ---- */

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
