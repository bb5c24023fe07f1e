// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/metrics.c: hand-built task records through snapshots
 * and final records, and the exact series: growth added once (a final
 * record, and an older alive copy after it), a task that vanishes keeps its
 * counts, processes named by their leader, creations counted for the
 * creator, memory per process, the histogram folded into its le buckets,
 * a thread that execs (a new tid, the same task), grace expiry, --max-series folding into `other` (monotonic when folded
 * series go), each --by mode's labels.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hist.h"
#include "metrics.h"

#define S 1000000000ull

static struct pvt_task mk(uint32_t tid, uint32_t pid, const char *comm)
{
	struct pvt_task t;

	memset(&t, 0, sizeof(t));
	t.tid = tid;
	t.pid = pid;
	t.start_time = 1000 + tid;
	t.leader_start_time = 1000 + pid;
	t.cgroup_id = 7;
	snprintf(t.comm, sizeof(t.comm), "%s", comm);
	return t;
}

static void grow(struct pvt_task *t, uint64_t vol, uint64_t invol)
{
	t->sw_vol += vol;
	t->sw_invol += invol;
	t->sw_in += vol + invol;
	t->sw_from[PVT_FROM_SAME_PROCESS] += vol;
	t->sw_from[PVT_FROM_OTHER_PROCESS] += invol;
	t->sw_as_change += invol;
	t->oncpu_ns += 1000 * (vol + invol);
	t->runq_count += vol + invol;
	t->runq_total_ns += 500 * (vol + invol);
	t->runq_hist[hist_bucket_of(500)] += (uint32_t)(vol + invol);
}

static int fake_mem(void *ctx, uint32_t pid, uint64_t out[MET_MEM__MAX])
{
	for (int i = 0; i < MET_MEM__MAX; i++)
		out[i] = pid * 100 + (uint64_t)i;
	return pid == 666 ? -1 : 0;
}

static const char *fake_cgroup(void *ctx, uint64_t id)
{
	return id == 7 ? "/app.slice" : NULL;
}

static void init(struct metrics *m, enum metrics_by by, size_t max_series)
{
	struct metrics_opts o = { .by = by, .max_series = max_series, .grace_ns = 10 * S,
				  .read_mem = fake_mem, .cgroup_name = fake_cgroup };

	assert_int_equal(metrics_init(m, &o), 0);
}

/* The series whose label @l is @v (exported or folded), or NULL. */
static const struct met_series *find(const struct metrics *m, int l, const char *v)
{
	for (size_t i = 0; i < m->nseries; i++)
		if (m->series[i].label[l] && !strcmp(m->series[i].label[l], v))
			return &m->series[i];
	return NULL;
}

static void test_growth_and_names(void **state)
{
	struct pvt_task w11 = mk(11, 10, "worker"), w12 = mk(12, 10, "worker"), l = mk(10, 10, "app");
	const struct met_series *s;
	struct metrics m;

	(void)state;
	init(&m, METRICS_BY_PROCESS, 100);
	grow(&w11, 5, 1);
	/* no leader in sight: the first task names the process */
	struct pvt_task snap1[2] = { w11, w12 };
	metrics_snapshot(&m, snap1, 2, 1 * S);
	assert_int_equal(m.nseries, 1);
	s = find(&m, MET_L_COMM, "worker");
	assert_int_equal(s->c.vol, 5);
	assert_int_equal(s->tasks[0], 2);
	/* the leader, last in the map, names it from now on; w12 is gone */
	struct pvt_task snap2[2] = { w11, l };
	metrics_snapshot(&m, snap2, 2, 2 * S);
	s = find(&m, MET_L_COMM, "app");
	assert_non_null(s);
	assert_string_equal(s->label[MET_L_PID], "10");
	assert_string_equal(s->label[MET_L_CGROUP], "/app.slice");
	assert_null(s->label[MET_L_TID]);
	assert_int_equal(s->c.vol, 0);
	assert_int_equal(s->tasks[0], 1); /* a thread */
	assert_int_equal(s->tasks[1], 1); /* a process */
	assert_true(s->has_mem);
	assert_int_equal(s->mem[MET_MEM_RESIDENT], 1000);
	assert_int_equal(s->mem[MET_MEM_PAGE_TABLES], 1006);
	assert_int_equal(m.tasks_vanished, 1);
	/* the old name keeps what it counted, with no task: no memory, no tasks */
	s = find(&m, MET_L_COMM, "worker");
	assert_int_equal(s->c.vol, 5);
	assert_int_equal(s->tasks[0] + s->tasks[1], 0);
	assert_false(s->has_mem);
	/* growth: only the difference is added */
	grow(&snap2[0], 3, 0);
	grow(&snap2[1], 2, 2);
	metrics_snapshot(&m, snap2, 2, 3 * S);
	s = find(&m, MET_L_COMM, "app");
	assert_int_equal(s->c.vol, 5);
	assert_int_equal(s->c.invol, 2);
	assert_int_equal(s->c.from[PVT_FROM_SAME_PROCESS], 5);
	assert_int_equal(s->c.as_change, 2);
	assert_int_equal(s->c.oncpu_ns, 7000);
	assert_int_equal(s->c.runq_ns, 3500);
	assert_int_equal(s->c.runq[1], 7); /* 500 ns: below 512 */
	metrics_free(&m);
}

