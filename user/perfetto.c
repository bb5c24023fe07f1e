// SPDX-License-Identifier: GPL-2.0
/*
 * perfetto.c - a recording as a Perfetto trace (perfetto.h): a Trace of
 * TracePackets (docs/perfetto/pvtrace_perfetto.proto), in this order:
 *
 *   a ClockSnapshot   BOOTTIME, MONOTONIC (and REALTIME) at one instant;
 *   SystemInfo        the recording kernel's release (how the importer reads
 *                     sched_switch's prev_state);
 *   a ProcessTree     the tasks that were there before the trace (the command,
 *                     attach's targets): pid, ppid, command line, threads;
 *   then, in time order, per CPU FtraceEventBundles (sched_switch,
 *                     sched_waking and sched_wakeup, sched_wakeup_new,
 *                     sched_migrate_task, task_newtask, task_rename,
 *                     sched_process_exit, sched_process_free) and, on a
 *                     sequence of their own, counter tracks: each thread's
 *                     run-queue wait (a value at each switch-in: from its
 *                     wakeup or preemption to it), each process's RSS (its
 *                     samples).
 *
 * Every time is the recording's CLOCK_MONOTONIC moved to CLOCK_BOOTTIME, the
 * clock the importer reads ftrace events in, by the offset the recording took
 * (INFO BOOTTIME; without it, none: the two clocks agree until a suspend).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "perfetto.h"
#include "perfetto_pb.h"

#define BUNDLE_EVENTS 1024  /* events per FtraceEventBundle */
#define SEQ_FTRACE 1        /* trusted_packet_sequence_id of everything but the tracks */
#define SEQ_TRACKS 2        /* of the track descriptors and counter values */
#define PRIO_NORMAL 120     /* the kernel's prio of a SCHED_OTHER nice-0 task (not recorded) */

enum { /* TracePacket */
	TP_FTRACE = 1, TP_PROCESS_TREE = 2, TP_CLOCK = 6, TP_TIMESTAMP = 8, TP_SEQ_ID = 10,
	TP_TRACK_EVENT = 11, TP_SEQ_FLAGS = 13, TP_SYSTEM_INFO = 45, TP_TRACK_DESC = 60,
	TP_FIRST_ON_SEQ = 87,
};
enum { /* FtraceEvent */
	FE_TS = 1, FE_PID = 2, FE_SWITCH = 4, FE_WAKEUP = 17, FE_WAKING = 20, FE_WAKEUP_NEW = 114,
	FE_NEWTASK = 235, FE_RENAME = 236, FE_EXIT = 238, FE_FREE = 240, FE_MIGRATE = 491,
};
enum { CLOCK_ID_REALTIME = 1, CLOCK_ID_MONOTONIC = 3, CLOCK_ID_BOOTTIME = 6 };
enum { UNIT_TIME_NS = 1, UNIT_SIZE_BYTES = 3 };
#define TRACK_EVENT_COUNTER 4
#define SEQ_INCREMENTAL_STATE_CLEARED 1

struct pf_cpu {
	struct pb_buf pb;       /* a TracePacket with its FtraceEventBundle open */
	uint32_t n;             /* events in it */
	bool open;
	bool have_last;         /* the task the last switch left on this CPU */
	uint32_t last_tid, last_pid;
	uint64_t last_ts;
};

struct pf_writer {
	struct pf_input *in;
	FILE *out;
	uint64_t boot_off;      /* added to CLOCK_MONOTONIC: CLOCK_BOOTTIME */
	struct pf_cpu *cpus;
	size_t ncpus;
	struct pb_buf pkt;      /* any other packet, built then written */
	uint64_t uuid;          /* the last track uuid given */
	bool tracks_begun;
	int err;                /* -ENOMEM, -EIO */
	struct perfetto_stats *st;
};

static uint64_t boot_ts(const struct pf_writer *w, uint64_t mono)
{
	return mono + w->boot_off;
}

/* ---- packets ---- */

