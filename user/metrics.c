// SPDX-License-Identifier: GPL-2.0
/*
 * metrics.c - the series of `pvtrace serve` (metrics.h): each task's growth
 * since it was last seen, added to the series its labels name; processes'
 * names and memory; series that end, fold into `other`, expire.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hist.h"
#include "keyindex.h"
#include "metrics.h"
#include "vec.h"

#define NCOUNTS (sizeof(struct met_counts) / sizeof(uint64_t))
_Static_assert(sizeof(struct met_counts) % sizeof(uint64_t) == 0, "met_counts: u64 only");

const char *const met_label_names[MET_L__MAX] = {
	[MET_L_PID] = "pid", [MET_L_TID] = "tid", [MET_L_COMM] = "comm", [MET_L_CGROUP] = "cgroup",
};

/* A task seen alive or ended: what it had counted when last seen. */
struct met_task {
	uint32_t tid, pid;
	uint64_t start_time, leader_start_time, cgroup_id;
	char comm[PVT_COMM_LEN + 1];
	struct met_counts last;
	uint64_t seen_gen;           /* the snapshot it was last in */
	bool ended;                  /* its final record came: later alive copies are older */
};

/* A process instance: the name and cgroup its series carry. */
struct met_proc {
	uint32_t pid;
	uint64_t leader_start_time, cgroup_id;
	char comm[PVT_COMM_LEN + 1];
	bool leader_seen;            /* comm and cgroup_id are its leader's */
	uint64_t alive_gen;          /* the snapshot a task of it was last alive in */
};

/* The label values of one series, built in place. */
struct met_labels {
	const char *v[MET_L__MAX];
	char pid[12], tid[12], comm[PVT_COMM_LEN + 1];
};

int metrics_init(struct metrics *m, const struct metrics_opts *o)
{
	memset(m, 0, sizeof(*m));
	m->o = *o;
	if (!m->o.max_series)
		m->o.max_series = 1;
	for (int i = 0; i < MET_L__MAX; i++)
		if (m->o.by == METRICS_BY_PROCESS ? i != MET_L_TID :
		    m->o.by == METRICS_BY_THREAD ? true :
		    m->o.by == METRICS_BY_CGROUP ? i == MET_L_CGROUP : i == MET_L_COMM)
			m->other.label[i] = (char *)"other";
	return 0;
}

static void series_free_labels(struct met_series *s)
{
	for (int i = 0; i < MET_L__MAX; i++)
		free(s->label[i]);
}

void metrics_free(struct metrics *m)
{
	for (size_t i = 0; i < m->nseries; i++)
		series_free_labels(&m->series[i]);
	free(m->series);
	free(m->tasks);
	free(m->procs);
	pvt_index_free(m->series_ix);
	pvt_index_free(m->task_ix);
	pvt_index_free(m->tid_ix);
	pvt_index_free(m->proc_ix);
	memset(m, 0, sizeof(*m));
}

/* ---- counts ---- */

/* The le bucket of each in-kernel bucket: the first bound at or above its (exclusive) top. */
static unsigned le_of(unsigned idx)
{
	uint64_t high = hist_bucket_high(idx);
	unsigned j;

	if (idx == PVT_HIST_BUCKETS - 1)
		return MET_RUNQ_BOUNDS; /* open-ended */
	for (j = 0; j < MET_RUNQ_BOUNDS; j++)
		if (high <= met_runq_le_ns(j))
			return j;
	return MET_RUNQ_BOUNDS;
}

void metrics_counts_of(const struct pvt_task *t, struct met_counts *out)
{
	static unsigned char le[PVT_HIST_BUCKETS];
	static bool le_ready;

	if (!le_ready) {
		for (unsigned i = 0; i < PVT_HIST_BUCKETS; i++)
			le[i] = (unsigned char)le_of(i);
		le_ready = true;
	}
	memset(out, 0, sizeof(*out));
	out->vol = t->sw_vol;
	out->invol = t->sw_invol;
	memcpy(out->from, t->sw_from, sizeof(out->from));
	out->in_unseen = t->sw_in_unseen;
	out->as_change = t->sw_as_change;
	out->oncpu_ns = t->oncpu_ns;
	out->runq_ns = t->runq_total_ns;
	for (unsigned i = 0; i < PVT_HIST_BUCKETS; i++)
		out->runq[le[i]] += t->runq_hist[i];
}

