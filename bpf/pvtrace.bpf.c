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
 *   sys_enter/sys_exit  (raw_syscalls) the cost of clone, fork, vfork, clone3
 *                       and execve in a tracked task: the program returns at
 *                       its first compare for every other syscall
 *   task_rename         a tracked task's new name
 *   signal_generate     the last signal aimed at a tracked task, and who sent it
 *   signal_deliver      a tracked thread taken down by its group's exit
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
const volatile bool syscall_costs = true; /* sys_enter/sys_exit loaded (not --syscall-costs=never) */
const volatile bool live_events = false;  /* --events: send creations, execs, renames as they happen */
const volatile __u32 nr_cpus = 1;          /* possible CPUs (the per-CPU parts of RSS counters) */

/*
 * The syscall hooks come and go (--syscall-costs=bursts, user/tracer.c): every
 * syscall on the machine pays for them while attached.  Userspace bumps
 * sys_hooks_gen at each attach and detach, so that a sys_enter seen in an
 * earlier window is never paired with a later event, and sets sys_hooks_on
 * while they are attached.  A creation or exec while they are off sets
 * sys_hooks_wanted and wakes userspace (PVT_EV_WAKE), which attaches them;
 * sys_activity changes at each creation or exec, so that userspace can tell
 * when creating has stopped and detach them again.
 */
__u32 sys_hooks_gen = 0;
__u32 sys_hooks_on = 0;
__u32 sys_hooks_wanted = 0;
__u64 sys_activity = 0;


/* Bumped by userspace before each run of the task iterator (one memory sample per process per pass). */
__u64 sample_pass = 0;

/* Set once the root has an entry, so that a later task reusing its tid is not taken for it. */
__u32 root_registered = 0;
/* bpf_ktime_get_ns() at the root's first sight: the origin of ktime-based times. */
__u64 root_first_kt = 0;

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
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PVT_DEFAULT_MAX_TASKS); /* userspace: --max-tasks */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pvt_dead_key);
	__type(value, struct pvt_task);
} overflow SEC(".maps");

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

/*
 * Memory of each live traced process, keyed by (leader start_time, tgid):
 * a process instance, stable across exec.  Sent to userspace at the exit of
 * its last thread and removed; what remains is read at the end.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PVT_DEFAULT_MAX_TASKS); /* userspace: --max-tasks */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pvt_dead_key);
	__type(value, struct pvt_mem);
} procs SEC(".maps");

struct pvt_mem zero_mem = {};

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
	root_first_kt = bpf_ktime_get_ns();
	fill_identity(pt, t);
	__builtin_memcpy(pt->comm_first, pt->comm, sizeof(pt->comm));
	pt->flags = PVT_F_ROOT | PVT_F_BASELINE;
	pt->first_ns = pvt_rq_clock(t);
	pvt_read_kcounters(t, &pt->kbase);
	if (t == bpf_get_current_task_btf()) {
		/* First seen on the CPU (a syscall, an exec, a fork): it is in a slice now. */
		pt->last_in_ns = pt->first_ns;
		pt->last_in_task_ns = t->se.exec_start;
	}
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

/*
 * Ring-buffer wakeups: a wakeup is an irq_work on the CPU that submits,
 * inside the workload's syscall or switch, for every record.  Final records
 * (exits, memory) wake the reader only once the ring is a quarter full; the
 * reader also drains it on its own clock (user/run.c).  Live records
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

/* ---- memory: the process's mm, the thread's stacks ---- */

#define PVT_PAGE_SHIFT 12
#define PVT_MAX_CPUS 256

/*
 * Per-CPU offsets (the kernel's __per_cpu_offset[]), learned from a per-CPU
 * array of our own: bpf_map_lookup_percpu_elem(map, 0, cpu) is its per-CPU
 * pointer plus that CPU's offset.  Neither __per_cpu_offset nor this_cpu_off
 * is in kallsyms on these kernels (no KALLSYMS_ALL), so no per-CPU ksym loads.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cpu_probe SEC(".maps");

__u64 cpu_off[PVT_MAX_CPUS];
/* 0: not learned; 1: learned; 2: cannot be (the counters stay folded only); 3: being learned */
__u32 cpu_off_ready = 0;

/*
 * A pointer stored to memory and loaded back is a number to the verifier.
 * The slot is this CPU's own value of cpu_probe, so programs on other CPUs
 * cannot overwrite it in between (a program nested on this CPU never gets
 * here: only the one that won cpu_off_ready learns).
 */
