// SPDX-License-Identifier: GPL-2.0
/*
 * fold.c - exited tasks beyond --keep-tasks folded into sums (fold.h;
 * docs/METRICS.md "Folded tasks").  Every figure a folded record adds goes
 * through the functions table_finish() uses for a held one (tasktable.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fold.h"
#include "keyindex.h"
#include "vec.h"

#define NAME_SLOTS (2 * PVT_FOLD_NAMES)

void fold_init(struct pvt_fold *f, struct pvt_table *tb, size_t keep, size_t rank_rows,
	       size_t pending_cap)
{
	memset(f, 0, sizeof(*f));
	f->keep = keep;
	f->rank_rows = rank_rows;
	f->pending_cap = pending_cap;
	memcpy(f->other.comm, "(other)", sizeof("(other)"));
	tb->fold = f;
}

void fold_free(struct pvt_fold *f)
{
	struct pvt_qsketch *mem[] = {
		&f->mem.thread_kernel, &f->mem.thread_resident, &f->mem.thread_reserved,
		&f->mem.proc_rss_peak, &f->mem.proc_page_tables, &f->mem.proc_kernel,
		&f->mem.proc_private,
	};

	for (int c = 0; c < 2; c++)
		for (int k = 0; k < PVT_CS__MAX; k++)
			qs_free(&f->create[c].v[k]);
	for (size_t i = 0; i < sizeof(mem) / sizeof(mem[0]); i++)
		qs_free(mem[i]);
	free(f->names);
	free(f->name_slots);
	free(f->parts);
	pvt_index_free(f->parts_ix);
	free(f->pending);
	free(f->closed);
	pvt_index_free(f->closed_ix);
	memset(f, 0, sizeof(*f));
}

void fold_set_slab(struct pvt_fold *f, const struct pvt_slab_sizes *sl)
{
	f->slab = *sl;
	f->slab_known = true;
}

static const struct pvt_slab_sizes *fold_slab(struct pvt_fold *f)
{
	if (!f->slab_known) {
		memory_slab_sizes(&f->slab);
		f->slab_known = true;
	}
	return &f->slab;
}

/* Add to a sketch; a value it cannot take is counted (the task is in every count regardless). */
static void sk_add(struct pvt_fold *f, struct pvt_qsketch *s, uint64_t v)
{
	if (qs_add(s, v, 1))
		f->values_lost++;
}

/* ---- by name ---- */

static uint32_t name_hash(const char *comm)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < PVT_COMM_LEN && comm[i]; i++) {
		h ^= (uint8_t)comm[i];
		h *= 16777619u;
	}
	return h;
}

/* The row of @comm: found, new, or `other` once PVT_FOLD_NAMES are taken (or without memory). */
static struct pvt_fold_name *name_row(struct pvt_fold *f, const char *comm)
{
	struct pvt_fold_name *nm;
	size_t i;

	if (!f->name_slots) {
		f->name_slots = calloc(NAME_SLOTS, sizeof(*f->name_slots));
		f->names = calloc(PVT_FOLD_NAMES, sizeof(*f->names));
		if (!f->name_slots || !f->names) {
			free(f->name_slots);
			free(f->names);
			f->name_slots = NULL;
			f->names = NULL;
			return &f->other;
		}
	}
	for (i = name_hash(comm) & (NAME_SLOTS - 1); f->name_slots[i]; i = (i + 1) & (NAME_SLOTS - 1)) {
		nm = &f->names[f->name_slots[i] - 1];
		if (!strncmp(nm->comm, comm, PVT_COMM_LEN))
			return nm;
	}
	if (f->nnames == PVT_FOLD_NAMES)
		return &f->other;
	nm = &f->names[f->nnames++];
	f->name_slots[i] = (uint16_t)f->nnames;
	memcpy(nm->comm, comm, PVT_COMM_LEN);
	nm->comm[PVT_COMM_LEN - 1] = '\0';
	return nm;
}

static void name_add(struct pvt_fold *f, const struct pvt_rec *r)
{
	const struct pvt_task *t = &r->t;
	struct pvt_fold_name *nm = name_row(f, t->comm);

	nm->tasks++;
	nm->threads += pvt_is_thread(t);
	nm->vol += t->sw_vol;
	nm->invol += t->sw_invol;
	nm->oncpu_ns += t->oncpu_ns;
	nm->runq_total_ns += t->runq_total_ns;
	nm->lifetime_ns += pvt_lifetime_ns(r);
}

/* ---- process parts, and the processes folded lately ---- */

