// SPDX-License-Identifier: GPL-2.0
/*
 * report_text.c - the report for people: a header, a per-process table, a
 * per-TID table sorted by switches, and threads versus processes.
 * Fits 100 columns.  Names are escaped: no control character reaches a terminal.
 * A cell with no figure shows "-" or "?", and each reason is said once under its
 * table (lib/legend.h; docs/METRICS.md, "Missing figures").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include "common.h"
#include "creation.h"
#include "escape.h"
#include "legend.h"
#include "report.h"
#include "version.h" /* PVTRACE_VERSION: .output/version.h, made by the Makefile */

/*
 * A memory figure's placeholder, counted in @lg: "-" or "?" and the reason (model.h,
 * memory.h), or @as (not NULL) whatever the reason.
 */
static const char *mem_mark_as(struct pvt_legend *lg, const struct pvt_model *m,
			       enum pvt_mem_missing w, const char *as, const char *cols,
			       const char *one, const char *many, const struct pvt_mem_seen *seen)
{
	unsigned iv = m->in->interval_ms;
	const char *dash = as ? as : "-", *qm = as ? as : "?";

	switch (w) {
	case PVT_MISS_INTERVAL_OFF:
		return pvt_legend_note(lg, dash, cols, one, many, "not sampled: --interval 0");
	case PVT_MISS_SHORT_LIVED:
		return pvt_legend_note(lg, dash, cols, one, many,
				       "lived shorter than the %u ms sampling interval", iv);
	case PVT_MISS_NO_PASS:
		return pvt_legend_note(lg, dash, cols, one, many,
				       "no sampling pass (every %u ms) while it lived", iv);
	case PVT_MISS_SKIPPED:
		return pvt_legend_note(lg, dash, cols, one, many,
				       "only at passes that read nothing (no RSS had moved)");
	case PVT_MISS_GONE:
		return pvt_legend_note(lg, dash, cols, one, many,
				       "exited between a pass's listing and its /proc read");
	case PVT_MISS_UNREADABLE:
		if (seen && seen->error)
			return pvt_legend_note(lg, qm, cols, one, many, "/proc/PID/smaps_rollup not "
					       "readable: %s", strerror(seen->error));
		return pvt_legend_note(lg, qm, cols, one, many, "/proc/PID/pagemap not readable");
	case PVT_MISS_NOT_FOUND:
		return pvt_legend_note(lg, qm, cols, one, many,
				       "stack mapping not found (bpf_find_vma failed)");
	case PVT_MISS_MAP_FULL:
		return pvt_legend_note(lg, qm, cols, one, many,
				       "no memory record: process map full (raise --max-tasks)");
	case PVT_MISS_NOT_SAMPLED:
	default:
		return pvt_legend_note(lg, qm, cols, one, many, "never sampled");
	}
}

static const char *mem_mark(struct pvt_legend *lg, const struct pvt_model *m,
			    enum pvt_mem_missing w, const char *cols, const char *one,
			    const char *many, const struct pvt_mem_seen *seen)
{
	return mem_mark_as(lg, m, w, NULL, cols, one, many, seen);
}

static const char *fmt_exit(char *buf, size_t sz, const struct pvt_exit *e, bool alive)
{
	if (alive || !e->known)
		snprintf(buf, sz, "%s", alive ? "alive" : "?");
	else if (e->signal)
		snprintf(buf, sz, "sig%d%s", e->signal, e->core ? "+c" : "");
	else
		snprintf(buf, sz, "%d", e->code);
	return buf;
}

