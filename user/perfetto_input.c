// SPDX-License-Identifier: GPL-2.0
/*
 * perfetto_input.c - a recording read for `pvtrace perfetto`
 * (perfetto_input.h): the scheduling events sorted by time, one record per
 * traced task merged from its creation, exit and end-of-trace records, and
 * the timed facts perfetto.c writes besides the events.
 *
 * Times are adjusted here, where the whole recording is known, so that the
 * trace's importer meets them in an order it can follow: a task's exit comes
 * after its last scheduling event (the exit record is stamped before the final
 * switch it rides on), a leader's end after its whole thread group's (its end
 * ends the process), a process's RSS samples within its life.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "perfetto_input.h"
#include "vec.h"

#define PF_MAX_CPUS 1024 /* Perfetto's importer takes no CPU beyond */

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static void copy_text(char *dst, size_t sz, const uint8_t *d, uint32_t len)
{
	size_t n = len < sz - 1 ? len : sz - 1;

	memcpy(dst, d, n);
	dst[n] = '\0';
}

static int add_arg(struct pf_input *in, const uint8_t *d, uint32_t len)
{
	char **nv = realloc(in->argv, (in->argc + 2) * sizeof(*nv));
	char *s = malloc((size_t)len + 1);

	if (nv)
		in->argv = nv;
	if (!nv || !s) {
		free(s);
		return -ENOMEM;
	}
	memcpy(s, d, len);
	s[len] = '\0';
	in->argv[in->argc++] = s;
	in->argv[in->argc] = NULL;
	return 0;
}

static int on_info(void *ctx, uint32_t kind, const uint8_t *d, uint32_t len, char *err,
		   size_t errlen)
{
	struct pf_input *in = ctx;

	if (kind == PVT_INFO_ARG && add_arg(in, d, len))
		return fail(err, errlen, "out of memory");
	if (kind == PVT_INFO_KERNEL)
		copy_text(in->kernel, sizeof(in->kernel), d, len);
	if (kind == PVT_INFO_ARCH)
		copy_text(in->arch, sizeof(in->arch), d, len);
	if (kind == PVT_INFO_NCPUS && len == 4)
		memcpy(&in->ncpus, d, 4);
	if (kind == PVT_INFO_START && len == sizeof(in->start)) {
		memcpy(&in->start, d, len);
		in->have_start = true;
	}
	if (kind == PVT_INFO_BOOTTIME && len == sizeof(in->boot)) {
		memcpy(&in->boot, d, len);
		in->have_boot = true;
	}
	return 0;
}

/* ---- tasks ---- */

static int push_task(struct pf_input *in, struct pf_task *t)
{
	t->seq = in->seq++;
	return VEC_PUSH(in->tasks, in->ntasks, in->taskcap, *t);
}

/* A task's whole record (exit, or a map read at the end) as a pf_task. */
static void from_record(struct pf_task *t, const struct pvt_task *r, uint32_t flags)
{
	memset(t, 0, sizeof(*t));
	t->tid = r->tid;
	t->pid = r->pid;
	t->ppid = r->ppid;
	t->parent_tid = r->parent_tid;
	t->clone_flags = r->clone_flags;
	t->flags = flags | PF_T_FINAL;
	if (r->flags & PVT_F_BORN) {
		t->flags |= PF_T_BORN;
		t->create_ts = r->create_kt; /* the child's start_time: CLOCK_MONOTONIC */
	}
	if (r->flags & PVT_F_ROOT)
		t->flags |= PF_T_ROOT;
	memcpy(t->comm, r->comm, PVT_COMM_LEN);
	memcpy(t->comm_first, r->comm_first, PVT_COMM_LEN);
	t->comm[PVT_COMM_LEN - 1] = t->comm_first[PVT_COMM_LEN - 1] = '\0';
}

static int on_create(struct pf_input *in, const struct pvt_ev_create *e)
{
	struct pf_task t = {
		.tid = e->tid, .pid = e->pid, .ppid = e->ppid, .parent_tid = e->parent_tid,
		.flags = PF_T_CREATE | PF_T_BORN, .clone_flags = e->clone_flags,
		.create_ts = e->hdr.ts, .create_cpu = e->hdr.cpu,
	};

	memcpy(t.comm_first, e->comm, PVT_COMM_LEN);
	t.comm_first[PVT_COMM_LEN - 1] = '\0';
	return push_task(in, &t);
}

