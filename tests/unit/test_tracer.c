// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for what of user/tracer.c runs without loading BPF:
 *
 *   - the bursts logic of the syscall hooks (--syscall-costs bursts): when
 *     they are attached and detached, and the statistics the report gives
 *     (windows, attached_ns), on made-up times and activity counts;
 *   - tracer_preflight: the one line for missing privileges, decided by the
 *     effective capabilities (CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON),
 *     checked in children that drop them (the cases that need a capability
 *     set are skipped without root);
 *   - the modes as `pvtrace run` hands them to the tracer: --syscall-costs,
 *     --no-syscall-costs, --bpf-stats (user/cmd_run.c run_parse_args).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <cmocka.h>

#include "cmd_run.h"
#include "tracer.h"

#define MS 1000000ull

/* ---- the bursts logic ---- */

static struct pvt_hooks_state detached(void)
{
	struct pvt_hooks_state h;

	memset(&h, 0, sizeof(h));
	h.stats.mode = PVT_SYS_BURSTS;
	return h;
}

static void test_hooks_wait_to_be_wanted(void **state)
{
	struct pvt_hooks_state h = detached(), before;

	/* detached and not asked for: nothing happens, whatever the time or the count */
	for (uint64_t t = 0; t < 100 * MS; t += 7 * MS) {
		before = h;
		assert_int_equal(tracer_hooks_step(&h, false, t, t), PVT_HOOKS_STAY);
		assert_memory_equal(&h, &before, sizeof(h));
	}
	/* asked for: attach (the state changes only once they are) */
	before = h;
	assert_int_equal(tracer_hooks_step(&h, true, 3, 100 * MS), PVT_HOOKS_ATTACH);
	assert_memory_equal(&h, &before, sizeof(h));
	/* an attach that failed: asked again at the next look */
	assert_int_equal(tracer_hooks_step(&h, true, 3, 105 * MS), PVT_HOOKS_ATTACH);
}

static void test_hooks_detach_after_idle(void **state)
{
	struct pvt_hooks_state h = detached();
	const uint64_t t0 = 1000 * MS;

	tracer_hooks_attached(&h, 42, t0);
	assert_true(h.on);
	assert_int_equal(h.stats.windows, 1);
	/* the count at the attach is the reference: unchanged, it is idle time */
	assert_int_equal(tracer_hooks_step(&h, false, 42, t0 + PVT_HOOKS_TICK_MS * MS), PVT_HOOKS_STAY);
	assert_int_equal(tracer_hooks_step(&h, false, 42, t0 + PVT_HOOKS_IDLE_NS - 1), PVT_HOOKS_STAY);
	assert_int_equal(tracer_hooks_step(&h, false, 42, t0 + PVT_HOOKS_IDLE_NS), PVT_HOOKS_DETACH);
	tracer_hooks_detached(&h, t0 + PVT_HOOKS_IDLE_NS);
	assert_false(h.on);
	assert_int_equal(h.stats.windows, 1);
	assert_int_equal(h.stats.attached_ns, PVT_HOOKS_IDLE_NS);
	assert_int_equal(h.stats.mode, PVT_SYS_BURSTS);
	/* detached: quiet again until asked */
	assert_int_equal(tracer_hooks_step(&h, false, 42, t0 + 10 * PVT_HOOKS_IDLE_NS), PVT_HOOKS_STAY);
}

static void test_hooks_activity_keeps_them(void **state)
{
	struct pvt_hooks_state h = detached();
	const uint64_t t0 = 50 * MS;

	tracer_hooks_attached(&h, 7, t0);
	/* a creation 15 ms in: idle time counts from there */
	assert_int_equal(tracer_hooks_step(&h, false, 8, t0 + 15 * MS), PVT_HOOKS_STAY);
	assert_int_equal(h.last_activity, 8);
	assert_int_equal(h.last_active_ns, t0 + 15 * MS);
	assert_int_equal(tracer_hooks_step(&h, false, 8, t0 + PVT_HOOKS_IDLE_NS), PVT_HOOKS_STAY);
	assert_int_equal(tracer_hooks_step(&h, false, 8, t0 + 15 * MS + PVT_HOOKS_IDLE_NS - 1),
			 PVT_HOOKS_STAY);
	/* any change is activity (the count is compared, not ordered), even a late look */
	assert_int_equal(tracer_hooks_step(&h, false, 3, t0 + 15 * MS + 5 * PVT_HOOKS_IDLE_NS),
			 PVT_HOOKS_STAY);
	assert_int_equal(h.last_active_ns, t0 + 15 * MS + 5 * PVT_HOOKS_IDLE_NS);
	/* while attached the request flag is not consulted: BPF sets it only while detached */
	assert_int_equal(tracer_hooks_step(&h, true, 3, t0 + 15 * MS + 6 * PVT_HOOKS_IDLE_NS),
			 PVT_HOOKS_DETACH);
	assert_int_equal(h.stats.windows, 1);
}

