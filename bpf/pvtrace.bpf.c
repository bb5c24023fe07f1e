// SPDX-License-Identifier: GPL-2.0
/*
 * pvtrace.bpf.c - the in-kernel half of `pvtrace run`: the one compilation
 * unit of the BPF side, and so of its skeleton (.output/pvtrace.skel.h).
 *
 * Follows the task tree of one command and aggregates, per task, its context
 * switches, in the kernel.  Only creations, execs and exits travel to
 * userspace, through the ring buffer; everything else stays in the task map
 * until the report is written.
 *
 * This file holds what userspace sets and reads (the variables below), then
 * includes the modules, one concern each, in dependency order, then lists the
 * programs.  Where each concern lives:
 *   pvtrace.h           the record format shared with userspace
 *   pvtrace.bpf.h       shared helpers: BTF views, the scheduler's clocks,
 *                       a task's kernel counters; includes arch.bpf.h
 *   arch.bpf.h, arch/   everything architecture-specific (x86_64.bpf.h):
 *                       syscall numbers, registers, sizes, signal numbers
 *   task_table.bpf.h    the `tasks` map: lookup, insert, identity, the root;
 *                       the tracer's `counters`
 *   events.bpf.h        the ring buffer; a task's final record (`overflow`)
 *   memory.bpf.h        per-CPU offsets, mm samples (`procs`), stacks, the
 *                       task iterator
 *   sched.bpf.h         switches, wakeups, migrations (`runq_by_from`)
 *   syscalls.bpf.h      creation and exec costs on raw_syscalls (`late_costs`)
 *   lifecycle.bpf.h     fork, exec, renames, signals, exit, and how a task
 *                       ended (exit classification, in one place)
 *   attach.bpf.h        running tasks: the attach pass, the final read,
 *                       tasks moved into the target cgroup
 *
 * Programs (tp_btf, BTF raw tracepoints: no tracefs needed; and one iterator):
 *   iter/task           every --interval: memory samples, stacks (memory)
 *   iter/task           attach: register the running targets; at the end, the
 *                       final read of every alive task (attach)
 *   sched_switch        the switch-out of prev and the switch-in of next (sched)
 *   sched_process_fork  a tracked task created a task: track the child (lifecycle)
 *   sched_process_exec  a tracked task exec'd: new name, maybe a new tid (lifecycle)
 *   sched_process_exit  the kernel's counters at exit, how it ended (lifecycle)
 *   sched_wakeup(_new)  a tracked task becomes runnable: it stops sleeping and
 *                       starts waiting for a CPU; who woke it (sched)
 *   sched_migrate_task  a tracked task moves to another CPU (sched)
 *   sys_enter/sys_exit  (raw_syscalls) the cost of clone, fork, vfork, clone3
 *                       and execve in a tracked task: the program returns at
 *                       its first compares for every other syscall (syscalls)
 *   task_rename         a tracked task's new name (lifecycle)
 *   signal_generate     the last signal aimed at a tracked task, and who sent it
 *                       (lifecycle)
 *   signal_deliver      a tracked thread taken down by its group's exit (lifecycle)
 *   cgroup_attach_task  attach --cgroup: a task moved into the cgroup (attach)
 * Each program is a one-line entry here calling its module's on_*() (inlined):
 * the skeleton, and so `--bpf-stats`, lists the programs in the order they are
 * defined in this file, which stays the order above.
 *
 * The object depends on every header in bpf/ and bpf/arch/, not only on this file.
 */
#include "pvtrace.bpf.h"
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* Set by userspace between open and load. */
const volatile __u32 root_tid = 0; /* the gated command; tracked from its first sight */
const volatile bool syscall_costs = true; /* sys_enter/sys_exit loaded (not --syscall-costs=never) */
const volatile bool live_events = false;  /* --events: send creations, execs, renames as they happen */
const volatile bool record_sched = false; /* record: every scheduling event of a traced task */
const volatile __u32 nr_cpus = 1;          /* possible CPUs (the per-CPU parts of RSS counters) */
/* attach and top (attach.bpf.h): which running tasks the attach pass registers. */
const volatile __u32 attach_mode = PVT_ATTACH_NONE;
const volatile __u32 nr_targets = 0;
const volatile __u32 target_tgids[PVT_MAX_TARGETS] = {};
const volatile __u64 target_cgid = 0;     /* the cgroup v2 id (attach --cgroup) */
const volatile __u32 target_cglevel = 0;  /* and its depth below the root */
/* Set by userspace before each run of pvt_iter_attach: enum pvt_iter_pass. */
__u32 iter_pass = 0;

/*
 * The syscall hooks (syscalls.bpf.h) come and go (--syscall-costs=bursts,
 * user/tracer.c): every syscall on the machine pays for them while attached.
 * Userspace bumps sys_hooks_gen at each attach and detach, so that a
 * sys_enter seen in an earlier window is never paired with a later event,
 * and sets sys_hooks_on while they are attached.  A creation or exec while
 * they are off sets sys_hooks_wanted and wakes userspace (PVT_EV_WAKE), which
 * attaches them; sys_activity changes at each creation or exec, so that
 * userspace can tell when creating has stopped and detach them again.
 */
__u32 sys_hooks_gen = 0;
__u32 sys_hooks_on = 0;
__u32 sys_hooks_wanted = 0;
__u64 sys_activity = 0;

/* Bumped by userspace before each run of the task iterator (one memory sample per process per pass). */
__u64 sample_pass = 0;

/* Set once the root has an entry (task_table.bpf.h): a task reusing its tid is not the root. */
__u32 root_registered = 0;
/* bpf_ktime_get_ns() at the root's first sight: the origin of ktime-based times. */
__u64 root_first_kt = 0;
/* Set at the first untracked task (task_table.bpf.h): only then do forks and exits look for the mark. */
__u32 untracked_any = 0;

#include "task_table.bpf.h"
#include "events.bpf.h"
#include "memory.bpf.h"
#include "sched.bpf.h"
#include "syscalls.bpf.h"
#include "lifecycle.bpf.h"
#include "attach.bpf.h"

/* ---- the programs, in the skeleton's order ---- */

SEC("iter/task")
int pvt_iter_task(struct bpf_iter__task *ctx)
{
	return on_iter_task(ctx);
}

SEC("iter/task")
int pvt_iter_attach(struct bpf_iter__task *ctx)
{
	return on_iter_attach(ctx);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(pvt_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	return on_sched_switch(preempt, prev, next, prev_state);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(pvt_sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	return on_sched_process_fork(parent, child);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(pvt_sched_process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return on_sched_process_exec(p, bprm);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(pvt_sched_process_exit, struct task_struct *p)
{
	return on_sched_process_exit(p);
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
	return on_sched_migrate_task(p, dest_cpu);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(pvt_sys_enter, struct pt_regs *regs, long id)
{
	return on_sys_enter(regs, id);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(pvt_sys_exit, struct pt_regs *regs, long ret)
{
	return on_sys_exit(regs, ret);
}

SEC("tp_btf/task_rename")
int BPF_PROG(pvt_task_rename, struct task_struct *task, const char *comm)
{
	return on_task_rename(task, comm);
}

SEC("tp_btf/signal_generate")
int BPF_PROG(pvt_signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	return on_signal_generate(sig, task, result);
}

SEC("tp_btf/signal_deliver")
int BPF_PROG(pvt_signal_deliver, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	return on_signal_deliver(sig);
}

SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(pvt_cgroup_attach_task, struct cgroup *dst_cgrp, const char *path, struct task_struct *task,
	     bool threadgroup)
{
	return on_cgroup_attach_task(dst_cgrp, task);
}
