// SPDX-License-Identifier: GPL-2.0
/*
 * top_source.c - the tracer as a source of snapshots for the live view
 * (top_source.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "status.h"
#include "top_source.h"

void top_src_init(struct top_tracer_src *s)
{
	memset(s, 0, sizeof(*s));
	s->cg_events_fd = -1;
	s->cmd_pidfd = -1;
}

/* Append @t to *v (grown by doubling).  0 or -ENOMEM. */
static int push(struct pvt_task **v, size_t *n, size_t *cap, const struct pvt_task *t)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		struct pvt_task *nv = realloc(*v, ncap * sizeof(**v));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = *t;
	return 0;
}

void top_src_on_event(void *ctx, const struct pvt_ev_hdr *hdr, const void *data, size_t size)
{
	struct top_tracer_src *s = ctx;

	if (s->rs)
		run_on_event(s->rs, hdr, data, size);
	if (s->closed || hdr->kind != PVT_EV_EXIT || size < sizeof(struct pvt_ev_exit))
		return;
	if (push(&s->ended, &s->n_ended, &s->cap_ended, &((const struct pvt_ev_exit *)data)->task))
		s->dropped++;
}

static void add_task(void *ctx, const struct pvt_task *t)
{
	struct top_tracer_src *s = ctx;

	if (push(&s->tasks, &s->n, &s->cap, t))
		s->dropped++;
}

static int snapshot(void *ctx, struct top_snap *out)
{
	struct top_tracer_src *s = ctx;
	uint64_t c[PVT_C__MAX], now = pvt_now_ns();

	tracer_sys_hooks_tick(s->tr, now);
	if (s->rs && s->interval_ms && now - s->last_sample_ns >= s->interval_ms * 1000000ull) {
		run_sample_memory(s->rs);
		s->last_sample_ns = now;
	}
	memset(out, 0, sizeof(*out));
	out->mono_ns = pvt_now_ns();
	s->n = 0;
	tracer_for_each_task(s->tr, add_task, s);
	/* The final records that came before the map was read belong to this interval. */
	tracer_consume(s->tr);
	/* hand the accumulated final records over; the previous ones are freed */
	free(s->ended_out);
	s->ended_out = s->ended;
	s->n_ended_out = s->n_ended;
	s->ended = NULL;
	s->n_ended = s->cap_ended = 0;
	tracer_read_counters(s->tr, c);
	out->tasks = s->tasks;
	out->n = s->n;
	out->ended = s->ended_out;
	out->n_ended = s->n_ended_out;
	out->lost_events = pvt_lost_events(c) + s->dropped;
	/* created untracked, or running and not registered: the map was full either way */
	out->untracked = pvt_untracked_tasks(c) + c[PVT_C_ATTACH_FULL];
	return 0;
}

static void on_fd(void *ctx)
{
	struct top_tracer_src *s = ctx;

	tracer_consume(s->tr);
	tracer_sys_hooks_tick(s->tr, pvt_now_ns());
}

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return fd >= 0 && poll(&p, 1, 0) == 1;
}

static bool done(void *ctx)
{
	struct top_tracer_src *s = ctx;
	size_t alive = 0;

	if (s->cmd_pidfd >= 0)
		return readable(s->cmd_pidfd);
	if (s->cg_events_fd >= 0)
		return run_cgroup_populated(s->cg_events_fd) == 0;
	for (size_t i = 0; i < s->npidfds; i++)
		alive += !readable(s->pidfds[i]);
	return s->npidfds && !alive;
}

struct top_source top_src_source(struct top_tracer_src *s)
{
	return (struct top_source){
		.ctx = s, .snapshot = snapshot, .fd = tracer_epoll_fd(s->tr), .on_fd = on_fd,
		.done = done,
	};
}

void top_src_free(struct top_tracer_src *s)
{
	free(s->tasks);
	free(s->ended);
	free(s->ended_out);
	memset(s, 0, sizeof(*s));
}
