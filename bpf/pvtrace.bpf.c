// SPDX-License-Identifier: GPL-2.0
/*
 * pvtrace.bpf.c - the in-kernel half of `pvtrace run`.
 *
 * Follows the task tree of one command and aggregates, per task, its context
 * switches, in the kernel.  Only creations, execs and exits travel to
 * userspace, through the ring buffer; everything else stays in the task map
 * until the report is written.
 *
 * Programs (all tp_btf: BTF raw tracepoints, no tracefs needed):
 *   sched_process_fork  a tracked task created a task: track the child
 *   sched_switch        count the switch-out of prev and the switch-in of next
 *   sched_process_exec  a tracked task exec'd: new name, maybe a new tid
 *   sched_process_exit  read the kernel's counters at exit, and the exit code
 *   sched_wakeup(_new)  a tracked task becomes runnable: it stops sleeping and
 *                       starts waiting for a CPU; who woke it
 *   sched_migrate_task  a tracked task moves to another CPU
 *
 * A task is tracked iff it has an entry in the `tasks` hash map, keyed by the
 * task_struct address rather than the tid: a tid changes when a non-leader
 * thread execs (de_thread swaps it with the leader's), and tids are reused; an
 * address is reused only after the task is freed, after its final switch,
 * where its entry is removed.  (Task storage was tried too: no faster here.)
 *
 * Concurrency: an entry is written only by the CPU that switches its task in or
 * out, by the task itself (exec, exit) or by its creator before it can run, and
 * the run-queue locks order these, so plain (non-atomic) updates are exact.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "pvtrace.h"
#include "pvtrace.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by userspace between open and load. */
const volatile __u32 root_tid = 0; /* the gated command; tracked from its first sight */


/* Set once the root has an entry, so that a later task reusing its tid is not taken for it. */
__u32 root_registered = 0;

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

/*
 * Final records of tasks whose exit record did not fit in the ring buffer.
 * They cannot stay in `tasks`: the freed task_struct is soon reused by a new
 * task (churn does it at once).  Keyed by (start_time, tid), which names a
 * task instance; read by userspace at the end.  Allocated on demand.
 */
struct pvt_dead_key {
	__u64 start_time;
	__u32 tid;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PVT_DEFAULT_MAX_TASKS); /* userspace: --max-tasks */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pvt_dead_key);
	__type(value, struct pvt_task);
} overflow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* userspace: --ringbuf-kb */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PVT_C__MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PVT_FROM__MAX);
	__type(key, __u32);
	__type(value, struct pvt_class_stat);
} runq_by_from SEC(".maps");

static __always_inline void count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);

	if (c)
		*c += 1;
}

static __always_inline void fill_identity(struct pvt_task *pt, struct task_struct *t)
{
	pt->tid = t->pid;
	pt->pid = t->tgid;
	pt->ppid = BPF_CORE_READ(t, real_parent, tgid);
	pt->start_time = t->start_time;
	pt->leader_start_time = BPF_CORE_READ(t, group_leader, start_time);
	bpf_probe_read_kernel_str(pt->comm, sizeof(pt->comm), t->comm);
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
	fill_identity(pt, t);
	pt->flags = PVT_F_ROOT | PVT_F_BASELINE;
	pt->first_ns = pvt_rq_clock(t);
	pvt_read_kcounters(t, &pt->kbase);
	return pt;
}

static __always_inline struct pvt_task *task_lookup(struct task_struct *t, bool *fresh)
{
	__u64 key = (__u64)t;
	struct pvt_task *pt;

	pt = bpf_map_lookup_elem(&tasks, &key);
	if (pt || root_registered || t->pid != root_tid || !root_tid)
		return pt;
	*fresh = true;
	return register_root(t);
}

static __always_inline void hdr_init(struct pvt_ev_hdr *h, __u16 kind, __u16 size, __u64 now)
{
	h->size = size;
	h->kind = kind;
	h->cpu = bpf_get_smp_processor_id();
	h->ts = now;
}

