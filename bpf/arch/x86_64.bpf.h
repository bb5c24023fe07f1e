/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arch/x86_64.bpf.h - what pvtrace's BPF side knows about x86_64, all of it:
 * syscall numbers, the registers a syscall's number, arguments and user stack
 * pointer are in, page and kernel-stack sizes, signal numbers.  The interface
 * (the same for every architecture) is listed in bpf/arch.bpf.h, which is the
 * only file that includes this one.
 *
 * Needs: vmlinux.h (x86_64's struct pt_regs), bpf_core_read.h, pvtrace.h.
 */
#ifndef PVTRACE_ARCH_X86_64_BPF_H
#define PVTRACE_ARCH_X86_64_BPF_H

#ifndef PVTRACE_ARCH_BPF_H
#error "pvtrace: include arch.bpf.h, which picks the architecture's header"
#endif

/* ---- syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl) ---- */

#define PVT_X86_64_NR_CLONE 56
#define PVT_X86_64_NR_FORK 57
#define PVT_X86_64_NR_VFORK 58
#define PVT_X86_64_NR_EXECVE 59
#define PVT_X86_64_NR_EXECVEAT 322
#define PVT_X86_64_NR_CLONE3 435

/*
 * The records name the creating syscall with pvtrace.h's PVT_NR_* codes,
 * which are x86_64's numbers: here a syscall number is its own code.  (An
 * architecture with other numbers maps them to the codes in its
 * pvt_arch_nr_code().)  The BPF modules compare and store codes only.
 */
_Static_assert(PVT_X86_64_NR_CLONE == PVT_NR_CLONE && PVT_X86_64_NR_FORK == PVT_NR_FORK &&
	       PVT_X86_64_NR_VFORK == PVT_NR_VFORK && PVT_X86_64_NR_EXECVE == PVT_NR_EXECVE &&
	       PVT_X86_64_NR_EXECVEAT == PVT_NR_EXECVEAT && PVT_X86_64_NR_CLONE3 == PVT_NR_CLONE3,
	       "pvtrace.h's PVT_NR_* codes are x86_64's syscall numbers");

static __always_inline long pvt_arch_nr_code(long nr)
{
	return nr;
}

/*
 * raw_syscalls:sys_enter/sys_exit run for every syscall on the machine: three
 * compares send all but the six that create tasks or exec straight back
 * (clone, fork, vfork and execve are 56..59 on x86_64).
 */
static __always_inline bool pvt_arch_is_traced_nr(long nr)
{
	return (__u64)(nr - PVT_X86_64_NR_CLONE) <= PVT_X86_64_NR_EXECVE - PVT_X86_64_NR_CLONE ||
	       nr == PVT_X86_64_NR_CLONE3 || nr == PVT_X86_64_NR_EXECVEAT;
}

/* ---- registers (struct pt_regs as the syscall entry saved it) ---- */

/*
 * The number of the syscall the task entered: orig_ax (ax then holds the
 * return value).  A direct load: @regs is a BTF pointer (a tracepoint's
 * argument, or bpf_task_pt_regs()).
 */
static __always_inline long pvt_arch_sys_nr(struct pt_regs *regs)
{
	return regs->orig_ax;
}

/* The syscall's arguments are in di, si, dx, r10, r8, r9. */
static __always_inline __u64 pvt_arch_sys_arg1(struct pt_regs *regs)
{
	return regs->di;
}

static __always_inline __u64 pvt_arch_sys_arg2(struct pt_regs *regs)
{
	return regs->si;
}

/* clone(flags, newsp, parent_tid, child_tid, tls) on x86_64. */
static __always_inline __u64 pvt_arch_clone_flags(struct pt_regs *regs)
{
	return pvt_arch_sys_arg1(regs);
}

static __always_inline __u64 pvt_arch_clone_stack(struct pt_regs *regs)
{
	return pvt_arch_sys_arg2(regs);
}

/* The user stack pointer saved at the task's entry to the kernel (a probe read). */
static __always_inline __u64 pvt_arch_user_sp(struct pt_regs *regs)
{
	return BPF_CORE_READ(regs, sp);
}

/* ---- sizes ---- */

#define PVT_ARCH_PAGE_SHIFT 12     /* 4 KiB pages */
#define PVT_ARCH_THREAD_SIZE 16384 /* a kernel stack without CONFIG_VMAP_STACK (no KASAN) */

/* ---- signal numbers (arch/x86/include/uapi/asm/signal.h) ---- */

#define PVT_SIGKILL 9
#define PVT_SIGCHLD 17
#define PVT_SIGCONT 18
#define PVT_SIGSTOP 19
#define PVT_SIGTSTP 20
#define PVT_SIGTTIN 21
#define PVT_SIGTTOU 22
#define PVT_SIGURG 23
#define PVT_SIGWINCH 28

#endif /* PVTRACE_ARCH_X86_64_BPF_H */
