// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/top_model.c: two hand-built snapshots of the task map
 * (a task matched, one born in the interval, one ended, one read alive and
 * ended at once, one first seen, a reused tid) and the exact counts, rates,
 * shares, run-queue quantiles, header, and the view's order, filter and
 * expansion.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hist.h"
#include "top_model.h"

#define S 1000000000ull

static struct pvt_task mk(uint32_t tid, uint32_t pid, uint64_t start, uint64_t lst,
			  const char *comm, uint64_t cg)
{
	struct pvt_task t;

	memset(&t, 0, sizeof(t));
	t.tid = tid;
	t.pid = pid;
	t.start_time = start;
	t.leader_start_time = lst;
	t.cgroup_id = cg;
	snprintf(t.comm, sizeof(t.comm), "%s", comm);
	return t;
}

/* Switch counts: from[] = same, other, idle, kernel; sw_in their sum. */
static void sw(struct pvt_task *t, uint64_t vol, uint64_t invol, uint64_t same, uint64_t other,
	       uint64_t idle, uint64_t kern, uint64_t as, uint64_t oncpu_ns)
{
	t->sw_vol = vol;
	t->sw_invol = invol;
	t->sw_from[PVT_FROM_SAME_PROCESS] = same;
	t->sw_from[PVT_FROM_OTHER_PROCESS] = other;
	t->sw_from[PVT_FROM_IDLE] = idle;
	t->sw_from[PVT_FROM_KERNEL] = kern;
	t->sw_in = same + other + idle + kern;
	t->sw_as_change = as;
	t->oncpu_ns = oncpu_ns;
}

static const char *fake_path(void *ctx, uint64_t id)
{
	(void)ctx;
	return id == 1 ? "/a" : id == 2 ? "/b" : NULL;
}

static uint64_t fake_rss(void *ctx, uint32_t pid)
{
	(*(int *)ctx)++;
	return (uint64_t)pid * 1000;
}

struct fixture {
	struct pvt_task a[5], b[7], ended[1];
	struct top_snap sa, sb;
	struct top_model m;
	int rss_calls;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct top_env env = { fake_path, NULL, fake_rss, NULL };

	if (!f)
		return -1;
	env.rss_ctx = &f->rss_calls;
	f->a[0] = mk(100, 100, 10, 10, "server", 1);
	sw(&f->a[0], 10, 2, 4, 6, 2, 0, 6, 100000000);
	f->a[0].runq_hist[2] = 5;
	f->a[1] = mk(101, 100, 20, 10, "worker", 1);
	sw(&f->a[1], 5, 0, 5, 0, 0, 0, 0, 50000000);
	f->a[1].runq_hist[2] = 1;
	f->a[2] = mk(103, 100, 30, 10, "worker", 1);
	sw(&f->a[2], 1, 1, 1, 1, 0, 0, 1, 10000000);
	f->a[3] = mk(200, 200, 40, 40, "client", 2);
	sw(&f->a[3], 100, 0, 0, 100, 0, 0, 100, 0);
	f->a[3].runq_hist[3] = 7;
	f->a[4] = mk(300, 300, 50, 50, "old", 2);
	sw(&f->a[4], 1000, 1000, 0, 2000, 0, 0, 0, 9 * S);

