// SPDX-License-Identifier: GPL-2.0
/*
 * top_model.c - the live view's figures from two snapshots of the task map
 * (top_model.h; definitions in docs/METRICS.md, "Live view (top)"): task
 * matching, the interval's counts, per-process and per-cgroup sums, rates
 * and run-queue quantiles; then the view's rows: filter, sort, expansion.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "top_model.h"
#include "fileio.h"
#include "hist.h"
#include "keyindex.h"
#include "parse.h"
#include "vec.h"

int top_snap_copy(struct top_snap *dst, const struct top_snap *src)
{
	struct pvt_task *t = NULL;

	if (src->n) {
		t = vec_realloc(NULL, src->n, sizeof(*t));
		if (!t)
			return -ENOMEM;
		memcpy(t, src->tasks, src->n * sizeof(*t));
	}
	free(dst->tasks);
	*dst = *src;
	dst->tasks = t;
	dst->ended = NULL;
	dst->n_ended = 0;
	return 0;
}

void top_snap_free(struct top_snap *s)
{
	free(s->tasks);
	memset(s, 0, sizeof(*s));
}

uint64_t top_rss_proc(void *ctx, uint32_t pid)
{
	char path[40], buf[128];
	const char *p = buf;
	uint64_t size, resident;

	snprintf(path, sizeof(path), "/proc/%u/statm", pid);
	if (pvt_read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	if (!pvt_scan_u64(&p, &size) || !pvt_scan_u64(&p, &resident))
		return 0;
	return resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* ---- the interval of each task ---- */

/* One task's part in the interval. */
struct ent {
	const struct pvt_task *b;	/* its latest record: alive, or its final record */
	const struct pvt_task *a;	/* its record in the earlier snapshot; NULL: from zero */
	bool rates;			/* counted (else first seen) */
	bool alive;
};

struct build {
	const struct top_snap *a, *b;
	const struct top_env *env;
	struct top_model *m;
	struct ent *e;
	size_t n, cap;
	struct pvt_index *a_ix, *ended_ix;
};

static uint64_t sub0(uint64_t x, uint64_t y)
{
	return x > y ? x - y : 0;
}

/* The counts of @e in the interval, added to *@d. */
static void counts_add(struct top_counts *d, const struct ent *e)
{
	const struct pvt_task *b = e->b, *a = e->a;
	static const struct pvt_task zero;
	unsigned i;

	if (!e->rates)
		return;
	if (!a)
		a = &zero;
	d->vol += sub0(b->sw_vol, a->sw_vol);
	d->invol += sub0(b->sw_invol, a->sw_invol);
	d->in += sub0(b->sw_in, a->sw_in);
	d->in_unseen += sub0(b->sw_in_unseen, a->sw_in_unseen);
	for (i = 0; i < PVT_FROM__MAX; i++)
		d->from[i] += sub0(b->sw_from[i], a->sw_from[i]);
	d->as_change += sub0(b->sw_as_change, a->sw_as_change);
	d->oncpu_ns += sub0(b->oncpu_ns, a->oncpu_ns);
	for (i = 0; i < PVT_HIST_BUCKETS; i++)
		d->runq_waits += sub0(b->runq_hist[i], a->runq_hist[i]);
}

/* The run-queue waits of @e in the interval, added to *@h. */
static void hist_add_ent(struct hist *h, const struct ent *e)
{
	if (!e->rates)
		return;
	for (unsigned i = 0; i < PVT_HIST_BUCKETS; i++)
		h->b[i] += sub0(e->b->runq_hist[i], e->a ? e->a->runq_hist[i] : 0);
}

static int add_ent(struct build *bd, const struct pvt_task *t, bool alive)
{
	long i = pvt_index_find(bd->a_ix, t->tid, t->start_time);
	struct ent e = { .b = t, .alive = alive };

	if (i >= 0)
		e.a = &bd->a->tasks[i];
	e.rates = e.a || t->start_time > bd->a->mono_ns;
	if (t->start_time > bd->a->mono_ns)
		bd->m->h.tasks_new++;
	if (!e.rates)
		bd->m->h.tasks_first_seen++;
	return VEC_PUSH(bd->e, bd->n, bd->cap, e);
}

