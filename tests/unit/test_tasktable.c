// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/tasktable.c: grouping of task records into process
 * instances, leader detection, verification against the kernel's counters,
 * threads-versus-processes sums, exit decoding and sorting.  Its creation
 * and exit summaries: test_tasktable_sums.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <cmocka.h>

#include "tasktable_fixture.h"


/* ---- exit decoding and kind ---- */

static void test_decode_exit(void **state)
{
	struct pvt_exit e;

	(void)state;
	e = pvt_decode_exit(0);
	assert_true(e.known);
	assert_int_equal(e.code, 0);
	assert_int_equal(e.signal, 0);
	assert_false(e.core);

	e = pvt_decode_exit(3 << 8);
	assert_true(e.known);
	assert_int_equal(e.code, 3);
	assert_int_equal(e.signal, 0);
	assert_false(e.core);

	e = pvt_decode_exit(255 << 8);
	assert_int_equal(e.code, 255);
	assert_int_equal(e.signal, 0);

	e = pvt_decode_exit(SIGSEGV);
	assert_true(e.known);
	assert_int_equal(e.signal, 11);
	assert_int_equal(e.code, 0);
	assert_false(e.core);

	e = pvt_decode_exit(SIGSEGV | 0x80);
	assert_true(e.known);
	assert_int_equal(e.signal, 11);
	assert_true(e.core);

	e = pvt_decode_exit(SIGKILL);
	assert_true(e.known);
	assert_int_equal(e.signal, 9);
	assert_int_equal(e.code, 0);
	assert_false(e.core);
}

static void test_kind(void **state)
{
	struct pvt_task leader = mk(10, 10, 1, 0), thr = mk(11, 10, 1, 0);

	(void)state;
	assert_string_equal(pvt_kind(&leader), "process");
	assert_string_equal(pvt_kind(&thr), "thread");
	assert_false(pvt_is_thread(&leader));
	assert_true(pvt_is_thread(&thr));
}

/* ---- table_add ---- */

static void test_add_copies_and_terminates_comm(void **state)
{
	struct pvt_table tb;
	struct pvt_task t = mk(5, 5, 1, 0);

	(void)state;
	table_init(&tb);
	memset(t.comm, 'A', sizeof(t.comm)); /* no NUL */
	add(&tb, &t);
	assert_int_equal(tb.n, 1);
	assert_int_equal(tb.recs[0].t.tid, 5);
	assert_int_equal(tb.recs[0].t.comm[PVT_COMM_LEN - 1], '\0');
	assert_int_equal(strlen(tb.recs[0].t.comm), PVT_COMM_LEN - 1);
	assert_false(tb.recs[0].alive);
	assert_false(tb.recs[0].verified);
	table_free(&tb);
	assert_null(tb.recs);
	assert_int_equal(tb.n, 0);
}

static void test_growth(void **state)
{
	struct pvt_table tb;

	(void)state;
	table_init(&tb);
	for (uint32_t i = 0; i < 1000; i++) {
		/* 100 processes of 10 tasks each: pid = 1000 + 10*(i/10), leader first */
		uint32_t pid = 1000 + 10 * (i / 10);
		struct pvt_task t = mk(pid + i % 10, pid, 100 + i / 10, DEAD_OK);

		set_counts(&t, i, 1);
		add(&tb, &t);
	}
	assert_int_equal(tb.n, 1000);
	assert_true(tb.cap >= 1000);
	/* records survive the reallocations intact */
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(tb.recs[i].t.sw_vol, i);
	assert_int_equal(table_finish(&tb), 0);
	assert_int_equal(tb.nprocs, 100);
	assert_int_equal(tb.verified, 1000);
	assert_int_equal(tb.exact, 1000);
	assert_int_equal(tb.alive, 0);
	assert_int_equal(tb.processes.tasks, 100);
	assert_int_equal(tb.threads.tasks, 900);
	for (size_t p = 0; p < tb.nprocs; p++) {
		assert_int_equal(tb.procs[p].threads, 10);
		assert_true(tb.procs[p].leader >= 0);
		assert_int_equal(tb.recs[tb.procs[p].leader].t.tid, tb.procs[p].pid);
	}
	table_free(&tb);
}

/* ---- grouping ---- */

