/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perfetto.h - a recording as a Perfetto trace (perfetto.c): the protobuf
 * packets of docs/perfetto/pvtrace_perfetto.proto, written from what
 * perfetto_input.c read.  What the trace holds: docs/RECORD.md, "pvtrace
 * perfetto".
 */
#ifndef PVT_PERFETTO_H
#define PVT_PERFETTO_H

#include <stdint.h>
#include <stdio.h>
#include "perfetto_input.h"

/* What was written, for the closing line. */
struct perfetto_stats {
	uint64_t packets;
	uint64_t switches;      /* sched_switch events, bridges included */
	uint64_t bridged;       /* of which added to join a CPU's switches (untraced tasks') */
	uint64_t wakeups;
	uint64_t migrations;
	uint64_t creations;
	uint64_t renames;
	uint64_t exits;
	uint64_t runq_values;   /* run-queue wait counter values */
	uint64_t rss_values;
};

/*
 * Write the trace of @in to @out (the tasks' walk state in @in is used).
 * 0, or -1 with one line in @err (out of memory, a write error).
 */
int perfetto_write(struct pf_input *in, FILE *out, struct perfetto_stats *st, char *err,
		   size_t errlen);

#endif /* PVT_PERFETTO_H */