static __always_inline void emit_exit(struct pvt_task *pt, struct task_struct *t, __u64 now)
{
	struct pvt_ev_exit *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		struct pvt_dead_key dk = { .start_time = pt->start_time, .tid = pt->tid };

		count(PVT_C_RB_LOST_EXIT);
		/* Park the record where userspace will find it at the end. */
		if (bpf_map_update_elem(&overflow, &dk, pt, BPF_ANY))
			count(PVT_C_TASKS_LOST);
		return;
	}
	hdr_init(&e->hdr, PVT_EV_EXIT, sizeof(*e), now);
	bpf_probe_read_kernel(&e->task, sizeof(e->task), pt);
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void switch_out(struct pvt_task *pt, struct task_struct *prev, bool preempt,
				       unsigned int prev_state, __u64 now, __u64 now_task, bool fresh)
{
	bool vol;

	/*
	 * Voluntary iff !preempt && prev_state != TASK_RUNNING (SPEC.md).  One
	 * case the arguments cannot tell apart: since Linux 6.13
	 * (try_to_block_task(), "sched: Split out __schedule() deactivate task
	 * logic into a helper") a sleep cut short by a pending signal is passed
	 * to the tracepoint with prev_state == TASK_RUNNING, yet the kernel counts
	 * it in nvcsw.  A return-to-user preemption looks the same and counts in
	 * nivcsw.  For that case only, the kernel's nvcsw says which it was.
	 */
	if (preempt) {
		vol = false;
	} else if (prev_state != PVT_TASK_RUNNING) {
		vol = true;
	} else if (fresh) {
		vol = false; /* first sight: no expectation to compare with */
	} else {
		vol = prev->nvcsw == pt->kbase.nvcsw + pt->sw_vol + 1;
		if (vol)
			pt->sw_state_resolved++;
	}
	if (vol)
		pt->sw_vol++;
	else
		pt->sw_invol++;

	/*
	 * A baseline read at first sight inside sched_switch already includes
	 * this switch (the kernel increments before the tracepoint fires).
	 */
	if (fresh) {
		pt->flags |= PVT_F_FIRST_AS_PREV;
		if (vol)
			pt->kbase.nvcsw -= 1;
		else
			pt->kbase.nivcsw -= 1;
	}

	if (pt->last_in_ns) {
		pt->oncpu_ns += now_task - pt->last_in_task_ns;
		pt->last_in_ns = 0;
	}
	count(PVT_C_SWITCHES);

	/*
	 * Off CPU from here: asleep until a wakeup, or (preempted, or a sleep
	 * that a pending signal cut short) runnable, waiting for a CPU.
	 */
	if (!vol || prev_state == PVT_TASK_RUNNING) {
		pt->sw_out_state[vol ? PVT_OUT_OTHER : PVT_OUT_PREEMPTED]++;
		pt->runq_start_ns = now;
	} else {
		__u32 st;

		if (prev_state & PVT_TASK_INTERRUPTIBLE)
			st = PVT_OUT_SLEEPING;
		else if (prev_state & PVT_TASK_UNINTERRUPTIBLE)
			st = PVT_OUT_UNINTERRUPTIBLE;
		else
			st = PVT_OUT_OTHER;
		pt->sw_out_state[st]++;
		if (!(prev_state & PVT_TASK_DEAD)) {
			pt->blocked_start_ns = now;
			pt->blocked_state = st;
		}
	}

	if (prev_state & PVT_TASK_DEAD) {
		/* The task's very last switch: the kernel counters now include it. */
		pvt_read_kcounters(prev, &pt->kfinal);
		pt->flags |= PVT_F_DEAD;
		pt->end_ns = now;
		count(PVT_C_TASKS_DEAD);
		emit_exit(pt, prev, now);
		{
			__u64 key = (__u64)prev;

			bpf_map_delete_elem(&tasks, &key);
		}
	}
}

