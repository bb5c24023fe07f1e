/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memory.bpf.h - memory: each traced process's mm, each thread's stacks.
 *
 * A process's memory is sampled in BPF from its mm_struct at its creation
 * (lifecycle.bpf.h: fork), at exec, at every --interval (the task iterator,
 * here) and at the exit of its last thread, before the mm is torn down; that
 * last sample goes to userspace (mem_final()).  A thread's user stack is
 * found at its exit or by the iterator (find_stack()); its kernel stack size
 * is read at its creation (pvt_kstack_bytes(), pvtrace.bpf.h).
 *
 * Holds: the `procs` and `cpu_probe` maps, zero_mem, cpu_off[], cpu_off_ready;
 * the per-CPU offsets (learn_cpu_offsets()) that make RSS counters exact,
 * mem_sample(), mem_final(), find_stack(), and on_iter_task(), the body of
 * the iter/task program.
 * Needs: task_table.bpf.h (tasks, count), events.bpf.h (the ring buffer);
 * nr_cpus, sample_pass (pvtrace.bpf.c); the architecture's page size and user
 * stack pointer (bpf/arch/).
 */
#ifndef PVTRACE_MEMORY_BPF_H
#define PVTRACE_MEMORY_BPF_H

#ifndef PVTRACE_EVENTS_BPF_H
#error "memory.bpf.h needs task_table.bpf.h and events.bpf.h first (see pvtrace.bpf.c)"
#endif

/* ---- processes: one record each, while it lives ---- */

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

/* ---- per-CPU offsets: exact RSS counters ---- */

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

/* ---- samples of a process's mm ---- */

static __always_inline void mm_read(struct mm_struct *mm, struct pvt_mm_sample *s)
{
	__u32 i;

	/* Once here, not in each pcpu_counter_sum(): the verifier walks it once per sample, not per counter. */
	if (!cpu_off_ready)
		learn_cpu_offsets();
	for (i = 0; i < PVT_RSS__MAX; i++)
		s->rss[i] = (__u64)pcpu_counter_sum(&mm->rss_stat[i]) << PVT_ARCH_PAGE_SHIFT;
	s->page_tables = BPF_CORE_READ(mm, pgtables_bytes.counter);
	s->vma_count = BPF_CORE_READ(mm, map_count);
	s->vsize = BPF_CORE_READ(mm, total_vm) << PVT_ARCH_PAGE_SHIFT;
	s->hiwater_rss = BPF_CORE_READ(mm, hiwater_rss) << PVT_ARCH_PAGE_SHIFT;
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

/* ---- stacks ---- */

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

		addr = pvt_arch_user_sp(regs);
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

/* ---- the task iterator ---- */

/*
 * Every --interval, userspace runs the iter/task program over every task of
 * the machine: for each live tracked one, one memory sample of its process
 * per pass, its stack found if not yet, and a record that lets userspace add
 * what only /proc tells (resident pages of the stack, shared and private memory).
 */
static __always_inline int on_iter_task(struct bpf_iter__task *ctx)
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

#endif /* PVTRACE_MEMORY_BPF_H */
