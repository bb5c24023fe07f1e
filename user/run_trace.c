// SPDX-License-Identifier: GPL-2.0
/*
 * run_trace.c - the trace and collect phases of `pvtrace run`: the event
 * loop (ring buffer, memory sampling, status line, the command's end), the
 * signals passed on to the command, then the drain of the maps into the
 * collected record that model_build() turns into a report.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"
#include "run_trace.h"
#include "record_file.h"
#include "sigfwd.h"

#define EXIT_GRACE_NS 1000000000ull /* wait this long for final switches after the command exits */
#define DRAIN_MS 100 /* the ring buffer is read at least this often */
#define RECORD_FLUSH_NS 1000000000ull /* record: chunks are written out at least this often */

void run_state_init(struct run_state *rs, size_t keep_tasks, size_t top, uint32_t max_tasks)
{
	memset(rs, 0, sizeof(*rs));
	table_init(&rs->tb);
	memtab_init(&rs->mt);
	fold_init(&rs->fold, &rs->tb, keep_tasks, top, max_tasks);
	rs->mt.skip_unchanged = true;
}

void run_state_free(struct run_state *rs)
{
	table_free(&rs->tb);
	memtab_free(&rs->mt);
	fold_free(&rs->fold);
}

void run_on_event(void *ctx, const struct pvt_ev_hdr *hdr, const void *data, size_t size)
{
	struct run_state *rs = ctx;

	if (rs->rec)
		recw_journal(rs->rec, PVT_J_RING, data, size, NULL, 0);
	if (rs->ev.f) {
		if (!rs->ev.t0_kt && rs->tr)
			rs->ev.t0_kt = tracer_root_first_kt(rs->tr);
		events_print(&rs->ev, hdr, data, size);
	}
	switch (hdr->kind) {
	case PVT_EV_EXIT:
		if (size >= sizeof(struct pvt_ev_exit))
			fold_add_task(&rs->fold, &rs->tb, &rs->mt, &((const struct pvt_ev_exit *)data)->task);
		break;
	case PVT_EV_MEM:
		if (size >= sizeof(struct pvt_ev_mem))
			fold_add_mem(&rs->fold, &rs->tb, &rs->mt, &((const struct pvt_ev_mem *)data)->mem);
		break;
	default:
		break; /* a newer kind: ignore */
	}
}

/* record: the /proc reads of a sampling pass, each journaled with what it returned. */
static struct pvt_rec_writer *journal_w;

static int journaled_read_proc(pid_t pid, struct pvt_smaps *sum, struct pvt_stack_range *stacks,
			       size_t n)
{
	int ret = memory_read_proc(pid, sum, stacks, n);
	struct pvt_j_smaps j = { .ret = ret, .pid = (uint32_t)pid, .rss = sum->rss, .pss = sum->pss,
				 .shared = sum->shared, .private_ = sum->private_, .swap = sum->swap,
				 .nstacks = (uint32_t)n };
	struct pvt_j_stack *st = calloc(n ? n : 1, sizeof(*st));

	for (size_t i = 0; st && i < n; i++)
		st[i] = (struct pvt_j_stack){ .lo = stacks[i].lo, .hi = stacks[i].hi,
					      .rss = stacks[i].rss, .found = stacks[i].found };
	if (!st)
		j.nstacks = 0;
	recw_journal(journal_w, PVT_J_SMAPS, &j, sizeof(j), st, j.nstacks * sizeof(*st));
	free(st);
	return ret;
}

void run_sample_pass(struct run_state *rs, struct pvt_iter_rec *recs, size_t n, int err,
		     pvt_smaps_reader rd)
{
	/* Out of memory: the pass is skipped, records folded to make room (counted). */
	if (err || memtab_pass(&rs->mt, recs, n, rd))
		fold_shrink(&rs->fold, &rs->tb, &rs->mt);
}