static __always_inline __u64 as_number(__u64 *slot, const void *p)
{
	*slot = (__u64)p;
	return *(volatile __u64 *)slot;
}

static __noinline int learn_cpu_offsets(void)
{
	__u64 pptr = 0, base, *slot;
	__u32 zero = 0, c, ok = 2;

	/* One learner, ever: the others use the folded count until it is done. */
	if (__sync_val_compare_and_swap(&cpu_off_ready, 0, 3) != 0)
		return 0;
	slot = bpf_map_lookup_elem(&cpu_probe, &zero);
	if (!slot)
		goto out;
	base = as_number(slot, &cpu_probe) + bpf_core_field_offset(struct bpf_array, pptrs);
	if (bpf_probe_read_kernel(&pptr, sizeof(pptr), (void *)base) || !pptr)
		goto out;
	for (c = 0; c < PVT_MAX_CPUS && c < nr_cpus; c++) {
		void *v = bpf_map_lookup_percpu_elem(&cpu_probe, &zero, c);

		if (!v)
			goto out;
		cpu_off[c & (PVT_MAX_CPUS - 1)] = as_number(slot, v) - pptr;
	}
	/* This CPU's own slot must be where its learned offset says. */
	c = bpf_get_smp_processor_id();
	if (c < PVT_MAX_CPUS && as_number(slot, slot) == pptr + cpu_off[c & (PVT_MAX_CPUS - 1)])
		ok = 1;
out:
	cpu_off_ready = ok;
	return 0;
}

/*
 * An mm_struct RSS counter, exact: it is a percpu_counter, whose shared count
 * lags each CPU's unfolded part (up to the batch, max(32, 2 x CPUs) pages);
 * add those, as /proc's VmRSS does (percpu_counter_sum).
 */
static __always_inline __s64 pcpu_counter_sum(struct percpu_counter *pc)
{
	__s64 sum = BPF_CORE_READ(pc, count);
	__u64 base = (__u64)BPF_CORE_READ(pc, counters);
	__u32 c;

	if (cpu_off_ready != 1 || !base) {
		count(PVT_C_MEM_FOLDED_ONLY);
		return sum < 0 ? 0 : sum;
	}
	for (c = 0; c < PVT_MAX_CPUS && c < nr_cpus; c++) {
		__s32 d = 0;

		bpf_probe_read_kernel(&d, sizeof(d), (void *)(base + cpu_off[c & (PVT_MAX_CPUS - 1)]));
		sum += d;
	}
	return sum < 0 ? 0 : sum;
}

static __always_inline void mm_read(struct mm_struct *mm, struct pvt_mm_sample *s)
{
	__u32 i;

	/* Once here, not in each pcpu_counter_sum(): the verifier walks it once per sample, not per counter. */
	if (!cpu_off_ready)
		learn_cpu_offsets();
	for (i = 0; i < PVT_RSS__MAX; i++)
		s->rss[i] = (__u64)pcpu_counter_sum(&mm->rss_stat[i]) << PVT_PAGE_SHIFT;
	s->page_tables = BPF_CORE_READ(mm, pgtables_bytes.counter);
	s->vma_count = BPF_CORE_READ(mm, map_count);
	s->vsize = BPF_CORE_READ(mm, total_vm) << PVT_PAGE_SHIFT;
	s->hiwater_rss = BPF_CORE_READ(mm, hiwater_rss) << PVT_PAGE_SHIFT;
}

static __always_inline void max_into(__u64 *dst, __u64 v)
{
	if (v > *dst)
		*dst = v;
}

static __always_inline void peak_fold(struct pvt_mm_sample *p, const struct pvt_mm_sample *s)
{
	__u32 i;

	for (i = 0; i < PVT_RSS__MAX; i++)
		max_into(&p->rss[i], s->rss[i]);
	max_into(&p->page_tables, s->page_tables);
	max_into(&p->vma_count, s->vma_count);
	max_into(&p->vsize, s->vsize);
	max_into(&p->hiwater_rss, s->hiwater_rss);
}

enum pvt_sample_why { PVT_SAMPLE_CREATE, PVT_SAMPLE_EXEC, PVT_SAMPLE_PASS, PVT_SAMPLE_EXIT };

/*
 * Sample the mm of @t into its process's record (created on first use).
 * Returns the record (NULL: map full, counted).
 */
