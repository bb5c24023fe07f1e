// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for model_build() (user/model.c): a hand-built collected record
 * in, every derived figure out, exact.
 *
 *   pid 10 "root": leader 10 (the root) and threads 11, 12 (created as threads)
 *   pid 20 "child": a process created by 10, killed by SIGKILL aimed at it
 *   pid 30 "child": a process created by 10, still alive
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "model.h"

#define T0 5000000ull
#define DEAD (PVT_F_BASELINE | PVT_F_EXITED | PVT_F_DEAD)

static struct pvt_task mk(uint32_t tid, uint32_t pid, uint32_t flags)
{
	struct pvt_task t;

	memset(&t, 0, sizeof(t));
	t.tid = tid;
	t.pid = pid;
	t.ppid = pid == 10 ? 1 : 10;
	t.parent_tid = 10;
	t.flags = flags;
	t.leader_start_time = 100 + pid;
	t.start_time = 100 + tid;
	t.first_ns = T0 + 1000 * (tid - 10);
	t.end_ns = (flags & PVT_F_DEAD) ? T0 + 900000 : 0;
	strcpy(t.comm, pid == 10 ? "root" : "child");
	return t;
}

/* @n run-queue waits of @ns each. */
static void waits(struct pvt_task *t, uint32_t n, uint64_t ns)
{
	t->runq_hist[hist_bucket_of(ns)] += n;
	t->runq_count += n;
	t->runq_total_ns += n * ns;
	if (ns > t->runq_max_ns)
		t->runq_max_ns = ns;
}

static void switches(struct pvt_task *t, uint64_t same, uint64_t other, uint64_t idle,
		     uint64_t as_change)
{
	t->sw_from[PVT_FROM_SAME_PROCESS] = same;
	t->sw_from[PVT_FROM_OTHER_PROCESS] = other;
	t->sw_from[PVT_FROM_IDLE] = idle;
	t->sw_in = same + other + idle;
	t->sw_vol = t->sw_in;
	t->sw_as_change = as_change;
	t->kfinal.nvcsw = t->sw_vol;
}

struct fixture {
	struct pvt_table tb;
	struct pvt_collected in;
	struct pvt_calibration cal;
	struct pvt_prog_stats progs[2];
};

static char *const argv0[] = { "root", NULL };

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct pvt_task t;

	if (!fx)
		return -1;
	table_init(&fx->tb);
	/* the root: 6 switch-ins (1 from its threads, 2 from other processes, 3 from idle) */
	t = mk(10, 10, DEAD | PVT_F_ROOT | PVT_F_GROUP_DEAD);
	switches(&t, 1, 2, 3, 2);
	t.oncpu_ns = 6000;
	waits(&t, 1, 5000);
	t.wakers[0] = (struct pvt_waker){ .tid = 11, .pid = 10, .count = 3 };
	t.wakers[1] = (struct pvt_waker){ .tid = 20, .pid = 20, .count = 5 };
	table_add(&fx->tb, &t);
	/* threads 11, 12: created by clone(CLONE_THREAD), 10 us and 30 us on the CPU */
	t = mk(11, 10, DEAD | PVT_F_BORN | PVT_F_IN_CREATE);
	t.clone_flags = PVT_CLONE_THREAD;
	t.first_in_ns = t.first_ns + 400;
	t.create_cost = (struct pvt_create_cost){ .syscall_ns = 15000, .offcpu_ns = 4000,
						  .tracer_ns = 1000 };
	switches(&t, 4, 0, 0, 0);
	t.oncpu_ns = 8000;
	waits(&t, 99, 1000);
	waits(&t, 1, 1000000);
	table_add(&fx->tb, &t);
	t = mk(12, 10, DEAD | PVT_F_BORN | PVT_F_IN_CREATE);
	t.clone_flags = PVT_CLONE_THREAD;
	t.create_cost = (struct pvt_create_cost){ .syscall_ns = 30000 };
	switches(&t, 0, 1, 1, 1);
	table_add(&fx->tb, &t);
	/* process 20: fork, 90 us on the CPU; killed by a SIGKILL aimed at it */
	t = mk(20, 20, DEAD | PVT_F_BORN | PVT_F_IN_CREATE | PVT_F_GROUP_DEAD);
	t.create_cost = (struct pvt_create_cost){ .syscall_ns = 100000, .offcpu_ns = 8000,
						  .tracer_ns = 2000 };
	t.exit_code = SIGKILL;
	t.exit_how = PVT_EXIT_SIGNAL;
	switches(&t, 0, 3, 0, 3);
	table_add(&fx->tb, &t);
	/* process 30: alive at the end */
	t = mk(30, 30, PVT_F_BASELINE | PVT_F_BORN);
	switches(&t, 0, 0, 2, 0);
	table_add(&fx->tb, &t);

	fx->cal.same_as_ns = 1000;
	fx->cal.as_change_ns = 3000;
	fx->progs[0] = (struct pvt_prog_stats){ .name = "a", .run_count = 10, .run_time_ns = 3000 };
	fx->progs[1] = (struct pvt_prog_stats){ .name = "b", .run_count = 5, .run_time_ns = 2000 };
	fx->in.argv = argv0;
	fx->in.root_pid = 10;
	fx->in.root_wstatus = W_EXITCODE(0, SIGTERM);
	fx->in.duration_ns = 1000000;
	fx->in.counters[PVT_C_RB_LOST_CREATE] = 2;
	fx->in.counters[PVT_C_RB_LOST_MEM] = 7; /* read from the map at the end: not a loss */
	fx->in.counters[PVT_C_LATE_COST_FULL] = 1;
	fx->in.runq_from[PVT_FROM_SAME_PROCESS].count = 1;
	fx->in.runq_from[PVT_FROM_SAME_PROCESS].max_ns = 777;
	fx->in.runq_from[PVT_FROM_SAME_PROCESS].h.b[hist_bucket_of(777)] = 1;
	fx->in.tb = &fx->tb;
	fx->in.cal = &fx->cal;
	fx->in.progs = fx->progs;
	fx->in.nprogs = 2;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	table_free(&fx->tb);
	free(fx);
	return 0;
}

