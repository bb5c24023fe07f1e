// SPDX-License-Identifier: GPL-2.0
/*
 * model.c - model_build(): every figure the views print, derived once from
 * what a trace collected (model.h; definitions in docs/METRICS.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "model.h"
#include "status.h"

struct pvt_switch_cost model_switch_cost(const struct pvt_calibration *cal, uint64_t in,
					 uint64_t as_change)
{
	struct pvt_switch_cost c;

	if (as_change > in)
		as_change = in;
	c.as_change = as_change;
	c.same_as = in - as_change;
	c.estimated_ns = cal ? (double)as_change * cal->as_change_ns +
			       (double)c.same_as * cal->same_as_ns : -1;
	/* The views convert it to an integer: keep it one (2^64 ns is 584 years). */
	if (c.estimated_ns > 0x1p63)
		c.estimated_ns = 0x1p63;
	return c;
}

static struct pvt_runq_stats runq_stats(uint64_t count, uint64_t total, uint64_t max,
					const struct hist *h)
{
	return (struct pvt_runq_stats){
		.count = count, .total_ns = total, .max_ns = max,
		.p50_ns = hist_quantile(h, 0.50, 0, max),
		.p99_ns = hist_quantile(h, 0.99, 0, max),
	};
}

static uint64_t rel(uint64_t t, uint64_t t0)
{
	return t > t0 ? t - t0 : 0;
}

static struct pvt_exit root_exit(int wstatus)
{
	struct pvt_exit x = { .known = true };

	if (WIFSIGNALED(wstatus)) {
		x.signal = WTERMSIG(wstatus);
		x.core = WCOREDUMP(wstatus);
	} else {
		x.code = WEXITSTATUS(wstatus);
	}
	return x;
}

/*
 * The origin of the report's times: the command's first sight (BPF times are
 * on the scheduler's clock), or the earliest task's when the root is unseen.
 */
static uint64_t origin_ns(const struct pvt_table *tb)
{
	uint64_t t0 = 0;

	for (size_t i = 0; i < tb->n; i++) {
		const struct pvt_task *t = &tb->recs[i].t;

		if (t->flags & PVT_F_ROOT)
			return t->first_ns;
		if (!t0 || t->first_ns < t0)
			t0 = t->first_ns;
	}
	/* the root is never folded; the earliest task may have been */
	if (tb->fold && tb->fold->first_ns && (!t0 || tb->fold->first_ns < t0))
		t0 = tb->fold->first_ns;
	return t0;
}

/* The task's most frequent waker, or NULL (the first slot on ties). */
static const struct pvt_waker *top_waker(const struct pvt_task *t)
{
	const struct pvt_waker *best = NULL;

	for (int i = 0; i < PVT_WAKERS; i++)
		if (t->wakers[i].count && (!best || t->wakers[i].count > best->count))
			best = &t->wakers[i];
	return best;
}

const char *pvt_cost_missing_code(enum pvt_cost_missing w)
{
	static const char *const codes[PVT_COST__MAX] = {
		[PVT_COST_HOOKS_NEVER] = "syscall_costs_never",
		[PVT_COST_HOOKS_DETACHED] = "hooks_detached",
		[PVT_COST_RETURN_UNSEEN] = "return_not_seen", [PVT_COST_NO_SYSCALL] = "no_syscall",
	};

	return (unsigned)w < PVT_COST__MAX ? codes[w] : NULL;
}

/* Why a born task's creating syscall was not timed (its syscall_ns is 0). */
static enum pvt_cost_missing cost_missing(const struct pvt_collected *in, const struct pvt_rec *rec)
{
	const struct pvt_task *t = &rec->t;

	if (!(t->flags & PVT_F_BORN) || rec->cost.syscall_ns)
		return PVT_COST_TIMED;
	if (in->hooks.mode == PVT_SYS_NEVER)
		return PVT_COST_HOOKS_NEVER;
	if (t->flags & PVT_F_IN_CREATE)
		return PVT_COST_RETURN_UNSEEN;
	return t->create_nr ? PVT_COST_HOOKS_DETACHED : PVT_COST_NO_SYSCALL;
}

