/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lifecycle.bpf.h - a tracked task's life: its creation, its execs, its
 * renames, and how it ended.
 *
 * The task tree is followed from the root command (task_table.bpf.h): every
 * task a tracked task creates is tracked from its creation on, or, when the
 * task map is full, marked untracked and counted, and so is every task an
 * untracked task creates (and their exits).  The record a task ends with is
 * sent at its final switch-out (sched.bpf.h); here its exit
 * is read and classified, in one place ("how tasks end", below): the exit
 * code, whether a fatal signal was aimed at it (signal_generate) or it was
 * taken down by its thread group's exit (signal_deliver), and whether it
 * began that group exit.
 *
 * Holds: read_creation() and on_sched_process_fork(); on_sched_process_exec();
 * on_task_rename(); on_signal_generate(), on_signal_deliver(), exit_classify()
 * and on_sched_process_exit().
 * Needs: task_table.bpf.h (task_insert, task_lookup, fill_identity, count,
 * untracked_mark, is_untracked),
 * events.bpf.h (the ring buffer), memory.bpf.h (mem_sample, mem_final,
 * find_stack), syscalls.bpf.h (in_timed_syscall, want_sys_hooks, emit_exec,
 * is_exec_nr); the creating syscall's registers and the signal numbers of
 * bpf/arch/; live_events (pvtrace.bpf.c).
 */
#ifndef PVTRACE_LIFECYCLE_BPF_H
#define PVTRACE_LIFECYCLE_BPF_H

#if !defined(PVTRACE_MEMORY_BPF_H) || !defined(PVTRACE_SYSCALLS_BPF_H)
#error "lifecycle.bpf.h needs memory.bpf.h and syscalls.bpf.h first (see pvtrace.bpf.c)"
#endif

/* ---- creation ---- */

/*
 * How @child was made, from the creator's own syscall registers (@parent is
 * current): the syscall, the flags it asked for, the stack it passed.  Read
 * here rather than at sys_enter, so that it needs no syscall hook.
 */
static __always_inline void read_creation(struct pvt_task *ct, struct task_struct *parent,
					  struct task_struct *child)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(parent);
	long nr = pvt_arch_nr_code(pvt_arch_sys_nr(regs));

	ct->create_exit_signal = PVT_SIGCHLD;
	if (nr == PVT_NR_CLONE) {
		/* The low byte of clone(2)'s flags is the exit signal. */
		__u64 flags = pvt_arch_clone_flags(regs);

		ct->clone_flags = flags & ~0xffull;
		ct->create_exit_signal = flags & 0xff;
		ct->stack_start = pvt_arch_clone_stack(regs);
	} else if (nr == PVT_NR_CLONE3) {
		struct clone_args ca = {};

		/*
		 * clone3(uargs, size): uargs just copied in by the kernel, resident,
		 * so the non-faulting read works.
		 */
		bpf_probe_read_user(&ca, sizeof(ca) < 64 ? sizeof(ca) : 64,
				    (void *)pvt_arch_sys_arg1(regs));
		ct->clone_flags = ca.flags;
		ct->create_exit_signal = ca.exit_signal;
		ct->stack_start = ca.stack;
		ct->stack_size = ca.stack_size;
	} else if (nr == PVT_NR_VFORK) {
		ct->clone_flags = PVT_CLONE_VM | PVT_CLONE_VFORK;
	} else if (nr != PVT_NR_FORK) {
		/* Created by the kernel (an io_uring worker...): what the child shares says how. */
		nr = 0;
		if (child->tgid == parent->tgid)
			ct->clone_flags |= PVT_CLONE_THREAD;
		if (pvt_ro(child)->mm == pvt_ro(parent)->mm)
			ct->clone_flags |= PVT_CLONE_VM;
		ct->create_exit_signal = child->exit_signal;
	}
	ct->create_nr = nr;
}