static const struct pvt_model_task *task(const struct pvt_model *m, uint32_t tid)
{
	for (size_t i = 0; i < m->tb->n; i++)
		if (m->tasks[i].rec->t.tid == tid)
			return &m->tasks[i];
	fail_msg("no task %u", tid);
	return NULL;
}

static void test_run_figures(void **state)
{
	struct fixture *fx = *state;
	struct pvt_model m;

	assert_int_equal(model_build(&m, &fx->in), 0);
	assert_true(m.tb->finished);
	assert_int_equal(m.t0_ns, T0);          /* the root's first sight */
	assert_true(m.root_exit.known);
	assert_int_equal(m.root_exit.signal, SIGTERM);
	assert_int_equal(m.lost_events, 2 + 1); /* not the memory records */
	assert_int_equal(m.tasks_created, 0);
	assert_int_equal(m.untracked, 0);
	assert_int_equal(m.untracked_alive, 0);
	assert_int_equal(m.progs.runs, 15);
	assert_int_equal(m.progs.run_time_ns, 5000);
	assert_true(m.progs.cpu_share == 5000.0 / 1000000.0);
	model_free(&m);
}

/* Tasks not tracked: counted in tasks_created and lost_events; alive unless seen exiting. */
static void test_untracked(void **state)
{
	struct fixture *fx = *state;
	struct pvt_collected in = fx->in; /* the fixture is the group's: left as it was */
	struct pvt_model m;

	in.counters[PVT_C_TASKS_BORN] = 4;
	in.counters[PVT_C_TASKMAP_FULL] = 7;
	in.counters[PVT_C_UNTRACKED_DESC] = 8;
	in.counters[PVT_C_UNTRACKED_EXITED] = 10;
	in.counters[PVT_C_UNTRACKED_UNMARKED] = 2; /* exits never seen: not alive either */
	assert_int_equal(model_build(&m, &in), 0);
	assert_int_equal(m.untracked, 7 + 8);
	assert_int_equal(m.tasks_created, 4 + 7 + 8);
	assert_int_equal(m.untracked_alive, 15 - 10 - 2);
	assert_int_equal(m.lost_events, 2 + 1 + 15);
	model_free(&m);
	/* per-CPU counters summed at slightly different moments: never negative */
	in.counters[PVT_C_UNTRACKED_EXITED] = 16;
	assert_int_equal(model_build(&m, &in), 0);
	assert_int_equal(m.untracked_alive, 0);
	model_free(&m);
}