/* One memory sampling pass: BPF samples each process's mm, then smaps for what only it tells. */
void run_sample_memory(struct run_state *rs)
{
	struct pvt_iter_rec *recs;
	uint64_t t = pvt_now_ns(), dt;
	size_t n;
	int err;

	err = tracer_sample(rs->tr, &recs, &n);
	if (err && err != -ENOMEM) {
		if (!rs->sample_warned++)
			pvt_warn("memory sampling failed: %s", strerror(-err));
		return;
	}
	if (rs->rec) {
		int32_t e = err;

		journal_w = rs->rec;
		recw_journal(rs->rec, PVT_J_SAMPLE_TIME, &t, sizeof(t), NULL, 0);
		recw_journal(rs->rec, PVT_J_SAMPLE, &e, sizeof(e), recs, n * sizeof(*recs));
	}
	run_sample_pass(rs, recs, n, err, rs->rec ? journaled_read_proc : memory_read_proc);
	free(recs);
	if (rs->mt.read_error && !rs->sample_warned++)
		pvt_warn("cannot read /proc/PID/smaps_rollup of a traced process (%s): its PSS, shared "
			 "and private memory and resident stacks are left out of that sample (counted in "
			 "memory_samples_failed)", strerror(rs->mt.read_error));
	dt = pvt_now_ns() - t;
	rs->mt.pass_ns_total += dt;
	if (rs->rec)
		recw_journal(rs->rec, PVT_J_SAMPLE_END, &dt, sizeof(dt), NULL, 0);
}

/*
 * The signals for the command are noted by a handler and passed on by the
 * event loop through the command's pidfd (sigfwd.c: which ones, and why).
 */
void run_forward_signals(pid_t pid)
{
	int err = sigfwd_install();

	if (err)
		pvt_warn("signals sent to pvtrace will not reach the command: %s", strerror(-err));
	/*
	 * A closed pipe on the event stream (pvtrace run --events 2>&1 | head) must
	 * not kill pvtrace: the write fails, the stream stops, the report is still
	 * written.  CMD was forked before this and keeps its own disposition.
	 */
	signal(SIGPIPE, SIG_IGN);
}

enum { TAG_RB = 1, TAG_CHILD, TAG_TIMER, TAG_SAMPLE, TAG_SIGNAL, TAG_TARGET, TAG_CGROUP, TAG_END,
       TAG_WAKE };

static int epoll_add_ev(int ep, int fd, uint32_t tag, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u32 = tag };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int epoll_add(int ep, int fd, uint32_t tag)
{
	/*
	 * The ring buffer edge-triggered: it polls readable as long as it holds
	 * a record, and most records do not wake the reader (bpf/: only a ring a
	 * quarter full, or --events' live records, do); level-triggered, the loop
	 * would spin on a ring that a churn keeps non-empty.
	 */
	return epoll_add_ev(ep, fd, tag, EPOLLIN | (tag == TAG_RB ? EPOLLET : 0));
}

static int timer_add(int ep, uint32_t tag, uint64_t ms, bool once)
{
	struct itimerspec its = { .it_interval = { ms / 1000, (ms % 1000) * 1000000L } };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	its.it_value = its.it_interval;
	if (once)
		its.it_interval = (struct timespec){};
	if (fd >= 0 && (timerfd_settime(fd, 0, &its, NULL) || epoll_add(ep, fd, tag))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* attach -p: have all the target processes exited?  Each one that has leaves the epoll set. */
static bool targets_gone(int ep, struct run_watch *w)
{
	size_t alive = 0;

	for (size_t i = 0; i < w->npidfds; i++) {
		struct pollfd p = { .fd = w->pidfds[i], .events = POLLIN };

		if (p.fd < 0)
			continue;
		if (poll(&p, 1, 0) == 1) {
			epoll_ctl(ep, EPOLL_CTL_DEL, p.fd, NULL);
			w->pidfds[i] = -1 - p.fd; /* still the caller's to close: -1 - fd */
			continue;
		}
		alive++;
	}
	return alive == 0;
}

int run_cgroup_populated(int fd)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	const char *p;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "populated ");
	return p ? p[strlen("populated ")] == '1' : -1;
}