	f->b[0] = f->a[0];
	sw(&f->b[0], 30, 12, 24, 12, 6, 0, 12, 600000000);
	f->b[0].runq_hist[2] = 65;
	f->b[1] = f->a[1];
	sw(&f->b[1], 25, 10, 33, 0, 0, 2, 0, 250000000);
	f->b[1].runq_hist[2] = 39;
	f->b[1].runq_hist[3] = 2;
	f->b[2] = mk(102, 100, 2 * S, 10, "worker", 1);	/* born in the interval */
	sw(&f->b[2], 4, 0, 4, 0, 0, 0, 0, 40000000);
	f->b[3] = f->a[2];	/* read alive, its final record came too: ignored */
	sw(&f->b[3], 2, 1, 2, 1, 0, 0, 1, 10000000);
	f->b[4] = mk(104, 100, 500, 10, "late", 1);	/* first seen: no rates */
	sw(&f->b[4], 50, 0, 50, 0, 0, 0, 0, 0);
	f->b[5] = f->a[3];
	sw(&f->b[5], 140, 20, 0, 160, 0, 0, 160, S);
	f->b[5].runq_hist[3] = 17;
	f->b[6] = mk(300, 300, 2500000000ull, 2500000000ull, "new", 2); /* tid 300 reused */
	sw(&f->b[6], 6, 2, 0, 8, 0, 0, 8, 2000000);
	f->ended[0] = f->a[2];
	sw(&f->ended[0], 3, 1, 3, 1, 0, 0, 1, 30000000);

	f->sa = (struct top_snap){ .mono_ns = S, .tasks = f->a, .n = 5, .lost_events = 2,
				   .untracked = 3 };
	f->sb = (struct top_snap){ .mono_ns = 3 * S, .tasks = f->b, .n = 7, .ended = f->ended,
				   .n_ended = 1, .lost_events = 5, .untracked = 3 };
	if (top_model_build(&f->m, &f->sa, &f->sb, &env))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	top_model_free(&f->m);
	free(f);
	return 0;
}

static const struct top_row *find(const struct top_row *r, size_t n, uint32_t tid, uint32_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].tid == tid && r[i].pid == pid)
			return &r[i];
	fail_msg("no row tid %u pid %u", tid, pid);
	return NULL;
}

static void assert_dbl(double got, double want)
{
	if (fabs(got - want) > 1e-9 * (fabs(want) + 1))
		fail_msg("%.12g != %.12g", got, want);
}

static void test_tasks(void **state)
{
	struct fixture *f = *state;
	const struct top_row *t;

	assert_int_equal(f->m.n_tasks, 6);
	/* grouped by process, by tid within */
	assert_int_equal(f->m.tasks[0].tid, 100);
	assert_int_equal(f->m.tasks[1].tid, 101);
	assert_int_equal(f->m.tasks[2].tid, 102);
	assert_int_equal(f->m.tasks[3].tid, 104);

	t = find(f->m.tasks, f->m.n_tasks, 100, 100);
	assert_true(t->rates);
	assert_int_equal(t->d.vol, 20);
	assert_int_equal(t->d.invol, 10);
	assert_int_equal(t->d.in, 30);
	assert_int_equal(t->d.from[PVT_FROM_SAME_PROCESS], 20);
	assert_int_equal(t->d.as_change, 6);
	assert_int_equal(t->d.oncpu_ns, 500000000);
	assert_int_equal(t->d.runq_waits, 60);
	assert_dbl(t->vol_s, 10);
	assert_dbl(t->invol_s, 5);
	assert_dbl(t->sw_s, 15);
	assert_dbl(t->as_s, 3);
	assert_dbl(t->same_pct, 100.0 * 20 / 30);
	assert_dbl(t->oncpu_pct, 25);
	assert_int_equal(t->rq_p50_ns, 2);
	assert_int_equal(t->rq_p99_ns, 2);
	assert_string_equal(t->comm, "server");
	assert_string_equal(t->cgroup, "/a");
	assert_int_equal(t->rss, 0);

	t = find(f->m.tasks, f->m.n_tasks, 101, 100);
	assert_int_equal(t->d.runq_waits, 40);
	assert_int_equal(t->rq_p50_ns, 2);
	assert_int_equal(t->rq_p99_ns, 3);
	assert_dbl(t->same_pct, 100.0 * 28 / 30);

	/* born in the interval: its whole counts */
	t = find(f->m.tasks, f->m.n_tasks, 102, 100);
	assert_true(t->rates);
	assert_int_equal(t->d.vol, 4);
	assert_dbl(t->oncpu_pct, 2);
	assert_int_equal(t->rq_p99_ns, 0);

	/* existed before the earlier snapshot but not in it: no figures */
	t = find(f->m.tasks, f->m.n_tasks, 104, 100);
	assert_false(t->rates);
	assert_int_equal(t->d.vol, 0);
	assert_true(isnan(t->same_pct));

	/* tid 300 reused: a new task, counted from zero, never negative */
	t = find(f->m.tasks, f->m.n_tasks, 300, 300);
	assert_true(t->rates);
	assert_int_equal(t->start_time, 2500000000ull);
	assert_int_equal(t->d.vol, 6);
	assert_int_equal(t->d.invol, 2);
	assert_string_equal(t->comm, "new");
}