static __noinline struct pvt_mem *mem_sample(struct task_struct *t, __u32 tgid, __u64 leader_start,
					      int why)
{
	struct pvt_dead_key key = { .start_time = leader_start, .tid = tgid };
	struct pvt_mm_sample s = {};
	struct mm_struct *mm;
	struct pvt_mem *m;
	__u64 kt, rss;

	m = bpf_map_lookup_elem(&procs, &key);
	if (!m) {
		long err = bpf_map_update_elem(&procs, &key, &zero_mem, BPF_NOEXIST);

		if (err && err != -17 /* EEXIST: another CPU just made it */) {
			count(PVT_C_PROCMAP_FULL);
			return NULL;
		}
		m = bpf_map_lookup_elem(&procs, &key);
		if (!m)
			return NULL;
		m->pid = tgid;
		m->leader_start_time = leader_start;
	}
	if (why == PVT_SAMPLE_PASS) {
		if (m->pass == sample_pass)
			return m; /* another thread of it already sampled it in this pass */
		m->pass = sample_pass;
	}
	mm = pvt_ro(t)->mm;
	if (!mm) {
		m->flags |= PVT_M_NO_MM;
		return m;
	}
	kt = bpf_ktime_get_ns();
	mm_read(mm, &s);
	count(PVT_C_MEM_SAMPLES);
	if (why == PVT_SAMPLE_EXEC && m->samples) {
		/* A new mm: keep the old one's maxima apart, start over. */
		m->pre_exec = m->peak;
		m->pre_exec_rss_peak = m->rss_peak;
		m->flags |= PVT_M_EXECED;
		m->execs++;
		m->samples = 0;
		m->rss_peak = 0;
		__builtin_memset(&m->peak, 0, sizeof(m->peak));
	}
	if (!m->samples) {
		m->first = s;
		m->first_kt = kt;
	}
	m->samples++;
	m->last = s;
	m->last_kt = kt;
	peak_fold(&m->peak, &s);
	rss = s.rss[PVT_RSS_FILE] + s.rss[PVT_RSS_ANON] + s.rss[PVT_RSS_SHMEM];
	max_into(&m->rss_peak, rss);
	max_into(&m->rss_peak, s.hiwater_rss);
	if (why == PVT_SAMPLE_EXIT)
		m->flags |= PVT_M_AT_EXIT;
	return m;
}

/* The last thread of a process exits: its memory goes to userspace, the entry away. */
static __always_inline void mem_final(struct task_struct *t, struct pvt_task *pt)
{
	struct pvt_dead_key key = { .start_time = pt->leader_start_time, .tid = pt->pid };
	struct pvt_ev_mem *e;
	struct pvt_mem *m;

	m = mem_sample(t, pt->pid, pt->leader_start_time, PVT_SAMPLE_EXIT);
	if (!m)
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(PVT_C_RB_LOST_MEM); /* still in the map: userspace reads it at the end */
		return;
	}
	hdr_init(&e->hdr, PVT_EV_MEM, sizeof(*e), m->last_kt);
	bpf_probe_read_kernel(&e->mem, sizeof(e->mem), m);
	bpf_ringbuf_submit(e, rb_final_flags());
	bpf_map_delete_elem(&procs, &key);
}

struct vma_found {
	__u64 start, end, flags;
};

static long vma_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct vma_found *f = data;

	f->start = vma->vm_start;
	f->end = vma->vm_end;
	f->flags = vma->vm_flags;
	return 0;
}

#define PVT_VM_RWX 0x7ull /* VM_READ | VM_WRITE | VM_EXEC */
#define PVT_GUARD_MAX (64ull << 20) /* a guard below a clone3 stack block, at most */

/*
 * The user stack of @t: the mapping that holds the stack clone3/clone was
 * given (its top byte), or else the one around its saved stack pointer, and
 * a PROT_NONE mapping right below it (glibc's guard).  @t's mm must be
 * current-safe: @t is current or its mm is pinned by a live task.
 */