/* One turn's events; true when the trace is to end (w->end says why). */
static bool on_events(struct run_state *rs, struct pvt_status *st, struct run_watch *w, int ep,
		      const struct epoll_event *evs, int n, int tfd, int sfd)
{
	uint64_t c[PVT_C__MAX], ticks;
	bool end = false;

	for (int i = 0; i < n; i++) {
		switch (evs[i].data.u32) {
		case TAG_RB:
			break; /* drained at every turn */
		case TAG_CHILD:
			w->end = PVT_END_COMMAND;
			end = true;
			break;
		case TAG_SIGNAL:
			if (w->pid > 0) {
				sigfwd_drain(w->pidfd, w->pid);
			} else if (sigfwd_discard() > 0) {
				w->end = PVT_END_SIGNAL;
				end = true;
			}
			break;
		case TAG_TIMER:
			if (read(tfd, &ticks, sizeof(ticks)) < 0) {
				/* spurious wakeup */
			}
			tracer_read_counters(rs->tr, c);
			status_update(st, c, pvt_now_ns());
			break;
		case TAG_SAMPLE:
			/* Passes missed while one ran are skipped, not run back to back. */
			if (read(sfd, &ticks, sizeof(ticks)) == sizeof(ticks))
				run_sample_memory(rs);
			break;
		case TAG_TARGET:
			if (targets_gone(ep, w)) {
				w->end = PVT_END_TARGETS_GONE;
				end = true;
			}
			break;
		case TAG_CGROUP:
			if (run_cgroup_populated(w->cg_events_fd) == 0) {
				w->end = PVT_END_CGROUP_EMPTY;
				end = true;
			}
			break;
		case TAG_END:
			w->end = PVT_END_DURATION;
			end = true;
			break;
		case TAG_WAKE:
			break; /* w->poll, called after these, drains it */
		}
	}
	return end;
}

/*
 * Watch what ends the trace: the command, or (attach) the targets, the cgroup,
 * the duration; and serve's wake fd.
 */
static int watch_add(int ep, struct run_watch *w)
{
	if (w->pid > 0) {
		if (epoll_add(ep, w->pidfd, TAG_CHILD))
			return -1;
		/* Signals pvtrace got are passed on from here, through the pidfd, until the command is reaped. */
		sigfwd_attach(w->pidfd, w->pid);
	}
	for (size_t i = 0; i < w->npidfds; i++)
		if (epoll_add(ep, w->pidfds[i], TAG_TARGET))
			return -1;
	/* cgroup.events: a change is notified as POLLPRI (kernfs_notify) */
	if (w->cg_events_fd >= 0 && epoll_add_ev(ep, w->cg_events_fd, TAG_CGROUP, EPOLLPRI))
		return -1;
	if (w->wake_fd > 0 && epoll_add(ep, w->wake_fd, TAG_WAKE))
		return -1;
	return 0;
}

int run_trace_loop(struct run_state *rs, struct pvt_status *st, struct run_watch *w,
		   uint32_t interval_ms)
{
	struct pvt_tracer *tr = rs->tr;
	int ep, tfd = -1, sfd = -1, efd = -1, rbfd, rc = -1;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (w->pid > 0)
		w->pidfd = (int)syscall(SYS_pidfd_open, w->pid, 0);
	if (ep < 0 || (w->pid > 0 && w->pidfd < 0)) {
		pvt_err("cannot watch the command: %s", strerror(errno));
		goto out;
	}
	rbfd = tracer_epoll_fd(tr);
	if ((rbfd >= 0 && epoll_add(ep, rbfd, TAG_RB)) || watch_add(ep, w) ||
	    (sigfwd_fd() >= 0 && epoll_add(ep, sigfwd_fd(), TAG_SIGNAL))) {
		pvt_err("epoll: %s", strerror(errno));
		goto out;
	}
	if (st->enabled) {
		tfd = timer_add(ep, TAG_TIMER, 1000, false);
		if (tfd < 0)
			st->enabled = false;
	}
	if (interval_ms) {
		sfd = timer_add(ep, TAG_SAMPLE, interval_ms, false);
		if (sfd < 0) {
			pvt_err("cannot set the memory sampling timer: %s", strerror(errno));
			goto out;
		}
	}
	if (w->duration_ms) {
		efd = timer_add(ep, TAG_END, w->duration_ms, true);
		if (efd < 0) {
			pvt_err("cannot set the --duration timer: %s", strerror(errno));
			goto out;
		}
	}
	for (;;) {
		struct epoll_event evs[8];
		int hooks_ms = tracer_sys_hooks_tick(tr, pvt_now_ns());
		int n = epoll_wait(ep, evs, ARRAY_SIZE(evs),
				   hooks_ms >= 0 && hooks_ms < DRAIN_MS ? hooks_ms : DRAIN_MS);

		if (n < 0 && errno != EINTR) {
			pvt_err("epoll_wait: %s", strerror(errno));
			goto out;
		}
		/* Final records do not wake this loop until the ring fills (bpf/): drain it on time. */
		tracer_consume(tr);
		if (rs->rec && pvt_now_ns() - rs->rec_flushed_ns >= RECORD_FLUSH_NS) {
			recw_flush(rs->rec); /* a trace cut short leaves a readable prefix */
			rs->rec_flushed_ns = pvt_now_ns();
		}
		if (n > 0 && on_events(rs, st, w, ep, evs, n, tfd, sfd))
			break;
		if (w->poll && w->poll(w->poll_ctx))
			break;
	}
	sigfwd_detach(); /* the command has exited: nothing more is passed on */
	while (w->pid > 0 && waitpid(w->pid, &w->wstatus, 0) < 0) {
		if (errno != EINTR) {
			pvt_err("waitpid: %s", strerror(errno));
			goto out;
		}
	}
	rc = 0;
out:
	sigfwd_detach();
	if (tfd >= 0)
		close(tfd);
	if (sfd >= 0)
		close(sfd);
	if (efd >= 0)
		close(efd);
	if (w->pid > 0 && w->pidfd >= 0)
		close(w->pidfd);
	if (ep >= 0)
		close(ep);
	return rc;
}