static void build_task(struct pvt_model *m, struct pvt_model_task *x, const struct pvt_rec *rec)
{
	const struct pvt_collected *in = m->in;
	const struct pvt_task *t = &rec->t;
	struct hist h = {};

	x->rec = rec;
	hist_add_u32(&h, t->runq_hist);
	x->runq = runq_stats(t->runq_count, t->runq_total_ns, t->runq_max_ns, &h);
	x->blocked_ns = pvt_blocked_ns(t);
	x->start_ns = rel(t->first_ns, m->t0_ns);
	x->end_ns = rec->alive ? 0 : rel(t->end_ns, m->t0_ns);
	x->lifetime_ns = pvt_lifetime_ns(rec);
	x->first_run_ns = t->first_in_ns ? t->first_in_ns - t->first_ns : 0;
	x->top_waker = top_waker(t);
	x->top_waker_same = x->top_waker && pvt_waker_same_process(t, x->top_waker);
	x->cost = model_switch_cost(in->cal, t->sw_in, t->sw_as_change);
	x->create_oncpu_ns = pvt_create_oncpu_ns(&rec->cost);
	memory_task(in->mt, &in->slab, t, &x->mem);
	x->reserved_missing = x->mem.stack_reserved ? PVT_MISS_NONE : PVT_MISS_NOT_FOUND;
	x->resident_missing = memory_stack_missing(in->mt, in->interval_ms, t, !rec->alive,
						   x->lifetime_ns);
	x->cost_missing = cost_missing(in, rec);
	x->cgroup = in->cgroup_path && t->cgroup_id ? in->cgroup_path(in->cgroup_ctx, t->cgroup_id) : NULL;
}

void model_task_sums(const struct pvt_model_task *x, struct pvt_sums *out)
{
	const struct pvt_task *t = &x->rec->t;

	*out = (struct pvt_sums){
		.tasks = 1, .vol = t->sw_vol, .invol = t->sw_invol, .in = t->sw_in,
		.in_unseen = t->sw_in_unseen, .as_change = t->sw_as_change, .oncpu_ns = t->oncpu_ns,
	};
	memcpy(out->from, t->sw_from, sizeof(out->from));
	memcpy(out->out_state, t->sw_out_state, sizeof(out->out_state));
}

static void build_proc(struct pvt_model *m, struct pvt_model_proc *x, size_t k)
{
	const struct pvt_collected *in = m->in;
	const struct pvt_table *tb = m->tb;
	const struct pvt_proc *p = &tb->procs[k];
	const struct pvt_sums *s = &p->sums;

	x->p = p;
	x->runq = runq_stats(s->runq_count, s->runq_total_ns, s->runq_max_ns, &s->runq_hist);
	x->cost = model_switch_cost(in->cal, s->in, s->as_change);
	x->start_ns = rel(p->first_ns, m->t0_ns);
	x->end_ns = p->alive ? 0 : rel(p->end_ns, m->t0_ns);
	for (size_t i = 0; i < tb->n && p->origin_tid; i++)
		if (tb->recs[i].proc == k && tb->recs[i].t.tid == p->origin_tid)
			x->origin = &tb->recs[i].t;
	x->mem = memtab_find_bpf(in->mt, p->pid, p->leader_start_time);
	x->smaps = memtab_find_smaps(in->mt, p->pid, p->leader_start_time);
	x->smaps_missing = memory_smaps_missing(in->mt, in->interval_ms, p->pid, p->leader_start_time,
						!p->alive, x->end_ns > x->start_ns ?
							   x->end_ns - x->start_ns : 0);
	if (!x->mem)
		/* (with --interval 0, BPF still samples at creation, exec and exit: not at a pass) */
		x->mem_missing = in->counters[PVT_C_PROCMAP_FULL] ? PVT_MISS_MAP_FULL :
				 !in->interval_ms && p->alive ? PVT_MISS_INTERVAL_OFF :
				 PVT_MISS_NOT_SAMPLED;
	if (x->mem) {
		x->rss_peak = x->mem->rss_peak;
		x->kernel_bytes = in->slab.task_struct + p->leader_kstack +
				  memory_proc_kernel_bytes(&in->slab, x->mem);
	}
}