/* dst += now - last, field by field (a count never goes back: a drop adds nothing).  Grew? */
static bool counts_add_growth(struct met_counts *dst, const struct met_counts *now,
			      const struct met_counts *last)
{
	uint64_t *d = (uint64_t *)dst;
	const uint64_t *a = (const uint64_t *)now, *b = (const uint64_t *)last;
	bool grew = false;

	for (size_t i = 0; i < NCOUNTS; i++) {
		if (a[i] > b[i]) {
			d[i] += a[i] - b[i];
			grew = true;
		}
	}
	return grew;
}

static void counts_add(struct met_counts *dst, const struct met_counts *src)
{
	uint64_t *d = (uint64_t *)dst;
	const uint64_t *s = (const uint64_t *)src;

	for (size_t i = 0; i < NCOUNTS; i++)
		d[i] += s[i];
}

/* ---- series ---- */

static uint64_t labels_hash(const struct met_labels *l)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (int i = 0; i < MET_L__MAX; i++) {
		const unsigned char *p = (const unsigned char *)(l->v[i] ? l->v[i] : "");

		h = (h ^ (l->v[i] ? 1 : 2)) * 0x100000001b3ull;
		for (; *p; p++)
			h = (h ^ *p) * 0x100000001b3ull;
	}
	return h;
}

static bool labels_equal(const struct met_series *s, const struct met_labels *l)
{
	for (int i = 0; i < MET_L__MAX; i++) {
		if (!s->label[i] != !l->v[i])
			return false;
		if (s->label[i] && strcmp(s->label[i], l->v[i]))
			return false;
	}
	return true;
}

/* A new series for @l at the end of the array: NULL out of memory. */
static struct met_series *series_new(struct metrics *m, const struct met_labels *l, uint64_t h)
{
	struct met_series *s;

	if (VEC_RESERVE(m->series, m->cap_series, m->nseries + 1) ||
	    pvt_index_put(&m->series_ix, (uint32_t)(h >> 32), h, m->nseries))
		return NULL;
	s = &m->series[m->nseries];
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < MET_L__MAX; i++) {
		if (l->v[i] && !(s->label[i] = strdup(l->v[i]))) {
			series_free_labels(s);
			pvt_index_del(m->series_ix, (uint32_t)(h >> 32), h);
			return NULL;
		}
	}
	s->hash = h;
	s->last_change_ns = m->now_ns;
	s->folded = m->nexported >= m->o.max_series;
	if (s->folded) {
		m->folded_total++;
		m->other_used = true;
	} else {
		m->nexported++;
	}
	m->nseries++;
	return s;
}

/* The series named @l (made if new); `other` if the index holds another under its hash. */
static struct met_series *series_get(struct metrics *m, const struct met_labels *l)
{
	uint64_t h = labels_hash(l);
	long pos = pvt_index_find(m->series_ix, (uint32_t)(h >> 32), h);

	if (pos < 0)
		return series_new(m, l, h);
	if (labels_equal(&m->series[pos], l))
		return &m->series[pos];
	m->other_used = true; /* a 64-bit hash collision: counted together */
	return &m->other;
}

/* Drop series @i (its folded counts kept in `other`); the last one takes its place. */
static void series_drop(struct metrics *m, size_t i)
{
	struct met_series *s = &m->series[i], *last = &m->series[m->nseries - 1];

	if (s->folded) {
		counts_add(&m->other.c, &s->c);
		m->other.created[0] += s->created[0];
		m->other.created[1] += s->created[1];
	} else {
		m->nexported--;
	}
	pvt_index_del(m->series_ix, (uint32_t)(s->hash >> 32), s->hash);
	series_free_labels(s);
	if (s != last) {
		*s = *last;
		pvt_index_put(&m->series_ix, (uint32_t)(s->hash >> 32), s->hash, i);
	}
	m->nseries--;
}