static void test_final_counts_once(void **state)
{
	struct pvt_task a = mk(20, 20, "p"), b = mk(21, 20, "p");
	const struct met_series *s;
	struct metrics m;

	(void)state;
	init(&m, METRICS_BY_PROCESS, 100);
	grow(&a, 1, 0);
	grow(&b, 1, 0);
	struct pvt_task both[2] = { a, b };
	metrics_snapshot(&m, both, 2, 1 * S);
	/* b ends: its final record after more growth; then an older copy read alive */
	struct pvt_task old_b = b;
	grow(&b, 4, 0);
	metrics_task_ended(&m, &b);
	grow(&old_b, 1, 0);
	both[1] = old_b;
	metrics_snapshot(&m, both, 2, 2 * S);
	s = find(&m, MET_L_PID, "20");
	assert_int_equal(s->c.vol, 1 + 5);
	assert_int_equal(s->tasks[0], 0); /* b ended */
	/* a task seen only by its final record: all its counts */
	struct pvt_task c = mk(22, 20, "p");
	grow(&c, 7, 1);
	metrics_task_ended(&m, &c);
	metrics_task_ended(&m, &c); /* twice: once */
	s = find(&m, MET_L_PID, "20");
	assert_int_equal(s->c.vol, 13);
	assert_int_equal(s->c.invol, 1);
	/* a vanishes without a final record: its counts stay, none added twice */
	metrics_snapshot(&m, NULL, 0, 3 * S);
	s = find(&m, MET_L_PID, "20");
	assert_int_equal(s->c.vol, 13);
	assert_int_equal(m.tasks_vanished, 1);
	assert_int_equal(m.ntasks, 0);
	assert_int_equal(m.nprocs, 0);
	/* the series without tasks stays for the grace period, then goes */
	metrics_snapshot(&m, NULL, 0, 2 * S + 10 * S);
	assert_non_null(find(&m, MET_L_PID, "20"));
	metrics_snapshot(&m, NULL, 0, 3 * S + 10 * S);
	assert_null(find(&m, MET_L_PID, "20"));
	assert_int_equal(m.nseries, 0);
	assert_int_equal(m.nexported, 0);
	metrics_free(&m);
}

