/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvtrace.bpf.h - what every BPF module shares (never included by userspace):
 * the kernel headers, pvtrace.h's record format, the architecture's header
 * (arch.bpf.h), and small helpers that read the kernel: an untrusted view of
 * BTF pointers (pvt_ro), task state constants, the histogram bucket, the
 * scheduler's clocks, a task's kernel counters and kernel stack size.
 *
 * The BPF side is one compilation unit, pvtrace.bpf.c, which includes the
 * modules (*.bpf.h, one concern each) in dependency order; see its header.
 */
#ifndef PVTRACE_BPF_H
#define PVTRACE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "pvtrace.h"
#include "arch.bpf.h"

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/*
 * An untrusted view of a BTF pointer, for loads only.  Each load of a pointer
 * field through a trusted one (a tp_btf argument, current, the iterator's
 * task) makes the verifier look up "<type>__safe_trusted", "__safe_rcu"...
 * by name in the vmlinux BTF, a linear scan of its ~127k types (up to four
 * per load, on every path it walks): most of pvtrace's load time (6.18).
 * Through this view the field loads are the same loads (exception-handled,
 * as for any BTF pointer but a trusted one) without the lookups, and the
 * kfunc is inlined to a register move.  Not for helper arguments.
 */
#define pvt_ro(p) ((typeof(p))bpf_rdonly_cast((p), bpf_core_type_id_kernel(typeof(*(p)))))

/* From include/linux/sched.h: stable values, not in BTF as an enum. */
#define PVT_TASK_RUNNING 0x00000000u
#define PVT_TASK_DEAD 0x00000080u
#define PVT_PF_KTHREAD 0x00200000u
#define PVT_PF_EXITING 0x00000004u
#define PVT_TASK_INTERRUPTIBLE 0x00000001u
#define PVT_TASK_UNINTERRUPTIBLE 0x00000002u

/* 1 if @x is not 0, else 0, with no branch: the empty asm keeps clang from making it a compare. */
static __always_inline __u64 pvt_nonzero(__u64 x)
{
	x |= -x;
	asm volatile("" : "+r"(x));
	return x >> 63;
}

/*
 * log2 by shifts: clang 14's BPF backend crashes on __builtin_clzll, so no
 * builtin here.  Branch-free: with a branch
 * per step the verifier walks all 64 paths at every call (the bucket
 * indexes an array, so each path's value is precise and none is pruned), most
 * of the instructions it processes for sched_switch.
 */
static __always_inline __u32 pvt_log2_u64(__u64 v)
{
	__u64 r, s;

	r = pvt_nonzero(v >> 32) << 5;
	v >>= r;
	s = pvt_nonzero(v >> 16) << 4;
	v >>= s;
	r |= s;
	s = pvt_nonzero(v >> 8) << 3;
	v >>= s;
	r |= s;
	s = pvt_nonzero(v >> 4) << 2;
	v >>= s;
	r |= s;
	s = pvt_nonzero(v >> 2) << 1;
	v >>= s;
	r |= s;
	return r | (v >> 1);
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
	struct cfs_rq *cfs = pvt_ro(p)->se.cfs_rq;

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
/* The CPU @p is on (or queued on): task_cpu(), where thread_info holds it. */
static __always_inline __u32 pvt_task_cpu(struct task_struct *p)
{
	/* direct loads through the BTF pointer: no helper call (this runs at every wakeup) */
	if (bpf_core_field_exists(p->thread_info.cpu))
		return p->thread_info.cpu;
	return p->wake_cpu;
}

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
 * else THREAD_SIZE (bpf/arch/).
 */
static __always_inline __u64 pvt_kstack_bytes(struct task_struct *t)
{
	if (bpf_core_field_exists(t->stack_vm_area)) {
		struct vm_struct *vm = pvt_ro(t)->stack_vm_area;

		if (vm)
			return (__u64)vm->nr_pages << PVT_ARCH_PAGE_SHIFT;
	}
	return PVT_ARCH_THREAD_SIZE;
}

#endif /* PVTRACE_BPF_H */
