// SPDX-License-Identifier: GPL-2.0
/* tasktable.c - task records, processes, verification, threads-versus-processes sums. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include "tasktable.h"
#include "fold.h"
#include "qsketch.h"

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
	tb->ndead += !!(t->flags & PVT_F_DEAD);
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

void pvt_create_vals(const struct pvt_task *t, const struct pvt_create_cost *cost, bool cost_missing,
		     struct pvt_create_vals *out)
{
	memset(out, 0, sizeof(*out));
	if (t->flags & PVT_F_IN_CREATE) {
		out->in_syscall = true;
		out->has[PVT_CS_COPY] = true;
		out->v[PVT_CS_COPY] = t->create_copy_ns;
	} else if (t->create_nr) {
		out->not_timed = true;
	}
	out->cost_missing = cost_missing;
	if (cost->syscall_ns) {
		out->has[PVT_CS_SYSCALL] = out->has[PVT_CS_ONCPU] = true;
		out->has[PVT_CS_OFFCPU] = out->has[PVT_CS_TRACER] = true;
		out->v[PVT_CS_SYSCALL] = cost->syscall_ns;
		out->v[PVT_CS_ONCPU] = pvt_create_oncpu_ns(cost);
		out->v[PVT_CS_OFFCPU] = cost->offcpu_ns;
		out->v[PVT_CS_TRACER] = cost->tracer_ns;
	}
	if (t->first_in_ns) {
		out->has[PVT_CS_FIRST_RUN] = true;
		out->v[PVT_CS_FIRST_RUN] = t->first_in_ns - t->first_ns;
	}
	if (t->exec_count) {
		out->execed = true;
		if (t->exec_start_kt) { /* timed (syscall hooks) */
			out->has[PVT_CS_EXEC] = true;
			out->v[PVT_CS_EXEC] = t->exec_ns;
		}
	}
}

static void create_count(struct pvt_create_sums *cs, const struct pvt_create_vals *cv)
{
	cs->born++;
	cs->in_syscall += cv->in_syscall;
	cs->not_timed += cv->not_timed;
	cs->cost_missing += cv->cost_missing;
	cs->execed += cv->execed;
}

static struct pvt_cost_stats *create_series(struct pvt_create_sums *cs, int k)
{
	struct pvt_cost_stats *st[PVT_CS__MAX] = {
		[PVT_CS_SYSCALL] = &cs->syscall, [PVT_CS_COPY] = &cs->copy,
		[PVT_CS_FIRST_RUN] = &cs->first_run, [PVT_CS_EXEC] = &cs->exec,
		[PVT_CS_ONCPU] = &cs->oncpu, [PVT_CS_OFFCPU] = &cs->offcpu, [PVT_CS_TRACER] = &cs->tracer,
	};

	return st[k];
}

/* Quantiles of each creation cost, for the tasks born as threads or as processes: exact. */
static int create_sums_held(struct pvt_table *tb, bool threads, struct pvt_create_sums *cs)
{
	uint64_t *v[PVT_CS__MAX];
	size_t n[PVT_CS__MAX] = {};
	int err = 0;

	memset(cs, 0, sizeof(*cs));
	for (int k = 0; k < PVT_CS__MAX; k++) {
		v[k] = malloc((tb->n ? tb->n : 1) * sizeof(uint64_t));
		if (!v[k])
			err = -ENOMEM;
	}
	for (size_t i = 0; !err && i < tb->n; i++) {
		const struct pvt_rec *r = &tb->recs[i];
		struct pvt_create_vals cv;

		if (!(r->t.flags & PVT_F_BORN) || pvt_created_thread(&r->t) != threads)
			continue;
		pvt_create_vals(&r->t, &r->cost, r->cost_missing, &cv);
		create_count(cs, &cv);
		for (int k = 0; k < PVT_CS__MAX; k++)
			if (cv.has[k])
				v[k][n[k]++] = cv.v[k];
	}
	for (int k = 0; !err && k < PVT_CS__MAX; k++)
		pvt_cost_stats(v[k], n[k], create_series(cs, k));
	for (int k = 0; k < PVT_CS__MAX; k++)
		free(v[k]);
	return err;
}

/* A folded task's creation cost kept apart by BPF, looked up now (tb->late sorted). */
static const struct pvt_late_cost *late_find(const struct pvt_table *tb, uint32_t tid, uint64_t start)
{
	struct pvt_late_cost key = { .start_time = start, .tid = tid };

	return tb->nlate ? bsearch(&key, tb->late, tb->nlate, sizeof(*tb->late), late_cmp) : NULL;
}

/*
 * The same with folded tasks: their sketches (fold.h) with the held tasks'
 * values and the pending costs found added; count, sum and max exact, the
 * quantiles as lib/qsketch.h defines them.
 */