/* ---- processes ---- */

static struct met_proc *proc_find(struct metrics *m, uint32_t pid, uint64_t lst)
{
	long pos = pvt_index_find(m->proc_ix, pid, lst);

	return pos < 0 ? NULL : &m->procs[pos];
}

static void copy_comm(char *dst, const char *src)
{
	memcpy(dst, src, PVT_COMM_LEN);
	dst[PVT_COMM_LEN] = '\0';
}

/* The process of @t, made from @t if new; its leader's name and cgroup once seen.  NULL: no memory. */
static struct met_proc *proc_note(struct metrics *m, const struct pvt_task *t)
{
	struct met_proc *p = proc_find(m, t->pid, t->leader_start_time);
	bool leader = t->tid == t->pid;

	if (!p) {
		if (VEC_RESERVE(m->procs, m->cap_procs, m->nprocs + 1) ||
		    pvt_index_put(&m->proc_ix, t->pid, t->leader_start_time, m->nprocs))
			return NULL;
		p = &m->procs[m->nprocs++];
		memset(p, 0, sizeof(*p));
		p->pid = t->pid;
		p->leader_start_time = t->leader_start_time;
		leader = true; /* until the leader is seen, the first task names it */
	}
	if (leader) {
		copy_comm(p->comm, t->comm);
		p->cgroup_id = t->cgroup_id;
		p->leader_seen |= t->tid == t->pid;
	}
	return p;
}

static void proc_drop(struct metrics *m, size_t i)
{
	struct met_proc *p = &m->procs[i], *last = &m->procs[m->nprocs - 1];

	pvt_index_del(m->proc_ix, p->pid, p->leader_start_time);
	if (p != last) {
		*p = *last;
		pvt_index_put(&m->proc_ix, p->pid, p->leader_start_time, i);
	}
	m->nprocs--;
}

/* ---- labels ---- */

static const char *cgroup_label(const struct metrics *m, uint64_t id)
{
	const char *path = id && m->o.cgroup_name ? m->o.cgroup_name(m->o.ctx, id) : NULL;

	return path ? path : "";
}

/* The labels of a task's series (@p: its process; NULL: the task names it). */
static void labels_of(const struct metrics *m, const struct met_task *k, const struct met_proc *p,
		      struct met_labels *l)
{
	const char *pname = p ? p->comm : k->comm;
	uint64_t pcg = p ? p->cgroup_id : k->cgroup_id;

	memset(l->v, 0, sizeof(l->v));
	snprintf(l->pid, sizeof(l->pid), "%u", k->pid);
	snprintf(l->tid, sizeof(l->tid), "%u", k->tid);
	switch (m->o.by) {
	case METRICS_BY_PROCESS:
		l->v[MET_L_PID] = l->pid;
		l->v[MET_L_COMM] = strcpy(l->comm, pname);
		l->v[MET_L_CGROUP] = cgroup_label(m, pcg);
		break;
	case METRICS_BY_THREAD:
		l->v[MET_L_PID] = l->pid;
		l->v[MET_L_TID] = l->tid;
		l->v[MET_L_COMM] = strcpy(l->comm, k->comm);
		l->v[MET_L_CGROUP] = cgroup_label(m, k->cgroup_id);
		break;
	case METRICS_BY_CGROUP:
		l->v[MET_L_CGROUP] = cgroup_label(m, k->cgroup_id);
		break;
	case METRICS_BY_COMM:
		l->v[MET_L_COMM] = strcpy(l->comm, pname);
		break;
	}
}

static struct met_series *series_of_task(struct metrics *m, const struct met_task *k)
{
	struct met_labels l;

	labels_of(m, k, proc_find(m, k->pid, k->leader_start_time), &l);
	return series_get(m, &l);
}

