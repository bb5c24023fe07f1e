/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syscalls.bpf.h - syscall timing: what clone, fork, vfork, clone3, execve and
 * execveat cost the tracked task that called them, from raw_syscalls'
 * sys_enter to sys_exit (bpf_ktime_get_ns(): the run-queue clock is only fresh
 * at scheduler events, not at a syscall's entry).
 *
 * The hooks on raw_syscalls run for every syscall on the machine, so they
 * come and go (--syscall-costs=bursts, user/tracer.c): sys_hooks_gen,
 * sys_hooks_on, sys_hooks_wanted and sys_activity (pvtrace.bpf.c) are that
 * protocol's shared state, and want_sys_hooks() its BPF half.  The creation
 * itself is seen by sched_process_fork (lifecycle.bpf.h), which leaves the
 * child to the creator's entry (pt->child); the creator's sys_exit writes
 * the child's create_cost (create_done()).  An execve's duration and its live
 * record (emit_exec()) come at its sys_exit too.
 *
 * Holds: the `late_costs` map; is_create_nr(), is_exec_nr(), in_timed_syscall(),
 * want_sys_hooks(), emit_exec(), create_done(); on_sys_enter(), on_sys_exit().
 * Needs: task_table.bpf.h (tasks, task_lookup, count), events.bpf.h (the ring
 * buffer), sched.bpf.h (offcpu_total); the syscall numbers and registers of
 * bpf/arch/; syscall_costs, live_events and the hooks' state (pvtrace.bpf.c).
 */
#ifndef PVTRACE_SYSCALLS_BPF_H
#define PVTRACE_SYSCALLS_BPF_H

#ifndef PVTRACE_SCHED_BPF_H
#error "syscalls.bpf.h needs task_table, events and sched.bpf.h first (see pvtrace.bpf.c)"
#endif

/*
 * Creation costs of children whose record was gone (or going: exited) when
 * the creator's syscall returned: a short-lived child can run and die on the
 * other CPU first.  Keyed like `overflow`; userspace adds them to the records.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PVT_DEFAULT_MAX_TASKS); /* userspace: --max-tasks */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pvt_dead_key);
	__type(value, struct pvt_create_cost);
} late_costs SEC(".maps");

/* Syscall codes (PVT_NR_*, as pvt_arch_nr_code() gives them) that create a task; that exec. */
static __always_inline bool is_create_nr(long id)
{
	return id == PVT_NR_CLONE3 || id == PVT_NR_CLONE || id == PVT_NR_FORK || id == PVT_NR_VFORK;
}

static __always_inline bool is_exec_nr(long id)
{
	return id == PVT_NR_EXECVE || id == PVT_NR_EXECVEAT;
}

/*
 * A creation or exec while the syscall hooks are detached: ask userspace for
 * them, once per detached spell (the next ones of the burst will be timed).
 */
static __always_inline void want_sys_hooks(void)
{
	struct pvt_ev_hdr *e;

	if (!syscall_costs)
		return;
	sys_activity++;
	if (sys_hooks_on || sys_hooks_wanted)
		return;
	sys_hooks_wanted = 1;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return; /* userspace also looks at sys_hooks_wanted on its own clock */
	hdr_init(e, PVT_EV_WAKE, sizeof(*e), 0);
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
}

/* The creator's sys_enter, if seen in the hooks' current window. */
static __always_inline bool in_timed_syscall(struct pvt_task *pt)
{
	return pt->sys_enter_kt && pt->sys_gen == sys_hooks_gen;
}

/*
 * The live exec event: at the execve's sys_exit (@ret, @dur, the caller's
 * registers for a failed one's path), or, without the syscall hooks, at
 * sched_process_exec (@regs NULL: success, no duration).
 */
static __always_inline void emit_exec(struct pvt_task *pt, struct task_struct *cur,
				      struct pt_regs *regs, long ret, __u64 dur)
{
	struct pvt_ev_exec *e;

	if (!live_events)
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(PVT_C_RB_LOST_EXEC);
		return;
	}
	hdr_init(&e->hdr, PVT_EV_EXEC, sizeof(*e), bpf_ktime_get_ns());
	e->tid = cur->pid;
	e->pid = cur->tgid;
	e->old_tid = regs ? pt->sys_old_tid : cur->pid;
	e->ret = ret;
	e->exec_ns = dur;
	e->since_create_ns = regs && pt->create_kt ? pt->sys_enter_kt - pt->create_kt : 0;
	e->minflt = regs ? pt->sys_minflt : 0;
	bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), cur->comm);
	if (ret == 0) {
		__builtin_memcpy(e->path, pt->exec_path, sizeof(e->path));
	} else {
		/*
		 * Failed: the caller's memory is still there (the path is
		 * execve's first argument, execveat's second).
		 */
		void *up = (void *)(pt->sys_nr == PVT_NR_EXECVEAT ? pvt_arch_sys_arg2(regs) :
								    pvt_arch_sys_arg1(regs));

		if (bpf_probe_read_user_str(e->path, sizeof(e->path), up) < 0)
			e->path[0] = 0;
	}
	bpf_ringbuf_submit(e, 0);
}