static int on_exit_rec(struct pf_input *in, const struct pvt_ev_exit *e)
{
	struct pf_task t;

	from_record(&t, &e->task, PF_T_EXIT);
	t.exit_ts = e->hdr.ts;
	t.exit_cpu = e->hdr.cpu;
	return push_task(in, &t);
}

/* ---- timed items ---- */

static int push_item(struct pf_input *in, struct pf_item *it)
{
	it->seq = in->seq++;
	return VEC_PUSH(in->items, in->nitems, in->itemcap, *it);
}

static int on_rename(struct pf_input *in, const struct pvt_ev_rename *e)
{
	struct pf_item it = { .ts = e->hdr.ts, .kind = PF_I_RENAME, .cpu = e->hdr.cpu,
			      .tid = e->tid, .pid = e->pid };

	memcpy(it.old_comm, e->old_comm, PVT_COMM_LEN);
	memcpy(it.comm, e->comm, PVT_COMM_LEN);
	it.old_comm[PVT_COMM_LEN - 1] = it.comm[PVT_COMM_LEN - 1] = '\0';
	return push_item(in, &it);
}

static int push_rss(struct pf_input *in, uint64_t ts, uint32_t pid, uint64_t bytes)
{
	struct pf_item it = { .ts = ts, .kind = PF_I_RSS, .pid = pid, .value = bytes };

	return ts ? push_item(in, &it) : 0;
}

static uint64_t resident(const struct pvt_mm_sample *s)
{
	return s->rss[PVT_RSS_FILE] + s->rss[PVT_RSS_ANON] + s->rss[PVT_RSS_SHMEM];
}

/* A process's memory record: its first sample (creation, exec) and its last (exit). */
static int on_mem(struct pf_input *in, const struct pvt_mem *m)
{
	if (m->flags & PVT_M_NO_MM)
		return 0;
	if (push_rss(in, m->first_kt, m->pid, resident(&m->first)))
		return -ENOMEM;
	if (m->last_kt != m->first_kt && push_rss(in, m->last_kt, m->pid, resident(&m->last)))
		return -ENOMEM;
	return 0;
}

/* A sampling pass: each process's RSS once, at the pass's time (PVT_J_SAMPLE_TIME). */
static int on_sample(struct pf_input *in, const uint8_t *d, uint32_t len)
{
	size_t n = (len - 4) / sizeof(struct pvt_iter_rec), first = in->nitems;
	uint64_t ts = in->pending_sample_ts;
	struct pvt_iter_rec r;

	in->pending_sample_ts = 0;
	for (size_t i = 0; ts && i < n; i++) {
		bool seen = false;

		memcpy(&r, d + 4 + i * sizeof(r), sizeof(r));
		for (size_t k = first; k < in->nitems && !seen; k++)
			seen = in->items[k].pid == r.pid;
		if (!seen && r.rss && push_rss(in, ts, r.pid, r.rss))
			return -ENOMEM;
	}
	return 0;
}

/* ---- the journal ---- */

static int on_ring(struct pf_input *in, const uint8_t *d, uint32_t len)
{
	union {
		struct pvt_ev_hdr hdr;
		struct pvt_ev_create create;
		struct pvt_ev_rename rename;
		struct pvt_ev_exit exit;
		struct pvt_ev_mem mem;
	} u;

	if (len < sizeof(u.hdr))
		return -EINVAL;
	memset(&u, 0, sizeof(u));
	memcpy(&u, d, len < sizeof(u) ? len : sizeof(u));
	switch (u.hdr.kind) {
	case PVT_EV_CREATE:
		return len < sizeof(u.create) ? -EINVAL : on_create(in, &u.create);
	case PVT_EV_RENAME:
		return len < sizeof(u.rename) ? -EINVAL : on_rename(in, &u.rename);
	case PVT_EV_EXIT:
		return len < sizeof(u.exit) ? -EINVAL : on_exit_rec(in, &u.exit);
	case PVT_EV_MEM:
		return len < sizeof(u.mem) ? -EINVAL : on_mem(in, &u.mem.mem);
	default:
		return 0; /* exec: its rename carries the name */
	}
}

static int on_map_task(struct pf_input *in, const uint8_t *d, uint32_t len, uint32_t flags)
{
	struct pvt_task r;
	struct pf_task t;

	if (len != sizeof(r))
		return -EINVAL;
	memcpy(&r, d, len);
	from_record(&t, &r, flags);
	return push_task(in, &t);
}

