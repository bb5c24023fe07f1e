// SPDX-License-Identifier: GPL-2.0
/*
 * seed.c - what the seed articles (docs/BENCH.md, "Sources") claim, for
 * pvbench to put beside its own figures: ranges for single results, and the
 * comparisons (process versus thread) they state without figures.
 *
 * Sources: "Threads vs. Processes" is the long comparison (its tables of
 * creation costs, IPC latency and memory per entity); "Understanding Process
 * vs Thread from the Ground Up" is the short introduction (its summary table:
 * creation cost high/low, context switching expensive/fast).
 * A result with no figure in the seeds has no reference: its verdict is
 * empty, never invented.
 */
#include <math.h>
#include <string.h>
#include "pvbench.h"

#define SEED_LONG "Threads vs. Processes"
#define SEED_SHORT "Understanding Process vs Thread from the Ground Up"

/* As docs/BENCH.md, "Sources", gives them (no address: the reports cite title and author). */
static const struct bench_source sources[] = {
	{ SEED_SHORT, "Vijay", "a 3-minute read", "the short introduction; its summary table's claims" },
	{ SEED_LONG, NULL, "a page of an online course", "the long comparison; its tables' figures" },
};

const struct bench_source *bench_sources(size_t *n)
{
	*n = sizeof(sources) / sizeof(sources[0]);
	return sources;
}

int bench_source_number(const char *title)
{
	for (size_t i = 0; title && i < sizeof(sources) / sizeof(sources[0]); i++)
		if (!strcmp(sources[i].title, title))
			return (int)i + 1;
	return 0;
}

static const struct {
	const char *name;
	struct bench_ref ref;
} refs[] = {
	{ "create.fork", { 50, 100, "fork() minimal child: 50-100 us", SEED_LONG } },
	{ "create.fork_1g", { 100, 300, "fork() large process (1GB): 100-300 us", SEED_LONG } },
	{ "create.fork_exec", { 200, 500, "fork() + exec(): 200-500 us", SEED_LONG } },
	{ "create.posix_spawn", { 200, 500, "fork() + exec(): 200-500 us", SEED_LONG } },
	{ "create.pthread_create", { 2, 10, "pthread_create(): 2-10 us", SEED_LONG } },
	{ "create.clone_thread", { 2, 10, "pthread_create(): 2-10 us", SEED_LONG } },
	/* "Latency: Process (IPC) microseconds to milliseconds" */
	{ "ipc.pipe_latency", { 1, 1000, "process IPC latency: microseconds to milliseconds", SEED_LONG } },
	{ "ipc.unix_socket_latency", { 1, 1000, "process IPC latency: microseconds to milliseconds", SEED_LONG } },
	{ "ipc.eventfd_latency", { 1, 1000, "process IPC latency: microseconds to milliseconds", SEED_LONG } },
	{ "ipc.shm_futex_latency", { 1, 1000, "process IPC latency: microseconds to milliseconds", SEED_LONG } },
	{ "ipc.mq_latency", { 1, 1000, "process IPC latency: microseconds to milliseconds", SEED_LONG } },
	/* "a stack ... typically only 4-12 KB actually allocated initially ... plus a small
	 * kernel structure (~2 KB)"; "Kernel memory per entity: ~2-8 KB / ~20-40 KB" */
	{ "memory.per_thread", { 6 * 1024, 14 * 1024,
				 "stack 4-12 KB resident + kernel structure ~2 KB", SEED_LONG } },
	{ "memory.per_thread_kernel", { 2 * 1024, 8 * 1024, "kernel memory per thread: ~2-8 KB",
					SEED_LONG } },
	{ "memory.per_process_kernel", { 20 * 1024, 40 * 1024,
					 "kernel memory per process: ~20-40 KB", SEED_LONG } },
};

const struct bench_ref *bench_ref_find(const char *name)
{
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
		if (!strcmp(refs[i].name, name))
			return &refs[i].ref;
	return NULL;
}

const char *bench_verdict(const struct bench_result *r)
{
	bool bytes = !strcmp(r->unit, BENCH_BYTES), higher_better = !strcmp(r->unit, BENCH_MBPS);

	if (!r->ref || isnan(r->median))
		return "";
	if (r->median < r->ref->lo)
		return bytes ? "smaller" : higher_better ? "slower" : "faster";
	if (r->median > r->ref->hi)
		return bytes ? "larger" : higher_better ? "faster" : "slower";
	return "inside";
}

/* The seeds' process-versus-thread claims: process figure / thread figure. */
static const struct bench_claim claims[] = {
	{ "create.fork", "create.pthread_create", "creating a process (fork) / a thread (pthread_create)",
	  "creation cost: process high, thread low", SEED_SHORT },
	{ "create.fork_exec", "create.pthread_create", "starting a program (fork + exec) / a thread",
	  "fork() + exec() 200-500 us, pthread_create() 2-10 us", SEED_LONG },
	{ "switch.pipe_processes_pinned", "switch.pipe_threads_pinned",
	  "a process switch / a thread switch (pipe, one CPU)",
	  "context switching: process expensive, thread fast", SEED_SHORT },
	{ "switch.futex_processes_pinned", "switch.futex_threads_pinned",
	  "a process switch / a thread switch (futex, one CPU)",
	  "context switching: process expensive, thread fast", SEED_SHORT },
	{ "memory.per_process", "memory.per_thread", "one more process / one more thread in memory",
	  "kernel memory ~20-40 KB per process, ~2-8 KB per thread", SEED_LONG },
	{ "scale.processes_10k", "scale.threads_10k", "10,000 processes / 10,000 threads, created and reaped",
	  "max typical count: threads 1,000-10,000, processes 100-1,000", SEED_LONG },
};

const struct bench_claim *bench_claims(size_t *n)
{
	*n = sizeof(claims) / sizeof(claims[0]);
	return claims;
}

double bench_claim_ratio(const struct bench_claim *c, const struct bench_results *rs)
{
	const struct bench_result *p = bench_find(rs, c->process), *t = bench_find(rs, c->thread);

	if (!p || !t || isnan(p->median) || isnan(t->median) || t->median <= 0)
		return NAN;
	return p->median / t->median;
}