/*
 * A task's final switch comes after its parent can reap it: give the tasks
 * that have exited a moment to make it, so that they can be verified.
 */
void run_wait_final_switches(struct pvt_tracer *tr)
{
	uint64_t deadline = pvt_now_ns() + EXIT_GRACE_NS;

	/* Checked first: usually every final switch is already in, no need for a 5 ms poll. */
	while (tracer_count_exiting(tr) != 0) {
		if (pvt_now_ns() >= deadline) {
			pvt_debug("some exited tasks made no final switch within the grace period");
			return;
		}
		tracer_poll(tr, 5);
	}
}

/* ---- collect: the maps, drained into the collected record ---- */

static void add_from_map(void *ctx, const struct pvt_task *t)
{
	struct run_state *rs = ctx;

	if (rs->rec)
		recw_journal(rs->rec, PVT_J_MAP_TASK, t, sizeof(*t), NULL, 0);
	fold_add_task(&rs->fold, &rs->tb, &rs->mt, t);
}

static void add_from_overflow(void *ctx, const struct pvt_task *t)
{
	struct run_state *rs = ctx;

	if (rs->rec)
		recw_journal(rs->rec, PVT_J_MAP_OVERFLOW, t, sizeof(*t), NULL, 0);
	fold_add_task(&rs->fold, &rs->tb, &rs->mt, t);
}

static void add_proc_mem(void *ctx, const struct pvt_mem *m)
{
	struct run_state *rs = ctx;

	if (rs->rec)
		recw_journal(rs->rec, PVT_J_MAP_MEM, m, sizeof(*m), NULL, 0);
	fold_add_mem(&rs->fold, &rs->tb, &rs->mt, m);
}

void run_add_late_cost(struct run_state *rs, uint32_t tid, uint64_t start_time,
		       const struct pvt_create_cost *c)
{
	while (table_add_late_cost(&rs->tb, tid, start_time, c)) {
		if (!fold_shrink(&rs->fold, &rs->tb, &rs->mt)) {
			rs->fold.records_lost++;
			return;
		}
	}
}

static void add_late_cost(void *ctx, uint32_t tid, uint64_t start_time,
			  const struct pvt_create_cost *c)
{
	struct run_state *rs = ctx;

	if (rs->rec) {
		struct pvt_j_late j = { .tid = tid, .start_time = start_time, .cost = *c };

		recw_journal(rs->rec, PVT_J_MAP_LATE, &j, sizeof(j), NULL, 0);
	}
	run_add_late_cost(rs, tid, start_time, c);
}