static void test_processes(void **state)
{
	struct fixture *f = *state;
	const struct top_row *p;

	assert_int_equal(f->m.n_procs, 3);
	assert_int_equal(f->rss_calls, 3);
	p = find(f->m.procs, f->m.n_procs, 0, 100);
	assert_int_equal(p->kind, TOP_PROCESS);
	assert_string_equal(p->comm, "server");
	assert_int_equal(p->threads, 4);
	assert_int_equal(p->n_child, 4);
	assert_int_equal(f->m.tasks[p->child].tid, 100);
	/* 100, 101, 102 and the final record of 103 (less its earlier counts) */
	assert_int_equal(p->d.vol, 46);
	assert_int_equal(p->d.invol, 20);
	assert_int_equal(p->d.from[PVT_FROM_SAME_PROCESS], 54);
	assert_int_equal(p->d.from[PVT_FROM_OTHER_PROCESS], 6);
	assert_int_equal(p->d.from[PVT_FROM_IDLE], 4);
	assert_int_equal(p->d.from[PVT_FROM_KERNEL], 2);
	assert_int_equal(p->d.in, 66);
	assert_int_equal(p->d.as_change, 6);
	assert_dbl(p->vol_s, 23);
	assert_dbl(p->invol_s, 10);
	assert_dbl(p->sw_s, 33);
	assert_dbl(p->as_s, 3);
	assert_dbl(p->same_pct, 100.0 * 54 / 66);
	assert_dbl(p->oncpu_pct, 38);
	/* merged waits: 98 of 2 ns, 2 of 3 ns */
	assert_int_equal(p->d.runq_waits, 100);
	assert_int_equal(p->rq_p50_ns, 2);
	assert_int_equal(p->rq_p99_ns, 3);
	assert_int_equal(p->rss, 100000);
	assert_int_equal(p->cgroup_id, 1);

	p = find(f->m.procs, f->m.n_procs, 0, 200);
	assert_dbl(p->sw_s, 30);
	assert_dbl(p->same_pct, 0);
	assert_dbl(p->as_s, 30);
	assert_dbl(p->oncpu_pct, 50);
	assert_int_equal(p->rq_p50_ns, 3);
	assert_int_equal(p->rq_p99_ns, 3);

	p = find(f->m.procs, f->m.n_procs, 0, 300);
	assert_int_equal(p->start_time, 2500000000ull);
	assert_dbl(p->sw_s, 4);
	assert_dbl(p->oncpu_pct, 0.1);
}

static void test_cgroups(void **state)
{
	struct fixture *f = *state;
	const struct top_row *c;

	assert_int_equal(f->m.n_cgroups, 2);
	c = &f->m.cgroups[0];
	assert_int_equal(c->kind, TOP_CGROUP);
	assert_int_equal(c->cgroup_id, 1);
	assert_string_equal(c->cgroup, "/a");
	assert_int_equal(c->threads, 4);
	assert_int_equal(c->processes, 1);
	assert_int_equal(c->d.vol, 46);
	assert_int_equal(c->rss, 100000);
	assert_int_equal(f->m.procs[c->child].pid, 100);
	c = &f->m.cgroups[1];
	assert_string_equal(c->cgroup, "/b");
	assert_int_equal(c->processes, 2);
	assert_int_equal(c->threads, 2);
	assert_int_equal(c->d.vol, 46);
	assert_int_equal(c->d.invol, 22);
	assert_dbl(c->sw_s, 34);
	assert_int_equal(c->rss, 500000);
	assert_int_equal(f->m.procs[c->child].pid, 200);
	assert_int_equal(f->m.procs[c->child + 1].pid, 300);
}

