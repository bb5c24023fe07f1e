// SPDX-License-Identifier: GPL-2.0
/* events.c - the live event stream of `pvtrace run --events` (format: docs/METRICS.md). */
#include <stdio.h>
#include <string.h>
#include "common.h"
#include "creation.h"
#include "escape.h"
#include "events.h"
#include "json_writer.h"
#include "tasktable.h"

static const char *esc(char *buf, size_t sz, const char *s, size_t max)
{
	term_escape(buf, sz, s, strnlen(s, max));
	return buf;
}

static void text_line(struct pvt_events *ev, uint64_t ts, const char *kind, uint32_t tid,
		      uint32_t pid, int64_t parent, const char *comm, const char *details)
{
	char c[TERM_ESCAPE_BUFSZ(PVT_COMM_LEN)], p[16];

	if (!ev->header_done) {
		fprintf(ev->f, "%11s %-6s %7s %7s %7s %-16s %s\n", "TIME(s)", "EVENT", "TID", "PID",
			"PARENT", "COMM", "DETAILS");
		ev->header_done = true;
	}
	if (parent >= 0)
		snprintf(p, sizeof(p), "%lld", (long long)parent);
	else
		snprintf(p, sizeof(p), "-");
	fprintf(ev->f, "%11.6f %-6s %7u %7u %7s %-16s %s\n",
		ts > ev->t0_kt ? (ts - ev->t0_kt) / 1e9 : 0.0, kind, tid, pid, p,
		esc(c, sizeof(c), comm, PVT_COMM_LEN), details);
}

/* JSON: the fields every line has; the caller adds its own and ends the object. */
static json_writer_t *json_start(struct pvt_events *ev, uint64_t ts, const char *kind, uint32_t tid,
				 uint32_t pid, const char *comm)
{
	json_writer_t *jw = jw_new(ev->f, false);

	if (!jw)
		return NULL;
	jw_start_object(jw);
	jw_string_field(jw, "event", kind);
	jw_uint_field(jw, "time_ns", ts > ev->t0_kt ? ts - ev->t0_kt : 0);
	jw_uint_field(jw, "tid", tid);
	jw_uint_field(jw, "pid", pid);
	jw_name(jw, "comm");
	jw_string_n(jw, comm, PVT_COMM_LEN);
	return jw;
}

static void json_end(struct pvt_events *ev, json_writer_t *jw)
{
	jw_end_object(jw);
	jw_destroy(jw); /* ends the line: one JSON value per line */
}

static void add_flag(void *ctx, const char *name)
{
	jw_string(ctx, name);
}

static void on_create(struct pvt_events *ev, const struct pvt_ev_create *e)
{
	char nb[16], fl[512], d[640], t[32];
	const char *sys = pvt_syscall_name(e->nr, nb, sizeof(nb));
	bool thread = e->clone_flags & PVT_CLONE_THREAD;

	if (ev->json) {
		json_writer_t *jw = json_start(ev, e->hdr.ts, "create", e->tid, e->pid, e->comm);

		if (!jw)
			return;
		jw_uint_field(jw, "ppid", e->ppid);
		jw_uint_field(jw, "parent_tid", e->parent_tid);
		jw_string_field(jw, "kind", thread ? "thread" : "process");
		jw_string_field(jw, "syscall", sys);
		jw_name(jw, "flags");
		jw_start_array(jw);
		pvt_clone_flag_names(e->clone_flags, add_flag, jw);
		jw_end_array(jw);
		/* copy_ns 0: not timed (created by the kernel, or --no-syscall-costs) */
		jw_uint_or_null_field(jw, "copy_ns", e->copy_ns, e->copy_ns);
		json_end(ev, jw);
		return;
	}
	snprintf(d, sizeof(d), "%s %s %s%s%s", thread ? "thread" : "process", sys,
		 pvt_clone_flags_str(e->clone_flags, fl, sizeof(fl)), e->copy_ns ? " copy " : "",
		 e->copy_ns ? pvt_fmt_ns(t, sizeof(t), e->copy_ns) : "");
	text_line(ev, e->hdr.ts, "create", e->tid, e->pid, e->parent_tid, e->comm, d);
}

static void on_exec(struct pvt_events *ev, const struct pvt_ev_exec *e)
{
	char path[TERM_ESCAPE_BUFSZ(PVT_PATH_LEN)], d[1024], t1[32], t2[32];
	size_t off;

	if (ev->json) {
		json_writer_t *jw = json_start(ev, e->hdr.ts, "exec", e->tid, e->pid, e->comm);

		if (!jw)
			return;
		jw_uint_field(jw, "old_tid", e->old_tid);
		jw_name(jw, "path");
		jw_string_n(jw, e->path, sizeof(e->path));
		jw_int_field(jw, "ret", e->ret);
		/* exec_ns 0: not timed (--no-syscall-costs) */
		jw_uint_or_null_field(jw, "exec_ns", e->exec_ns, e->exec_ns);
		jw_uint_or_null_field(jw, "after_create_ns", e->since_create_ns, e->since_create_ns);
		jw_uint_or_null_field(jw, "minor_faults_before", e->exec_ns, e->minflt);
		json_end(ev, jw);
		return;
	}
	esc(path, sizeof(path), e->path, sizeof(e->path));
	if (e->ret)
		off = snprintf(d, sizeof(d), "%s failed: %s (%s)", path, strerrorname_np(-e->ret) ?
			       strerrorname_np(-e->ret) : "?", pvt_fmt_ns(t1, sizeof(t1), e->exec_ns));
	else if (e->exec_ns)
		off = snprintf(d, sizeof(d), "%s in %s", path, pvt_fmt_ns(t1, sizeof(t1), e->exec_ns));
	else
		off = snprintf(d, sizeof(d), "%s", path);
	if (e->since_create_ns && off < sizeof(d))
		off += snprintf(d + off, sizeof(d) - off, ", %s after creation, %llu minor faults",
				pvt_fmt_ns(t2, sizeof(t2), e->since_create_ns),
				(unsigned long long)e->minflt);
	if (e->old_tid != e->tid && off < sizeof(d))
		snprintf(d + off, sizeof(d) - off, " (was tid %u)", e->old_tid);
	text_line(ev, e->hdr.ts, "exec", e->tid, e->pid, -1, e->comm, d);
}