static __noinline void find_stack(struct task_struct *t, struct pvt_task *pt, bool by_regs)
{
	struct vma_found f = {}, g = {};
	__u64 addr;

	if (by_regs)
		addr = 0;
	else if (pt->stack_size)
		addr = pt->stack_start + pt->stack_size - 1;
	else if (pt->stack_start)
		addr = pt->stack_start - 1;
	else
		addr = 0;
	if (!addr) {
		struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(t);

		addr = BPF_CORE_READ(regs, sp);
	}
	if (!addr || bpf_find_vma(t, addr, vma_cb, &f, 0) || !f.end)
		return;
	pt->ustack_lo = f.start;
	pt->ustack_hi = f.end;
	pt->ustack_guard = 0;
	/*
	 * clone3 from glibc passes the whole block it mapped, guard included
	 * (stack = the block's base, below the writable mapping): the guard is
	 * what lies between, with no second walk of the mm.
	 */
	if (pt->stack_size && pt->stack_start < f.start && f.start - pt->stack_start <= PVT_GUARD_MAX &&
	    pt->stack_start + pt->stack_size > f.start) {
		pt->ustack_guard = f.start - pt->stack_start;
		return;
	}
	if (f.start && !bpf_find_vma(t, f.start - 1, vma_cb, &g, 0) && g.end == f.start &&
	    !(g.flags & PVT_VM_RWX))
		pt->ustack_guard = g.end - g.start;
}

/*
 * Every --interval, userspace runs this over every task of the machine: for
 * each live tracked one, one memory sample of its process per pass, its
 * stack found if not yet, and a record that lets userspace add what only
 * /proc tells (resident pages of the stack, shared and private memory).
 */
