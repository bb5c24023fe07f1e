// SPDX-License-Identifier: GPL-2.0
/*
 * empty.bpf.c - programs that do nothing, on the tracepoints pvtrace uses.
 *
 * `make bench` attaches these (`pvtrace run --null-programs`) to measure what
 * the tracing mechanism itself costs, beside pvtrace's real programs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sched_switch")
int BPF_PROG(null_sched_switch) { return 0; }

SEC("tp_btf/sched_process_fork")
int BPF_PROG(null_sched_process_fork) { return 0; }

SEC("tp_btf/sched_process_exec")
int BPF_PROG(null_sched_process_exec) { return 0; }

SEC("tp_btf/sched_process_exit")
int BPF_PROG(null_sched_process_exit) { return 0; }

SEC("tp_btf/sched_wakeup")
int BPF_PROG(null_sched_wakeup) { return 0; }

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(null_sched_wakeup_new) { return 0; }

SEC("tp_btf/sched_migrate_task")
int BPF_PROG(null_sched_migrate_task) { return 0; }

SEC("tp_btf/sys_enter")
int BPF_PROG(null_sys_enter) { return 0; }

SEC("tp_btf/sys_exit")
int BPF_PROG(null_sys_exit) { return 0; }

SEC("tp_btf/task_rename")
int BPF_PROG(null_task_rename) { return 0; }

SEC("tp_btf/signal_generate")
int BPF_PROG(null_signal_generate) { return 0; }

SEC("tp_btf/signal_deliver")
int BPF_PROG(null_signal_deliver) { return 0; }