static struct pvt_proc *part_of(struct pvt_fold *f, const struct pvt_task *t)
{
	long i = pvt_index_find(f->parts_ix, t->pid, t->leader_start_time);

	if (i >= 0)
		return &f->parts[i];
	if (VEC_RESERVE(f->parts, f->parts_cap, f->nparts + 1) ||
	    pvt_index_put(&f->parts_ix, t->pid, t->leader_start_time, f->nparts))
		return NULL;
	table_proc_start(&f->parts[f->nparts], t);
	return &f->parts[f->nparts++];
}

static void part_remove(struct pvt_fold *f, size_t i)
{
	pvt_index_del(f->parts_ix, f->parts[i].pid, f->parts[i].leader_start_time);
	if (i != --f->nparts) {
		f->parts[i] = f->parts[f->nparts];
		/* its key is there: replaced in place, nothing allocated */
		pvt_index_put(&f->parts_ix, f->parts[i].pid, f->parts[i].leader_start_time, i);
	}
}

static const struct pvt_fold_closed *closed_find(const struct pvt_fold *f, uint32_t pid,
						 uint64_t leader_start)
{
	long i = pvt_index_find(f->closed_ix, pid, leader_start);

	return i >= 0 ? &f->closed[i] : NULL;
}

/* Remember a folded process (the oldest of PVT_FOLD_CLOSED forgotten); without memory, not. */
static void closed_add(struct pvt_fold *f, const struct pvt_proc *p)
{
	struct pvt_fold_closed *c;
	size_t slot = f->closed_next;

	if (!f->closed && !(f->closed = calloc(PVT_FOLD_CLOSED, sizeof(*f->closed))))
		return;
	c = &f->closed[slot];
	if (f->nclosed == PVT_FOLD_CLOSED) {
		if (pvt_index_find(f->closed_ix, c->pid, c->leader_start_time) == (long)slot)
			pvt_index_del(f->closed_ix, c->pid, c->leader_start_time);
	} else {
		f->nclosed++;
	}
	*c = (struct pvt_fold_closed){ .leader_start_time = p->leader_start_time, .pid = p->pid,
				       .leader_kstack = p->leader_kstack };
	pvt_index_put(&f->closed_ix, c->pid, c->leader_start_time, slot);
	f->closed_next = (slot + 1) % PVT_FOLD_CLOSED;
}

/* ---- one record, one process ---- */

/* Its creation figures, as table_finish() counts them; a cost BPF may hold apart, pending. */
static void fold_creation(struct pvt_fold *f, const struct pvt_task *t)
{
	bool thread = pvt_created_thread(t);
	struct pvt_fold_create *fc = &f->create[thread];
	bool maybe_late = (t->flags & PVT_F_IN_CREATE) && !t->create_cost.syscall_ns;
	bool pending = maybe_late && f->npending < f->pending_cap &&
		       !VEC_RESERVE(f->pending, f->pending_alloc, f->npending + 1);
	struct pvt_create_vals cv;

	if (pending)
		f->pending[f->npending++] = (struct pvt_fold_pending){
			.start_time = t->start_time, .tid = t->tid, .thread = thread };
	/* pending: missing or not, table_finish() tells once the late costs are read */
	pvt_create_vals(t, &t->create_cost, maybe_late && !pending, &cv);
	fc->born++;
	fc->in_syscall += cv.in_syscall;
	fc->not_timed += cv.not_timed;
	fc->cost_missing += cv.cost_missing;
	fc->execed += cv.execed;
	for (int k = 0; k < PVT_CS__MAX; k++)
		if (cv.has[k])
			sk_add(f, &fc->v[k], cv.v[k]);
}

/* Its memory figures, as memory_summary() counts a thread; its stack samples forgotten. */
static void fold_task_memory(struct pvt_fold *f, struct pvt_mem_table *mt, const struct pvt_task *t)
{
	struct pvt_task_mem tm;

	if (pvt_is_thread(t)) {
		memory_task(mt, fold_slab(f), t, &tm);
		f->mem.threads++;
		sk_add(f, &f->mem.thread_kernel, tm.kernel_bytes);
		if (tm.resident_known) {
			f->mem.threads_resident++;
			sk_add(f, &f->mem.thread_resident, tm.stack_resident);
		}
		if (tm.stack_reserved)
			sk_add(f, &f->mem.thread_reserved, tm.stack_reserved);
	}
	if (mt)
		memtab_forget_stack(mt, t->tid, t->start_time);
}

