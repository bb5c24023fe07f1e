// SPDX-License-Identifier: GPL-2.0
/*
 * spawn.c - creates tasks in every way the kernel offers, for pvtrace's tests.
 *
 *   spawn all            fork, vfork, posix_spawn, raw clone, a pthread, and a
 *                        grandchild (fork in a fork); children exit with
 *                        distinct codes: fork 11, vfork 12, posix_spawn (sh -c
 *                        'exit 13'), clone 14, grandchild 15, its parent 16
 *   spawn rename NAME    set this thread's name to NAME (any bytes) and exit 0
 *   spawn thread-exec    a non-leader thread execs /bin/true (the kernel gives
 *                        it the leader's tid)
 *   spawn migrate N      move itself N times between the first two allowed CPUs
 *                        (sched_setaffinity), spinning a little on each
 *
 * Prints one line per created task on stdout: "<how> <pid> <status>".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "parse.h"

extern char **environ;

static void die(const char *what)
{
	fprintf(stderr, "spawn: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void reap(const char *how, pid_t pid)
{
	int st;

	if (waitpid(pid, &st, __WALL) < 0)
		die("waitpid");
	printf("%s %d %d\n", how, (int)pid, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static int clone_child(void *arg)
{
	(void)arg;
	_exit(14);
}

static void *thread_fn(void *arg)
{
	(void)arg;
	return NULL;
}

static int do_all(void)
{
	char *sh_argv[] = { "sh", "-c", "exit 13", NULL };
	static char stack[64 * 1024];
	pthread_t th;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0)
		_exit(11);
	reap("fork", pid);

	pid = vfork();
	if (pid < 0)
		die("vfork");
	if (pid == 0)
		_exit(12);
	reap("vfork", pid);

	if ((errno = posix_spawn(&pid, "/bin/sh", NULL, NULL, sh_argv, environ)))
		die("posix_spawn");
	reap("posix_spawn", pid);

	pid = clone(clone_child, stack + sizeof(stack), SIGCHLD, NULL);
	if (pid < 0)
		die("clone");
	reap("clone", pid);

	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		pid_t g = fork();

		if (g < 0)
			_exit(1);
		if (g == 0)
			_exit(15);
		waitpid(g, NULL, 0);
		_exit(16);
	}
	reap("grandparent", pid);

	if ((errno = pthread_create(&th, NULL, thread_fn, NULL)))
		die("pthread_create");
	pthread_join(th, NULL);
	printf("pthread - 0\n");
	return 0;
}

static void *exec_fn(void *arg)
{
	char *argv[] = { "true", NULL };

	(void)arg;
	execve("/bin/true", argv, environ);
	die("execve");
	return NULL;
}

static int do_migrate(int n)
{
	int cpus[2], found = 0;
	cpu_set_t all, one;

	if (sched_getaffinity(0, sizeof(all), &all) < 0)
		die("sched_getaffinity");
	for (int c = 0; c < CPU_SETSIZE && found < 2; c++)
		if (CPU_ISSET(c, &all))
			cpus[found++] = c;
	if (found < 2) {
		fprintf(stderr, "spawn: migrate needs two CPUs\n");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		CPU_ZERO(&one);
		CPU_SET(cpus[i % 2], &one);
		if (sched_setaffinity(0, sizeof(one), &one) < 0)
			die("sched_setaffinity");
		for (volatile int k = 0; k < 100000; k++)
			;
	}
	printf("migrated %d\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "all"))
		return do_all();
	if (argc >= 3 && !strcmp(argv[1], "rename")) {
		if (prctl(PR_SET_NAME, argv[2]) < 0)
			die("prctl");
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "thread-exec")) {
		pthread_t th;

		if ((errno = pthread_create(&th, NULL, exec_fn, NULL)))
			die("pthread_create");
		pause();
		return 1;
	}
	if (argc >= 3 && !strcmp(argv[1], "migrate")) {
		uint64_t n;

		if (pvt_parse_u64(argv[2], 0, 1000000, &n)) {
			fprintf(stderr, "spawn: migrate: '%s' is not a number from 0 to 1000000\n",
				argv[2]);
			return 2;
		}
		return do_migrate((int)n);
	}
	fprintf(stderr, "usage: spawn all | rename NAME | thread-exec | migrate N\n");
	return 2;
}
