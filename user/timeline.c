// SPDX-License-Identifier: GPL-2.0
/*
 * timeline.c - `pvtrace report --timeline` (timeline.h).  The recording is
 * read whole: the scheduling events of every CPU, the journal's creations,
 * execs, renames and exits, and the names its final records give.  They are
 * sorted by time (ties in file order), then walked once, each traced task's
 * state (on a CPU since, runnable since, asleep since) giving each of its
 * switch-outs the sleep, the run-queue wait and the run of that slice.
 * Names follow the journal as the walk goes.  Columns: docs/METRICS.md,
 * "Timeline".
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "creation.h"
#include "escape.h"
#include "json_writer.h"
#include "keyindex.h"
#include "legend.h"
#include "output.h"
#include "tasktable.h"
#include "timeline.h"
#include "vec.h"

#define NS_PER_S 1000000000ull
#define TASK_DEAD_BIT 0x80u /* prev_state's TASK_DEAD: the task's final switch-out */
#define UNKNOWN (-1)        /* a duration the recording does not tell */

/* A journal record the timeline shows (what of it the lines need). */
struct tl_rec {
	uint64_t ts;
	uint16_t kind;          /* PVT_EV_CREATE, _EXEC, _RENAME, _EXIT */
	uint16_t cpu;
	uint32_t tid, pid;
	uint32_t other;         /* create: the creator's tid; exec: the tid before; rename: by_exec */
	int32_t code;           /* exec: ret; exit: exit_code */
	uint32_t nr;            /* create: the syscall (PVT_NR_*) */
	uint32_t flags;         /* create: 1 for a thread; exit: the task's flags (PVT_F_*) */
	uint32_t how;           /* exit: enum pvt_exit_how */
	char comm[PVT_COMM_LEN];/* create: the child's; exec, rename: the new one; exit: at the end */
	char old[PVT_COMM_LEN]; /* rename: the old name */
	char *path;             /* exec: the file (NULL: none) */
};

enum tl_phase { PH_UNKNOWN = 0, PH_ON, PH_RUNNABLE, PH_ASLEEP };

/* Why a sleep (or a wait) is not known: the text's legend (docs/METRICS.md, "Timeline"). */
enum tl_why { WHY_NONE = 0, WHY_NEW, WHY_FIRST_AT_WAKEUP, WHY_FIRST_AT_IN, WHY_NO_WAKEUP,
	      WHY_NO_OUT };

/* A traced task, as the walk goes. */
struct tl_task {
	uint32_t tid, pid;
	char comm[PVT_COMM_LEN];   /* its name now ("": not known yet) */
	char first[PVT_COMM_LEN];  /* its first name, from its final record (until it dies) */
	uint8_t phase;             /* enum tl_phase */
	bool prev_known;           /* PH_ON: its switch-in was seen (prev_*) */
	uint16_t in_cpu;
	uint64_t in_ts;            /* PH_ON: switched in at */
	uint64_t since;            /* PH_RUNNABLE: runnable since; PH_ASLEEP: asleep since */
	int64_t sleep;             /* the sleep that ended this slice's wait (0: preempted) */
	int64_t wait;              /* PH_ON: the run-queue wait before this slice */
	uint8_t sleep_why;         /* sleep unknown: why (enum tl_why) */
	uint8_t wait_why;          /* PH_ON, wait unknown: why */
	uint32_t prev_tid, prev_pid;
	char prev_comm[PVT_COMM_LEN]; /* "": not known */
};

/* One event of the merged timeline: a scheduling event (idx < nsev) or a journal record. */
struct tl_item {
	uint64_t ts;
	uint64_t idx;
};

struct tl {
	struct pvt_sched_ev *sev;
	size_t nsev;
	struct tl_rec *rec;
	size_t nrec, reccap;
	struct tl_task *task;
	size_t ntask, taskcap;
	struct pvt_index *ix;      /* tid -> task[] */
	struct tl_item *ord;
	struct pvt_info_start start;
	bool have_start;
	const struct pvt_rec_end *end;
	/* the walk's output */
	FILE *f;
	json_writer_t *jw;
	bool oom;
	struct pvt_legend lg;      /* text: the placeholders' reasons, after the last line */
};

static void tl_free(struct tl *tl)
{
	for (size_t i = 0; i < tl->nrec; i++)
		free(tl->rec[i].path);
	free(tl->rec);
	free(tl->sev);
	free(tl->task);
	free(tl->ord);
	pvt_index_free(tl->ix);
}

