// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/tasktable.c's summaries of how tasks began and ended:
 * creation costs (their own, or kept apart by BPF), their quantiles by
 * threads and processes, and the exit sums (who began each process's end).
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


/* ---- creation costs kept apart (late costs) ---- */

#define BORN_IN (PVT_F_BORN | PVT_F_IN_CREATE)

/* A creation cost kept apart: @ns in the syscall, a tenth of it off the CPU, 1 ns of pvtrace. */
static int late(struct pvt_table *tb, uint32_t tid, uint64_t start_time, uint64_t ns)
{
	struct pvt_create_cost c = { .syscall_ns = ns, .offcpu_ns = ns / 10, .tracer_ns = 1 };

	return table_add_late_cost(tb, tid, start_time, &c);
}

static void test_late_costs(void **state)
{
	struct pvt_table tb;
	struct pvt_task t;
	const struct pvt_rec *r;

	(void)state;
	table_init(&tb);
	/* decoys around the real ones, added in no particular order */
	for (uint32_t i = 0; i < 200; i++)
		assert_int_equal(late(&tb, 9000 + (i * 37) % 200, 50000 + i, 1), 0);

	/* born in a syscall whose return BPF kept apart: start_time 100 */
	t = mk(3000, 3000, 100, DEAD_OK | BORN_IN);
	add(&tb, &t);
	assert_int_equal(late(&tb, 3000, 100, 777), 0);
	/* its own cost wins over a late one for the same task */
	t = mk(3001, 3000, 100, DEAD_OK | BORN_IN);
	t.create_cost.syscall_ns = 555;
	add(&tb, &t);
	assert_int_equal(late(&tb, 3001, 100 + 3001, 999), 0);
	/* late costs for another start_time and for another tid: not its own */
	t = mk(3002, 3000, 100, DEAD_OK | BORN_IN);
	add(&tb, &t);
	assert_int_equal(late(&tb, 3002, 9999, 111), 0);
	assert_int_equal(late(&tb, 4002, 100 + 3002, 222), 0);
	/* no cost anywhere */
	t = mk(3003, 3000, 100, DEAD_OK | BORN_IN);
	add(&tb, &t);
	/* born in the kernel (no creating syscall): no cost expected */
	t = mk(3004, 3000, 100, DEAD_OK | PVT_F_BORN);
	add(&tb, &t);
	/* a late cost added after the records, the record still alive */
	t = mk(3005, 3000, 100, PVT_F_BASELINE | BORN_IN);
	add(&tb, &t);
	assert_int_equal(late(&tb, 3005, 100 + 3005, 333), 0);
	assert_int_equal(tb.nlate, 205);
	assert_int_equal(table_finish(&tb), 0);

	r = find_rec(&tb, 3000, 100);
	assert_int_equal(r->cost.syscall_ns, 777);
	assert_int_equal(r->cost.offcpu_ns, 77);
	assert_int_equal(r->cost.tracer_ns, 1);
	assert_int_equal(pvt_create_oncpu_ns(&r->cost), 777 - 77 - 1);
	assert_false(r->cost_missing);
	assert_int_equal(r->t.create_cost.syscall_ns, 0); /* the task's record itself untouched */
	r = find_rec(&tb, 3001, 100);
	assert_int_equal(r->cost.syscall_ns, 555);
	assert_false(r->cost_missing);
	r = find_rec(&tb, 3002, 100);
	assert_int_equal(r->cost.syscall_ns, 0);
	assert_true(r->cost_missing);
	r = find_rec(&tb, 3003, 100);
	assert_int_equal(r->cost.syscall_ns, 0);
	assert_true(r->cost_missing);
	r = find_rec(&tb, 3004, 100);
	assert_int_equal(r->cost.syscall_ns, 0);
	assert_false(r->cost_missing);
	r = find_rec(&tb, 3005, 100);
	assert_int_equal(r->cost.syscall_ns, 333);
	assert_false(r->cost_missing);

	/* all born as processes (no CLONE_THREAD): the sums see the late costs */
	assert_int_equal(tb.create_threads.born, 0);
	assert_int_equal(tb.create_procs.born, 6);
	assert_int_equal(tb.create_procs.in_syscall, 5);
	assert_int_equal(tb.create_procs.cost_missing, 2);
	assert_int_equal(tb.create_procs.syscall.count, 3);
	assert_int_equal(tb.create_procs.syscall.sum_ns, 777 + 555 + 333);
	assert_int_equal(tb.create_procs.syscall.p50_ns, 555);
	assert_int_equal(tb.create_procs.syscall.max_ns, 777);
	/* the parts: 555 is the task's own record (no off-CPU time, no tracer time given) */
	assert_int_equal(tb.create_procs.oncpu.count, 3);
	assert_int_equal(tb.create_procs.oncpu.sum_ns, (777 - 77 - 1) + 555 + (333 - 33 - 1));
	assert_int_equal(tb.create_procs.offcpu.sum_ns, 77 + 33);
	assert_int_equal(tb.create_procs.tracer.sum_ns, 2);
	table_free(&tb);
	assert_null(tb.late);
	assert_int_equal(tb.nlate, 0);
}

/* On-CPU creation cost: the syscall less its off-CPU part and pvtrace's own; never below 0. */
static void test_create_oncpu(void **state)
{
	struct pvt_create_cost c = { .syscall_ns = 10000, .offcpu_ns = 3000, .tracer_ns = 500 };
	struct pvt_table tb;
	struct pvt_task t;

	(void)state;
	assert_int_equal(pvt_create_oncpu_ns(&c), 6500);
	c.offcpu_ns = 9800; /* clocks a few ns apart */
	assert_int_equal(pvt_create_oncpu_ns(&c), 0);
	c = (struct pvt_create_cost){};
	assert_int_equal(pvt_create_oncpu_ns(&c), 0);

	/* a creation the hooks did not see (detached): counted as not timed */
	table_init(&tb);
	t = mk(4600, 4600, 1, DEAD_OK | PVT_F_BORN);
	t.create_nr = PVT_NR_CLONE3;
	add(&tb, &t);
	t = mk(4601, 4601, 1, DEAD_OK | PVT_F_BORN); /* created by the kernel: no syscall */
	add(&tb, &t);
	assert_int_equal(table_finish(&tb), 0);
	assert_int_equal(tb.create_procs.born, 2);
	assert_int_equal(tb.create_procs.not_timed, 1);
	assert_int_equal(tb.create_procs.in_syscall, 0);
	assert_int_equal(tb.create_procs.oncpu.count, 0);
	table_free(&tb);
}

/* ---- creation sums ---- */

static void born(struct pvt_task *t, uint64_t clone_flags, uint64_t syscall_ns,
		 uint64_t copy_ns, uint64_t first_run_ns)
{
	t->flags |= PVT_F_BORN;
	t->clone_flags = clone_flags;
	if (syscall_ns || copy_ns) {
		t->flags |= PVT_F_IN_CREATE;
		t->create_nr = PVT_NR_CLONE3;
	}
	t->create_cost.syscall_ns = syscall_ns;
	t->create_copy_ns = copy_ns;
	t->first_in_ns = first_run_ns ? t->first_ns + first_run_ns : 0;
}

static void test_create_sums(void **state)
{
	const uint64_t pthread_flags = 0x3d0f00; /* glibc pthread_create */
	struct pvt_table tb;
	struct pvt_task t;
	const struct pvt_create_sums *cs;

	(void)state;
	table_init(&tb);
	/* the command itself: not born under tracing, never counted */
	t = mk(4000, 4000, 200, DEAD_OK | PVT_F_ROOT);
	t.first_in_ns = t.first_ns + 5;
	t.exec_count = 1;
	t.exec_ns = 123456;
	t.exec_start_kt = 1; /* timed: the syscall hooks saw it */
	add(&tb, &t);
	/* a thread seen at first sight, not born: not counted either */
	t = mk(4004, 4000, 200, DEAD_OK);
	t.clone_flags = pthread_flags;
	t.first_in_ns = t.first_ns + 9;
	t.exec_count = 1;
	t.exec_ns = 654321;
	t.exec_start_kt = 1; /* timed: the syscall hooks saw it */
	add(&tb, &t);
	/* three threads born with pthread_create; one never ran, one exec'd */
	t = mk(4001, 4000, 200, DEAD_OK);
	born(&t, pthread_flags, 10, 4, 100);
	add(&tb, &t);
	t = mk(4002, 4000, 200, DEAD_OK);
	born(&t, pthread_flags, 20, 5, 200);
	t.exec_count = 1;
	t.exec_ns = 3000;
	t.exec_start_kt = 1; /* timed: the syscall hooks saw it */
	add(&tb, &t);
	t = mk(4003, 4000, 200, PVT_F_BASELINE);
	born(&t, pthread_flags, 30, 6, 0);
	add(&tb, &t);
	/* processes: fork, exec'd */
	t = mk(4100, 4100, 300, DEAD_OK);
	born(&t, 0, 1000, 400, 50);
	t.exec_count = 1;
	t.exec_ns = 7000;
	t.exec_start_kt = 1; /* timed: the syscall hooks saw it */
	add(&tb, &t);
	/* vfork (VM|VFORK, no THREAD), exec'd twice: the first exec's duration */
	t = mk(4200, 4200, 310, DEAD_OK);
	born(&t, PVT_CLONE_VM | PVT_CLONE_VFORK, 2000, 500, 60);
	t.exec_count = 2;
	t.exec_ns = 9000;
	t.exec_start_kt = 1; /* timed: the syscall hooks saw it */
	add(&tb, &t);
	/* created in the kernel, no syscall, still alive */
	t = mk(4300, 4300, 320, PVT_F_BASELINE);
	born(&t, 0, 0, 0, 70);
	add(&tb, &t);
	assert_int_equal(table_finish(&tb), 0);

	cs = &tb.create_threads;
	assert_int_equal(cs->born, 3);
	assert_int_equal(cs->in_syscall, 3);
	assert_int_equal(cs->cost_missing, 0);
	assert_int_equal(cs->execed, 1);
	assert_int_equal(cs->syscall.count, 3);
	assert_int_equal(cs->syscall.sum_ns, 60);
	assert_int_equal(cs->syscall.p50_ns, 20);
	assert_int_equal(cs->syscall.p99_ns, 30);
	assert_int_equal(cs->syscall.max_ns, 30);
	assert_int_equal(cs->copy.count, 3);
	assert_int_equal(cs->copy.sum_ns, 15);
	assert_int_equal(cs->copy.p50_ns, 5);
	assert_int_equal(cs->copy.max_ns, 6);
	assert_int_equal(cs->first_run.count, 2); /* 4003 never ran */
	assert_int_equal(cs->first_run.sum_ns, 300);
	assert_int_equal(cs->first_run.p50_ns, 100);
	assert_int_equal(cs->first_run.p99_ns, 200);
	assert_int_equal(cs->first_run.max_ns, 200);
	assert_int_equal(cs->exec.count, 1);
	assert_int_equal(cs->exec.sum_ns, 3000);

	cs = &tb.create_procs;
	assert_int_equal(cs->born, 3);
	assert_int_equal(cs->in_syscall, 2);
	assert_int_equal(cs->cost_missing, 0);
	assert_int_equal(cs->execed, 2);
	assert_int_equal(cs->syscall.count, 2);
	assert_int_equal(cs->syscall.sum_ns, 3000);
	assert_int_equal(cs->syscall.p50_ns, 1000);
	assert_int_equal(cs->syscall.max_ns, 2000);
	assert_int_equal(cs->copy.count, 2);
	assert_int_equal(cs->copy.sum_ns, 900);
	assert_int_equal(cs->copy.max_ns, 500);
	assert_int_equal(cs->first_run.count, 3);
	assert_int_equal(cs->first_run.sum_ns, 180);
	assert_int_equal(cs->first_run.p50_ns, 60);
	assert_int_equal(cs->first_run.p99_ns, 70);
	assert_int_equal(cs->first_run.max_ns, 70);
	assert_int_equal(cs->exec.count, 2);
	assert_int_equal(cs->exec.sum_ns, 16000);
	assert_int_equal(cs->exec.p50_ns, 7000);
	assert_int_equal(cs->exec.max_ns, 9000);

	/* the creation class is the clone flags, not what the task became */
	assert_int_equal(tb.threads.tasks, 4);   /* 4001..4004 */
	assert_int_equal(tb.processes.tasks, 4); /* 4000, 4100, 4200, 4300 */
	table_free(&tb);
}

static void test_create_sums_none_born(void **state)
{
	struct pvt_table tb;
	struct pvt_task t;

	(void)state;
	table_init(&tb);
	t = mk(4500, 4500, 1, DEAD_OK);
	t.create_cost.syscall_ns = 10;
	t.first_in_ns = t.first_ns + 1;
	add(&tb, &t);
	assert_int_equal(table_finish(&tb), 0);
	assert_int_equal(tb.create_threads.born, 0);
	assert_int_equal(tb.create_procs.born, 0);
	assert_int_equal(tb.create_procs.syscall.count, 0);
	assert_int_equal(tb.create_procs.first_run.count, 0);
	assert_int_equal(tb.create_procs.execed, 0);
	table_free(&tb);
}

/* ---- exit sums: who began each process's end ---- */

static struct pvt_task mk_exit(uint32_t tid, uint32_t pid, uint64_t lst, uint32_t flags,
			       uint32_t how, int32_t code)
{
	struct pvt_task t = mk(tid, pid, lst, flags);

	t.exit_how = how;
	t.exit_code = code;
	return t;
}

static void test_exit_sums(void **state)
{
	struct pvt_table tb;
	struct pvt_task t;
	const struct pvt_proc *p;

	(void)state;
	table_init(&tb);
	/* A: 4 threads, 5003 faults (SIGSEGV), the 3 others are taken down with it */
	t = mk_exit(5000, 5000, 400, DEAD_OK | PVT_F_GROUP_DEAD | PVT_F_ZAPPED,
		    PVT_EXIT_COLLATERAL, SIGSEGV);
	add(&tb, &t);
	t = mk_exit(5001, 5000, 400, DEAD_OK | PVT_F_ZAPPED, PVT_EXIT_COLLATERAL, SIGKILL);
	add(&tb, &t);
	t = mk_exit(5002, 5000, 400, DEAD_OK | PVT_F_ZAPPED, PVT_EXIT_COLLATERAL, SIGKILL);
	add(&tb, &t);
	t = mk_exit(5003, 5000, 400, DEAD_OK, PVT_EXIT_SIGNAL, SIGSEGV);
	add(&tb, &t);

	/* B: 5102 calls exit_group(3), the 3 others are collateral */
	t = mk_exit(5100, 5100, 410, DEAD_OK | PVT_F_ZAPPED, PVT_EXIT_COLLATERAL, 3 << 8);
	add(&tb, &t);
	t = mk_exit(5101, 5100, 410, DEAD_OK | PVT_F_ZAPPED, PVT_EXIT_COLLATERAL, 3 << 8);
	add(&tb, &t);
	t = mk_exit(5102, 5100, 410, DEAD_OK | PVT_F_GROUP_EXIT_ORIGIN, PVT_EXIT_SELF, 3 << 8);
	add(&tb, &t);
	t = mk_exit(5103, 5100, 410, DEAD_OK | PVT_F_ZAPPED | PVT_F_GROUP_DEAD,
		    PVT_EXIT_COLLATERAL, 3 << 8);
	add(&tb, &t);

	/* C: single-threaded, returns 0 from main */
	t = mk_exit(5200, 5200, 420, DEAD_OK | PVT_F_GROUP_DEAD, PVT_EXIT_SELF, 0);
	add(&tb, &t);

	/* D: still running; one of its threads has exited on its own */
	t = mk_exit(5300, 5300, 430, PVT_F_BASELINE, PVT_EXIT_NONE, 0);
	add(&tb, &t);
	t = mk_exit(5301, 5300, 430, DEAD_OK, PVT_EXIT_SELF, 0);
	add(&tb, &t);

	/* E: group dead but its exit not seen: not counted */
	t = mk_exit(5400, 5400, 440, PVT_F_BASELINE | PVT_F_GROUP_DEAD, PVT_EXIT_NONE, 5 << 8);
	add(&tb, &t);

	/* F: single-threaded exit_group(1): began the group exit, took nobody down */
	t = mk_exit(5500, 5500, 450, DEAD_OK | PVT_F_GROUP_DEAD | PVT_F_GROUP_EXIT_ORIGIN,
		    PVT_EXIT_SELF, 1 << 8);
	add(&tb, &t);

	/* G: single-threaded, SIGKILL from outside */
	t = mk_exit(5600, 5600, 460, DEAD_OK | PVT_F_GROUP_DEAD, PVT_EXIT_SIGNAL, SIGKILL);
	add(&tb, &t);
	assert_int_equal(table_finish(&tb), 0);

	p = find_proc(&tb, 5000, 400);
	assert_int_equal(p->threads, 4);
	assert_int_equal(p->origin_tid, 5003);
	assert_int_equal(p->collateral, 3);
	assert_int_equal(p->killed, 1);
	assert_int_equal(p->exited_self, 0);
	assert_true(p->exit.known);
	assert_int_equal(p->exit.signal, SIGSEGV);
	assert_int_equal(p->exit_tid, 5000);

	p = find_proc(&tb, 5100, 410);
	assert_int_equal(p->origin_tid, 5102);
	assert_int_equal(p->collateral, 3);
	assert_int_equal(p->killed, 0);
	assert_int_equal(p->exited_self, 1);
	assert_true(p->exit.known);
	assert_int_equal(p->exit.signal, 0);
	assert_int_equal(p->exit.code, 3);
	assert_int_equal(p->exit_tid, 5103);

	p = find_proc(&tb, 5200, 420);
	assert_int_equal(p->origin_tid, 0);
	assert_int_equal(p->collateral, 0);
	assert_int_equal(p->killed, 0);
	assert_int_equal(p->exited_self, 1);
	assert_true(p->exit.known);
	assert_int_equal(p->exit.code, 0);

	p = find_proc(&tb, 5300, 430);
	assert_int_equal(p->origin_tid, 0);
	assert_int_equal(p->exited_self, 1);
	assert_false(p->exit.known);

	p = find_proc(&tb, 5400, 440);
	assert_false(p->exit.known);
	assert_int_equal(p->origin_tid, 0);

	/* no thread taken down: no origin to name */
	p = find_proc(&tb, 5500, 450);
	assert_int_equal(p->origin_tid, 0);
	assert_int_equal(p->exited_self, 1);
	assert_int_equal(p->exit.code, 1);

	p = find_proc(&tb, 5600, 460);
	assert_int_equal(p->origin_tid, 5600);
	assert_int_equal(p->killed, 1);
	assert_int_equal(p->collateral, 0);
	assert_int_equal(p->exit.signal, SIGKILL);

	/* A, B, C, F, G ended; D is alive, E's exit is unknown */
	assert_int_equal(tb.exits.processes, 5);
	assert_int_equal(tb.exits.clean, 1);     /* C */
	assert_int_equal(tb.exits.failed, 2);    /* B, F */
	assert_int_equal(tb.exits.signaled, 2);  /* A, G */
	assert_int_equal(tb.exits.collateral_threads, 6);
	assert_int_equal(tb.exits.processes,
			 tb.exits.clean + tb.exits.failed + tb.exits.signaled);
	table_free(&tb);
}

/* The thread a signal was aimed at names the origin, even if another began the exit. */
static void test_exit_origin_signal_first(void **state)
{
	struct pvt_table tb;
	struct pvt_task t;
	const struct pvt_proc *p;

	(void)state;
	table_init(&tb);
	t = mk_exit(6000, 6000, 500, DEAD_OK | PVT_F_GROUP_DEAD | PVT_F_GROUP_EXIT_ORIGIN,
		    PVT_EXIT_COLLATERAL, SIGABRT);
	add(&tb, &t);
	t = mk_exit(6001, 6000, 500, DEAD_OK, PVT_EXIT_COLLATERAL, SIGKILL);
	add(&tb, &t);
	t = mk_exit(6002, 6000, 500, DEAD_OK | PVT_F_GROUP_EXIT_ORIGIN, PVT_EXIT_SIGNAL,
		    SIGABRT | 0x80);
	add(&tb, &t);
	assert_int_equal(table_finish(&tb), 0);
	p = find_proc(&tb, 6000, 500);
	assert_int_equal(p->origin_tid, 6002);
	assert_int_equal(p->collateral, 2);
	assert_int_equal(p->killed, 1);
	assert_int_equal(tb.exits.processes, 1);
	assert_int_equal(tb.exits.signaled, 1);
	assert_int_equal(tb.exits.collateral_threads, 2);
	table_free(&tb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_late_costs),
		cmocka_unit_test(test_create_oncpu),
		cmocka_unit_test(test_create_sums),
		cmocka_unit_test(test_create_sums_none_born),
		cmocka_unit_test(test_exit_sums),
		cmocka_unit_test(test_exit_origin_signal_first),
	};

	return cmocka_run_group_tests_name("tasktable_sums", tests, NULL, NULL);
}
