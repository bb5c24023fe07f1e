/* SPDX-License-Identifier: GPL-2.0 */
/*
 * metrics_expo.h - what `pvtrace serve` exposes: every metric family, its
 * name, type, unit and help, written from the series (metrics.h) and the
 * tracer's health, in either format (openmetrics.h).  docs/METRICS.md,
 * "OpenMetrics (pvtrace serve)", lists the same families.
 */
#ifndef PVT_METRICS_EXPO_H
#define PVT_METRICS_EXPO_H

#include <stdint.h>
#include "metrics.h"
#include "openmetrics.h"

/* One BPF program's run-time statistics (kernel.bpf_stats_enabled). */
struct expo_prog {
	const char *name;
	uint64_t runs, run_ns;
};

/* pvtrace about itself, at the snapshot. */
struct expo_health {
	const uint64_t *counters;   /* enum pvt_counter, PVT_C__MAX of them; NULL: none */
	uint64_t userspace_lost;    /* records pvtrace could not keep (out of memory) */
	const struct expo_prog *progs; /* NULL: statistics not enabled */
	size_t nprogs;
	uint64_t snapshots;         /* taken since the start */
	uint64_t snapshot_ns;       /* how long the last one took to build */
};

/* Every family, the series' then the health's, into @b. */
void metrics_expo_write(struct om_buf *b, enum om_format f, const struct metrics *m,
			const struct expo_health *h);

#endif /* PVT_METRICS_EXPO_H */