static void test_histogram_fold(void **state)
{
	struct pvt_task t = mk(30, 30, "h");
	struct met_counts c;

	(void)state;
	t.runq_hist[hist_bucket_of(255)] = 1;  /* below 256 ns */
	t.runq_hist[hist_bucket_of(256)] = 2;  /* from 256: le 512 */
	t.runq_hist[hist_bucket_of(511)] = 3;
	t.runq_hist[hist_bucket_of(3)] = 4;
	t.runq_hist[hist_bucket_of((1ull << 34) - 1)] = 5;
	t.runq_hist[hist_bucket_of(1ull << 34)] = 6; /* above the last bound */
	t.runq_hist[PVT_HIST_BUCKETS - 1] = 7;
	metrics_counts_of(&t, &c);
	assert_int_equal(c.runq[0], 1 + 4);
	assert_int_equal(c.runq[1], 2 + 3);
	assert_int_equal(c.runq[MET_RUNQ_BOUNDS - 1], 5);
	assert_int_equal(c.runq[MET_RUNQ_BOUNDS], 6 + 7);
	assert_int_equal(met_runq_le_ns(0), 256);
	assert_int_equal(met_runq_le_ns(MET_RUNQ_BOUNDS - 1), 1ull << 34);
	/* every in-kernel bucket lands below the first bound above its values */
	for (unsigned i = 0; i + 1 < PVT_HIST_BUCKETS; i++) {
		struct pvt_task u = mk(1, 1, "u");
		unsigned j = 0;

		u.runq_hist[i] = 1;
		metrics_counts_of(&u, &c);
		while (!c.runq[j])
			j++;
		if (j < MET_RUNQ_BOUNDS)
			assert_true(hist_bucket_high(i) <= met_runq_le_ns(j));
		if (j > 0 && j < MET_RUNQ_BOUNDS)
			assert_true(hist_bucket_low(i) >= met_runq_le_ns(j - 1));
	}
}

static void test_creations(void **state)
{
	struct pvt_task parent = mk(40, 40, "shell"), th = mk(41, 40, "shell"), ch = mk(50, 50, "ls");
	const struct met_series *s;
	struct metrics m;

	(void)state;
	init(&m, METRICS_BY_PROCESS, 100);
	metrics_snapshot(&m, &parent, 1, 1 * S);
	th.flags = PVT_F_BORN;
	th.parent_tid = 40;
	th.clone_flags = PVT_CLONE_THREAD | PVT_CLONE_VM;
	ch.flags = PVT_F_BORN;
	ch.parent_tid = 41; /* created by the thread */
	struct pvt_task all[3] = { parent, th, ch };
	metrics_snapshot(&m, all, 3, 2 * S);
	metrics_snapshot(&m, all, 3, 3 * S); /* seen again: not counted again */
	s = find(&m, MET_L_PID, "40");
	assert_int_equal(s->created[0], 1);
	assert_int_equal(s->created[1], 1);
	s = find(&m, MET_L_PID, "50");
	assert_int_equal(s->created[0] + s->created[1], 0);
	/* a creator never seen: the new task's own series */
	struct pvt_task orphan = mk(60, 60, "o");
	orphan.flags = PVT_F_BORN;
	orphan.parent_tid = 999;
	metrics_task_ended(&m, &orphan);
	s = find(&m, MET_L_PID, "60");
	assert_int_equal(s->created[1], 1);
	metrics_free(&m);
}

static void test_other(void **state)
{
	struct pvt_task t[3] = { mk(70, 70, "a"), mk(71, 71, "b"), mk(72, 72, "c") };
	const struct met_series *s;
	struct metrics m;

	(void)state;
	init(&m, METRICS_BY_PROCESS, 1);
	for (int i = 0; i < 3; i++)
		grow(&t[i], 10 * (uint64_t)(i + 1), 0);
	metrics_snapshot(&m, t, 3, 1 * S);
	assert_int_equal(m.nexported, 1);
	assert_int_equal(m.nseries, 3);
	assert_int_equal(m.folded_total, 2);
	assert_true(m.other_used);
	assert_false(find(&m, MET_L_PID, "70")->folded);
	assert_true(find(&m, MET_L_PID, "71")->folded);
	assert_string_equal(m.other.label[MET_L_PID], "other");
	assert_string_equal(m.other.label[MET_L_CGROUP], "other");
	assert_null(m.other.label[MET_L_TID]);
	/* b and c end, and their series expire: `other` keeps what they counted */
	metrics_task_ended(&m, &t[1]);
	metrics_task_ended(&m, &t[2]);
	metrics_snapshot(&m, t, 1, 2 * S);
	metrics_snapshot(&m, t, 1, 13 * S);
	assert_int_equal(m.nseries, 1);
	assert_int_equal(m.other.c.vol, 20 + 30);
	/* a new series is exported only while there is room: none here */
	struct pvt_task d = mk(73, 73, "d");
	metrics_task_ended(&m, &d);
	s = find(&m, MET_L_PID, "73");
	assert_true(s->folded);
	assert_int_equal(m.folded_total, 3);
	metrics_free(&m);
}

