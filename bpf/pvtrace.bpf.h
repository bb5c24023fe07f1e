/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvtrace.bpf.h - helpers for the BPF side only (never included by userspace).
 */
#ifndef PVTRACE_BPF_H
#define PVTRACE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "pvtrace.h"

/* From include/linux/sched.h: stable values, not in BTF as an enum. */
#define PVT_TASK_RUNNING 0x00000000u
#define PVT_TASK_DEAD 0x00000080u
#define PVT_PF_KTHREAD 0x00200000u
#define PVT_TASK_INTERRUPTIBLE 0x00000001u
#define PVT_TASK_UNINTERRUPTIBLE 0x00000002u
/* include/linux/sched/signal.h */
#define PVT_SIGNAL_GROUP_EXIT 0x00000004u
#define PVT_SIGCHLD 17

/*
 * log2 by shifts: clang 14's BPF backend crashes on __builtin_clzll
 * (SPEC.md, platform facts), so no builtin here.
 */
static __always_inline __u32 pvt_log2_u64(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) { r += 1; }
	return r;
}

/* The run-queue histogram's bucket (scheme in pvtrace.h; twin: user/hist.c). */
static __always_inline __u32 pvt_hist_bucket(__u64 v)
{
	__u32 l, idx;

	if (v < 4)
		return (__u32)v;
	l = pvt_log2_u64(v);
	idx = (l - 1) * 4 + (__u32)((v >> (l - 2)) & 3);
	return idx < PVT_HIST_BUCKETS ? idx : PVT_HIST_BUCKETS - 1;
}

/*
 * pvtrace times everything on the scheduler's own clocks, read from memory the
 * scheduler has just updated rather than with bpf_ktime_get_ns(): on a VM a
 * clock read costs about 100 ns, twice per switch and once per wakeup, which
 * was the largest share of pvtrace's overhead (measured with make bench).
 *  - rq->clock, the clock of sched_info (schedstat's run_delay): run-queue
 *    waits, sleeps, and every time in the report;
 *  - rq->clock_task, the clock of se.sum_exec_runtime (it stops while the
 *    CPU serves interrupts or the hypervisor steals it): on-CPU time, from
 *    se.exec_start, which the scheduler stamps with it just before the
 *    sched_switch tracepoint: in set_next_entity() for the task it picked, in
 *    update_curr() for the task it put back; the same stamps that bound the
 *    kernel's own sum_exec_runtime intervals.
 */
static __always_inline struct rq *pvt_rq_of(struct task_struct *p)
{
	struct cfs_rq *cfs = p->se.cfs_rq;

	if (!cfs)
		return NULL;
	/* Direct loads (BTF pointers): no helper call on the hot path. */
	if (bpf_core_field_exists(cfs->rq))
		return cfs->rq;
	/* Without CONFIG_FAIR_GROUP_SCHED the cfs_rq is embedded in struct rq. */
	return (struct rq *)((char *)cfs - bpf_core_field_offset(struct rq, cfs));
}

/*
 * rq->clock of the run queue @p is on: exact after a wakeup or inside
 * sched_switch (both update it); elsewhere as of its last update (<= a tick).
 */
static __always_inline __u64 pvt_rq_clock(struct task_struct *p)
{
	struct rq *rq = pvt_rq_of(p);

	return rq ? rq->clock : 0;
}

/* A task's comm, 16 bytes, by two direct loads through the BTF pointer (no helper call). */
static __always_inline void pvt_comm_copy(char *dst, const char *src)
{
	((__u64 *)dst)[0] = ((const __u64 *)src)[0];
	((__u64 *)dst)[1] = ((const __u64 *)src)[1];
}

/* The kernel's own counters for @t: direct CO-RE loads through the BTF pointer. */
static __always_inline void pvt_read_kcounters(struct task_struct *t, struct pvt_kcounters *k)
{
	k->nvcsw = t->nvcsw;
	k->nivcsw = t->nivcsw;
	k->sum_exec_runtime = t->se.sum_exec_runtime;
	/* sched_info exists with CONFIG_SCHED_INFO; without it run_delay reads 0. */
	if (bpf_core_field_exists(t->sched_info))
		k->run_delay = t->sched_info.run_delay;
	else
		k->run_delay = 0;
}

/*
 * The kernel stack of @t: the pages of its vmalloc'd stack (CONFIG_VMAP_STACK),
 * else THREAD_SIZE (16 KiB on x86_64 without KASAN).
 */
static __always_inline __u64 pvt_kstack_bytes(struct task_struct *t)
{
	if (bpf_core_field_exists(t->stack_vm_area)) {
		struct vm_struct *vm = t->stack_vm_area;

		if (vm)
			return (__u64)vm->nr_pages << 12;
	}
	return 16384;
}

#endif /* PVTRACE_BPF_H */
