// SPDX-License-Identifier: GPL-2.0
/*
 * replay.c - a recording's journal played back through run's own code
 * (replay.h).  Every record is checked for its size before it is used; a
 * record that does not fit is a corrupt recording, never a guess.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "replay.h"

/* One line in rp->err, the walk stopped: -1. */
__attribute__((format(printf, 2, 3)))
static int corrupt(struct replay *rp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rp->err, sizeof(rp->err), fmt, ap);
	va_end(ap);
	rp->status = -1;
	return -1;
}

/* The next journal record (crossing chunks, counting SCHED ones): 1, 0 at the end, <0 error. */
static int jnext(struct replay *rp, uint32_t *kind, const uint8_t **d, uint32_t *len)
{
	for (;;) {
		if (rp->in_journal) {
			int rc = recr_tlv(&rp->ch, &rp->off, kind, d, len);

			if (rc == 1)
				return 1;
			if (rc < 0) {
				corrupt(rp, "corrupt recording: a malformed journal record");
				return -1;
			}
			rp->in_journal = false;
		}
		int rc = recr_next(rp->r, &rp->ch, rp->err, sizeof(rp->err));

		if (rc <= 0) {
			rp->status = rc;
			return rc;
		}
		if (rp->ch.type == PVT_CH_SCHED) {
			rp->sched_events += rp->ch.count;
			rp->sched_chunks++;
		} else if (rp->ch.type == PVT_CH_JOURNAL) {
			rp->in_journal = true;
			rp->off = 0;
		} /* INFO: only first, which read_info() took (recr_next() refuses another) */
	}
}

static struct replay *reading; /* replay_read_proc()'s (memtab_pass() takes a plain function) */

/* memory_read_proc() as it answered during the recording: the next PVT_J_SMAPS record. */
static int replay_read_proc(pid_t pid, struct pvt_smaps *sum, struct pvt_stack_range *stacks,
			    size_t n)
{
	struct replay *rp = reading;
	struct pvt_j_smaps j;
	const uint8_t *d;
	uint32_t kind, len;

	if (rp->status || jnext(rp, &kind, &d, &len) != 1) {
		if (!rp->status)
			corrupt(rp, "corrupt recording: a sampling pass ends early");
		return -EIO;
	}
	if (kind != PVT_J_SMAPS || len < sizeof(j)) {
		corrupt(rp, "corrupt recording: a sampling pass's /proc read is missing");
		return -EIO;
	}
	memcpy(&j, d, sizeof(j));
	if (j.pid != (uint32_t)pid || j.nstacks != n ||
	    len != sizeof(j) + (size_t)j.nstacks * sizeof(struct pvt_j_stack)) {
		corrupt(rp, "corrupt recording: a /proc read of another process (%u, not %d)", j.pid,
			(int)pid);
		return -EIO;
	}
	*sum = (struct pvt_smaps){ .rss = j.rss, .pss = j.pss, .shared = j.shared,
				   .private_ = j.private_, .swap = j.swap };
	for (size_t i = 0; i < n; i++) {
		struct pvt_j_stack s;

		memcpy(&s, d + sizeof(j) + i * sizeof(s), sizeof(s));
		stacks[i].rss = s.rss;
		stacks[i].found = s.found != 0;
	}
	return j.ret;
}

static char *dup_text(const uint8_t *d, uint32_t len)
{
	char *s = malloc((size_t)len + 1);

	if (s) {
		memcpy(s, d, len);
		s[len] = '\0';
	}
	return s;
}

