/* SPDX-License-Identifier: GPL-2.0 */
/*
 * attach.bpf.h - tasks that were running before pvtrace came: `attach -p`,
 * `attach --cgroup`, `top`.
 *
 * Registration costs nothing to the rest of the machine: no program asks
 * "is this a target?" at its events.  The attach pass of the task iterator
 * (run by userspace once the programs are attached, and again to catch what
 * was created during the first pass) gives each target a PENDING entry; from
 * then on its creations are followed like any tracked task's.  The baseline of
 * its kernel counters is read at its first sight in a program
 * (task_table.bpf.h, take_baseline()), on its own CPU or while it is not
 * running, so that no switch is both in the baseline and counted; a target
 * never seen keeps the iterator's own read, taken after its entry was
 * published (a switch before that read is in it and was not counted; a switch
 * after it finds the entry and takes the baseline itself).
 *
 * With --cgroup, a task moved into the target cgroup later (cgroup.procs) is
 * registered at cgroup_attach_task the same way.
 *
 * At the end, the final pass reads the kernel's counters of every tracked
 * task still alive, at an instant when none of its switches is in flight:
 * read K1, freeze the entry (task_lookup() ignores it from then on), read
 * our counts C and K2.  K1 == K2 and K1 == baseline + C: kfinal = K1, the
 * task is verified like a task that ended.  Else a switch was in flight: the
 * entry is thawed and userspace runs the pass again; if an event came while
 * frozen (FROZEN_SKIP) the counts can no longer be compared: counted
 * (PVT_C_FINAL_LOST).  The last pass (PVT_PASS_FINAL_LAST) takes any
 * stable read, so that a real disagreement shows in the report.
 *
 * Holds: tasks_scratch, is_target(), attach_register(), on_iter_attach(),
 * on_cgroup_attach_task().
 * Needs: task_table.bpf.h; attach_mode, target_*, iter_pass (pvtrace.bpf.c).
 */
#ifndef PVTRACE_ATTACH_BPF_H
#define PVTRACE_ATTACH_BPF_H

#ifndef PVTRACE_TASK_TABLE_BPF_H
#error "attach.bpf.h needs task_table.bpf.h first (see pvtrace.bpf.c)"
#endif

/* A whole record built before it is published: the map never shows a half-made entry. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pvt_task);
} tasks_scratch SEC(".maps");

/* Is @cgrp the target cgroup or below it? */
static __always_inline bool cgroup_is_target(struct cgroup *cgrp)
{
	struct cgroup *anc = NULL;
	__u32 lvl = target_cglevel;

	if (!cgrp || cgrp->level < (int)lvl || lvl > 255)
		return false;
	if (bpf_probe_read_kernel(&anc, sizeof(anc), &cgrp->ancestors[lvl]) || !anc)
		return false;
	return pvt_ro(anc)->kn->id == target_cgid;
}

static __always_inline bool is_target(struct task_struct *t)
{
	__u32 i, tgid = t->tgid;

	if (attach_mode == PVT_ATTACH_ALL)
		return true;
	if (attach_mode == PVT_ATTACH_CGROUP)
		return cgroup_is_target(pvt_ro(t)->cgroups->dfl_cgrp);
	if (attach_mode != PVT_ATTACH_PIDS)
		return false;
	for (i = 0; i < PVT_MAX_TARGETS; i++) {
		if (i >= nr_targets)
			break;
		if (target_tgids[i] == tgid)
			return true;
	}
	return false;
}