/* sys_enter of a creating syscall or an exec in a tracked task: the cost starts. */
static __always_inline int on_sys_enter(struct pt_regs *regs, long nr)
{
	struct task_struct *cur;
	struct pvt_task *pt;
	bool fresh = false;
	long id;

	if (!pvt_arch_is_traced_nr(nr))
		return 0;
	id = pvt_arch_nr_code(nr);
	cur = bpf_get_current_task_btf();
	pt = task_lookup(cur, &fresh);
	if (!pt)
		return 0;
	pt->sys_nr = id;
	pt->sys_gen = sys_hooks_gen;
	pt->child = 0;
	if (is_exec_nr(id)) {
		pt->sys_minflt = cur->min_flt;
		pt->sys_old_tid = cur->pid;
	} else {
		pt->sys_off0 = offcpu_total(pt);
	}
	pt->sys_enter_kt = bpf_ktime_get_ns(); /* last: the cost starts here */
	return 0;
}

/*
 * The creator's clone returned after @dur: the child's create_cost.  The
 * creator is on the CPU here, so every wait it had in the syscall is closed
 * and counted in offcpu_total().
 */
static __always_inline void create_done(struct pvt_task *pt, __u64 dur)
{
	struct pvt_create_cost cc = { .syscall_ns = dur, .tracer_ns = pt->sys_tracer_ns };
	struct pvt_task *ct;
	__u64 key = pt->child;
	bool late = true;

	if (!key)
		return; /* failed, or no child seen */
	cc.offcpu_ns = offcpu_total(pt) - pt->sys_off0;
	if (cc.offcpu_ns > dur) /* two clocks (rq->clock, ktime): a few ns of skew */
		cc.offcpu_ns = dur;
	/*
	 * The fork program's own time, timed on ktime, can overlap the time off
	 * the CPU (the program interrupted, the creator preempted in it: seen
	 * under load, 12 us of "program" in a 42 us vfork that slept 38 us):
	 * only what is left beside the off-CPU time is the program's, so that
	 * the three parts add up to the syscall.
	 */
	if (cc.tracer_ns > dur - cc.offcpu_ns)
		cc.tracer_ns = dur - cc.offcpu_ns;
	ct = bpf_map_lookup_elem(&tasks, &key);
	if (ct && ct->start_time == pt->child_start_time) {
		ct->create_cost = cc;
		/* An exiting child may already have sent its record: keep a copy too. */
		late = ct->flags & PVT_F_EXITED;
	}
	if (late) {
		struct pvt_dead_key dk = { .start_time = pt->child_start_time, .tid = pt->child_tid };

		if (bpf_map_update_elem(&late_costs, &dk, &cc, BPF_ANY))
			count(PVT_C_LATE_COST_FULL);
	}
	pt->child = 0;
	pt->sys_tracer_ns = 0;
}

/* sys_exit: the creation's or the exec's cost ends (the same task's sys_enter seen). */
static __always_inline int on_sys_exit(struct pt_regs *regs, long ret)
{
	long nr = pvt_arch_sys_nr(regs), id;
	struct task_struct *cur;
	struct pvt_task *pt;
	__u64 key, kt, dur;

	if (!pvt_arch_is_traced_nr(nr))
		return 0;
	id = pvt_arch_nr_code(nr);
	kt = bpf_ktime_get_ns(); /* first: the cost ends here */
	cur = bpf_get_current_task_btf();
	key = (__u64)cur;
	pt = bpf_map_lookup_elem(&tasks, &key);
	/* A new child returns from its creator's clone too: it has no sys_enter. */
	if (!pt || !in_timed_syscall(pt) || pt->sys_nr != id)
		return 0;
	dur = kt - pt->sys_enter_kt;
	if (is_create_nr(id)) {
		create_done(pt, dur);
	} else {
		if (ret == 0) {
			/* sched_process_exec counted it; the first one's gap and faults */
			if (!pt->exec_start_kt) {
				pt->exec_start_kt = pt->sys_enter_kt;
				pt->exec_minflt = pt->sys_minflt;
			}
			pt->exec_ns = dur;
		} else {
			pt->exec_failed++;
		}
		emit_exec(pt, cur, regs, ret, dur);
	}
	pt->sys_enter_kt = 0;
	return 0;
}

#endif /* PVTRACE_SYSCALLS_BPF_H */
