// SPDX-License-Identifier: GPL-2.0
/* creation.c - names for creating syscalls, clone flags and exits; cost statistics. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <string.h>
#include "creation.h"
#include "quantile.h"

const char *pvt_syscall_name(uint32_t nr, char *buf, size_t sz)
{
	switch (nr) {
	case 0:
		return "kernel";
	case PVT_NR_CLONE:
		return "clone";
	case PVT_NR_FORK:
		return "fork";
	case PVT_NR_VFORK:
		return "vfork";
	case PVT_NR_CLONE3:
		return "clone3";
	default:
		snprintf(buf, sz, "nr%u", nr);
		return buf;
	}
}

/* include/uapi/linux/sched.h; bit 0-7 are the exit signal in clone(2)'s flags. */
static const struct { uint64_t bit; const char *name; } clone_flags[] = {
	{ 0x00000100ull, "CLONE_VM" },
	{ 0x00000200ull, "CLONE_FS" },
	{ 0x00000400ull, "CLONE_FILES" },
	{ 0x00000800ull, "CLONE_SIGHAND" },
	{ 0x00001000ull, "CLONE_PIDFD" },
	{ 0x00002000ull, "CLONE_PTRACE" },
	{ 0x00004000ull, "CLONE_VFORK" },
	{ 0x00008000ull, "CLONE_PARENT" },
	{ 0x00010000ull, "CLONE_THREAD" },
	{ 0x00020000ull, "CLONE_NEWNS" },
	{ 0x00040000ull, "CLONE_SYSVSEM" },
	{ 0x00080000ull, "CLONE_SETTLS" },
	{ 0x00100000ull, "CLONE_PARENT_SETTID" },
	{ 0x00200000ull, "CLONE_CHILD_CLEARTID" },
	{ 0x00400000ull, "CLONE_DETACHED" },
	{ 0x00800000ull, "CLONE_UNTRACED" },
	{ 0x01000000ull, "CLONE_CHILD_SETTID" },
	{ 0x02000000ull, "CLONE_NEWCGROUP" },
	{ 0x04000000ull, "CLONE_NEWUTS" },
	{ 0x08000000ull, "CLONE_NEWIPC" },
	{ 0x10000000ull, "CLONE_NEWUSER" },
	{ 0x20000000ull, "CLONE_NEWPID" },
	{ 0x40000000ull, "CLONE_NEWNET" },
	{ 0x80000000ull, "CLONE_IO" },
	{ 0x100000000ull, "CLONE_CLEAR_SIGHAND" },
	{ 0x200000000ull, "CLONE_INTO_CGROUP" },
	{ 0x400000000ull, "CLONE_NEWTIME" },
};

int pvt_clone_flag_names(uint64_t flags, void (*fn)(void *ctx, const char *name), void *ctx)
{
	int n = 0;

	for (size_t i = 0; i < sizeof(clone_flags) / sizeof(clone_flags[0]); i++) {
		if (flags & clone_flags[i].bit) {
			fn(ctx, clone_flags[i].name);
			flags &= ~clone_flags[i].bit;
			n++;
		}
	}
	for (int b = 0; b < 64; b++) {
		char hex[24];

		if (!(flags & (1ull << b)))
			continue;
		snprintf(hex, sizeof(hex), "0x%llx", 1ull << b);
		fn(ctx, hex);
		n++;
	}
	return n;
}

struct flags_buf {
	char *buf;
	size_t sz, off;
};

static void append_flag(void *ctx, const char *name)
{
	struct flags_buf *fb = ctx;
	int w;

	if (!strncmp(name, "CLONE_", 6))
		name += 6;
	if (fb->off >= fb->sz)
		return;
	w = snprintf(fb->buf + fb->off, fb->sz - fb->off, "%s%s", fb->off ? "|" : "", name);
	fb->off = w < 0 ? fb->sz : fb->off + (size_t)w;
}

const char *pvt_clone_flags_str(uint64_t flags, char *buf, size_t sz)
{
	struct flags_buf fb = { buf, sz, 0 };

	if (!sz)
		return buf;
	buf[0] = '\0';
	if (!pvt_clone_flag_names(flags, append_flag, &fb))
		snprintf(buf, sz, "-");
	return buf;
}

const char *pvt_signal_name(int sig)
{
	const char *n = sig > 0 ? sigabbrev_np(sig) : NULL;

	return n ? n : "?";
}

const char *pvt_exit_how_name(uint32_t how)
{
	switch (how) {
	case PVT_EXIT_SELF:
		return "exit";
	case PVT_EXIT_SIGNAL:
		return "signal";
	case PVT_EXIT_COLLATERAL:
		return "collateral";
	default:
		return NULL;
	}
}

void pvt_cost_stats(uint64_t *v, size_t n, struct pvt_cost_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!n)
		return;
	pvt_sort_u64(v, n);
	st->count = n;
	for (size_t i = 0; i < n; i++)
		st->sum_ns += v[i];
	st->p50_ns = pvt_quantile_sorted_u64(v, n, 0.50);
	st->p99_ns = pvt_quantile_sorted_u64(v, n, 0.99);
	st->max_ns = v[n - 1];
}