SEC("iter/task")
int pvt_iter_task(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct pvt_iter_rec rec;
	struct pvt_task *pt;
	struct pvt_mem *m;
	__u64 key;

	if (!t)
		return 0;
	key = (__u64)t;
	pt = bpf_map_lookup_elem(&tasks, &key);
	if (!pt || (pt->flags & PVT_F_EXITED))
		return 0;
	if (!pvt_ro(t)->mm)
		return 0;
	m = mem_sample(t, pt->pid, pt->leader_start_time, PVT_SAMPLE_PASS);
	rec.rss = m ? m->last.rss[PVT_RSS_ANON] + m->last.rss[PVT_RSS_FILE] + m->last.rss[PVT_RSS_SHMEM] : 0;
	if (!pt->ustack_hi)
		find_stack(t, pt, false);
	rec.tid = pt->tid;
	rec.pid = pt->pid;
	rec.start_time = pt->start_time;
	rec.leader_start_time = pt->leader_start_time;
	rec.ustack_lo = pt->ustack_lo;
	rec.ustack_hi = pt->ustack_hi;
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

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

/* ---- creation and exec costs: the creator's syscall ---- */

static __always_inline bool is_create_nr(long id)
{
	return id == PVT_NR_CLONE3 || id == PVT_NR_CLONE || id == PVT_NR_FORK || id == PVT_NR_VFORK;
}

static __always_inline bool is_exec_nr(long id)
{
	return id == PVT_NR_EXECVE || id == PVT_NR_EXECVEAT;
}

/*
 * raw_syscalls:sys_enter/sys_exit run for every syscall on the machine: three
 * compares send all but the six that create tasks or exec straight back
 * (clone, fork, vfork and execve are 56..59 on x86_64).
 */
static __always_inline bool is_traced_nr(long id)
{
	return (__u64)(id - PVT_NR_CLONE) <= PVT_NR_EXECVE - PVT_NR_CLONE ||
	       id == PVT_NR_CLONE3 || id == PVT_NR_EXECVEAT;
}

/*
 * How @child was made, from the creator's own syscall registers (@parent is
 * current): the syscall, the flags it asked for, the stack it passed.  Read
 * here rather than at sys_enter, so that it needs no syscall hook.
 */
static __always_inline void read_creation(struct pvt_task *ct, struct task_struct *parent,
					  struct task_struct *child)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(parent);
	long nr = regs->orig_ax;

	ct->create_exit_signal = PVT_SIGCHLD;
	if (nr == PVT_NR_CLONE) {
		/* clone(flags, newsp, parent_tid, child_tid, tls) on x86_64 */
		__u64 flags = regs->di;

		ct->clone_flags = flags & ~0xffull;
		ct->create_exit_signal = flags & 0xff;
		ct->stack_start = regs->si;
	} else if (nr == PVT_NR_CLONE3) {
		struct clone_args ca = {};

		/* Just copied in by the kernel: resident, so the non-faulting read works. */
		bpf_probe_read_user(&ca, sizeof(ca) < 64 ? sizeof(ca) : 64, (void *)regs->di);
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
 * Runs inside the creator's clone/fork, so inside the creation cost that the
 * report gives: only what cannot wait.  The child's kernel counters start at
 * zero (copy_process), the entry is zeroed, its stack is looked up at its
 * exit or by the memory sampler, and the live record goes out only with
 * --events.  In a timed creating syscall the program times itself from just
 * after the creator's lookup (create_cost.tracer_ns, left out of the creator's
 * on-CPU cost); no clock read for any other fork on the machine.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(pvt_sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	struct pvt_ev_create *e;
	struct pvt_task *pt, *ct;
	bool fresh = false;
	__u64 t0;

	/* parent is the creating thread (current), whatever CLONE_PARENT says. */
	pt = task_lookup(parent, &fresh);
	if (!pt)
		return 0;
	t0 = in_timed_syscall(pt) ? bpf_ktime_get_ns() : 0;
	want_sys_hooks();
	ct = task_insert(child);
	if (!ct)
		return 0;
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
		/* Timed from the creator's sys_enter (below): its syscall_ns comes at sys_exit. */
		ct->create_copy_ns = ct->create_kt - pt->sys_enter_kt;
		ct->flags |= PVT_F_IN_CREATE;
		pt->child = (__u64)child;
		pt->child_start_time = child->start_time;
		pt->child_tid = child->pid;
	}

	if (live_events) {
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
		if (!e) {
			count(PVT_C_RB_LOST_CREATE);
		} else {
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
	}
	/* Kept with the creator: create_done() writes the child's whole create_cost. */
	if (t0 && pt->child == (__u64)child)
		pt->sys_tracer_ns = bpf_ktime_get_ns() - t0;
	return 0;
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
		/* Failed: the caller's memory is still there (execve: di, execveat: si). */
		void *up = (void *)(pt->sys_nr == PVT_NR_EXECVEAT ? regs->si : regs->di);

		if (bpf_probe_read_user_str(e->path, sizeof(e->path), up) < 0)
			e->path[0] = 0;
	}
	bpf_ringbuf_submit(e, 0);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(pvt_sched_process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
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

	/* Since 6.16 this tracepoint comes before exit_mm(): the mm is whole. */
	if (!pt->ustack_hi)
		find_stack(p, pt, false);
	if (pt->flags & PVT_F_GROUP_DEAD)
		mem_final(p, pt);

	/*
	 * How it ended.  Every thread of a group that exits gets the same
	 * exit_code (signal->group_exit_code): what tells them apart is whether
	 * the fatal signal was aimed at this one (signal_generate: the faulting
	 * thread, the target of a kill) or it was taken down by the group's exit
	 * (signal_deliver of the group-exit SIGKILL: zap_other_threads,
	 * complete_signal, coredump).
	 */
	{
		__u32 sig = pt->exit_code & 0x7f;

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

/* Time off the CPU so far (asleep, or waiting for one): closed at each switch-in. */
static __always_inline __u64 offcpu_total(struct pvt_task *pt)
{
	return pt->runq_total_ns + pt->blocked_ns[0] + pt->blocked_ns[1] + pt->blocked_ns[2] +
	       pt->blocked_ns[3];
}

SEC("tp_btf/sys_enter")
int BPF_PROG(pvt_sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *cur;
	struct pvt_task *pt;
	bool fresh = false;

	if (!is_traced_nr(id))
		return 0;
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

SEC("tp_btf/sys_exit")
int BPF_PROG(pvt_sys_exit, struct pt_regs *regs, long ret)
{
	long id = regs->orig_ax;
	struct task_struct *cur;
	struct pvt_task *pt;
	__u64 key, kt, dur;

	if (!is_traced_nr(id))
		return 0;
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

/* ---- names ---- */

SEC("tp_btf/task_rename")
int BPF_PROG(pvt_task_rename, struct task_struct *task, const char *comm)
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

/* Signals whose default action is not fatal: never the cause of a death. */
static __always_inline bool harmless_signal(int sig)
{
	return sig == 17 /* SIGCHLD */ || sig == 18 /* SIGCONT */ || sig == 23 /* SIGURG */ ||
	       sig == 28 /* SIGWINCH */ || (sig >= 19 && sig <= 22) /* STOP, TSTP, TTIN, TTOU */;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(pvt_signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
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

SEC("tp_btf/signal_deliver")
int BPF_PROG(pvt_signal_deliver, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
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
	if (sig != 9)
		return 0;
	key = (__u64)bpf_get_current_task_btf();
	pt = bpf_map_lookup_elem(&tasks, &key);
	if (pt)
		pt->flags |= PVT_F_ZAPPED;
	return 0;
}