static __always_inline void end_blocked(struct pvt_task *pt, __u64 now)
{
	pt->blocked_ns[pt->blocked_state & (PVT_OUT__MAX - 1)] += now - pt->blocked_start_ns;
	pt->blocked_start_ns = 0;
}

static __always_inline void switch_in(struct pvt_task *pt, struct task_struct *prev,
				      struct task_struct *next, __u64 now, __u64 now_task)
{
	struct mm_struct *mm;
	__u32 from;

	pt->sw_in++;
	pt->last_in_ns = now;
	pt->last_in_task_ns = now_task;
	if (!pt->first_in_ns)
		pt->first_in_ns = now;

	if (prev->pid == 0)
		from = PVT_FROM_IDLE;
	else if (prev->flags & PVT_PF_KTHREAD)
		from = PVT_FROM_KERNEL;
	else if (prev->tgid == next->tgid)
		from = PVT_FROM_SAME_PROCESS;
	else
		from = PVT_FROM_OTHER_PROCESS;
	from &= PVT_FROM__MAX - 1;
	pt->sw_from[from]++;

	if (pt->blocked_start_ns) {
		/* Back on CPU without a wakeup seen (should not happen): close the sleep. */
		end_blocked(pt, now);
	}
	if (pt->runq_start_ns) {
		__u64 lat = now - pt->runq_start_ns;
		__u32 b = pvt_hist_bucket(lat);
		struct pvt_class_stat *cs;

		pt->runq_start_ns = 0;
		pt->runq_count++;
		pt->runq_total_ns += lat;
		if (lat > pt->runq_max_ns)
			pt->runq_max_ns = lat;
		if (b < PVT_HIST_BUCKETS)
			pt->runq_hist[b]++;
		cs = bpf_map_lookup_elem(&runq_by_from, &from);
		if (cs) {
			cs->count++;
			cs->total_ns += lat;
			if (lat > cs->max_ns)
				cs->max_ns = lat;
			if (b < PVT_HIST_BUCKETS)
				cs->hist[b]++;
		}
	}