static int on_record(struct pf_input *in, uint32_t kind, const uint8_t *d, uint32_t len)
{
	struct pvt_mem m;

	switch (kind) {
	case PVT_J_RING:
		return on_ring(in, d, len);
	case PVT_J_SAMPLE_TIME:
		if (len != 8)
			return -EINVAL;
		memcpy(&in->pending_sample_ts, d, 8);
		in->have_sample_time = true;
		return 0;
	case PVT_J_SAMPLE:
		if (len < 4 || (len - 4) % sizeof(struct pvt_iter_rec))
			return -EINVAL;
		return on_sample(in, d, len);
	case PVT_J_MAP_MEM:
		if (len != sizeof(m))
			return -EINVAL;
		memcpy(&m, d, len);
		return on_mem(in, &m);
	case PVT_J_MAP_TASK: /* alive at the end */
		return on_map_task(in, d, len, PF_T_ALIVE);
	case PVT_J_MAP_OVERFLOW: /* ended, its time unknown */
		return on_map_task(in, d, len, 0);
	default:
		return 0;
	}
}

static int on_journal(void *ctx, uint32_t kind, const uint8_t *d, uint32_t len, char *err,
		      size_t errlen)
{
	int e = on_record(ctx, kind, d, len);

	if (e == -ENOMEM)
		return fail(err, errlen, "out of memory");
	if (e)
		return fail(err, errlen, "corrupt recording: a journal record of kind %u (%u bytes)",
			    kind, len);
	return 0;
}

/* Every chunk: 0 whole, -2 truncated, -1 an error (err says it). */
static int read_chunks(struct pf_input *in, struct pvt_rec_reader *r, char *err, size_t errlen)
{
	struct pvt_rec_walk w = { .ctx = in, .on_info = on_info, .on_journal = on_journal };
	int rc = recr_walk(r, &w, err, errlen);

	in->ev = w.ev;
	in->nev = w.nev;
	in->max_cpu = w.max_cpu;
	if (rc >= 0 && in->nev && in->max_cpu >= PF_MAX_CPUS)
		return fail(err, errlen, "CPU %u: Perfetto takes CPUs below %u", in->max_cpu,
			    PF_MAX_CPUS);
	if (rc == 0)
		in->sched_lost = w.end->sched_lost;
	return rc;
}

/* ---- sorting and merging ---- */

/* A stable sort of the events by time (file order among equals): bottom-up merge. */
static int sort_events(struct pvt_sched_ev *ev, size_t n)
{
	struct pvt_sched_ev *tmp = vec_realloc(NULL, n ? n : 1, sizeof(*tmp)), *a = ev, *b = tmp;

	if (!tmp)
		return -ENOMEM;
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;

			while (i < mid && j < hi)
				b[k++] = a[j].ts < a[i].ts ? a[j++] : a[i++];
			while (i < mid)
				b[k++] = a[i++];
			while (j < hi)
				b[k++] = a[j++];
		}
		a = a == ev ? tmp : ev;
		b = b == ev ? tmp : ev;
	}
	if (a != ev)
		memcpy(ev, a, n * sizeof(*ev));
	free(tmp);
	return 0;
}

