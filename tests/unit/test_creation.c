// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/creation.c: the names of the creating syscalls, of
 * the clone flags (as callbacks and as text, with truncation), of how a
 * task ended, and the statistics of a set of creation costs (count, sum,
 * nearest-rank p50/p99, max; the values sorted in place).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "creation.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The flags glibc's pthread_create passes to clone/clone3. */
#define PTHREAD_FLAGS 0x3d0f00ull
#define PTHREAD_STR "VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID"

/* ---- pvt_syscall_name ---- */

static void test_syscall_name_known(void **state)
{
	char buf[16];

	(void)state;
	memset(buf, 'Z', sizeof(buf));
	assert_string_equal(pvt_syscall_name(0, buf, sizeof(buf)), "kernel");
	assert_string_equal(pvt_syscall_name(56, buf, sizeof(buf)), "clone");
	assert_string_equal(pvt_syscall_name(57, buf, sizeof(buf)), "fork");
	assert_string_equal(pvt_syscall_name(58, buf, sizeof(buf)), "vfork");
	assert_string_equal(pvt_syscall_name(435, buf, sizeof(buf)), "clone3");
	assert_string_equal(pvt_syscall_name(PVT_NR_CLONE3, buf, sizeof(buf)), "clone3");
	/* the known names do not touch the buffer */
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 'Z');
}

static void test_syscall_name_unknown(void **state)
{
	char buf[16], small[4];
	const char *s;

	(void)state;
	s = pvt_syscall_name(999, buf, sizeof(buf));
	assert_ptr_equal(s, buf);
	assert_string_equal(s, "nr999");
	/* execve is not a creating syscall */
	assert_string_equal(pvt_syscall_name(PVT_NR_EXECVE, buf, sizeof(buf)), "nr59");
	assert_string_equal(pvt_syscall_name(UINT32_MAX, buf, sizeof(buf)), "nr4294967295");
	/* a small buffer truncates, NUL-terminated */
	memset(small, 'Z', sizeof(small));
	s = pvt_syscall_name(12345, small, sizeof(small));
	assert_ptr_equal(s, small);
	assert_string_equal(s, "nr1");
}

/* ---- pvt_clone_flag_names / pvt_clone_flags_str ---- */

struct names {
	int calls;
	char joined[512];
};

static void collect(void *ctx, const char *name)
{
	struct names *nm = ctx;
	size_t off = strlen(nm->joined);

	assert_non_null(name);
	assert_true(name[0] != '\0');
	snprintf(nm->joined + off, sizeof(nm->joined) - off, "%s%s", off ? "," : "", name);
	nm->calls++;
}

static void test_clone_flags_pthread(void **state)
{
	struct names nm = {};
	char buf[256];

	(void)state;
	assert_string_equal(pvt_clone_flags_str(PTHREAD_FLAGS, buf, sizeof(buf)), PTHREAD_STR);
	assert_int_equal(pvt_clone_flag_names(PTHREAD_FLAGS, collect, &nm), 9);
	assert_int_equal(nm.calls, 9);
	/* the callback gets the full names, in bit order */
	assert_string_equal(nm.joined, "CLONE_VM,CLONE_FS,CLONE_FILES,CLONE_SIGHAND,"
			    "CLONE_THREAD,CLONE_SYSVSEM,CLONE_SETTLS,CLONE_PARENT_SETTID,"
			    "CLONE_CHILD_CLEARTID");
	assert_true(PTHREAD_FLAGS & PVT_CLONE_THREAD);
}

static void test_clone_flags_others(void **state)
{
	char buf[512];

	(void)state;
	/* what pvtrace fills in for vfork */
	assert_string_equal(pvt_clone_flags_str(PVT_CLONE_VM | PVT_CLONE_VFORK, buf, sizeof(buf)),
			    "VM|VFORK");
	assert_string_equal(pvt_clone_flags_str(PVT_CLONE_THREAD, buf, sizeof(buf)), "THREAD");
	/* the top known flags (clone3 only) */
	assert_string_equal(pvt_clone_flags_str(0x100000000ull | 0x200000000ull | 0x400000000ull,
						buf, sizeof(buf)),
			    "CLEAR_SIGHAND|INTO_CGROUP|NEWTIME");
	assert_string_equal(pvt_clone_flags_str(0x80000000ull, buf, sizeof(buf)), "IO");
	assert_string_equal(pvt_clone_flags_str(0x01000000ull | 0x20000000ull, buf, sizeof(buf)),
			    "CHILD_SETTID|NEWPID");
}

