// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/fold.c: a hand-built table of ten tasks in five
 * processes, held whole in one table and folded down to --keep-tasks 3 in
 * another, must give the same figures: every sum, the verification, the
 * creation costs (late ones too), the exits, the memory summary and each
 * process row still shown; the folded tasks and processes counted exactly,
 * by name; the tasks that rank by switches still held.  Then a late thread
 * of a process folded before, running out of memory, folding again after
 * table_finish().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fold.h"
#include "tasktable_fixture.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BORN_IN (PVT_F_BORN | PVT_F_IN_CREATE)
#define GROUP_END (PVT_F_GROUP_DEAD)

static const struct pvt_slab_sizes slab = {
	.task_struct = 5952, .mm_struct = 1600, .signal = 1152, .sighand = 2112, .files = 704,
	.vma = 192,
};

/* A task with its own figures: switches (distinct per task), run-queue waits, on-CPU time. */
static struct pvt_task task(uint32_t tid, uint32_t pid, uint64_t lst, uint32_t flags,
			    const char *comm, uint64_t vol, uint64_t invol)
{
	struct pvt_task t = mk(tid, pid, lst, flags | DEAD_OK);

	set_counts(&t, vol, invol);
	t.sw_in = vol + invol;
	t.sw_from[tid % PVT_FROM__MAX] = vol;
	t.sw_from[(tid + 1) % PVT_FROM__MAX] = invol;
	t.sw_as_change = tid % 3;
	t.sw_out_state[PVT_OUT_SLEEPING] = vol;
	t.sw_out_state[PVT_OUT_PREEMPTED] = invol;
	t.oncpu_ns = 1000 * tid + 7;
	t.runq_count = 2;
	t.runq_total_ns = 300 + tid;
	t.runq_max_ns = 200 + tid;
	t.runq_hist[tid % PVT_HIST_BUCKETS] = 1;
	t.runq_hist[(tid * 7) % PVT_HIST_BUCKETS] += 1;
	t.blocked_ns[PVT_OUT_SLEEPING] = 50 * tid;
	t.migrations = tid % 4;
	t.wakeups = tid % 5;
	t.kstack_bytes = 16384;
	t.ustack_lo = 0x10000000ull * tid;
	t.ustack_hi = t.ustack_lo + 0x21000;
	t.ustack_guard = 0x1000;
	snprintf(t.comm, sizeof(t.comm), "%s", comm);
	return t;
}

/* Born under tracing: its creating syscall's cost (0: none of its own: kept apart or missing). */
static void born(struct pvt_task *t, bool thread, uint64_t syscall_ns)
{
	t->flags |= BORN_IN;
	t->create_nr = thread ? PVT_NR_CLONE3 : PVT_NR_CLONE;
	t->clone_flags = thread ? PVT_CLONE_THREAD | PVT_CLONE_VM : 0;
	t->create_copy_ns = 1000 + t->tid;
	t->create_cost = (struct pvt_create_cost){ .syscall_ns = syscall_ns, .offcpu_ns = syscall_ns / 10,
						   .tracer_ns = syscall_ns ? 100 : 0 };
	t->first_in_ns = t->first_ns + 500 + t->tid;
}

static void ended(struct pvt_task *t, uint32_t how, int32_t code)
{
	t->exit_how = how;
	t->exit_code = code;
}

/*
 * Ten tasks, in arrival order: the root (1), process 100 (leader and four
 * threads: one killed by a signal, two taken down with it), process 200
 * (its cost kept apart by BPF), process 300 (a thread whose counts differ
 * from the kernel's), process 400.
 */