static int task_cmp(const void *pa, const void *pb)
{
	const struct pf_task *a = pa, *b = pb;

	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int item_cmp(const void *pa, const void *pb)
{
	const struct pf_item *a = pa, *b = pb;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Fold @s, a later record of the same tid, into @d. */
static void merge_task(struct pf_task *d, const struct pf_task *s)
{
	if ((s->flags & PF_T_CREATE) || !(d->flags & (PF_T_CREATE | PF_T_FINAL))) {
		d->create_ts = s->create_ts;
		d->create_cpu = s->create_cpu;
	}
	if (s->flags & PF_T_FINAL) {
		d->pid = s->pid;
		d->ppid = s->ppid;
		d->parent_tid = s->parent_tid;
		memcpy(d->comm, s->comm, PVT_COMM_LEN);
		memcpy(d->comm_first, s->comm_first, PVT_COMM_LEN);
		if (!(d->flags & PF_T_CREATE))
			d->clone_flags = s->clone_flags;
	}
	if (s->flags & PF_T_EXIT) {
		d->exit_ts = s->exit_ts;
		d->exit_cpu = s->exit_cpu;
	}
	d->flags |= s->flags;
}

/* One pf_task per tid. */
static void merge_tasks(struct pf_input *in)
{
	size_t n = 0;

	qsort(in->tasks, in->ntasks, sizeof(*in->tasks), task_cmp);
	for (size_t i = 0; i < in->ntasks; i++) {
		if (n && in->tasks[n - 1].tid == in->tasks[i].tid)
			merge_task(&in->tasks[n - 1], &in->tasks[i]);
		else
			in->tasks[n++] = in->tasks[i];
	}
	in->ntasks = n;
	for (size_t i = 0; i < n; i++) {
		struct pf_task *t = &in->tasks[i];

		if (!(t->flags & PF_T_FINAL)) /* only its creation is known: its name then */
			memcpy(t->comm, t->comm_first, PVT_COMM_LEN);
		if (!(t->flags & (PF_T_EXIT | PF_T_ALIVE)))
			t->flags |= PF_T_ALIVE; /* its end is not known */
	}
}

struct pf_task *pf_task_find(const struct pf_input *in, uint32_t tid)
{
	size_t lo = 0, hi = in->ntasks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (in->tasks[mid].tid == tid)
			return &in->tasks[mid];
		if (in->tasks[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- traced tasks no record names (a recording cut short before its journal) ---- */

struct tid_pid {
	uint32_t tid, pid;
};

static int tid_pid_cmp(const void *pa, const void *pb)
{
	const struct tid_pid *a = pa, *b = pb;

	return a->tid < b->tid ? -1 : a->tid > b->tid;
}

/* @tid (of @pid) if the events say it is traced and no record has it. */
static int note_unknown(struct pf_input *in, struct tid_pid **v, size_t *n, size_t *cap,
			uint32_t tid, uint32_t pid)
{
	struct tid_pid x = { tid, pid };

	if (!tid || pf_task_find(in, tid) || (*n && (*v)[*n - 1].tid == tid))
		return 0;
	return VEC_PUSH(*v, *n, *cap, x);
}

static int add_unnamed(struct pf_input *in)
{
	struct tid_pid *v = NULL;
	size_t n = 0, cap = 0;
	int err = 0;

	for (size_t i = 0; i < in->nev && !err; i++) {
		const struct pvt_sched_ev *e = &in->ev[i];

		if (e->kind != PVT_SE_SWITCH)
			err = note_unknown(in, &v, &n, &cap, e->tid, e->next_pid);
		else if (e->flags & PVT_SEF_PREV_TRACKED)
			err = note_unknown(in, &v, &n, &cap, e->tid, e->arg);
		if (!err && e->kind == PVT_SE_SWITCH && (e->flags & PVT_SEF_NEXT_TRACKED))
			err = note_unknown(in, &v, &n, &cap, e->other, e->next_pid);
	}
	if (n)
		qsort(v, n, sizeof(*v), tid_pid_cmp);
	for (size_t i = 0; i < n && !err; i++) {
		struct pf_task t = { .tid = v[i].tid, .pid = v[i].pid,
				     .flags = PF_T_ALIVE | PF_T_UNNAMED };

		if (!i || v[i - 1].tid != v[i].tid)
			err = push_task(in, &t);
	}
	free(v);
	if (!err && n)
		merge_tasks(in);
	return err;
}

/* ---- times the importer can follow ---- */

static void note_last(struct pf_input *in, uint32_t tid, uint64_t ts)
{
	struct pf_task *t = tid ? pf_task_find(in, tid) : NULL;

	if (t && ts > t->last_ts)
		t->last_ts = ts;
}

/*
 * Each task's exit after its last event; a thread's end (free) with its exit,
 * a leader's after the last exit of its group, none while a member lives on.
 */
static void settle_ends(struct pf_input *in)
{
	for (size_t i = 0; i < in->nev; i++) {
		note_last(in, in->ev[i].tid, in->ev[i].ts);
		if (in->ev[i].kind == PVT_SE_SWITCH)
			note_last(in, in->ev[i].other, in->ev[i].ts);
	}
	for (size_t i = 0; i < in->ntasks; i++) {
		struct pf_task *t = &in->tasks[i], *l;

		if ((t->flags & PF_T_EXIT) && t->exit_ts <= t->last_ts)
			t->exit_ts = t->last_ts + 1;
		l = pf_task_find(in, t->pid);
		if (!l)
			continue;
		if (t->flags & PF_T_EXIT && t->exit_ts > l->group_end)
			l->group_end = t->exit_ts;
		if (t->flags & PF_T_ALIVE)
			l->group_end = UINT64_MAX;
	}
	for (size_t i = 0; i < in->ntasks; i++) {
		struct pf_task *t = &in->tasks[i];

		if (!(t->flags & PF_T_EXIT) || (t->tid == t->pid && t->group_end == UINT64_MAX))
			continue;
		t->flags |= PF_T_FREE;
		t->free_ts = t->exit_ts;
		if (t->tid == t->pid && t->group_end > t->exit_ts)
			t->free_ts = t->group_end + 1;
	}
}

/* Its RSS samples within the process's life: after its creation, before its end. */
static void clamp_rss(struct pf_input *in, struct pf_item *it)
{
	struct pf_task *l = pf_task_find(in, it->pid);

	if (!l)
		return;
	if ((l->flags & PF_T_CREATE) && it->ts <= l->create_ts)
		it->ts = l->create_ts + 1;
	if ((l->flags & PF_T_FREE) && it->ts >= l->free_ts)
		it->ts = l->free_ts - 1;
}

static int push_task_items(struct pf_input *in, const struct pf_task *t)
{
	struct pf_item c = { .ts = t->create_ts, .kind = PF_I_CREATE, .cpu = t->create_cpu,
			     .tid = t->tid, .pid = t->pid };
	struct pf_item x = { .ts = t->exit_ts, .kind = PF_I_EXIT, .cpu = t->exit_cpu,
			     .tid = t->tid, .pid = t->pid };
	struct pf_item f = { .ts = t->free_ts, .kind = PF_I_FREE, .cpu = t->exit_cpu,
			     .tid = t->tid, .pid = t->pid };

	if ((t->flags & PF_T_BORN) && t->create_ts && push_item(in, &c))
		return -ENOMEM;
	if ((t->flags & PF_T_EXIT) && push_item(in, &x))
		return -ENOMEM;
	if ((t->flags & PF_T_FREE) && push_item(in, &f))
		return -ENOMEM;
	return 0;
}

static void bounds(struct pf_input *in)
{
	uint64_t lo = UINT64_MAX, hi = 0;

	if (in->nev) {
		lo = in->ev[0].ts;
		hi = in->ev[in->nev - 1].ts;
	}
	if (in->nitems) {
		lo = in->items[0].ts < lo ? in->items[0].ts : lo;
		hi = in->items[in->nitems - 1].ts > hi ? in->items[in->nitems - 1].ts : hi;
	}
	in->first_ts = lo == UINT64_MAX ? 0 : lo;
	in->last_ts = hi;
}

static int settle(struct pf_input *in)
{
	if (sort_events(in->ev, in->nev))
		return -ENOMEM;
	merge_tasks(in);
	if (add_unnamed(in))
		return -ENOMEM;
	settle_ends(in);
	for (size_t i = 0; i < in->nitems; i++) {
		struct pf_task *t;

		if (in->items[i].kind == PF_I_RSS)
			clamp_rss(in, &in->items[i]);
		else if ((t = pf_task_find(in, in->items[i].tid)))
			t->renames++;
	}
	for (size_t i = 0; i < in->ntasks; i++)
		if (push_task_items(in, &in->tasks[i]))
			return -ENOMEM;
	qsort(in->items, in->nitems, sizeof(*in->items), item_cmp);
	bounds(in);
	return 0;
}

int pf_input_load(struct pf_input *in, const char *path, char *err, size_t errlen)
{
	struct pvt_rec_reader *r;
	int rc;

	memset(in, 0, sizeof(*in));
	if (recr_open(&r, path, err, errlen))
		return -1;
	rc = read_chunks(in, r, err, errlen);
	recr_close(r);
	if (rc == -1)
		return -1;
	in->truncated = rc == -2;
	if (settle(in))
		return fail(err, errlen, "out of memory");
	return rc;
}

void pf_input_free(struct pf_input *in)
{
	for (size_t i = 0; i < in->argc; i++)
		free(in->argv[i]);
	free(in->argv);
	free(in->ev);
	free(in->tasks);
	free(in->items);
	memset(in, 0, sizeof(*in));
}
