/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvtrace.h - the format shared by the BPF programs and the userspace loader.
 *
 * Only types that cross the kernel/user boundary live here: the per-task
 * record kept in the task map, the ring-buffer records, the counter indices.
 * Enums are append-only: numbers once written (a JSON report's codes, any
 * saved record) keep their meaning in later versions.
 */
#ifndef PVTRACE_H
#define PVTRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PVT_COMM_LEN 16
#define PVT_DEFAULT_MAX_TASKS 65536

/* struct pvt_task.flags */
enum pvt_task_flag {
	PVT_F_BASELINE = 1u << 0,   /* kernel counters read at first sight */
	PVT_F_BORN = 1u << 1,       /* created under tracing (seen in sched_process_fork) */
	PVT_F_EXITED = 1u << 2,     /* sched_process_exit seen */
	PVT_F_DEAD = 1u << 3,       /* final switch-out (TASK_DEAD) seen: kfinal is valid */
	PVT_F_GROUP_DEAD = 1u << 4, /* the last thread of its thread group to exit */
	PVT_F_EXECED = 1u << 5,     /* called exec at least once under tracing */
	PVT_F_ROOT = 1u << 6,       /* the command pvtrace started */
	PVT_F_FIRST_AS_PREV = 1u << 7, /* first seen while switching out (see baseline rule) */
	PVT_F_ZAPPED = 1u << 8,     /* killed by its thread group's exit (SIGKILL from zap) */
	PVT_F_GROUP_EXIT_ORIGIN = 1u << 9, /* began its thread group's exit (exit_group, fatal signal) */
	PVT_F_IN_CREATE = 1u << 10, /* born inside a creating syscall: syscall_ns expected */
	PVT_F_PREEXISTING = 1u << 11, /* existed before `attach`: found by the attach pass of the
				       * task iterator (its creation is unknown) */
	PVT_F_PENDING = 1u << 12,   /* registered by the attach pass, its baseline not yet read at
				     * its first sight (kbase: the iterator's own read until then) */
	PVT_F_FINAL_READ = 1u << 13,/* alive at the end: kfinal read by the final pass of the
				     * iterator, at an instant when no switch of it was in flight */
	PVT_F_FROZEN = 1u << 14,    /* no longer counted (its final read taken, or being taken) */
	PVT_F_FROZEN_SKIP = 1u << 15, /* an event came while frozen by a final read that failed:
				       * its counts can no longer be verified */
};

/* How a task ended (struct pvt_task.exit_how), decided at sched_process_exit. */
enum pvt_exit_how {
	PVT_EXIT_NONE = 0,       /* alive */
	PVT_EXIT_SELF = 1,       /* its own exit(2) / exit_group(2) (or returned from main) */
	PVT_EXIT_SIGNAL = 2,     /* a fatal signal aimed at this task (a fault, or the kill's target) */
	PVT_EXIT_COLLATERAL = 3, /* taken down by another thread's exit_group or fatal signal */
};

/*
 * The creating syscall (struct pvt_task.create_nr, sys_nr; pvt_ev_create.nr):
 * codes of the record format, equal to x86_64's syscall numbers; the BPF side
 * gets them from a syscall number with pvt_arch_nr_code() (bpf/arch/).
 * 0: created inside the kernel (no such syscall).
 */
#define PVT_NR_CLONE 56
#define PVT_NR_FORK 57
#define PVT_NR_VFORK 58
#define PVT_NR_EXECVE 59
#define PVT_NR_EXECVEAT 322
#define PVT_NR_CLONE3 435

/* CLONE_* (include/uapi/linux/sched.h), for the flags pvtrace fills in itself */
#define PVT_CLONE_VM 0x00000100ull
#define PVT_CLONE_VFORK 0x00004000ull
#define PVT_CLONE_THREAD 0x00010000ull

#define PVT_PATH_LEN 128 /* exec'd path kept per task (truncated beyond) */
#define PVT_RENAMES 4    /* renames kept per task (the first ones; the rest are counted) */

struct pvt_rename {
	__u64 ns;                /* rq clock, like every report time */
	__u32 by_exec;           /* the name exec gave (the file's base name) */
	__u32 pad;
	char comm[PVT_COMM_LEN]; /* the new name */
};

/*
 * What a creating syscall cost its caller (docs/METRICS.md, "created"): kept in
 * the child's record, or apart (late_costs) when the child was gone first.
 */