/* The task @tid (created if @make): NULL if absent, or out of memory (tl->oom). */
static struct tl_task *task_get(struct tl *tl, uint32_t tid, bool make)
{
	long pos = pvt_index_find(tl->ix, tid, 0);
	struct tl_task t = { .tid = tid, .sleep = UNKNOWN, .wait = UNKNOWN };

	if (pos >= 0)
		return &tl->task[pos];
	if (!make)
		return NULL;
	if (VEC_PUSH(tl->task, tl->ntask, tl->taskcap, t)) {
		tl->oom = true;
		return NULL;
	}
	if (pvt_index_put(&tl->ix, tid, 0, tl->ntask - 1)) {
		tl->ntask--;
		tl->oom = true;
		return NULL;
	}
	return &tl->task[tl->ntask - 1];
}

/* Its name now: NULL if unknown. */
static const char *name_of(const struct tl_task *t)
{
	return t->comm[0] ? t->comm : t->first[0] ? t->first : NULL;
}

/* A name into @dst: at most PVT_COMM_LEN - 1 bytes of @src (a record's field, or a string). */
static void copy_comm(char dst[PVT_COMM_LEN], const char *src)
{
	size_t n = strnlen(src, PVT_COMM_LEN - 1);

	memcpy(dst, src, n);
	memset(dst + n, 0, PVT_COMM_LEN - n);
}

/* ---- reading ---- */

/* A task's first name from its final record (the first instance of its tid wins). */
static void note_first(struct tl *tl, const struct pvt_task *t)
{
	struct tl_task *k = task_get(tl, t->tid, true);

	if (k && !k->first[0]) {
		copy_comm(k->first, t->comm_first[0] ? t->comm_first : t->comm);
		k->pid = t->pid;
	}
}

static int push_rec(struct tl *tl, struct tl_rec *r)
{
	if (VEC_PUSH(tl->rec, tl->nrec, tl->reccap, *r)) {
		free(r->path);
		return -ENOMEM;
	}
	return 0;
}

/* A ring-buffer record of the journal: the kinds the timeline shows (others skipped, as run does). */
static int on_ring(struct tl *tl, const uint8_t *d, uint32_t len)
{
	struct tl_rec r = {};
	struct pvt_ev_hdr h;

	memcpy(&h, d, sizeof(h));
	r.ts = h.ts;
	r.kind = h.kind;
	r.cpu = (uint16_t)h.cpu;
	switch (h.kind) {
	case PVT_EV_CREATE: {
		struct pvt_ev_create e;

		if (len < sizeof(e))
			return 0;
		memcpy(&e, d, sizeof(e));
		r.tid = e.tid;
		r.pid = e.pid;
		r.other = e.parent_tid;
		r.nr = e.nr;
		r.flags = (e.clone_flags & PVT_CLONE_THREAD) != 0;
		copy_comm(r.comm, e.comm);
		break;
	}
	case PVT_EV_EXEC: {
		struct pvt_ev_exec e;

		if (len < sizeof(e))
			return 0;
		memcpy(&e, d, sizeof(e));
		r.tid = e.tid;
		r.pid = e.pid;
		r.other = e.old_tid;
		r.code = e.ret;
		copy_comm(r.comm, e.comm);
		r.path = strndup(e.path, sizeof(e.path));
		if (!r.path)
			return -ENOMEM;
		break;
	}
	case PVT_EV_RENAME: {
		struct pvt_ev_rename e;

		if (len < sizeof(e))
			return 0;
		memcpy(&e, d, sizeof(e));
		r.tid = e.tid;
		r.pid = e.pid;
		r.other = e.by_exec != 0;
		copy_comm(r.comm, e.comm);
		copy_comm(r.old, e.old_comm);
		break;
	}
	case PVT_EV_EXIT: {
		struct pvt_task t;

		if (len < sizeof(struct pvt_ev_exit))
			return 0;
		memcpy(&t, d + offsetof(struct pvt_ev_exit, task), sizeof(t));
		r.tid = t.tid;
		r.pid = t.pid;
		r.code = t.exit_code;
		r.flags = t.flags;
		r.how = t.exit_how;
		copy_comm(r.comm, t.comm);
		note_first(tl, &t);
		break;
	}
	default:
		return 0;
	}
	return push_rec(tl, &r);
}