static void test_by_modes(void **state)
{
	struct pvt_task t[2] = { mk(80, 80, "srv"), mk(81, 80, "srv-io") };
	const struct met_series *s;
	struct metrics m;

	(void)state;
	grow(&t[0], 1, 0);
	grow(&t[1], 2, 0);
	init(&m, METRICS_BY_THREAD, 100);
	metrics_snapshot(&m, t, 2, 1 * S);
	s = find(&m, MET_L_TID, "81");
	assert_string_equal(s->label[MET_L_PID], "80");
	assert_string_equal(s->label[MET_L_COMM], "srv-io");
	assert_int_equal(s->c.vol, 2);
	assert_false(s->has_mem);
	s = find(&m, MET_L_TID, "80"); /* memory on the leader's series */
	assert_true(s->has_mem);
	assert_int_equal(s->mem[MET_MEM_RESIDENT], 8000);
	metrics_free(&m);

	init(&m, METRICS_BY_COMM, 100);
	metrics_snapshot(&m, t, 2, 1 * S);
	assert_int_equal(m.nseries, 1);
	s = find(&m, MET_L_COMM, "srv"); /* the process's name */
	assert_int_equal(s->c.vol, 3);
	assert_null(s->label[MET_L_PID]);
	/* the leader renames: growth from then on goes to the new name; the old keeps its own */
	snprintf(t[0].comm, sizeof(t[0].comm), "srv2");
	grow(&t[1], 1, 0);
	metrics_snapshot(&m, t, 2, 2 * S);
	assert_int_equal(find(&m, MET_L_COMM, "srv")->c.vol, 3);
	assert_int_equal(find(&m, MET_L_COMM, "srv2")->c.vol, 1);
	metrics_free(&m);

	init(&m, METRICS_BY_CGROUP, 100);
	t[1].cgroup_id = 9; /* unnamed: empty */
	metrics_snapshot(&m, t, 2, 1 * S);
	assert_int_equal(find(&m, MET_L_CGROUP, "/app.slice")->c.vol, 1);
	assert_int_equal(find(&m, MET_L_CGROUP, "")->c.vol, 3);
	assert_true(find(&m, MET_L_CGROUP, "/app.slice")->has_mem);
	metrics_free(&m);
}

static void test_thread_exec(void **state)
{
	struct pvt_task l = mk(90, 90, "old"), th = mk(91, 90, "t");
	const struct met_series *s;
	struct metrics m;

	(void)state;
	init(&m, METRICS_BY_PROCESS, 100);
	grow(&l, 1, 0);
	grow(&th, 5, 0);
	struct pvt_task both[2] = { l, th };
	metrics_snapshot(&m, both, 2, 1 * S);
	/* the thread execs: it takes the leader's tid and becomes the leader; the old one goes */
	th.tid = 90;
	th.leader_start_time = th.start_time;
	snprintf(th.comm, sizeof(th.comm), "new");
	grow(&th, 2, 0);
	metrics_snapshot(&m, &th, 1, 2 * S);
	assert_int_equal(find(&m, MET_L_COMM, "old")->c.vol, 6);
	assert_int_equal(find(&m, MET_L_COMM, "new")->c.vol, 2);
	assert_int_equal(m.ntasks, 1);
	assert_int_equal(m.tasks_vanished, 1);
	/* a thread it creates is counted for it, under its new tid */
	struct pvt_task c = mk(92, 90, "c");
	c.flags = PVT_F_BORN;
	c.parent_tid = 90;
	c.clone_flags = PVT_CLONE_THREAD;
	c.leader_start_time = th.start_time;
	struct pvt_task now[2] = { th, c };
	metrics_snapshot(&m, now, 2, 3 * S);
	s = find(&m, MET_L_COMM, "new");
	assert_int_equal(s->created[0], 1);
	metrics_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_growth_and_names),
		cmocka_unit_test(test_final_counts_once),
		cmocka_unit_test(test_histogram_fold),
		cmocka_unit_test(test_creations),
		cmocka_unit_test(test_other),
		cmocka_unit_test(test_by_modes),
		cmocka_unit_test(test_thread_exec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
