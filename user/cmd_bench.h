/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmd_bench.h - `pvtrace bench` (cmd_bench.c): runs pvbench (tools/pvbench/), the
 * process-versus-thread benchmarks, alone or under `pvtrace run` (--trace).
 */
#ifndef PVT_CMD_BENCH_H
#define PVT_CMD_BENCH_H

int cmd_bench(int argc, char **argv);

#endif /* PVT_CMD_BENCH_H */