/* @pb as one Trace.packet (field 1) of the file. */
static void write_packet(struct pf_writer *w, struct pb_buf *pb)
{
	uint8_t hdr[11];
	size_t n = 1;
	uint64_t len = pb->len;

	if (pb->failed) {
		w->err = -ENOMEM;
		return;
	}
	hdr[0] = 0x0a; /* field 1, length-delimited */
	do {
		hdr[n++] = (uint8_t)(len | (len >= 0x80 ? 0x80 : 0));
		len >>= 7;
	} while (len);
	if (fwrite(hdr, 1, n, w->out) != n || fwrite(pb->data, 1, pb->len, w->out) != pb->len)
		w->err = -EIO;
	w->st->packets++;
}

static struct pb_buf *packet_begin(struct pf_writer *w, uint32_t seq)
{
	pb_reset(&w->pkt);
	pb_uint(&w->pkt, TP_SEQ_ID, seq);
	return &w->pkt;
}

static void put_clock(struct pb_buf *pb, uint32_t id, uint64_t ts)
{
	pb_begin(pb, 1);
	pb_uint(pb, 1, id);
	pb_uint(pb, 2, ts);
	pb_end(pb);
}

/* The clocks at one instant: the boot clock (the trace's), the monotonic one, the real one. */
static void emit_clocks(struct pf_writer *w)
{
	const struct pf_input *in = w->in;
	uint64_t mono = in->have_boot ? in->boot.monotonic_ns :
			in->have_start ? in->start.monotonic_ns : in->first_ts;
	struct pb_buf *pb = packet_begin(w, SEQ_FTRACE);

	pb_uint(pb, TP_SEQ_FLAGS, SEQ_INCREMENTAL_STATE_CLEARED);
	pb_bool(pb, TP_FIRST_ON_SEQ, true);
	pb_begin(pb, TP_CLOCK);
	put_clock(pb, CLOCK_ID_BOOTTIME, boot_ts(w, mono));
	put_clock(pb, CLOCK_ID_MONOTONIC, mono);
	if (in->have_start)
		put_clock(pb, CLOCK_ID_REALTIME, in->start.realtime_ns + (mono - in->start.monotonic_ns));
	pb_end(pb);
	write_packet(w, pb);
}

static void emit_system_info(struct pf_writer *w)
{
	struct pb_buf *pb;

	if (!w->in->kernel[0])
		return;
	pb = packet_begin(w, SEQ_FTRACE);
	pb_begin(pb, TP_SYSTEM_INFO);
	pb_begin(pb, 1);
	pb_string(pb, 1, "Linux");
	pb_string(pb, 3, w->in->kernel);
	if (w->in->arch[0])
		pb_string(pb, 4, w->in->arch);
	pb_end(pb);
	pb_end(pb);
	write_packet(w, pb);
}

/* Was @t there before the trace (not created under it)? */
static bool preexisting(const struct pf_task *t)
{
	return !(t->flags & PF_T_BORN);
}

/* Is tasks[@i] the first task there before the trace of its process? */
static bool first_of_process(const struct pf_input *in, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (in->tasks[k].pid == in->tasks[i].pid && preexisting(&in->tasks[k]))
			return false;
	return true;
}

static void put_process(struct pf_writer *w, struct pb_buf *pb, const struct pf_task *t)
{
	const struct pf_task *l = pf_task_find(w->in, t->pid);

	pb_begin(pb, 1);
	pb_uint(pb, 1, t->pid);
	pb_uint(pb, 2, l ? l->ppid : t->ppid);
	if (l && (l->flags & PF_T_ROOT) && w->in->argc) {
		for (size_t i = 0; i < w->in->argc; i++)
			pb_string(pb, 3, w->in->argv[i]);
	} else {
		pb_strn(pb, 3, (l ? l : t)->comm_first, PVT_COMM_LEN);
	}
	pb_end(pb);
}

/*
 * The tasks there before the trace: each process (pid, ppid, command line)
 * and its threads (tid, tgid), with the name of a thread that keeps it all
 * along (a name given here outranks the renames the events carry; a thread
 * that never runs in the trace has no other).
 */