static size_t fixture(struct pvt_task *ts)
{
	size_t n = 0;
	struct pvt_task t;

	t = task(1, 1, 10, PVT_F_ROOT, "root", 3, 1);
	ended(&t, PVT_EXIT_SELF, 0);
	t.flags |= GROUP_END;
	ts[n++] = t;
	t = task(101, 100, 1000, 0, "worker", 40, 2);
	born(&t, true, 9000);
	ended(&t, PVT_EXIT_COLLATERAL, 9);
	ts[n++] = t;
	t = task(102, 100, 1000, PVT_F_GROUP_EXIT_ORIGIN, "worker", 7, 3);
	born(&t, true, 8000);
	ended(&t, PVT_EXIT_SIGNAL, 11);
	ts[n++] = t;
	t = task(103, 100, 1000, 0, "worker", 55, 0);
	born(&t, true, 7000);
	ended(&t, PVT_EXIT_COLLATERAL, 9);
	ts[n++] = t;
	t = task(104, 100, 1000, 0, "helper", 2, 9);
	born(&t, true, 0); /* its cost is nowhere */
	ended(&t, PVT_EXIT_SELF, 0);
	ts[n++] = t;
	t = task(100, 100, 1000, GROUP_END, "app", 21, 4);
	born(&t, false, 40000);
	t.exec_count = 1;
	t.exec_start_kt = 77;
	t.exec_ns = 123456;
	ended(&t, PVT_EXIT_COLLATERAL, 11);
	ts[n++] = t;
	t = task(200, 200, 2000, GROUP_END, "app", 11, 5);
	born(&t, false, 0); /* kept apart: late cost below */
	ended(&t, PVT_EXIT_SIGNAL, 9);
	ts[n++] = t;
	t = task(301, 300, 3000, 0, "worker", 30, 6);
	born(&t, true, 6000);
	t.kfinal.nvcsw += 2; /* not exact */
	ended(&t, PVT_EXIT_SELF, 0);
	ts[n++] = t;
	t = task(300, 300, 3000, GROUP_END, "tool", 5, 8);
	born(&t, false, 52000);
	ended(&t, PVT_EXIT_SELF, 3 << 8);
	ts[n++] = t;
	t = task(400, 400, 4000, GROUP_END, "tool", 13, 13);
	born(&t, false, 47000);
	ended(&t, PVT_EXIT_SELF, 0);
	ts[n++] = t;
	return n;
}

/* ---- the same memory table twice: a memory record per process, stacks sampled ---- */

static int reader(pid_t pid, struct pvt_smaps *sum, struct pvt_stack_range *st, size_t n)
{
	memset(sum, 0, sizeof(*sum));
	sum->private_ = (uint64_t)pid * 4096;
	sum->pss = sum->rss = sum->private_ + 8192;
	for (size_t i = 0; i < n; i++) {
		st[i].found = true;
		st[i].rss = (st[i].lo / 0x10000000ull % 3 + 1) * 4096;
	}
	return 0;
}

static void memory_fixture(struct pvt_mem_table *mt, const struct pvt_task *ts, size_t n)
{
	struct pvt_iter_rec recs[16];

	memtab_init(mt);
	for (size_t i = 0; i < n; i++) {
		const struct pvt_task *t = &ts[i];
		struct pvt_mem m = { .pid = t->pid, .leader_start_time = t->leader_start_time,
				     .flags = PVT_M_AT_EXIT, .samples = 2 };

		recs[i] = (struct pvt_iter_rec){ .tid = t->tid, .pid = t->pid, .start_time = t->start_time,
						 .leader_start_time = t->leader_start_time,
						 .ustack_lo = t->ustack_lo, .ustack_hi = t->ustack_hi,
						 .rss = 1 };
		if (t->tid != t->pid)
			continue;
		m.rss_peak = 100000 * t->pid;
		m.peak.page_tables = 4096 * (t->pid / 100 + 1);
		m.peak.vma_count = 20 + t->pid / 100;
		assert_int_equal(memtab_add_bpf(mt, &m), 0);
	}
	assert_int_equal(memtab_pass(mt, recs, n, reader), 0);
}

/* ---- comparing a table held whole with a folded one ---- */

struct pair {
	struct pvt_task ts[16];
	size_t n;
	struct pvt_table whole, folded;
	struct pvt_mem_table mt_whole, mt_folded;
	struct pvt_fold f;
};

static void late_costs(struct pvt_table *tb)
{
	struct pvt_create_cost c = { .syscall_ns = 61000, .offcpu_ns = 1000, .tracer_ns = 100 };

	assert_int_equal(table_add_late_cost(tb, 200, 2000, &c), 0);
	c.syscall_ns = 5;
	assert_int_equal(table_add_late_cost(tb, 999, 2000, &c), 0); /* nobody's */
}

static void pair_build(struct pair *p, size_t keep)
{
	memset(p, 0, sizeof(*p));
	p->n = fixture(p->ts);
	table_init(&p->whole);
	table_init(&p->folded);
	memory_fixture(&p->mt_whole, p->ts, p->n);
	memory_fixture(&p->mt_folded, p->ts, p->n);
	fold_init(&p->f, &p->folded, keep, 0, 64);
	fold_set_slab(&p->f, &slab);
	for (size_t i = 0; i < p->n; i++) {
		add(&p->whole, &p->ts[i]);
		fold_add_task(&p->f, &p->folded, &p->mt_folded, &p->ts[i]);
	}
	late_costs(&p->whole);
	late_costs(&p->folded);
	assert_int_equal(table_finish(&p->whole), 0);
	assert_int_equal(table_finish(&p->folded), 0);
}