/* Every task of the interval: the final records, then the live ones not among them. */
static int collect(struct build *bd)
{
	const struct top_snap *a = bd->a, *b = bd->b;
	int err;

	for (size_t i = 0; i < a->n; i++)
		if (pvt_index_put(&bd->a_ix, a->tasks[i].tid, a->tasks[i].start_time, i))
			return -ENOMEM;
	for (size_t i = 0; i < b->n_ended; i++) {
		const struct pvt_task *t = &b->ended[i];

		if (pvt_index_find(bd->ended_ix, t->tid, t->start_time) >= 0)
			continue;	/* the same record twice */
		if (pvt_index_put(&bd->ended_ix, t->tid, t->start_time, i))
			return -ENOMEM;
		err = add_ent(bd, t, false);
		if (err)
			return err;
		bd->m->h.tasks_ended++;
	}
	for (size_t i = 0; i < b->n; i++) {
		const struct pvt_task *t = &b->tasks[i];

		if (pvt_index_find(bd->ended_ix, t->tid, t->start_time) >= 0)
			continue;	/* read alive, then its final record came */
		err = add_ent(bd, t, true);
		if (err)
			return err;
	}
	return 0;
}

/* ---- rows ---- */

static void row_figures(struct top_row *r, const struct hist *h, uint64_t interval_ns)
{
	const struct top_counts *d = &r->d;
	double s = (double)interval_ns / 1e9;
	uint64_t seen = 0;

	if (!r->rates) {
		r->same_pct = NAN;
		return;
	}
	for (unsigned i = 0; i < PVT_FROM__MAX; i++)
		seen += d->from[i];
	r->vol_s = (double)d->vol / s;
	r->invol_s = (double)d->invol / s;
	r->sw_s = (double)(d->vol + d->invol) / s;
	r->as_s = (double)d->as_change / s;
	r->same_pct = seen ? 100.0 * (double)d->from[PVT_FROM_SAME_PROCESS] / (double)seen : NAN;
	r->oncpu_pct = 100.0 * (double)d->oncpu_ns / (double)interval_ns;
	r->rq_p50_ns = hist_quantile(h, 0.50, 0, UINT64_MAX);
	r->rq_p99_ns = hist_quantile(h, 0.99, 0, UINT64_MAX);
}

static const char *cgroup_path(const struct top_env *env, uint64_t id)
{
	if (!id || !env || !env->cgroup_path)
		return NULL;
	return env->cgroup_path(env->cgroup_ctx, id);
}

static void task_row(struct build *bd, struct top_row *r, const struct ent *e)
{
	const struct pvt_task *t = e->b;
	struct hist h = {};

	memset(r, 0, sizeof(*r));
	r->kind = TOP_TASK;
	r->tid = t->tid;
	r->pid = t->pid;
	r->start_time = t->start_time;
	r->cgroup_id = t->cgroup_id;
	r->cgroup = cgroup_path(bd->env, t->cgroup_id);
	memcpy(r->comm, t->comm, sizeof(r->comm));
	r->comm[sizeof(r->comm) - 1] = '\0';
	r->threads = 1;
	r->rates = e->rates;
	counts_add(&r->d, e);
	hist_add_ent(&h, e);
	row_figures(r, &h, bd->m->h.interval_ns);
}

static int cmp_proc_key(const struct pvt_task *x, const struct pvt_task *y)
{
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->leader_start_time != y->leader_start_time)
		return x->leader_start_time < y->leader_start_time ? -1 : 1;
	return 0;
}

/* By process instance, its live tasks first, then by tid. */
static int cmp_ent_proc(const void *p, const void *q)
{
	const struct ent *x = p, *y = q;
	int c = cmp_proc_key(x->b, y->b);

	if (c)
		return c;
	if (x->alive != y->alive)
		return x->alive ? -1 : 1;
	return x->b->tid < y->b->tid ? -1 : x->b->tid > y->b->tid;
}

/* The process of entries e[0..n) (sorted: live ones first), its threads rows appended. */
static void process_row(struct build *bd, const struct ent *e, size_t n, struct top_row *p)
{
	struct top_model *m = bd->m;
	const struct top_row *name = NULL;
	struct hist h = {};

	memset(p, 0, sizeof(*p));
	p->kind = TOP_PROCESS;
	p->pid = e[0].b->pid;
	p->start_time = e[0].b->leader_start_time;
	p->processes = 1;
	p->child = m->n_tasks;
	for (size_t i = 0; i < n; i++) {
		if (e[i].alive) {
			struct top_row *t = &m->tasks[m->n_tasks++];

			task_row(bd, t, &e[i]);
			p->threads++;
			if (!name || t->tid == t->pid)
				name = t;
		}
		p->rates |= e[i].rates;
		counts_add(&p->d, &e[i]);
		hist_add_ent(&h, &e[i]);
	}
	p->n_child = p->threads;
	memcpy(p->comm, name->comm, sizeof(p->comm));
	p->cgroup_id = name->cgroup_id;
	p->cgroup = name->cgroup;
	if (bd->env && bd->env->rss)
		p->rss = bd->env->rss(bd->env->rss_ctx, p->pid);
	row_figures(p, &h, m->h.interval_ns);
}