static void test_clone_flags_none(void **state)
{
	struct names nm = {};
	char buf[8];

	(void)state;
	memset(buf, 'Z', sizeof(buf));
	assert_ptr_equal(pvt_clone_flags_str(0, buf, sizeof(buf)), buf);
	assert_string_equal(buf, "-");
	assert_int_equal(pvt_clone_flag_names(0, collect, &nm), 0);
	assert_int_equal(nm.calls, 0);
	/* "-" even when it is all that fits */
	memset(buf, 'Z', sizeof(buf));
	assert_string_equal(pvt_clone_flags_str(0, buf, 2), "-");
	assert_int_equal(buf[2], 'Z');
}

static void test_clone_flags_unknown_bit(void **state)
{
	struct names nm = {};
	char buf[256];

	(void)state;
	assert_string_equal(pvt_clone_flags_str(1ull << 40, buf, sizeof(buf)), "0x10000000000");
	assert_int_equal(pvt_clone_flag_names(1ull << 40, collect, &nm), 1);
	assert_string_equal(nm.joined, "0x10000000000");

	/* known names first, then the unknown bits, low to high */
	assert_string_equal(pvt_clone_flags_str((1ull << 63) | (1ull << 40) | PVT_CLONE_VM,
						buf, sizeof(buf)),
			    "VM|0x10000000000|0x8000000000000000");
	/* the first bit past CLONE_NEWTIME is unknown */
	assert_string_equal(pvt_clone_flags_str(0x800000000ull, buf, sizeof(buf)), "0x800000000");
}

static void test_clone_flags_all_known(void **state)
{
	/* bits 8..34: every CLONE_* flag of include/uapi/linux/sched.h */
	const uint64_t all = 0x7ffffff00ull;
	struct names nm = {};
	char buf[512];

	(void)state;
	assert_int_equal(pvt_clone_flag_names(all, collect, &nm), 27);
	assert_int_equal(nm.calls, 27);
	assert_null(strstr(nm.joined, "0x"));
	pvt_clone_flags_str(all, buf, sizeof(buf));
	assert_null(strstr(buf, "CLONE_"));
	assert_null(strstr(buf, "0x"));
	assert_true(!strncmp(buf, "VM|FS|FILES|SIGHAND|PIDFD|PTRACE|VFORK|PARENT|THREAD|",
			     strlen("VM|FS|FILES|SIGHAND|PIDFD|PTRACE|VFORK|PARENT|THREAD|")));
	assert_string_equal(buf + strlen(buf) - strlen("|NEWTIME"), "|NEWTIME");
}

/* The callback's count is the number of names, for any set of bits. */
static void test_clone_flag_names_count(void **state)
{
	static const uint64_t sets[] = {
		0, PTHREAD_FLAGS, PVT_CLONE_VM | PVT_CLONE_VFORK, 1ull << 40,
		0x7ffffff00ull, ~0ull, 0xffull, (1ull << 63) | PVT_CLONE_THREAD,
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
		struct names nm = {};
		char buf[1024];
		int n = pvt_clone_flag_names(sets[i], collect, &nm);
		size_t bars = 0;

		assert_int_equal(n, nm.calls);
		/* one name per set bit */
		assert_int_equal(n, __builtin_popcountll(sets[i]));
		/* the text has as many names */
		pvt_clone_flags_str(sets[i], buf, sizeof(buf));
		for (const char *c = buf; *c; c++)
			bars += *c == '|';
		assert_int_equal(n ? bars + 1 : 0, (size_t)n);
	}
}

