/* SPDX-License-Identifier: GPL-2.0 */
/*
 * events.bpf.h - the records that travel to userspace: the ring buffer, and
 * where a task's final record goes when the ring buffer is full.
 *
 * Only final records (a task's at its last switch, a process's memory at its
 * last thread's exit) are always sent; the live ones (creation, exec, rename)
 * only with --events (live_events).  Each module fills its own records; this
 * one holds what they share.
 *
 * Holds: the `events` ring buffer and the `overflow` map; rb_final_flags(),
 * hdr_init(), emit_exit() (the task's final record).
 * Needs: task_table.bpf.h (count); live_events (pvtrace.bpf.c).
 */
#ifndef PVTRACE_EVENTS_BPF_H
#define PVTRACE_EVENTS_BPF_H

#ifndef PVTRACE_TASK_TABLE_BPF_H
#error "events.bpf.h needs task_table.bpf.h first (see pvtrace.bpf.c)"
#endif

/*
 * Final records of tasks whose exit record did not fit in the ring buffer.
 * They cannot stay in `tasks`: the freed task_struct is soon reused by a new
 * task (churn does it at once).  Keyed by (start_time, tid), which names a
 * task instance; read by userspace at the end.  Allocated on demand.
 */
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

/*
 * Ring-buffer wakeups: a wakeup is an irq_work on the CPU that submits,
 * inside the workload's syscall or switch, for every record.  Final records
 * (exits, memory) wake the reader only once the ring is a quarter full; the
 * reader also drains it on its own clock (user/run_trace.c).  Live records
 * (--events) wake it as they come.
 */
static __always_inline __u64 rb_final_flags(void)
{
	__u64 avail, size;

	if (live_events)
		return 0; /* --events prints exits as they come, too */
	avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	size = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE);
	return avail >= size / 4 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline void hdr_init(struct pvt_ev_hdr *h, __u16 kind, __u16 size, __u64 kt)
{
	h->size = size;
	h->kind = kind;
	h->cpu = bpf_get_smp_processor_id();
	h->ts = kt;
}

/* The task's final record, at its last switch-out: the ring buffer, else `overflow`. */
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
	/* hdr.ts (CLOCK_MONOTONIC) only for --events' lines: a clock read saved per task. */
	hdr_init(&e->hdr, PVT_EV_EXIT, sizeof(*e), live_events ? bpf_ktime_get_ns() : 0);
	bpf_probe_read_kernel(&e->task, sizeof(e->task), pt);
	bpf_ringbuf_submit(e, rb_final_flags());
}

/*
 * `record`: every scheduling event of a traced task (struct pvt_sched_ev), on
 * a ring buffer of its own so that a burst of them never crowds out a final
 * record.  Sized by userspace (one page when not recording: never used).
 * Never wakes the reader: it drains the ring on its own clock (100 ms) and
 * the ring is sized for a few seconds of switches.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096); /* userspace: --record-buffer-kb */
} sched_events SEC(".maps");

static __always_inline void emit_sched(__u8 kind, __u32 tid, __u32 other, __u32 arg, __u8 state,
				       __u32 flags, __u32 next_pid)
{
	struct pvt_sched_ev *e = bpf_ringbuf_reserve(&sched_events, sizeof(*e), 0);

	if (!e) {
		count(PVT_C_SCHED_LOST);
		return;
	}
	e->ts = bpf_ktime_get_ns();
	e->tid = tid;
	e->other = other;
	e->arg = arg;
	e->cpu = bpf_get_smp_processor_id();
	e->kind = kind;
	e->state = state;
	e->flags = flags;
	e->next_pid = next_pid;
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

#endif /* PVTRACE_EVENTS_BPF_H */