static void test_hooks_stats_over_windows(void **state)
{
	struct pvt_hooks_state h = detached(), before;
	struct pvt_hooks_stats st;

	tracer_hooks_stats_at(&h, 5 * MS, &st);
	assert_int_equal(st.mode, PVT_SYS_BURSTS);
	assert_int_equal(st.windows, 0);
	assert_int_equal(st.attached_ns, 0);

	tracer_hooks_attached(&h, 0, 100 * MS);              /* window 1: 30 ms */
	tracer_hooks_detached(&h, 130 * MS);
	tracer_hooks_attached(&h, 9, 1000 * MS);             /* window 2: open */
	before = h;
	tracer_hooks_stats_at(&h, 1007 * MS, &st);
	assert_memory_equal(&h, &before, sizeof(h));          /* a look changes nothing */
	assert_int_equal(st.windows, 2);
	assert_int_equal(st.attached_ns, 37 * MS);           /* 30 + the open window's 7 */
	tracer_hooks_stats_at(&h, 1010 * MS, &st);
	assert_int_equal(st.attached_ns, 40 * MS);
	tracer_hooks_detached(&h, 1025 * MS);                /* window 2: 25 ms */
	tracer_hooks_stats_at(&h, 5000 * MS, &st);           /* closed: no more time */
	assert_int_equal(st.windows, 2);
	assert_int_equal(st.attached_ns, 55 * MS);
	assert_int_equal(st.mode, PVT_SYS_BURSTS);
}

/* A whole run as tracer_sys_hooks_tick drives it: two bursts of creations, a pause between. */
static void test_hooks_two_bursts(void **state)
{
	struct pvt_hooks_state h = detached();
	struct pvt_hooks_stats st;
	uint64_t activity = 0, t;
	int attaches = 0, detaches = 0;
	bool wanted = false;

	tracer_hooks_attached(&h, activity, 0); /* from the start */
	for (t = 0; t <= 1000 * MS; t += PVT_HOOKS_TICK_MS * MS) {
		/* creations from 0 to 100 ms and from 600 to 650 ms, one per ms */
		bool creating = t <= 100 * MS || (t >= 600 * MS && t <= 650 * MS);

		if (creating) {
			if (h.on)
				activity += PVT_HOOKS_TICK_MS;
			else
				wanted = true; /* the BPF side asks (the creation is not timed) */
		}
		switch (tracer_hooks_step(&h, wanted, activity, t)) {
		case PVT_HOOKS_ATTACH:
			tracer_hooks_attached(&h, activity, t);
			wanted = false;
			attaches++;
			/* the first creation of the burst asked at this look */
			assert_int_equal(t, 600 * MS);
			break;
		case PVT_HOOKS_DETACH:
			tracer_hooks_detached(&h, t);
			detaches++;
			/* 20 ms after the last creation of each burst */
			assert_true(t == 100 * MS + PVT_HOOKS_IDLE_NS || t == 650 * MS + PVT_HOOKS_IDLE_NS);
			break;
		case PVT_HOOKS_STAY:
			break;
		}
	}
	assert_int_equal(attaches, 1);
	assert_int_equal(detaches, 2);
	tracer_hooks_stats_at(&h, t, &st);
	assert_int_equal(st.windows, 2);
	assert_int_equal(st.attached_ns, (100 * MS + PVT_HOOKS_IDLE_NS) + (50 * MS + PVT_HOOKS_IDLE_NS));
}

/* ---- tracer_preflight ---- */

static const char need_priv_line[] =
	"pvtrace: needs root, or the CAP_BPF and CAP_PERFMON capabilities, to load BPF programs "
	"(try: sudo pvtrace ...)\n";

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool has_btf(void)
{
	struct stat st;

	return stat("/sys/kernel/btf/vmlinux", &st) == 0 && st.st_size > 0;
}

/*
 * In a child: keep only the effective capabilities in caps[] (at most 3, -1 ends)
 * and call tracer_preflight.  Its return (0 or 1 for -1) and stderr come back.
 * Returns -1 when the child could not set the capabilities it was given.
 */
static int preflight_with(const int *caps, char *err, size_t errsz)
{
	int pfd[2], st;
	ssize_t n;
	size_t len = 0;
	pid_t pid;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
		struct __user_cap_data_struct data[2] = {};

		close(pfd[0]);
		dup2(pfd[1], STDERR_FILENO);
		if (syscall(SYS_capget, &hdr, data))
			_exit(3);
		data[0].effective = data[1].effective = 0;
		for (int i = 0; caps[i] >= 0; i++) {
			if (!(data[caps[i] / 32].permitted & (1u << (caps[i] % 32))))
				_exit(3); /* not ours to raise */
			data[caps[i] / 32].effective |= 1u << (caps[i] % 32);
		}
		if (syscall(SYS_capset, &hdr, data))
			_exit(3);
		int ret = tracer_preflight();

		_exit(ret == 0 ? 0 : ret == -1 ? 1 : 2);
	}
	close(pfd[1]);
	while (len + 1 < errsz && (n = read(pfd[0], err + len, errsz - 1 - len)) > 0)
		len += (size_t)n;
	err[len] = '\0';
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 3)
		return -1;
	assert_int_not_equal(WEXITSTATUS(st), 2); /* 0 or -1, nothing else */
	return WEXITSTATUS(st);
}

