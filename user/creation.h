/* SPDX-License-Identifier: GPL-2.0 */
/*
 * creation.h - naming what the BPF side records about a task's creation and
 * end: the creating syscall, the clone flags, how a task ended; and the
 * statistics of a set of creation costs.  Pure logic: unit-tested.
 */
#ifndef PVT_CREATION_H
#define PVT_CREATION_H

#include <stddef.h>
#include <stdint.h>
#include "pvtrace.h"

/* "clone", "fork", "vfork", "clone3"; "kernel" for 0 (created inside the kernel); else "nr<N>". */
const char *pvt_syscall_name(uint32_t nr, char *buf, size_t sz);

/*
 * Call @fn with the name of each CLONE_* flag set in @flags, in bit order
 * ("CLONE_VM", ...; an unknown bit as "0x..."). Returns how many.
 */
int pvt_clone_flag_names(uint64_t flags, void (*fn)(void *ctx, const char *name), void *ctx);

/* The flags as text, '|'-separated without the CLONE_ prefix ("VM|FS|THREAD"), "-" for none. */
const char *pvt_clone_flags_str(uint64_t flags, char *buf, size_t sz);

/* "SEGV" for 11 (without "SIG"), "?" if unknown. */
const char *pvt_signal_name(int sig);

/* "exit", "signal", "collateral"; NULL for PVT_EXIT_NONE. */
const char *pvt_exit_how_name(uint32_t how);

/* count, sum, p50, p99, max of a set of durations (ns). */
struct pvt_cost_stats {
	uint64_t count, sum_ns, p50_ns, p99_ns, max_ns;
};

/*
 * Sort @v (n values) and fill @st; the quantiles are exact order statistics
 * (nearest rank).  With n == 0 everything is 0.
 */
void pvt_cost_stats(uint64_t *v, size_t n, struct pvt_cost_stats *st);

#endif /* PVT_CREATION_H */