/*
 * Count one exited record in the folded sums, as table_finish() would have
 * counted it held: verification, its kind's sums, its process (its part, or
 * for a process folded before, only the process-less sums), its name,
 * creation and memory.  0, or -ENOMEM with nothing counted.
 */
static int fold_record(struct pvt_fold *f, struct pvt_mem_table *mt, struct pvt_rec *r)
{
	const struct pvt_task *t = &r->t;
	struct pvt_proc *part = NULL;

	table_rec_derive(r);
	if (!closed_find(f, t->pid, t->leader_start_time)) {
		part = part_of(f, t);
		if (!part)
			return -ENOMEM;
	}
	f->tasks++;
	f->threads += pvt_is_thread(t);
	f->verified += r->verified;
	f->exact += r->exact;
	if (!f->first_ns || t->first_ns < f->first_ns)
		f->first_ns = t->first_ns;
	pvt_sums_add(&f->kind[pvt_is_thread(t)], t);
	if (part) {
		table_proc_add(part, r, -1);
		table_proc_exit_add(part, r);
	} else {
		f->exits.collateral_threads += t->exit_how == PVT_EXIT_COLLATERAL;
	}
	name_add(f, r);
	if (t->flags & PVT_F_BORN)
		fold_creation(f, t);
	fold_task_memory(f, mt, t);
	return 0;
}

/* A folded process's memory figures, as memory_summary() counts a process. */
static void fold_proc_memory(struct pvt_fold *f, const struct pvt_mem *m,
			     const struct pvt_proc_smaps *ps, uint64_t leader_kstack)
{
	const struct pvt_slab_sizes *sl = fold_slab(f);

	f->mem.processes++;
	sk_add(f, &f->mem.proc_rss_peak, m->rss_peak);
	sk_add(f, &f->mem.proc_page_tables, m->peak.page_tables);
	sk_add(f, &f->mem.proc_kernel, sl->task_struct + leader_kstack + memory_proc_kernel_bytes(sl, m));
	if (ps && ps->samples) {
		f->mem.processes_private++;
		sk_add(f, &f->mem.proc_private, ps->at_peak.private_);
	}
}

/* Fold process part @i: its row dropped, counted by name, its exit and memory summed. */
static void drop_part(struct pvt_fold *f, struct pvt_mem_table *mt, size_t i)
{
	const struct pvt_proc *p = &f->parts[i];
	const struct pvt_mem *m = memtab_find_bpf(mt, p->pid, p->leader_start_time);

	f->processes++;
	name_row(f, p->comm)->processes++;
	if (p->exit.known) {
		f->exits.processes++;
		if (p->exit.signal)
			f->exits.signaled++;
		else if (p->exit.code)
			f->exits.failed++;
		else
			f->exits.clean++;
	}
	f->exits.collateral_threads += p->collateral;
	if (m)
		fold_proc_memory(f, m, memtab_find_smaps(mt, p->pid, p->leader_start_time),
				 p->leader_kstack);
	if (mt)
		memtab_forget_proc(mt, p->pid, p->leader_start_time);
	closed_add(f, p);
	part_remove(f, i);
}

/* ---- which records stay ---- */

/* A record or a process ranked by (k1, k2) descending, then by id ascending, as the report sorts. */
struct cand {
	uint64_t k1, k2;
	uint32_t id;
	uint32_t i;
};

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->k1 != y->k1)
		return x->k1 > y->k1 ? -1 : 1;
	if (x->k2 != y->k2)
		return x->k2 > y->k2 ? -1 : 1;
	return x->id < y->id ? -1 : (x->id > y->id);
}

/*
 * Reorder @c so that its first @k are the first @k by rank (in no order):
 * a quickselect with a three-way partition (many equal keys: a churn's
 * tasks switch alike).  Linear on average, where sorting every batch was a
 * fifth of pvtrace's time under a churn.
 */
static void select_first(struct cand *c, size_t n, size_t k)
{
	size_t lo = 0, hi = n;

	while (lo < k && k < hi) {
		struct cand pivot = c[lo + (hi - lo) / 2], tmp;
		size_t lt = lo, x = lo, gt = hi;

		while (x < gt) {
			int r = cand_cmp(&c[x], &pivot);

			if (r < 0) {
				tmp = c[lt], c[lt++] = c[x], c[x++] = tmp;
			} else if (r > 0) {
				tmp = c[--gt], c[gt] = c[x], c[x] = tmp;
			} else {
				x++;
			}
		}
		/* [lo, lt) rank before the pivot, [lt, gt) with it, [gt, hi) after */
		if (k <= lt)
			hi = lt;
		else if (k >= gt)
			lo = gt;
		else
			return;
	}
}