/* ---- tasks ---- */

/*
 * A task is named by its process and start_time, not its tid: a thread that
 * execs takes its leader's tid, and stays the same task (counts and all).
 */
static struct met_task *task_find(struct metrics *m, uint32_t pid, uint64_t start)
{
	long pos = pvt_index_find(m->task_ix, pid, start);

	return pos < 0 ? NULL : &m->tasks[pos];
}

/* A task's tid changed (it exec'd as a thread): the creators' index follows it. */
static void task_retid(struct metrics *m, struct met_task *k, uint32_t tid)
{
	size_t pos = (size_t)(k - m->tasks);

	if (pvt_index_find(m->tid_ix, k->tid, 0) == (long)pos)
		pvt_index_del(m->tid_ix, k->tid, 0);
	k->tid = tid;
	if (pvt_index_put(&m->tid_ix, tid, 0, pos))
		m->dropped++;
}

static void task_ident(struct met_task *k, const struct pvt_task *t)
{
	k->leader_start_time = t->leader_start_time;
	k->cgroup_id = t->cgroup_id;
	copy_comm(k->comm, t->comm);
}

/* A task created under tracing counts in the series of the thread that created it. */
static void count_creation(struct metrics *m, const struct pvt_task *t, struct met_task *self)
{
	long pos = t->parent_tid ? pvt_index_find(m->tid_ix, t->parent_tid, 0) : -1;
	struct met_task *creator = pos >= 0 ? &m->tasks[pos] : self;
	struct met_series *s = series_of_task(m, creator);

	if (!s) {
		m->dropped++;
		return;
	}
	s->created[t->clone_flags & PVT_CLONE_THREAD ? 0 : 1]++;
	s->last_change_ns = m->now_ns;
}

/* @t's state, made (counts from zero) at its first sight.  NULL: no memory. */
static struct met_task *task_get(struct metrics *m, const struct pvt_task *t)
{
	struct met_task *k = task_find(m, t->pid, t->start_time);

	if (k) {
		if (k->tid != t->tid)
			task_retid(m, k, t->tid);
		return k;
	}
	if (VEC_RESERVE(m->tasks, m->cap_tasks, m->ntasks + 1) ||
	    pvt_index_put(&m->task_ix, t->pid, t->start_time, m->ntasks) ||
	    pvt_index_put(&m->tid_ix, t->tid, 0, m->ntasks)) {
		pvt_index_del(m->task_ix, t->pid, t->start_time);
		return NULL;
	}
	k = &m->tasks[m->ntasks++];
	memset(k, 0, sizeof(*k));
	k->tid = t->tid;
	k->pid = t->pid;
	k->start_time = t->start_time;
	task_ident(k, t);
	if (t->flags & PVT_F_BORN)
		count_creation(m, t, k);
	return k;
}

static void task_drop(struct metrics *m, size_t i)
{
	struct met_task *k = &m->tasks[i], *last = &m->tasks[m->ntasks - 1];
	long tpos = pvt_index_find(m->tid_ix, k->tid, 0);

	pvt_index_del(m->task_ix, k->pid, k->start_time);
	if (tpos == (long)i)
		pvt_index_del(m->tid_ix, k->tid, 0);
	if (k != last) {
		size_t from = m->ntasks - 1;

		*k = *last;
		pvt_index_put(&m->task_ix, k->pid, k->start_time, i);
		if (pvt_index_find(m->tid_ix, k->tid, 0) == (long)from)
			pvt_index_put(&m->tid_ix, k->tid, 0, i);
	}
	m->ntasks--;
}

/* What @t counted since @k was last seen, into its series.  The series, or NULL. */
static struct met_series *task_growth(struct metrics *m, struct met_task *k, const struct pvt_task *t)
{
	struct met_series *s;
	struct met_counts now;