/* Task and process rows: processes with a task alive, each followed by its threads. */
static int processes(struct build *bd)
{
	struct top_model *m = bd->m;
	size_t alive = 0;

	qsort(bd->e, bd->n, sizeof(*bd->e), cmp_ent_proc);
	for (size_t i = 0; i < bd->n; i++)
		alive += bd->e[i].alive;
	m->tasks = calloc(alive ? alive : 1, sizeof(*m->tasks));
	m->procs = calloc(alive ? alive : 1, sizeof(*m->procs));
	if (!m->tasks || !m->procs)
		return -ENOMEM;
	for (size_t i = 0, j; i < bd->n; i = j) {
		for (j = i + 1; j < bd->n && !cmp_proc_key(bd->e[i].b, bd->e[j].b); j++)
			;
		if (bd->e[i].alive)	/* live tasks sort first */
			process_row(bd, &bd->e[i], j - i, &m->procs[m->n_procs++]);
	}
	return 0;
}

static int cmp_u64(uint64_t x, uint64_t y)
{
	return x < y ? -1 : x > y;
}

static int cmp_proc_cgroup(const void *p, const void *q)
{
	const struct top_row *x = p, *y = q;

	return cmp_u64(x->cgroup_id, y->cgroup_id) ?: cmp_u64(x->pid, y->pid) ?:
	       cmp_u64(x->start_time, y->start_time);
}

static int cmp_ent_cgroup(const void *p, const void *q)
{
	const struct ent *x = p, *y = q;

	return cmp_u64(x->b->cgroup_id, y->b->cgroup_id);
}

/* The cgroup of entries e[0..n); its processes are the run of procs[] from *@pi with its id. */
static void cgroup_row(struct build *bd, const struct ent *e, size_t n, size_t *pi,
		       struct top_row *c)
{
	struct top_model *m = bd->m;
	struct hist h = {};

	memset(c, 0, sizeof(*c));
	c->kind = TOP_CGROUP;
	c->cgroup_id = e[0].b->cgroup_id;
	c->cgroup = cgroup_path(bd->env, c->cgroup_id);
	snprintf(c->comm, sizeof(c->comm), "%s", c->cgroup ? c->cgroup : "?");
	for (size_t i = 0; i < n; i++) {
		c->threads += e[i].alive;
		c->rates |= e[i].rates;
		counts_add(&c->d, &e[i]);
		hist_add_ent(&h, &e[i]);
	}
	while (*pi < m->n_procs && m->procs[*pi].cgroup_id < c->cgroup_id)
		(*pi)++;
	c->child = *pi;
	for (; *pi < m->n_procs && m->procs[*pi].cgroup_id == c->cgroup_id; (*pi)++) {
		c->n_child++;
		c->rss += m->procs[*pi].rss;
	}
	c->processes = (uint32_t)c->n_child;
	row_figures(c, &h, m->h.interval_ns);
}

static int cgroups(struct build *bd)
{
	struct top_model *m = bd->m;
	size_t pi = 0, groups = 0;

	qsort(m->procs, m->n_procs, sizeof(*m->procs), cmp_proc_cgroup);
	qsort(bd->e, bd->n, sizeof(*bd->e), cmp_ent_cgroup);
	for (size_t i = 0; i < bd->n; i++)
		groups += !i || bd->e[i].b->cgroup_id != bd->e[i - 1].b->cgroup_id;
	m->cgroups = calloc(groups ? groups : 1, sizeof(*m->cgroups));
	if (!m->cgroups)
		return -ENOMEM;
	for (size_t i = 0, j; i < bd->n; i = j) {
		for (j = i + 1; j < bd->n && bd->e[j].b->cgroup_id == bd->e[i].b->cgroup_id; j++)
			;
		cgroup_row(bd, &bd->e[i], j - i, &pi, &m->cgroups[m->n_cgroups++]);
	}
	return 0;
}

