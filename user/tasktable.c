// SPDX-License-Identifier: GPL-2.0
/* tasktable.c - task records, processes, verification, threads-versus-processes sums. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include "tasktable.h"

void table_init(struct pvt_table *tb)
{
	memset(tb, 0, sizeof(*tb));
}

void table_free(struct pvt_table *tb)
{
	free(tb->recs);
	free(tb->procs);
	memset(tb, 0, sizeof(*tb));
}

int table_add(struct pvt_table *tb, const struct pvt_task *t)
{
	struct pvt_rec *r;

	if (tb->n == tb->cap) {
		size_t cap = tb->cap ? tb->cap * 2 : 256;
		struct pvt_rec *nr = realloc(tb->recs, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		tb->recs = nr;
		tb->cap = cap;
	}
	r = &tb->recs[tb->n++];
	memset(r, 0, sizeof(*r));
	r->t = *t;
	r->t.comm[PVT_COMM_LEN - 1] = '\0';
	return 0;
}

struct pvt_exit pvt_decode_exit(int32_t code)
{
	struct pvt_exit e = { .known = true };

	if (code & 0x7f) {
		e.signal = code & 0x7f;
		e.core = !!(code & 0x80);
	} else {
		e.code = (code >> 8) & 0xff;
	}
	return e;
}

const char *pvt_kind(const struct pvt_task *t)
{
	return pvt_is_thread(t) ? "thread" : "process";
}

uint64_t pvt_kdelta_vol(const struct pvt_rec *r)
{
	return r->t.kfinal.nvcsw - r->t.kbase.nvcsw;
}

uint64_t pvt_kdelta_invol(const struct pvt_rec *r)
{
	return r->t.kfinal.nivcsw - r->t.kbase.nivcsw;
}

uint64_t pvt_kdelta_oncpu(const struct pvt_rec *r)
{
	return r->t.kfinal.sum_exec_runtime - r->t.kbase.sum_exec_runtime;
}

uint64_t pvt_kdelta_runq(const struct pvt_rec *r)
{
	return r->t.kfinal.run_delay - r->t.kbase.run_delay;
}

uint64_t pvt_blocked_ns(const struct pvt_task *t)
{
	uint64_t sum = 0;

	for (int i = 0; i < PVT_OUT__MAX; i++)
		sum += t->blocked_ns[i];
	return sum;
}

uint64_t pvt_task_runq_quantile(const struct pvt_task *t, double q)
{
	struct hist h = {};

	hist_add_u32(&h, t->runq_hist);
	return hist_quantile(&h, q, 0, t->runq_max_ns);
}

static void sums_add(struct pvt_sums *s, const struct pvt_task *t)
{
	s->tasks++;
	s->vol += t->sw_vol;
	s->invol += t->sw_invol;
	s->in += t->sw_in;
	s->as_change += t->sw_as_change;
	for (int i = 0; i < PVT_FROM__MAX; i++)
		s->from[i] += t->sw_from[i];
	s->oncpu_ns += t->oncpu_ns;
	for (int i = 0; i < PVT_OUT__MAX; i++)
		s->out_state[i] += t->sw_out_state[i];
	s->runq_count += t->runq_count;
	s->runq_total_ns += t->runq_total_ns;
	if (t->runq_max_ns > s->runq_max_ns)
		s->runq_max_ns = t->runq_max_ns;
	s->blocked_ns += pvt_blocked_ns(t);
	s->migrations += t->migrations;
	s->wakeups += t->wakeups;
	hist_add_u32(&s->runq_hist, t->runq_hist);
}

/* Order records by process instance, leader first, then by tid and start. */
static int rec_cmp(const void *a, const void *b)
{
	const struct pvt_task *x = &((const struct pvt_rec *)a)->t;
	const struct pvt_task *y = &((const struct pvt_rec *)b)->t;

	if (x->leader_start_time != y->leader_start_time)
		return x->leader_start_time < y->leader_start_time ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if ((x->tid == x->pid) != (y->tid == y->pid))
		return x->tid == x->pid ? -1 : 1;
	if (x->first_ns != y->first_ns)
		return x->first_ns < y->first_ns ? -1 : 1;
	return x->tid < y->tid ? -1 : (x->tid > y->tid);
}

