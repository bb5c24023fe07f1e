/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sched.bpf.h - the scheduler: a tracked task's switches, wakeups and
 * migrations, and what they make of its time (on a CPU, waiting for one,
 * asleep).
 *
 * Times are the scheduler's own clocks (pvt_rq_clock(), pvtrace.bpf.h).
 * Concurrency: an entry is written only by the CPU that switches its task in
 * or out, by the task itself (exec, exit) or by its creator before it can
 * run, and the run-queue locks order these, so plain (non-atomic) updates are
 * exact.  A task's final switch-out sends its record (emit_exit(),
 * events.bpf.h) and removes its entry.
 *
 * Holds: the `runq_by_from` map; switch_out(), switch_in() and
 * on_sched_switch(); on_wakeup() (sched_wakeup, sched_wakeup_new);
 * on_sched_migrate_task(); offcpu_total(), the time off the CPU so far (the
 * creation cost's share off the CPU, syscalls.bpf.h).
 * Needs: task_table.bpf.h (task_lookup, count), events.bpf.h (emit_exit).
 */
#ifndef PVTRACE_SCHED_BPF_H
#define PVTRACE_SCHED_BPF_H

#ifndef PVTRACE_EVENTS_BPF_H
#error "sched.bpf.h needs task_table.bpf.h and events.bpf.h first (see pvtrace.bpf.c)"
#endif

/* ---- switches ---- */

/* Run-queue waits by the origin of the switch-in that ended them (per CPU, summed by userspace). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PVT_FROM__MAX);
	__type(key, __u32);
	__type(value, struct pvt_class_stat);
} runq_by_from SEC(".maps");

/*
 * A start and an end may come from two CPUs' rq->clock (a wakeup on another CPU,
 * a migration): a few ns of skew must not wrap to 2^64.
 */
static __always_inline __u64 since(__u64 now, __u64 start)
{
	return now > start ? now - start : 0;
}

static __always_inline void end_blocked(struct pvt_task *pt, __u64 now)
{
	pt->blocked_ns[pt->blocked_state & (PVT_OUT__MAX - 1)] += since(now, pt->blocked_start_ns);
	pt->blocked_start_ns = 0;
}

/* A wait for a CPU ended at @now (a switch-in): the task's figures; its bucket. */
static __always_inline __u32 end_runq(struct pvt_task *pt, __u64 now, __u64 *latp)
{
	__u64 lat = since(now, pt->runq_start_ns);
	__u32 b = pvt_hist_bucket(lat);

	pt->runq_start_ns = 0;
	pt->runq_count++;
	pt->runq_total_ns += lat;
	if (lat > pt->runq_max_ns)
		pt->runq_max_ns = lat;
	if (b < PVT_HIST_BUCKETS)
		pt->runq_hist[b]++;
	*latp = lat;
	return b;
}

/* Time off the CPU so far (asleep, or waiting for one): closed at each switch-in. */
static __always_inline __u64 offcpu_total(struct pvt_task *pt)
{
	return pt->runq_total_ns + pt->blocked_ns[0] + pt->blocked_ns[1] + pt->blocked_ns[2] +
	       pt->blocked_ns[3];
}

/*
 * @t is being switched out but no switch-in was seen since its last switch-out.
 * On the PVM guests pvtrace was built on, the kernel switches away from some
 * threads (PID 1's tokio workers there) without firing sched_switch; perf sees
 * the same gap, and a switch-in from such a thread has no event.  The kernel
 * kept the facts: sched_info.last_arrival is that switch-in's time (rq->clock,
 * the clock of runq_start_ns) and se.sum_exec_runtime grew by exactly the time
 * on CPU since.  What ran before on that CPU, and so `from` and
 * address_space_changes, cannot be known: the switch-in is counted apart.
 */
static __always_inline void unseen_switch_in(struct pvt_task *pt, struct task_struct *t)
{
	__u64 arrival = 0, lat, slice;

	pt->sw_in_unseen++;
	count(PVT_C_IN_UNSEEN);
	/* oncpu_ns has followed sum_exec_runtime since the baseline: the rest is this slice. */
	slice = t->se.sum_exec_runtime - pt->kbase.sum_exec_runtime - pt->oncpu_ns;
	if ((__s64)slice > 0)
		pt->oncpu_ns += slice;
	if (bpf_core_field_exists(t->sched_info))
		arrival = BPF_CORE_READ(t, sched_info.last_arrival);
	if (!arrival)
		return;
	if (!pt->first_in_ns)
		pt->first_in_ns = arrival;
	if (pt->blocked_start_ns)
		end_blocked(pt, arrival);
	if (pt->runq_start_ns)
		end_runq(pt, arrival, &lat);
}

static __always_inline void switch_out(struct pvt_task *pt, struct task_struct *prev, bool preempt,
				       unsigned int prev_state, __u64 now, __u64 now_task, bool fresh)
{
	bool vol;

	/*
	 * Voluntary iff !preempt && prev_state != TASK_RUNNING (docs/METRICS.md).  One
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
	} else if (!fresh) {
		unseen_switch_in(pt, prev);
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
		struct pvt_class_stat *cs;
		__u64 lat;
		__u32 b = end_runq(pt, now, &lat);

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
	mm = pvt_ro(next)->mm;
	if (mm && mm != pvt_ro(prev)->active_mm)
		pt->sw_as_change++;
}

/* sched_switch: the switch-out of @prev, then the switch-in of @next. */
static __always_inline int on_sched_switch(bool preempt, struct task_struct *prev,
					   struct task_struct *next, unsigned int prev_state)
{
	struct pvt_task *pt;
	bool fresh = false;
	__u32 rf = 0;
	__u64 now = 0;

	/* Most switches on a busy machine are not ours: lookups, nothing more. */
	if (prev->pid) {
		pt = task_lookup(prev, &fresh);
		if (pt) {
			now = pvt_rq_clock(prev);
			rf = PVT_SEF_PREV_TRACKED;
			switch_out(pt, prev, preempt, prev_state, now, prev->se.exec_start, fresh);
		}
	}
	if (next->pid) {
		fresh = false;
		pt = task_lookup(next, &fresh);
		if (pt) {
			if (!now) /* this CPU's run queue either way */
				now = pvt_rq_clock(next);
			rf |= PVT_SEF_NEXT_TRACKED;
			switch_in(pt, prev, next, now, next->se.exec_start);
		}
	}
	if (record_sched && rf)
		emit_sched(PVT_SE_SWITCH, prev->pid, next->pid, prev->tgid, prev_state & 0xff,
			   rf | (preempt ? PVT_SEF_PREEMPT : 0), next->tgid);
	return 0;
}

/* ---- wakeups and migrations ---- */

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
	if (!pt)
		return;
	if (record_sched)
		emit_sched(new_task ? PVT_SE_WAKEUP_NEW : PVT_SE_WAKEUP, p->pid,
			   bpf_get_current_task_btf()->pid, pvt_task_cpu(p), 0, 0, p->tgid);
	if (pt->last_in_ns)
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

static __always_inline int on_sched_migrate_task(struct task_struct *p, int dest_cpu)
{
	__u64 key = (__u64)p;
	struct pvt_task *pt;

	pt = bpf_map_lookup_elem(&tasks, &key);
	if (!pt)
		return 0;
	pt->migrations++;
	if (record_sched)
		emit_sched(PVT_SE_MIGRATE, p->pid, 0, (__u32)dest_cpu, 0, 0, p->tgid);
	return 0;
}

#endif /* PVTRACE_SCHED_BPF_H */