int run_collect(struct run_state *rs, struct pvt_collected *c)
{
	struct pvt_tracer *tr = rs->tr;
	struct pvt_prog_stats *progs = NULL;
	struct pvt_final_stats fs;

	/* The tasks still alive: their counters read at a settled instant, then verified. */
	if (tracer_final_read(tr, &fs))
		pvt_warn("the final read of the tasks alive at the end failed: they are not verified");
	c->final = (struct pvt_final_sums){ .passes = fs.passes, .unsettled = fs.retry, .lost = fs.lost };
	tracer_detach(tr);
	tracer_consume(tr);
	tracer_sys_hooks_stats(tr, pvt_now_ns(), &c->hooks);
	if (tracer_prog_stats(tr, &progs, &c->nprogs))
		pvt_warn("out of memory reading the BPF programs' statistics: left out");
	c->progs = progs;
	tracer_for_each_proc_mem(tr, add_proc_mem, rs);
	tracer_read_counters(tr, c->counters);
	tracer_for_each_task(tr, add_from_map, rs);
	tracer_for_each_overflow(tr, add_from_overflow, rs);
	tracer_for_each_late_cost(tr, add_late_cost, rs);
	tracer_read_class_stats(tr, c->runq_from);
	c->t0_kt = tracer_root_first_kt(tr);
	c->tb = &rs->tb;
	c->mt = &rs->mt;
	if (!rs->fold.slab_known) { /* read when the first record was folded, else now */
		memory_slab_sizes(&c->slab);
		fold_set_slab(&rs->fold, &c->slab);
	}
	c->slab = rs->fold.slab;
	return 0;
}

void run_journal_collected(struct run_state *rs, const struct pvt_collected *c)
{
	struct pvt_j_collected j = {
		.root_pid = c->root_pid, .root_wstatus = c->root_wstatus,
		.duration_ns = c->duration_ns, .t0_kt = c->t0_kt,
		.hooks_mode = c->hooks.mode, .hooks_windows = c->hooks.windows,
		.hooks_attached_ns = c->hooks.attached_ns, .final_passes = c->final.passes,
		.end_reason = c->end_reason, .final_unsettled = c->final.unsettled,
		.final_lost = c->final.lost, .attached_at_ns = c->attached_at_ns,
		.nprogs = (uint32_t)c->nprogs,
	};

	if (!rs->rec)
		return;
	memcpy(j.counters, c->counters, sizeof(j.counters));
	for (int k = 0; k < PVT_FROM__MAX; k++) {
		j.runq_count[k] = c->runq_from[k].count;
		j.runq_total_ns[k] = c->runq_from[k].total_ns;
		j.runq_max_ns[k] = c->runq_from[k].max_ns;
		for (int b = 0; b < PVT_HIST_BUCKETS; b++)
			j.runq_hist[k][b] = c->runq_from[k].h.b[b];
	}
	recw_journal(rs->rec, PVT_J_COLLECTED, &j, sizeof(j), NULL, 0);
	for (size_t i = 0; i < c->nprogs; i++)
		recw_journal(rs->rec, PVT_J_PROG, &c->progs[i], sizeof(c->progs[i]), NULL, 0);
	recw_journal(rs->rec, PVT_J_SLAB, &c->slab, sizeof(c->slab), NULL, 0);
	if (c->cal)
		recw_journal(rs->rec, PVT_J_CALIBRATION, c->cal, sizeof(*c->cal), NULL, 0);
	if (c->cal_path)
		recw_journal(rs->rec, PVT_J_CAL_PATH, c->cal_path, strlen(c->cal_path), NULL, 0);
	for (size_t i = 0; i < c->ntarget_pids; i++)
		recw_journal(rs->rec, PVT_J_TARGET_PID, &c->target_pids[i], 4, NULL, 0);
	if (c->target_cgroup)
		recw_journal(rs->rec, PVT_J_TARGET_CGROUP, c->target_cgroup, strlen(c->target_cgroup),
			     NULL, 0);
	/* each task's cgroup path, as it was: the report may be read where it is gone */
	if (c->cgroup_path) {
		for (size_t i = 0; i < c->tb->n; i++) {
			uint64_t id = c->tb->recs[i].t.cgroup_id;
			const char *path = id ? c->cgroup_path(c->cgroup_ctx, id) : NULL;
			bool seen = false;

			for (size_t k = 0; k < i && !seen; k++)
				seen = c->tb->recs[k].t.cgroup_id == id;
			if (path && !seen)
				recw_journal(rs->rec, PVT_J_CGROUP, &id, sizeof(id), path, strlen(path));
		}
	}
}

int run_build_model(struct run_state *rs, struct pvt_model *m, const struct pvt_collected *c)
{
	while (model_build(m, c)) {
		model_free(m);
		/* no memory for the report: fold more records (counted in it), try again */
		if (!fold_shrink(&rs->fold, &rs->tb, &rs->mt))
			return -ENOMEM;
	}
	return 0;
}