static void build_sums(struct pvt_model *m, struct pvt_model_sums *x, const struct pvt_sums *s)
{
	x->s = s;
	x->runq = runq_stats(s->runq_count, s->runq_total_ns, s->runq_max_ns, &s->runq_hist);
	x->cost = model_switch_cost(m->in->cal, s->in, s->as_change);
	x->oncpu_per_in_ns = s->in ? s->oncpu_ns / s->in : 0;
}

/* Switch-ins by what ran before: same mm for a thread of the same process, another for another. */
static void build_classes(struct pvt_model *m)
{
	const struct pvt_table *tb = m->tb;

	m->switch_ins = tb->threads.in + tb->processes.in;
	for (int i = 0; i < PVT_FROM__MAX; i++) {
		const struct pvt_class_sum *c = &m->in->runq_from[i];
		struct pvt_model_class *x = &m->classes[i];

		x->switch_ins = tb->threads.from[i] + tb->processes.from[i];
		x->share = m->switch_ins ? (double)x->switch_ins / (double)m->switch_ins : 0;
		x->runq = runq_stats(c->count, c->total_ns, c->max_ns, &c->h);
		x->cost = model_switch_cost(m->in->cal, x->switch_ins,
					    i == PVT_FROM_OTHER_PROCESS ? x->switch_ins : 0);
	}
}

static void build_creation(struct pvt_model *m)
{
	const struct pvt_table *tb = m->tb;
	const struct pvt_create_sums *t = &tb->create_threads, *p = &tb->create_procs;
	uint64_t d = m->in->duration_ns;

	m->create_threads = (struct pvt_model_creation){
		.c = t, .share_of_wall_time = d ? (double)t->syscall.sum_ns / (double)d : 0,
	};
	m->create_procs = (struct pvt_model_creation){
		.c = p, .share_of_wall_time = d ? (double)p->syscall.sum_ns / (double)d : 0,
	};
	m->creations_timed = t->in_syscall + p->in_syscall;
	m->creations_untimed = t->not_timed + p->not_timed;
	if (t->oncpu.count && p->oncpu.count && t->oncpu.p50_ns)
		m->create_process_to_thread = (double)p->oncpu.p50_ns / (double)t->oncpu.p50_ns;
}

static void build_memory(struct pvt_model *m)
{
	const struct pvt_mem_summary *s = &m->mem;

	memory_summary(m->tb, m->in->mt, &m->in->slab, &m->mem);
	if (s->thread_bytes && s->process_bytes)
		m->mem_process_to_thread = (double)s->process_bytes / (double)s->thread_bytes;
	m->mem_ratio_sampled = s->threads_resident && s->processes_private;
}

static void build_progs(struct pvt_model *m)
{
	const struct pvt_collected *in = m->in;

	for (size_t i = 0; in->progs && i < in->nprogs; i++) {
		m->progs.runs += in->progs[i].run_count;
		m->progs.run_time_ns += in->progs[i].run_time_ns;
	}
	m->progs.cpu_share = in->duration_ns ?
			     (double)m->progs.run_time_ns / (double)in->duration_ns : 0;
}

/* ---- orders ---- */

/* The model being sorted, for the qsort comparators (reports are single-threaded). */
static const struct pvt_model *sort_m;

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a != b ? (a > b ? -1 : 1) : 0;
}

/* Born tasks by creation cost on the CPU, then syscall time, descending; tid ascending on ties. */
static int by_cost(const void *a, const void *b)
{
	const struct pvt_model_task *x = &sort_m->tasks[*(const size_t *)a];
	const struct pvt_model_task *y = &sort_m->tasks[*(const size_t *)b];
	int c = cmp_u64_desc(x->create_oncpu_ns, y->create_oncpu_ns);

	if (!c)
		c = cmp_u64_desc(x->rec->cost.syscall_ns, y->rec->cost.syscall_ns);
	return c ? c : (x->rec->t.tid > y->rec->t.tid) - (x->rec->t.tid < y->rec->t.tid);
}

