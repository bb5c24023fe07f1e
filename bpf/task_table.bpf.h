/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task_table.bpf.h - the task table: which tasks pvtrace follows, and the
 * tracer's own counters.
 *
 * A task is tracked iff it has an entry in the `tasks` hash map, keyed by the
 * task_struct address rather than the tid: a tid changes when a non-leader
 * thread execs (de_thread swaps it with the leader's), and tids are reused; an
 * address is reused only after the task is freed, after its final switch,
 * where its entry is removed (sched.bpf.h).  (Task storage was tried too: no
 * faster here.)
 *
 * A task the tree creates while the map is full is not tracked, and neither are
 * its descendants, but each is counted: it is marked in the `untracked` task
 * storage, and a marked creator marks and counts its children (below).
 *
 * Holds: the `tasks`, `counters` and `untracked` maps, zero_task; count(),
 * fill_identity() (a task's names), task_insert(), task_lookup(), which
 * registers the root command at its first sight (register_root());
 * untracked_mark(), is_untracked().
 * Needs: pvtrace.bpf.h; root_tid, root_registered, root_first_kt,
 * untracked_any (pvtrace.bpf.c).
 */
#ifndef PVTRACE_TASK_TABLE_BPF_H
#define PVTRACE_TASK_TABLE_BPF_H

/* Entries allocated on demand: a record is about 1.3 KiB. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PVT_DEFAULT_MAX_TASKS); /* userspace: --max-tasks */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);                         /* struct task_struct * */
	__type(value, struct pvt_task);
} tasks SEC(".maps");

/* Never written: the zeroed value a new entry starts from. */
struct pvt_task zero_task = {};

/* How the tracer itself fared (enum pvt_counter), per CPU: userspace sums them. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PVT_C__MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);

	if (c)
		*c += 1;
}

/*
 * Where @t lives: its cgroup v2 (the default hierarchy's cgroup: the id of its
 * kernfs node, the directory's inode number) and, in a PID namespace below
 * the initial one, its tid and its process's pid as seen there.
 */
static __always_inline void fill_place(struct pvt_task *pt, struct task_struct *t)
{
	struct pid *tp = pvt_ro(t)->thread_pid;
	struct upid up;
	__u32 level;

	pt->cgroup_id = pvt_ro(t)->cgroups->dfl_cgrp->kn->id;
	level = tp->level;
	pt->ns_level = level;
	pt->ns_tid = t->pid;
	pt->ns_pid = t->tgid;
	if (!level || level > 31)
		return;
	if (!bpf_probe_read_kernel(&up, sizeof(up), &tp->numbers[level]))
		pt->ns_tid = up.nr;
	tp = pvt_ro(t)->group_leader->thread_pid;
	if (!bpf_probe_read_kernel(&up, sizeof(up), &tp->numbers[level]))
		pt->ns_pid = up.nr;
}

/* Direct loads through the BTF pointer (no helper calls): this runs at every creation. */
static __always_inline void fill_identity(struct pvt_task *pt, struct task_struct *t)
{
	pt->tid = t->pid;
	pt->pid = t->tgid;
	pt->ppid = pvt_ro(t)->real_parent->tgid;
	pt->start_time = t->start_time;
	pt->leader_start_time = pvt_ro(t)->group_leader->start_time;
	pvt_comm_copy(pt->comm, t->comm);
	pt->kstack_bytes = pvt_kstack_bytes(t);
	fill_place(pt, t);
}

/*
 * Insert a zeroed entry for @t and return it; NULL (counted) when the map is
 * full (--max-tasks tasks alive) or out of memory.  An entry already there
 * would be a task's freed without its final switch seen: counted, replaced.
 */
static __always_inline struct pvt_task *task_insert(struct task_struct *t)
{
	__u64 key = (__u64)t;
	long err;

	err = bpf_map_update_elem(&tasks, &key, &zero_task, BPF_NOEXIST);
	if (err == -17 /* EEXIST */) {
		count(PVT_C_STALE_REUSED);
		err = bpf_map_update_elem(&tasks, &key, &zero_task, BPF_ANY);
	}
	if (err) {
		count(PVT_C_TASKMAP_FULL);
		return NULL;
	}
	count(PVT_C_TASKS_SEEN);
	return bpf_map_lookup_elem(&tasks, &key);
}

/*
 * The baseline of @t's kernel counters, read at its first sight in one of our
 * programs: on its own CPU, or while it is not running, never in the middle of
 * one of its switches (a switch-out's own increment is taken back by
 * switch_out(), `fresh`).
 */
