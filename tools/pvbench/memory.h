/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memory.h - the memory suite's parts (memory.c says what it measures):
 *   memory.c        the suite: runs, the measuring child, the results
 *   memory_proc.c   the kernel's counters: /proc reads, settling after exits
 *   memory_tasks.c  the idle threads and idle processes measured
 */
#ifndef PVBENCH_MEMORY_H
#define PVBENCH_MEMORY_H

#include <stdbool.h>
#include <sys/types.h>
#include "pvbench.h"

#define MEM_READY_MS 20000   /* the tasks must all be ready by then */
#define MEM_CHILD_MS 60000   /* the measuring child must answer by then */
#define MEM_SETTLE_MIN_NS 25000000L   /* settle(): see there */
#define MEM_SETTLE_STEP_NS 10000000L
#define MEM_SETTLE_STEP_BYTES (64 * 1024)
#define MEM_SETTLE_MAX_NS 1000000000ull
#define MEM_SETTLE_BLIND_NS 50000000L
#define MEM_TRIES 5          /* measurements of one figure while disturbed */
#define MEM_RETRY_QUICK_NS 3000000000LL /* time the suite may spend measuring again */
#define MEM_RETRY_FULL_NS 30000000000LL

enum { KIND_THREAD, KIND_PROC };

/* The parts of a measurement, in bytes. */
enum { PART_USER, PART_KSTACK, PART_SLAB, PART_PGTAB, NPART };

/* What the measuring child sends back. */
struct mem_msg {
	int ok;
	int exact;             /* stat_refresh worked: the meminfo counters were exact */
	int disturbed;         /* other tasks were created or ended meanwhile */
	double part[NPART];    /* bytes added, all N tasks together */
	char err[160];
};

struct mem_state {
	double rss, kstack, slab, pgtab; /* bytes */
	long long forks, tasks;          /* tasks ever created, alive (-1: unknown) */
};


/* ---- memory_proc.c ---- */

/*
 * The measuring process's Rss, then the kernel counters.  The task counters
 * are read before /proc/meminfo when @before, after it otherwise, so that
 * their window encloses the meminfo one.  0 or -1 with @err.
 */
int read_state(struct mem_state *st, bool before, int *exact, char *err, size_t errsz);
/* @m = after - before; disturbed if tasks other than our @n were created or ended. */
void state_delta(struct mem_msg *m, const struct mem_state *b, const struct mem_state *a,
		 unsigned int n, double user_extra);
/* Let the kernel finish freeing the tasks that just ended (see there). */
void settle(void);
void sleep_ns(long ns);
/* The threads of this process (/proc/self/status); -1 if unknown. */
long self_threads(void);
/* Private_Clean + Private_Dirty of process @pid in bytes; -1 (and @err) if unreadable. */
double private_bytes(pid_t pid, char *err, size_t errsz);

/* ---- memory_tasks.c: 0, or -1 with the reason in m->err ---- */

int measure_threads(unsigned int n, struct mem_msg *m);
/* @res: the descriptor the children answer on (see there). */
int measure_procs(unsigned int n, int res, struct mem_msg *m);

#endif /* PVBENCH_MEMORY_H */