static void on_rename(struct pvt_events *ev, const struct pvt_ev_rename *e)
{
	char old[TERM_ESCAPE_BUFSZ(PVT_COMM_LEN)], d[128];

	if (ev->json) {
		json_writer_t *jw = json_start(ev, e->hdr.ts, "rename", e->tid, e->pid, e->comm);

		if (!jw)
			return;
		jw_name(jw, "old_comm");
		jw_string_n(jw, e->old_comm, sizeof(e->old_comm));
		jw_bool_field(jw, "by_exec", e->by_exec);
		json_end(ev, jw);
		return;
	}
	snprintf(d, sizeof(d), "was %s%s", esc(old, sizeof(old), e->old_comm, sizeof(e->old_comm)),
		 e->by_exec ? " (by exec)" : "");
	text_line(ev, e->hdr.ts, "rename", e->tid, e->pid, -1, e->comm, d);
}

static void on_exit(struct pvt_events *ev, const struct pvt_ev_exit *e)
{
	const struct pvt_task *t = &e->task;
	struct pvt_exit x = pvt_decode_exit(t->exit_code);
	const char *how = pvt_exit_how_name(t->exit_how);
	uint64_t life = t->end_ns > t->first_ns ? t->end_ns - t->first_ns : 0;
	char d[256], t1[32], t2[32], st[48];

	if (!(t->flags & PVT_F_EXITED))
		x.known = false;
	if (ev->json) {
		json_writer_t *jw = json_start(ev, e->hdr.ts, "exit", t->tid, t->pid, t->comm);

		if (!jw)
			return;
		jw_string_field(jw, "kind", pvt_kind(t));
		if (x.known && x.signal) {
			jw_null_field(jw, "code");
			jw_int_field(jw, "signal", x.signal);
		} else if (x.known) {
			jw_int_field(jw, "code", x.code);
			jw_null_field(jw, "signal");
		} else {
			jw_null_field(jw, "code");
			jw_null_field(jw, "signal");
		}
		jw_string_or_null_field(jw, "how", how);
		jw_uint_field(jw, "lifetime_ns", life);
		jw_uint_field(jw, "oncpu_ns", t->oncpu_ns);
		jw_uint_field(jw, "switches", t->sw_vol + t->sw_invol);
		json_end(ev, jw);
		return;
	}
	if (!x.known)
		snprintf(st, sizeof(st), "?");
	else if (x.signal)
		snprintf(st, sizeof(st), "signal %d (SIG%s%s)", x.signal, pvt_signal_name(x.signal),
			 x.core ? ", core" : "");
	else
		snprintf(st, sizeof(st), "code %d", x.code);
	snprintf(d, sizeof(d), "%s%s; lived %s, on CPU %s, %llu switches", st,
		 t->exit_how == PVT_EXIT_COLLATERAL ? ", collateral of its group's exit" :
		 t->exit_how == PVT_EXIT_SIGNAL ? ", aimed at it" : "",
		 pvt_fmt_ns(t1, sizeof(t1), life), pvt_fmt_ns(t2, sizeof(t2), t->oncpu_ns),
		 (unsigned long long)(t->sw_vol + t->sw_invol));
	text_line(ev, e->hdr.ts, "exit", t->tid, t->pid,
		  t->flags & PVT_F_BORN ? (int64_t)t->parent_tid : -1, t->comm, d);
}

void events_print(struct pvt_events *ev, const struct pvt_ev_hdr *hdr, const void *data, size_t size)
{
	if (!ev->f || ev->failed)
		return;
	switch (hdr->kind) {
	case PVT_EV_CREATE:
		if (size < sizeof(struct pvt_ev_create))
			return;
		on_create(ev, data);
		break;
	case PVT_EV_EXEC:
		if (size < sizeof(struct pvt_ev_exec))
			return;
		on_exec(ev, data);
		break;
	case PVT_EV_RENAME:
		if (size < sizeof(struct pvt_ev_rename))
			return;
		on_rename(ev, data);
		break;
	case PVT_EV_EXIT:
		if (size < sizeof(struct pvt_ev_exit))
			return;
		on_exit(ev, data);
		break;
	default:
		return;
	}
	/* live: each line as it happens; a stream that fails (a closed pipe) stops */
	if (fflush(ev->f) == EOF || ferror(ev->f))
		ev->failed = true;
}