static void test_grouping_leader_threads(void **state)
{
	struct pvt_table tb;
	struct pvt_task t;
	const struct pvt_proc *p;

	(void)state;
	table_init(&tb);
	/* added threads first, leader last, interleaved with another process */
	t = mk(102, 100, 50, DEAD_OK);
	add(&tb, &t);
	t = mk(201, 200, 60, DEAD_OK);
	add(&tb, &t);
	t = mk(101, 100, 50, DEAD_OK);
	add(&tb, &t);
	t = mk(100, 100, 50, DEAD_OK);
	t.ppid = 42;
	strcpy(t.comm, "leader");
	add(&tb, &t);
	t = mk(200, 200, 60, DEAD_OK);
	t.ppid = 100;
	add(&tb, &t);
	assert_int_equal(table_finish(&tb), 0);

	assert_int_equal(tb.nprocs, 2);
	p = find_proc(&tb, 100, 50);
	assert_int_equal(p->threads, 3);
	assert_int_equal(p->ppid, 42);
	assert_string_equal(p->comm, "leader");
	assert_true(p->leader >= 0);
	assert_int_equal(tb.recs[p->leader].t.tid, 100);
	assert_int_equal(p->first_ns, 1000 + 100);
	assert_int_equal(p->end_ns, 5000 + 102);
	p = find_proc(&tb, 200, 60);
	assert_int_equal(p->threads, 2);
	assert_int_equal(p->ppid, 100);
	assert_int_equal(tb.recs[p->leader].t.tid, 200);

	/* every record points at its own process */
	for (size_t i = 0; i < tb.n; i++) {
		const struct pvt_rec *r = &tb.recs[i];

		assert_true(r->proc < tb.nprocs);
		assert_int_equal(tb.procs[r->proc].pid, r->t.pid);
		assert_int_equal(tb.procs[r->proc].leader_start_time, r->t.leader_start_time);
	}
	/* records of a process are contiguous, leader first */
	p = find_proc(&tb, 100, 50);
	assert_int_equal(tb.recs[p->leader].t.tid, 100);
	assert_int_equal(tb.recs[p->leader + 1].t.pid, 100);
	assert_int_equal(tb.recs[p->leader + 2].t.pid, 100);
	table_free(&tb);
}

static void test_pid_reuse_two_instances(void **state)
{
	struct pvt_table tb;
	struct pvt_task t;
	const struct pvt_proc *a, *b;

	(void)state;
	table_init(&tb);
	/* pid 300 lived, died, and the pid was reused by a later process */
	t = mk(300, 300, 1000, DEAD_OK);
	strcpy(t.comm, "first");
	add(&tb, &t);
	t = mk(301, 300, 1000, DEAD_OK);
	add(&tb, &t);
	t = mk(300, 300, 9000, DEAD_OK);
	strcpy(t.comm, "second");
	add(&tb, &t);
	assert_int_equal(table_finish(&tb), 0);

	assert_int_equal(tb.n, 3);
	assert_int_equal(tb.nprocs, 2);
	a = find_proc(&tb, 300, 1000);
	b = find_proc(&tb, 300, 9000);
	assert_ptr_not_equal(a, b);
	assert_int_equal(a->threads, 2);
	assert_int_equal(b->threads, 1);
	assert_string_equal(a->comm, "first");
	assert_string_equal(b->comm, "second");
	assert_int_equal(tb.recs[a->leader].t.leader_start_time, 1000);
	assert_int_equal(tb.recs[b->leader].t.leader_start_time, 9000);
	assert_ptr_equal(&tb.procs[find_rec(&tb, 301, 1000)->proc], a);
	table_free(&tb);
}

static void test_leader_unseen(void **state)
{
	struct pvt_table tb;
	struct pvt_task t;

	(void)state;
	table_init(&tb);
	t = mk(401, 400, 70, DEAD_OK);
	t.ppid = 7;
	strcpy(t.comm, "worker");
	add(&tb, &t);
	t = mk(402, 400, 70, DEAD_OK);
	add(&tb, &t);
	assert_int_equal(table_finish(&tb), 0);
	assert_int_equal(tb.nprocs, 1);
	assert_int_equal(tb.procs[0].leader, -1);
	assert_int_equal(tb.procs[0].threads, 2);
	assert_int_equal(tb.procs[0].ppid, 7);
	assert_string_equal(tb.procs[0].comm, "worker");
	assert_int_equal(tb.processes.tasks, 0);
	assert_int_equal(tb.threads.tasks, 2);
	table_free(&tb);
}