/* A journal chunk: its ring-buffer records, and the names of the tasks alive at the end. */
/* One journal record: names (ring records, the maps' tasks); the rest is the report's. */
static int on_journal(void *ctx, uint32_t kind, const uint8_t *d, uint32_t len, char *err,
		      size_t errlen)
{
	struct tl *tl = ctx;
	struct pvt_ev_hdr h;
	struct pvt_task t;

	switch (kind) {
	case PVT_J_RING:
		if (len < sizeof(h) || (memcpy(&h, d, sizeof(h)), h.size > len)) {
			snprintf(err, errlen, "corrupt recording: a ring-buffer record");
			return -1;
		}
		if (on_ring(tl, d, len)) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		break;
	case PVT_J_MAP_TASK:
	case PVT_J_MAP_OVERFLOW:
		if (len != sizeof(t)) {
			snprintf(err, errlen, "corrupt recording: a task's record");
			return -1;
		}
		memcpy(&t, d, sizeof(t));
		note_first(tl, &t);
		break;
	default:
		break;
	}
	return 0;
}

static int on_info(void *ctx, uint32_t kind, const uint8_t *d, uint32_t len, char *err,
		   size_t errlen)
{
	struct tl *tl = ctx;

	if (kind == PVT_INFO_START && len == sizeof(tl->start)) {
		memcpy(&tl->start, d, len);
		tl->have_start = true;
	}
	return 0;
}

/* Every chunk of @r: 0 whole, -1 corrupt, -2 truncated (what came before it kept). */
static int load(struct tl *tl, struct pvt_rec_reader *r, char *err, size_t errlen)
{
	struct pvt_rec_walk w = { .ctx = tl, .on_info = on_info, .on_journal = on_journal };
	int rc = recr_walk(r, &w, err, errlen);

	tl->sev = w.ev;
	tl->nsev = w.nev;
	tl->end = w.end;
	return rc;
}

