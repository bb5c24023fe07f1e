// SPDX-License-Identifier: GPL-2.0
/*
 * pairs.c - pvload's pingpong part: pairs of tasks (threads or processes)
 * bouncing a token over a link of lib/pingpong.c, ping as side A and pong
 * as side B, each exactly the part's rounds.  The main process only
 * creates the tasks and waits for them.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "clock.h"
#include "pingpong.h"
#include "pvload.h"

/*
 * Per-pair state seen by both members and the main process: a MAP_SHARED
 * mapping, so that forked members share the futex word and report their
 * timings back.  Each pair gets its own cache line(s).
 */
struct pp_pair {
	uint32_t turn;		/* the link's futex word */
	uint64_t start_ns;	/* ping's loop start (CLOCK_MONOTONIC) */
	uint64_t end_ns;	/* ping's loop end */
} __attribute__((aligned(64)));

/* One member of a pair: private to its task (a forked copy for a process). */
struct pp_task {
	struct pp_part *part;
	struct pp_pair *pair;
	struct pp_link link;		/* its own copy: it closes ends in it */
	bool is_ping;			/* side A */
	/* "ping-t0", ...; at most 11 chars with <= 1024 pairs (comm: 15) */
	char name[32];
};

static enum pp_side side(const struct pp_task *t)
{
	return t->is_ping ? PP_A : PP_B;
}

/*
 * A pair member failed: make its partner's wait end (pp_hangup: end of
 * file, or PP_TURN_STOP in the futex word), report, and exit.
 */
static void __attribute__((noreturn)) pp_fail(struct pp_task *t, int err, const char *what)
{
	pp_hangup(&t->link, side(t));
	die(err, "%s: %s", t->name, what);
}

/* The body of one pair member (thread or child process). */
static void pp_task_run(struct pp_task *t)
{
	const struct pp_part *p = t->part;
	uint64_t born = pvt_now_ns(), start;
	int e;

	if (prctl(PR_SET_NAME, t->name, 0, 0, 0) == -1)
		pp_fail(t, errno, "prctl(PR_SET_NAME)");
	if (p->pin >= 0 && pin_self(p->pin) == -1)
		pp_fail(t, errno, "sched_setaffinity");

	/*
	 * Exactly p->rounds round trips.  Ping's clock covers the whole loop;
	 * pong is started before ping so it is normally already waiting.
	 */
	start = pvt_now_ns();
	e = pp_rounds(&t->link, side(t), p->rounds, NULL, 0);
	if (e)
		pp_fail(t, errno, pp_strerror(e));
	if (t->is_ping) {
		t->pair->end_ns = pvt_now_ns();
		t->pair->start_ns = start;
	}
	hold_until(born, p->hold_ms); /* after the measured loop: its figures stay what they were */
}

static void *pp_thread_main(void *arg)
{
	pp_task_run(arg);
	return NULL;
}

/* Open pair i's link into both its members' copies and @parent's. */
static void pp_open_link(struct pp_part *p, struct pp_task *tasks, uint64_t i,
			 struct pp_link *parent)
{
	if (pp_link_open(parent, p->ipc == IPC_FUTEX, p->mode == MODE_PROCS, &p->pair[i].turn))
		die(errno, "pipe");
	tasks[2 * i].link = *parent;
	tasks[2 * i + 1].link = *parent;
}

/* --threads: create all pair members as threads, then join them. */
static void pp_run_threads(struct pp_part *p, struct pp_task *tasks)
{
	size_t ntasks = 2 * p->pairs;
	pthread_t *tids = xcalloc(ntasks, sizeof(*tids));
	struct pp_link *links = xcalloc(p->pairs, sizeof(*links));
	int err;

	for (uint64_t i = 0; i < p->pairs; i++)
		pp_open_link(p, tasks, i, &links[i]);

	/* tasks[2i] is ping, tasks[2i+1] pong; start pong first. */
	for (size_t k = 0; k < ntasks; k++) {
		size_t idx = k ^ 1;

		err = pthread_create(&tids[idx], NULL, pp_thread_main, &tasks[idx]);
		if (err)
			die(err, "pthread_create (%s)", tasks[idx].name);
	}
	for (size_t k = 0; k < ntasks; k++) {
		err = pthread_join(tids[k], NULL);
		if (err)
			die(err, "pthread_join (%s)", tasks[k].name);
	}
	for (uint64_t i = 0; i < p->pairs; i++)
		pp_link_close(&links[i]);
	free(links);
	free(tids);
	p->ok = true;
}