struct pvt_create_cost {
	__u64 syscall_ns;       /* the creator's sys_enter to sys_exit, ktime (0: not seen) */
	__u64 offcpu_ns;        /* of which the creator was off the CPU (preempted, asleep) */
	__u64 tracer_ns;        /* of which pvtrace's own sched_process_fork program ran */
};

/* The kernel's own per-task accounting, read in BPF. */
struct pvt_kcounters {
	__u64 nvcsw;            /* task->nvcsw: voluntary switches */
	__u64 nivcsw;           /* task->nivcsw: involuntary switches */
	__u64 sum_exec_runtime; /* task->se.sum_exec_runtime, ns (schedstat field 1) */
	__u64 run_delay;        /* task->sched_info.run_delay, ns (schedstat field 2) */
};

/*
 * Run-queue latency histogram: values 0..3 ns in buckets 0..3; above, each
 * power of two split in 4: l = log2(v), idx = (l - 1) * 4 + ((v >> (l - 2)) & 3),
 * the last bucket open-ended (from 2^37 ns, 137 s).  user/hist.c reads it.
 */
#define PVT_HIST_BUCKETS 144

/* Why a task left the CPU (from prev_state at its switch-out). */
enum pvt_out_state {
	PVT_OUT_SLEEPING = 0,        /* TASK_INTERRUPTIBLE: S */
	PVT_OUT_UNINTERRUPTIBLE = 1, /* TASK_UNINTERRUPTIBLE (incl. TASK_IDLE): D */
	PVT_OUT_PREEMPTED = 2,       /* involuntary: still runnable */
	PVT_OUT_OTHER = 3,           /* stopped, traced, dead, or a sleep cut short by a signal */
	PVT_OUT__MAX = 4,
};

/* Wakers: the first PVT_WAKERS distinct tasks that woke this one, counted exactly. */
#define PVT_WAKERS 4
struct pvt_waker {
	__u32 tid;   /* 0: woken from the idle task (an interrupt on an idle CPU) */
	__u32 pid;
	__u64 count;
};

/* Switch-in origins: what ran on the CPU just before. */
enum pvt_from {
	PVT_FROM_SAME_PROCESS = 0,
	PVT_FROM_OTHER_PROCESS = 1,
	PVT_FROM_IDLE = 2,
	PVT_FROM_KERNEL = 3,
	PVT_FROM__MAX = 4,
};

/*
 * Everything pvtrace aggregates about one task, in the kernel.
 * Times are the scheduler's rq->clock (see bpf/pvtrace.bpf.h); oncpu_ns is
 * measured on rq->clock_task, the clock of se.sum_exec_runtime.
 */