/* The information chunk: what was recorded, how. */
static int read_info(struct replay *rp)
{
	const uint8_t *d;
	uint32_t kind, len;
	size_t off = 0;
	int rc = recr_next(rp->r, &rp->ch, rp->err, sizeof(rp->err));
	bool have_opt = false;

	if (rc != 1)
		return rc == 0 ? corrupt(rp, "corrupt recording: nothing but an end marker") : -1;
	rp->argv = calloc(1, sizeof(char *));
	if (!rp->argv)
		return corrupt(rp, "out of memory");
	while (recr_tlv(&rp->ch, &off, &kind, &d, &len) == 1) {
		char **nv;

		switch (kind) {
		case PVT_INFO_ARG:
			nv = realloc(rp->argv, (rp->argc + 2) * sizeof(char *));
			if (!nv)
				return corrupt(rp, "out of memory");
			rp->argv = nv;
			rp->argv[rp->argc] = dup_text(d, len);
			rp->argv[++rp->argc] = NULL;
			if (!rp->argv[rp->argc - 1])
				return corrupt(rp, "out of memory");
			break;
		case PVT_INFO_OPTIONS:
			if (len != sizeof(rp->opt))
				return corrupt(rp, "corrupt recording: its options");
			memcpy(&rp->opt, d, len);
			have_opt = true;
			break;
		case PVT_INFO_START:
			if (len == sizeof(rp->start))
				memcpy(&rp->start, d, len);
			break;
		case PVT_INFO_NCPUS:
			if (len == 4)
				memcpy(&rp->ncpus, d, 4);
			break;
		case PVT_INFO_KERNEL:
			free(rp->kernel);
			rp->kernel = dup_text(d, len);
			break;
		case PVT_INFO_HOST:
			free(rp->host);
			rp->host = dup_text(d, len);
			break;
		case PVT_INFO_VERSION:
			free(rp->version);
			rp->version = dup_text(d, len);
			break;
		default:
			break; /* a newer kind of information: ignored */
		}
	}
	if (!have_opt || rp->opt.max_tasks == 0 || rp->opt.mode > PVT_MODE_ATTACH)
		return corrupt(rp, "corrupt recording: no options in its information chunk");
	if (rp->opt.mode == PVT_MODE_RUN && !rp->argc)
		return corrupt(rp, "corrupt recording: no command");
	return 0;
}

static int on_collected(struct replay *rp, const uint8_t *d, uint32_t len)
{
	struct pvt_j_collected j;
	struct pvt_collected *c = &rp->col;

	if (len != sizeof(j))
		return corrupt(rp, "corrupt recording: the collected figures");
	memcpy(&j, d, sizeof(j));
	c->root_pid = j.root_pid;
	c->root_wstatus = j.root_wstatus;
	c->duration_ns = j.duration_ns;
	c->t0_kt = j.t0_kt;
	memcpy(c->counters, j.counters, sizeof(c->counters));
	for (int k = 0; k < PVT_FROM__MAX; k++) {
		c->runq_from[k].count = j.runq_count[k];
		c->runq_from[k].total_ns = j.runq_total_ns[k];
		c->runq_from[k].max_ns = j.runq_max_ns[k];
		memcpy(c->runq_from[k].h.b, j.runq_hist[k], sizeof(c->runq_from[k].h.b));
	}
	c->hooks = (struct pvt_hooks_stats){ .mode = (enum pvt_sys_mode)(j.hooks_mode % 3),
					     .windows = j.hooks_windows,
					     .attached_ns = j.hooks_attached_ns };
	c->final = (struct pvt_final_sums){ .passes = j.final_passes, .unsettled = j.final_unsettled,
					    .lost = j.final_lost };
	c->end_reason = j.end_reason <= PVT_END_CGROUP_EMPTY ? j.end_reason : PVT_END_COMMAND;
	c->attached_at_ns = j.attached_at_ns;
	return 0;
}

