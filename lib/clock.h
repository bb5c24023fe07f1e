/* SPDX-License-Identifier: GPL-2.0 */
/* clock.h - the one clock of pvtrace's tools.  libc only. */
#ifndef PVT_CLOCK_H
#define PVT_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in ns: the clock bpf_ktime_get_ns() reads. */
uint64_t pvt_now_ns(void);

#endif /* PVT_CLOCK_H */