struct pvt_task {
	__u32 tid;
	__u32 pid;              /* thread-group id */
	__u32 ppid;             /* the process's parent (real_parent->tgid) */
	__u32 parent_tid;       /* the thread that created it (0 if not born under tracing) */
	__u32 flags;            /* enum pvt_task_flag */
	__s32 exit_code;        /* task->exit_code at sched_process_exit (wait(2) status encoding) */
	__u64 start_time;       /* task->start_time: with tid, names this task instance */
	__u64 leader_start_time;/* group_leader->start_time: names the process instance */
	__u64 cgroup_id;        /* its cgroup v2 at creation or first sight: the cgroup directory's
				 * inode number (kernfs id); 0: unknown */
	__u32 ns_tid;           /* its tid in its own PID namespace (== tid when ns_level is 0) */
	__u32 ns_pid;           /* its process's pid there */
	__u32 ns_level;         /* depth of its PID namespace (0: the initial one) */
	__u32 pad_ns;
	__u64 first_ns;         /* creation (born) or first sight */
	__u64 exit_ns;          /* sched_process_exit */
	__u64 end_ns;           /* final switch-out */
	__u64 first_in_ns;      /* first switch-in */
	__u64 last_in_ns;       /* time of the current switch-in, 0 while off CPU */
	__u64 last_in_task_ns;  /* the same on rq->clock_task (for oncpu_ns) */
	__u64 oncpu_ns;         /* sum of switch-in to switch-out */
	__u64 sw_vol;           /* voluntary switch-outs */
	__u64 sw_invol;         /* involuntary switch-outs */
	__u64 sw_in;            /* switch-ins seen (sched_switch with this task as next) */
	__u64 sw_in_unseen;     /* switch-ins without a sched_switch event, found at the next
				 * switch-out (see unseen_switch_in() in bpf/sched.bpf.h) */
	__u64 sw_as_change;     /* switch-ins that loaded another address space */
	__u64 sw_from[PVT_FROM__MAX];
	__u64 sw_state_resolved;/* switch-outs classified by the kernel counter (bpf/sched.bpf.h) */
	__u64 sw_out_state[PVT_OUT__MAX]; /* switch-outs by why (enum pvt_out_state) */
	__u64 runq_start_ns;    /* waiting for a CPU since (0: not waiting) */
	__u64 blocked_start_ns; /* asleep since (0: not asleep) */
	__u32 blocked_state;    /* enum pvt_out_state of the current sleep */
	__u32 pad0;
	__u64 runq_count;       /* run-queue waits ended by a switch-in */
	__u64 runq_total_ns;
	__u64 runq_max_ns;
	__u64 blocked_ns[PVT_OUT__MAX]; /* asleep (switch-out to wakeup) by why */
	__u64 migrations;       /* sched_migrate_task */
	__u64 wakeups;          /* sched_wakeup of this task while off CPU */
	struct pvt_waker wakers[PVT_WAKERS];
	__u64 wakers_other;     /* wakeups by tasks beyond the first PVT_WAKERS */
	__u32 runq_hist[PVT_HIST_BUCKETS];
	struct pvt_kcounters kbase;  /* at first sight */
	struct pvt_kcounters kexit;  /* at sched_process_exit */
	struct pvt_kcounters kfinal; /* at the final switch-out (includes it) */
	char comm[PVT_COMM_LEN];     /* latest name (at exit for exited tasks) */

	/*
	 * Creation (PVT_F_BORN).  Durations on bpf_ktime_get_ns(): the run-queue
	 * clock is only fresh at scheduler events, not at a syscall's entry.
	 */
	__u32 create_nr;        /* PVT_NR_*: the creating thread's syscall (its registers at
				 * sched_process_fork); 0: none (created by the kernel) */
	__u32 create_exit_signal; /* the child's exit signal (clone flags & 0xff, clone3 exit_signal) */
	__u64 clone_flags;      /* CLONE_* as the syscall asked (fork: none; vfork: VM|VFORK) */
	__u64 create_kt;        /* child->start_time: ktime, stamped late in copy_process() */
	__u64 create_copy_ns;   /* the creator's sys_enter to create_kt (copy_process) */
	struct pvt_create_cost create_cost; /* set at the creator's sys_exit */
	__u64 stack_start;      /* the new thread's stack as passed to clone/clone3 (0: none) */
	__u64 stack_size;       /* clone3's stack_size (clone passes only a pointer: 0) */

	/* Exec: counts over all; exec_start_kt and exec_minflt of the first successful one,
	 * exec_ns, exec_path and comm_at_exec of the last (docs/METRICS.md, exec). */
	__u32 exec_count;       /* successful execs (sched_process_exec) */
	__u32 exec_failed;      /* failed execve attempts (execvp walking PATH, ENOENT...) */
	__u64 exec_start_kt;    /* sys_enter of the first successful execve, ktime (0: not timed) */
	__u64 exec_ns;          /* the last one's duration, sys_enter to sys_exit */
	__u64 exec_minflt;      /* minor faults the task took between creation and the first */
	char exec_path[PVT_PATH_LEN]; /* the file it exec'd (bprm->filename) */
	char comm_at_exec[PVT_COMM_LEN];
	char comm_first[PVT_COMM_LEN];  /* at creation or first sight */

	/* Renames (task_rename: prctl(PR_SET_NAME), /proc/.../comm, exec). */
	__u32 renames;
	__u32 pad1;
	struct pvt_rename rename_hist[PVT_RENAMES];

	/* Exit. */
	__u32 exit_how;         /* enum pvt_exit_how */
	__u32 sig_last;         /* the last signal generated for this task (0: none) */
	__u32 sig_sender_tid;   /* who sent it (the task itself for a fault) */
	__u32 sig_sender_pid;

	/* Memory (see docs/METRICS.md "Memory"). */
	__u64 kstack_bytes;     /* its kernel stack: stack_vm_area pages (THREAD_SIZE without) */
	__u64 ustack_lo;        /* its user stack: the mapping around its stack (0: not found yet) */
	__u64 ustack_hi;
	__u64 ustack_guard;     /* bytes of the PROT_NONE mapping right below it (the guard) */

