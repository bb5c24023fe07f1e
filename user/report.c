// SPDX-License-Identifier: GPL-2.0
/* report.c - what the text and JSON reports compute alike. */
#include "report.h"
#include "status.h"

uint64_t report_lost_events(const struct pvt_report *r)
{
	return pvt_lost_events(r->counters);
}

double report_switch_cost_ns(const struct pvt_report *r, uint64_t in, uint64_t as_change)
{
	if (!r->cal)
		return -1;
	if (as_change > in)
		as_change = in;
	return (double)as_change * r->cal->as_change_ns + (double)(in - as_change) * r->cal->same_as_ns;
}

const struct pvt_waker *report_top_waker(const struct pvt_task *t)
{
	const struct pvt_waker *best = NULL;

	for (int i = 0; i < PVT_WAKERS; i++)
		if (t->wakers[i].count && (!best || t->wakers[i].count > best->count))
			best = &t->wakers[i];
	return best;
}