/* Give @t a PENDING entry unless it has one (or is exiting).  @cnt: the counter to bump. */
static __noinline int attach_register(struct task_struct *t, __u32 cnt)
{
	__u64 key = (__u64)t;
	__u32 zero = 0;
	struct pvt_task *pt;
	long err;

	if (!t || (t->flags & PVT_PF_EXITING) || bpf_map_lookup_elem(&tasks, &key))
		return 0;
	if (bpf_map_update_elem(&tasks_scratch, &zero, &zero_task, BPF_ANY))
		return 0;
	pt = bpf_map_lookup_elem(&tasks_scratch, &zero);
	if (!pt)
		return 0;
	fill_identity(pt, t);
	__builtin_memcpy(pt->comm_first, pt->comm, sizeof(pt->comm));
	pt->flags = PVT_F_PREEXISTING | PVT_F_PENDING;
	pt->first_ns = pvt_rq_clock(t);
	err = bpf_map_update_elem(&tasks, &key, pt, BPF_NOEXIST);
	if (err == -17 /* EEXIST: seen meanwhile */)
		return 0;
	if (err) {
		count(PVT_C_ATTACH_FULL);
		return 0;
	}
	count(PVT_C_TASKS_SEEN);
	count(cnt);
	pt = bpf_map_lookup_elem(&tasks, &key);
	/* Published first, read after: a switch before this read is in it, one after sees the entry. */
	if (pt && (pt->flags & PVT_F_PENDING))
		pvt_read_kcounters(t, &pt->kbase);
	return 0;
}

/*
 * The final read of an alive task (see the head of this file).  Returns 0
 * when settled (or nothing to do), else an enum pvt_final_status.
 */
static __noinline __u32 final_read(struct task_struct *t, struct pvt_task *pt, bool last)
{
	struct pvt_kcounters k1, k2;
	__u64 vol, invol, exec_start;

	if (pt->flags & (PVT_F_FINAL_READ | PVT_F_DEAD))
		return 0;
	if (pt->flags & PVT_F_FROZEN_SKIP)
		return PVT_FINAL_LOST;
	pvt_read_kcounters(t, &k1);
	__sync_fetch_and_or(&pt->flags, PVT_F_FROZEN);
	vol = pt->sw_vol;
	invol = pt->sw_invol;
	exec_start = t->se.exec_start;
	pvt_read_kcounters(t, &k2);
	if (pt->flags & PVT_F_FROZEN_SKIP) {
		count(PVT_C_FINAL_LOST);
		return PVT_FINAL_LOST;
	}
	if (k1.nvcsw != k2.nvcsw || k1.nivcsw != k2.nivcsw ||
	    k1.sum_exec_runtime != k2.sum_exec_runtime || k1.run_delay != k2.run_delay ||
	    (!last && (k1.nvcsw != pt->kbase.nvcsw + vol || k1.nivcsw != pt->kbase.nivcsw + invol))) {
		__sync_fetch_and_and(&pt->flags, ~PVT_F_FROZEN);
		if (pt->flags & PVT_F_FROZEN_SKIP) {
			count(PVT_C_FINAL_LOST);
			return PVT_FINAL_LOST;
		}
		return PVT_FINAL_RETRY;
	}
	/* On the CPU now: its slice so far, on the clock of sum_exec_runtime. */
	if (pt->last_in_ns && exec_start > pt->last_in_task_ns) {
		pt->oncpu_ns += exec_start - pt->last_in_task_ns;
		pt->last_in_task_ns = exec_start;
	}
	pt->kfinal = k1;
	pt->end_ns = pvt_rq_clock(t);
	/* Never seen: the attach pass's read is its baseline (no switch since, or K1 would differ). */
	__sync_fetch_and_or(&pt->flags, PVT_F_FINAL_READ |
			    (pt->flags & PVT_F_PENDING ? PVT_F_BASELINE : 0));
	return 0;
}

static __always_inline int on_iter_attach(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct pvt_final_rec rec;
	struct pvt_task *pt;
	__u64 key;

	if (!t)
		return 0;
	if (iter_pass == PVT_PASS_ATTACH) {
		if (is_target(t))
			attach_register(t, PVT_C_ATTACHED);
		return 0;
	}
	key = (__u64)t;
	pt = bpf_map_lookup_elem(&tasks, &key);
	if (!pt)
		return 0;
	rec.status = final_read(t, pt, iter_pass == PVT_PASS_FINAL_LAST);
	if (!rec.status)
		return 0;
	rec.tid = pt->tid;
	rec.start_time = pt->start_time;
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

/* attach --cgroup: a task moved into the target cgroup (or below it) joins the trace. */
static __always_inline int on_cgroup_attach_task(struct cgroup *dst, struct task_struct *task)
{
	if (cgroup_is_target(dst))
		attach_register(task, PVT_C_JOINED);
	return 0;
}

#endif /* PVTRACE_ATTACH_BPF_H */
