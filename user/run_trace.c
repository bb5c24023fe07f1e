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
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"
#include "run_trace.h"
#include "sigfwd.h"

#define EXIT_GRACE_NS 1000000000ull /* wait this long for final switches after the command exits */
#define DRAIN_MS 100 /* the ring buffer is read at least this often */

void run_on_event(void *ctx, const struct pvt_ev_hdr *hdr, const void *data, size_t size)
{
	struct run_state *rs = ctx;

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

/* One memory sampling pass: BPF samples each process's mm, then smaps for what only it tells. */
void run_sample_memory(struct run_state *rs)
{
	struct pvt_iter_rec *recs;
	uint64_t t = pvt_now_ns();
	size_t n;
	int err;

	err = tracer_sample(rs->tr, &recs, &n);
	if (err && err != -ENOMEM) {
		if (!rs->sample_warned++)
			pvt_warn("memory sampling failed: %s", strerror(-err));
		return;
	}
	/* Out of memory: the pass is skipped, records folded to make room (counted). */
	if (err || memtab_pass(&rs->mt, recs, n, memory_read_proc))
		fold_shrink(&rs->fold, &rs->tb, &rs->mt);
	free(recs);
	if (rs->mt.read_error && !rs->sample_warned++)
		pvt_warn("cannot read /proc/PID/smaps_rollup of a traced process (%s): its PSS, shared "
			 "and private memory and resident stacks are left out of that sample (counted in "
			 "memory_samples_failed)", strerror(rs->mt.read_error));
	rs->mt.pass_ns_total += pvt_now_ns() - t;
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

enum { TAG_RB = 1, TAG_CHILD, TAG_TIMER, TAG_SAMPLE, TAG_SIGNAL };

static int epoll_add(int ep, int fd, uint32_t tag)
{
	/*
	 * The ring buffer edge-triggered: it polls readable as long as it holds
	 * a record, and most records do not wake the reader (bpf/: only a ring a
	 * quarter full, or --events' live records, do); level-triggered, the loop
	 * would spin on a ring that a churn keeps non-empty.
	 */
	struct epoll_event ev = { .events = EPOLLIN | (tag == TAG_RB ? EPOLLET : 0), .data.u32 = tag };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}


static int timer_add(int ep, uint32_t tag, uint32_t ms)
{
	struct itimerspec its = { .it_interval = { ms / 1000, (ms % 1000) * 1000000L } };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	its.it_value = its.it_interval;
	if (fd >= 0 && (timerfd_settime(fd, 0, &its, NULL) || epoll_add(ep, fd, tag))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Trace until the command exits; returns its wait status in *wstatus. 0 or -1. */
int run_trace_loop(struct run_state *rs, struct pvt_status *st, pid_t pid, uint32_t interval_ms,
		      int *wstatus)
{
	struct pvt_tracer *tr = rs->tr;
	int ep, pidfd, tfd = -1, sfd = -1, rbfd, rc = -1;
	uint64_t c[PVT_C__MAX];

	ep = epoll_create1(EPOLL_CLOEXEC);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (ep < 0 || pidfd < 0) {
		pvt_err("cannot watch the command: %s", strerror(errno));
		goto out;
	}
	rbfd = tracer_epoll_fd(tr);
	if ((rbfd >= 0 && epoll_add(ep, rbfd, TAG_RB)) || epoll_add(ep, pidfd, TAG_CHILD) ||
	    (sigfwd_fd() >= 0 && epoll_add(ep, sigfwd_fd(), TAG_SIGNAL))) {
		pvt_err("epoll: %s", strerror(errno));
		goto out;
	}
	/* Signals pvtrace got are passed on from here, through the pidfd, until the command is reaped. */
	sigfwd_attach(pidfd, pid);
	if (st->enabled) {
		tfd = timer_add(ep, TAG_TIMER, 1000);
		if (tfd < 0)
			st->enabled = false;
	}
	if (interval_ms) {
		sfd = timer_add(ep, TAG_SAMPLE, interval_ms);
		if (sfd < 0) {
			pvt_err("cannot set the memory sampling timer: %s", strerror(errno));
			goto out;
		}
	}
	for (;;) {
		struct epoll_event evs[4];
		int hooks_ms = tracer_sys_hooks_tick(tr, pvt_now_ns());
		int n = epoll_wait(ep, evs, ARRAY_SIZE(evs),
				   hooks_ms >= 0 && hooks_ms < DRAIN_MS ? hooks_ms : DRAIN_MS);
		bool child_done = false;

		if (n < 0 && errno != EINTR) {
			pvt_err("epoll_wait: %s", strerror(errno));
			goto out;
		}
		/* Final records do not wake this loop until the ring fills (bpf/): drain it on time. */
		tracer_consume(tr);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == TAG_RB) {
				/* drained above */
			} else if (evs[i].data.u32 == TAG_CHILD) {
				child_done = true;
			} else if (evs[i].data.u32 == TAG_SIGNAL) {
				sigfwd_drain(pidfd, pid);
			} else if (evs[i].data.u32 == TAG_TIMER) {
				uint64_t ticks;

				if (read(tfd, &ticks, sizeof(ticks)) < 0) {
					/* spurious wakeup */
				}
				tracer_read_counters(tr, c);
				status_update(st, c, pvt_now_ns());
			} else if (evs[i].data.u32 == TAG_SAMPLE) {
				uint64_t ticks;

				/* Passes missed while one ran are skipped, not run back to back. */
				if (read(sfd, &ticks, sizeof(ticks)) == sizeof(ticks))
					run_sample_memory(rs);
			}
		}
		if (child_done)
			break;
	}
	sigfwd_detach(); /* the command has exited: nothing more is passed on */
	while (waitpid(pid, wstatus, 0) < 0) {
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
	if (pidfd >= 0)
		close(pidfd);
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

	fold_add_task(&rs->fold, &rs->tb, &rs->mt, t);
}

static void add_proc_mem(void *ctx, const struct pvt_mem *m)
{
	struct run_state *rs = ctx;

	fold_add_mem(&rs->fold, &rs->tb, &rs->mt, m);
}

static void add_late_cost(void *ctx, uint32_t tid, uint64_t start_time,
			  const struct pvt_create_cost *c)
{
	struct run_state *rs = ctx;

	while (table_add_late_cost(&rs->tb, tid, start_time, c)) {
		if (!fold_shrink(&rs->fold, &rs->tb, &rs->mt)) {
			rs->fold.records_lost++;
			return;
		}
	}
}

int run_collect(struct run_state *rs, struct pvt_collected *c)
{
	struct pvt_tracer *tr = rs->tr;
	struct pvt_prog_stats *progs = NULL;

	tracer_detach(tr);
	tracer_consume(tr);
	tracer_sys_hooks_stats(tr, pvt_now_ns(), &c->hooks);
	if (tracer_prog_stats(tr, &progs, &c->nprogs))
		pvt_warn("out of memory reading the BPF programs' statistics: left out");
	c->progs = progs;
	tracer_for_each_proc_mem(tr, add_proc_mem, rs);
	tracer_read_counters(tr, c->counters);
	tracer_for_each_task(tr, add_from_map, rs);
	tracer_for_each_overflow(tr, add_from_map, rs);
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