static void test_header(void **state)
{
	struct fixture *f = *state;
	const struct top_header *h = &f->m.h;

	assert_int_equal(h->mono_ns, 3 * S);
	assert_int_equal(h->interval_ns, 2 * S);
	assert_int_equal(h->tasks, 6);
	assert_int_equal(h->processes, 3);
	assert_int_equal(h->cgroups, 2);
	assert_int_equal(h->tasks_new, 2);
	assert_int_equal(h->tasks_ended, 1);
	assert_int_equal(h->tasks_first_seen, 1);
	assert_int_equal(h->d.vol, 92);
	assert_int_equal(h->d.invol, 42);
	assert_dbl(h->sw_s, 67);
	assert_int_equal(h->d.from[PVT_FROM_SAME_PROCESS], 54);
	assert_int_equal(h->d.from[PVT_FROM_OTHER_PROCESS], 74);
	assert_dbl(h->from_pct[PVT_FROM_SAME_PROCESS], 100.0 * 54 / 134);
	assert_dbl(h->from_pct[PVT_FROM_OTHER_PROCESS], 100.0 * 74 / 134);
	assert_dbl(h->from_pct[PVT_FROM_IDLE], 100.0 * 4 / 134);
	assert_dbl(h->from_pct[PVT_FROM_KERNEL], 100.0 * 2 / 134);
	assert_int_equal(h->lost, 3);
	assert_int_equal(h->lost_total, 5);
	assert_int_equal(h->untracked, 0);
	assert_int_equal(h->untracked_total, 3);
}

/* The pids (or tids at depth 1 under a process, cgroup ids for cgroups) of a view, in order. */
static void view_is(const struct top_model *m, const struct top_view_opts *o, const char *want)
{
	struct top_view v = {};
	char got[256] = "";
	size_t len = 0;

	assert_int_equal(top_view_build(&v, m, o), 0);
	for (size_t i = 0; i < v.n; i++) {
		const struct top_row *r = v.v[i].row;
		uint64_t id = r->kind == TOP_TASK ? r->tid : r->kind == TOP_PROCESS ? r->pid :
			      r->cgroup_id;

		len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s%llu", i ? " " : "",
					v.v[i].depth == 2 ? ".." : v.v[i].depth ? "." : "",
					(unsigned long long)id);
	}
	top_view_free(&v);
	assert_string_equal(got, want);
}

static void test_sort(void **state)
{
	struct fixture *f = *state;
	struct top_view_opts o = { .sort = TOP_SORT_SW };

	view_is(&f->m, &o, "100 200 300");
	o.sort = TOP_SORT_ONCPU;
	view_is(&f->m, &o, "200 100 300");
	o.sort = TOP_SORT_NAME;
	view_is(&f->m, &o, "200 300 100");	/* client, new, server */
	o.sort = TOP_SORT_PID;
	view_is(&f->m, &o, "100 200 300");
	o.reverse = true;
	view_is(&f->m, &o, "300 200 100");
	o.reverse = false;
	o.sort = TOP_SORT_RSS;
	view_is(&f->m, &o, "300 200 100");
	o.sort = TOP_SORT_THREADS;	/* ties by pid */
	view_is(&f->m, &o, "100 200 300");
	o.sort = TOP_SORT_RQ_P99;	/* no wait in 300: last */
	view_is(&f->m, &o, "100 200 300");
	o.sort = TOP_SORT_SAME;
	view_is(&f->m, &o, "100 200 300");
	o.sort = TOP_SORT_INVOL;	/* 10/s, 10/s (tie: pid), 1/s */
	view_is(&f->m, &o, "100 200 300");
	o.sort = TOP_SORT_VOL;
	view_is(&f->m, &o, "100 200 300");
	o.sort = TOP_SORT_AS;
	view_is(&f->m, &o, "200 300 100");
}