/* Processes by peak RSS descending (none: 0); pid ascending on ties. */
static int by_rss_peak(const void *a, const void *b)
{
	const struct pvt_model_proc *x = &sort_m->procs[*(const size_t *)a];
	const struct pvt_model_proc *y = &sort_m->procs[*(const size_t *)b];
	int c = cmp_u64_desc(x->rss_peak, y->rss_peak);

	return c ? c : (x->p->pid > y->p->pid) - (x->p->pid < y->p->pid);
}

static uint64_t stack_resident(const struct pvt_model_task *x)
{
	return x->mem.resident_known ? x->mem.stack_resident : 0;
}

/* Tasks by resident stack descending (unknown: 0); tid ascending on ties. */
static int by_stack(const void *a, const void *b)
{
	const struct pvt_model_task *x = &sort_m->tasks[*(const size_t *)a];
	const struct pvt_model_task *y = &sort_m->tasks[*(const size_t *)b];
	int c = cmp_u64_desc(stack_resident(x), stack_resident(y));

	return c ? c : (x->rec->t.tid > y->rec->t.tid) - (x->rec->t.tid < y->rec->t.tid);
}

/* Folded names by tasks descending; name ascending on ties. */
static int by_folded_tasks(const void *a, const void *b)
{
	const struct pvt_fold_name *x = &sort_m->tb->fold->names[*(const size_t *)a];
	const struct pvt_fold_name *y = &sort_m->tb->fold->names[*(const size_t *)b];
	int c = cmp_u64_desc(x->tasks, y->tasks);

	return c ? c : strncmp(x->comm, y->comm, sizeof(x->comm));
}

static size_t *identity(size_t n)
{
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx));

	for (size_t i = 0; idx && i < n; i++)
		idx[i] = i;
	return idx;
}

static int build_orders(struct pvt_model *m)
{
	const struct pvt_table *tb = m->tb;

	m->tasks_by_switches = table_sorted_by_switches(tb);
	m->procs_by_switches = table_procs_by_switches(tb);
	m->created_by_cost = malloc((tb->n ? tb->n : 1) * sizeof(size_t));
	m->procs_by_rss_peak = identity(tb->nprocs);
	m->tasks_by_stack = identity(tb->n);
	m->nfolded_names = tb->fold ? tb->fold->nnames : 0;
	m->folded_names = identity(m->nfolded_names);
	if (!m->tasks_by_switches || !m->procs_by_switches || !m->created_by_cost ||
	    !m->procs_by_rss_peak || !m->tasks_by_stack || !m->folded_names)
		return -ENOMEM;
	for (size_t i = 0; i < tb->n; i++)
		if (tb->recs[i].t.flags & PVT_F_BORN)
			m->created_by_cost[m->ncreated++] = i;
	sort_m = m;
	qsort(m->created_by_cost, m->ncreated, sizeof(size_t), by_cost);
	qsort(m->procs_by_rss_peak, tb->nprocs, sizeof(size_t), by_rss_peak);
	qsort(m->tasks_by_stack, tb->n, sizeof(size_t), by_stack);
	qsort(m->folded_names, m->nfolded_names, sizeof(size_t), by_folded_tasks);
	sort_m = NULL;
	return 0;
}

/* Tasks created, tracked or not; the untracked ones still alive. */
static void build_untracked(struct pvt_model *m, const uint64_t c[PVT_C__MAX])
{
	/* An unmarked task's exit is not seen: left out, not counted alive. */
	uint64_t not_alive = c[PVT_C_UNTRACKED_EXITED] + c[PVT_C_UNTRACKED_UNMARKED];

	m->untracked = pvt_untracked_tasks(c);
	m->tasks_created = c[PVT_C_TASKS_BORN] + m->untracked;
	m->untracked_alive = m->untracked > not_alive ? m->untracked - not_alive : 0;
}

const char *pvt_end_reason_name(enum pvt_end_reason r)
{
	static const char *const names[] = {
		[PVT_END_COMMAND] = "command exited", [PVT_END_SIGNAL] = "interrupted",
		[PVT_END_DURATION] = "duration", [PVT_END_TARGETS_GONE] = "targets exited",
		[PVT_END_CGROUP_EMPTY] = "cgroup empty",
	};

	return (size_t)r < sizeof(names) / sizeof(names[0]) && names[r] ? names[r] : "unknown";
}