static void pair_free(struct pair *p)
{
	table_free(&p->whole);
	table_free(&p->folded);
	memtab_free(&p->mt_whole);
	memtab_free(&p->mt_folded);
	fold_free(&p->f);
}

static const struct pvt_proc *proc_in(const struct pvt_table *tb, uint32_t pid, uint64_t lst)
{
	for (size_t i = 0; i < tb->nprocs; i++)
		if (tb->procs[i].pid == pid && tb->procs[i].leader_start_time == lst)
			return &tb->procs[i];
	return NULL;
}

static bool held(const struct pvt_table *tb, const struct pvt_task *t)
{
	for (size_t i = 0; i < tb->n; i++)
		if (tb->recs[i].t.tid == t->tid && tb->recs[i].t.start_time == t->start_time)
			return true;
	return false;
}

static void assert_same_proc(const struct pvt_proc *a, const struct pvt_proc *b)
{
	assert_int_equal(a->threads, b->threads);
	assert_int_equal(a->alive, b->alive);
	assert_int_equal(a->ppid, b->ppid);
	assert_string_equal(a->comm, b->comm);
	assert_int_equal(a->first_ns, b->first_ns);
	assert_int_equal(a->end_ns, b->end_ns);
	assert_memory_equal(&a->sums, &b->sums, sizeof(a->sums));
	assert_int_equal(a->exit.known, b->exit.known);
	assert_int_equal(a->exit.code, b->exit.code);
	assert_int_equal(a->exit.signal, b->exit.signal);
	assert_int_equal(a->exit_tid, b->exit_tid);
	assert_int_equal(a->origin_tid, b->origin_tid);
	assert_int_equal(a->collateral, b->collateral);
	assert_int_equal(a->exited_self, b->exited_self);
	assert_int_equal(a->killed, b->killed);
	assert_int_equal(a->leader_kstack, b->leader_kstack);
}

/* Every figure the report sums, counts or summarises: the same held whole and folded. */
static void assert_same_figures(struct pair *p)
{
	const struct pvt_table *a = &p->whole, *b = &p->folded;
	struct pvt_mem_summary ma, mb;

	assert_int_equal(table_tasks(a), p->n);
	assert_int_equal(table_tasks(b), p->n);
	assert_int_equal(table_processes(a), 5);
	assert_int_equal(table_processes(b), 5);
	assert_int_equal(a->verified, b->verified);
	assert_int_equal(a->exact, b->exact);
	assert_int_equal(a->exact, p->n - 1);
	assert_int_equal(a->alive, b->alive);
	assert_memory_equal(&a->threads, &b->threads, sizeof(a->threads));
	assert_memory_equal(&a->processes, &b->processes, sizeof(a->processes));
	/* few values: the sketches are still exact, so the quantiles are too */
	assert_memory_equal(&a->create_threads, &b->create_threads, sizeof(a->create_threads));
	assert_memory_equal(&a->create_procs, &b->create_procs, sizeof(a->create_procs));
	assert_int_equal(b->create_procs.syscall.count, 4); /* the late one found */
	assert_int_equal(b->create_threads.cost_missing, 1);
	assert_memory_equal(&a->exits, &b->exits, sizeof(a->exits));
	memory_summary(a, &p->mt_whole, &slab, &ma);
	memory_summary(b, &p->mt_folded, &slab, &mb);
	assert_memory_equal(&ma, &mb, sizeof(ma));
	assert_int_equal(mb.threads, 5);
	assert_int_equal(mb.processes, 5);
	for (size_t k = 0; k < b->nprocs; k++) {
		const struct pvt_proc *pb = &b->procs[k];
		const struct pvt_proc *pa = proc_in(a, pb->pid, pb->leader_start_time);

		assert_non_null(pa);
		assert_same_proc(pa, pb);
	}
}