/*
 * Mark the first @rows of @c by rank (a key of 0 ranks nothing), counting
 * those already marked; or, with @rows 0, the first @upto not marked yet
 * (then @c must hold only those).  Returns how many it marked.
 */
static size_t mark_top(struct cand *c, size_t nc, size_t rows, uint8_t *mark, size_t upto)
{
	size_t added = 0, k = rows ? rows : upto;

	select_first(c, nc, k);
	for (size_t j = 0; j < nc && j < k; j++) {
		if (rows && !c[j].k1)
			continue;
		if (!mark[c[j].i]) {
			mark[c[j].i] = 1;
			added++;
		}
	}
	return added;
}

enum { STAYS = 1, NOT_FOLDABLE = 2 };

/*
 * Choose the held records that stay, @target exited ones at most (mark[i]
 * STAYS; alive records and the root are NOT_FOLDABLE): a verification
 * mismatch (up to a quarter), the --top costliest creations and largest
 * resident stacks, then the most switches.  Returns the foldable count, or
 * (size_t)-1 on ENOMEM.
 */
static size_t choose(struct pvt_fold *f, struct pvt_table *tb, struct pvt_mem_table *mt,
		     size_t target, uint8_t *mark)
{
	size_t quota = target / 4, rows, kept = 0, nc, foldable = 0, noted = 0;
	struct cand *c = malloc((tb->n ? tb->n : 1) * sizeof(*c));

	if (!c)
		return (size_t)-1;
	rows = f->rank_rows && f->rank_rows < quota ? f->rank_rows : quota;
	for (size_t i = 0; i < tb->n; i++) {
		struct pvt_rec *r = &tb->recs[i];

		table_rec_derive(r);
		mark[i] = r->alive || (r->t.flags & PVT_F_ROOT) ? NOT_FOLDABLE : 0;
		foldable += !mark[i];
		if (!mark[i] && r->verified && !r->exact && noted < quota) {
			mark[i] = STAYS;
			noted++;
		}
	}
	kept = noted;
	nc = 0;
	for (size_t i = 0; i < tb->n; i++)
		if (mark[i] != NOT_FOLDABLE && (tb->recs[i].t.flags & PVT_F_BORN))
			c[nc++] = (struct cand){
				.k1 = pvt_create_oncpu_ns(&tb->recs[i].t.create_cost),
				.k2 = tb->recs[i].t.create_cost.syscall_ns, .id = tb->recs[i].t.tid, .i = i };
	if (rows)
		kept += mark_top(c, nc, rows, mark, 0);
	nc = 0;
	for (size_t i = 0; i < tb->n; i++) {
		const struct pvt_task *t = &tb->recs[i].t;
		const struct pvt_task_stack *st = memtab_find_stack(mt, t->tid, t->start_time);

		if (mark[i] != NOT_FOLDABLE)
			c[nc++] = (struct cand){ .k1 = st && st->samples ? st->resident_max : 0,
						 .id = t->tid, .i = i };
	}
	if (rows)
		kept += mark_top(c, nc, rows, mark, 0);
	nc = 0;
	for (size_t i = 0; i < tb->n; i++)
		if (!mark[i])
			c[nc++] = (struct cand){ .k1 = pvt_switches(&tb->recs[i].t),
						 .id = tb->recs[i].t.tid, .i = i };
	if (kept < target)
		mark_top(c, nc, 0, mark, target - kept);
	free(c);
	return foldable;
}

/*
 * Drop the process parts that need no row: no held record, ended (its last
 * thread's exit folded into it), and not among the --top processes by
 * switches or by peak RSS (over the processes that could be dropped: so the
 * top ones of the whole run stay).
 */