/* The live creation record (--events), at sched_process_fork. */
static __always_inline void emit_create(struct pvt_task *ct)
{
	struct pvt_ev_create *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(PVT_C_RB_LOST_CREATE);
		return;
	}
	hdr_init(&e->hdr, PVT_EV_CREATE, sizeof(*e), ct->create_kt);
	e->tid = ct->tid;
	e->pid = ct->pid;
	e->ppid = ct->ppid;
	e->parent_tid = ct->parent_tid;
	e->nr = ct->create_nr;
	e->exit_signal = ct->create_exit_signal;
	e->clone_flags = ct->clone_flags;
	e->copy_ns = ct->create_copy_ns;
	__builtin_memcpy(e->comm, ct->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

/*
 * Runs inside the creator's clone/fork, so inside the creation cost that the
 * report gives: only what cannot wait.  The child's kernel counters start at
 * zero (copy_process), the entry is zeroed, its stack is looked up at its
 * exit or by the memory sampler, and the live record goes out only with
 * --events.  In a timed creating syscall the program times itself from just
 * after the creator's lookup (create_cost.tracer_ns, left out of the creator's
 * on-CPU cost); no clock read for any other fork on the machine.
 */
static __always_inline int on_sched_process_fork(struct task_struct *parent,
						 struct task_struct *child)
{
	struct pvt_task *pt, *ct;
	bool fresh = false;
	__u64 t0;

	/* parent is the creating thread (current), whatever CLONE_PARENT says. */
	pt = task_lookup(parent, &fresh);
	if (!pt) {
		/* An untracked task of the tree (task_table.bpf.h): its child is counted, and marked. */
		if (is_untracked(parent)) {
			count(PVT_C_UNTRACKED_DESC);
			untracked_mark(child);
		}
		return 0;
	}
	t0 = in_timed_syscall(pt) ? bpf_ktime_get_ns() : 0;
	want_sys_hooks();
	ct = task_insert(child);
	if (!ct) {
		untracked_mark(child); /* counted: PVT_C_TASKMAP_FULL */
		return 0;
	}
	count(PVT_C_TASKS_BORN);
	fill_identity(ct, child);
	__builtin_memcpy(ct->comm_first, ct->comm, sizeof(ct->comm));
	ct->parent_tid = parent->pid;
	ct->flags = PVT_F_BORN | PVT_F_BASELINE; /* kbase: all zero for a new task */
	ct->first_ns = pvt_rq_clock(parent); /* replaced by the wakeup's when the child is made runnable */
	ct->create_kt = child->start_time;   /* ktime_get_ns() in copy_process(): no clock read */
	read_creation(ct, parent, child);
	if (!(ct->clone_flags & PVT_CLONE_THREAD))
		mem_sample(child, child->tgid, child->start_time, PVT_SAMPLE_CREATE);
	if (in_timed_syscall(pt) && pt->sys_nr == ct->create_nr && !pt->child) {
		/* Timed from the creator's sys_enter (syscalls.bpf.h): syscall_ns at its exit. */
		ct->create_copy_ns = ct->create_kt - pt->sys_enter_kt;
		ct->flags |= PVT_F_IN_CREATE;
		pt->child = (__u64)child;
		pt->child_start_time = child->start_time;
		pt->child_tid = child->pid;
	}
	if (live_events)
		emit_create(ct);
	/* Kept with the creator: create_done() writes the child's whole create_cost. */
	if (t0 && pt->child == (__u64)child)
		pt->sys_tracer_ns = bpf_ktime_get_ns() - t0;
	return 0;
}

/* ---- exec ---- */

/* sched_process_exec: @p's exec succeeded (the point of no return is past). */
static __always_inline int on_sched_process_exec(struct task_struct *p, struct linux_binprm *bprm)
{
	struct pvt_task *pt;
	bool fresh = false;

	pt = task_lookup(p, &fresh);
	if (!pt)
		return 0;
	want_sys_hooks();
	/* A non-leader thread that execs takes the leader's tid (de_thread). */
	pt->tid = p->pid;
	pt->pid = p->tgid;
	pt->leader_start_time = p->start_time;
	pt->flags |= PVT_F_EXECED;
	/* begin_new_exec() has just renamed the task after the file: that rename was exec's. */
	if (pt->renames && pt->renames <= PVT_RENAMES)
		pt->rename_hist[(pt->renames - 1) & (PVT_RENAMES - 1)].by_exec = 1;
	bpf_probe_read_kernel_str(pt->comm, sizeof(pt->comm), p->comm);
	__builtin_memcpy(pt->comm_at_exec, pt->comm, sizeof(pt->comm));
	bpf_probe_read_kernel_str(pt->exec_path, sizeof(pt->exec_path), bprm->filename);
	pt->exec_count++;
	/* A new address space: a new stack, the process's memory starts over. */
	pt->ustack_lo = pt->ustack_hi = pt->ustack_guard = 0;
	find_stack(p, pt, true);
	mem_sample(p, p->tgid, p->start_time, PVT_SAMPLE_EXEC);
	/*
	 * The duration and the live event come at the execve's sys_exit if its
	 * sys_enter was seen (the hooks attached); else the event goes now, untimed.
	 */
	if (!in_timed_syscall(pt) || !is_exec_nr(pt->sys_nr))
		emit_exec(pt, p, NULL, 0, 0);
	return 0;
}

/* ---- names ---- */

/* task_rename: prctl(PR_SET_NAME), a write to /proc/.../comm, or exec's. */
static __always_inline int on_task_rename(struct task_struct *task, const char *comm)
{
	struct pvt_ev_rename *e;
	struct pvt_task *pt;
	__u64 key = (__u64)task, kt;
	__u32 i, by_exec;

	pt = bpf_map_lookup_elem(&tasks, &key);
	if (!pt)
		return 0;
	kt = bpf_ktime_get_ns();
	/* by_exec: set at sched_process_exec, which follows exec's rename of the task. */
	i = pt->renames;
	if (i < PVT_RENAMES) {
		pt->rename_hist[i].ns = kt;
		pt->rename_hist[i].by_exec = 0;
		bpf_probe_read_kernel_str(pt->rename_hist[i].comm, PVT_COMM_LEN, comm);
	}
	pt->renames++;
	if (!live_events)
		return 0;

	/* exec names the task after the file, inside the execve (timed: hooks attached). */
	by_exec = in_timed_syscall(pt) && is_exec_nr(pt->sys_nr) &&
		  task == bpf_get_current_task_btf();
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(PVT_C_RB_LOST_RENAME);
		return 0;
	}
	hdr_init(&e->hdr, PVT_EV_RENAME, sizeof(*e), kt);
	e->tid = task->pid;
	e->pid = task->tgid;
	e->by_exec = by_exec;
	e->pad = 0;
	bpf_probe_read_kernel_str(e->old_comm, sizeof(e->old_comm), task->comm);
	bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), comm);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* ---- how tasks end ---- */

