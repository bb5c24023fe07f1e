// SPDX-License-Identifier: GPL-2.0
/*
 * forktree.c - creates an exact tree of tasks and says how many, for pvtrace's
 * tests of what it tracks and counts (the task map full, untracked descendants).
 *
 *   forktree [-c C] [-s MS] LEVEL...
 *
 * Each LEVEL is N followed by p (N processes, fork) or t (N threads,
 * pthread_create).  The command is level 0; each task of level k creates the
 * N children of LEVEL k+1, at most C alive at a time (C created, then all C
 * reaped, and so on; default: all N at once), and waits for them; a task of
 * the last level sleeps MS milliseconds (default 0) and exits.  A thread of
 * a level creates its children itself (a thread that forks: the child process
 * is the next level).  The children of a batch wait at a gate (a futex in
 * shared memory) until their creator has created the whole batch: so a task
 * creates its children before any of them creates its own, and which tasks
 * exist when does not depend on the scheduler (with MS long enough that no
 * leaf exits before the last creation).
 *
 * Every creation is checked: any failure anywhere makes the command exit 1.
 * On success it prints "created N" on stdout: the tasks it created, the
 * command itself not included (the sum over levels of the product of the
 * counts so far), e.g. `forktree 6p 2p` creates 6 + 6 * 2 = 18.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_LEVELS 8
#define THREAD_STACK (64 * 1024)

static struct {
	uint64_t n;
	int threads;
} levels[MAX_LEVELS];
static int nlevels;
static uint64_t batch_max; /* 0: all at once */
static long sleep_ms;

static void usage(void)
{
	fprintf(stderr, "usage: forktree [-c C] [-s MS] N{p|t}...\n");
	exit(2);
}

static void fail(const char *what, int err)
{
	fprintf(stderr, "forktree: %s: %s\n", what, strerror(err));
}

static int node(int level);

/* The gate of the batch being created: shared by the creator's threads and children. */
struct gate {
	int open;
	int level;
};

static void gate_wait(struct gate *g)
{
	while (!__atomic_load_n(&g->open, __ATOMIC_ACQUIRE))
		syscall(SYS_futex, &g->open, FUTEX_WAIT, 0, NULL, NULL, 0);
}

static void gate_open(struct gate *g)
{
	__atomic_store_n(&g->open, 1, __ATOMIC_RELEASE);
	syscall(SYS_futex, &g->open, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
}

static void *thread_main(void *arg)
{
	struct gate *g = arg;

	gate_wait(g);
	return (void *)(intptr_t)node(g->level);
}

/* Create the children of a task of @level (level + 1 exists), @batch at a time; 0 or 1. */
static int children(int level)
{
	uint64_t n = levels[level + 1].n, b = batch_max && batch_max < n ? batch_max : n;
	int threads = levels[level + 1].threads, rc = 0;
	pthread_t *tids = NULL;
	pid_t *pids = NULL;
	pthread_attr_t attr;

	if (threads) {
		tids = calloc(b, sizeof(*tids));
		if (!tids || pthread_attr_init(&attr) ||
		    pthread_attr_setstacksize(&attr, THREAD_STACK)) {
			fail("thread setup", ENOMEM);
			return 1;
		}
	} else {
		pids = calloc(b, sizeof(*pids));
		if (!pids) {
			fail("calloc", ENOMEM);
			return 1;
		}
	}
	for (uint64_t done = 0; done < n;) {
		uint64_t k, made = 0, batch = n - done < b ? n - done : b;
		struct gate *g = mmap(NULL, sizeof(*g), PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		if (g == MAP_FAILED) {
			fail("mmap", errno);
			rc = 1;
			break;
		}
		g->level = level + 1;
		for (k = 0; k < batch; k++, made++) {
			if (threads) {
				int err = pthread_create(&tids[k], &attr, thread_main, g);

				if (err) {
					fail("pthread_create", err);
					break;
				}
			} else {
				pid_t pid = fork();

				if (pid < 0) {
					fail("fork", errno);
					break;
				}
				if (pid == 0) {
					gate_wait(g);
					_exit(node(level + 1));
				}
				pids[k] = pid;
			}
		}
		gate_open(g);
		if (made < batch)
			rc = 1;
		for (k = 0; k < made; k++) {
			if (threads) {
				void *ret;

				if (pthread_join(tids[k], &ret) || ret)
					rc = 1;
			} else {
				int st;

				if (waitpid(pids[k], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
					rc = 1;
			}
		}
		munmap(g, sizeof(*g));
		if (rc)
			break;
		done += batch;
	}
	if (threads)
		pthread_attr_destroy(&attr);
	free(tids);
	free(pids);
	return rc;
}

static int node(int level)
{
	if (level + 1 < nlevels)
		return children(level);
	if (sleep_ms) {
		struct timespec ts = { sleep_ms / 1000, (sleep_ms % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	return 0;
}

static uint64_t number(const char *s, char **end)
{
	unsigned long long v;

	errno = 0;
	v = strtoull(s, end, 10);
	if (errno || *end == s || v == 0 || v > 100000000ull)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	uint64_t total = 0, width = 1;
	char *end;
	int opt;

	while ((opt = getopt(argc, argv, "c:s:")) != -1) {
		if (opt == 'c') {
			batch_max = number(optarg, &end);
		} else if (opt == 's') {
			sleep_ms = (long)number(optarg, &end);
		} else {
			usage();
		}
		if (*end)
			usage();
	}
	/* Level 0 is the command itself. */
	nlevels = 1;
	for (int i = optind; i < argc; i++) {
		if (nlevels == MAX_LEVELS)
			usage();
		levels[nlevels].n = number(argv[i], &end);
		if (strcmp(end, "p") && strcmp(end, "t"))
			usage();
		levels[nlevels++].threads = *end == 't';
	}
	if (nlevels < 2)
		usage();
	for (int l = 1; l < nlevels; l++) {
		width *= levels[l].n;
		total += width;
	}
	if (node(0))
		return 1;
	printf("created %llu\n", (unsigned long long)total);
	return 0;
}