static void test_tasks(void **state)
{
	struct fixture *fx = *state;
	const struct pvt_model_task *x;
	struct pvt_model m;

	assert_int_equal(model_build(&m, &fx->in), 0);
	x = task(&m, 11);
	assert_int_equal(x->start_ns, 1000);
	assert_int_equal(x->end_ns, 900000);
	assert_int_equal(x->lifetime_ns, 900000 - 1000);
	assert_int_equal(x->first_run_ns, 400);
	assert_int_equal(x->create_oncpu_ns, 15000 - 4000 - 1000);
	/* 99 waits of 1 us and one of 1 ms: the p50 and p99 in the 1 us bucket, max exact */
	assert_int_equal(x->runq.count, 100);
	assert_int_equal(x->runq.total_ns, 99 * 1000 + 1000000);
	assert_int_equal(x->runq.max_ns, 1000000);
	assert_in_range(x->runq.p50_ns, hist_bucket_low(hist_bucket_of(1000)),
			hist_bucket_high(hist_bucket_of(1000)) - 1);
	assert_in_range(x->runq.p99_ns, x->runq.p50_ns, hist_bucket_high(hist_bucket_of(1000)) - 1);
	/* 4 switch-ins from its own process, none changing address space: 4 x 1000 ns */
	assert_true(x->cost.estimated_ns == 4000.0);
	assert_int_equal(x->cost.same_as, 4);
	assert_int_equal(x->cost.as_change, 0);
	/* one wait: p50 = p99 = the wait itself */
	x = task(&m, 10);
	assert_int_equal(x->runq.p50_ns, 5000);
	assert_int_equal(x->runq.p99_ns, 5000);
	/* 2 of 6 switch-ins changed address space: 2 x 3000 + 4 x 1000 */
	assert_true(x->cost.estimated_ns == 10000.0);
	/* the most frequent waker is another process's */
	assert_non_null(x->top_waker);
	assert_int_equal(x->top_waker->tid, 20);
	assert_false(x->top_waker_same);
	/* the alive task: no end, no lifetime, never ran */
	x = task(&m, 30);
	assert_int_equal(x->end_ns, 0);
	assert_int_equal(x->lifetime_ns, 0);
	assert_int_equal(x->first_run_ns, 0);
	assert_null(x->top_waker);
	model_free(&m);
}

static void test_sums_and_classes(void **state)
{
	struct fixture *fx = *state;
	struct pvt_model m;

	assert_int_equal(model_build(&m, &fx->in), 0);
	/* threads: 11 (4 in) and 12 (2 in, 1 changing) */
	assert_int_equal(m.threads.s->tasks, 2);
	assert_int_equal(m.threads.s->in, 6);
	assert_true(m.threads.cost.estimated_ns == 1 * 3000.0 + 5 * 1000.0);
	assert_int_equal(m.threads.oncpu_per_in_ns, 8000 / 6);
	/* processes: 10 (6 in, 2 changing), 20 (3, 3), 30 (2, 0) */
	assert_int_equal(m.processes.s->tasks, 3);
	assert_int_equal(m.processes.s->in, 11);
	assert_true(m.processes.cost.estimated_ns == 5 * 3000.0 + 6 * 1000.0);
	assert_int_equal(m.processes.oncpu_per_in_ns, 6000 / 11);
	assert_int_equal(m.processes.runq.count, 1);
	assert_int_equal(m.processes.runq.p99_ns, 5000);
	/* by what ran before: same process 1 + 4, another 2 + 1 + 3, idle 3 + 1 + 2 */
	assert_int_equal(m.switch_ins, 17);
	assert_int_equal(m.classes[PVT_FROM_SAME_PROCESS].switch_ins, 5);
	assert_int_equal(m.classes[PVT_FROM_OTHER_PROCESS].switch_ins, 6);
	assert_int_equal(m.classes[PVT_FROM_IDLE].switch_ins, 6);
	assert_true(m.classes[PVT_FROM_SAME_PROCESS].share == 5.0 / 17.0);
	/* the same process's threads share an mm, another process's does not */
	assert_true(m.classes[PVT_FROM_SAME_PROCESS].cost.estimated_ns == 5 * 1000.0);
	assert_true(m.classes[PVT_FROM_OTHER_PROCESS].cost.estimated_ns == 6 * 3000.0);
	assert_int_equal(m.classes[PVT_FROM_SAME_PROCESS].runq.p50_ns, 777);
	assert_int_equal(m.classes[PVT_FROM_SAME_PROCESS].runq.max_ns, 777);
	assert_int_equal(m.classes[PVT_FROM_OTHER_PROCESS].runq.p50_ns, 0);
	model_free(&m);
}

