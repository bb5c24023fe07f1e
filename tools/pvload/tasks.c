// SPDX-License-Identifier: GPL-2.0
/* tasks.c - naming, pinning and reaping pvload's tasks (see pvload.h). */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "child.h"
#include "pvload.h"

void hold_until(uint64_t since_ns, uint64_t ms)
{
	uint64_t until = since_ns + ms * 1000000ull;
	struct timespec ts = { .tv_sec = (time_t)(until / 1000000000ull),
			       .tv_nsec = (long)(until % 1000000000ull) };
	int err;

	if (!ms)
		return;
	/* CLOCK_MONOTONIC: pvt_now_ns()'s clock */
	while ((err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)) == EINTR)
		;
	if (err)
		die(err, "clock_nanosleep");
}

void set_task_name(const char *name)
{
	if (prctl(PR_SET_NAME, name, 0, 0, 0) == -1)
		die(errno, "%s: prctl(PR_SET_NAME)", name);
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		die(errno, "calloc");
	return p;
}

/*
 * Reap child pid (named name for messages).  Returns true if it exited
 * with status 0, false (after printing why) otherwise.
 */
bool reap_child(pid_t pid, const char *name)
{
	int status;
	pid_t r;

	r = pvt_waitpid(pid, &status, 0);
	if (r == -1)
		die(errno, "waitpid(%d)", (int)pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	if (WIFEXITED(status))
		report(0, "%s (pid %d) exited with status %d", name, (int)pid,
		       WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		report(0, "%s (pid %d) was killed by signal %d (%s)", name,
		       (int)pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
	return false;
}

/*
 * Cleanup after a failed fork: kill and reap the children forked so far.
 * Entries <= 0 are slots not (yet) holding a child and are skipped; this
 * matters, as kill(0, ...) would signal our whole process group.
 */
void kill_children(const pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int status;

		if (pids[i] <= 0)
			continue;
		if (kill(pids[i], SIGKILL) == -1)
			report(errno, "kill(%d)", (int)pids[i]);
		pvt_waitpid(pids[i], &status, 0);
	}
}

/* ------------------------------------------------------------------------ */
/* pingpong                                                                 */
/* ------------------------------------------------------------------------ */

int pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

int nth_allowed_cpu(int n)
{
	cpu_set_t set;
	int count, seen = 0;

	if (sched_getaffinity(0, sizeof(set), &set) < 0 || !(count = CPU_COUNT(&set)))
		return -1;
	n %= count;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set) && seen++ == n)
			return cpu;
	return -1;
}