static void test_alive_counting(void **state)
{
	struct pvt_table tb;
	struct pvt_task t;
	const struct pvt_proc *p;

	(void)state;
	table_init(&tb);
	t = mk(500, 500, 80, PVT_F_BASELINE); /* alive: no DEAD flag */
	add(&tb, &t);
	t = mk(501, 500, 80, PVT_F_BASELINE | PVT_F_EXITED); /* exited, no final switch yet */
	add(&tb, &t);
	t = mk(502, 500, 80, DEAD_OK);
	add(&tb, &t);
	t = mk(600, 600, 90, DEAD_OK | PVT_F_GROUP_DEAD);
	add(&tb, &t);
	assert_int_equal(table_finish(&tb), 0);

	assert_int_equal(tb.alive, 2);
	assert_true(find_rec(&tb, 500, 80)->alive);
	assert_true(find_rec(&tb, 501, 80)->alive);
	assert_false(find_rec(&tb, 502, 80)->alive);
	assert_false(find_rec(&tb, 600, 90)->alive);
	p = find_proc(&tb, 500, 80);
	assert_int_equal(p->alive, 2);
	assert_int_equal(p->threads, 3);
	assert_int_equal(p->end_ns, 5000 + 502); /* from the dead one only */
	p = find_proc(&tb, 600, 90);
	assert_int_equal(p->alive, 0);
	table_free(&tb);
}

/* ---- verification ---- */

static void test_verify_exact(void **state)
{
	struct pvt_table tb;
	struct pvt_task t;
	const struct pvt_rec *r;

	(void)state;
	table_init(&tb);
	t = mk(700, 700, 1, DEAD_OK);
	set_counts(&t, 12, 3);
	t.kbase.sum_exec_runtime = 100;
	t.kfinal.sum_exec_runtime = 350;
	t.kbase.run_delay = 10;
	t.kfinal.run_delay = 15;
	add(&tb, &t);
	assert_int_equal(table_finish(&tb), 0);
	r = &tb.recs[0];
	assert_true(r->verified);
	assert_true(r->exact);
	assert_int_equal(tb.verified, 1);
	assert_int_equal(tb.exact, 1);
	assert_int_equal(pvt_kdelta_vol(r), 12);
	assert_int_equal(pvt_kdelta_invol(r), 3);
	assert_int_equal(pvt_kdelta_oncpu(r), 250);
	assert_int_equal(pvt_kdelta_runq(r), 5);
	table_free(&tb);
}

static void test_verify_mismatch(void **state)
{
	struct pvt_table tb;
	struct pvt_task t;

	(void)state;
	table_init(&tb);
	/* one voluntary switch too many counted */
	t = mk(710, 710, 1, DEAD_OK);
	set_counts(&t, 12, 3);
	t.sw_vol = 13;
	add(&tb, &t);
	/* one voluntary switch missed */
	t = mk(711, 711, 2, DEAD_OK);
	set_counts(&t, 12, 3);
	t.sw_vol = 11;
	add(&tb, &t);
	/* one involuntary switch too many */
	t = mk(712, 712, 3, DEAD_OK);
	set_counts(&t, 12, 3);
	t.sw_invol = 4;
	add(&tb, &t);
	/* one involuntary switch missed */
	t = mk(713, 713, 4, DEAD_OK);
	set_counts(&t, 12, 3);
	t.sw_invol = 2;
	add(&tb, &t);
	/* one exact for contrast */
	t = mk(714, 714, 5, DEAD_OK);
	set_counts(&t, 0, 0);
	add(&tb, &t);
	assert_int_equal(table_finish(&tb), 0);

	assert_int_equal(tb.verified, 5);
	assert_int_equal(tb.exact, 1);
	for (uint32_t tid = 710; tid <= 713; tid++) {
		const struct pvt_rec *r = find_rec(&tb, tid, tid - 709);

		assert_true(r->verified);
		assert_false(r->exact);
	}
	assert_true(find_rec(&tb, 714, 5)->exact);
	table_free(&tb);
}

static void test_verify_needs_dead_and_baseline(void **state)
{
	struct pvt_table tb;
	struct pvt_task t;

	(void)state;
	table_init(&tb);
	/* counts would match, but no final switch-out: alive, not verified */
	t = mk(720, 720, 1, PVT_F_BASELINE | PVT_F_EXITED);
	set_counts(&t, 5, 5);
	add(&tb, &t);
	/* dead, but first seen without a baseline */
	t = mk(721, 721, 2, PVT_F_EXITED | PVT_F_DEAD);
	set_counts(&t, 5, 5);
	add(&tb, &t);
	/* dead with baseline */
	t = mk(722, 722, 3, PVT_F_BASELINE | PVT_F_DEAD);
	set_counts(&t, 5, 5);
	add(&tb, &t);
	assert_int_equal(table_finish(&tb), 0);

	assert_false(find_rec(&tb, 720, 1)->verified);
	assert_false(find_rec(&tb, 720, 1)->exact);
	assert_false(find_rec(&tb, 721, 2)->verified);
	assert_false(find_rec(&tb, 721, 2)->exact);
	assert_true(find_rec(&tb, 722, 3)->verified);
	assert_true(find_rec(&tb, 722, 3)->exact);
	assert_int_equal(tb.verified, 1);
	assert_int_equal(tb.exact, 1);
	assert_int_equal(tb.alive, 1);
	table_free(&tb);
}

