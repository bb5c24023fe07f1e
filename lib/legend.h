/* SPDX-License-Identifier: GPL-2.0 */
/*
 * legend.h - the legend under a text table: every cell that holds no figure
 * (a placeholder: "-", "?") is counted by its reason, and each reason met is
 * said once under the table, never a line when nothing is missing:
 *
 *   MARK in COLUMNS (N ROWS): REASON
 *
 * e.g. "  - in PRIVATE, SHARED, PSS (17 processes): lived shorter than the
 * 100 ms sampling interval".  The reports' convention: "-" where there is
 * nothing to measure (not sampled, did not exec, alive...), "?" where it
 * could not be measured (a file not readable, a map full...).  docs/METRICS.md,
 * "Missing figures", lists every reason.  libc only.
 */
#ifndef PVT_LEGEND_H
#define PVT_LEGEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PVT_LEGEND_MAX 24

struct pvt_legend {
	size_t n;
	bool full;              /* a reason beyond PVT_LEGEND_MAX: said as such */
	struct pvt_legend_ent {
		const char *mark, *cols, *one, *many; /* static strings */
		char why[96];
		uint64_t count;
	} e[PVT_LEGEND_MAX];
};

/*
 * Count one row's placeholder @mark in the columns @cols ("PRIVATE, SHARED,
 * PSS"), a row being @one / @many ("process", "processes"), for the reason
 * @fmt.  Returns @mark, for the cell itself.
 */
__attribute__((format(printf, 6, 7)))
const char *pvt_legend_note(struct pvt_legend *lg, const char *mark, const char *cols,
			    const char *one, const char *many, const char *fmt, ...);

/* The legend's lines, in the order the reasons were first met (none: nothing). */
void pvt_legend_print(FILE *f, const struct pvt_legend *lg);

#endif /* PVT_LEGEND_H */