	/*
	 * Kernel threads and idle run on the previous mm (active_mm), so
	 * thread -> kthread -> sibling thread loads nothing.
	 */
	mm = next->mm;
	if (mm && mm != prev->active_mm)
		pt->sw_as_change++;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(pvt_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	struct pvt_task *pt;
	bool fresh = false;
	__u64 now = 0;

	/* Most switches on a busy machine are not ours: lookups, nothing more. */
	if (prev->pid) {
		pt = task_lookup(prev, &fresh);
		if (pt) {
			now = pvt_rq_clock(prev);
			switch_out(pt, prev, preempt, prev_state, now, prev->se.exec_start, fresh);
		}
	}
	if (next->pid) {
		fresh = false;
		pt = task_lookup(next, &fresh);
		if (pt) {
			if (!now) /* this CPU's run queue either way */
				now = pvt_rq_clock(next);
			switch_in(pt, prev, next, now, next->se.exec_start);
		}
	}
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(pvt_sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	struct pvt_ev_create *e;
	struct pvt_task *pt, *ct;
	bool fresh = false;
	__u64 now;

	/* parent is the creating thread (current), whatever CLONE_PARENT says. */
	pt = task_lookup(parent, &fresh);
	if (!pt)
		return 0;
	now = pvt_rq_clock(parent); /* replaced by the wakeup's when the child is made runnable */
	ct = task_insert(child);
	if (!ct)
		return 0;
	fill_identity(ct, child);
	ct->parent_tid = parent->pid;
	ct->flags = PVT_F_BORN | PVT_F_BASELINE;
	ct->first_ns = now;
	pvt_read_kcounters(child, &ct->kbase);

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(PVT_C_RB_LOST_CREATE);
		return 0;
	}
	hdr_init(&e->hdr, PVT_EV_CREATE, sizeof(*e), now);
	e->tid = ct->tid;
	e->pid = ct->pid;
	e->ppid = ct->ppid;
	e->parent_tid = ct->parent_tid;
	__builtin_memcpy(e->comm, ct->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(pvt_sched_process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct pvt_ev_exec *e;
	struct pvt_task *pt;
	bool fresh = false;
	__u64 now;

	pt = task_lookup(p, &fresh);
	if (!pt)
		return 0;
	now = pvt_rq_clock(p);
	/* A non-leader thread that execs takes the leader's tid (de_thread). */
	pt->tid = p->pid;
	pt->pid = p->tgid;
	pt->leader_start_time = p->start_time;
	pt->flags |= PVT_F_EXECED;
	bpf_probe_read_kernel_str(pt->comm, sizeof(pt->comm), p->comm);

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(PVT_C_RB_LOST_EXEC);
		return 0;
	}
	hdr_init(&e->hdr, PVT_EV_EXEC, sizeof(*e), now);
	e->tid = pt->tid;
	e->pid = pt->pid;
	e->old_tid = old_pid;
	e->pad = 0;
	__builtin_memcpy(e->comm, pt->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(pvt_sched_process_exit, struct task_struct *p)
{
	struct pvt_task *pt;
	bool fresh = false;
	__u64 now;

	pt = task_lookup(p, &fresh);
	if (!pt)
		return 0;
	now = pvt_rq_clock(p);
	pvt_read_kcounters(p, &pt->kexit);
	count(PVT_C_TASKS_EXITED);
	pt->exit_ns = now;
	pt->exit_code = p->exit_code;
	pt->flags |= PVT_F_EXITED;
	/* do_exit() decrements signal->live before this tracepoint: 0 means group dead. */
	if (BPF_CORE_READ(p, signal, live.counter) == 0)
		pt->flags |= PVT_F_GROUP_DEAD;
	bpf_probe_read_kernel_str(pt->comm, sizeof(pt->comm), p->comm);
	return 0;
}

/* Count @waker among @pt's wakers: the first PVT_WAKERS distinct ones exactly, the rest together. */
static __always_inline void note_waker(struct pvt_task *pt, struct task_struct *waker)
{
	__u32 tid = waker->pid;
	int i;

	for (i = 0; i < PVT_WAKERS; i++) {
		if (pt->wakers[i].count && pt->wakers[i].tid == tid) {
			pt->wakers[i].count++;
			return;
		}
		if (!pt->wakers[i].count) {
			pt->wakers[i].tid = tid;
			pt->wakers[i].pid = waker->tgid;
			pt->wakers[i].count = 1;
			return;
		}
	}
	pt->wakers_other++;
}

/*
 * The task became runnable: its sleep ends and its wait for a CPU begins.  A
 * wakeup of a task that is on CPU (it had not yet slept) or already waiting
 * changes nothing.  The waker is the current task: for a wakeup from an
 * interrupt, whatever task the interrupt came in on (pid 0 on an idle CPU).
 */
static __always_inline void on_wakeup(struct task_struct *p, bool new_task)
{
	struct pvt_task *pt;
	bool fresh = false;
	__u64 now;

	pt = task_lookup(p, &fresh);
	if (!pt || pt->last_in_ns)
		return;
	now = pvt_rq_clock(p); /* just updated by the wakeup */
	if (new_task && !pt->first_in_ns)
		pt->first_ns = now; /* created: runnable from now */
	if (pt->blocked_start_ns)
		end_blocked(pt, now);
	if (!pt->runq_start_ns)
		pt->runq_start_ns = now;
	if (new_task)
		return;
	pt->wakeups++;
	note_waker(pt, bpf_get_current_task_btf());
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(pvt_sched_wakeup, struct task_struct *p)
{
	on_wakeup(p, false);
	return 0;
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(pvt_sched_wakeup_new, struct task_struct *p)
{
	on_wakeup(p, true);
	return 0;
}

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(pvt_sched_migrate_task, struct task_struct *p, int dest_cpu)
{
	__u64 key = (__u64)p;
	struct pvt_task *pt;

	pt = bpf_map_lookup_elem(&tasks, &key);
	if (pt)
		pt->migrations++;
	return 0;
}