int table_finish(struct pvt_table *tb)
{
	struct pvt_proc *p = NULL;

	if (tb->n)
		qsort(tb->recs, tb->n, sizeof(*tb->recs), rec_cmp);
	free(tb->procs);
	tb->procs = calloc(tb->n ? tb->n : 1, sizeof(*tb->procs));
	if (!tb->procs)
		return -ENOMEM;
	tb->nprocs = 0;
	tb->verified = tb->exact = tb->alive = 0;
	memset(&tb->threads, 0, sizeof(tb->threads));
	memset(&tb->processes, 0, sizeof(tb->processes));

	for (size_t i = 0; i < tb->n; i++) {
		struct pvt_rec *r = &tb->recs[i];
		const struct pvt_task *t = &r->t;

		r->alive = !(t->flags & PVT_F_DEAD);
		r->verified = !r->alive && (t->flags & PVT_F_BASELINE);
		r->exact = r->verified && t->sw_vol == pvt_kdelta_vol(r) &&
			   t->sw_invol == pvt_kdelta_invol(r);
		if (t->flags & PVT_F_EXITED)
			r->exit = pvt_decode_exit(t->exit_code);
		tb->alive += r->alive;
		tb->verified += r->verified;
		tb->exact += r->exact;
		sums_add(pvt_is_thread(t) ? &tb->threads : &tb->processes, t);

		if (!p || p->pid != t->pid || p->leader_start_time != t->leader_start_time) {
			p = &tb->procs[tb->nprocs++];
			p->pid = t->pid;
			p->ppid = t->ppid;
			p->leader_start_time = t->leader_start_time;
			p->leader = -1;
			p->first_ns = t->first_ns;
			memcpy(p->comm, t->comm, sizeof(p->comm));
		}
		r->proc = (size_t)(p - tb->procs);
		p->threads++;
		if (t->tid == t->pid) {
			p->leader = (ssize_t)i;
			p->ppid = t->ppid;
			memcpy(p->comm, t->comm, sizeof(p->comm));
		}
		if (t->first_ns < p->first_ns)
			p->first_ns = t->first_ns;
		if (r->alive)
			p->alive++;
		else if (t->end_ns > p->end_ns)
			p->end_ns = t->end_ns;
		if ((t->flags & PVT_F_GROUP_DEAD) && (t->flags & PVT_F_EXITED)) {
			p->exit = r->exit;
			p->exit_tid = t->tid;
		}
		sums_add(&p->sums, t);
	}
	return 0;
}

/* The table being sorted, for the qsort comparators (reports are single-threaded). */
static const struct pvt_table *sort_tb;

static int by_switches(const void *a, const void *b)
{
	const struct pvt_task *x = &sort_tb->recs[*(const size_t *)a].t;
	const struct pvt_task *y = &sort_tb->recs[*(const size_t *)b].t;
	uint64_t sx = pvt_switches(x), sy = pvt_switches(y);

	if (sx != sy)
		return sx > sy ? -1 : 1;
	return x->tid < y->tid ? -1 : (x->tid > y->tid);
}

static int proc_by_switches(const void *a, const void *b)
{
	const struct pvt_proc *x = &sort_tb->procs[*(const size_t *)a];
	const struct pvt_proc *y = &sort_tb->procs[*(const size_t *)b];
	uint64_t sx = x->sums.vol + x->sums.invol, sy = y->sums.vol + y->sums.invol;

	if (sx != sy)
		return sx > sy ? -1 : 1;
	return x->pid < y->pid ? -1 : (x->pid > y->pid);
}

/* 0..n-1 ordered by @cmp over @tb; caller frees; NULL on ENOMEM. */
static size_t *sorted_index(const struct pvt_table *tb, size_t n,
			    int (*cmp)(const void *, const void *))
{
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx));

	if (!idx)
		return NULL;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	sort_tb = tb;
	if (n)
		qsort(idx, n, sizeof(*idx), cmp);
	sort_tb = NULL;
	return idx;
}

size_t *table_sorted_by_switches(const struct pvt_table *tb)
{
	return sorted_index(tb, tb->n, by_switches);
}

size_t *table_procs_by_switches(const struct pvt_table *tb)
{
	return sorted_index(tb, tb->nprocs, proc_by_switches);
}