static int create_sums_folded(struct pvt_table *tb, bool threads, struct pvt_create_sums *cs)
{
	const struct pvt_fold_create *fc = &tb->fold->create[threads];
	struct pvt_qsketch sk[PVT_CS__MAX];
	int err = 0;

	memset(cs, 0, sizeof(*cs));
	for (int k = 0; k < PVT_CS__MAX; k++)
		if (qs_copy(&sk[k], &fc->v[k]))
			err = -ENOMEM;
	cs->born = fc->born;
	cs->in_syscall = fc->in_syscall;
	cs->cost_missing = fc->cost_missing;
	cs->not_timed = fc->not_timed;
	cs->execed = fc->execed;
	for (size_t i = 0; !err && i < tb->fold->npending; i++) {
		const struct pvt_fold_pending *pd = &tb->fold->pending[i];
		const struct pvt_late_cost *l;
		struct pvt_create_vals cv;

		if (pd->thread != threads)
			continue;
		l = late_find(tb, pd->tid, pd->start_time);
		if (!l) {
			cs->cost_missing++;
			continue;
		}
		/* the syscall's figures only: the rest was folded with the task */
		pvt_create_vals(&(struct pvt_task){ .flags = 0 }, &l->cost, false, &cv);
		for (int k = 0; !err && k < PVT_CS__MAX; k++)
			if (cv.has[k] && qs_add(&sk[k], cv.v[k], 1))
				err = -ENOMEM;
	}
	for (size_t i = 0; !err && i < tb->n; i++) {
		const struct pvt_rec *r = &tb->recs[i];
		struct pvt_create_vals cv;

		if (!(r->t.flags & PVT_F_BORN) || pvt_created_thread(&r->t) != threads)
			continue;
		pvt_create_vals(&r->t, &r->cost, r->cost_missing, &cv);
		create_count(cs, &cv);
		for (int k = 0; !err && k < PVT_CS__MAX; k++)
			if (cv.has[k] && qs_add(&sk[k], cv.v[k], 1))
				err = -ENOMEM;
	}
	for (int k = 0; k < PVT_CS__MAX; k++) {
		struct pvt_cost_stats *st = create_series(cs, k);

		st->count = sk[k].count;
		st->sum_ns = sk[k].sum;
		st->max_ns = sk[k].max;
		st->p50_ns = qs_quantile(&sk[k], 0.50);
		st->p99_ns = qs_quantile(&sk[k], 0.99);
		qs_free(&sk[k]);
	}
	return err;
}

static int create_sums(struct pvt_table *tb, bool threads, struct pvt_create_sums *cs)
{
	return tb->fold && tb->fold->tasks ? create_sums_folded(tb, threads, cs) :
					     create_sums_held(tb, threads, cs);
}

/* @a before @b in record order (leader first, then by first_ns, then by tid)? */
static bool first_before(const struct pvt_first *a, const struct pvt_first *b)
{
	if (a->nonleader != b->nonleader)
		return !a->nonleader;
	if (a->first_ns != b->first_ns)
		return a->first_ns < b->first_ns;
	return a->tid < b->tid;
}

static void first_merge(struct pvt_first *c, const struct pvt_first *o)
{
	if (o->set && (!c->set || first_before(o, c)))
		*c = *o;
}

static void first_update(struct pvt_first *c, const struct pvt_task *t)
{
	struct pvt_first o = { .set = true, .nonleader = t->tid != t->pid, .first_ns = t->first_ns,
			       .tid = t->tid };

	first_merge(c, &o);
}

void table_proc_exit_add(struct pvt_proc *p, const struct pvt_rec *r)
{
	switch (r->t.exit_how) {
	case PVT_EXIT_COLLATERAL:
		p->collateral++;
		break;
	case PVT_EXIT_SIGNAL:
		p->killed++;
		first_update(&p->sig_first, &r->t);
		break;
	case PVT_EXIT_SELF:
		p->exited_self++;
		break;
	default:
		break;
	}
	if (r->t.flags & PVT_F_GROUP_EXIT_ORIGIN)
		first_update(&p->group_first, &r->t);
}

/*
 * Who began each process's end: the first task (record order) a signal was
 * aimed at, else the first that began a group exit taking siblings down;
 * who was taken down with it; how processes ended (folded ones included).
 */