/* include/linux/sched/signal.h: signal->flags */
#define PVT_SIGNAL_GROUP_EXIT 0x00000004u

_Static_assert(PVT_SIGTSTP == PVT_SIGSTOP + 1 && PVT_SIGTTIN == PVT_SIGSTOP + 2 &&
	       PVT_SIGTTOU == PVT_SIGSTOP + 3, "harmless_signal(): STOP..TTOU in a row");

/* Signals whose default action is not fatal: never the cause of a death. */
static __always_inline bool harmless_signal(int sig)
{
	return sig == PVT_SIGCHLD || sig == PVT_SIGCONT || sig == PVT_SIGURG || sig == PVT_SIGWINCH ||
	       (sig >= PVT_SIGSTOP && sig <= PVT_SIGTTOU) /* STOP, TSTP, TTIN, TTOU */;
}

/* signal_generate: the last signal aimed at a tracked task, and who sent it. */
static __always_inline int on_signal_generate(int sig, struct task_struct *task, int result)
{
	struct task_struct *cur;
	struct pvt_task *pt;
	__u64 key = (__u64)task;

	/* enum trace_signal_result: 1 ignored, 3 queue overflow: not delivered. */
	if (result == 1 || result == 3 || harmless_signal(sig))
		return 0;
	pt = bpf_map_lookup_elem(&tasks, &key);
	if (!pt)
		return 0;
	cur = bpf_get_current_task_btf();
	pt->sig_last = sig;
	pt->sig_sender_tid = cur->pid;
	pt->sig_sender_pid = cur->tgid;
	return 0;
}