static void header(struct build *bd)
{
	struct top_header *h = &bd->m->h;
	uint64_t seen = 0;

	for (size_t i = 0; i < bd->n; i++)
		counts_add(&h->d, &bd->e[i]);
	for (unsigned i = 0; i < PVT_FROM__MAX; i++)
		seen += h->d.from[i];
	for (unsigned i = 0; i < PVT_FROM__MAX; i++)
		h->from_pct[i] = seen ? 100.0 * (double)h->d.from[i] / (double)seen : NAN;
	h->sw_s = (double)(h->d.vol + h->d.invol) * 1e9 / (double)h->interval_ns;
	h->tasks = (uint32_t)bd->m->n_tasks;
	h->processes = (uint32_t)bd->m->n_procs;
	h->cgroups = (uint32_t)bd->m->n_cgroups;
	h->lost_total = bd->b->lost_events;
	h->lost = sub0(bd->b->lost_events, bd->a->lost_events);
	h->untracked_total = bd->b->untracked;
	h->untracked = sub0(bd->b->untracked, bd->a->untracked);
}

int top_model_build(struct top_model *m, const struct top_snap *a, const struct top_snap *b,
		    const struct top_env *env)
{
	struct build bd = { .a = a, .b = b, .env = env, .m = m };
	int err;

	memset(m, 0, sizeof(*m));
	if (b->mono_ns <= a->mono_ns)
		return -EINVAL;
	m->h.mono_ns = b->mono_ns;
	m->h.interval_ns = b->mono_ns - a->mono_ns;
	err = collect(&bd);
	if (!err)
		err = processes(&bd);
	if (!err)
		err = cgroups(&bd);
	if (!err)
		header(&bd);
	free(bd.e);
	pvt_index_free(bd.a_ix);
	pvt_index_free(bd.ended_ix);
	if (err)
		top_model_free(m);
	return err;
}

void top_model_free(struct top_model *m)
{
	free(m->tasks);
	free(m->procs);
	free(m->cgroups);
	memset(m, 0, sizeof(*m));
}

/* ---- sets ---- */

