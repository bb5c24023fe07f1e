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
	free(tb->late);
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

int table_add_late_cost(struct pvt_table *tb, uint32_t tid, uint64_t start_time,
			const struct pvt_create_cost *c)
{
	if (tb->nlate == tb->late_cap) {
		size_t cap = tb->late_cap ? tb->late_cap * 2 : 64;
		struct pvt_late_cost *nl = realloc(tb->late, cap * sizeof(*nl));

		if (!nl)
			return -ENOMEM;
		tb->late = nl;
		tb->late_cap = cap;
	}
	tb->late[tb->nlate++] = (struct pvt_late_cost){ .start_time = start_time, .tid = tid,
							  .cost = *c };
	return 0;
}

static int late_cmp(const void *a, const void *b)
{
	const struct pvt_late_cost *x = a, *y = b;

	if (x->start_time != y->start_time)
		return x->start_time < y->start_time ? -1 : 1;
	return x->tid < y->tid ? -1 : (x->tid > y->tid);
}

/* created.syscall_ns of each record: its own, else the one kept apart. */
static void apply_late_costs(struct pvt_table *tb)
{
	if (tb->nlate)
		qsort(tb->late, tb->nlate, sizeof(*tb->late), late_cmp);
	for (size_t i = 0; i < tb->n; i++) {
		struct pvt_rec *r = &tb->recs[i];
		struct pvt_late_cost key = { .start_time = r->t.start_time, .tid = r->t.tid }, *l;

		r->cost = r->t.create_cost;
		if (!r->cost.syscall_ns && tb->nlate) {
			l = bsearch(&key, tb->late, tb->nlate, sizeof(*tb->late), late_cmp);
			if (l)
				r->cost = l->cost;
		}
		r->cost_missing = (r->t.flags & PVT_F_IN_CREATE) && !r->cost.syscall_ns;
	}
}

/* Quantiles of each creation cost, for the tasks born as threads or as processes. */
static int create_sums(struct pvt_table *tb, bool threads, struct pvt_create_sums *cs)
{
	uint64_t *v[7];
	size_t n[7] = {};
	int err = 0;

	memset(cs, 0, sizeof(*cs));
	for (int k = 0; k < 7; k++) {
		v[k] = malloc((tb->n ? tb->n : 1) * sizeof(uint64_t));
		if (!v[k])
			err = -ENOMEM;
	}
	for (size_t i = 0; !err && i < tb->n; i++) {
		const struct pvt_rec *r = &tb->recs[i];
		const struct pvt_task *t = &r->t;

		if (!(t->flags & PVT_F_BORN) || pvt_created_thread(t) != threads)
			continue;
		cs->born++;
		if (t->flags & PVT_F_IN_CREATE) {
			cs->in_syscall++;
			v[1][n[1]++] = t->create_copy_ns;
		} else if (t->create_nr) {
			cs->not_timed++;
		}
		cs->cost_missing += r->cost_missing;
		if (r->cost.syscall_ns) {
			v[0][n[0]++] = r->cost.syscall_ns;
			v[4][n[4]++] = pvt_create_oncpu_ns(&r->cost);
			v[5][n[5]++] = r->cost.offcpu_ns;
			v[6][n[6]++] = r->cost.tracer_ns;
		}
		if (t->first_in_ns)
			v[2][n[2]++] = t->first_in_ns - t->first_ns;
		if (t->exec_count) {
			cs->execed++;
			if (t->exec_start_kt) /* timed (syscall hooks) */
				v[3][n[3]++] = t->exec_ns;
		}
	}
	if (!err) {
		pvt_cost_stats(v[0], n[0], &cs->syscall);
		pvt_cost_stats(v[1], n[1], &cs->copy);
		pvt_cost_stats(v[2], n[2], &cs->first_run);
		pvt_cost_stats(v[3], n[3], &cs->exec);
		pvt_cost_stats(v[4], n[4], &cs->oncpu);
		pvt_cost_stats(v[5], n[5], &cs->offcpu);
		pvt_cost_stats(v[6], n[6], &cs->tracer);
	}
	for (int k = 0; k < 7; k++)
		free(v[k]);
	return err;
}

/* Who began each process's end, who was taken down with it; how processes ended. */
static void exit_sums(struct pvt_table *tb)
{
	memset(&tb->exits, 0, sizeof(tb->exits));
	for (size_t i = 0; i < tb->n; i++) {
		const struct pvt_rec *r = &tb->recs[i];
		struct pvt_proc *p = &tb->procs[r->proc];

		switch (r->t.exit_how) {
		case PVT_EXIT_COLLATERAL:
			p->collateral++;
			tb->exits.collateral_threads++;
			break;
		case PVT_EXIT_SIGNAL:
			p->killed++;
			if (!p->origin_tid)
				p->origin_tid = r->t.tid;
			break;
		case PVT_EXIT_SELF:
			p->exited_self++;
			break;
		default:
			break;
		}
	}
	for (size_t i = 0; i < tb->n; i++) {
		const struct pvt_rec *r = &tb->recs[i];
		struct pvt_proc *p = &tb->procs[r->proc];

		/* No signal aimed at a thread: the one that began the group exit. */
		if (!p->origin_tid && (r->t.flags & PVT_F_GROUP_EXIT_ORIGIN) && p->collateral)
			p->origin_tid = r->t.tid;
	}
	for (size_t k = 0; k < tb->nprocs; k++) {
		const struct pvt_proc *p = &tb->procs[k];

		if (!p->exit.known)
			continue;
		tb->exits.processes++;
		if (p->exit.signal)
			tb->exits.signaled++;
		else if (p->exit.code)
			tb->exits.failed++;
		else
			tb->exits.clean++;
	}
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
	s->in_unseen += t->sw_in_unseen;
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
	apply_late_costs(tb);
	exit_sums(tb);
	if (create_sums(tb, true, &tb->create_threads) || create_sums(tb, false, &tb->create_procs))
		return -ENOMEM;
	tb->finished = true;
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
