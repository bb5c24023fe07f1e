// SPDX-License-Identifier: GPL-2.0
/*
 * report_json.c - the "pvtrace.report/1" JSON report of a model (model.h);
 * every field is defined in docs/METRICS.md.
 */
#include <stdio.h>
#include "common.h"
#include "json_writer.h"
#include "report.h"
#include "version.h" /* PVTRACE_VERSION: .output/version.h, made by the Makefile */

/* A bpf_ktime_get_ns() time relative to the report's origin. */
static uint64_t rel_kt(const struct pvt_model *m, uint64_t kt)
{
	return kt > m->in->t0_kt ? kt - m->in->t0_kt : 0;
}

static void add_flag_name(void *ctx, const char *name)
{
	jw_string(ctx, name);
}

static void created_obj(json_writer_t *jw, const struct pvt_model_task *x)
{
	const struct pvt_rec *rec = x->rec;
	const struct pvt_task *t = &rec->t;
	char nb[16];

	jw_name(jw, "created");
	if (!(t->flags & PVT_F_BORN)) {
		jw_null(jw);
		return;
	}
	jw_start_object(jw);
	jw_uint_field(jw, "at_ns", x->start_ns);
	jw_string_field(jw, "syscall", pvt_syscall_name(t->create_nr, nb, sizeof(nb)));
	jw_name(jw, "flags");
	jw_start_array(jw);
	pvt_clone_flag_names(t->clone_flags, add_flag_name, jw);
	jw_end_array(jw);
	jw_uint_field(jw, "exit_signal", t->create_exit_signal);
	jw_bool_field(jw, "thread", pvt_created_thread(t));
	jw_uint_or_null_field(jw, "syscall_ns", rec->cost.syscall_ns, rec->cost.syscall_ns);
	jw_uint_or_null_field(jw, "oncpu_ns", rec->cost.syscall_ns, x->create_oncpu_ns);
	jw_uint_or_null_field(jw, "offcpu_ns", rec->cost.syscall_ns, rec->cost.offcpu_ns);
	jw_uint_or_null_field(jw, "tracer_ns", rec->cost.syscall_ns, rec->cost.tracer_ns);
	/* why those four are null (docs/METRICS.md, "Missing figures") */
	jw_string_or_null_field(jw, "syscall_missing", pvt_cost_missing_code(x->cost_missing));
	jw_uint_or_null_field(jw, "copy_ns", t->flags & PVT_F_IN_CREATE, t->create_copy_ns);
	jw_uint_or_null_field(jw, "first_run_ns", t->first_in_ns, x->first_run_ns);
	jw_uint_or_null_field(jw, "stack", t->stack_start, t->stack_start);
	jw_uint_or_null_field(jw, "stack_size", t->stack_size, t->stack_size);
	jw_end_object(jw);
}

static void exec_obj(json_writer_t *jw, const struct pvt_task *t)
{
	jw_name(jw, "exec");
	if (!t->exec_count && !t->exec_failed) {
		jw_null(jw);
		return;
	}
	jw_start_object(jw);
	jw_uint_field(jw, "count", t->exec_count);
	jw_uint_field(jw, "failed", t->exec_failed);
	if (t->exec_count) {
		jw_name(jw, "path");
		jw_string_n(jw, t->exec_path, sizeof(t->exec_path));
		jw_name(jw, "comm");
		jw_string_n(jw, t->comm_at_exec, sizeof(t->comm_at_exec));
		jw_uint_or_null_field(jw, "exec_ns", t->exec_start_kt, t->exec_ns);
		jw_uint_or_null_field(jw, "after_create_ns",
				      t->create_kt && t->exec_start_kt > t->create_kt,
				      t->exec_start_kt - t->create_kt);
		jw_uint_or_null_field(jw, "minor_faults_before", t->exec_start_kt, t->exec_minflt);
	}
	jw_end_object(jw);
}