static void emit_process_tree(struct pf_writer *w)
{
	const struct pf_input *in = w->in;
	uint64_t t0 = in->have_start && in->start.monotonic_ns < in->first_ts ?
		      in->start.monotonic_ns : in->first_ts;
	struct pb_buf *pb = packet_begin(w, SEQ_FTRACE);
	size_t n = 0;

	pb_uint(pb, TP_TIMESTAMP, boot_ts(w, t0));
	pb_begin(pb, TP_PROCESS_TREE);
	for (size_t i = 0; i < in->ntasks; i++)
		if (preexisting(&in->tasks[i]) && first_of_process(in, i) &&
		    !(in->tasks[i].flags & PF_T_UNNAMED))
			put_process(w, pb, &in->tasks[i]);
	for (size_t i = 0; i < in->ntasks; i++) {
		const struct pf_task *t = &in->tasks[i];

		if (!preexisting(t))
			continue;
		pb_begin(pb, 2);
		pb_uint(pb, 1, t->tid);
		pb_uint(pb, 3, t->pid);
		if (!t->renames && t->comm[0] && !strncmp(t->comm_first, t->comm, PVT_COMM_LEN))
			pb_strn(pb, 2, t->comm, PVT_COMM_LEN);
		pb_end(pb);
		n++;
	}
	pb_end(pb);
	if (n)
		write_packet(w, pb);
}

/* ---- ftrace events, per CPU ---- */

static void bundle_open(struct pf_writer *w, uint32_t cpu)
{
	struct pf_cpu *c = &w->cpus[cpu];
	bool first = !c->pb.data;

	pb_reset(&c->pb);
	pb_uint(&c->pb, TP_SEQ_ID, SEQ_FTRACE);
	pb_begin(&c->pb, TP_FTRACE);
	pb_uint(&c->pb, 1, cpu);
	if (first && w->in->sched_lost)
		pb_bool(&c->pb, 3, true); /* lost_events: on which CPU is not known */
	c->open = true;
	c->n = 0;
}

static void bundle_flush(struct pf_writer *w, uint32_t cpu)
{
	struct pf_cpu *c = &w->cpus[cpu];

	if (!c->open)
		return;
	pb_end(&c->pb);
	write_packet(w, &c->pb);
	c->open = false;
}

/* An FtraceEvent on @cpu at @ts, @pid current: its message open for the event's own. */
static struct pb_buf *ev_begin(struct pf_writer *w, uint32_t cpu, uint64_t ts, uint32_t pid,
			       uint32_t field)
{
	struct pf_cpu *c = &w->cpus[cpu];

	if (!c->open)
		bundle_open(w, cpu);
	pb_begin(&c->pb, 2);
	pb_uint(&c->pb, FE_TS, boot_ts(w, ts));
	pb_uint(&c->pb, FE_PID, pid);
	pb_begin(&c->pb, field);
	if (ts > c->last_ts)
		c->last_ts = ts;
	return &c->pb;
}

static void ev_end(struct pf_writer *w, uint32_t cpu)
{
	struct pf_cpu *c = &w->cpus[cpu];

	pb_end(&c->pb);
	pb_end(&c->pb);
	if (++c->n >= BUNDLE_EVENTS)
		bundle_flush(w, cpu);
}

/* A task's name at this point of the trace: "swapper/CPU" for idle, NULL if not traced. */
static const char *comm_of(struct pf_writer *w, uint32_t tid, uint32_t cpu, char *buf, size_t sz)
{
	struct pf_task *t;

	if (!tid) {
		snprintf(buf, sz, "swapper/%u", cpu);
		return buf;
	}
	t = pf_task_find(w->in, tid);
	return t && t->cur[0] ? t->cur : NULL;
}

static void put_comm(struct pb_buf *pb, uint32_t field, const char *comm)
{
	if (comm) /* an untraced task's name is not known: the field left out */
		pb_strn(pb, field, comm, PVT_COMM_LEN);
}