/* The folded tasks and processes, by name: exactly those not held, not shown. */
static void assert_by_name(struct pair *p)
{
	const struct pvt_fold *f = &p->f;
	uint64_t tasks = 0, procs = 0;

	for (size_t k = 0; k < f->nnames; k++) {
		const struct pvt_fold_name *nm = &f->names[k];
		struct pvt_fold_name want = {};

		for (size_t i = 0; i < p->n; i++) {
			const struct pvt_task *t = &p->ts[i];

			if (strcmp(t->comm, nm->comm) || held(&p->folded, t))
				continue;
			want.tasks++;
			want.threads += t->tid != t->pid;
			want.vol += t->sw_vol;
			want.invol += t->sw_invol;
			want.oncpu_ns += t->oncpu_ns;
			want.runq_total_ns += t->runq_total_ns;
			want.lifetime_ns += t->end_ns - t->first_ns;
		}
		for (size_t i = 0; i < p->whole.nprocs; i++) {
			const struct pvt_proc *pa = &p->whole.procs[i];

			want.processes += !strcmp(pa->comm, nm->comm) &&
					  !proc_in(&p->folded, pa->pid, pa->leader_start_time);
		}
		assert_int_equal(nm->tasks, want.tasks);
		assert_int_equal(nm->threads, want.threads);
		assert_int_equal(nm->processes, want.processes);
		assert_int_equal(nm->vol, want.vol);
		assert_int_equal(nm->invol, want.invol);
		assert_int_equal(nm->oncpu_ns, want.oncpu_ns);
		assert_int_equal(nm->runq_total_ns, want.runq_total_ns);
		assert_int_equal(nm->lifetime_ns, want.lifetime_ns);
		tasks += nm->tasks;
		procs += nm->processes;
	}
	assert_int_equal(f->other.tasks, 0);
	assert_int_equal(tasks, f->tasks);
	assert_int_equal(procs, f->processes);
	assert_int_equal(f->tasks + p->folded.n, p->n);
	assert_int_equal(f->processes + p->folded.nprocs, p->whole.nprocs);
}

static void test_fold_keep3_same_figures(void **state)
{
	struct pair p;
	size_t *wa, *wb;

	(void)state;
	pair_build(&p, 3);
	/* at most 3 ended tasks held, besides the root (never folded) */
	assert_int_equal(p.folded.n, 4);
	assert_int_equal(p.f.tasks, 6);
	assert_true(p.f.processes >= 1);
	assert_true(p.f.batches >= 1);
	assert_same_figures(&p);
	assert_by_name(&p);
	/* the tasks by switches: the first three of the whole table are held, in order (the root too) */
	wa = table_sorted_by_switches(&p.whole);
	wb = table_sorted_by_switches(&p.folded);
	for (size_t k = 0; k < 3; k++)
		assert_int_equal(p.whole.recs[wa[k]].t.tid, p.folded.recs[wb[k]].t.tid);
	free(wa);
	free(wb);
	/* what was folded is forgotten by the memory table: only the held tasks' stacks stay */
	assert_int_equal(p.mt_folded.nstacks, p.folded.n);
	pair_free(&p);
}

/* Nothing folded: the folded table is the whole one (the report pvtrace made before). */
static void test_fold_below_keep_is_whole(void **state)
{
	struct pair p;

	(void)state;
	pair_build(&p, 10);
	assert_int_equal(p.f.tasks, 0);
	assert_int_equal(p.folded.n, p.n);
	assert_same_figures(&p);
	assert_int_equal(p.folded.nprocs, 5);
	pair_free(&p);
}

/* Every keep from 1 to 9: the same figures (keep 1: each record folded as it comes). */
static void test_fold_every_keep(void **state)
{
	(void)state;
	for (size_t keep = 1; keep < 10; keep++) {
		struct pair p;

		pair_build(&p, keep);
		assert_true(p.folded.n <= keep + 1);
		assert_same_figures(&p);
		assert_by_name(&p);
		pair_free(&p);
	}
}

/* Folding again after table_finish() (out of memory for the report): finish starts over. */
static void test_fold_after_finish(void **state)
{
	struct pair p;

	(void)state;
	pair_build(&p, 9);
	assert_int_equal(fold_to(&p.f, &p.folded, &p.mt_folded, 1), 0);
	assert_false(p.folded.finished);
	assert_int_equal(table_finish(&p.folded), 0);
	assert_int_equal(p.folded.n, 2);
	assert_same_figures(&p);
	assert_by_name(&p);
	/* and again, as running out of memory does: keep halved, records folded, counted */
	assert_int_equal(fold_shrink(&p.f, &p.folded, &p.mt_folded), 0); /* nothing left to fold */
	assert_int_equal(p.f.oom_folds, 1);
	pair_free(&p);
}