static void test_clone_flags_truncation(void **state)
{
	char full[256], buf[128];
	size_t len;

	(void)state;
	pvt_clone_flags_str(PTHREAD_FLAGS, full, sizeof(full));
	len = strlen(full);
	assert_int_equal(len, strlen(PTHREAD_STR));
	assert_true(len + 2 < sizeof(buf));

	for (size_t sz = 0; sz <= len + 2; sz++) {
		const char *s;

		memset(buf, 'Z', sizeof(buf));
		s = pvt_clone_flags_str(PTHREAD_FLAGS, buf, sz);
		assert_ptr_equal(s, buf);
		/* nothing written past sz */
		for (size_t i = sz; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 'Z');
		if (!sz)
			continue;
		/* NUL-terminated inside the buffer, a prefix of the full text */
		assert_non_null(memchr(buf, '\0', sz));
		assert_true(strlen(buf) < sz);
		assert_int_equal(strncmp(buf, full, strlen(buf)), 0);
		if (sz > len)
			assert_string_equal(buf, full);
		else
			assert_int_equal(strlen(buf), sz - 1);
	}

	/* unknown bits truncated too */
	memset(buf, 'Z', sizeof(buf));
	pvt_clone_flags_str((1ull << 40) | (1ull << 50), buf, 8);
	assert_string_equal(buf, "0x10000");
	assert_int_equal(buf[8], 'Z');
}

/* ---- pvt_exit_how_name ---- */

static void test_exit_how_name(void **state)
{
	(void)state;
	assert_string_equal(pvt_exit_how_name(PVT_EXIT_SELF), "exit");
	assert_string_equal(pvt_exit_how_name(PVT_EXIT_SIGNAL), "signal");
	assert_string_equal(pvt_exit_how_name(PVT_EXIT_COLLATERAL), "collateral");
	assert_null(pvt_exit_how_name(PVT_EXIT_NONE));
	assert_null(pvt_exit_how_name(PVT_EXIT_COLLATERAL + 1));
	assert_null(pvt_exit_how_name(100));
	assert_null(pvt_exit_how_name(UINT32_MAX));
}

/* ---- pvt_cost_stats ---- */

/* Deterministic Fisher-Yates shuffle (LCG), the same order on every run. */
static void shuffle(uint64_t *v, size_t n, uint32_t seed)
{
	for (size_t i = n; i > 1; i--) {
		size_t j;
		uint64_t x;

		seed = seed * 1103515245u + 12345u;
		j = (seed >> 8) % i;
		x = v[i - 1];
		v[i - 1] = v[j];
		v[j] = x;
	}
}

static void assert_sorted(const uint64_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		assert_true(v[i - 1] <= v[i]);
}

static void test_cost_stats_empty(void **state)
{
	struct pvt_cost_stats st;
	uint64_t v[1] = { 77 };

	(void)state;
	memset(&st, 0xff, sizeof(st));
	pvt_cost_stats(v, 0, &st);
	assert_int_equal(st.count, 0);
	assert_int_equal(st.sum_ns, 0);
	assert_int_equal(st.p50_ns, 0);
	assert_int_equal(st.p99_ns, 0);
	assert_int_equal(st.max_ns, 0);
	assert_int_equal(v[0], 77);
}

static void test_cost_stats_one(void **state)
{
	struct pvt_cost_stats st;
	uint64_t v[1] = { 42 };

	(void)state;
	memset(&st, 0xff, sizeof(st));
	pvt_cost_stats(v, 1, &st);
	assert_int_equal(st.count, 1);
	assert_int_equal(st.sum_ns, 42);
	assert_int_equal(st.p50_ns, 42);
	assert_int_equal(st.p99_ns, 42);
	assert_int_equal(st.max_ns, 42);
}

static void test_cost_stats_1_to_100(void **state)
{
	struct pvt_cost_stats st;
	uint64_t v[100];

	(void)state;
	for (size_t i = 0; i < 100; i++)
		v[i] = i + 1;
	shuffle(v, 100, 7);
	assert_true(v[0] != 1 || v[99] != 100);
	pvt_cost_stats(v, 100, &st);
	assert_int_equal(st.count, 100);
	assert_int_equal(st.sum_ns, 5050);
	assert_int_equal(st.p50_ns, 50);
	assert_int_equal(st.p99_ns, 99);
	assert_int_equal(st.max_ns, 100);
	/* sorted in place */
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(v[i], i + 1);
}

