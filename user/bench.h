/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h - `pvtrace bench`: runs pvbench (tools/pvbench/), the
 * process-versus-thread benchmarks, alone or under `pvtrace run` (--trace).
 */
#ifndef PVT_BENCH_H
#define PVT_BENCH_H

int cmd_bench(int argc, char **argv);

#endif /* PVT_BENCH_H */
