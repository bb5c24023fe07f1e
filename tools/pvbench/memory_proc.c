// SPDX-License-Identifier: GPL-2.0
/*
 * memory_proc.c - the memory suite's view of the kernel's counters: the
 * measuring process's Rss, /proc/meminfo's KernelStack, Slab and
 * PageTables, the tasks created and alive, and waiting for them to settle
 * after tasks ended (see memory.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "fileio.h"
#include "memory.h"
#include "parse.h"

/* The value of the line "@key <number> kB" in @buf, in bytes; -1 if absent. */
static double kb_field(const char *buf, const char *key)
{
	uint64_t v;

	return pvt_text_field(buf, key, &v) ? (double)v * 1024.0 : -1;
}

/* The "processes" line of /proc/stat: tasks created since boot; -1 if unknown. */
static long long read_forks(void)
{
	char buf[4096];
	size_t len = 0, rem;
	long long v = -1;
	int fd, skip = 0;
	char *p, *nl;
	ssize_t k;

	fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (;;) {
		k = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
		buf[len] = '\0';
		for (p = buf; (nl = memchr(p, '\n', (size_t)(buf + len - p))); p = nl + 1) {
			if (!skip && !strncmp(p, "processes ", 10)) {
				const char *q = p + 10;
				uint64_t n;

				if (pvt_scan_u64(&q, &n))
					v = (long long)n;
				goto out;
			}
			skip = 0;
		}
		rem = (size_t)(buf + len - p);
		if (rem == sizeof(buf) - 1) {
			/* A line longer than buf (intr): drop it up to its newline. */
			skip = 1;
			len = 0;
		} else {
			memmove(buf, p, rem);
			len = rem;
		}
	}
out:
	close(fd);
	return v;
}

/* Fold the per-CPU vmstat deltas into the global counters (root only); 1 if done. */
static int stat_refresh(void)
{
	char c;
	int fd = open("/proc/sys/vm/stat_refresh", O_RDONLY | O_CLOEXEC);
	ssize_t k;

	if (fd < 0)
		return 0;
	do
		k = read(fd, &c, 1);
	while (k < 0 && errno == EINTR);
	close(fd);
	return k >= 0;
}

/* KernelStack, Slab and PageTables of /proc/meminfo into @st; 0, or -1 with @err. */
static int read_meminfo(struct mem_state *st, char *err, size_t errsz)
{
	char buf[8192];

	if (pvt_read_file("/proc/meminfo", buf, sizeof(buf)) < 0) {
		snprintf(err, errsz, "cannot read /proc/meminfo: %s", strerror(errno));
		return -1;
	}
	st->kstack = kb_field(buf, "KernelStack:");
	st->slab = kb_field(buf, "Slab:");
	st->pgtab = kb_field(buf, "PageTables:");
	if (st->kstack < 0 || st->slab < 0 || st->pgtab < 0) {
		snprintf(err, errsz, "/proc/meminfo has no KernelStack, Slab or PageTables");
		return -1;
	}
	return 0;
}

int read_state(struct mem_state *st, bool before, int *exact, char *err, size_t errsz)
{
	char buf[4096];

	if (before) {
		st->forks = read_forks();
		st->tasks = bench_tasks_alive();
	}
	errno = 0;
	if (pvt_read_file("/proc/self/smaps_rollup", buf, sizeof(buf)) < 0 ||
	    (st->rss = kb_field(buf, "Rss:")) < 0) {
		snprintf(err, errsz, "cannot read Rss from /proc/self/smaps_rollup: %s",
			 strerror(errno ? errno : EINVAL));
		return -1;
	}
	*exact = stat_refresh();
	if (read_meminfo(st, err, errsz))
		return -1;
	if (!before) {
		st->forks = read_forks();
		st->tasks = bench_tasks_alive();
	}
	return 0;
}

void state_delta(struct mem_msg *m, const struct mem_state *b, const struct mem_state *a,
		 unsigned int n, double user_extra)
{
	m->part[PART_USER] = a->rss - b->rss + user_extra;
	m->part[PART_KSTACK] = a->kstack - b->kstack;
	m->part[PART_SLAB] = a->slab - b->slab;
	m->part[PART_PGTAB] = a->pgtab - b->pgtab;
	m->disturbed = b->forks >= 0 && a->forks >= 0 && b->tasks >= 0 && a->tasks >= 0 &&
		       (a->forks - b->forks != n || a->tasks - b->tasks != n);
	/*
	 * Adding tasks cannot shrink the kernel's memory: if it shrank, the
	 * kernel freed something else inside the window (slabs released late,
	 * the last of an earlier measurement's tasks).
	 */
	if (m->part[PART_KSTACK] + m->part[PART_SLAB] + m->part[PART_PGTAB] < 0)
		m->disturbed = 1;
}

void sleep_ns(long ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000L, .tv_nsec = ns % 1000000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* KernelStack + Slab + PageTables in bytes, exact (1) or not (0); -1 if unreadable. */
static int kernel_total(double *v)
{
	struct mem_state st;
	int exact = stat_refresh();
	char err[8];

	if (read_meminfo(&st, err, sizeof(err)))
		return -1;
	*v = st.kstack + st.slab + st.pgtab;
	return exact;
}

/*
 * Let the kernel finish freeing the tasks that just ended: their task_struct,
 * mm and the rest go after one or more RCU grace periods, tens of ms.  Wait
 * MEM_SETTLE_MIN_NS, then, if the counters are exact, until they change by
 * less than MEM_SETTLE_STEP_BYTES in MEM_SETTLE_STEP_NS (MEM_SETTLE_MAX_NS at
 * most); if they are not, MEM_SETTLE_BLIND_NS in all.
 */
void settle(void)
{
	uint64_t end = pvt_now_ns() + MEM_SETTLE_MAX_NS;
	double prev, cur;

	sleep_ns(MEM_SETTLE_MIN_NS);
	if (kernel_total(&prev) != 1) {
		sleep_ns(MEM_SETTLE_BLIND_NS - MEM_SETTLE_MIN_NS);
		return;
	}
	while (pvt_now_ns() < end) {
		sleep_ns(MEM_SETTLE_STEP_NS);
		if (kernel_total(&cur) != 1)
			return;
		if (cur - prev < MEM_SETTLE_STEP_BYTES && prev - cur < MEM_SETTLE_STEP_BYTES)
			return;
		prev = cur;
	}
}


long self_threads(void)
{
	char buf[16384];
	uint64_t v;

	if (pvt_read_file("/proc/self/status", buf, sizeof(buf)) < 0 ||
	    !pvt_text_field(buf, "Threads:", &v))
		return -1;
	return (long)v;
}

double private_bytes(pid_t pid, char *err, size_t errsz)
{
	char path[64], buf[4096];
	double c, d;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	errno = 0;
	if (pvt_read_file(path, buf, sizeof(buf)) < 0 ||
	    (c = kb_field(buf, "Private_Clean:")) < 0 ||
	    (d = kb_field(buf, "Private_Dirty:")) < 0) {
		snprintf(err, errsz, "cannot read Private_* from %s: %s", path,
			 strerror(errno ? errno : EINVAL));
		return -1;
	}
	return c + d;
}