static void names_obj(json_writer_t *jw, const struct pvt_model *m, const struct pvt_task *t)
{
	uint32_t n = t->renames < PVT_RENAMES ? t->renames : PVT_RENAMES;

	jw_name(jw, "names");
	jw_start_object(jw);
	jw_name(jw, "first");
	jw_string_n(jw, t->comm_first, sizeof(t->comm_first));
	jw_uint_field(jw, "renames", t->renames);
	jw_name(jw, "history");
	jw_start_array(jw);
	for (uint32_t i = 0; i < n; i++) {
		const struct pvt_rename *rn = &t->rename_hist[i];

		jw_start_object(jw);
		jw_uint_field(jw, "at_ns", rel_kt(m, rn->ns));
		jw_name(jw, "comm");
		jw_string_n(jw, rn->comm, sizeof(rn->comm));
		jw_bool_field(jw, "by_exec", rn->by_exec);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_bool_field(jw, "history_truncated", t->renames > PVT_RENAMES);
	jw_end_object(jw);
}

/* Starts an exit object and returns true (the caller adds fields and ends it), or writes null. */
static bool exit_open(json_writer_t *jw, const char *name, const struct pvt_exit *e)
{
	jw_name(jw, name);
	if (!e->known) {
		jw_null(jw);
		return false;
	}
	jw_start_object(jw);
	if (e->signal) {
		jw_null_field(jw, "code");
		jw_int_field(jw, "signal", e->signal);
		jw_bool_field(jw, "core_dumped", e->core);
	} else {
		jw_int_field(jw, "code", e->code);
		jw_null_field(jw, "signal");
	}
	return true;
}

static void out_states_obj(json_writer_t *jw, const uint64_t *st)
{
	jw_name(jw, "out_states");
	jw_start_object(jw);
	jw_uint_field(jw, "sleeping", st[PVT_OUT_SLEEPING]);
	jw_uint_field(jw, "uninterruptible", st[PVT_OUT_UNINTERRUPTIBLE]);
	jw_uint_field(jw, "preempted", st[PVT_OUT_PREEMPTED]);
	jw_uint_field(jw, "other", st[PVT_OUT_OTHER]);
	jw_end_object(jw);
}

static void switches_obj(json_writer_t *jw, const struct pvt_sums *s)
{
	jw_name(jw, "switches");
	jw_start_object(jw);
	jw_uint_field(jw, "voluntary", s->vol);
	jw_uint_field(jw, "involuntary", s->invol);
	jw_uint_field(jw, "in", s->in);
	jw_uint_field(jw, "in_unseen", s->in_unseen);
	jw_uint_field(jw, "address_space_changes", s->as_change);
	jw_name(jw, "from");
	jw_start_object(jw);
	jw_uint_field(jw, "same_process", s->from[PVT_FROM_SAME_PROCESS]);
	jw_uint_field(jw, "other_process", s->from[PVT_FROM_OTHER_PROCESS]);
	jw_uint_field(jw, "idle", s->from[PVT_FROM_IDLE]);
	jw_uint_field(jw, "kernel", s->from[PVT_FROM_KERNEL]);
	jw_end_object(jw);
	out_states_obj(jw, s->out_state);
	jw_end_object(jw);
}

static void runq_obj(json_writer_t *jw, const struct pvt_runq_stats *q)
{
	jw_name(jw, "runq");
	jw_start_object(jw);
	jw_uint_field(jw, "count", q->count);
	jw_uint_field(jw, "total_ns", q->total_ns);
	jw_uint_field(jw, "max_ns", q->max_ns);
	jw_uint_field(jw, "p50_ns", q->p50_ns);
	jw_uint_field(jw, "p99_ns", q->p99_ns);
	jw_end_object(jw);
}

static void switch_cost_obj(json_writer_t *jw, const struct pvt_model *m,
			    const struct pvt_switch_cost *c)
{
	const struct pvt_calibration *cal = m->in->cal;
	double est = c->estimated_ns;

	jw_name(jw, "switch_cost");
	jw_start_object(jw);
	jw_bool_field(jw, "calibrated", cal != NULL);
	if (est >= 0) /* no conversion of a negative double */
		jw_uint_field(jw, "estimated_ns", (uint64_t)(est + 0.5));
	else
		jw_null_field(jw, "estimated_ns");
	jw_name(jw, "same_address_space");
	jw_start_object(jw);
	jw_uint_field(jw, "switches", c->same_as);
	if (cal)
		jw_double_field(jw, "cost_ns", cal->same_as_ns);
	else
		jw_null_field(jw, "cost_ns");
	jw_end_object(jw);
	jw_name(jw, "address_space_change");
	jw_start_object(jw);
	jw_uint_field(jw, "switches", c->as_change);
	if (cal)
		jw_double_field(jw, "cost_ns", cal->as_change_ns);
	else
		jw_null_field(jw, "cost_ns");
	jw_end_object(jw);
	jw_end_object(jw);
}

/* tasks[].memory: what this thread holds (docs/METRICS.md "Memory"). */
static void task_mem_obj(json_writer_t *jw, const struct pvt_model *m,
			 const struct pvt_model_task *x)
{
	const struct pvt_task *t = &x->rec->t;
	const struct pvt_task_mem tm = x->mem;

	jw_name(jw, "memory");
	jw_start_object(jw);
	jw_uint_field(jw, "kernel_bytes", tm.kernel_bytes);
	jw_uint_field(jw, "task_struct_bytes", m->in->slab.task_struct);
	jw_uint_field(jw, "kernel_stack_bytes", t->kstack_bytes);
	jw_uint_or_null_field(jw, "stack_reserved_bytes", tm.stack_reserved, tm.stack_reserved);
	jw_uint_or_null_field(jw, "stack_guard_bytes", tm.stack_reserved, tm.stack_guard);
	jw_uint_or_null_field(jw, "stack_start", tm.stack_reserved, t->ustack_lo);
	jw_uint_or_null_field(jw, "stack_resident_bytes", tm.resident_known, tm.stack_resident);
	jw_uint_field(jw, "stack_samples", tm.stack_samples);
	/* why a stack figure is null (docs/METRICS.md, "Missing figures") */
	jw_string_or_null_field(jw, "stack_reserved_missing", pvt_mem_missing_code(x->reserved_missing));
	jw_string_or_null_field(jw, "stack_resident_missing", pvt_mem_missing_code(x->resident_missing));
	jw_end_object(jw);
}

static void mm_sample_fields(json_writer_t *jw, const struct pvt_mm_sample *s)
{
	jw_uint_field(jw, "rss_bytes", s->rss[PVT_RSS_ANON] + s->rss[PVT_RSS_FILE] + s->rss[PVT_RSS_SHMEM]);
	jw_uint_field(jw, "rss_anon_bytes", s->rss[PVT_RSS_ANON]);
	jw_uint_field(jw, "rss_file_bytes", s->rss[PVT_RSS_FILE]);
	jw_uint_field(jw, "rss_shmem_bytes", s->rss[PVT_RSS_SHMEM]);
	jw_uint_field(jw, "swap_bytes", s->rss[PVT_RSS_SWAP]);
	jw_uint_field(jw, "page_table_bytes", s->page_tables);
	jw_uint_field(jw, "vma_count", s->vma_count);
	jw_uint_field(jw, "vsize_bytes", s->vsize);
}

/* processes[].memory: its mm (BPF) and its PSS/shared/private (smaps). */
static void proc_mem_obj(json_writer_t *jw, const struct pvt_model *model,
			 const struct pvt_model_proc *x)
{
	const struct pvt_mem *m = x->mem;
	const struct pvt_proc_smaps *ps = x->smaps;

	jw_name(jw, "memory");
	if (!m) {
		jw_null(jw);
		return;
	}
	jw_start_object(jw);
	jw_uint_field(jw, "rss_peak_bytes", m->rss_peak);
	/* field-wise maxima over the samples */
	jw_uint_field(jw, "rss_anon_bytes", m->peak.rss[PVT_RSS_ANON]);
	jw_uint_field(jw, "rss_file_bytes", m->peak.rss[PVT_RSS_FILE]);
	jw_uint_field(jw, "rss_shmem_bytes", m->peak.rss[PVT_RSS_SHMEM]);
	jw_uint_field(jw, "swap_bytes", m->peak.rss[PVT_RSS_SWAP]);
	jw_uint_field(jw, "page_table_bytes", m->peak.page_tables);
	jw_uint_field(jw, "vma_count", m->peak.vma_count);
	jw_uint_field(jw, "vsize_bytes", m->peak.vsize);
	jw_uint_field(jw, "kernel_bytes", x->kernel_bytes);
	jw_uint_or_null_field(jw, "pss_bytes", ps, ps ? ps->at_peak.pss : 0);
	jw_uint_or_null_field(jw, "private_bytes", ps, ps ? ps->at_peak.private_ : 0);
	jw_uint_or_null_field(jw, "shared_bytes", ps, ps ? ps->at_peak.shared : 0);
	jw_uint_field(jw, "samples", m->samples);
	jw_uint_field(jw, "smaps_samples", ps ? ps->samples : 0);
	jw_string_or_null_field(jw, "smaps_missing", pvt_mem_missing_code(x->smaps_missing));
	jw_name(jw, "first");
	jw_start_object(jw);
	jw_uint_field(jw, "at_ns", rel_kt(model, m->first_kt));
	mm_sample_fields(jw, &m->first);
	jw_end_object(jw);
	jw_name(jw, "last");
	jw_start_object(jw);
	jw_uint_field(jw, "at_ns", rel_kt(model, m->last_kt));
	jw_bool_field(jw, "at_exit", m->flags & PVT_M_AT_EXIT);
	mm_sample_fields(jw, &m->last);
	jw_end_object(jw);
	jw_name(jw, "before_exec");
	if (m->flags & PVT_M_EXECED) {
		jw_start_object(jw);
		jw_uint_field(jw, "execs", m->execs);
		jw_uint_field(jw, "rss_peak_bytes", m->pre_exec_rss_peak);
		jw_uint_field(jw, "page_table_bytes", m->pre_exec.page_tables);
		jw_uint_field(jw, "vma_count", m->pre_exec.vma_count);
		jw_uint_field(jw, "vsize_bytes", m->pre_exec.vsize);
		jw_end_object(jw);
	} else {
		jw_null(jw);
	}
	jw_end_object(jw);
}

static void mem_summary_obj(json_writer_t *jw, const struct pvt_model *m)
{
	const struct pvt_collected *r = m->in;
	const struct pvt_mem_summary *s = &m->mem;

	jw_name(jw, "memory");
	jw_start_object(jw);
	jw_uint_field(jw, "interval_ms", r->interval_ms);
	jw_uint_field(jw, "passes", r->mt ? r->mt->passes : 0);
	jw_uint_field(jw, "passes_read_proc", r->mt ? r->mt->passes_read : 0);
	jw_uint_field(jw, "pass_ns_total", r->mt ? r->mt->pass_ns_total : 0);
	jw_uint_field(jw, "bpf_samples", r->counters[PVT_C_MEM_SAMPLES]);
	jw_name(jw, "threads");
	jw_start_object(jw);
	jw_uint_field(jw, "count", s->threads);
	jw_uint_field(jw, "stack_sampled", s->threads_resident);
	jw_uint_field(jw, "kernel_bytes_p50", s->thread_kernel);
	jw_uint_field(jw, "stack_resident_bytes_p50", s->thread_stack_resident);
	jw_uint_field(jw, "stack_reserved_bytes_p50", s->thread_stack_reserved);
	jw_uint_field(jw, "marginal_bytes", s->thread_bytes);
	jw_end_object(jw);
	jw_name(jw, "processes");
	jw_start_object(jw);
	jw_uint_field(jw, "count", s->processes);
	jw_uint_field(jw, "smaps_sampled", s->processes_private);
	jw_uint_field(jw, "rss_peak_bytes_p50", s->proc_rss_peak);
	jw_uint_field(jw, "private_bytes_p50", s->proc_private);
	jw_uint_field(jw, "page_table_bytes_p50", s->proc_page_tables);
	jw_uint_field(jw, "kernel_bytes_p50", s->proc_kernel);
	jw_uint_field(jw, "marginal_bytes", s->process_bytes);
	jw_end_object(jw);
	if (m->mem_process_to_thread)
		jw_double_field(jw, "process_to_thread", m->mem_process_to_thread);
	else
		jw_null_field(jw, "process_to_thread");
	jw_end_object(jw);
}

static void task_obj(json_writer_t *jw, const struct pvt_model *m, const struct pvt_model_task *x)
{
	const struct pvt_rec *rec = x->rec;
	const struct pvt_task *t = &rec->t;
	struct pvt_sums sw;

	jw_start_object(jw);
	jw_uint_field(jw, "tid", t->tid);
	jw_uint_field(jw, "pid", t->pid);
	jw_uint_field(jw, "ppid", t->ppid);
	jw_uint_or_null_field(jw, "parent_tid", t->flags & PVT_F_BORN, t->parent_tid);
	jw_name(jw, "comm");
	jw_string_n(jw, t->comm, sizeof(t->comm));
	jw_string_field(jw, "kind", pvt_kind(t));
	jw_bool_field(jw, "root", !!(t->flags & PVT_F_ROOT));
	jw_bool_field(jw, "preexisting", !!(t->flags & PVT_F_PREEXISTING));
	jw_uint_or_null_field(jw, "cgroup_id", t->cgroup_id, t->cgroup_id);
	jw_string_or_null_field(jw, "cgroup", x->cgroup);
	jw_name(jw, "namespace");
	if (t->ns_level) {
		jw_start_object(jw);
		jw_uint_field(jw, "level", t->ns_level);
		jw_uint_field(jw, "tid", t->ns_tid);
		jw_uint_field(jw, "pid", t->ns_pid);
		jw_end_object(jw);
	} else {
		jw_null(jw);
	}
	jw_bool_field(jw, "execed", !!(t->flags & PVT_F_EXECED));
	jw_uint_field(jw, "start_ns", x->start_ns);
	jw_uint_or_null_field(jw, "end_ns", !rec->alive, x->end_ns);
	jw_bool_field(jw, "alive", rec->alive);
	jw_uint_field(jw, "oncpu_ns", t->oncpu_ns);
	model_task_sums(x, &sw);
	switches_obj(jw, &sw);
	jw_name(jw, "kernel");
	if (rec->verified) {
		jw_start_object(jw);
		jw_uint_field(jw, "voluntary", pvt_kdelta_vol(rec));
		jw_uint_field(jw, "involuntary", pvt_kdelta_invol(rec));
		jw_uint_field(jw, "oncpu_ns", pvt_kdelta_oncpu(rec));
		jw_uint_field(jw, "runq_ns", pvt_kdelta_runq(rec));
		jw_bool_field(jw, "exact", rec->exact);
		if (t->flags & PVT_F_EXITED) {
			/* the kernel's reading at sched_process_exit, before the final switch (docs/METRICS.md) */
			jw_name(jw, "at_exit");
			jw_start_object(jw);
			jw_uint_field(jw, "voluntary", t->kexit.nvcsw - t->kbase.nvcsw);
			jw_uint_field(jw, "involuntary", t->kexit.nivcsw - t->kbase.nivcsw);
			jw_end_object(jw);
		}
		jw_uint_field(jw, "resolved_by_counter", t->sw_state_resolved);
		jw_end_object(jw);
	} else {
		jw_null(jw);
	}
	runq_obj(jw, &x->runq);
	jw_name(jw, "offcpu");
	jw_start_object(jw);
	jw_uint_field(jw, "blocked_ns", x->blocked_ns);
	jw_uint_field(jw, "runnable_ns", t->runq_total_ns);
	jw_name(jw, "blocked_by_state");
	jw_start_object(jw);
	jw_uint_field(jw, "sleeping", t->blocked_ns[PVT_OUT_SLEEPING]);
	jw_uint_field(jw, "uninterruptible", t->blocked_ns[PVT_OUT_UNINTERRUPTIBLE]);
	jw_uint_field(jw, "other", t->blocked_ns[PVT_OUT_OTHER]);
	jw_end_object(jw);
	jw_end_object(jw);
	jw_uint_field(jw, "migrations", t->migrations);
	jw_uint_field(jw, "wakeups", t->wakeups);
	jw_name(jw, "wakers");
	jw_start_array(jw);
	for (int i = 0; i < PVT_WAKERS; i++) {
		const struct pvt_waker *w = &t->wakers[i];

		if (!w->count)
			continue;
		jw_start_object(jw);
		jw_uint_field(jw, "tid", w->tid);
		jw_uint_field(jw, "pid", w->pid);
		jw_uint_field(jw, "count", w->count);
		jw_bool_field(jw, "same_process", pvt_waker_same_process(t, w));
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_uint_field(jw, "wakers_other", t->wakers_other);
	switch_cost_obj(jw, m, &x->cost);
	created_obj(jw, x);
	exec_obj(jw, t);
	names_obj(jw, m, t);
	jw_uint_or_null_field(jw, "lifetime_ns", !rec->alive, x->lifetime_ns);
	if (exit_open(jw, "exit", &rec->exit)) {
		const char *how = pvt_exit_how_name(t->exit_how);

		jw_string_or_null_field(jw, "how", how);
		if (t->exit_how == PVT_EXIT_SIGNAL && t->sig_last) {
			jw_uint_field(jw, "sender_tid", t->sig_sender_tid);
			jw_uint_field(jw, "sender_pid", t->sig_sender_pid);
		}
		jw_end_object(jw);
	}
	task_mem_obj(jw, m, x);
	jw_end_object(jw);
}

/* What a process and the threads/processes summaries report alike, from their sums. */
static void sums_fields(json_writer_t *jw, const struct pvt_model *m, const struct pvt_sums *s,
			const struct pvt_runq_stats *q, const struct pvt_switch_cost *c)
{
	jw_uint_field(jw, "oncpu_ns", s->oncpu_ns);
	switches_obj(jw, s);
	runq_obj(jw, q);
	jw_name(jw, "offcpu");
	jw_start_object(jw);
	jw_uint_field(jw, "blocked_ns", s->blocked_ns);
	jw_uint_field(jw, "runnable_ns", s->runq_total_ns);
	jw_end_object(jw);
	jw_uint_field(jw, "migrations", s->migrations);
	switch_cost_obj(jw, m, c);
}

static void proc_obj(json_writer_t *jw, const struct pvt_model *m, const struct pvt_model_proc *x)
{
	const struct pvt_proc *p = x->p;

	jw_start_object(jw);
	jw_uint_field(jw, "pid", p->pid);
	jw_uint_field(jw, "ppid", p->ppid);
	jw_name(jw, "comm");
	jw_string_n(jw, p->comm, sizeof(p->comm));
	jw_uint_field(jw, "threads", p->threads);
	jw_uint_field(jw, "alive_threads", p->alive);
	jw_uint_field(jw, "start_ns", x->start_ns);
	jw_uint_or_null_field(jw, "end_ns", !p->alive, x->end_ns);
	sums_fields(jw, m, &p->sums, &x->runq, &x->cost);
	if (exit_open(jw, "exit", &p->exit)) {
		jw_uint_field(jw, "last_tid", p->exit_tid);
		jw_uint_or_null_field(jw, "origin_tid", p->origin_tid, p->origin_tid);
		jw_uint_field(jw, "collateral_threads", p->collateral);
		jw_uint_field(jw, "threads_exited", p->exited_self);
		jw_uint_field(jw, "threads_killed", p->killed);
		jw_end_object(jw);
	}
	proc_mem_obj(jw, m, x);
	jw_string_or_null_field(jw, "memory_missing", pvt_mem_missing_code(x->mem_missing));
	jw_end_object(jw);
}

static void cost_obj(json_writer_t *jw, const char *name, const struct pvt_cost_stats *c)
{
	jw_name(jw, name);
	jw_start_object(jw);
	jw_uint_field(jw, "count", c->count);
	jw_uint_field(jw, "total_ns", c->sum_ns);
	jw_uint_field(jw, "p50_ns", c->p50_ns);
	jw_uint_field(jw, "p99_ns", c->p99_ns);
	jw_uint_field(jw, "max_ns", c->max_ns);
	jw_end_object(jw);
}

static void creation_obj(json_writer_t *jw, const char *name, const struct pvt_model_creation *mc)
{
	const struct pvt_create_sums *c = mc->c;

	jw_name(jw, name);
	jw_start_object(jw);
	jw_uint_field(jw, "created", c->born);
	jw_uint_field(jw, "in_syscall", c->in_syscall);
	jw_uint_field(jw, "syscall_cost_missing", c->cost_missing);
	jw_uint_field(jw, "not_timed", c->not_timed);
	cost_obj(jw, "syscall", &c->syscall);
	cost_obj(jw, "oncpu", &c->oncpu);
	cost_obj(jw, "offcpu", &c->offcpu);
	cost_obj(jw, "tracer", &c->tracer);
	cost_obj(jw, "copy", &c->copy);
	cost_obj(jw, "first_run", &c->first_run);
	jw_uint_field(jw, "execed", c->execed);
	cost_obj(jw, "exec", &c->exec);
	/* creator time over the run's wall time (creations in parallel can add to more than 1) */
	jw_double_field(jw, "share_of_wall_time", mc->share_of_wall_time);
	jw_end_object(jw);
}

static void sums_obj(json_writer_t *jw, const struct pvt_model *m, const char *name,
		     const struct pvt_model_sums *x)
{
	jw_name(jw, name);
	jw_start_object(jw);
	jw_uint_field(jw, "tasks", x->s->tasks);
	sums_fields(jw, m, x->s, &x->runq, &x->cost);
	jw_end_object(jw);
}

static void tracer_obj(json_writer_t *jw, const struct pvt_model *m)
{
	const struct pvt_collected *r = m->in;

	jw_name(jw, "tracer");
	jw_start_object(jw);
	jw_bool_field(jw, "null_programs", r->null_programs);
	jw_uint_field(jw, "switches_seen", r->counters[PVT_C_SWITCHES]);
	jw_uint_field(jw, "tasks_seen", r->counters[PVT_C_TASKS_SEEN]);
	jw_uint_field(jw, "tasks_born", r->counters[PVT_C_TASKS_BORN]);
	jw_uint_field(jw, "tasks_untracked_map_full", r->counters[PVT_C_TASKMAP_FULL]);
	jw_uint_field(jw, "tasks_untracked_descendants", r->counters[PVT_C_UNTRACKED_DESC]);
	jw_uint_field(jw, "tasks_attach_map_full", r->counters[PVT_C_ATTACH_FULL]);
	jw_uint_field(jw, "tasks_untracked_exited", r->counters[PVT_C_UNTRACKED_EXITED]);
	jw_uint_field(jw, "tasks_untracked_alive", m->untracked_alive);
	jw_uint_field(jw, "tasks_untracked_unfollowed", r->counters[PVT_C_UNTRACKED_UNMARKED]);
	jw_uint_field(jw, "stale_entries_reused", r->counters[PVT_C_STALE_REUSED]);
	jw_uint_field(jw, "tasks_lost", r->counters[PVT_C_TASKS_LOST]);
	jw_name(jw, "ringbuf_lost");
	jw_start_object(jw);
	jw_uint_field(jw, "create", r->counters[PVT_C_RB_LOST_CREATE]);
	jw_uint_field(jw, "exit", r->counters[PVT_C_RB_LOST_EXIT]);
	jw_uint_field(jw, "exec", r->counters[PVT_C_RB_LOST_EXEC]);
	jw_uint_field(jw, "rename", r->counters[PVT_C_RB_LOST_RENAME]);
	jw_uint_field(jw, "memory", r->counters[PVT_C_RB_LOST_MEM]);
	jw_end_object(jw);
	jw_uint_field(jw, "processes_untracked_memory", r->counters[PVT_C_PROCMAP_FULL]);
	jw_uint_field(jw, "memory_samples_failed", r->mt ? r->mt->smaps_failed : 0);
	jw_uint_field(jw, "memory_counters_folded_only", r->counters[PVT_C_MEM_FOLDED_ONLY]);
	jw_uint_field(jw, "late_costs_lost", r->counters[PVT_C_LATE_COST_FULL]);
	jw_uint_field(jw, "switch_ins_unseen", r->counters[PVT_C_IN_UNSEEN]);
	jw_name(jw, "syscall_hooks");
	jw_start_object(jw);
	jw_string_field(jw, "mode", r->hooks.mode == PVT_SYS_ALWAYS ? "always" :
				    r->hooks.mode == PVT_SYS_BURSTS ? "bursts" : "never");
	jw_uint_field(jw, "windows", r->hooks.windows);
	jw_uint_field(jw, "attached_ns", r->hooks.attached_ns);
	jw_end_object(jw);
	jw_name(jw, "bpf_programs");
	if (r->progs) {
		jw_start_array(jw);
		for (size_t i = 0; i < r->nprogs; i++) {
			jw_start_object(jw);
			jw_string_field(jw, "name", r->progs[i].name);
			jw_uint_field(jw, "run_count", r->progs[i].run_count);
			jw_uint_field(jw, "run_time_ns", r->progs[i].run_time_ns);
			jw_end_object(jw);
		}
		jw_end_array(jw);
	} else {
		jw_null(jw);
	}
	jw_uint_field(jw, "keep_tasks", m->tb->fold ? m->tb->fold->keep : 0);
	jw_uint_field(jw, "tasks_folded", m->tb->fold ? m->tb->fold->tasks : 0);
	jw_uint_field(jw, "processes_folded", m->tb->fold ? m->tb->fold->processes : 0);
	jw_end_object(jw);
}

static void calibration_obj(json_writer_t *jw, const struct pvt_calibration *cal)
{
	jw_name(jw, "calibration");
	if (!cal) {
		jw_null(jw);
		return;
	}
	jw_start_object(jw);
	jw_string_field(jw, "path", cal->path);
	jw_string_field(jw, "created", cal->created);
	jw_string_field(jw, "hostname", cal->hostname);
	jw_string_field(jw, "kernel", cal->kernel);
	jw_string_field(jw, "cpu_model", cal->cpu_model);
	jw_double_field(jw, "same_address_space_ns", cal->same_as_ns);
	jw_double_field(jw, "address_space_change_ns", cal->as_change_ns);
	jw_end_object(jw);
}

static void switch_classes_obj(json_writer_t *jw, const struct pvt_model *m)
{
	static const char *const names[PVT_FROM__MAX] = { "same_process", "other_process", "idle",
							  "kernel" };

	jw_name(jw, "switch_classes");
	jw_start_object(jw);
	for (int i = 0; i < PVT_FROM__MAX; i++) {
		const struct pvt_model_class *c = &m->classes[i];

		jw_name(jw, names[i]);
		jw_start_object(jw);
		jw_uint_field(jw, "switch_ins", c->switch_ins);
		runq_obj(jw, &c->runq);
		if (i <= PVT_FROM_OTHER_PROCESS)
			switch_cost_obj(jw, m, &c->cost);
		jw_end_object(jw);
	}
	jw_end_object(jw);
}

static void folded_name_obj(json_writer_t *jw, const struct pvt_fold_name *nm)
{
	jw_start_object(jw);
	jw_name(jw, "comm");
	jw_string_n(jw, nm->comm, sizeof(nm->comm));
	jw_uint_field(jw, "tasks", nm->tasks);
	jw_uint_field(jw, "threads", nm->threads);
	jw_uint_field(jw, "processes", nm->processes);
	jw_uint_field(jw, "voluntary", nm->vol);
	jw_uint_field(jw, "involuntary", nm->invol);
	jw_uint_field(jw, "oncpu_ns", nm->oncpu_ns);
	jw_uint_field(jw, "runq_ns", nm->runq_total_ns);
	jw_uint_field(jw, "lifetime_ns", nm->lifetime_ns);
	jw_end_object(jw);
}

/* summary.folded: the records folded beyond --keep-tasks (docs/METRICS.md "Folded tasks"). */
static void folded_obj(json_writer_t *jw, const struct pvt_model *m)
{
	const struct pvt_fold *x = m->tb->fold;
	static const struct pvt_fold none;

	if (!x)
		x = &none;
	jw_name(jw, "folded");
	jw_start_object(jw);
	jw_uint_field(jw, "keep_tasks", x->keep);
	jw_uint_field(jw, "tasks", x->tasks);
	jw_uint_field(jw, "threads", x->threads);
	jw_uint_field(jw, "processes", x->processes);
	jw_uint_field(jw, "batches", x->batches);
	jw_name(jw, "by_name");
	jw_start_array(jw);
	for (size_t k = 0; k < m->nfolded_names; k++)
		folded_name_obj(jw, &x->names[m->folded_names[k]]);
	jw_end_array(jw);
	jw_name(jw, "other");
	if (x->other.tasks || x->other.processes)
		folded_name_obj(jw, &x->other);
	else
		jw_null(jw);
	jw_name(jw, "out_of_memory");
	jw_start_object(jw);
	jw_uint_field(jw, "folds", x->oom_folds);
	jw_uint_field(jw, "records_lost", x->records_lost);
	jw_uint_field(jw, "values_lost", x->values_lost);
	jw_end_object(jw);
	jw_end_object(jw);
}

static void summary_obj(json_writer_t *jw, const struct pvt_model *m)
{
	const struct pvt_exit_sums *x = &m->tb->exits;

	jw_name(jw, "summary");
	jw_start_object(jw);
	sums_obj(jw, m, "threads", &m->threads);
	sums_obj(jw, m, "processes", &m->processes);
	jw_name(jw, "creation");
	jw_start_object(jw);
	creation_obj(jw, "threads", &m->create_threads);
	creation_obj(jw, "processes", &m->create_procs);
	jw_end_object(jw);
	jw_name(jw, "exits");
	jw_start_object(jw);
	jw_uint_field(jw, "processes", x->processes);
	jw_uint_field(jw, "clean", x->clean);
	jw_uint_field(jw, "failed", x->failed);
	jw_uint_field(jw, "signaled", x->signaled);
	jw_uint_field(jw, "collateral_threads", x->collateral_threads);
	jw_end_object(jw);
	mem_summary_obj(jw, m);
	switch_classes_obj(jw, m);
	folded_obj(jw, m);
	jw_end_object(jw);
}

/* attach: the targets, when, and why it ended. */
static void attach_obj(json_writer_t *jw, const struct pvt_model *m)
{
	const struct pvt_collected *in = m->in;

	jw_name(jw, "attach");
	jw_start_object(jw);
	jw_name(jw, "pids");
	if (in->target_pids) {
		jw_start_array(jw);
		for (size_t i = 0; i < in->ntarget_pids; i++)
			jw_uint(jw, in->target_pids[i]);
		jw_end_array(jw);
	} else {
		jw_null(jw);
	}
	jw_string_or_null_field(jw, "cgroup", in->target_cgroup);
	jw_uint_field(jw, "attached_at_ns", in->attached_at_ns);
	jw_string_field(jw, "ended_by", pvt_end_reason_name(in->end_reason));
	jw_uint_field(jw, "tasks_found", in->counters[PVT_C_ATTACHED]);
	jw_uint_field(jw, "tasks_joined", in->counters[PVT_C_JOINED]);
	jw_end_object(jw);
}

static void sums_kind_obj(json_writer_t *jw, const char *name, const struct pvt_sums *s)
{
	jw_name(jw, name);
	jw_start_object(jw);
	jw_uint_field(jw, "tasks", s->tasks);
	jw_uint_field(jw, "voluntary", s->vol);
	jw_uint_field(jw, "involuntary", s->invol);
	jw_uint_field(jw, "in", s->in);
	jw_uint_field(jw, "from_same_process", s->from[PVT_FROM_SAME_PROCESS]);
	jw_uint_field(jw, "address_space_changes", s->as_change);
	jw_uint_field(jw, "oncpu_ns", s->oncpu_ns);
	jw_end_object(jw);
}

/* Per-cgroup sums (docs/METRICS.md, "By cgroup"). */
static void cgroups_arr(json_writer_t *jw, const struct pvt_model *m)
{
	jw_name(jw, "cgroups");
	jw_start_array(jw);
	for (size_t i = 0; i < m->ncgroups; i++) {
		const struct pvt_model_cgroup *g = &m->cgroups[i];

		jw_start_object(jw);
		jw_uint_field(jw, "id", g->id);
		jw_string_or_null_field(jw, "path", g->path);
		jw_uint_field(jw, "processes", g->processes);
		sums_kind_obj(jw, "threads", &g->threads);
		sums_kind_obj(jw, "process_tasks", &g->procs);
		runq_obj(jw, &g->runq);
		jw_end_object(jw);
	}
	jw_end_array(jw);
}

int report_json(FILE *f, const struct pvt_model *m)
{
	const struct pvt_table *tb = m->tb;
	json_writer_t *jw;
	int err;

	jw = jw_new(f, true);
	if (!jw)
		return -1;
	jw_start_object(jw);
	jw_string_field(jw, "schema", "pvtrace.report/1");
	jw_string_field(jw, "pvtrace_version", PVTRACE_VERSION);
	jw_string_field(jw, "mode", m->in->mode == PVT_MODE_ATTACH ? "attach" : "run");
	jw_name(jw, "command");
	if (m->in->argv) {
		jw_start_array(jw);
		for (char *const *a = m->in->argv; *a; a++)
			jw_string(jw, *a);
		jw_end_array(jw);
	} else {
		jw_null(jw);
	}
	if (m->in->mode == PVT_MODE_ATTACH) {
		jw_name(jw, "root_pid");
		jw_null(jw);
	} else {
		jw_int_field(jw, "root_pid", m->in->root_pid);
	}
	jw_uint_field(jw, "duration_ns", m->in->duration_ns);
	if (m->in->mode == PVT_MODE_ATTACH) {
		jw_name(jw, "exit");
		jw_null(jw);
		attach_obj(jw, m);
	} else if (exit_open(jw, "exit", &m->root_exit)) {
		jw_end_object(jw);
	}
	jw_uint_field(jw, "lost_events", m->lost_events);
	jw_uint_field(jw, "tasks_created", m->tasks_created);
	jw_name(jw, "verified");
	jw_start_object(jw);
	jw_uint_field(jw, "tasks", tb->verified);
	jw_uint_field(jw, "exact", tb->exact);
	jw_uint_field(jw, "alive", tb->alive);
	jw_uint_field(jw, "alive_verified", tb->alive_verified);
	jw_name(jw, "final_read");
	jw_start_object(jw);
	jw_int_field(jw, "passes", m->in->final.passes);
	jw_uint_field(jw, "unsettled", m->in->final.unsettled);
	jw_uint_field(jw, "lost", m->in->final.lost);
	jw_end_object(jw);
	jw_end_object(jw);
	tracer_obj(jw, m);
	calibration_obj(jw, m->in->cal);
	jw_name(jw, "tasks");
	jw_start_array(jw);
	for (size_t i = 0; i < tb->n; i++)
		task_obj(jw, m, &m->tasks[i]);
	jw_end_array(jw);
	jw_name(jw, "processes");
	jw_start_array(jw);
	for (size_t i = 0; i < tb->nprocs; i++)
		proc_obj(jw, m, &m->procs[i]);
	jw_end_array(jw);
	cgroups_arr(jw, m);
	summary_obj(jw, m);
	jw_end_object(jw);
	err = jw_flush(jw);
	jw_destroy(jw);
	return err ? -1 : 0;
}