	/* In flight, for the task as a creator or exec'er (meaningless after). */
	__u64 sys_enter_kt;     /* sys_enter of a clone/fork/vfork/clone3/execve in progress */
	__u32 sys_nr;
	__u32 sys_gen;          /* sys_hooks_gen at that sys_enter: stale if the hooks came and went */
	__u64 sys_off0;         /* creator: runq_total_ns + blocked_ns at sys_enter */
	__u64 sys_tracer_ns;    /* creator: its sched_process_fork program's run time */
	__u64 child;            /* the task it created in this syscall (task_struct *) */
	__u64 child_start_time; /* and its start_time, to check the pointer is still that task */
	__u32 child_tid;
	__u32 sys_old_tid;      /* exec: the tid at entry (a non-leader takes the pid) */
	__u64 sys_minflt;       /* exec: task->min_flt at entry */
};

/* Run-queue waits by the origin of the switch-in that ended them (per CPU, summed by userspace). */
struct pvt_class_stat {
	__u64 count;
	__u64 total_ns;
	__u64 max_ns;
	__u32 hist[PVT_HIST_BUCKETS];
};

/* Key of the `overflow` and `late_costs` (value: struct pvt_create_cost) maps: (start_time, tid) names a task instance. */
struct pvt_dead_key {
	__u64 start_time;
	__u32 tid;
	__u32 pad;
};

/*
 * Memory of one process (one mm), read in BPF from the mm_struct: at the
 * process's creation, at exec, at every --interval (the task iterator) and at
 * the exit of its last thread, before the mm is torn down.  Bytes.
 */
enum pvt_rss { PVT_RSS_FILE = 0, PVT_RSS_ANON = 1, PVT_RSS_SWAP = 2, PVT_RSS_SHMEM = 3, PVT_RSS__MAX = 4 };

struct pvt_mm_sample {
	__u64 rss[PVT_RSS__MAX]; /* mm->rss_stat, summed over CPUs (MM_FILEPAGES...): swap is not resident */
	__u64 page_tables;       /* mm->pgtables_bytes (VmPTE) */
	__u64 vma_count;         /* mm->map_count */
	__u64 vsize;             /* mm->total_vm pages (VmSize) */
	__u64 hiwater_rss;       /* mm->hiwater_rss pages (the kernel updates it only at unmaps) */
};

/* struct pvt_mem.flags */
enum pvt_mem_flag {
	PVT_M_AT_EXIT = 1u << 0,  /* `last` was read at the exit of the last thread */
	PVT_M_EXECED = 1u << 1,   /* `pre_exec` holds the maxima of the mm exec replaced */
	PVT_M_NO_MM = 1u << 2,    /* a sample found no mm (should not happen for a live process) */
};

struct pvt_mem {
	__u32 pid;              /* tgid */
	__u32 flags;            /* enum pvt_mem_flag */
	__u64 leader_start_time;/* with pid, names the process instance (as in struct pvt_task) */
	__u32 samples;          /* of the current mm */
	__u32 execs;
	__u64 pass;             /* the iterator pass that sampled it last */
	__u64 first_kt, last_kt;/* ktime of the first and the latest sample */
	struct pvt_mm_sample first;    /* at creation (or first sight; after exec: at exec) */
	struct pvt_mm_sample last;     /* the latest sample: at exit with PVT_M_AT_EXIT */
	struct pvt_mm_sample peak;     /* field-wise maxima over the samples of the current mm */
	__u64 rss_peak;                /* max of (file + anon + shmem) and hiwater_rss: VmHWM */
	struct pvt_mm_sample pre_exec; /* the maxima of the mm the (latest) exec replaced */
	__u64 pre_exec_rss_peak;
};

/* What the task iterator reports of each live tracked task, for userspace's own sampling. */
struct pvt_iter_rec {
	__u32 tid, pid;
	__u64 start_time, leader_start_time;
	__u64 ustack_lo, ustack_hi;
	__u64 rss;              /* its process's resident bytes as just sampled (0: unknown) */
};