	task_ident(k, t);
	s = series_of_task(m, k);
	if (!s) {
		m->dropped++;
		return NULL;
	}
	metrics_counts_of(t, &now);
	if (counts_add_growth(&s->c, &now, &k->last))
		s->last_change_ns = m->now_ns;
	k->last = now;
	return s;
}

void metrics_task_ended(struct metrics *m, const struct pvt_task *t)
{
	struct met_task *k;

	if (!proc_note(m, t)) {
		m->dropped++;
		return;
	}
	k = task_get(m, t);
	if (!k) {
		m->dropped++;
		return;
	}
	if (k->ended)
		return;
	task_growth(m, k, t);
	k->ended = true;
}

static void task_alive(struct metrics *m, const struct pvt_task *t)
{
	struct met_task *k = task_get(m, t);
	struct met_series *s;

	if (!k) {
		m->dropped++;
		return;
	}
	k->seen_gen = m->gen;
	if (k->ended)
		return; /* read before its final record came: older */
	s = task_growth(m, k, t);
	if (s) {
		s->tasks[t->tid == t->pid]++;
		s->last_change_ns = m->now_ns;
	}
}

/* ---- snapshots ---- */

/* Memory: each process with a task alive, to its series (by thread: its leader's). */
static void memory_pass(struct metrics *m)
{
	for (size_t i = 0; m->o.read_mem && i < m->nprocs; i++) {
		struct met_proc *p = &m->procs[i];
		struct met_task leader = { .tid = p->pid, .pid = p->pid,
					   .leader_start_time = p->leader_start_time,
					   .cgroup_id = p->cgroup_id };
		uint64_t mem[MET_MEM__MAX];
		struct met_series *s;
		struct met_labels l;

		if (p->alive_gen != m->gen || (m->o.by == METRICS_BY_THREAD && !p->leader_seen))
			continue;
		if (m->o.read_mem(m->o.ctx, p->pid, mem))
			continue;
		memcpy(leader.comm, p->comm, sizeof(leader.comm));
		labels_of(m, &leader, p, &l);
		s = series_get(m, &l);
		if (!s)
			continue;
		for (int j = 0; j < MET_MEM__MAX; j++)
			s->mem[j] += mem[j];
		s->has_mem = true;
	}
}

static void gauges_reset(struct met_series *s)
{
	memset(s->tasks, 0, sizeof(s->tasks));
	memset(s->mem, 0, sizeof(s->mem));
	s->has_mem = false;
}

/* Tasks not in this snapshot: ended ones are done; others vanished (their last counts stay). */
static void tasks_sweep(struct metrics *m)
{
	for (size_t i = m->ntasks; i-- > 0;) {
		struct met_task *k = &m->tasks[i];

		if (k->seen_gen == m->gen)
			continue;
		if (!k->ended)
			m->tasks_vanished++;
		task_drop(m, i);
	}
	for (size_t i = m->nprocs; i-- > 0;)
		if (m->procs[i].alive_gen != m->gen)
			proc_drop(m, i);
}

static void series_expire(struct metrics *m)
{
	for (size_t i = m->nseries; i-- > 0;) {
		struct met_series *s = &m->series[i];

		if (s->tasks[0] || s->tasks[1] || m->now_ns - s->last_change_ns <= m->o.grace_ns)
			continue;
		series_drop(m, i);
	}
}

void metrics_snapshot(struct metrics *m, const struct pvt_task *t, size_t n, uint64_t now_ns)
{
	m->gen++;
	m->now_ns = now_ns;
	m->tasks_alive = n;
	for (size_t i = 0; i < m->nseries; i++)
		gauges_reset(&m->series[i]);
	gauges_reset(&m->other);
	/* Leaders first, so that every process is named by its leader's comm. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			struct met_proc *p;

			if ((t[i].tid == t[i].pid) != (pass == 0))
				continue;
			p = proc_note(m, &t[i]);
			if (p)
				p->alive_gen = m->gen;
		}
	}
	for (size_t i = 0; i < n; i++)
		task_alive(m, &t[i]);
	memory_pass(m);
	tasks_sweep(m);
	series_expire(m);
}
