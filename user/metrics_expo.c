// SPDX-License-Identifier: GPL-2.0
/*
 * metrics_expo.c - the metric families of `pvtrace serve` (metrics_expo.h):
 * per series (context switches, switch-ins, address-space changes, the
 * run-queue histogram, CPU time, creations, tasks, memory), then pvtrace's
 * own health (lost events, BPF run time, series, snapshots, build).
 */
#include <string.h>
#include "metrics_expo.h"
#include "version.h" /* PVTRACE_VERSION: .output/version.h, made by the Makefile */

#define NLABELS (MET_L__MAX + 1) /* the series' labels and the family's own */

typedef void (*series_fn)(struct om_buf *b, enum om_format f, const struct om_family *fam,
			  const struct met_series *s, struct om_label *l, size_t n);

/* The series' labels into @l; returns how many (room for one more is left). */
static size_t series_labels(const struct met_series *s, struct om_label *l)
{
	size_t n = 0;

	for (int i = 0; i < MET_L__MAX; i++)
		if (s->label[i])
			l[n++] = (struct om_label){ met_label_names[i], s->label[i] };
	return n;
}

/* One sample per value of the family's own label. */
static void labelled(struct om_buf *b, enum om_format f, const struct om_family *fam,
		     struct om_label *l, size_t n, const char *name, const char *const *values,
		     const uint64_t *v, size_t nv)
{
	for (size_t i = 0; i < nv; i++) {
		l[n] = (struct om_label){ name, values[i] };
		om_sample_u64(b, f, fam, l, n + 1, v[i]);
	}
}

static void w_switches(struct om_buf *b, enum om_format f, const struct om_family *fam,
		       const struct met_series *s, struct om_label *l, size_t n)
{
	static const char *const kind[] = { "voluntary", "involuntary" };
	uint64_t v[] = { s->c.vol, s->c.invol };

	labelled(b, f, fam, l, n, "kind", kind, v, 2);
}

static void w_switch_ins(struct om_buf *b, enum om_format f, const struct om_family *fam,
			 const struct met_series *s, struct om_label *l, size_t n)
{
	static const char *const from[] = { "same_process", "other_process", "idle", "kernel",
					    "unknown" };
	uint64_t v[] = { s->c.from[PVT_FROM_SAME_PROCESS], s->c.from[PVT_FROM_OTHER_PROCESS],
			 s->c.from[PVT_FROM_IDLE], s->c.from[PVT_FROM_KERNEL], s->c.in_unseen };

	labelled(b, f, fam, l, n, "from", from, v, 5);
}

static void w_as_changes(struct om_buf *b, enum om_format f, const struct om_family *fam,
			 const struct met_series *s, struct om_label *l, size_t n)
{
	om_sample_u64(b, f, fam, l, n, s->c.as_change);
}

static void w_runq(struct om_buf *b, enum om_format f, const struct om_family *fam,
		   const struct met_series *s, struct om_label *l, size_t n)
{
	uint64_t le[MET_RUNQ_BOUNDS];

	for (unsigned i = 0; i < MET_RUNQ_BOUNDS; i++)
		le[i] = met_runq_le_ns(i);
	om_histogram(b, f, fam, l, n, le, MET_RUNQ_BOUNDS, s->c.runq, s->c.runq_ns);
}

static void w_cpu(struct om_buf *b, enum om_format f, const struct om_family *fam,
		  const struct met_series *s, struct om_label *l, size_t n)
{
	om_sample_ns(b, f, fam, l, n, s->c.oncpu_ns);
}

static void w_creations(struct om_buf *b, enum om_format f, const struct om_family *fam,
			const struct met_series *s, struct om_label *l, size_t n)
{
	static const char *const how[] = { "thread", "process" };

	labelled(b, f, fam, l, n, "how", how, s->created, 2);
}

static void w_tasks(struct om_buf *b, enum om_format f, const struct om_family *fam,
		    const struct met_series *s, struct om_label *l, size_t n)
{
	static const char *const kind[] = { "thread", "process" };
	uint64_t v[] = { s->tasks[0], s->tasks[1] };

	labelled(b, f, fam, l, n, "kind", kind, v, 2);
}