/*
 * prev_state as the kernel's sched_switch prints it (__trace_sched_switch_state,
 * 4.14+): preempted 0x100 (TASK_REPORT_MAX, "R+"); else the highest TASK_REPORT
 * bit of the state, where an exiting task (TASK_DEAD) reports its exit state,
 * EXIT_DEAD (0x10: the recording kept only the state's low byte, and not
 * exit_state, so a zombie leader shows as dead too).
 */
static int64_t report_state(uint8_t state, uint32_t flags)
{
	uint8_t s = state & 0x7f;
	int64_t bit = 0x40;

	if (flags & PVT_SEF_PREEMPT)
		return 0x100;
	if (state & 0x80)
		return 0x10;
	while (bit && !(s & bit))
		bit >>= 1;
	return bit;
}

static void emit_switch(struct pf_writer *w, uint32_t cpu, uint64_t ts, uint32_t prev,
			uint32_t prev_pid, int64_t state, uint32_t next, uint32_t next_pid)
{
	struct pb_buf *pb = ev_begin(w, cpu, ts, prev, FE_SWITCH);
	struct pf_cpu *c = &w->cpus[cpu];
	char b1[24], b2[24];

	put_comm(pb, 1, comm_of(w, prev, cpu, b1, sizeof(b1)));
	pb_uint(pb, 2, prev);
	pb_uint(pb, 3, PRIO_NORMAL);
	pb_uint(pb, 4, (uint64_t)state);
	put_comm(pb, 5, comm_of(w, next, cpu, b2, sizeof(b2)));
	pb_uint(pb, 6, next);
	pb_uint(pb, 7, PRIO_NORMAL);
	ev_end(w, cpu);
	c->have_last = true;
	c->last_tid = next;
	c->last_pid = next_pid;
	w->st->switches++;
}

/* ---- counter tracks ---- */

static struct pb_buf *track_packet(struct pf_writer *w)
{
	struct pb_buf *pb = packet_begin(w, SEQ_TRACKS);

	if (!w->tracks_begun) {
		pb_uint(pb, TP_SEQ_FLAGS, SEQ_INCREMENTAL_STATE_CLEARED);
		pb_bool(pb, TP_FIRST_ON_SEQ, true);
		w->tracks_begun = true;
	}
	return pb;
}

/* A track for the thread @tid (@tid 0: the process @pid); its uuid. */
static uint64_t owner_track(struct pf_writer *w, uint32_t pid, uint32_t tid)
{
	struct pb_buf *pb = track_packet(w);
	uint64_t uuid = ++w->uuid;

	pb_begin(pb, TP_TRACK_DESC);
	pb_uint(pb, 1, uuid);
	pb_begin(pb, tid ? 4 : 3);
	pb_uint(pb, 1, pid);
	if (tid)
		pb_uint(pb, 2, tid);
	pb_end(pb);
	pb_end(pb);
	write_packet(w, pb);
	return uuid;
}

/* A counter track named @name under @parent; its uuid. */
static uint64_t counter_track(struct pf_writer *w, uint64_t parent, const char *name, uint32_t unit)
{
	struct pb_buf *pb = track_packet(w);
	uint64_t uuid = ++w->uuid;

	pb_begin(pb, TP_TRACK_DESC);
	pb_uint(pb, 1, uuid);
	pb_uint(pb, 5, parent);
	pb_string(pb, 2, name);
	pb_begin(pb, 8);
	pb_uint(pb, 3, unit);
	pb_end(pb);
	pb_end(pb);
	write_packet(w, pb);
	return uuid;
}

static void counter_value(struct pf_writer *w, uint64_t track, uint64_t ts, int64_t v)
{
	struct pb_buf *pb = track_packet(w);

	pb_uint(pb, TP_TIMESTAMP, boot_ts(w, ts));
	pb_begin(pb, TP_TRACK_EVENT);
	pb_uint(pb, 9, TRACK_EVENT_COUNTER);
	pb_uint(pb, 11, track);
	pb_int(pb, 30, v);
	pb_end(pb);
	write_packet(w, pb);
}