static void test_preflight_without_capabilities(void **state)
{
	const int none[] = { -1 };
	char err[512];

	if (!has_btf())
		skip(); /* the BTF line comes first: the kernel tests check it */
	/* dropping every capability is always allowed: one line, the privileges' */
	assert_int_equal(preflight_with(none, err, sizeof(err)), 1);
	assert_string_equal(err, need_priv_line);
}

static void test_preflight_capabilities(void **state)
{
	const int admin[] = { CAP_SYS_ADMIN, -1 }, both[] = { CAP_BPF, CAP_PERFMON, -1 };
	const int bpf_only[] = { CAP_BPF, -1 }, perfmon_only[] = { CAP_PERFMON, -1 };
	char err[512];

	if (!has_btf() || geteuid() != 0)
		skip(); /* raising these needs them permitted: root */
	/* CAP_SYS_ADMIN alone (kernels before CAP_BPF), or CAP_BPF with CAP_PERFMON: silent */
	assert_int_equal(preflight_with(admin, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(preflight_with(both, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	/* either of the two alone is not enough */
	assert_int_equal(preflight_with(bpf_only, err, sizeof(err)), 1);
	assert_string_equal(err, need_priv_line);
	assert_int_equal(preflight_with(perfmon_only, err, sizeof(err)), 1);
	assert_string_equal(err, need_priv_line);
}

/* ---- the modes, as `pvtrace run` passes them to the tracer ---- */

static int parse_v(struct run_opts *o, char **argv)
{
	int argc = 0, saved, nul, ret;

	while (argv[argc])
		argc++;
	memset(o, 0xa5, sizeof(*o));
	/* usage errors go to stderr: expected here */
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	nul = open("/dev/null", O_WRONLY);
	dup2(nul, STDERR_FILENO);
	close(nul);
	ret = run_parse_args(argc, argv, o);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	return ret;
}

#define PARSE(o, ...) parse_v((o), (char *[]){ "run", __VA_ARGS__, NULL })

static void test_mode_options(void **state)
{
	struct run_opts o;

	assert_int_equal(PARSE(&o, "--", "true"), 0);
	assert_int_equal(o.sys_mode, PVT_SYS_BURSTS); /* the default */
	assert_false(o.bpf_stats);
	assert_int_equal(PARSE(&o, "--syscall-costs", "bursts", "true"), 0);
	assert_int_equal(o.sys_mode, PVT_SYS_BURSTS);
	assert_int_equal(PARSE(&o, "--syscall-costs", "always", "true"), 0);
	assert_int_equal(o.sys_mode, PVT_SYS_ALWAYS);
	assert_int_equal(PARSE(&o, "--syscall-costs=never", "true"), 0);
	assert_int_equal(o.sys_mode, PVT_SYS_NEVER);
	assert_int_equal(PARSE(&o, "--no-syscall-costs", "--", "true"), 0);
	assert_int_equal(o.sys_mode, PVT_SYS_NEVER);
	/* the last one given wins */
	assert_int_equal(PARSE(&o, "--no-syscall-costs", "--syscall-costs", "always", "true"), 0);
	assert_int_equal(o.sys_mode, PVT_SYS_ALWAYS);
	assert_int_equal(PARSE(&o, "--syscall-costs", "always", "--no-syscall-costs", "true"), 0);
	assert_int_equal(o.sys_mode, PVT_SYS_NEVER);
	assert_int_equal(PARSE(&o, "--bpf-stats", "--", "true"), 0);
	assert_true(o.bpf_stats);
	assert_int_equal(o.sys_mode, PVT_SYS_BURSTS);
	/* after the command: the command's, not ours */
	assert_int_equal(PARSE(&o, "true", "--syscall-costs", "never", "--bpf-stats"), 0);
	assert_int_equal(o.sys_mode, PVT_SYS_BURSTS);
	assert_false(o.bpf_stats);
}

static void test_mode_errors(void **state)
{
	struct run_opts o;

	assert_int_equal(PARSE(&o, "--syscall-costs", "sometimes", "true"), 2);
	assert_int_equal(PARSE(&o, "--syscall-costs", "Always", "true"), 2);
	assert_int_equal(PARSE(&o, "--syscall-costs=", "true"), 2);
	assert_int_equal(PARSE(&o, "--syscall-costs"), 2);
	assert_int_equal(PARSE(&o, "--no-syscall-costs=1", "true"), 2);
	assert_int_equal(PARSE(&o, "--bpf-stats=yes", "true"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hooks_wait_to_be_wanted),
		cmocka_unit_test(test_hooks_detach_after_idle),
		cmocka_unit_test(test_hooks_activity_keeps_them),
		cmocka_unit_test(test_hooks_stats_over_windows),
		cmocka_unit_test(test_hooks_two_bursts),
		cmocka_unit_test(test_preflight_without_capabilities),
		cmocka_unit_test(test_preflight_capabilities),
		cmocka_unit_test(test_mode_options),
		cmocka_unit_test(test_mode_errors),
	};

	return cmocka_run_group_tests_name("tracer", tests, NULL, NULL);
}