static void w_memory(struct om_buf *b, enum om_format f, const struct om_family *fam,
		     const struct met_series *s, struct om_label *l, size_t n)
{
	static const char *const type[MET_MEM__MAX] = {
		[MET_MEM_RESIDENT] = "resident", [MET_MEM_ANON] = "anon", [MET_MEM_FILE] = "file",
		[MET_MEM_SHMEM] = "shmem", [MET_MEM_SWAP] = "swap", [MET_MEM_VIRTUAL] = "virtual",
		[MET_MEM_PAGE_TABLES] = "page_tables",
	};

	if (s->has_mem)
		labelled(b, f, fam, l, n, "type", type, s->mem, MET_MEM__MAX);
}

static const struct {
	struct om_family fam;
	series_fn write;
} series_families[] = {
	{ { "pvtrace_context_switches", OM_COUNTER, NULL,
	    "Switch-outs of the tasks: voluntary (the task blocked) or involuntary (preempted)." },
	  w_switches },
	{ { "pvtrace_switch_ins", OM_COUNTER, NULL,
	    "Switch-ins of the tasks, by what ran before on that CPU (unknown: a switch-in "
	    "without a sched_switch event)." },
	  w_switch_ins },
	{ { "pvtrace_address_space_changes", OM_COUNTER, NULL,
	    "Switch-ins of the tasks that loaded another address space." },
	  w_as_changes },
	{ { "pvtrace_runqueue_wait_seconds", OM_HISTOGRAM, "seconds",
	    "Run-queue waits of the tasks (wakeup or preemption to switch-in), each ended by a "
	    "switch-in." },
	  w_runq },
	{ { "pvtrace_cpu_seconds", OM_COUNTER, "seconds",
	    "Time the tasks ran on a CPU, added at each switch-out." },
	  w_cpu },
	{ { "pvtrace_task_creations", OM_COUNTER, NULL,
	    "Tasks created by the tasks: threads (CLONE_THREAD) or processes." },
	  w_creations },
	{ { "pvtrace_tasks", OM_GAUGE, NULL,
	    "Tasks alive: threads (tid != pid) and processes (thread-group leaders)." },
	  w_tasks },
	{ { "pvtrace_memory_bytes", OM_GAUGE, "bytes",
	    "Memory of the processes, from /proc/PID/status (resident = anon + file + shmem)." },
	  w_memory },
};

/* The `other` series: what the gone folded series counted, and the folded ones now. */
static void other_sum(const struct metrics *m, struct met_series *o)
{
	*o = m->other;
	for (size_t i = 0; i < m->nseries; i++) {
		const struct met_series *s = &m->series[i];
		uint64_t *d = (uint64_t *)&o->c;
		const uint64_t *c = (const uint64_t *)&s->c;

		if (!s->folded)
			continue;
		for (size_t k = 0; k < sizeof(s->c) / sizeof(uint64_t); k++)
			d[k] += c[k];
		for (int k = 0; k < 2; k++) {
			o->created[k] += s->created[k];
			o->tasks[k] += s->tasks[k];
		}
		for (int k = 0; k < MET_MEM__MAX; k++)
			o->mem[k] += s->mem[k];
		o->has_mem |= s->has_mem;
	}
}

static void write_series_families(struct om_buf *b, enum om_format f, const struct metrics *m)
{
	struct met_series other;
	struct om_label l[NLABELS];

	if (m->other_used)
		other_sum(m, &other);
	for (size_t k = 0; k < sizeof(series_families) / sizeof(series_families[0]); k++) {
		const struct om_family *fam = &series_families[k].fam;

		om_family(b, f, fam);
		for (size_t i = 0; i < m->nseries; i++)
			if (!m->series[i].folded)
				series_families[k].write(b, f, fam, &m->series[i], l,
							 series_labels(&m->series[i], l));
		if (m->other_used)
			series_families[k].write(b, f, fam, &other, l, series_labels(&other, l));
	}
}

/* ---- pvtrace's own health ---- */