/* A thread of a process folded before: counted in the sums, the process not twice. */
static void test_fold_late_thread_of_folded_process(void **state)
{
	struct pvt_table whole, tb;
	struct pvt_fold f;
	struct pvt_task lead = task(500, 500, 5000, GROUP_END, "svc", 4, 1);
	struct pvt_task late = task(501, 500, 5000, 0, "svc-io", 6, 2);
	struct pvt_task other[3] = {
		task(600, 600, 6000, GROUP_END, "x", 90, 0), task(700, 700, 7000, GROUP_END, "x", 80, 0),
		task(800, 800, 8000, GROUP_END, "x", 70, 0),
	};

	(void)state;
	ended(&late, PVT_EXIT_COLLATERAL, 9);
	table_init(&whole);
	table_init(&tb);
	fold_init(&f, &tb, 1, 0, 64);
	fold_set_slab(&f, &slab);
	add(&whole, &lead);
	fold_add_task(&f, &tb, NULL, &lead);
	for (size_t i = 0; i < ARRAY_SIZE(other); i++) {
		add(&whole, &other[i]);
		fold_add_task(&f, &tb, NULL, &other[i]);
	}
	assert_int_equal(f.processes, 3); /* 500 among them: ended, no task held */
	add(&whole, &late);
	fold_add_task(&f, &tb, NULL, &late);
	assert_int_equal(table_finish(&whole), 0);
	assert_int_equal(table_finish(&tb), 0);
	assert_int_equal(table_tasks(&tb), 5);
	assert_int_equal(table_processes(&tb), 4);
	assert_int_equal(table_processes(&whole), 4);
	assert_memory_equal(&whole.threads, &tb.threads, sizeof(whole.threads));
	assert_memory_equal(&whole.processes, &tb.processes, sizeof(whole.processes));
	assert_memory_equal(&whole.exits, &tb.exits, sizeof(whole.exits));
	table_free(&whole);
	table_free(&tb);
	fold_free(&f);
}

/* The ones that rank stay: a verification mismatch, the costliest creations, the most switches. */
static void test_fold_keeps_what_ranks(void **state)
{
	struct pvt_table tb;
	struct pvt_fold f;

	(void)state;
	table_init(&tb);
	fold_init(&f, &tb, 64, 2, 1000);
	fold_set_slab(&f, &slab);
	for (uint32_t i = 0; i < 1000; i++) {
		struct pvt_task t = task(1000 + i, 1000 + i, 100000 + i, GROUP_END, "p", i % 97, 0);

		born(&t, false, i == 123 ? 10000000 : i == 456 ? 9000000 : 1000 + i % 50);
		if (i == 777)
			t.kfinal.nvcsw++;
		fold_add_task(&f, &tb, NULL, &t);
	}
	assert_int_equal(table_finish(&tb), 0);
	assert_true(tb.n <= 64);
	assert_int_equal(table_tasks(&tb), 1000);
	assert_int_equal(tb.verified - tb.exact, 1);
	{
		bool cost1 = false, cost2 = false, bad = false;
		size_t top96 = 0;

		for (size_t i = 0; i < tb.n; i++) {
			cost1 |= tb.recs[i].t.tid == 1123;
			cost2 |= tb.recs[i].t.tid == 1456;
			bad |= tb.recs[i].t.tid == 1777;
			top96 += pvt_switches(&tb.recs[i].t) == 96;
		}
		assert_true(cost1 && cost2 && bad);
		assert_int_equal(top96, 10); /* every task with the most switches (96), of 1000 */
	}
	/* the processes by switches: the top two of the whole run keep their rows */
	assert_non_null(proc_in(&tb, 1000 + 96, 100000 + 96));
	assert_non_null(proc_in(&tb, 1000 + 96 + 97, 100000 + 96 + 97));
	assert_int_equal(table_processes(&tb), 1000);
	table_free(&tb);
	fold_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_keep3_same_figures),
		cmocka_unit_test(test_fold_below_keep_is_whole),
		cmocka_unit_test(test_fold_every_keep),
		cmocka_unit_test(test_fold_after_finish),
		cmocka_unit_test(test_fold_late_thread_of_folded_process),
		cmocka_unit_test(test_fold_keeps_what_ranks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