static int by_cgroup_id(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	uint64_t x = sort_m->tasks[i].rec->t.cgroup_id, y = sort_m->tasks[j].rec->t.cgroup_id;

	/* then in table order (processes together) */
	return x != y ? (x < y ? -1 : 1) : (i > j) - (i < j);
}

static int by_cgroup_switches(const void *a, const void *b)
{
	const struct pvt_model_cgroup *x = a, *y = b;

	return cmp_u64_desc(x->threads.in + x->procs.in, y->threads.in + y->procs.in);
}

/* Per-cgroup sums of the held tasks (docs/METRICS.md, "By cgroup"). */
static int build_cgroups(struct pvt_model *m)
{
	size_t n = m->tb->n, *ord = identity(n), i = 0;

	m->cgroups = calloc(n ? n : 1, sizeof(*m->cgroups));
	if (!ord || !m->cgroups) {
		free(ord);
		return -ENOMEM;
	}
	sort_m = m;
	qsort(ord, n, sizeof(*ord), by_cgroup_id);
	sort_m = NULL;
	while (i < n) {
		struct pvt_model_cgroup *g = &m->cgroups[m->ncgroups++];
		const struct pvt_model_task *x = &m->tasks[ord[i]];
		struct hist h = {};
		uint64_t last_pid = 0, last_lst = 0;

		g->id = x->rec->t.cgroup_id;
		g->path = x->cgroup;
		for (; i < n && m->tasks[ord[i]].rec->t.cgroup_id == g->id; i++) {
			const struct pvt_task *t = &m->tasks[ord[i]].rec->t;

			pvt_sums_add(pvt_is_thread(t) ? &g->threads : &g->procs, t);
			hist_add_u32(&h, t->runq_hist);
			/* tasks sorted by id only: count a process once per run of its tasks */
			if (t->pid != last_pid || t->leader_start_time != last_lst)
				g->processes++;
			last_pid = t->pid;
			last_lst = t->leader_start_time;
		}
		g->runq = runq_stats(g->threads.runq_count + g->procs.runq_count,
				     g->threads.runq_total_ns + g->procs.runq_total_ns,
				     g->threads.runq_max_ns > g->procs.runq_max_ns ? g->threads.runq_max_ns :
										    g->procs.runq_max_ns,
				     &h);
	}
	free(ord);
	qsort(m->cgroups, m->ncgroups, sizeof(*m->cgroups), by_cgroup_switches);
	return 0;
}

int model_build(struct pvt_model *m, const struct pvt_collected *in)
{
	const struct pvt_table *tb = in->tb;

	memset(m, 0, sizeof(*m));
	m->in = in;
	m->tb = tb;
	if (!tb->finished && table_finish(in->tb))
		return -ENOMEM;
	m->t0_ns = origin_ns(tb);
	m->root_exit = root_exit(in->root_wstatus);
	m->lost_events = pvt_lost_events(in->counters);
	build_untracked(m, in->counters);
	m->tasks = calloc(tb->n ? tb->n : 1, sizeof(*m->tasks));
	m->procs = calloc(tb->nprocs ? tb->nprocs : 1, sizeof(*m->procs));
	if (!m->tasks || !m->procs)
		return -ENOMEM;
	for (size_t i = 0; i < tb->n; i++)
		build_task(m, &m->tasks[i], &tb->recs[i]);
	for (size_t k = 0; k < tb->nprocs; k++)
		build_proc(m, &m->procs[k], k);
	build_sums(m, &m->threads, &tb->threads);
	build_sums(m, &m->processes, &tb->processes);
	build_classes(m);
	build_creation(m);
	build_memory(m);
	build_progs(m);
	if (build_cgroups(m))
		return -ENOMEM;
	return build_orders(m);
}

void model_free(struct pvt_model *m)
{
	free(m->tasks);
	free(m->procs);
	free(m->tasks_by_switches);
	free(m->procs_by_switches);
	free(m->created_by_cost);
	free(m->procs_by_rss_peak);
	free(m->tasks_by_stack);
	free(m->folded_names);
	free(m->cgroups);
	memset(m, 0, sizeof(*m));
}