/* ---- sums ---- */

static void fill_switches(struct pvt_task *t, uint64_t base)
{
	t->sw_vol = base + 1;
	t->sw_invol = base + 2;
	t->sw_in = base + 3;
	t->sw_as_change = base + 4;
	for (int i = 0; i < PVT_FROM__MAX; i++)
		t->sw_from[i] = base + 10 + (uint64_t)i;
	t->oncpu_ns = base * 1000;
}

static void test_sums_threads_vs_processes(void **state)
{
	struct pvt_table tb;
	struct pvt_task t;
	const struct pvt_proc *p;

	(void)state;
	table_init(&tb);
	t = mk(800, 800, 1, DEAD_OK);
	fill_switches(&t, 100);
	add(&tb, &t);
	t = mk(801, 800, 1, DEAD_OK);
	fill_switches(&t, 200);
	add(&tb, &t);
	t = mk(802, 800, 1, DEAD_OK);
	fill_switches(&t, 300);
	add(&tb, &t);
	t = mk(900, 900, 2, PVT_F_BASELINE);
	fill_switches(&t, 1000);
	add(&tb, &t);
	assert_int_equal(table_finish(&tb), 0);

	/* processes: tid == pid (800 and 900) */
	assert_int_equal(tb.processes.tasks, 2);
	assert_int_equal(tb.processes.vol, 101 + 1001);
	assert_int_equal(tb.processes.invol, 102 + 1002);
	assert_int_equal(tb.processes.in, 103 + 1003);
	assert_int_equal(tb.processes.as_change, 104 + 1004);
	for (int i = 0; i < PVT_FROM__MAX; i++)
		assert_int_equal(tb.processes.from[i], 110 + 1010 + 2 * (uint64_t)i);
	assert_int_equal(tb.processes.oncpu_ns, 100000 + 1000000);
	/* threads: tid != pid (801, 802) */
	assert_int_equal(tb.threads.tasks, 2);
	assert_int_equal(tb.threads.vol, 201 + 301);
	assert_int_equal(tb.threads.invol, 202 + 302);
	assert_int_equal(tb.threads.in, 203 + 303);
	assert_int_equal(tb.threads.as_change, 204 + 304);
	for (int i = 0; i < PVT_FROM__MAX; i++)
		assert_int_equal(tb.threads.from[i], 210 + 310 + 2 * (uint64_t)i);
	assert_int_equal(tb.threads.oncpu_ns, 200000 + 300000);

	/* per process: all its tasks */
	p = find_proc(&tb, 800, 1);
	assert_int_equal(p->sums.tasks, 3);
	assert_int_equal(p->sums.vol, 101 + 201 + 301);
	assert_int_equal(p->sums.in, 103 + 203 + 303);
	assert_int_equal(p->sums.from[PVT_FROM_KERNEL], 113 + 213 + 313);
	assert_int_equal(p->sums.oncpu_ns, 600000);
	p = find_proc(&tb, 900, 2);
	assert_int_equal(p->sums.tasks, 1);
	assert_int_equal(p->sums.vol, 1001);

	/* the two kinds partition the table */
	assert_int_equal(tb.threads.tasks + tb.processes.tasks, tb.n);
	table_free(&tb);
}

/* ---- process exit ---- */