/* @t waited for a CPU from its wakeup or preemption until @ts (a switch-in). */
static void runq_value(struct pf_writer *w, struct pf_task *t, uint64_t ts)
{
	if (!t->runq_uuid) {
		t->thread_uuid = owner_track(w, t->pid, t->tid);
		t->runq_uuid = counter_track(w, t->thread_uuid, "run-queue wait", UNIT_TIME_NS);
	}
	counter_value(w, t->runq_uuid, ts, (int64_t)(ts - t->runq_since));
	w->st->runq_values++;
}

static void rss_value(struct pf_writer *w, const struct pf_item *it)
{
	struct pf_task *l = pf_task_find(w->in, it->pid);

	if (!l)
		return; /* a process whose leader pvtrace never saw */
	if (!l->rss_uuid) {
		l->proc_uuid = owner_track(w, l->pid, 0);
		l->rss_uuid = counter_track(w, l->proc_uuid, "RSS", UNIT_SIZE_BYTES);
	}
	counter_value(w, l->rss_uuid, it->ts, (int64_t)it->value);
	w->st->rss_values++;
}

/* ---- the scheduling events ---- */

/* The waits a switch ends and begins: @next's ends; @prev's begins if it is still @runnable. */
static void switch_waits(struct pf_writer *w, struct pf_task *prev, bool runnable,
			 struct pf_task *next, uint64_t ts)
{
	if (prev) {
		prev->on_cpu = false;
		prev->runq_since = runnable ? ts : 0;
	}
	if (next) {
		if (next->runq_since && ts >= next->runq_since)
			runq_value(w, next, ts);
		next->runq_since = 0;
		next->on_cpu = true;
	}
}

/*
 * Only switches with a traced task are recorded: between two of them a CPU
 * may have gone from one untraced task to another (or to a traced one
 * without a sched_switch event: the report's in_unseen).  The importer wants
 * each switch's prev to be the last one's next (else it leaves that task's
 * slice open to the end of the trace): a switch from the one to the other is
 * added a nanosecond before, the time between shown as the first one's.  It
 * is a switch like the others for the waits too.
 */
static void bridge(struct pf_writer *w, const struct pvt_sched_ev *e)
{
	struct pf_cpu *c = &w->cpus[e->cpu];
	uint64_t ts = e->ts > c->last_ts + 1 ? e->ts - 1 : e->ts;
	struct pf_task *prev;

	if (!c->have_last || c->last_tid == e->tid)
		return;
	prev = c->last_tid ? pf_task_find(w->in, c->last_tid) : NULL;
	emit_switch(w, e->cpu, ts, c->last_tid, c->last_pid, 0, e->tid, e->arg);
	switch_waits(w, prev, true, e->tid ? pf_task_find(w->in, e->tid) : NULL, ts);
	w->st->bridged++;
}

static void on_switch(struct pf_writer *w, const struct pvt_sched_ev *e)
{
	struct pf_task *prev = (e->flags & PVT_SEF_PREV_TRACKED) ? pf_task_find(w->in, e->tid) : NULL;
	struct pf_task *next = (e->flags & PVT_SEF_NEXT_TRACKED) ? pf_task_find(w->in, e->other) :
			       NULL;

	bridge(w, e);
	emit_switch(w, e->cpu, e->ts, e->tid, e->arg, report_state(e->state, e->flags), e->other,
		    e->next_pid);
	/* preempted (even while it was going to sleep) or still runnable: it waits */
	switch_waits(w, prev, (e->flags & PVT_SEF_PREEMPT) || e->state == 0, next, e->ts);
}