/* comm escaped and cut to @width columns (escapes are ASCII: one byte, one column) */
static const char *fmt_comm(char *buf, size_t sz, const char *comm, size_t width)
{
	size_t len = strnlen(comm, PVT_COMM_LEN);

	term_escape(buf, sz, comm, len);
	if (term_width(buf) > width)
		term_escape(buf, width + 1 < sz ? width + 1 : sz, comm, len);
	return buf;
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

/* The command line, escaped, cut to @width columns with "..." (escapes are ASCII). */
static void fmt_command(char *buf, size_t sz, char *const *argv, size_t width)
{
	size_t off = 0;

	buf[0] = '\0';
	for (char *const *a = argv; *a; a++) {
		char esc[TERM_ESCAPE_BUFSZ(256)];
		size_t len = strlen(*a);

		term_escape(esc, sizeof(esc), *a, len > 256 ? 256 : len);
		off += snprintf(buf + off, sz - off, "%s%s", a == argv ? "" : " ", esc);
		if (off >= sz - 1)
			break;
	}
	if (term_width(buf) > width) {
		/* Cut at a character boundary: re-escape into a shorter buffer. */
		size_t keep = width - 3, w = 0, i = 0;

		while (buf[i] && w < keep) {
			uint32_t cp;
			size_t n = utf8_decode(buf + i, strlen(buf + i), &cp);

			i += n ? n : 1;
			w++;
		}
		strcpy(buf + i, "...");
	}
}

/* The calibration's date (YYYY-MM-DD), escaped: the file is data, not trusted text. */
static const char *cal_date(char *buf, size_t sz, const struct pvt_calibration *c)
{
	term_escape(buf, sz, c->created, strnlen(c->created, 10));
	return buf;
}

/* Tasks the tree created that pvtrace could not track (docs/METRICS.md, tasks_created). */
static void untracked_warning(FILE *f, const struct pvt_model *m)
{
	const uint64_t *c = m->in->counters;

	fprintf(f, "  WARNING: %llu task(s) not tracked, task map full, and their %llu descendant(s)\n",
		(unsigned long long)c[PVT_C_TASKMAP_FULL], (unsigned long long)c[PVT_C_UNTRACKED_DESC]);
	fprintf(f, "  (raise --max-tasks: %llu tasks created, %llu tracked, %llu untracked, %llu still "
		   "alive)\n", (unsigned long long)m->tasks_created,
		(unsigned long long)c[PVT_C_TASKS_BORN], (unsigned long long)m->untracked,
		(unsigned long long)m->untracked_alive);
	if (c[PVT_C_UNTRACKED_UNMARKED])
		fprintf(f, "  WARNING: %llu untracked task(s) could not be marked: their descendants "
			   "are not counted\n", (unsigned long long)c[PVT_C_UNTRACKED_UNMARKED]);
}

/* What --keep-tasks folded, and what running out of memory cost (fold.h). */
static void folded_line(FILE *f, const struct pvt_fold *x)
{
	if (x && x->tasks)
		fprintf(f, "  folded beyond --keep-tasks %zu: %llu ended tasks, %llu processes (FOLDED)\n",
			x->keep, (unsigned long long)x->tasks, (unsigned long long)x->processes);
	if (x && (x->records_lost || x->oom_folds))
		fprintf(f, "  WARNING: out of memory %llu time(s): more folded; %llu record(s) lost\n",
			(unsigned long long)x->oom_folds, (unsigned long long)x->records_lost);
}

/* ", N folded" when some were */
static const char *fmt_folded(char *buf, size_t sz, uint64_t n)
{
	if (n)
		snprintf(buf, sz, "; %llu folded", (unsigned long long)n);
	else
		buf[0] = '\0';
	return buf;
}

/* attach: what was traced, from when, until what. */
static void attach_header(FILE *f, const struct pvt_model *m)
{
	const struct pvt_collected *r = m->in;
	const struct pvt_table *tb = m->tb;
	char b1[32], when[64], who[256];
	time_t secs = (time_t)(r->attached_at_ns / 1000000000ull);
	struct tm tm;
	size_t len = 0;

	if (r->target_cgroup) {
		snprintf(who, sizeof(who), "cgroup %.200s", r->target_cgroup);
	} else {
		len = (size_t)snprintf(who, sizeof(who), "process%s", r->ntarget_pids > 1 ? "es" : "");
		for (size_t i = 0; i < r->ntarget_pids && len < sizeof(who) - 16; i++)
			len += (size_t)snprintf(who + len, sizeof(who) - len, "%s %u", i ? "," : "",
						r->target_pids[i]);
	}
	if (!localtime_r(&secs, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(when, sizeof(when), "%lld s after the epoch", (long long)secs);
	fprintf(f, "pvtrace %s: attached to %s\n", PVTRACE_VERSION, who);
	fprintf(f, "  from %s for %s (ended: %s), %llu tasks in %llu processes (%zu still alive,"
		   " %llu there before the attach)\n", when, pvt_fmt_ns(b1, sizeof(b1), r->duration_ns),
		pvt_end_reason_name(r->end_reason), (unsigned long long)table_tasks(tb),
		(unsigned long long)table_processes(tb), tb->alive,
		(unsigned long long)(r->counters[PVT_C_ATTACHED] + r->counters[PVT_C_JOINED]));
}

static void header(FILE *f, const struct pvt_model *m)
{
	const struct pvt_collected *r = m->in;
	const struct pvt_table *tb = m->tb;
	char b1[32], cmd[1024];

	if (r->mode == PVT_MODE_ATTACH) {
		attach_header(f, m);
	} else {
		fmt_command(cmd, sizeof(cmd), r->argv,
			    100 - strlen("pvtrace : ") - strlen(PVTRACE_VERSION));
		fprintf(f, "pvtrace %s: %s\n", PVTRACE_VERSION, cmd);
		fprintf(f, "  pid %d, ", r->root_pid);
		if (m->root_exit.signal)
			fprintf(f, "killed by signal %d", m->root_exit.signal);
		else
			fprintf(f, "exit %d", m->root_exit.code);
		fprintf(f, ", traced %s, %llu tasks in %llu processes (%zu still alive)\n",
			pvt_fmt_ns(b1, sizeof(b1), r->duration_ns), (unsigned long long)table_tasks(tb),
			(unsigned long long)table_processes(tb), tb->alive);
	}
	folded_line(f, tb->fold);
	if (r->null_programs)
		fprintf(f, "  empty programs attached (--null-programs): nothing was measured\n");
	fprintf(f, "  verified %zu/%zu tasks exact against the kernel's own switch counters\n",
		tb->exact, tb->verified);
	if (tb->alive_verified)
		fprintf(f, "  (%zu of them alive at the end: verified by a final read of their counters)\n",
			tb->alive_verified);
	if (tb->alive > tb->alive_verified)
		fprintf(f, "  (%zu task(s) still alive at the end could not be verified)\n",
			tb->alive - tb->alive_verified);
	if (tb->exact != tb->verified) {
		fprintf(f, "  WARNING: %zu task(s) differ from the kernel's nvcsw/nivcsw%s:\n",
			tb->verified - tb->exact, tb->fold && tb->fold->verified != tb->fold->exact ?
			" (the folded ones not listed)" : "");
		for (size_t i = 0; i < tb->n; i++) {
			const struct pvt_rec *x = &tb->recs[i];

			if (!x->verified || x->exact)
				continue;
			fprintf(f, "    tid %u: counted %llu vol / %llu invol, kernel %llu / %llu\n",
				x->t.tid, (unsigned long long)x->t.sw_vol,
				(unsigned long long)x->t.sw_invol,
				(unsigned long long)pvt_kdelta_vol(x),
				(unsigned long long)pvt_kdelta_invol(x));
		}
	}
	if (r->cal) {
		char host[TERM_ESCAPE_BUFSZ(24)];

		/* The file is data: escape what it says before it reaches a terminal. */
		term_escape(host, sizeof(host), r->cal->hostname, strnlen(r->cal->hostname, 24));
		fprintf(f, "  switch cost (estimate): calibrated %s on %s: %.0fns same address space,"
			   " %.0fns change\n", cal_date(b1, sizeof(b1), r->cal), host,
			r->cal->same_as_ns, r->cal->as_change_ns);
	}
	else if (!r->null_programs)
		fprintf(f, "  switch cost: not calibrated (no %.40s): run 'sudo pvtrace calibrate'\n",
			r->cal_path ? r->cal_path : "file");
	fprintf(f, "  lost events: %llu\n", (unsigned long long)m->lost_events);
	if (r->counters[PVT_C_RB_LOST_EXIT])
		fprintf(f, "  (%llu exit records did not fit the ring buffer: kept in the overflow map)\n",
			(unsigned long long)r->counters[PVT_C_RB_LOST_EXIT]);
	if (r->counters[PVT_C_TASKS_LOST])
		fprintf(f, "  WARNING: %llu task record(s) lost (raise --ringbuf-kb)\n",
			(unsigned long long)r->counters[PVT_C_TASKS_LOST]);
	if (m->untracked)
		untracked_warning(f, m);
	if (r->counters[PVT_C_PROCMAP_FULL])
		fprintf(f, "  WARNING: %llu process(es) without memory figures, process map full "
			   "(raise --max-tasks)\n", (unsigned long long)r->counters[PVT_C_PROCMAP_FULL]);
	if (r->counters[PVT_C_IN_UNSEEN])
		fprintf(f, "  (%llu switch-in(s) made without a sched_switch event: not in SW-IN, "
			   "times recovered from the kernel)\n",
			(unsigned long long)r->counters[PVT_C_IN_UNSEEN]);
	if (r->counters[PVT_C_MEM_FOLDED_ONLY])
		fprintf(f, "  (%llu RSS read(s) without their per-CPU parts: off by < 32 pages per CPU)\n",
			(unsigned long long)r->counters[PVT_C_MEM_FOLDED_ONLY]);
}

static void processes(FILE *f, const struct pvt_model *m)
{
	const struct pvt_table *tb = m->tb;
	size_t rows = model_rows(m, tb->nprocs);
	const size_t *idx = m->procs_by_switches;
	char c[80], t1[32], e1[32], fo[40];
	struct pvt_legend lg = { 0 };

	fprintf(f, "\nPROCESSES by switches (%zu of %zu%s%s)\n", rows, tb->nprocs,
		rows < tb->nprocs ? "; --top N for more" : "",
		fmt_folded(fo, sizeof(fo), tb->fold ? tb->fold->processes : 0));
	fprintf(f, "%7s %7s %-15s %4s %9s %8s %7s %8s %8s %8s %s\n", "PID", "PPID", "COMM",
		"THR", "ONCPU", "VOLUNT", "INVOL", "SW-IN", "FROM-OTH", "AS-CHG", "EXIT");
	for (size_t k = 0; k < rows; k++) {
		const struct pvt_proc *p = &tb->procs[idx[k]];

		fprintf(f, "%7u %7u %-15s %4u %9s %8llu %7llu %8llu %8llu %8llu %s\n", p->pid,
			p->ppid, fmt_comm(c, sizeof(c), p->comm, 15), p->threads,
			pvt_fmt_ns(t1, sizeof(t1), p->sums.oncpu_ns), (unsigned long long)p->sums.vol,
			(unsigned long long)p->sums.invol, (unsigned long long)p->sums.in,
			(unsigned long long)p->sums.from[PVT_FROM_OTHER_PROCESS],
			(unsigned long long)p->sums.as_change,
			fmt_exit(e1, sizeof(e1), &p->exit, p->alive > 0));
		if (!p->alive && !p->exit.known)
			pvt_legend_note(&lg, "?", "EXIT", "process", "processes",
					"its exit was not seen");
	}
	pvt_legend_print(f, &lg);
}

/* --by cgroup: each cgroup's threads and processes side by side. */
static void cgroups(FILE *f, const struct pvt_model *m)
{
	size_t rows = model_rows(m, m->ncgroups);
	char t1[32], t2[32], p50[32], p99[32], path[TERM_ESCAPE_BUFSZ(40)];
	struct pvt_legend lg = { 0 };

	fprintf(f, "\nBY CGROUP (%zu of %zu, by switch-ins; THR: threads, PRC: process leaders)\n",
		rows, m->ncgroups);
	fprintf(f, "%-40s %5s %5s %5s %9s %9s %7s %7s %9s %9s %8s %8s\n", "CGROUP", "PROCS", "THR",
		"PRC", "THR-SW", "PRC-SW", "THR-SAME", "PRC-SAME", "THR-ONCPU", "PRC-ONCPU", "RQ-P50",
		"RQ-P99");
	for (size_t k = 0; k < rows; k++) {
		const struct pvt_model_cgroup *g = &m->cgroups[k];
		const struct pvt_sums *a = &g->threads, *b = &g->procs;

		if (g->path)
			term_escape(path, sizeof(path), g->path, strlen(g->path));
		else
			snprintf(path, sizeof(path), "%s %llu",
				 pvt_legend_note(&lg, "id", "CGROUP", "cgroup", "cgroups",
						 "its directory is gone (or no cgroup2 mount): no path"),
				 (unsigned long long)g->id);
		fprintf(f, "%-40.40s %5llu %5llu %5llu %9llu %9llu %7.1f%% %7.1f%% %9s %9s %8s %8s\n",
			path, (unsigned long long)g->processes, (unsigned long long)a->tasks,
			(unsigned long long)b->tasks, (unsigned long long)(a->vol + a->invol),
			(unsigned long long)(b->vol + b->invol),
			a->in ? 100.0 * (double)a->from[PVT_FROM_SAME_PROCESS] / (double)a->in : 0.0,
			b->in ? 100.0 * (double)b->from[PVT_FROM_SAME_PROCESS] / (double)b->in : 0.0,
			pvt_fmt_ns(t1, sizeof(t1), a->oncpu_ns), pvt_fmt_ns(t2, sizeof(t2), b->oncpu_ns),
			pvt_fmt_ns(p50, sizeof(p50), g->runq.p50_ns),
			pvt_fmt_ns(p99, sizeof(p99), g->runq.p99_ns));
	}
	fprintf(f, "  SW: switch-outs; SAME: switch-ins from a thread of the same process; RQ: run-queue"
		   " wait\n");
	pvt_legend_print(f, &lg);
}

static void tids(FILE *f, const struct pvt_model *m)
{
	const struct pvt_table *tb = m->tb;
	const size_t *idx = m->tasks_by_switches;
	size_t rows = model_rows(m, tb->n);
	char c[80], t1[32], fo[40];
	bool differ = false;

	fprintf(f, "\nTASKS by switches (%zu of %zu%s%s)\n", rows, tb->n,
		rows < tb->n ? "; --top N for more" : "",
		fmt_folded(fo, sizeof(fo), tb->fold ? tb->fold->tasks : 0));
	fprintf(f, "%7s %7s %1s %-15s %8s %7s %6s %7s %6s %6s %5s %4s %6s\n", "TID", "PID",
		"K", "COMM", "ONCPU", "VOLUNT", "INVOL", "SW-IN", "SAME", "OTHER", "IDLE", "KERN",
		"ASCHG");
	for (size_t k = 0; k < rows; k++) {
		const struct pvt_rec *x = &tb->recs[idx[k]];
		const struct pvt_task *t = &x->t;

		fprintf(f, "%7u %7u %1s %-15s %8s %7llu %6llu %7llu %6llu %6llu %5llu %4llu %6llu%s\n",
			t->tid, t->pid, pvt_is_thread(t) ? "t" : "p",
			fmt_comm(c, sizeof(c), t->comm, 15), pvt_fmt_ns(t1, sizeof(t1), t->oncpu_ns),
			(unsigned long long)t->sw_vol, (unsigned long long)t->sw_invol,
			(unsigned long long)t->sw_in,
			(unsigned long long)t->sw_from[PVT_FROM_SAME_PROCESS],
			(unsigned long long)t->sw_from[PVT_FROM_OTHER_PROCESS],
			(unsigned long long)t->sw_from[PVT_FROM_IDLE],
			(unsigned long long)t->sw_from[PVT_FROM_KERNEL],
			(unsigned long long)t->sw_as_change,
			x->verified && !x->exact ? " !" : (x->alive ? " *" : ""));
		differ |= x->verified && !x->exact;
	}
	fprintf(f, "  K: t thread, p process (thread-group leader); SAME/OTHER/IDLE/KERN: what ran "
		   "before each\n  switch-in; ASCHG: switch-ins that loaded another address space%s%s\n",
		tb->alive ? "; *: alive at the end" : "",
		differ ? "\n  !: its counts differ from the kernel's (the WARNING above)" : "");
}

/* "1234 same" / "1234 other" / "irq" */
static const char *fmt_waker(char *buf, size_t sz, const struct pvt_model_task *x)
{
	const struct pvt_waker *w = x->top_waker;

	if (!w)
		snprintf(buf, sz, "-");
	else if (w->tid == 0)
		snprintf(buf, sz, "idle/irq");
	else
		snprintf(buf, sz, "%u %s", w->tid, x->top_waker_same ? "same" : "other");
	return buf;
}

static void waits(FILE *f, const struct pvt_model *m)
{
	const struct pvt_table *tb = m->tb;
	const size_t *idx = m->tasks_by_switches;
	size_t rows = model_rows(m, tb->n);
	char c[80], a[24], b[24], mx[24], bl[24], rn[24], sw[24], wk[32];
	struct pvt_legend lg = { 0 };

	fprintf(f, "\nTASKS: waiting and switching (same order)\n");
	fprintf(f, "%7s %-15s %8s %8s %8s %9s %9s %5s %9s %s\n", "TID", "COMM", "RUNQ-P50",
		"RUNQ-P99", "RUNQ-MAX", "BLOCKED", "RUNNABLE", "MIGR", "SWITCH~", "TOP WAKER");
	for (size_t k = 0; k < rows; k++) {
		const struct pvt_model_task *x = &m->tasks[idx[k]];
		const struct pvt_task *t = &x->rec->t;
		double est = x->cost.estimated_ns;

		if (est >= 0)
			pvt_fmt_ns(sw, sizeof(sw), (uint64_t)(est + 0.5));
		else
			snprintf(sw, sizeof(sw), "%s",
				 pvt_legend_note(&lg, "-", "SWITCH~", "task", "tasks",
						 "no calibration: run 'sudo pvtrace calibrate' once"));
		if (!x->top_waker)
			pvt_legend_note(&lg, "-", "TOP WAKER", "task", "tasks", "never woken up");
		fprintf(f, "%7u %-15s %8s %8s %8s %9s %9s %5llu %9s %s\n", t->tid,
			fmt_comm(c, sizeof(c), t->comm, 15),
			pvt_fmt_ns(a, sizeof(a), x->runq.p50_ns),
			pvt_fmt_ns(b, sizeof(b), x->runq.p99_ns),
			pvt_fmt_ns(mx, sizeof(mx), x->runq.max_ns),
			pvt_fmt_ns(bl, sizeof(bl), x->blocked_ns),
			pvt_fmt_ns(rn, sizeof(rn), t->runq_total_ns), (unsigned long long)t->migrations, sw,
			fmt_waker(wk, sizeof(wk), x));
	}
	fprintf(f, "  RUNQ: waiting for a CPU (wakeup or preemption to switch-in); BLOCKED: asleep;"
		   "\n  RUNNABLE: total run-queue wait; SWITCH~: estimated CPU time switching into it\n");
	pvt_legend_print(f, &lg);
}

static void sum_row(FILE *f, const char *label, uint64_t a, uint64_t ab, uint64_t b, uint64_t bb)
{
	char x[48], y[48];

	if (ab)
		snprintf(x, sizeof(x), "%llu (%.1f%%)", (unsigned long long)a, pct(a, ab));
	else
		snprintf(x, sizeof(x), "%llu", (unsigned long long)a);
	if (bb)
		snprintf(y, sizeof(y), "%llu (%.1f%%)", (unsigned long long)b, pct(b, bb));
	else
		snprintf(y, sizeof(y), "%llu", (unsigned long long)b);
	fprintf(f, "  %-34s %22s %22s\n", label, x, y);
}

static void summary(FILE *f, const struct pvt_model *m)
{
	const struct pvt_sums *t = &m->tb->threads, *p = &m->tb->processes;
	char a[32], b[32];

	fprintf(f, "\nTHREADS VERSUS PROCESSES (threads: tid != pid; processes: leaders)\n");
	fprintf(f, "  %-34s %22s %22s\n", "", "threads", "processes");
	sum_row(f, "tasks", t->tasks, 0, p->tasks, 0);
	sum_row(f, "voluntary switch-outs", t->vol, 0, p->vol, 0);
	sum_row(f, "involuntary switch-outs", t->invol, 0, p->invol, 0);
	sum_row(f, "switch-ins", t->in, 0, p->in, 0);
	sum_row(f, "  from the same process", t->from[PVT_FROM_SAME_PROCESS], t->in,
		p->from[PVT_FROM_SAME_PROCESS], p->in);
	sum_row(f, "  from another process", t->from[PVT_FROM_OTHER_PROCESS], t->in,
		p->from[PVT_FROM_OTHER_PROCESS], p->in);
	sum_row(f, "  from idle", t->from[PVT_FROM_IDLE], t->in, p->from[PVT_FROM_IDLE], p->in);
	sum_row(f, "  from a kernel thread", t->from[PVT_FROM_KERNEL], t->in,
		p->from[PVT_FROM_KERNEL], p->in);
	sum_row(f, "  that changed address space", t->as_change, t->in, p->as_change, p->in);
	fprintf(f, "  %-34s %22s %22s\n", "on-CPU time", pvt_fmt_ns(a, sizeof(a), t->oncpu_ns),
		pvt_fmt_ns(b, sizeof(b), p->oncpu_ns));
	fprintf(f, "  %-34s %22s %22s\n", "on-CPU per switch-in (mean)",
		pvt_fmt_ns(a, sizeof(a), m->threads.oncpu_per_in_ns),
		pvt_fmt_ns(b, sizeof(b), m->processes.oncpu_per_in_ns));
}

/* Print @text wrapped at 96 columns, each line indented by two spaces. */
static void wrap(FILE *f, const char *text)
{
	size_t col = 2;

	fputs("  ", f);
	while (*text) {
		size_t w = strcspn(text, " ");

		if (col > 2 && col + 1 + w > 98) {
			fputs("\n  ", f);
			col = 2;
		} else if (col > 2) {
			fputc(' ', f);
			col++;
		}
		fwrite(text, 1, w, f);
		col += w;
		text += w;
		while (*text == ' ')
			text++;
	}
	fputc('\n', f);
}

static void classes(FILE *f, const struct pvt_model *m)
{
	const struct pvt_collected *r = m->in;
	const struct pvt_model_class *cs = &m->classes[PVT_FROM_SAME_PROCESS];
	const struct pvt_model_class *co = &m->classes[PVT_FROM_OTHER_PROCESS];
	const struct pvt_runq_stats *same = &cs->runq, *other = &co->runq;
	uint64_t nsame = cs->switch_ins, nother = co->switch_ins, all = m->switch_ins;
	double esame = cs->cost.estimated_ns, eother = co->cost.estimated_ns;
	char a[32], b[32], when[TERM_ESCAPE_BUFSZ(10)], para[1024];
	size_t off;

	fprintf(f, "\nTHREAD-TO-THREAD VERSUS CROSS-PROCESS SWITCHES (by what ran before each switch-in)\n");
	fprintf(f, "  %-34s %22s %22s\n", "", "same process", "another process");
	sum_row(f, "switch-ins", nsame, all, nother, all);
	fprintf(f, "  %-34s %22s %22s\n", "run-queue wait p50",
		pvt_fmt_ns(a, sizeof(a), same->p50_ns), pvt_fmt_ns(b, sizeof(b), other->p50_ns));
	fprintf(f, "  %-34s %22s %22s\n", "run-queue wait p99",
		pvt_fmt_ns(a, sizeof(a), same->p99_ns), pvt_fmt_ns(b, sizeof(b), other->p99_ns));
	fprintf(f, "  %-34s %22s %22s\n", "run-queue wait max", pvt_fmt_ns(a, sizeof(a), same->max_ns),
		pvt_fmt_ns(b, sizeof(b), other->max_ns));
	if (r->cal)
		fprintf(f, "  %-34s %22s %22s\n", "direct switching cost (estimate)",
			pvt_fmt_ns(a, sizeof(a), (uint64_t)esame), pvt_fmt_ns(b, sizeof(b), (uint64_t)eother));

	/* The figures, read aloud. */
	if (!all) {
		fprintf(f, "\n  No switch-ins were seen.\n");
		return;
	}
	off = snprintf(para, sizeof(para),
		       "%.1f%% of the %llu switch-ins came from a thread of the same process and "
		       "%.1f%% from another process.", 100.0 * cs->share, (unsigned long long)all,
		       100.0 * co->share);
	if (same->count && other->count && off < sizeof(para))
		off += snprintf(para + off, sizeof(para) - off,
				" Waiting for a CPU took %s at the median before a thread-to-thread "
				"switch and %s before a cross-process one.",
				pvt_fmt_ns(a, sizeof(a), same->p50_ns),
				pvt_fmt_ns(b, sizeof(b), other->p50_ns));
	if (r->cal && off < sizeof(para))
		off += snprintf(para + off, sizeof(para) - off,
				" At the calibrated %.0fns per switch within an address space and "
				"%.0fns across, the switches themselves cost about %s and %s of CPU "
				"time (an estimate, from the calibration of %s).",
				r->cal->same_as_ns, r->cal->as_change_ns,
				pvt_fmt_ns(a, sizeof(a), (uint64_t)esame),
				pvt_fmt_ns(b, sizeof(b), (uint64_t)eother),
				cal_date(when, sizeof(when), r->cal));
	else if (off < sizeof(para))
		snprintf(para + off, sizeof(para) - off,
			 " Run 'sudo pvtrace calibrate' once to estimate what the switches cost.");
	fputc('\n', f);
	wrap(f, para);
}

/* What a creation figure is made of: the creating syscall's parts, the child's copy, ... */
enum cost_kind { COST_SYSCALL, COST_COPY, COST_FIRST_RUN, COST_EXEC };

/* A creation figure's placeholder for one kind (@c, in column @col), counted in @lg. */
static const char *cost_mark(struct pvt_legend *lg, const struct pvt_model *m, const char *col,
			     const struct pvt_create_sums *c, enum cost_kind k)
{
	const char *what = c == &m->tb->create_threads ? "thread" : "process";

	if (!c->born)
		return pvt_legend_note(lg, "-", col, "row", "rows", "no %s created", what);
	if (k == COST_FIRST_RUN)
		return pvt_legend_note(lg, "-", col, "row", "rows", "none switched in yet");
	if (k == COST_EXEC)
		return pvt_legend_note(lg, "-", col, "row", "rows", "none exec'd");
	if (m->in->hooks.mode == PVT_SYS_NEVER)
		return pvt_legend_note(lg, "-", col, "row", "rows", "not timed: --syscall-costs never");
	if (k == COST_SYSCALL && c->in_syscall)
		return pvt_legend_note(lg, "?", col, "row", "rows",
				       "the returns of their creating syscalls not seen");
	if (c->not_timed)
		return pvt_legend_note(lg, "-", col, "row", "rows", "not timed: syscall hooks detached "
				       "(first of a burst)");
	return pvt_legend_note(lg, "-", col, "row", "rows", "created by the kernel, in no syscall");
}

static void cost_row(FILE *f, struct pvt_legend *lg, const struct pvt_model *m, const char *label,
		     const struct pvt_cost_stats *a, const struct pvt_cost_stats *b, int which,
		     enum cost_kind k)
{
	const struct pvt_create_sums *ct = &m->tb->create_threads, *cp = &m->tb->create_procs;
	char x[32], y[32];
	uint64_t va = which == 0 ? a->p50_ns : which == 1 ? a->p99_ns : a->max_ns;
	uint64_t vb = which == 0 ? b->p50_ns : which == 1 ? b->p99_ns : b->max_ns;

	fprintf(f, "  %-34s %22s %22s\n", label,
		a->count ? pvt_fmt_ns(x, sizeof(x), va) : cost_mark(lg, m, "threads", ct, k),
		b->count ? pvt_fmt_ns(y, sizeof(y), vb) : cost_mark(lg, m, "processes", cp, k));
}

/* How many creations the syscall hooks timed, and when they were attached. */
static void hooks_line(FILE *f, const struct pvt_model *m)
{
	const struct pvt_collected *r = m->in;
	uint64_t untimed = m->creations_untimed;
	char d[24];

	if (r->null_programs)
		return;
	if (r->hooks.mode == PVT_SYS_NEVER) {
		fprintf(f, "  (--syscall-costs never: creating syscalls and execs not timed)\n");
		return;
	}
	if (!untimed && r->hooks.mode == PVT_SYS_ALWAYS)
		return;
	fprintf(f, "  %llu of %llu creating syscalls timed (syscall hooks attached %s: %u time%s, "
		   "%s in all)\n",
		(unsigned long long)m->creations_timed,
		(unsigned long long)(m->creations_timed + untimed),
		r->hooks.mode == PVT_SYS_ALWAYS ? "throughout" : "while creating",
		r->hooks.windows, r->hooks.windows == 1 ? "" : "s",
		pvt_fmt_ns(d, sizeof(d), r->hooks.attached_ns));
	if (untimed)
		fprintf(f, "  (the first creation of a burst is not timed; --syscall-costs always times "
			   "them all)\n");
}

static void creation(FILE *f, const struct pvt_model *m)
{
	const struct pvt_create_sums *t = &m->tb->create_threads, *p = &m->tb->create_procs;
	char a[48], b[48];
	struct pvt_legend lg = { 0 };

	if (!t->born && !p->born)
		return;
	fprintf(f, "\nCREATION (tasks born under tracing; threads: CLONE_THREAD)\n");
	fprintf(f, "  %-34s %22s %22s\n", "", "threads", "processes");
	sum_row(f, "created", t->born, 0, p->born, 0);
	cost_row(f, &lg, m, "syscall in the creator p50", &t->syscall, &p->syscall, 0, COST_SYSCALL);
	cost_row(f, &lg, m, "syscall in the creator p99", &t->syscall, &p->syscall, 1, COST_SYSCALL);
	cost_row(f, &lg, m, "syscall in the creator max", &t->syscall, &p->syscall, 2, COST_SYSCALL);
	cost_row(f, &lg, m, "  on the CPU, net of pvtrace p50", &t->oncpu, &p->oncpu, 0, COST_SYSCALL);
	cost_row(f, &lg, m, "  on the CPU, net of pvtrace p99", &t->oncpu, &p->oncpu, 1, COST_SYSCALL);
	cost_row(f, &lg, m, "  off the CPU (p50)", &t->offcpu, &p->offcpu, 0, COST_SYSCALL);
	cost_row(f, &lg, m, "  pvtrace's own program (p50)", &t->tracer, &p->tracer, 0, COST_SYSCALL);
	cost_row(f, &lg, m, "  copying, entry to the child (p50)", &t->copy, &p->copy, 0, COST_COPY);
	cost_row(f, &lg, m, "creation to first run p50", &t->first_run, &p->first_run, 0,
		 COST_FIRST_RUN);
	{
		char ta[24], tb[24]; /* not inside a and b: snprintf's source and target must not overlap */

		snprintf(a, sizeof(a), "%s (%.1f%%)", pvt_fmt_ns(ta, sizeof(ta), t->syscall.sum_ns),
			 100.0 * m->create_threads.share_of_wall_time);
		snprintf(b, sizeof(b), "%s (%.1f%%)", pvt_fmt_ns(tb, sizeof(tb), p->syscall.sum_ns),
			 100.0 * m->create_procs.share_of_wall_time);
	}
	fprintf(f, "  %-34s %22s %22s\n", "time creating (% of wall time)", a, b);
	if (t->execed || p->execed) {
		sum_row(f, "exec'd", t->execed, t->born, p->execed, p->born);
		cost_row(f, &lg, m, "exec p50", &t->exec, &p->exec, 0, COST_EXEC);
	}
	pvt_legend_print(f, &lg);
	if (t->cost_missing || p->cost_missing)
		fprintf(f, "  (%llu creation(s) whose syscall return was not seen: no syscall cost)\n",
			(unsigned long long)(t->cost_missing + p->cost_missing));
	hooks_line(f, m);
	if (m->create_process_to_thread)
		fprintf(f, "  At the median, creating a process cost %.1fx creating a thread here (on the CPU).\n",
			m->create_process_to_thread);
}

static const char *fmt_how(char *buf, size_t sz, const struct pvt_rec *x)
{
	char e[32];

	if (x->alive)
		return "alive";
	snprintf(buf, sz, "%s%s", fmt_exit(e, sizeof(e), &x->exit, false),
		 x->t.exit_how == PVT_EXIT_COLLATERAL ? " collateral" :
		 x->t.exit_how == PVT_EXIT_SIGNAL ? " aimed" : "");
	return buf;
}

static void created_tasks(FILE *f, const struct pvt_model *m)
{
	size_t n = m->ncreated, rows = model_rows(m, n);
	const size_t *idx = m->created_by_cost;
	char c[80], a[24], o[24], d[24], e[24], l[24], h[48], nb[16];
	struct pvt_legend lg = { 0 };

	if (!n)
		return;
	fprintf(f, "\nTASKS CREATED, costliest creation (on the CPU) first (%zu of %zu%s)\n", rows, n,
		rows < n ? "; --top N for more" : "");
	fprintf(f, "%7s %7s %-15s %-6s %1s %9s %9s %9s %9s %9s %s\n", "TID", "PARENT", "COMM",
		"HOW", "K", "SYSCALL", "ONCPU", "1ST-RUN", "EXEC", "LIFETIME", "EXIT");
	for (size_t k = 0; k < rows; k++) {
		const struct pvt_model_task *mx = &m->tasks[idx[k]];
		const struct pvt_rec *x = mx->rec;
		const struct pvt_task *t = &x->t;
		const char *sys;

		switch (mx->cost_missing) {
		case PVT_COST_TIMED:
			sys = NULL;
			break;
		case PVT_COST_HOOKS_NEVER:
			sys = pvt_legend_note(&lg, "-", "SYSCALL, ONCPU", "task", "tasks",
					      "not timed: --syscall-costs never");
			break;
		case PVT_COST_HOOKS_DETACHED:
			sys = pvt_legend_note(&lg, "-", "SYSCALL, ONCPU", "task", "tasks",
					      "not timed: syscall hooks detached (first of a burst)");
			break;
		case PVT_COST_RETURN_UNSEEN:
			sys = pvt_legend_note(&lg, "?", "SYSCALL, ONCPU", "task", "tasks",
					      "its creating syscall's return was not seen");
			break;
		default:
			sys = pvt_legend_note(&lg, "-", "SYSCALL, ONCPU", "task", "tasks",
					      "created by the kernel, in no syscall");
		}
		if (!t->first_in_ns)
			pvt_legend_note(&lg, "-", "1ST-RUN", "task", "tasks", "never switched in");
		if (!t->exec_count)
			pvt_legend_note(&lg, "-", "EXEC", "task", "tasks", "did not exec");
		if (x->alive)
			pvt_legend_note(&lg, "-", "LIFETIME", "task", "tasks", "alive at the end");
		else if (!x->exit.known)
			pvt_legend_note(&lg, "?", "EXIT", "task", "tasks", "its exit was not seen");
		fprintf(f, "%7u %7u %-15s %-6s %1s %9s %9s %9s %9s %9s %s\n", t->tid, t->parent_tid,
			fmt_comm(c, sizeof(c), t->comm, 15),
			pvt_syscall_name(t->create_nr, nb, sizeof(nb)),
			pvt_created_thread(t) ? "t" : "p",
			!sys ? pvt_fmt_ns(a, sizeof(a), x->cost.syscall_ns) : sys,
			!sys ? pvt_fmt_ns(o, sizeof(o), mx->create_oncpu_ns) : sys,
			t->first_in_ns ? pvt_fmt_ns(d, sizeof(d), mx->first_run_ns) : "-",
			t->exec_count ? pvt_fmt_ns(e, sizeof(e), t->exec_ns) : "-",
			x->alive ? "-" : pvt_fmt_ns(l, sizeof(l), mx->lifetime_ns),
			fmt_how(h, sizeof(h), x));
	}
	fprintf(f, "  SYSCALL: the creator's clone/fork/vfork/clone3, entry to return; ONCPU: of which on\n"
		   "  the CPU, less pvtrace's own program; 1ST-RUN: creation to first switch-in; EXEC: its\n"
		   "  execve; "
		   "EXIT: aimed = a signal aimed at it, collateral = taken down by its group's exit\n");
	pvt_legend_print(f, &lg);
}

static void exits(FILE *f, const struct pvt_model *m)
{
	const struct pvt_collected *r = m->in;
	const struct pvt_table *tb = m->tb;
	const struct pvt_exit_sums *x = &tb->exits;
	char c[80], oc[80];
	size_t shown = 0;

	if (!x->processes)
		return;
	fprintf(f, "\nEXITS: %llu process(es) ended: %llu with code 0, %llu with another code, "
		   "%llu by a signal\n", (unsigned long long)x->processes,
		(unsigned long long)x->clean, (unsigned long long)x->failed,
		(unsigned long long)x->signaled);
	for (size_t k = 0; k < tb->nprocs; k++) {
		const struct pvt_proc *p = &tb->procs[k];
		const struct pvt_task *o = m->procs[k].origin;

		if (!p->exit.known || (!p->exit.signal && !p->collateral))
			continue;
		if (r->top && shown >= r->top) {
			fprintf(f, "  ... (--top N for more)\n");
			break;
		}
		shown++;
		fprintf(f, "  process %u (%s): ", p->pid, fmt_comm(c, sizeof(c), p->comm, 15));
		if (p->exit.signal)
			fprintf(f, "SIG%s (%d)%s", pvt_signal_name(p->exit.signal), p->exit.signal,
				p->exit.core ? ", core dumped" : "");
		else
			fprintf(f, "exit_group, code %d", p->exit.code);
		if (o)
			fprintf(f, " in tid %u (%s)", o->tid, fmt_comm(oc, sizeof(oc), o->comm, 15));
		fprintf(f, "; %u other thread(s) taken down\n", p->collateral);
	}
	if (x->signaled)
		fprintf(f, "  Blast radius: the %llu other process(es) ended on their own terms "
			   "(%llu with code 0).\n",
			(unsigned long long)(x->processes - x->signaled),
			(unsigned long long)x->clean);
}

static void histograms(FILE *f, const struct pvt_model *m)
{
	const struct pvt_table *tb = m->tb;
	size_t rows = model_rows(m, tb->nprocs);
	const size_t *idx = m->procs_by_switches;
	char title[128], c[80];

	fprintf(f, "\nRUN-QUEUE LATENCY HISTOGRAMS\n");
	hist_print(f, &tb->threads.runq_hist, "threads (tid != pid)");
	hist_print(f, &tb->processes.runq_hist, "processes (thread-group leaders)");
	for (size_t k = 0; k < rows; k++) {
		const struct pvt_proc *p = &tb->procs[idx[k]];

		snprintf(title, sizeof(title), "process %u (%s), %u thread(s)", p->pid,
			 fmt_comm(c, sizeof(c), p->comm, 15), p->threads);
		hist_print(f, &p->sums.runq_hist, title);
	}
}

/* MEMORY: processes by peak RSS. */
static void mem_procs(FILE *f, const struct pvt_model *m)
{
	size_t n = m->tb->nprocs, rows = model_rows(m, n);
	char b[8][32], c[80];
	struct pvt_legend lg = { 0 };

	fprintf(f, "  processes by peak RSS (%zu of %zu)\n", rows, n);
	fprintf(f, "%7s %-15s %9s %9s %9s %9s %9s %6s %9s\n", "PID", "COMM", "RSS-PEAK", "PRIVATE",
		"SHARED", "PSS", "PGTABLES", "VMAS", "KERNEL");
	for (size_t k = 0; k < rows; k++) {
		const struct pvt_model_proc *x = &m->procs[m->procs_by_rss_peak[k]];
		const struct pvt_proc *p = x->p;
		const struct pvt_mem *mm = x->mem;
		const struct pvt_proc_smaps *ps = x->smaps;
		const struct pvt_mem_seen *seen = memtab_find_pseen(m->in->mt, p->pid,
								    p->leader_start_time);
		const char *sm = NULL;

		if (!mm) {
			const char *mk = mem_mark(&lg, m, x->mem_missing, "every column", "process",
						  "processes", seen);

			fprintf(f, "%7u %-15s %9s %9s %9s %9s %9s %6s %9s\n", p->pid,
				fmt_comm(c, sizeof(c), p->comm, 15), mk, mk, mk, mk, mk, mk, mk);
			continue;
		}
		if (!ps)
			sm = mem_mark(&lg, m, x->smaps_missing, "PRIVATE, SHARED, PSS", "process",
				      "processes", seen);
		fprintf(f, "%7u %-15s %9s %9s %9s %9s %9s %6llu %9s\n", p->pid,
			fmt_comm(c, sizeof(c), p->comm, 15), pvt_fmt_bytes(b[0], 32, x->rss_peak),
			ps ? pvt_fmt_bytes(b[1], 32, ps->at_peak.private_) : sm,
			ps ? pvt_fmt_bytes(b[2], 32, ps->at_peak.shared) : sm,
			ps ? pvt_fmt_bytes(b[3], 32, ps->at_peak.pss) : sm,
			pvt_fmt_bytes(b[4], 32, mm->peak.page_tables), (unsigned long long)mm->peak.vma_count,
			pvt_fmt_bytes(b[5], 32, x->kernel_bytes));
	}
	pvt_legend_print(f, &lg);
}

/* MEMORY: thread stacks by resident size. */
static void mem_stacks(FILE *f, const struct pvt_model *m)
{
	size_t n = m->tb->n, rows = model_rows(m, n);
	char b[8][32], c[80];
	struct pvt_legend lg = { 0 };

	fprintf(f, "  thread stacks by resident size (%zu of %zu)\n", rows, n);
	fprintf(f, "%7s %7s %-15s %9s %7s %9s %9s\n", "TID", "PID", "COMM", "RESERVED", "GUARD",
		"RESIDENT", "KERNEL");
	for (size_t k = 0; k < rows; k++) {
		const struct pvt_model_task *x = &m->tasks[m->tasks_by_stack[k]];
		const struct pvt_task *t = &x->rec->t;
		const struct pvt_task_mem *tm = &x->mem;
		const struct pvt_mem_seen *seen = memtab_find_tseen(m->in->mt, t->tid, t->start_time);
		const char *rv = NULL, *rs = NULL;

		if (!tm->stack_reserved)
			rv = mem_mark(&lg, m, x->reserved_missing, "RESERVED, GUARD", "thread", "threads",
				      seen);
		if (!tm->resident_known)
			rs = mem_mark(&lg, m, x->resident_missing, "RESIDENT", "thread", "threads", seen);
		fprintf(f, "%7u %7u %-15s %9s %7s %9s %9s\n", t->tid, t->pid,
			fmt_comm(c, sizeof(c), t->comm, 15),
			rv ? rv : pvt_fmt_bytes(b[0], 32, tm->stack_reserved),
			rv ? rv : pvt_fmt_bytes(b[1], 32, tm->stack_guard),
			rs ? rs : pvt_fmt_bytes(b[2], 32, tm->stack_resident),
			pvt_fmt_bytes(b[3], 32, tm->kernel_bytes));
	}
	pvt_legend_print(f, &lg);
}

/*
 * The reasons of the "?" in the marginal-cost lines: why no thread's stack was
 * sampled (@what "stack resident"), found ("reserved"), or no process's smaps
 * ("private"), counted over every listed thread or process.
 */
static void mem_summary_legend(FILE *f, const struct pvt_model *m, bool resident, bool reserved,
			       bool priv)
{
	const struct pvt_table *tb = m->tb;
	struct pvt_legend lg = { 0 };

	for (size_t i = 0; i < tb->n && (resident || reserved); i++) {
		const struct pvt_model_task *x = &m->tasks[i];
		const struct pvt_task *t = &x->rec->t;
		const struct pvt_mem_seen *seen = memtab_find_tseen(m->in->mt, t->tid, t->start_time);

		if (!pvt_is_thread(t))
			continue;
		if (resident)
			mem_mark_as(&lg, m, x->resident_missing, "?", "stack resident", "thread",
				    "threads", seen);
		if (reserved)
			mem_mark_as(&lg, m, x->reserved_missing, "?", "reserved", "thread", "threads",
				    seen);
	}
	for (size_t k = 0; k < tb->nprocs && priv; k++) {
		const struct pvt_model_proc *x = &m->procs[k];

		if (x->mem)
			mem_mark_as(&lg, m, x->smaps_missing, "?", "private", "process", "processes",
				    memtab_find_pseen(m->in->mt, x->p->pid, x->p->leader_start_time));
	}
	/* folded ones have no reason kept: counted as such */
	if (tb->fold && resident && tb->fold->mem.threads > tb->fold->mem.threads_resident)
		for (uint64_t i = tb->fold->mem.threads_resident; i < tb->fold->mem.threads; i++)
			pvt_legend_note(&lg, "?", "stack resident", "thread", "threads",
					"not listed (beyond --keep-tasks): why not kept");
	pvt_legend_print(f, &lg);
}

/* MEMORY: per process, per thread stack, and the marginal cost of one more of each. */
static void memory(FILE *f, const struct pvt_model *m)
{
	const struct pvt_collected *r = m->in;
	const struct pvt_mem_summary *s = &m->mem;
	char b[8][32];

	if (!s->processes && !s->threads)
		return;
	if (r->interval_ms)
		fprintf(f, "\nMEMORY (sampled every %u ms, and at creation, exec and exit)\n", r->interval_ms);
	else
		fprintf(f, "\nMEMORY (sampled at creation, exec and exit only: --interval 0, no smaps)\n");
	mem_procs(f, m);
	mem_stacks(f, m);
	if (s->threads) {
		fprintf(f, "  One more thread here:  %s = kernel %s (task_struct %s + kernel stack %s)\n",
			pvt_fmt_bytes(b[0], 32, s->thread_bytes), pvt_fmt_bytes(b[1], 32, s->thread_kernel),
			pvt_fmt_bytes(b[2], 32, r->slab.task_struct),
			pvt_fmt_bytes(b[3], 32, s->thread_kernel - r->slab.task_struct));
		/* a stack found has a size: a median of 0 is none found */
		fprintf(f, "                         + stack %s resident (%s reserved; p50, %llu sampled)\n",
			s->threads_resident ? pvt_fmt_bytes(b[4], 32, s->thread_stack_resident) : "?",
			s->thread_stack_reserved ?
				pvt_fmt_bytes(b[5], 32, s->thread_stack_reserved) : "?",
			(unsigned long long)s->threads_resident);
	}
	if (s->processes) {
		fprintf(f, "  One more process here: %s = private %s + kernel %s (page tables %s)\n",
			pvt_fmt_bytes(b[0], 32, s->process_bytes),
			s->processes_private ? pvt_fmt_bytes(b[1], 32, s->proc_private) : "?",
			pvt_fmt_bytes(b[2], 32, s->proc_kernel), pvt_fmt_bytes(b[3], 32, s->proc_page_tables));
		fprintf(f, "                         (p50 over %llu processes, %llu with smaps samples)\n",
			(unsigned long long)s->processes, (unsigned long long)s->processes_private);
	}
	mem_summary_legend(f, m, s->threads && !s->threads_resident,
			   s->threads && !s->thread_stack_reserved,
			   s->processes && !s->processes_private);
	if (m->mem_process_to_thread && m->mem_ratio_sampled)
		fprintf(f, "  A process cost %.1fx a thread in memory here.\n", m->mem_process_to_thread);
}

static void folded_row(FILE *f, const struct pvt_fold_name *nm)
{
	char c[80], a[24], b[24];

	fprintf(f, "%8llu %8llu %6llu %-15s %9llu %8llu %9s %9s\n", (unsigned long long)nm->tasks,
		(unsigned long long)nm->threads, (unsigned long long)nm->processes,
		fmt_comm(c, sizeof(c), nm->comm, 15), (unsigned long long)nm->vol,
		(unsigned long long)nm->invol, pvt_fmt_ns(a, sizeof(a), nm->oncpu_ns),
		pvt_fmt_ns(b, sizeof(b), nm->tasks ? nm->lifetime_ns / nm->tasks : 0));
}

/* FOLDED: the tasks beyond --keep-tasks, by name (docs/METRICS.md "Folded tasks"). */
static void folded(FILE *f, const struct pvt_model *m)
{
	const struct pvt_fold *x = m->tb->fold;
	size_t rows = model_rows(m, m->nfolded_names);

	if (!x || !x->tasks)
		return;
	fprintf(f, "\nFOLDED: %llu ended tasks (%llu threads), %llu processes\n"
		   "  beyond --keep-tasks %zu, in the sums above; by name (%zu of %zu%s)\n", (unsigned long long)x->tasks, (unsigned long long)x->threads,
		(unsigned long long)x->processes, x->keep, rows, m->nfolded_names,
		rows < m->nfolded_names ? "; --top N for more" : "");
	fprintf(f, "%8s %8s %6s %-15s %9s %8s %9s %9s\n", "TASKS", "THREADS", "PROCS", "COMM",
		"VOLUNT", "INVOL", "ONCPU", "LIFETIME~");
	for (size_t k = 0; k < rows; k++)
		folded_row(f, &x->names[m->folded_names[k]]);
	if (x->other.tasks || x->other.processes)
		folded_row(f, &x->other);
	fprintf(f, "  PROCS: process rows folded (ended, none of its tasks kept); LIFETIME~: mean\n");
}

/* --bpf-stats: what each program cost, by the kernel's own statistics. */
static void bpf_programs(FILE *f, const struct pvt_model *m)
{
	const struct pvt_collected *r = m->in;
	char a[24], b[24];

	if (!r->progs)
		return;
	fprintf(f, "\nPVTRACE'S OWN COST (--bpf-stats: every run on the machine, traced tree or not)\n");
	fprintf(f, "  %-28s %12s %10s %12s\n", "PROGRAM", "RUNS", "PER RUN", "TOTAL");
	for (size_t i = 0; i < r->nprogs; i++) {
		const struct pvt_prog_stats *p = &r->progs[i];

		if (!p->run_count)
			continue;
		fprintf(f, "  %-28s %12llu %10s %12s\n", p->name, (unsigned long long)p->run_count,
			pvt_fmt_ns(a, sizeof(a), p->run_time_ns / p->run_count),
			pvt_fmt_ns(b, sizeof(b), p->run_time_ns));
	}
	fprintf(f, "  %-28s %12llu %10s %12s (%.2f%% of one CPU over the trace)\n", "all",
		(unsigned long long)m->progs.runs, "", pvt_fmt_ns(b, sizeof(b), m->progs.run_time_ns),
		100.0 * m->progs.cpu_share);
}

int report_text(FILE *f, const struct pvt_model *m)
{
	const struct pvt_collected *r = m->in;

	header(f, m);
	if (r->by_cgroup)
		cgroups(f, m);
	processes(f, m);
	tids(f, m);
	waits(f, m);
	summary(f, m);
	classes(f, m);
	creation(f, m);
	created_tasks(f, m);
	exits(f, m);
	memory(f, m);
	folded(f, m);
	bpf_programs(f, m);
	if (r->hist)
		histograms(f, m);
	fflush(f);
	return ferror(f) ? -1 : 0;
}