/* One journal record through run's code. */
static int apply(struct replay *rp, uint32_t kind, const uint8_t *d, uint32_t len)
{
	struct run_state *rs = &rp->rs;
	void *buf = NULL;
	void *tmp;

	switch (kind) {
	case PVT_J_RING: {
		struct pvt_ev_hdr h;

		if (len < sizeof(h))
			return corrupt(rp, "corrupt recording: a ring-buffer record");
		memcpy(&h, d, sizeof(h));
		if (h.size > len)
			return corrupt(rp, "corrupt recording: a ring-buffer record");
		buf = malloc(len); /* aligned for the record's structs */
		if (!buf)
			return corrupt(rp, "out of memory");
		memcpy(buf, d, len);
		run_on_event(rs, buf, buf, len);
		break;
	}
	case PVT_J_SAMPLE: {
		int32_t err;
		size_t n;

		if (len < 4 || (len - 4) % sizeof(struct pvt_iter_rec))
			return corrupt(rp, "corrupt recording: a sampling pass");
		memcpy(&err, d, 4);
		n = (len - 4) / sizeof(struct pvt_iter_rec);
		buf = malloc(n ? len - 4 : 1); /* the next reads may move to another chunk */
		if (!buf)
			return corrupt(rp, "out of memory");
		memcpy(buf, d + 4, len - 4);
		reading = rp;
		run_sample_pass(rs, buf, n, err, replay_read_proc);
		break;
	}
	case PVT_J_SAMPLE_END:
		if (len != 8)
			return corrupt(rp, "corrupt recording: a sampling pass's end");
		{
			uint64_t dt;

			memcpy(&dt, d, 8);
			rs->mt.pass_ns_total += dt;
		}
		break;
	case PVT_J_MAP_MEM:
		if (len != sizeof(struct pvt_mem))
			return corrupt(rp, "corrupt recording: a process's memory");
		buf = malloc(len);
		if (!buf)
			return corrupt(rp, "out of memory");
		memcpy(buf, d, len);
		fold_add_mem(&rs->fold, &rs->tb, &rs->mt, buf);
		break;
	case PVT_J_MAP_TASK:
	case PVT_J_MAP_OVERFLOW:
		if (len != sizeof(struct pvt_task))
			return corrupt(rp, "corrupt recording: a task's record");
		buf = malloc(len);
		if (!buf)
			return corrupt(rp, "out of memory");
		memcpy(buf, d, len);
		fold_add_task(&rs->fold, &rs->tb, &rs->mt, buf);
		break;
	case PVT_J_MAP_LATE: {
		struct pvt_j_late j;

		if (len != sizeof(j))
			return corrupt(rp, "corrupt recording: a creation cost");
		memcpy(&j, d, sizeof(j));
		run_add_late_cost(rs, j.tid, j.start_time, &j.cost);
		break;
	}
	case PVT_J_COLLECTED:
		return on_collected(rp, d, len);
	case PVT_J_PROG:
		if (len != sizeof(struct pvt_prog_stats))
			return corrupt(rp, "corrupt recording: a program's statistics");
		tmp = realloc(rp->progs, (rp->col.nprogs + 1) * sizeof(*rp->progs));
		if (!tmp)
			return corrupt(rp, "out of memory");
		rp->progs = tmp;
		memcpy(&rp->progs[rp->col.nprogs], d, len);
		rp->progs[rp->col.nprogs].name[sizeof(rp->progs->name) - 1] = '\0';
		rp->col.nprogs++;
		break;
	case PVT_J_SLAB:
		if (len != sizeof(struct pvt_slab_sizes))
			return corrupt(rp, "corrupt recording: the kernel's object sizes");
		memcpy(&rs->fold.slab, d, len);
		fold_set_slab(&rs->fold, &rs->fold.slab);
		break;
	case PVT_J_CALIBRATION:
		if (len != sizeof(rp->cal))
			return corrupt(rp, "corrupt recording: its calibration");
		memcpy(&rp->cal, d, len);
		rp->cal.path[sizeof(rp->cal.path) - 1] = rp->cal.created[sizeof(rp->cal.created) - 1] = 0;
		rp->cal.hostname[sizeof(rp->cal.hostname) - 1] = rp->cal.kernel[sizeof(rp->cal.kernel) - 1] = 0;
		rp->cal.cpu_model[sizeof(rp->cal.cpu_model) - 1] = 0;
		rp->have_cal = true;
		break;
	case PVT_J_TARGET_PID:
		if (len != 4)
			return corrupt(rp, "corrupt recording: an attach target");
		tmp = realloc(rp->target_pids, (rp->col.ntarget_pids + 1) * 4);
		if (!tmp)
			return corrupt(rp, "out of memory");
		rp->target_pids = tmp;
		memcpy(&rp->target_pids[rp->col.ntarget_pids++], d, 4);
		break;
	case PVT_J_CAL_PATH:
		free(rp->cal_path);
		rp->cal_path = dup_text(d, len);
		break;
	case PVT_J_TARGET_CGROUP:
		free(rp->target_cgroup);
		rp->target_cgroup = dup_text(d, len);
		break;
	case PVT_J_CGROUP:
		if (len < 8)
			return corrupt(rp, "corrupt recording: a cgroup's name");
		tmp = realloc(rp->cgroups, (rp->ncgroups + 1) * sizeof(*rp->cgroups));
		if (!tmp)
			return corrupt(rp, "out of memory");
		rp->cgroups = tmp;
		memcpy(&rp->cgroups[rp->ncgroups].id, d, 8);
		rp->cgroups[rp->ncgroups].path = dup_text(d + 8, len - 8);
		if (rp->cgroups[rp->ncgroups].path)
			rp->ncgroups++;
		break;
	case PVT_J_SMAPS:
		return corrupt(rp, "corrupt recording: a /proc read outside a sampling pass");
	default:
		break; /* a newer kind of record: nothing it says is needed here */
	}
	free(buf);
	return rp->status ? -1 : 0;
}