static void exit_sums(struct pvt_table *tb)
{
	const struct pvt_fold *f = tb->fold;

	memset(&tb->exits, 0, sizeof(tb->exits));
	for (size_t i = 0; i < tb->n; i++)
		table_proc_exit_add(&tb->procs[tb->recs[i].proc], &tb->recs[i]);
	for (size_t k = 0; k < tb->nprocs; k++) {
		struct pvt_proc *p = &tb->procs[k];

		if (p->sig_first.set)
			p->origin_tid = p->sig_first.tid;
		else if (p->group_first.set && p->collateral)
			p->origin_tid = p->group_first.tid;
		tb->exits.collateral_threads += p->collateral;
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
	if (f) {
		tb->exits.processes += f->exits.processes;
		tb->exits.signaled += f->exits.signaled;
		tb->exits.failed += f->exits.failed;
		tb->exits.clean += f->exits.clean;
		tb->exits.collateral_threads += f->exits.collateral_threads;
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

void pvt_sums_add(struct pvt_sums *s, const struct pvt_task *t)
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

void pvt_sums_merge(struct pvt_sums *d, const struct pvt_sums *s)
{
	d->tasks += s->tasks;
	d->vol += s->vol;
	d->invol += s->invol;
	d->in += s->in;
	d->in_unseen += s->in_unseen;
	d->as_change += s->as_change;
	for (int i = 0; i < PVT_FROM__MAX; i++)
		d->from[i] += s->from[i];
	d->oncpu_ns += s->oncpu_ns;
	for (int i = 0; i < PVT_OUT__MAX; i++)
		d->out_state[i] += s->out_state[i];
	d->runq_count += s->runq_count;
	d->runq_total_ns += s->runq_total_ns;
	if (s->runq_max_ns > d->runq_max_ns)
		d->runq_max_ns = s->runq_max_ns;
	d->blocked_ns += s->blocked_ns;
	d->migrations += s->migrations;
	d->wakeups += s->wakeups;
	hist_add(&d->runq_hist, &s->runq_hist);
}

/* Order records by process instance, leader first, then by tid and start. */
static int rec_cmp(const struct pvt_task *x, const struct pvt_task *y)
{

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

/* The table whose records are being sorted (reports are single-threaded). */
static const struct pvt_table *sort_recs_tb;

static int rec_idx_cmp(const void *a, const void *b)
{
	return rec_cmp(&sort_recs_tb->recs[*(const size_t *)a].t,
		       &sort_recs_tb->recs[*(const size_t *)b].t);
}

void table_rec_derive(struct pvt_rec *r)
{
	const struct pvt_task *t = &r->t;

	r->alive = !(t->flags & PVT_F_DEAD);
	/* Ended (its final switch), or alive and read at the end (PVT_F_FINAL_READ). */
	r->verified = (!r->alive || (t->flags & PVT_F_FINAL_READ)) && (t->flags & PVT_F_BASELINE);
	r->exact = r->verified && t->sw_vol == pvt_kdelta_vol(r) && t->sw_invol == pvt_kdelta_invol(r);
	r->exit = (t->flags & PVT_F_EXITED) ? pvt_decode_exit(t->exit_code) : (struct pvt_exit){};
}

void table_proc_start(struct pvt_proc *p, const struct pvt_task *t)
{
	memset(p, 0, sizeof(*p));
	p->pid = t->pid;
	p->ppid = t->ppid;
	p->leader_start_time = t->leader_start_time;
	p->leader = -1;
	p->first_ns = t->first_ns;
	memcpy(p->comm, t->comm, sizeof(p->comm));
}

/* The leader as last seen names the process: a later one (a thread that exec'd) wins. */
static bool leader_wins(const struct pvt_proc *p, uint64_t first_ns)
{
	return !p->leader_seen || first_ns >= p->leader_first_ns;
}

void table_proc_add(struct pvt_proc *p, const struct pvt_rec *r, ssize_t idx)
{
	const struct pvt_task *t = &r->t;

	p->threads++;
	if (t->tid == t->pid && leader_wins(p, t->first_ns)) {
		p->leader = idx;
		p->leader_seen = true;
		p->leader_first_ns = t->first_ns;
		p->leader_kstack = t->kstack_bytes;
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
	pvt_sums_add(&p->sums, t);
}

/* Process instances in table order: by the leader's start_time, then by pid. */
static int key_cmp(uint64_t lst_a, uint32_t pid_a, uint64_t lst_b, uint32_t pid_b)
{
	if (lst_a != lst_b)
		return lst_a < lst_b ? -1 : 1;
	return pid_a < pid_b ? -1 : (pid_a > pid_b);
}

/*
 * Sort the records by rec_cmp through an index, then move them into place
 * one cycle at a time: qsort of the records themselves would copy them all
 * once more (glibc's merge sort), a peak the size of the table.
 */
static int sort_records(struct pvt_table *tb)
{
	size_t *idx = malloc((tb->n ? tb->n : 1) * sizeof(*idx));
	struct pvt_rec tmp;

	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < tb->n; i++)
		idx[i] = i;
	sort_recs_tb = tb;
	if (tb->n)
		qsort(idx, tb->n, sizeof(*idx), rec_idx_cmp);
	sort_recs_tb = NULL;
	/* position i takes record idx[i] */
	for (size_t i = 0; i < tb->n; i++) {
		size_t j = i, k;

		if (idx[i] == i)
			continue;
		tmp = tb->recs[i];
		while ((k = idx[j]) != i) {
			tb->recs[j] = tb->recs[k];
			idx[j] = j;
			j = k;
		}
		tb->recs[j] = tmp;
		idx[j] = j;
	}
	free(idx);
	return 0;
}

/* The fold whose parts are being sorted (reports are single-threaded). */
static const struct pvt_fold *sort_parts_f;

static int part_cmp(const void *a, const void *b)
{
	const struct pvt_proc *x = &sort_parts_f->parts[*(const size_t *)a];
	const struct pvt_proc *y = &sort_parts_f->parts[*(const size_t *)b];

	return key_cmp(x->leader_start_time, x->pid, y->leader_start_time, y->pid);
}

/* The folded parts in table order (positions into f->parts); NULL on ENOMEM. */
static size_t *parts_in_order(const struct pvt_fold *f, size_t n)
{
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx));

	for (size_t i = 0; idx && i < n; i++)
		idx[i] = i;
	sort_parts_f = f;
	if (idx && n)
		qsort(idx, n, sizeof(*idx), part_cmp);
	sort_parts_f = NULL;
	return idx;
}

/* Each held record into its process row, the folded parts merged in (both in table order). */
static void group(struct pvt_table *tb, const size_t *pord, size_t nparts)
{
	const struct pvt_fold *f = tb->fold;
	size_t i = 0, j = 0;

	while (i < tb->n || j < nparts) {
		const struct pvt_task *t = i < tb->n ? &tb->recs[i].t : NULL;
		const struct pvt_proc *part = j < nparts ? &f->parts[pord[j]] : NULL;
		int c = !t ? 1 : !part ? -1 : key_cmp(t->leader_start_time, t->pid,
						      part->leader_start_time, part->pid);
		struct pvt_proc *p = &tb->procs[tb->nprocs++];

		if (c >= 0) {
			/* the folded part first: its sums, counts, exit, candidates and leader */
			*p = *part;
			p->leader = -1;
			j++;
		} else {
			table_proc_start(p, t);
		}
		for (; c <= 0 && i < tb->n && tb->recs[i].t.pid == p->pid &&
		       tb->recs[i].t.leader_start_time == p->leader_start_time; i++) {
			struct pvt_rec *r = &tb->recs[i];

			table_rec_derive(r);
			tb->alive += r->alive;
			tb->alive_verified += r->alive && r->verified;
			tb->verified += r->verified;
			tb->exact += r->exact;
			pvt_sums_add(pvt_is_thread(&r->t) ? &tb->threads : &tb->processes, &r->t);
			r->proc = (size_t)(p - tb->procs);
			table_proc_add(p, r, (ssize_t)i);
		}
	}
}

int table_finish(struct pvt_table *tb)
{
	const struct pvt_fold *f = tb->fold;
	size_t nparts = f ? f->nparts : 0, *pord;

	tb->finished = false;
	if (sort_records(tb))
		return -ENOMEM;
	pord = parts_in_order(f, nparts);
	free(tb->procs);
	tb->procs = calloc(tb->n + nparts ? tb->n + nparts : 1, sizeof(*tb->procs));
	if (!tb->procs || !pord) {
		free(pord);
		return -ENOMEM;
	}
	tb->nprocs = 0;
	tb->verified = tb->exact = tb->alive = tb->alive_verified = 0;
	memset(&tb->threads, 0, sizeof(tb->threads));
	memset(&tb->processes, 0, sizeof(tb->processes));
	group(tb, pord, nparts);
	free(pord);
	if (f) {
		tb->verified += f->verified;
		tb->exact += f->exact;
		pvt_sums_merge(&tb->threads, &f->kind[1]);
		pvt_sums_merge(&tb->processes, &f->kind[0]);
	}
	apply_late_costs(tb);
	exit_sums(tb);
	if (create_sums(tb, true, &tb->create_threads) || create_sums(tb, false, &tb->create_procs))
		return -ENOMEM;
	tb->finished = true;
	return 0;
}

uint64_t table_tasks(const struct pvt_table *tb)
{
	return tb->n + (tb->fold ? tb->fold->tasks : 0);
}

uint64_t table_processes(const struct pvt_table *tb)
{
	return tb->nprocs + (tb->fold ? tb->fold->processes : 0);
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
