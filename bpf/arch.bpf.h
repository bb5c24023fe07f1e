/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arch.bpf.h - picks the one header that knows the target architecture.
 *
 * Everything pvtrace reads that depends on the architecture lives in
 * bpf/arch/<arch>.bpf.h and nowhere else: syscall numbers, where a syscall's
 * number and arguments sit in struct pt_regs, the user stack pointer, page
 * and kernel-stack sizes, signal numbers.  The Makefile passes
 * -D__TARGET_ARCH_$(ARCH), ARCH being `uname -m` with x86_64 spelled x86.
 *
 * Each arch header provides (the BPF modules use nothing else):
 *   PVT_ARCH_PAGE_SHIFT, PVT_ARCH_THREAD_SIZE
 *   PVT_SIGKILL, PVT_SIGCHLD, PVT_SIGCONT, PVT_SIGSTOP..PVT_SIGTTOU, PVT_SIGURG,
 *   PVT_SIGWINCH
 *   pvt_arch_nr_code(nr)       a syscall number as pvtrace.h's PVT_NR_* code
 *   pvt_arch_is_traced_nr(nr)  clone, fork, vfork, clone3, execve, execveat
 *   pvt_arch_sys_nr(regs)      the number of the syscall @regs entered with
 *   pvt_arch_sys_arg1/2(regs)  its first and second arguments
 *   pvt_arch_user_sp(regs)     the user stack pointer (a probe read)
 *   pvt_arch_clone_flags/stack(regs)  clone(2)'s flags and new stack
 * Included by pvtrace.bpf.h, after vmlinux.h, the libbpf headers and pvtrace.h.
 */
#ifndef PVTRACE_ARCH_BPF_H
#define PVTRACE_ARCH_BPF_H

#if defined(__TARGET_ARCH_x86)
#include "arch/x86_64.bpf.h"
#else
#error "pvtrace: only x86_64 is supported (see bpf/arch/)"
#endif

#endif /* PVTRACE_ARCH_BPF_H */
