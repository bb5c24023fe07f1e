// SPDX-License-Identifier: GPL-2.0
/* status.c - the live status line. */
#include <stdio.h>
#include "status.h"

void status_init(struct pvt_status *st, FILE *f, bool enabled)
{
	st->f = f;
	st->enabled = enabled;
	st->shown = false;
	st->last_ns = 0;
	st->last_switches = 0;
}

static const char *si(char *buf, size_t sz, double v)
{
	if (v >= 1e6)
		snprintf(buf, sz, "%.2fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, sz, "%.1fk", v / 1e3);
	else
		snprintf(buf, sz, "%.0f", v);
	return buf;
}

uint64_t pvt_untracked_tasks(const uint64_t c[PVT_C__MAX])
{
	return c[PVT_C_TASKMAP_FULL] + c[PVT_C_UNTRACKED_DESC];
}

uint64_t pvt_lost_events(const uint64_t c[PVT_C__MAX])
{
	return c[PVT_C_RB_LOST_CREATE] + c[PVT_C_RB_LOST_EXIT] + c[PVT_C_RB_LOST_EXEC] +
	       c[PVT_C_RB_LOST_RENAME] + c[PVT_C_LATE_COST_FULL] + c[PVT_C_PROCMAP_FULL] +
	       pvt_untracked_tasks(c) + c[PVT_C_ATTACH_FULL];
}

int status_format(char *buf, size_t sz, const uint64_t c[PVT_C__MAX], double sps)
{
	uint64_t seen = c[PVT_C_TASKS_SEEN], dead = c[PVT_C_TASKS_DEAD];
	uint64_t lost = pvt_lost_events(c), untracked = pvt_untracked_tasks(c);
	char r[32], u[48] = "";

	if (untracked)
		snprintf(u, sizeof(u), ", %llu untracked: task map full",
			 (unsigned long long)untracked);
	return snprintf(buf, sz, "pvtrace: %llu tasks alive, %llu seen, %s switches/s, %llu lost%s",
			(unsigned long long)(seen > dead ? seen - dead : 0),
			(unsigned long long)seen, si(r, sizeof(r), sps), (unsigned long long)lost, u);
}

void status_update(struct pvt_status *st, const uint64_t c[PVT_C__MAX], uint64_t now_ns)
{
	char line[160];
	double sps = 0;

	if (!st->enabled)
		return;
	if (st->last_ns && now_ns > st->last_ns)
		sps = (double)(c[PVT_C_SWITCHES] - st->last_switches) * 1e9 /
		      (double)(now_ns - st->last_ns);
	st->last_ns = now_ns;
	st->last_switches = c[PVT_C_SWITCHES];
	status_format(line, sizeof(line), c, sps);
	fprintf(st->f, "\r\033[K%s", line);
	fflush(st->f);
	st->shown = true;
}

void status_clear(struct pvt_status *st)
{
	if (st->shown) {
		fprintf(st->f, "\r\033[K");
		fflush(st->f);
		st->shown = false;
	}
}