/*
 * --procs: fork all pair members, then reap them.  The pipes of a pair are
 * created just before its two children are forked and closed in the parent
 * right after, so no child holds another pair's pipe ends.
 */
static void pp_run_procs(struct pp_part *p, struct pp_task *tasks)
{
	size_t ntasks = 2 * p->pairs;
	pid_t *pids = xcalloc(ntasks, sizeof(*pids));	/* 0: not forked */

	for (uint64_t i = 0; i < p->pairs; i++) {
		struct pp_link parent;

		if (pp_link_open(&parent, p->ipc == IPC_FUTEX, true, &p->pair[i].turn)) {
			int err = errno;

			kill_children(pids, ntasks);
			die(err, "pipe");
		}
		tasks[2 * i].link = tasks[2 * i + 1].link = parent;
		/* pong (2i+1) first, then ping (2i) */
		for (int m = 1; m >= 0; m--) {
			size_t idx = 2 * i + (size_t)m;
			pid_t pid = fork();

			if (pid == -1) {
				int err = errno;

				kill_children(pids, ntasks);
				die(err, "fork (%s)", tasks[idx].name);
			}
			if (pid == 0) {
				in_child = true;
				pp_link_keep(&tasks[idx].link, side(&tasks[idx]));
				pp_task_run(&tasks[idx]);
				_exit(0);
			}
			pids[idx] = pid;
		}
		pp_link_close(&parent);
	}

	/*
	 * A failing member makes its partner fail too (end of file or
	 * PP_TURN_STOP), so every child terminates and reaping in order cannot
	 * hang.
	 */
	p->ok = true;
	for (size_t k = 0; k < ntasks; k++)
		if (!reap_child(pids[k], tasks[k].name))
			p->ok = false;
	free(pids);
}

/* Elapsed: the earliest start to the latest end; the mean of the pairs' ns per round trip. */
static void pp_results(struct pp_part *p)
{
	uint64_t first = UINT64_MAX, last = 0;
	double sum_per_rt = 0;

	for (uint64_t i = 0; i < p->pairs; i++) {
		const struct pp_pair *pair = &p->pair[i];

		if (pair->start_ns < first)
			first = pair->start_ns;
		if (pair->end_ns > last)
			last = pair->end_ns;
		sum_per_rt += (double)(pair->end_ns - pair->start_ns) / (double)p->rounds;
	}
	p->elapsed_ns = last - first;
	p->ns_per_roundtrip = sum_per_rt / (double)p->pairs;
}

void pp_part_run(struct pp_part *p)
{
	size_t map_len = p->pairs * sizeof(struct pp_pair);
	struct pp_task *tasks = xcalloc(2 * p->pairs, sizeof(*tasks));
	char kind = p->mode == MODE_THREADS ? 't' : 'p';

	p->pair = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p->pair == MAP_FAILED)
		die(errno, "mmap (%zu bytes)", map_len);
	/* Fresh anonymous memory is zero: times 0 (the links set the turn). */

	for (uint64_t i = 0; i < p->pairs; i++) {
		for (int m = 0; m < 2; m++) {
			struct pp_task *t = &tasks[2 * i + (uint64_t)m];

			t->part = p;
			t->pair = &p->pair[i];
			t->is_ping = (m == 0);
			snprintf(t->name, sizeof(t->name), "%s-%c%" PRIu64,
				 t->is_ping ? "ping" : "pong", kind, i);
		}
	}

	if (p->mode == MODE_THREADS)
		pp_run_threads(p, tasks);
	else
		pp_run_procs(p, tasks);
	if (p->ok)
		pp_results(p);

	if (munmap(p->pair, map_len) == -1)
		die(errno, "munmap");
	p->pair = NULL;
	free(tasks);
}

void pp_print_summary(const struct pp_part *p)
{
	char pin[16] = "none";

	if (p->pin >= 0)
		snprintf(pin, sizeof(pin), "%d", p->pin);
	printf("pingpong %s pairs=%" PRIu64 " rounds=%" PRIu64
	       " elapsed_ns=%" PRIu64 " ns_per_roundtrip=%.1f ipc=%s pin=%s\n",
	       mode_name(p->mode), p->pairs, p->rounds, p->elapsed_ns,
	       p->ns_per_roundtrip, p->ipc == IPC_PIPE ? "pipe" : "futex", pin);
}
