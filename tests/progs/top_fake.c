// SPDX-License-Identifier: GPL-2.0
/*
 * top_fake.c - the live view (user/top.c) on a synthetic source, to drive it
 * without BPF (tests/kernel/test_top_fake.py, by hand in tmux).  Not installed.
 *
 * Two processes in two cgroups, counts growing at known rates (per second of
 * CLOCK_MONOTONIC since the start, so every interval's rates are these):
 *   alpha (pid 1000, cgroup /fake/a): threads 1000 "alpha", 1001..1003
 *     "alpha-w1".."alpha-w3"; thread i: 100 * (i + 1) voluntary/s, 10 * (i + 1)
 *     involuntary/s, switch-ins 90% from its own process, 10% from idle; 5% of a CPU.
 *   beta (pid 2000, cgroup /fake/b): threads 2000 "beta", 2001 "beta-w1": each 20
 *     voluntary/s, switch-ins all from another process, each one an address-space
 *     change; 40% of a CPU each.
 * RSS: pid MiB.  Every run-queue wait is 1000 ns.
 *
 *	top_fake [-b] [-f text|json] [-n N] [-d SECS] [-H] [-g] [--exit-after SECS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/timerfd.h>
#include "clock.h"
#include "hist.h"
#include "top.h"

#define NTASKS 6

struct fake {
	uint64_t t0;
	double exit_after;	/* seconds; 0: never */
	int timer;		/* a 100 ms timerfd: the source's own fd */
	uint64_t ticks;
	struct pvt_task tasks[NTASKS];
};

static const struct {
	uint32_t tid, pid;
	const char *comm;
	uint64_t cgroup;
	double vol, invol, same, other, idle, as, cpu;	/* per second; cpu: fraction of one */
} spec[NTASKS] = {
	{ 1000, 1000, "alpha", 1, 100, 10, 99, 0, 11, 0, 0.05 },
	{ 1001, 1000, "alpha-w1", 1, 200, 20, 198, 0, 22, 0, 0.05 },
	{ 1002, 1000, "alpha-w2", 1, 300, 30, 297, 0, 33, 0, 0.05 },
	{ 1003, 1000, "alpha-w3", 1, 400, 40, 396, 0, 44, 0, 0.05 },
	{ 2000, 2000, "beta", 2, 20, 0, 0, 20, 0, 20, 0.40 },
	{ 2001, 2000, "beta-w1", 2, 20, 0, 0, 20, 0, 20, 0.40 },
};

static int snap(void *ctx, struct top_snap *out)
{
	struct fake *f = ctx;
	uint64_t now = pvt_now_ns();
	double s = (double)(now - f->t0) / 1e9;

	for (int i = 0; i < NTASKS; i++) {
		struct pvt_task *t = &f->tasks[i];

		t->tid = spec[i].tid;
		t->pid = spec[i].pid;
		t->start_time = 1;
		t->leader_start_time = 1;
		t->cgroup_id = spec[i].cgroup;
		snprintf(t->comm, sizeof(t->comm), "%s", spec[i].comm);
		t->sw_vol = (uint64_t)(spec[i].vol * s);
		t->sw_invol = (uint64_t)(spec[i].invol * s);
		t->sw_from[PVT_FROM_SAME_PROCESS] = (uint64_t)(spec[i].same * s);
		t->sw_from[PVT_FROM_OTHER_PROCESS] = (uint64_t)(spec[i].other * s);
		t->sw_from[PVT_FROM_IDLE] = (uint64_t)(spec[i].idle * s);
		t->sw_in = t->sw_from[0] + t->sw_from[1] + t->sw_from[2];
		t->sw_as_change = (uint64_t)(spec[i].as * s);
		t->oncpu_ns = (uint64_t)(spec[i].cpu * s * 1e9);
		t->runq_hist[hist_bucket_of(1000)] = (uint32_t)t->sw_in;
	}
	*out = (struct top_snap){ .mono_ns = now, .tasks = f->tasks, .n = NTASKS };
	return 0;
}

static void on_timer(void *ctx)
{
	struct fake *f = ctx;
	uint64_t n;

	if (read(f->timer, &n, sizeof(n)) == sizeof(n))
		f->ticks += n;
}

static bool done(void *ctx)
{
	struct fake *f = ctx;

	return f->exit_after > 0 && (double)(pvt_now_ns() - f->t0) / 1e9 >= f->exit_after;
}

static const char *path(void *ctx, uint64_t id)
{
	return id == 1 ? "/fake/a" : id == 2 ? "/fake/b" : NULL;
}

static uint64_t rss(void *ctx, uint32_t pid)
{
	return (uint64_t)pid << 20;
}

static int usage(void)
{
	fprintf(stderr, "usage: top_fake [-b] [-f text|json] [-n N] [-d SECS] [-H] [-g] "
			"[--exit-after SECS]\n");
	return 2;
}

static int parse(int argc, char **argv, struct top_opts *o, struct fake *f)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-b"))
			o->batch = true;
		else if (!strcmp(a, "-H"))
			o->threads = true;
		else if (!strcmp(a, "-g"))
			o->by = TOP_BY_CGROUP;
		else if (!strcmp(a, "-f") && v && (!strcmp(v, "json") || !strcmp(v, "text")))
			o->json = !strcmp(argv[++i], "json");
		else if (!strcmp(a, "-n") && v)
			o->iterations = atoi(argv[++i]);
		else if (!strcmp(a, "-d") && v)
			o->delay_s = atof(argv[++i]);
		else if (!strcmp(a, "--exit-after") && v)
			f->exit_after = atof(argv[++i]);
		else
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct itimerspec its = { { 0, 100000000 }, { 0, 100000000 } };
	struct fake f = { .t0 = pvt_now_ns() };
	struct top_source src = { .ctx = &f, .snapshot = snap, .on_fd = on_timer, .done = done };
	struct top_opts o;
	int err;

	top_opts_init(&o);
	o.env = (struct top_env){ .cgroup_path = path, .rss = rss };
	if (parse(argc, argv, &o, &f))
		return usage();
	f.timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (f.timer < 0 || timerfd_settime(f.timer, 0, &its, NULL)) {
		perror("top_fake: timerfd");
		return 1;
	}
	src.fd = f.timer;
	err = top_run(&src, &o, stdout);
	close(f.timer);
	if (err) {
		fprintf(stderr, "top_fake: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