static void write_lost(struct om_buf *b, enum om_format f, const struct expo_health *h)
{
	static const struct om_family fam = { "pvtrace_lost_events", OM_COUNTER, NULL,
		"What pvtrace could not count, by reason (docs/METRICS.md)." };
	static const char *const reason[] = { "ring_buffer_full", "final_record_lost",
		"task_map_full", "untracked_descendant", "process_map_full", "out_of_memory" };
	const uint64_t *c = h->counters;
	struct om_label l[1];
	uint64_t v[6] = { [5] = h->userspace_lost };

	if (c) {
		v[0] = c[PVT_C_RB_LOST_EXIT] + c[PVT_C_RB_LOST_CREATE] + c[PVT_C_RB_LOST_EXEC] +
		       c[PVT_C_RB_LOST_RENAME];
		v[1] = c[PVT_C_TASKS_LOST];
		v[2] = c[PVT_C_TASKMAP_FULL] + c[PVT_C_ATTACH_FULL];
		v[3] = c[PVT_C_UNTRACKED_DESC];
		v[4] = c[PVT_C_PROCMAP_FULL];
	}
	om_family(b, f, &fam);
	labelled(b, f, &fam, l, 0, "reason", reason, v, 6);
}

static void write_progs(struct om_buf *b, enum om_format f, const struct expo_health *h)
{
	static const struct om_family run_time = { "pvtrace_bpf_run_time_seconds", OM_COUNTER,
		"seconds", "Time pvtrace's BPF programs ran (kernel.bpf_stats_enabled, --bpf-stats)." };
	static const struct om_family runs = { "pvtrace_bpf_runs", OM_COUNTER, NULL,
		"Runs of pvtrace's BPF programs (kernel.bpf_stats_enabled, --bpf-stats)." };
	struct om_label l[1];

	if (!h->progs)
		return;
	om_family(b, f, &run_time);
	for (size_t i = 0; i < h->nprogs; i++) {
		l[0] = (struct om_label){ "program", h->progs[i].name };
		om_sample_ns(b, f, &run_time, l, 1, h->progs[i].run_ns);
	}
	om_family(b, f, &runs);
	for (size_t i = 0; i < h->nprogs; i++) {
		l[0] = (struct om_label){ "program", h->progs[i].name };
		om_sample_u64(b, f, &runs, l, 1, h->progs[i].runs);
	}
}

static void gauge(struct om_buf *b, enum om_format f, const struct om_family *fam, uint64_t v)
{
	om_family(b, f, fam);
	om_sample_u64(b, f, fam, NULL, 0, v);
}

static void write_self(struct om_buf *b, enum om_format f, const struct metrics *m,
		       const struct expo_health *h)
{
	static const struct om_family tracked = { "pvtrace_tracked_tasks", OM_GAUGE, NULL,
		"Tasks in pvtrace's task map at the snapshot." };
	static const struct om_family series = { "pvtrace_series", OM_GAUGE, NULL,
		"Series exported one by one (at most --max-series; the rest are summed in other)." };
	static const struct om_family folded = { "pvtrace_series_overflow", OM_COUNTER, NULL,
		"Series summed in the series other, beyond --max-series." };
	static const struct om_family snaps = { "pvtrace_snapshots", OM_COUNTER, NULL,
		"Snapshots of the task map taken (one per scrape, and every --interval)." };
	static const struct om_family snap_s = { "pvtrace_snapshot_duration_seconds", OM_GAUGE,
		"seconds", "How long the last snapshot took: the task map read, the series updated." };
	static const struct om_family build = { "pvtrace_build", OM_INFO, NULL,
		"pvtrace's version." };
	struct om_label l[1] = { { "version", PVTRACE_VERSION } };

	gauge(b, f, &tracked, m->tasks_alive);
	gauge(b, f, &series, m->nexported);
	om_family(b, f, &folded);
	om_sample_u64(b, f, &folded, NULL, 0, m->folded_total);
	om_family(b, f, &snaps);
	om_sample_u64(b, f, &snaps, NULL, 0, h->snapshots);
	om_family(b, f, &snap_s);
	om_sample_ns(b, f, &snap_s, NULL, 0, h->snapshot_ns);
	om_family(b, f, &build);
	om_sample_u64(b, f, &build, l, 1, 1);
}

void metrics_expo_write(struct om_buf *b, enum om_format f, const struct metrics *m,
			const struct expo_health *h)
{
	write_series_families(b, f, m);
	write_lost(b, f, h);
	write_progs(b, f, h);
	write_self(b, f, m, h);
	om_finish(b, f);
}