/* sched_waking (the importer's runnable mark) and the recorded sched_wakeup(_new). */
static void on_wakeup(struct pf_writer *w, const struct pvt_sched_ev *e)
{
	struct pf_task *t = pf_task_find(w->in, e->tid);
	uint32_t field = e->kind == PVT_SE_WAKEUP ? FE_WAKEUP : FE_WAKEUP_NEW;
	char b[24];
	const char *comm = comm_of(w, e->tid, e->cpu, b, sizeof(b));

	for (int k = 0; k < 2; k++) {
		struct pb_buf *pb = ev_begin(w, e->cpu, e->ts, e->other, k ? field : FE_WAKING);

		put_comm(pb, 1, comm);
		pb_uint(pb, 2, e->tid);
		pb_uint(pb, 3, PRIO_NORMAL);
		pb_uint(pb, 4, 1);
		pb_uint(pb, 5, e->arg);
		ev_end(w, e->cpu);
	}
	if (t && !t->on_cpu && !t->runq_since)
		t->runq_since = e->ts;
	w->st->wakeups++;
}

static void on_migrate(struct pf_writer *w, const struct pvt_sched_ev *e)
{
	struct pb_buf *pb = ev_begin(w, e->cpu, e->ts, 0, FE_MIGRATE);
	char b[24];

	put_comm(pb, 1, comm_of(w, e->tid, e->cpu, b, sizeof(b)));
	pb_uint(pb, 2, e->tid);
	pb_uint(pb, 3, PRIO_NORMAL);
	pb_uint(pb, 4, e->cpu);
	pb_uint(pb, 5, e->arg);
	ev_end(w, e->cpu);
	w->st->migrations++;
}

static void on_sched_ev(struct pf_writer *w, const struct pvt_sched_ev *e)
{
	switch (e->kind) {
	case PVT_SE_SWITCH:
		on_switch(w, e);
		break;
	case PVT_SE_WAKEUP:
	case PVT_SE_WAKEUP_NEW:
		on_wakeup(w, e);
		break;
	case PVT_SE_MIGRATE:
		on_migrate(w, e);
		break;
	default:
		break; /* a newer kind */
	}
}

/* ---- the tasks' lives ---- */

static void on_create(struct pf_writer *w, const struct pf_item *it, const struct pf_task *t)
{
	uint32_t creator = t->parent_tid ? t->parent_tid :
			   (t->clone_flags & PVT_CLONE_THREAD) ? t->pid : t->ppid;
	struct pb_buf *pb = ev_begin(w, it->cpu, it->ts, creator, FE_NEWTASK);

	pb_uint(pb, 1, t->tid);
	pb_strn(pb, 2, t->cur, PVT_COMM_LEN);
	pb_uint(pb, 3, t->clone_flags);
	ev_end(w, it->cpu);
	w->st->creations++;
}

static void rename_to(struct pf_writer *w, struct pf_task *t, uint32_t cpu, uint64_t ts,
		      const char *comm)
{
	struct pb_buf *pb = ev_begin(w, cpu, ts, t->tid, FE_RENAME);

	pb_uint(pb, 1, t->tid);
	pb_strn(pb, 2, t->cur, PVT_COMM_LEN);
	pb_strn(pb, 3, comm, PVT_COMM_LEN);
	ev_end(w, cpu);
	memcpy(t->cur, comm, PVT_COMM_LEN);
	w->st->renames++;
}

/* The name its final record gives, if the renames recorded did not lead to it (one lost). */
static void settle_name(struct pf_writer *w, struct pf_task *t, uint32_t cpu, uint64_t ts)
{
	if ((t->flags & PF_T_FINAL) && strncmp(t->cur, t->comm, PVT_COMM_LEN))
		rename_to(w, t, cpu, ts, t->comm);
}

static void on_end(struct pf_writer *w, const struct pf_item *it, struct pf_task *t)
{
	bool exit = it->kind == PF_I_EXIT;
	struct pb_buf *pb;

	if (exit)
		settle_name(w, t, it->cpu, it->ts);
	pb = ev_begin(w, it->cpu, it->ts, t->tid, exit ? FE_EXIT : FE_FREE);
	pb_strn(pb, 1, t->cur, PVT_COMM_LEN);
	pb_uint(pb, 2, t->tid);
	if (exit) {
		pb_uint(pb, 3, t->pid);
		pb_uint(pb, 4, PRIO_NORMAL);
	} else {
		pb_uint(pb, 3, PRIO_NORMAL);
	}
	ev_end(w, it->cpu);
	w->st->exits += exit;
}