static size_t set_pos(const struct top_set *s, uint64_t id)
{
	size_t lo = 0, hi = s ? s->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool top_set_has(const struct top_set *s, uint64_t id)
{
	size_t i = set_pos(s, id);

	return s && i < s->n && s->v[i] == id;
}

int top_set_toggle(struct top_set *s, uint64_t id)
{
	size_t i = set_pos(s, id);

	if (i < s->n && s->v[i] == id) {
		memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
		s->n--;
		return 0;
	}
	if (VEC_RESERVE(s->v, s->cap, s->n + 1))
		return -ENOMEM;
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
	s->v[i] = id;
	s->n++;
	return 0;
}

void top_set_free(struct top_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* ---- the view ---- */

/* The value a numeric sort compares; -1 when the row has no such figure. */
static double sort_value(const struct top_row *r, enum top_sort s)
{
	if (s == TOP_SORT_THREADS)
		return r->threads;
	if (s == TOP_SORT_RSS)
		return r->kind == TOP_TASK ? -1 : (double)r->rss;
	if (!r->rates)
		return -1;
	switch (s) {
	case TOP_SORT_SW:
		return r->sw_s;
	case TOP_SORT_VOL:
		return r->vol_s;
	case TOP_SORT_INVOL:
		return r->invol_s;
	case TOP_SORT_SAME:
		return isnan(r->same_pct) ? -1 : r->same_pct;
	case TOP_SORT_AS:
		return r->as_s;
	case TOP_SORT_RQ_P50:
		return r->d.runq_waits ? (double)r->rq_p50_ns : -1;
	case TOP_SORT_RQ_P99:
		return r->d.runq_waits ? (double)r->rq_p99_ns : -1;
	case TOP_SORT_ONCPU:
		return r->oncpu_pct;
	default:
		return -1;
	}
}

static int cmp_str(const char *x, const char *y)
{
	if (!x || !y)
		return !x - !y;	/* unknown last */
	return strcmp(x, y);
}

static int cmp_ties(const struct top_row *x, const struct top_row *y)
{
	if (x->kind == TOP_CGROUP)
		return cmp_u64(x->cgroup_id, y->cgroup_id);
	return cmp_u64(x->pid, y->pid) ?: cmp_u64(x->tid, y->tid) ?:
	       cmp_u64(x->start_time, y->start_time);
}

int top_row_cmp(const struct top_row *x, const struct top_row *y, enum top_sort sort, bool reverse)
{
	int c = 0;

	if (sort == TOP_SORT_PID || sort == TOP_SORT_NAME) {
		if (x->kind == TOP_CGROUP && sort == TOP_SORT_PID)
			c = cmp_u64(y->processes, x->processes);
		else if (x->kind == TOP_CGROUP)
			c = cmp_str(x->cgroup, y->cgroup);
		else if (sort == TOP_SORT_NAME)
			c = strcmp(x->comm, y->comm);
		else
			c = cmp_ties(x, y);
	} else {
		double vx = sort_value(x, sort), vy = sort_value(y, sort);

		c = vx > vy ? -1 : vx < vy;
	}
	if (reverse)
		c = -c;
	return c ?: cmp_ties(x, y);
}

struct sort_ctx {
	enum top_sort sort;
	bool reverse;
};

static int cmp_rowp(const void *p, const void *q, void *arg)
{
	const struct sort_ctx *c = arg;

	return top_row_cmp(*(const struct top_row *const *)p, *(const struct top_row *const *)q,
			   c->sort, c->reverse);
}

static bool has_text(const char *s, const char *f)
{
	return s && strcasestr(s, f);
}

static bool proc_kept(const struct top_model *m, const struct top_row *p, const char *f)
{
	if (!f || !*f || has_text(p->comm, f))
		return true;
	for (size_t i = 0; i < p->n_child; i++)
		if (has_text(m->tasks[p->child + i].comm, f))
			return true;
	return false;
}

static bool cgroup_kept(const struct top_model *m, const struct top_row *c, const char *f)
{
	if (!f || !*f || has_text(c->cgroup, f))
		return true;
	for (size_t i = 0; i < c->n_child; i++)
		if (proc_kept(m, &m->procs[c->child + i], f))
			return true;
	return false;
}

/* Rows r[0..n) (those kept by @f, if given), sorted, into a new array *@out. */
static int sorted(const struct top_model *m, const struct top_row *r, size_t n,
		  const struct top_view_opts *o, const char *f, const struct top_row ***out,
		  size_t *n_out)
{
	const struct top_row **v = calloc(n ? n : 1, sizeof(*v));
	struct sort_ctx c = { o->sort, o->reverse };
	size_t k = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (f && r[i].kind == TOP_PROCESS && !proc_kept(m, &r[i], f))
			continue;
		if (f && r[i].kind == TOP_CGROUP && !cgroup_kept(m, &r[i], f))
			continue;
		v[k++] = &r[i];
	}
	qsort_r(v, k, sizeof(*v), cmp_rowp, &c);
	*out = v;
	*n_out = k;
	return 0;
}

static int push_line(struct top_view *out, const struct top_row *r, int depth)
{
	struct top_line l = { .row = r, .depth = depth };

	return VEC_PUSH(out->v, out->n, out->cap, l);
}

static int add_rows(struct top_view *out, const struct top_model *m, const struct top_row *r,
		    size_t n, int depth, const struct top_view_opts *o, const char *f);

/* @r's line, then its children's if it is expanded. */
static int add_row(struct top_view *out, const struct top_model *m, const struct top_row *r,
		   int depth, const struct top_view_opts *o, const char *f)
{
	bool open = o->expand_all;

	if (push_line(out, r, depth))
		return -ENOMEM;
	if (r->kind == TOP_PROCESS) {
		open = open || top_set_has(o->expanded_pids, r->pid);
		return open ? add_rows(out, m, &m->tasks[r->child], r->n_child, depth + 1, o, NULL)
			    : 0;
	}
	if (r->kind == TOP_CGROUP) {
		open = open || top_set_has(o->expanded_cgroups, r->cgroup_id);
		/* a cgroup kept by its own path shows all its processes */
		if (f && has_text(r->cgroup, f))
			f = NULL;
		return open ? add_rows(out, m, &m->procs[r->child], r->n_child, depth + 1, o, f)
			    : 0;
	}
	return 0;
}

static int add_rows(struct top_view *out, const struct top_model *m, const struct top_row *r,
		    size_t n, int depth, const struct top_view_opts *o, const char *f)
{
	const struct top_row **v = NULL;
	size_t k = 0;
	int err = sorted(m, r, n, o, f, &v, &k);

	for (size_t i = 0; !err && i < k; i++)
		err = add_row(out, m, v[i], depth, o, f);
	free(v);
	return err;
}

int top_view_build(struct top_view *out, const struct top_model *m, const struct top_view_opts *o)
{
	const char *f = o->filter && *o->filter ? o->filter : NULL;

	out->n = 0;
	if (o->by == TOP_BY_CGROUP)
		return add_rows(out, m, m->cgroups, m->n_cgroups, 0, o, f);
	return add_rows(out, m, m->procs, m->n_procs, 0, o, f);
}

void top_view_free(struct top_view *v)
{
	free(v->v);
	memset(v, 0, sizeof(*v));
}