static void test_process_exit_from_group_dead(void **state)
{
	struct pvt_table tb;
	struct pvt_task t;
	const struct pvt_proc *p;

	(void)state;
	table_init(&tb);
	/* the leader exits first with 0; the last thread takes the group down with SIGSEGV */
	t = mk(1000, 1000, 1, DEAD_OK);
	t.exit_code = 0;
	add(&tb, &t);
	t = mk(1001, 1000, 1, DEAD_OK | PVT_F_GROUP_DEAD);
	t.exit_code = SIGSEGV | 0x80;
	add(&tb, &t);
	t = mk(1002, 1000, 1, DEAD_OK);
	t.exit_code = 2 << 8;
	add(&tb, &t);
	/* a process whose group exit is not known: GROUP_DEAD without EXITED */
	t = mk(1100, 1100, 2, PVT_F_BASELINE | PVT_F_GROUP_DEAD);
	t.exit_code = 5 << 8;
	add(&tb, &t);
	/* a plain exit(3) */
	t = mk(1200, 1200, 3, DEAD_OK | PVT_F_GROUP_DEAD);
	t.exit_code = 3 << 8;
	add(&tb, &t);
	assert_int_equal(table_finish(&tb), 0);

	p = find_proc(&tb, 1000, 1);
	assert_true(p->exit.known);
	assert_int_equal(p->exit.signal, SIGSEGV);
	assert_true(p->exit.core);
	assert_int_equal(p->exit_tid, 1001);
	/* each task keeps its own exit */
	assert_true(find_rec(&tb, 1000, 1)->exit.known);
	assert_int_equal(find_rec(&tb, 1000, 1)->exit.code, 0);
	assert_int_equal(find_rec(&tb, 1000, 1)->exit.signal, 0);
	assert_int_equal(find_rec(&tb, 1002, 1)->exit.code, 2);

	p = find_proc(&tb, 1100, 2);
	assert_false(p->exit.known);
	assert_int_equal(p->exit_tid, 0);
	assert_false(find_rec(&tb, 1100, 2)->exit.known);

	p = find_proc(&tb, 1200, 3);
	assert_true(p->exit.known);
	assert_int_equal(p->exit.code, 3);
	assert_int_equal(p->exit.signal, 0);
	assert_int_equal(p->exit_tid, 1200);
	table_free(&tb);
}

/* ---- sorting ---- */

static void test_sorted_by_switches(void **state)
{
	static const struct { uint32_t tid; uint64_t vol, invol; } in[] = {
		{ 50, 1, 1 },   /* 2 */
		{ 40, 10, 0 },  /* 10 */
		{ 30, 0, 2 },   /* 2 */
		{ 20, 7, 3 },   /* 10 */
		{ 10, 0, 0 },   /* 0 */
		{ 60, 100, 0 }, /* 100 */
	};
	static const uint32_t want[] = { 60, 20, 40, 30, 50, 10 };
	struct pvt_table tb;
	size_t *idx;

	(void)state;
	table_init(&tb);
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		struct pvt_task t = mk(in[i].tid, in[i].tid, in[i].tid, DEAD_OK);

		t.sw_vol = in[i].vol;
		t.sw_invol = in[i].invol;
		add(&tb, &t);
	}
	assert_int_equal(table_finish(&tb), 0);
	idx = table_sorted_by_switches(&tb);
	assert_non_null(idx);
	for (size_t k = 0; k < tb.n; k++)
		assert_int_equal(tb.recs[idx[k]].t.tid, want[k]);
	for (size_t k = 1; k < tb.n; k++)
		assert_true(pvt_switches(&tb.recs[idx[k - 1]].t) >= pvt_switches(&tb.recs[idx[k]].t));
	free(idx);
	table_free(&tb);
}

static void test_empty_table(void **state)
{
	struct pvt_table tb;
	size_t *idx;

	(void)state;
	table_init(&tb);
	assert_int_equal(table_finish(&tb), 0);
	assert_int_equal(tb.n, 0);
	assert_int_equal(tb.nprocs, 0);
	assert_int_equal(tb.alive, 0);
	assert_int_equal(tb.verified, 0);
	idx = table_sorted_by_switches(&tb);
	assert_non_null(idx);
	free(idx);
	table_free(&tb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_exit),
		cmocka_unit_test(test_kind),
		cmocka_unit_test(test_add_copies_and_terminates_comm),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_grouping_leader_threads),
		cmocka_unit_test(test_pid_reuse_two_instances),
		cmocka_unit_test(test_leader_unseen),
		cmocka_unit_test(test_alive_counting),
		cmocka_unit_test(test_verify_exact),
		cmocka_unit_test(test_verify_mismatch),
		cmocka_unit_test(test_verify_needs_dead_and_baseline),
		cmocka_unit_test(test_sums_threads_vs_processes),
		cmocka_unit_test(test_process_exit_from_group_dead),
		cmocka_unit_test(test_sorted_by_switches),
		cmocka_unit_test(test_empty_table),
	};

	return cmocka_run_group_tests_name("tasktable", tests, NULL, NULL);
}