static int by_time(const void *a, const void *b)
{
	const struct tl_item *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* tl->ord: every event, in time order (ties: in file order, scheduling events first). */
static int sort_events(struct tl *tl)
{
	size_t n = tl->nsev + tl->nrec;

	tl->ord = vec_realloc(NULL, n ? n : 1, sizeof(*tl->ord));
	if (!tl->ord)
		return -ENOMEM;
	for (size_t i = 0; i < tl->nsev; i++)
		tl->ord[i] = (struct tl_item){ .ts = tl->sev[i].ts, .idx = i };
	for (size_t i = 0; i < tl->nrec; i++)
		tl->ord[tl->nsev + i] = (struct tl_item){ .ts = tl->rec[i].ts, .idx = tl->nsev + i };
	qsort(tl->ord, n, sizeof(*tl->ord), by_time);
	return 0;
}

/* ---- lines ---- */

/* Time since the recording's start: "S.UUUUUU" (truncated to the microsecond). */
static const char *fmt_time(char *buf, size_t sz, int64_t ns)
{
	uint64_t a = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;

	snprintf(buf, sz, "%s%llu.%06llu", ns < 0 ? "-" : "", (unsigned long long)(a / NS_PER_S),
		 (unsigned long long)(a % NS_PER_S / 1000));
	return buf;
}

/* A duration in microseconds, to the nanosecond: "12.345"; "-" unknown. */
static const char *fmt_us(char *buf, size_t sz, int64_t ns)
{
	if (ns < 0)
		snprintf(buf, sz, "-");
	else
		snprintf(buf, sz, "%llu.%03llu", (unsigned long long)(ns / 1000),
			 (unsigned long long)(ns % 1000));
	return buf;
}

#define TASK_BUFSZ (TERM_ESCAPE_BUFSZ(PVT_COMM_LEN) + 32)

/*
 * "comm[tid/pid]" (@pid < 0: "comm[tid]"); "?" for an unknown name (counted in
 * @tl's legend, as in the column @col), "<idle>" for tid 0.
 */
static const char *fmt_task(struct tl *tl, const char *col, char *buf, size_t sz, const char *comm,
			    uint32_t tid, int64_t pid)
{
	char c[TERM_ESCAPE_BUFSZ(PVT_COMM_LEN)];

	if (tid == 0) {
		snprintf(buf, sz, "<idle>");
		return buf;
	}
	if (comm)
		term_escape(c, sizeof(c), comm, strnlen(comm, PVT_COMM_LEN));
	else
		snprintf(c, sizeof(c), "%s", pvt_legend_note(&tl->lg, "?", col, "name", "names",
							     "no record of the recording names it"));
	if (pid < 0)
		snprintf(buf, sz, "%s[%u]", c, tid);
	else
		snprintf(buf, sz, "%s[%u/%u]", c, tid, (uint32_t)pid);
	return buf;
}

/* The state a task left its CPU in: R (still runnable), S, D, T, t, X (dead), Z, P. */
static const char *state_str(const struct pvt_sched_ev *ev)
{
	static const char *const bit[8] = { "S", "D", "T", "t", "X", "Z", "P", "X" };
	unsigned int s = ev->state;

	if ((ev->flags & PVT_SEF_PREEMPT) || !s)
		return "R";
	for (int i = 0; i < 8; i++)
		if (s & (1u << i))
			return bit[i];
	return "?"; /* not reached: a nonzero byte has one of the eight bits */
}

static int64_t rel(const struct tl *tl, uint64_t ts)
{
	return (int64_t)(ts - tl->start.monotonic_ns);
}

/* The first members of every JSON line. */
static void json_head(struct tl *tl, const char *event, uint64_t ts, uint32_t cpu, uint32_t tid,
		      int64_t pid, const char *comm)
{
	json_writer_t *jw = tl->jw;

	jw_start_object(jw);
	jw_string_field(jw, "event", event);
	jw_int_field(jw, "time_ns", rel(tl, ts));
	jw_uint_field(jw, "cpu", cpu);
	jw_uint_field(jw, "tid", tid);
	if (pid >= 0)
		jw_uint_field(jw, "pid", (uint64_t)pid);
	else
		jw_null_field(jw, "pid");
	jw_name(jw, "comm");
	if (comm)
		jw_string_n(jw, comm, PVT_COMM_LEN);
	else
		jw_null(jw);
}

static void json_task(json_writer_t *jw, const char *name, const char *comm, uint32_t tid, int64_t pid)
{
	jw_name(jw, name);
	jw_start_object(jw);
	jw_uint_field(jw, "tid", tid);
	if (pid >= 0)
		jw_uint_field(jw, "pid", (uint64_t)pid);
	else
		jw_null_field(jw, "pid");
	jw_name(jw, "comm");
	if (tid == 0)
		jw_string(jw, "<idle>");
	else if (comm)
		jw_string_n(jw, comm, PVT_COMM_LEN);
	else
		jw_null(jw);
	jw_end_object(jw);
}

static void json_dur(json_writer_t *jw, const char *name, int64_t ns)
{
	if (ns < 0)
		jw_null_field(jw, name);
	else
		jw_uint_field(jw, name, (uint64_t)ns);
}

/* An event line in text: time, CPU, the task the event names first, what happened. */
static void text_event(struct tl *tl, uint64_t ts, uint32_t cpu, const char *task, const char *what)
{
	char t[32];

	fprintf(tl->f, "%14s %4u  %-32s %s\n", fmt_time(t, sizeof(t), rel(tl, ts)), cpu, task, what);
}

/* Why the slice's SLEEP, WAIT, RUN or PREV is "-": counted in the legend. */
static void slice_legend(struct tl *tl, const struct tl_task *p, bool on, int64_t wait,
			 int64_t sleep)
{
	const char *sw = "SLEEP(us), WAIT(us)";
	uint8_t why = wait == UNKNOWN ? p->wait_why : p->sleep_why;

	if (!on) {
		pvt_legend_note(&tl->lg, "-", "SLEEP(us), WAIT(us), RUN(us), PREV[TID]", "slice",
				"slices", "its switch-in not recorded (before the start, or unseen)");
		return;
	}
	if (wait != UNKNOWN && sleep != UNKNOWN)
		return;
	switch (why) {
	case WHY_NEW:
		pvt_legend_note(&tl->lg, "-", "SLEEP(us)", "slice", "slices",
				"a new task's first slice: no sleep before it");
		break;
	case WHY_FIRST_AT_WAKEUP:
		pvt_legend_note(&tl->lg, "-", "SLEEP(us)", "slice", "slices",
				"first seen at its wakeup: the sleep before unknown");
		break;
	case WHY_FIRST_AT_IN:
		pvt_legend_note(&tl->lg, "-", sw, "slice", "slices",
				"first seen at its switch-in: what came before unknown");
		break;
	case WHY_NO_WAKEUP:
		pvt_legend_note(&tl->lg, "-", sw, "slice", "slices",
				"no wakeup recorded since its last switch-out");
		break;
	case WHY_NO_OUT:
		pvt_legend_note(&tl->lg, "-", sw, "slice", "slices",
				"switched in again with no switch-out recorded");
		break;
	default:
		pvt_legend_note(&tl->lg, "-", wait == UNKNOWN ? sw : "SLEEP(us)", "slice", "slices",
				"not recorded");
	}
}

/* A traced task's switch-out: the line of its slice. */
static void line_switch(struct tl *tl, const struct pvt_sched_ev *ev, const struct tl_task *p,
			const char *next_comm)
{
	bool on = p->phase == PH_ON && p->in_cpu == ev->cpu; /* this slice's switch-in seen */
	int64_t run = on ? (int64_t)(ev->ts - p->in_ts) : UNKNOWN;
	int64_t wait = on ? p->wait : UNKNOWN, sleep = on ? p->sleep : UNKNOWN;
	bool prev = on && p->prev_known;
	const char *comm = name_of(p), *pc = p->prev_comm[0] ? p->prev_comm : NULL;

	if (tl->jw) {
		json_writer_t *jw = tl->jw;

		json_head(tl, "switch", ev->ts, ev->cpu, ev->tid, p->pid, comm);
		jw_string_field(jw, "state", state_str(ev));
		jw_bool_field(jw, "preempt", ev->flags & PVT_SEF_PREEMPT);
		json_dur(jw, "sleep_ns", sleep);
		json_dur(jw, "wait_ns", wait);
		json_dur(jw, "run_ns", run);
		if (prev)
			json_task(jw, "prev", pc, p->prev_tid, p->prev_pid);
		else
			jw_null_field(jw, "prev");
		json_task(jw, "next", next_comm, ev->other, ev->next_pid);
		jw_end_object(jw);
		return;
	}
	char tm[32], task[TASK_BUFSZ], pv[TASK_BUFSZ], s1[32], s2[32], s3[32];

	slice_legend(tl, p, on, wait, sleep);
	/* the legend's order: the columns' */
	fmt_task(tl, "TASK[TID/PID]", task, sizeof(task), comm, ev->tid, p->pid);
	if (prev)
		fmt_task(tl, "PREV[TID]", pv, sizeof(pv), pc, p->prev_tid, -1);
	fprintf(tl->f, "%14s %4u  %-32s %10s %10s %10s  %-2s %s\n",
		fmt_time(tm, sizeof(tm), rel(tl, ev->ts)), ev->cpu, task, fmt_us(s1, sizeof(s1), sleep),
		fmt_us(s2, sizeof(s2), wait), fmt_us(s3, sizeof(s3), run), state_str(ev),
		prev ? pv : "-");
}

/* The name of @tid as the walk stands (NULL: unknown; tid 0: the idle task). */
static const char *name_now(struct tl *tl, uint32_t tid)
{
	const struct tl_task *t = task_get(tl, tid, false);

	return tid == 0 ? "<idle>" : t ? name_of(t) : NULL;
}

static void on_switch(struct tl *tl, const struct pvt_sched_ev *ev)
{
	struct tl_task *p, *n;
	const char *pn, *nn;
	char pcomm[PVT_COMM_LEN] = "", ncomm[PVT_COMM_LEN] = "";
	bool dead;

	/* both names before either changes (a task dying forgets its name) */
	pn = name_now(tl, ev->tid);
	nn = name_now(tl, ev->other);
	if (pn)
		copy_comm(pcomm, pn);
	if (nn)
		copy_comm(ncomm, nn);
	if (ev->flags & PVT_SEF_PREV_TRACKED) {
		p = task_get(tl, ev->tid, true);
		if (!p)
			return;
		p->pid = ev->arg;
		line_switch(tl, ev, p, nn ? ncomm : NULL);
		dead = ev->state & TASK_DEAD_BIT;
		if (dead) { /* a later task of this tid is another task */
			*p = (struct tl_task){ .tid = p->tid, .pid = p->pid, .sleep = UNKNOWN,
					       .wait = UNKNOWN };
		} else if ((ev->flags & PVT_SEF_PREEMPT) || !ev->state) {
			p->phase = PH_RUNNABLE;
			p->sleep = 0;
		} else {
			p->phase = PH_ASLEEP;
		}
		p->since = ev->ts;
	}
	if (ev->flags & PVT_SEF_NEXT_TRACKED) {
		n = task_get(tl, ev->other, true);
		if (!n)
			return;
		n->pid = ev->next_pid;
		if (n->phase == PH_RUNNABLE) {
			n->wait = (int64_t)(ev->ts - n->since);
		} else {
			n->wait = UNKNOWN;
			n->sleep = UNKNOWN;
			n->wait_why = n->phase == PH_UNKNOWN ? WHY_FIRST_AT_IN :
				      n->phase == PH_ASLEEP ? WHY_NO_WAKEUP : WHY_NO_OUT;
		}
		n->phase = PH_ON;
		n->in_ts = ev->ts;
		n->in_cpu = ev->cpu;
		n->prev_known = true;
		n->prev_tid = ev->tid;
		n->prev_pid = ev->arg;
		copy_comm(n->prev_comm, ev->tid == 0 ? "<idle>" : pcomm);
	}
}

static void on_wakeup(struct tl *tl, const struct pvt_sched_ev *ev)
{
	bool new_task = ev->kind == PVT_SE_WAKEUP_NEW;
	const char *what = new_task ? "awakened new" : "awakened";
	const char *wn = name_now(tl, ev->other);
	char wcomm[PVT_COMM_LEN] = "";
	struct tl_task *t, *w;

	if (wn)
		copy_comm(wcomm, wn);
	t = task_get(tl, ev->tid, true);
	if (!t)
		return;
	t->pid = ev->next_pid;
	if (tl->jw) {
		json_head(tl, new_task ? "wakeup_new" : "wakeup", ev->ts, ev->cpu, ev->tid, t->pid,
			  name_of(t));
		w = task_get(tl, ev->other, false);
		json_task(tl->jw, "waker", wn ? wcomm : NULL, ev->other, w ? (int64_t)w->pid : -1);
		jw_uint_field(tl->jw, "target_cpu", ev->arg);
		jw_end_object(tl->jw);
	} else {
		char waker[TASK_BUFSZ], task[TASK_BUFSZ], d[2 * TASK_BUFSZ];

		w = task_get(tl, ev->other, false);
		snprintf(d, sizeof(d), "%s: %s (cpu %u)", what,
			 fmt_task(tl, "an event's text", task, sizeof(task), name_of(t), ev->tid, t->pid),
			 ev->arg);
		text_event(tl, ev->ts, ev->cpu, fmt_task(tl, "TASK[TID/PID]", waker, sizeof(waker),
							wn ? wcomm : NULL,
							ev->other, w ? (int64_t)w->pid : -1), d);
	}
	if (new_task) { /* created: runnable from now, no sleep before */
		t->phase = PH_RUNNABLE;
		t->since = ev->ts;
		t->sleep = UNKNOWN;
		t->sleep_why = WHY_NEW;
	} else if (t->phase == PH_ASLEEP) {
		t->phase = PH_RUNNABLE;
		t->sleep = (int64_t)(ev->ts - t->since);
		t->since = ev->ts;
	} else if (t->phase == PH_UNKNOWN) {
		t->phase = PH_RUNNABLE;
		t->sleep = UNKNOWN;
		t->sleep_why = WHY_FIRST_AT_WAKEUP;
		t->since = ev->ts;
	} /* on a CPU, or runnable already: nothing changes */
}

static void on_migrate(struct tl *tl, const struct pvt_sched_ev *ev)
{
	struct tl_task *t = task_get(tl, ev->tid, true);
	char task[TASK_BUFSZ], d[64];

	if (!t)
		return;
	t->pid = ev->next_pid;
	if (tl->jw) {
		json_head(tl, "migrate", ev->ts, ev->cpu, ev->tid, t->pid, name_of(t));
		jw_uint_field(tl->jw, "dest_cpu", ev->arg);
		jw_end_object(tl->jw);
		return;
	}
	snprintf(d, sizeof(d), "migrated: to cpu %u", ev->arg);
	text_event(tl, ev->ts, ev->cpu, fmt_task(tl, "TASK[TID/PID]", task, sizeof(task), name_of(t),
						ev->tid, t->pid), d);
}

static void on_create_rec(struct tl *tl, const struct tl_rec *r)
{
	const char *cn = name_now(tl, r->other), *kind = r->flags ? "thread" : "process";
	char ccomm[PVT_COMM_LEN] = "", nb[16];
	const char *sys = pvt_syscall_name(r->nr, nb, sizeof(nb));
	struct tl_task *t, *c;

	if (cn)
		copy_comm(ccomm, cn);
	t = task_get(tl, r->tid, true);
	if (!t)
		return;
	/* a new task of this tid: its state and name start here */
	*t = (struct tl_task){ .tid = r->tid, .pid = r->pid, .sleep = UNKNOWN, .wait = UNKNOWN };
	copy_comm(t->comm, r->comm);
	c = task_get(tl, r->other, false);
	if (tl->jw) {
		json_head(tl, "create", r->ts, r->cpu, r->tid, r->pid, t->comm);
		jw_string_field(tl->jw, "kind", kind);
		jw_string_field(tl->jw, "syscall", sys);
		json_task(tl->jw, "creator", cn ? ccomm : NULL, r->other, c ? (int64_t)c->pid : -1);
		jw_end_object(tl->jw);
		return;
	}
	char task[TASK_BUFSZ], creator[TASK_BUFSZ], d[2 * TASK_BUFSZ];

	snprintf(d, sizeof(d), "created %s: %s (%s)", kind,
		 fmt_task(tl, "an event's text", task, sizeof(task), t->comm, r->tid, r->pid), sys);
	text_event(tl, r->ts, r->cpu, fmt_task(tl, "TASK[TID/PID]", creator, sizeof(creator),
					       cn ? ccomm : NULL, r->other,
					       c ? (int64_t)c->pid : -1), d);
}

static void on_exec_rec(struct tl *tl, const struct tl_rec *r)
{
	struct tl_task *t = task_get(tl, r->tid, true);
	char task[TASK_BUFSZ], path[TERM_ESCAPE_BUFSZ(PVT_PATH_LEN)], d[sizeof(path) + 64];
	const char *p = r->path ? r->path : "";

	if (!t)
		return;
	t->pid = r->pid;
	if (!r->code)
		copy_comm(t->comm, r->comm);
	if (tl->jw) {
		json_head(tl, "exec", r->ts, r->cpu, r->tid, r->pid, name_of(t));
		jw_string_field(tl->jw, "path", p);
		jw_int_field(tl->jw, "ret", r->code);
		jw_uint_field(tl->jw, "old_tid", r->other);
		jw_end_object(tl->jw);
		return;
	}
	term_escape(path, sizeof(path), p, strlen(p));
	if (r->code) {
		const char *e = r->code < 0 && r->code > -4096 ? strerrorname_np(-r->code) : NULL;

		if (e)
			snprintf(d, sizeof(d), "exec failed: %s (%s)", path, e);
		else
			snprintf(d, sizeof(d), "exec failed: %s (error %d)", path, r->code);
	} else {
		snprintf(d, sizeof(d), "exec: %s", path);
	}
	text_event(tl, r->ts, r->cpu, fmt_task(tl, "TASK[TID/PID]", task, sizeof(task), name_of(t),
					       r->tid, r->pid), d);
}

static void on_rename_rec(struct tl *tl, const struct tl_rec *r)
{
	struct tl_task *t = task_get(tl, r->tid, true);
	char task[TASK_BUFSZ], old[TERM_ESCAPE_BUFSZ(PVT_COMM_LEN)], d[sizeof(old) + 32];

	if (!t)
		return;
	t->pid = r->pid;
	copy_comm(t->comm, r->comm);
	if (tl->jw) {
		json_head(tl, "rename", r->ts, r->cpu, r->tid, r->pid, t->comm);
		jw_name(tl->jw, "old_comm");
		jw_string_n(tl->jw, r->old, PVT_COMM_LEN);
		jw_bool_field(tl->jw, "by_exec", r->other);
		jw_end_object(tl->jw);
		return;
	}
	term_escape(old, sizeof(old), r->old, strnlen(r->old, PVT_COMM_LEN));
	snprintf(d, sizeof(d), "renamed: was %s%s", old, r->other ? " (exec)" : "");
	text_event(tl, r->ts, r->cpu, fmt_task(tl, "TASK[TID/PID]", task, sizeof(task), t->comm,
					       r->tid, r->pid), d);
}

static void on_exit_rec(struct tl *tl, const struct tl_rec *r)
{
	struct tl_task *t = task_get(tl, r->tid, true);
	struct pvt_exit x = pvt_decode_exit(r->code);
	const char *how = pvt_exit_how_name(r->how);
	char task[TASK_BUFSZ], d[96];

	if (!t)
		return;
	if (!(r->flags & PVT_F_EXITED))
		x.known = false;
	t->pid = r->pid;
	copy_comm(t->comm, r->comm);
	if (tl->jw) {
		json_writer_t *jw = tl->jw;

		json_head(tl, "exit", r->ts, r->cpu, r->tid, r->pid, t->comm);
		if (x.known && !x.signal)
			jw_int_field(jw, "code", x.code);
		else
			jw_null_field(jw, "code");
		if (x.known && x.signal)
			jw_int_field(jw, "signal", x.signal);
		else
			jw_null_field(jw, "signal");
		jw_string_or_null_field(jw, "how", how);
		jw_end_object(jw);
		return;
	}
	if (!x.known)
		snprintf(d, sizeof(d), "exited");
	else if (x.signal)
		snprintf(d, sizeof(d), "exited: signal %d (SIG%s)%s", x.signal,
			 pvt_signal_name(x.signal), r->how == PVT_EXIT_COLLATERAL ? ", collateral" : "");
	else
		snprintf(d, sizeof(d), "exited: code %d%s", x.code,
			 r->how == PVT_EXIT_COLLATERAL ? ", collateral" : "");
	text_event(tl, r->ts, r->cpu, fmt_task(tl, "TASK[TID/PID]", task, sizeof(task), t->comm,
					       r->tid, r->pid), d);
}

static void header(struct tl *tl)
{
	if (tl->jw) {
		json_writer_t *jw = tl->jw;

		jw_start_object(jw);
		jw_string_field(jw, "schema", "pvtrace.timeline/1");
		jw_uint_or_null_field(jw, "start_realtime_ns", tl->have_start, tl->start.realtime_ns);
		jw_uint_or_null_field(jw, "start_monotonic_ns", tl->have_start, tl->start.monotonic_ns);
		jw_bool_field(jw, "whole", tl->end != NULL);
		jw_uint_or_null_field(jw, "sched_lost", tl->end != NULL, tl->end ? tl->end->sched_lost : 0);
		jw_end_object(jw);
		return;
	}
	fprintf(tl->f, "%14s %4s  %-32s %10s %10s %10s  %-2s %s\n", "TIME(s)", "CPU", "TASK[TID/PID]",
		"SLEEP(us)", "WAIT(us)", "RUN(us)", "ST", "PREV[TID]");
}

/* The walk: every event in time order, a line each. */
static void walk(struct tl *tl)
{
	size_t n = tl->nsev + tl->nrec;

	header(tl);
	for (size_t i = 0; i < n && !tl->oom; i++) {
		size_t idx = tl->ord[i].idx;

		if (idx < tl->nsev) {
			const struct pvt_sched_ev *ev = &tl->sev[idx];

			switch (ev->kind) {
			case PVT_SE_SWITCH:
				on_switch(tl, ev);
				break;
			case PVT_SE_WAKEUP:
			case PVT_SE_WAKEUP_NEW:
				on_wakeup(tl, ev);
				break;
			case PVT_SE_MIGRATE:
				on_migrate(tl, ev);
				break;
			default:
				break; /* a newer kind */
			}
			continue;
		}
		const struct tl_rec *r = &tl->rec[idx - tl->nsev];

		switch (r->kind) {
		case PVT_EV_CREATE:
			on_create_rec(tl, r);
			break;
		case PVT_EV_EXEC:
			on_exec_rec(tl, r);
			break;
		case PVT_EV_RENAME:
			on_rename_rec(tl, r);
			break;
		case PVT_EV_EXIT:
			on_exit_rec(tl, r);
			break;
		default:
			break;
		}
	}
}

int timeline_write(struct pvt_rec_reader *r, FILE *f, bool json, char *err, size_t errlen)
{
	struct tl tl = { .f = f };
	int rc = load(&tl, r, err, errlen), ret = rc;

	if (rc == -1)
		goto out;
	if (sort_events(&tl)) {
		snprintf(err, errlen, "out of memory");
		ret = -1;
		goto out;
	}
	if (!tl.have_start) /* times from the first event */
		tl.start.monotonic_ns = tl.nsev + tl.nrec ? tl.ord[0].ts : 0;
	if (json) {
		tl.jw = jw_new(f, false);
		if (!tl.jw) {
			snprintf(err, errlen, "out of memory");
			ret = -1;
			goto out;
		}
	}
	walk(&tl);
	if (!tl.jw)
		pvt_legend_print(f, &tl.lg);
	if (tl.oom) {
		snprintf(err, errlen, "out of memory");
		ret = -1;
	} else if ((tl.jw && jw_flush(tl.jw)) || fflush(f) || ferror(f)) {
		snprintf(err, errlen, "cannot write the timeline: %s", strerror(errno ? errno : EIO));
		ret = -3;
	}
	jw_destroy(tl.jw);
out:
	tl_free(&tl);
	return ret;
}

int timeline_print(const char *path, const char *out_path, bool json)
{
	struct pvt_rec_reader *r;
	const struct pvt_rec_end *end;
	struct pvt_output out;
	uint64_t lost;
	char err[512];
	int rc;

	if (recr_open(&r, path, err, sizeof(err))) {
		pvt_err("report: %s: %s", path, err);
		return PVT_EXIT_FAILURE;
	}
	if (output_open_report(&out, out_path ? out_path : "-", stdout)) {
		recr_close(r);
		return PVT_EXIT_FAILURE;
	}
	rc = timeline_write(r, out.f, json, err, sizeof(err));
	end = recr_end(r);
	lost = end ? end->sched_lost : 0;
	recr_close(r);
	if (rc == -1 || rc == -3) { /* nothing worth keeping: FILE left as it was */
		output_abort(&out);
		pvt_err("report: %s: %s", path, err);
		return PVT_EXIT_FAILURE;
	}
	if (output_commit(&out))
		return PVT_EXIT_FAILURE;
	if (rc == -2) { /* what it holds is written: then why it stops there */
		pvt_err("report: %s: %s", path, err);
		return PVT_EXIT_FAILURE;
	}
	if (lost)
		pvt_warn("report: %s: %llu scheduling events did not fit the ring buffer while "
			 "recording (--record-buffer-kb): the timeline misses them", path,
			 (unsigned long long)lost);
	return 0;
}