static void test_creation_and_orders(void **state)
{
	struct fixture *fx = *state;
	struct pvt_model m;

	assert_int_equal(model_build(&m, &fx->in), 0);
	/* thread creations on the CPU: 10 us and 30 us; process: 90 us (30 not timed) */
	assert_int_equal(m.create_threads.c->oncpu.count, 2);
	assert_int_equal(m.create_threads.c->oncpu.p50_ns, 10000);
	assert_int_equal(m.create_procs.c->oncpu.p50_ns, 90000);
	assert_true(m.create_process_to_thread == 9.0);
	assert_true(m.create_threads.share_of_wall_time == 45000.0 / 1000000.0);
	assert_true(m.create_procs.share_of_wall_time == 100000.0 / 1000000.0);
	assert_int_equal(m.creations_timed, 3);
	/* born tasks, costliest creation on the CPU first; 30 (untimed) last */
	assert_int_equal(m.ncreated, 4);
	assert_int_equal(m.tasks[m.created_by_cost[0]].rec->t.tid, 20);
	assert_int_equal(m.tasks[m.created_by_cost[1]].rec->t.tid, 12);
	assert_int_equal(m.tasks[m.created_by_cost[2]].rec->t.tid, 11);
	assert_int_equal(m.tasks[m.created_by_cost[3]].rec->t.tid, 30);
	/* by switch-outs: 10 (6), 11 (4), 20 (3), then 12 and 30 (2 each, tid order) */
	assert_int_equal(m.tasks[m.tasks_by_switches[0]].rec->t.tid, 10);
	assert_int_equal(m.tasks[m.tasks_by_switches[1]].rec->t.tid, 11);
	assert_int_equal(m.tasks[m.tasks_by_switches[2]].rec->t.tid, 20);
	assert_int_equal(m.tasks[m.tasks_by_switches[3]].rec->t.tid, 12);
	assert_int_equal(m.procs[m.procs_by_switches[0]].p->pid, 10);
	/* the process killed by a signal aimed at it ended there */
	for (size_t k = 0; k < m.tb->nprocs; k++) {
		const struct pvt_model_proc *x = &m.procs[k];

		if (x->p->pid == 20) {
			assert_int_equal(x->p->exit.signal, SIGKILL);
			assert_true(x->cost.estimated_ns == 3 * 3000.0);
			assert_null(x->mem); /* no memory record */
			assert_int_equal(x->kernel_bytes, 0);
		}
		if (x->p->pid == 30)
			assert_int_equal(x->end_ns, 0);
	}
	model_free(&m);
}

static void test_uncalibrated(void **state)
{
	struct fixture *fx = *state;
	struct pvt_collected in = fx->in;
	struct pvt_model m;

	in.cal = NULL;
	in.progs = NULL;
	assert_int_equal(model_build(&m, &in), 0);
	assert_true(task(&m, 10)->cost.estimated_ns < 0);
	assert_true(m.threads.cost.estimated_ns < 0);
	assert_int_equal(m.threads.cost.as_change, 1);
	assert_int_equal(m.progs.runs, 0);
	model_free(&m);
}

static void test_switch_cost(void **state)
{
	struct pvt_calibration cal = { .same_as_ns = 1.5, .as_change_ns = 4 };
	struct pvt_switch_cost c = model_switch_cost(&cal, 10, 4);

	(void)state;
	assert_true(c.estimated_ns == 4 * 4 + 6 * 1.5);
	/* more changes than switch-ins cannot be: capped */
	c = model_switch_cost(&cal, 3, 5);
	assert_int_equal(c.as_change, 3);
	assert_int_equal(c.same_as, 0);
	assert_true(model_switch_cost(NULL, 3, 1).estimated_ns == -1);
	/* an estimate the views could not convert to an integer is capped at 2^63 ns */
	cal.same_as_ns = cal.as_change_ns = 9e8;
	c = model_switch_cost(&cal, UINT64_MAX, 1);
	assert_true(c.estimated_ns == 0x1p63);
	assert_true((uint64_t)(c.estimated_ns + 0.5) == 1ull << 63);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_figures),
		cmocka_unit_test(test_untracked),
		cmocka_unit_test(test_tasks),
		cmocka_unit_test(test_sums_and_classes),
		cmocka_unit_test(test_creation_and_orders),
		cmocka_unit_test(test_uncalibrated),
		cmocka_unit_test(test_switch_cost),
	};

	return cmocka_run_group_tests_name("model", tests, setup, teardown);
}