/* Ring-buffer records: every record starts with this header. */
enum pvt_event_kind {
	PVT_EV_CREATE = 1, /* struct pvt_ev_create */
	PVT_EV_EXIT = 2,   /* struct pvt_ev_exit: the task's final record */
	PVT_EV_EXEC = 3,   /* struct pvt_ev_exec: an execve returned (or failed) */
	PVT_EV_RENAME = 4, /* struct pvt_ev_rename */
	PVT_EV_MEM = 5,    /* struct pvt_ev_mem: a process's memory at its last thread's exit */
	PVT_EV_WAKE = 6,   /* struct pvt_ev_hdr alone: a creation or exec while the syscall
			    * hooks are detached (--syscall-costs=bursts): attach them */
};

struct pvt_ev_hdr {
	__u16 size; /* of the whole record */
	__u16 kind; /* enum pvt_event_kind */
	__u32 cpu;
	__u64 ts;   /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
};

/*
 * Live records (create, exec, rename) are sent only with --events (live_events):
 * the report needs none of them, the final record carries it all.
 */

/* At sched_process_fork: the creator's syscall has not returned yet. */
struct pvt_ev_create {
	struct pvt_ev_hdr hdr;
	__u32 tid, pid, ppid, parent_tid;
	__u32 nr, exit_signal;  /* PVT_NR_* (0: created in the kernel), the child's exit signal */
	__u64 clone_flags;
	__u64 copy_ns;          /* creator's sys_enter to now (0: not in a creating syscall) */
	char comm[PVT_COMM_LEN];
};

/* At the sys_exit of an execve of a tracked task. */
struct pvt_ev_exec {
	struct pvt_ev_hdr hdr;
	__u32 tid, pid, old_tid; /* old_tid: the tid before exec (a non-leader takes the pid) */
	__s32 ret;               /* 0 or -errno */
	__u64 exec_ns;           /* sys_enter to sys_exit */
	__u64 since_create_ns;   /* creation to sys_enter (0: not born under tracing) */
	__u64 minflt;            /* minor faults since creation, at sys_enter */
	char comm[PVT_COMM_LEN];
	char path[PVT_PATH_LEN];
};

/* At task_rename. */
struct pvt_ev_rename {
	struct pvt_ev_hdr hdr;
	__u32 tid, pid, by_exec, pad;
	char old_comm[PVT_COMM_LEN];
	char comm[PVT_COMM_LEN];
};

struct pvt_ev_exit {
	struct pvt_ev_hdr hdr;
	struct pvt_task task;
};

struct pvt_ev_mem {
	struct pvt_ev_hdr hdr;
	struct pvt_mem mem;
};

/* Indices of the per-CPU counters map: how the tracer itself fared. */
enum pvt_counter {
	PVT_C_SWITCHES = 0,       /* switch-outs of traced tasks */
	PVT_C_TASKS_SEEN = 1,     /* entries created in the task map (the root's and PVT_C_TASKS_BORN) */
	PVT_C_TASKS_DEAD = 2,     /* final switch-outs seen */
	PVT_C_TASKMAP_FULL = 3,   /* tasks a tracked task created, not tracked: --max-tasks records
				   * alive, or no memory (counting their descendants: PVT_C_UNTRACKED_DESC) */
	PVT_C_RB_LOST_CREATE = 4, /* creation records dropped: ring buffer full */
	PVT_C_RB_LOST_EXIT = 5,   /* exit records dropped (the record goes to the overflow map) */
	PVT_C_RB_LOST_EXEC = 6,   /* exec records dropped */
	PVT_C_STALE_REUSED = 7,   /* a new task already had a record (should stay 0) */
	PVT_C_TASKS_LOST = 8,     /* final records lost: ring buffer and overflow map both full */
	PVT_C_TASKS_EXITED = 9,   /* sched_process_exit of tracked tasks */
	PVT_C_RB_LOST_RENAME = 10,/* rename records dropped */
	PVT_C_LATE_COST_FULL = 11,/* creation costs of early-dead children not kept: map full */
	PVT_C_RB_LOST_MEM = 12,   /* process memory records not sent at exit (left in the map: read at the end) */
	PVT_C_PROCMAP_FULL = 13,  /* processes whose memory could not be kept: process map full */
	PVT_C_MEM_SAMPLES = 14,   /* process memory samples taken (all kinds) */
	PVT_C_MEM_FOLDED_ONLY = 15, /* RSS counters read without their per-CPU parts (offsets unknown) */
	PVT_C_IN_UNSEEN = 16,     /* switch-ins the kernel made without a sched_switch event */
	PVT_C_TASKS_BORN = 17,    /* tasks a tracked task created, tracked (entries made at fork) */
	PVT_C_UNTRACKED_DESC = 18,/* tasks an untracked task created (a PVT_C_TASKMAP_FULL task or one
				   * of its descendants): not tracked, counted */
	PVT_C_UNTRACKED_EXITED = 19, /* sched_process_exit of those untracked tasks (marked ones) */
	PVT_C_UNTRACKED_UNMARKED = 20, /* untracked tasks that could not be marked (task storage
				   * allocation failed): their own descendants are not counted */
	PVT_C_ATTACHED = 21,      /* running tasks registered by the attach pass (`attach`, `top`) */
	PVT_C_JOINED = 22,        /* tasks registered when moved into the target cgroup (attach --cgroup) */
	PVT_C_FINAL_LOST = 23,    /* alive tasks whose final read failed (an event came while frozen) */
	PVT_C_ATTACH_FULL = 24,   /* running targets the attach pass (or a cgroup move) could not
				   * register: the task map full (--max-tasks); not tracked, counted */
	PVT_C_SCHED_LOST = 25,    /* `record`: scheduling events not recorded (their ring buffer full) */
	PVT_C__MAX = 26,
};