static void on_item(struct pf_writer *w, const struct pf_item *it)
{
	struct pf_task *t = it->kind == PF_I_RSS ? NULL : pf_task_find(w->in, it->tid);

	if (it->kind == PF_I_RSS) {
		rss_value(w, it);
		return;
	}
	if (!t || it->cpu >= w->ncpus)
		return;
	if (it->kind == PF_I_CREATE)
		on_create(w, it, t);
	else if (it->kind == PF_I_RENAME)
		rename_to(w, t, it->cpu, it->ts, it->comm);
	else if (it->kind == PF_I_EXIT || it->kind == PF_I_FREE)
		on_end(w, it, t);
}

/* ---- the whole trace ---- */

/* Both streams in time order, the scheduling events first among equals. */
static void walk(struct pf_writer *w)
{
	struct pf_input *in = w->in;
	size_t i = 0, k = 0;

	while ((i < in->nev || k < in->nitems) && !w->err) {
		if (k >= in->nitems || (i < in->nev && in->ev[i].ts <= in->items[k].ts))
			on_sched_ev(w, &in->ev[i++]);
		else
			on_item(w, &in->items[k++]);
	}
	for (size_t n = 0; n < in->ntasks; n++) /* alive at the end: its last name */
		if (in->tasks[n].flags & PF_T_ALIVE)
			settle_name(w, &in->tasks[n], 0, in->last_ts);
}

static int writer_init(struct pf_writer *w, struct pf_input *in, FILE *out,
		       struct perfetto_stats *st)
{
	memset(w, 0, sizeof(*w));
	memset(st, 0, sizeof(*st));
	w->in = in;
	w->out = out;
	w->st = st;
	/* the boot clock is never behind: a negative difference is the reads' own (~100 ns) */
	if (in->have_boot && in->boot.boottime_ns > in->boot.monotonic_ns)
		w->boot_off = in->boot.boottime_ns - in->boot.monotonic_ns;
	w->ncpus = (size_t)in->max_cpu + 1;
	for (size_t i = 0; i < in->nitems; i++)
		if (in->items[i].kind != PF_I_RSS && in->items[i].cpu >= w->ncpus &&
		    in->items[i].cpu < 1024)
			w->ncpus = (size_t)in->items[i].cpu + 1;
	w->cpus = calloc(w->ncpus, sizeof(*w->cpus));
	pb_init(&w->pkt);
	for (size_t i = 0; i < in->ntasks; i++) {
		struct pf_task *t = &in->tasks[i];

		memcpy(t->cur, t->comm_first, PVT_COMM_LEN);
		t->on_cpu = false;
		t->runq_since = t->thread_uuid = t->runq_uuid = t->proc_uuid = t->rss_uuid = 0;
	}
	return w->cpus ? 0 : -ENOMEM;
}

static void writer_free(struct pf_writer *w)
{
	for (size_t i = 0; w->cpus && i < w->ncpus; i++)
		pb_free(&w->cpus[i].pb);
	free(w->cpus);
	pb_free(&w->pkt);
}

int perfetto_write(struct pf_input *in, FILE *out, struct perfetto_stats *st, char *err,
		   size_t errlen)
{
	struct pf_writer w;
	int rc = writer_init(&w, in, out, st);

	if (!rc) {
		emit_clocks(&w);
		emit_system_info(&w);
		emit_process_tree(&w);
		walk(&w);
		for (size_t c = 0; c < w.ncpus; c++)
			bundle_flush(&w, (uint32_t)c);
		rc = w.err;
	}
	writer_free(&w);
	if (rc == -EIO || (!rc && ferror(out)))
		snprintf(err, errlen, "cannot write the trace: %s", strerror(errno ? errno : EIO));
	else if (rc)
		snprintf(err, errlen, "out of memory");
	return rc || ferror(out) ? -1 : 0;
}