static void drop_parts(struct pvt_fold *f, const struct pvt_table *tb, struct pvt_mem_table *mt,
		       size_t rows)
{
	uint8_t *mark = calloc(f->nparts ? f->nparts : 1, 1);
	struct cand *c = malloc((f->nparts ? f->nparts : 1) * sizeof(*c));
	size_t nc = 0;

	if (!mark || !c)
		goto out;
	for (size_t i = 0; i < tb->n; i++) {
		long k = pvt_index_find(f->parts_ix, tb->recs[i].t.pid, tb->recs[i].t.leader_start_time);

		if (k >= 0)
			mark[k] = NOT_FOLDABLE;
	}
	for (size_t k = 0; k < f->nparts; k++) {
		const struct pvt_proc *p = &f->parts[k];

		if (!p->exit.known)
			mark[k] = NOT_FOLDABLE;
		else if (!mark[k])
			c[nc++] = (struct cand){ .k1 = p->sums.vol + p->sums.invol, .id = p->pid, .i = k };
	}
	if (rows) {
		mark_top(c, nc, rows, mark, 0);
		for (size_t j = 0; j < nc; j++) {
			const struct pvt_proc *p = &f->parts[c[j].i];
			const struct pvt_mem *m = memtab_find_bpf(mt, p->pid, p->leader_start_time);

			c[j].k1 = m ? m->rss_peak : 0;
			c[j].k2 = 0;
		}
		mark_top(c, nc, rows, mark, 0);
	}
	/* from the end: a removal moves the last part, already passed, into the hole */
	for (size_t k = f->nparts; k-- > 0;)
		if (!mark[k])
			drop_part(f, mt, k);
out:
	free(mark);
	free(c);
}

int fold_to(struct pvt_fold *f, struct pvt_table *tb, struct pvt_mem_table *mt, size_t target)
{
	uint8_t *mark = malloc(tb->n ? tb->n : 1);
	size_t foldable, j = 0, rows;
	int err = 0;

	if (!mark)
		return -ENOMEM;
	foldable = choose(f, tb, mt, target, mark);
	if (foldable == (size_t)-1 || foldable <= target) {
		free(mark);
		return foldable == (size_t)-1 ? -ENOMEM : 0;
	}
	for (size_t i = 0; i < tb->n; i++) {
		if (mark[i])
			continue;
		if (fold_record(f, mt, &tb->recs[i])) {
			err = -ENOMEM; /* stays held: nothing of it was counted */
			mark[i] = STAYS;
		} else {
			tb->ndead--;
		}
	}
	/* Fill each folded record's place from the end: moves as many as were folded, no more. */
	for (size_t lo = 0, hi = tb->n;; lo++, hi--) {
		while (lo < hi && mark[lo])
			lo++;
		while (hi > lo && !mark[hi - 1])
			hi--;
		if (lo >= hi) {
			j = hi;
			break;
		}
		tb->recs[lo] = tb->recs[hi - 1];
	}
	tb->n = j;
	tb->finished = false;
	f->batches++;
	rows = f->rank_rows && f->rank_rows < target / 4 ? f->rank_rows : target / 4;
	drop_parts(f, tb, mt, rows);
	free(mark);
	return err;
}

size_t fold_shrink(struct pvt_fold *f, struct pvt_table *tb, struct pvt_mem_table *mt)
{
	uint64_t before = f->tasks;
	void *p;

	f->oom_folds++;
	if (!f->keep || f->keep > tb->ndead)
		f->keep = tb->ndead;
	f->keep = f->keep / 2 ? f->keep / 2 : 1;
	fold_to(f, tb, mt, f->keep);
	/* give the room back, an eighth kept for the records to come */
	p = tb->n ? realloc(tb->recs, (tb->n + tb->n / 8 + 16) * sizeof(*tb->recs)) : NULL;
	if (p) {
		tb->recs = p;
		tb->cap = tb->n + tb->n / 8 + 16;
	}
	return (size_t)(f->tasks - before);
}

void fold_add_task(struct pvt_fold *f, struct pvt_table *tb, struct pvt_mem_table *mt,
		   const struct pvt_task *t)
{
	bool dead = t->flags & PVT_F_DEAD;

	if (dead && closed_find(f, t->pid, t->leader_start_time)) {
		struct pvt_rec r = { .t = *t };

		r.t.comm[PVT_COMM_LEN - 1] = '\0';
		if (!fold_record(f, mt, &r))
			return; /* a late thread of a process folded before */
	}
	while (table_add(tb, t)) {
		if (!fold_shrink(f, tb, mt)) {
			f->records_lost++;
			return;
		}
	}
	tb->finished = false;
	/* Beyond keep: fold an eighth more, so that folding runs once per keep/8 records. */
	if (dead && f->keep && tb->ndead > f->keep)
		fold_to(f, tb, mt, f->keep - f->keep / 8);
}

void fold_add_mem(struct pvt_fold *f, struct pvt_table *tb, struct pvt_mem_table *mt,
		  const struct pvt_mem *m)
{
	const struct pvt_fold_closed *c = closed_find(f, m->pid, m->leader_start_time);

	if (c) {
		fold_proc_memory(f, m, NULL, c->leader_kstack);
		return;
	}
	while (memtab_add_bpf(mt, m)) {
		if (!fold_shrink(f, tb, mt)) {
			f->records_lost++;
			return;
		}
	}
}