/* signal_deliver: a tracked thread taken down by its group's exit. */
static __always_inline int on_signal_deliver(int sig)
{
	struct pvt_task *pt;
	__u64 key;

	/*
	 * get_signal()'s group-exit path delivers SIGKILL with no siginfo
	 * (SEND_SIG_NOINFO).  Not tested on `info`: the verifier takes tracepoint
	 * pointer arguments for non-NULL and drops the test.  No need either: a
	 * SIGKILL always ends the whole group through that path (complete_signal),
	 * and the task it was aimed at is told apart by signal_generate.
	 */
	if (sig != PVT_SIGKILL)
		return 0;
	key = (__u64)bpf_get_current_task_btf();
	pt = bpf_map_lookup_elem(&tasks, &key);
	if (pt)
		pt->flags |= PVT_F_ZAPPED;
	return 0;
}

/*
 * How @p ended, at sched_process_exit.  Every thread of a group that exits
 * gets the same exit_code (signal->group_exit_code): what tells them apart is
 * whether the fatal signal was aimed at this one (signal_generate: the
 * faulting thread, the target of a kill) or it was taken down by the group's
 * exit (signal_deliver of the group-exit SIGKILL: zap_other_threads,
 * complete_signal, coredump).
 */
static __always_inline void exit_classify(struct pvt_task *pt, struct task_struct *p)
{
	__u32 sig;

	pt->exit_code = p->exit_code;
	sig = pt->exit_code & 0x7f;
	if (sig && sig == pt->sig_last)
		pt->exit_how = PVT_EXIT_SIGNAL;
	else if (pt->flags & PVT_F_ZAPPED)
		pt->exit_how = PVT_EXIT_COLLATERAL;
	else if (sig)
		pt->exit_how = PVT_EXIT_SIGNAL;
	else
		pt->exit_how = PVT_EXIT_SELF;
	/* The thread that began a group exit (exit_group with siblings, a fatal signal). */
	if (pt->exit_how != PVT_EXIT_COLLATERAL &&
	    (BPF_CORE_READ(p, signal, flags) & PVT_SIGNAL_GROUP_EXIT))
		pt->flags |= PVT_F_GROUP_EXIT_ORIGIN;
}

/*
 * sched_process_exit: the kernel's counters at exit, the process's memory if
 * it is the last thread (the mm is still whole), and how it ended.
 */
static __always_inline int on_sched_process_exit(struct task_struct *p)
{
	struct pvt_task *pt;
	bool fresh = false;
	__u64 now;

	pt = task_lookup(p, &fresh);
	if (!pt) {
		if (is_untracked(p))
			count(PVT_C_UNTRACKED_EXITED);
		return 0;
	}
	now = pvt_rq_clock(p);
	pvt_read_kcounters(p, &pt->kexit);
	count(PVT_C_TASKS_EXITED);
	pt->exit_ns = now;
	pt->flags |= PVT_F_EXITED;
	/* do_exit() decrements signal->live before this tracepoint: 0 means group dead. */
	if (BPF_CORE_READ(p, signal, live.counter) == 0)
		pt->flags |= PVT_F_GROUP_DEAD;
	bpf_probe_read_kernel_str(pt->comm, sizeof(pt->comm), p->comm);

	/* Since 6.16 this tracepoint comes before exit_mm(): the mm is whole. */
	if (!pt->ustack_hi)
		find_stack(p, pt, false);
	if (pt->flags & PVT_F_GROUP_DEAD)
		mem_final(p, pt);
	exit_classify(pt, p);
	return 0;
}

#endif /* PVTRACE_LIFECYCLE_BPF_H */