/* Nearest rank: the k-th smallest, k = ceil(q * n), for every n up to 1000. */
static void test_cost_stats_nearest_rank(void **state)
{
	static uint64_t v[1000];
	struct pvt_cost_stats st;

	(void)state;
	for (size_t n = 1; n <= 1000; n++) {
		size_t k50 = (n + 1) / 2, k99 = (99 * n + 99) / 100;

		/* values 10, 20, ..., 10n: the k-th smallest is 10k */
		for (size_t i = 0; i < n; i++)
			v[i] = 10 * (i + 1);
		shuffle(v, n, (uint32_t)n);
		pvt_cost_stats(v, n, &st);
		assert_int_equal(st.count, n);
		assert_int_equal(st.sum_ns, 5 * n * (n + 1));
		assert_int_equal(st.p50_ns, 10 * k50);
		assert_int_equal(st.p99_ns, 10 * k99);
		assert_int_equal(st.max_ns, 10 * n);
		assert_sorted(v, n);
	}
	/* a few by hand */
	{
		uint64_t a[4] = { 4, 1, 3, 2 };

		pvt_cost_stats(a, 4, &st);
		assert_int_equal(st.p50_ns, 2);
		assert_int_equal(st.p99_ns, 4);
	}
	{
		uint64_t a[3] = { 5, 9, 1 };

		pvt_cost_stats(a, 3, &st);
		assert_int_equal(st.p50_ns, 5);
		assert_int_equal(st.p99_ns, 9);
	}
	{
		uint64_t a[2] = { 8, 3 };

		pvt_cost_stats(a, 2, &st);
		assert_int_equal(st.p50_ns, 3);
		assert_int_equal(st.p99_ns, 8);
	}
}

static void test_cost_stats_duplicates(void **state)
{
	uint64_t v[] = { 7, 9, 3, 7, 9, 1, 9, 3, 7, 9 };
	static const uint64_t want[] = { 1, 3, 3, 7, 7, 7, 9, 9, 9, 9 };
	uint64_t same[] = { 5, 5, 5, 5 };
	struct pvt_cost_stats st;

	(void)state;
	pvt_cost_stats(v, ARRAY_SIZE(v), &st);
	assert_int_equal(st.count, 10);
	assert_int_equal(st.sum_ns, 64);
	assert_int_equal(st.p50_ns, 7);
	assert_int_equal(st.p99_ns, 9);
	assert_int_equal(st.max_ns, 9);
	assert_memory_equal(v, want, sizeof(want));

	pvt_cost_stats(same, ARRAY_SIZE(same), &st);
	assert_int_equal(st.count, 4);
	assert_int_equal(st.sum_ns, 20);
	assert_int_equal(st.p50_ns, 5);
	assert_int_equal(st.p99_ns, 5);
	assert_int_equal(st.max_ns, 5);
}

/* 64-bit values compare as 64-bit (no truncation to int in the comparator). */
static void test_cost_stats_large(void **state)
{
	uint64_t v[] = { 1ull << 40, 1, (1ull << 33) + 1, 0, 1ull << 32 };
	struct pvt_cost_stats st;

	(void)state;
	pvt_cost_stats(v, ARRAY_SIZE(v), &st);
	assert_int_equal(v[0], 0);
	assert_int_equal(v[1], 1);
	assert_int_equal(v[2], 1ull << 32);
	assert_int_equal(v[3], (1ull << 33) + 1);
	assert_int_equal(v[4], 1ull << 40);
	assert_int_equal(st.p50_ns, 1ull << 32);
	assert_int_equal(st.p99_ns, 1ull << 40);
	assert_int_equal(st.max_ns, 1ull << 40);
	assert_int_equal(st.sum_ns, (1ull << 40) + (1ull << 33) + (1ull << 32) + 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syscall_name_known),
		cmocka_unit_test(test_syscall_name_unknown),
		cmocka_unit_test(test_clone_flags_pthread),
		cmocka_unit_test(test_clone_flags_others),
		cmocka_unit_test(test_clone_flags_none),
		cmocka_unit_test(test_clone_flags_unknown_bit),
		cmocka_unit_test(test_clone_flags_all_known),
		cmocka_unit_test(test_clone_flag_names_count),
		cmocka_unit_test(test_clone_flags_truncation),
		cmocka_unit_test(test_exit_how_name),
		cmocka_unit_test(test_cost_stats_empty),
		cmocka_unit_test(test_cost_stats_one),
		cmocka_unit_test(test_cost_stats_1_to_100),
		cmocka_unit_test(test_cost_stats_nearest_rank),
		cmocka_unit_test(test_cost_stats_duplicates),
		cmocka_unit_test(test_cost_stats_large),
	};

	return cmocka_run_group_tests_name("creation", tests, NULL, NULL);
}
