/* SPDX-License-Identifier: GPL-2.0 */
/* tasktable_fixture.h - the task records test_tasktable.c and test_tasktable_sums.c build. */
#ifndef PVT_TASKTABLE_FIXTURE_H
#define PVT_TASKTABLE_FIXTURE_H

#include "tasktable.h"

#define DEAD_OK (PVT_F_BASELINE | PVT_F_EXITED | PVT_F_DEAD)

/* A task record with the identity fields set and everything else zero. */
static inline struct pvt_task mk(uint32_t tid, uint32_t pid, uint64_t lst, uint32_t flags)
{
	struct pvt_task t;

	memset(&t, 0, sizeof(t));
	t.tid = tid;
	t.pid = pid;
	t.ppid = 1;
	t.flags = flags;
	t.leader_start_time = lst;
	t.start_time = tid == pid ? lst : lst + tid;
	t.first_ns = 1000 + tid;
	t.end_ns = (flags & PVT_F_DEAD) ? 5000 + tid : 0;
	snprintf(t.comm, sizeof(t.comm), "t%u", tid);
	return t;
}

/* Set event counts and matching kernel deltas (kbase arbitrary, non-zero). */
static inline void set_counts(struct pvt_task *t, uint64_t vol, uint64_t invol)
{
	t->sw_vol = vol;
	t->sw_invol = invol;
	t->kbase.nvcsw = 17;
	t->kbase.nivcsw = 4;
	t->kfinal.nvcsw = 17 + vol;
	t->kfinal.nivcsw = 4 + invol;
}

static inline void add(struct pvt_table *tb, const struct pvt_task *t)
{
	assert_int_equal(table_add(tb, t), 0);
}

static inline const struct pvt_rec *find_rec(const struct pvt_table *tb, uint32_t tid, uint64_t lst)
{
	for (size_t i = 0; i < tb->n; i++)
		if (tb->recs[i].t.tid == tid && tb->recs[i].t.leader_start_time == lst)
			return &tb->recs[i];
	fail_msg("no record for tid %u", tid);
	return NULL;
}

static inline const struct pvt_proc *find_proc(const struct pvt_table *tb, uint32_t pid, uint64_t lst)
{
	for (size_t i = 0; i < tb->nprocs; i++)
		if (tb->procs[i].pid == pid && tb->procs[i].leader_start_time == lst)
			return &tb->procs[i];
	fail_msg("no process %u/%llu", pid, (unsigned long long)lst);
	return NULL;
}

#endif /* PVT_TASKTABLE_FIXTURE_H */