static void test_expand_filter(void **state)
{
	struct fixture *f = *state;
	struct top_set pids = {}, cgs = {};
	struct top_view_opts o = { .sort = TOP_SORT_SW, .expanded_pids = &pids,
				   .expanded_cgroups = &cgs };

	assert_int_equal(top_set_toggle(&pids, 100), 0);
	assert_true(top_set_has(&pids, 100));
	/* threads by the same key, ties by tid, the first-seen one last */
	view_is(&f->m, &o, "100 .100 .101 .102 .104 200 300");
	o.filter = "work";	/* a thread's name keeps its process whole */
	view_is(&f->m, &o, "100 .100 .101 .102 .104");
	o.filter = "CLI";
	view_is(&f->m, &o, "200");
	o.filter = "";
	assert_int_equal(top_set_toggle(&pids, 100), 0);
	assert_false(top_set_has(&pids, 100));
	view_is(&f->m, &o, "100 200 300");
	o.expand_all = true;
	view_is(&f->m, &o, "100 .100 .101 .102 .104 200 .200 300 .300");
	o.expand_all = false;

	o.by = TOP_BY_CGROUP;
	view_is(&f->m, &o, "2 1");	/* 34/s, 33/s */
	assert_int_equal(top_set_toggle(&cgs, 2), 0);
	assert_int_equal(top_set_toggle(&pids, 300), 0);
	view_is(&f->m, &o, "2 .200 .300 ..300 1");
	o.filter = "/a";
	view_is(&f->m, &o, "1");
	o.filter = "client";
	view_is(&f->m, &o, "2 .200");
	o.filter = "/b";	/* kept by its path: all its processes */
	view_is(&f->m, &o, "2 .200 .300 ..300");
	o.filter = NULL;
	o.sort = TOP_SORT_NAME;
	view_is(&f->m, &o, "1 2 .200 .300 ..300");
	o.sort = TOP_SORT_PID;	/* cgroups: most processes first; processes by pid */
	view_is(&f->m, &o, "2 .200 .300 ..300 1");
	top_set_free(&pids);
	top_set_free(&cgs);
}

static void test_bad_interval(void **state)
{
	struct fixture *f = *state;
	struct top_model m;

	assert_int_equal(top_model_build(&m, &f->sb, &f->sa, NULL), -EINVAL);
	assert_int_equal(top_model_build(&m, &f->sa, &f->sa, NULL), -EINVAL);
	assert_null(m.tasks);
}

/* No callbacks: no paths, no RSS; a snapshot copy keeps the tasks, not the ended records. */
static void test_no_env_and_copy(void **state)
{
	struct fixture *f = *state;
	struct top_snap c = {};
	struct top_model m;

	assert_int_equal(top_snap_copy(&c, &f->sb), 0);
	assert_ptr_not_equal(c.tasks, f->sb.tasks);
	assert_int_equal(c.n, 7);
	assert_int_equal(c.n_ended, 0);
	assert_int_equal(memcmp(c.tasks, f->b, sizeof(f->b)), 0);
	assert_int_equal(top_model_build(&m, &f->sa, &c, NULL), 0);
	assert_int_equal(m.n_procs, 3);
	assert_int_equal(m.procs[0].rss, 0);
	assert_null(m.procs[0].cgroup);
	assert_string_equal(m.cgroups[0].comm, "?");
	/* 103's final record missing now: its interval is lost, 103 read alive counts */
	assert_int_equal(find(m.tasks, m.n_tasks, 103, 100)->d.vol, 1);
	top_model_free(&m);
	top_snap_free(&c);
	assert_null(c.tasks);
}

static void test_rss_proc(void **state)
{
	(void)state;
	assert_true(top_rss_proc(NULL, (uint32_t)getpid()) > 0);
	assert_int_equal(top_rss_proc(NULL, 0x7ffffffe), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tasks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_processes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cgroups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expand_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_interval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_env_and_copy, setup, teardown),
		cmocka_unit_test(test_rss_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