static __noinline void take_baseline(struct pvt_task *pt, struct task_struct *t)
{
	/* Atomic: the final pass of the iterator may be setting flags on another CPU. */
	__sync_fetch_and_or(&pt->flags, PVT_F_BASELINE);
	__sync_fetch_and_and(&pt->flags, ~PVT_F_PENDING);
	pt->first_ns = pvt_rq_clock(t);
	pvt_read_kcounters(t, &pt->kbase);
	if (t == bpf_get_current_task_btf()) {
		/* First seen on the CPU (a syscall, an exec, a fork): it is in a slice now. */
		pt->last_in_ns = pt->first_ns;
		pt->last_in_task_ns = t->se.exec_start;
	} else if (bpf_core_field_exists(t->sched_info)) {
		/*
		 * Waiting for a CPU already: the kernel stamped the wait's start
		 * (sched_info.last_queued, rq->clock; 0 unless queued and not
		 * running, and still set at the sched_switch that ends it), so the
		 * switch-in that ends it closes a run-queue wait like any other.
		 */
		pt->runq_start_ns = BPF_CORE_READ(t, sched_info.last_queued);
	}
}

/*
 * The root command was forked by pvtrace before tracing began, so it is
 * registered at its first sight, with a baseline of the kernel's counters.
 */
static __noinline struct pvt_task *register_root(struct task_struct *t)
{
	struct pvt_task *pt;

	pt = task_insert(t);
	if (!pt)
		return NULL;
	root_registered = 1;
	root_first_kt = bpf_ktime_get_ns();
	fill_identity(pt, t);
	__builtin_memcpy(pt->comm_first, pt->comm, sizeof(pt->comm));
	pt->flags = PVT_F_ROOT;
	take_baseline(pt, t);
	return pt;
}

/*
 * An entry to look at twice: registered by the attach pass and not yet seen
 * (PENDING: the baseline is read now), or frozen by the final pass (the trace
 * of this task has ended: NULL, and an event while a final read is being
 * taken spoils it).  One test of the flags for every tracked task.
 */
static __noinline struct pvt_task *task_special(struct pvt_task *pt, struct task_struct *t, bool *fresh)
{
	if (pt->flags & PVT_F_FROZEN) {
		if (!(pt->flags & PVT_F_FINAL_READ))
			__sync_fetch_and_or(&pt->flags, PVT_F_FROZEN_SKIP);
		return NULL;
	}
	*fresh = true;
	take_baseline(pt, t);
	return pt;
}

/*
 * @t's entry, or NULL if it is not tracked.  The root's entry is made at its
 * first sight, here, and *@fresh set: its counters' baseline was just read;
 * likewise for a task the attach pass registered.
 */
static __always_inline struct pvt_task *task_lookup(struct task_struct *t, bool *fresh)
{
	__u64 key = (__u64)t;
	struct pvt_task *pt;

	pt = bpf_map_lookup_elem(&tasks, &key);
	if (pt) {
		if (pt->flags & (PVT_F_PENDING | PVT_F_FROZEN))
			return task_special(pt, t, fresh);
		return pt;
	}
	if (root_registered || t->pid != root_tid || !root_tid)
		return pt;
	*fresh = true;
	return register_root(t);
}

/*
 * Untracked tasks: created by the traced tree but not tracked, because the
 * `tasks` map was full (PVT_C_TASKMAP_FULL) or because their creator was such a
 * task (PVT_C_UNTRACKED_DESC).  A flag in task storage, not a map entry: there
 * is no --max-tasks for it (storage is allocated per task, on demand, and freed
 * with the task by the kernel: no entry to delete, no address reused).  Until
 * the first untracked task (untracked_any), no fork or exit of the machine pays
 * for a storage lookup.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u8);
} untracked SEC(".maps");

/* Mark @t untracked: its children will be counted.  Allocation can fail: counted. */
static __always_inline void untracked_mark(struct task_struct *t)
{
	untracked_any = 1;
	if (!bpf_task_storage_get(&untracked, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE))
		count(PVT_C_UNTRACKED_UNMARKED);
}

/*
 * Is @t (not in `tasks`) an untracked task of the traced tree?  A task with no
 * task storage at all (nearly every task) is told by a load, without the helper.
 */
static __always_inline bool is_untracked(struct task_struct *t)
{
	return untracked_any && t->bpf_storage && bpf_task_storage_get(&untracked, t, 0, 0);
}

#endif /* PVTRACE_TASK_TABLE_BPF_H */