static const char *cgroup_of(void *ctx, uint64_t id)
{
	struct replay *rp = ctx;

	for (size_t i = 0; i < rp->ncgroups; i++)
		if (rp->cgroups[i].id == id)
			return rp->cgroups[i].path;
	return NULL;
}

/* The journal of the recording opened in rp->r, played back whole. */
static int replay_run(struct replay *rp)
{
	const uint8_t *d;
	uint32_t kind, len;
	int rc;

	if (read_info(rp))
		return -1;
	run_state_init(&rp->rs, rp->opt.keep_tasks, rp->opt.top, rp->opt.max_tasks);
	while ((rc = jnext(rp, &kind, &d, &len)) == 1)
		if (apply(rp, kind, d, len))
			return -1;
	if (rc < 0)
		return -1;
	rp->col.mode = rp->opt.mode;
	rp->col.tb = &rp->rs.tb;
	rp->col.mt = &rp->rs.mt;
	rp->col.slab = rp->rs.fold.slab;
	rp->col.progs = rp->progs;
	rp->col.target_pids = rp->target_pids;
	rp->col.target_cgroup = rp->target_cgroup;
	rp->col.cgroup_path = cgroup_of;
	rp->col.cgroup_ctx = rp;
	rp->col.argv = rp->opt.mode == PVT_MODE_RUN ? rp->argv : NULL;
	rp->col.null_programs = rp->opt.null_programs;
	rp->col.interval_ms = rp->opt.interval_ms;
	return 0;
}

int replay_open(struct replay *rp, const char *path)
{
	memset(rp, 0, sizeof(*rp));
	if (recr_open(&rp->r, path, rp->err, sizeof(rp->err)))
		return -1;
	return replay_run(rp);
}

int replay_open_mem(struct replay *rp, const void *buf, size_t len)
{
	memset(rp, 0, sizeof(*rp));
	if (recr_open_mem(&rp->r, buf, len, rp->err, sizeof(rp->err)))
		return -1;
	return replay_run(rp);
}

void replay_free(struct replay *rp)
{
	recr_close(rp->r);
	for (size_t i = 0; i < rp->argc; i++)
		free(rp->argv[i]);
	free(rp->argv);
	free(rp->kernel);
	free(rp->host);
	free(rp->version);
	free(rp->progs);
	free(rp->target_pids);
	free(rp->target_cgroup);
	free(rp->cal_path);
	for (size_t i = 0; i < rp->ncgroups; i++)
		free(rp->cgroups[i].path);
	free(rp->cgroups);
	run_state_free(&rp->rs);
	memset(rp, 0, sizeof(*rp));
}
