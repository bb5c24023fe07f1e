// SPDX-License-Identifier: GPL-2.0
/*
 * serve.c - the reader loop's side of `pvtrace serve` (serve.h): final
 * records, snapshots, the pages handed to the HTTP server, process memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "fileio.h"
#include "metrics_expo.h"
#include "serve.h"
#include "vec.h"

void serve_on_event(void *ctx, const struct pvt_ev_hdr *hdr, const void *data, size_t size)
{
	struct serve_state *s = ctx;

	if (hdr->kind == PVT_EV_EXIT && size >= sizeof(struct pvt_ev_exit))
		metrics_task_ended(&s->m, &((const struct pvt_ev_exit *)data)->task);
}

static void add_task(void *ctx, const struct pvt_task *t)
{
	struct serve_state *s = ctx;

	if (VEC_PUSH(s->tasks, s->ntasks, s->cap_tasks, *t))
		s->dropped++;
}

int serve_read_mem(void *ctx, uint32_t pid, uint64_t out[MET_MEM__MAX])
{
	static const char *const key[MET_MEM__MAX] = {
		[MET_MEM_RESIDENT] = "VmRSS:", [MET_MEM_ANON] = "RssAnon:", [MET_MEM_FILE] = "RssFile:",
		[MET_MEM_SHMEM] = "RssShmem:", [MET_MEM_SWAP] = "VmSwap:", [MET_MEM_VIRTUAL] = "VmSize:",
		[MET_MEM_PAGE_TABLES] = "VmPTE:",
	};
	char path[40], buf[4096];

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	if (pvt_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (int i = 0; i < MET_MEM__MAX; i++) {
		if (!pvt_text_field(buf, key[i], &out[i]))
			return -1; /* a kernel thread: no memory of its own */
		out[i] *= 1024;
	}
	return 0;
}

const char *serve_cgroup_name(void *ctx, uint64_t id)
{
	return cgroup_names_path(ctx, id);
}

/* The programs' statistics, for the exposition (*out NULL: not enabled, or none). */
static size_t prog_stats(struct serve_state *s, struct pvt_prog_stats **raw, struct expo_prog **out)
{
	size_t n = 0;

	*raw = NULL;
	*out = NULL;
	if (!s->bpf_stats || tracer_prog_stats(s->tr, raw, &n) || !n)
		return 0;
	*out = calloc(n, sizeof(**out));
	if (!*out)
		return 0;
	for (size_t i = 0; i < n; i++)
		(*out)[i] = (struct expo_prog){ (*raw)[i].name, (*raw)[i].run_count,
						(*raw)[i].run_time_ns };
	return n;
}

/* Both expositions of the series as they are now: a page, or NULL out of memory. */
static struct http_page *render(struct serve_state *s, uint64_t mono_ns)
{
	struct http_page *p = calloc(1, sizeof(*p));
	uint64_t c[PVT_C__MAX];
	struct pvt_prog_stats *raw;
	struct expo_health h = { .counters = c, .snapshots = s->snapshots,
				 .snapshot_ns = s->snapshot_ns };

	if (!p)
		return NULL;
	tracer_read_counters(s->tr, c);
	h.userspace_lost = s->dropped + s->m.dropped;
	h.nprogs = prog_stats(s, &raw, (struct expo_prog **)&h.progs);
	p->mono_ns = mono_ns;
	for (int f = 0; f < OM__FORMATS; f++) {
		struct om_buf b = {};

		metrics_expo_write(&b, (enum om_format)f, &s->m, &h);
		p->text[f] = b.s;
		p->len[f] = b.len;
		if (b.oom || !b.s) {
			for (int g = 0; g <= f; g++)
				free(p->text[g]);
			free(p);
			p = NULL;
			break;
		}
	}
	free((void *)h.progs);
	free(raw);
	return p;
}

int serve_snapshot(struct serve_state *s)
{
	uint64_t mono = pvt_now_ns();
	struct http_page *p;

	s->ntasks = 0;
	tracer_for_each_task(s->tr, add_task, s);
	/* Final records that came before the map was read: this snapshot's (metrics.h). */
	tracer_consume(s->tr);
	metrics_snapshot(&s->m, s->tasks, s->ntasks, mono);
	s->snapshots++;
	s->snapshot_ns = pvt_now_ns() - mono;
	s->last_ns = mono;
	p = render(s, mono);
	if (!p) {
		if (!s->publish_warned)
			pvt_warn("serve: out of memory building the exposition: the last one is served");
		s->publish_warned = true;
		return -ENOMEM;
	}
	http_publish(s->http, p);
	return 0;
}

bool serve_poll(void *ctx)
{
	struct serve_state *s = ctx;

	if (http_wanted(s->http) || pvt_now_ns() - s->last_ns >= s->interval_ns)
		serve_snapshot(s);
	return false;
}

void serve_state_free(struct serve_state *s)
{
	metrics_free(&s->m);
	free(s->tasks);
	s->tasks = NULL;
	s->ntasks = s->cap_tasks = 0;
}