/*
 * `record`: one scheduling event of a traced task, as the BPF side sends it
 * (the `sched_events` ring buffer, only when recording).  ts: bpf_ktime_get_ns()
 * (CLOCK_MONOTONIC), read in the program.  The file stores these per CPU,
 * column by column (docs/RECORD.md).
 */
enum pvt_sched_kind {
	PVT_SE_SWITCH = 1,     /* tid: prev, other: next, arg: prev's pid, state: prev_state & 0xff,
				* flags: PVT_SEF_PREEMPT */
	PVT_SE_WAKEUP = 2,     /* tid: woken, other: the waker (current; 0: idle), arg: its target CPU */
	PVT_SE_WAKEUP_NEW = 3, /* tid: the new task, other: its creator, arg: its target CPU */
	PVT_SE_MIGRATE = 4,    /* tid: the task, other: 0, arg: the destination CPU (cpu: where it was) */
};
#define PVT_SEF_PREEMPT 1u
#define PVT_SEF_PREV_TRACKED 2u  /* switch: prev is a traced task */
#define PVT_SEF_NEXT_TRACKED 4u  /* switch: next is a traced task */

struct pvt_sched_ev {
	__u64 ts;
	__u32 tid;
	__u32 other;
	__u32 arg;
	__u16 cpu;  /* the CPU the program ran on */
	__u8 kind;  /* enum pvt_sched_kind */
	__u8 state; /* switch: prev_state's low byte (TASK_* bits) */
	__u32 flags;/* PVT_SEF_* */
	__u32 next_pid; /* switch: next's pid (tgid) */
};

/*
 * `attach` and `top`: which running tasks the attach pass of the task
 * iterator registers (rodata attach_mode; `run` registers only its command).
 */
enum pvt_attach_mode {
	PVT_ATTACH_NONE = 0,   /* run: the command pvtrace started */
	PVT_ATTACH_PIDS = 1,   /* every thread of the processes target_tgids[] */
	PVT_ATTACH_CGROUP = 2, /* every task in the cgroup v2 target_cgid or below it */
	PVT_ATTACH_ALL = 3,    /* every task of the machine (top without a filter) */
};
#define PVT_MAX_TARGETS 16

/* What userspace asks of the pvt_iter_attach pass (bss iter_pass). */
enum pvt_iter_pass {
	PVT_PASS_ATTACH = 1,     /* register the targets that are not tracked yet */
	PVT_PASS_FINAL = 2,      /* read the final counters of each alive tracked task */
	PVT_PASS_FINAL_LAST = 3, /* the same, taking a stable read even if it disagrees */
};

/* What the final pass writes for each task it could not settle (else nothing). */
enum pvt_final_status {
	PVT_FINAL_RETRY = 1, /* a switch was in flight: try again */
	PVT_FINAL_LOST = 2,  /* an event came while frozen: its counts cannot be verified */
};
struct pvt_final_rec {
	__u32 tid;
	__u32 status; /* enum pvt_final_status */
	__u64 start_time;
};

#endif /* PVTRACE_H */
