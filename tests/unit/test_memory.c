// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/memory.c: /proc/PID/smaps and /proc/slabinfo parsing,
 * the (id, start_time) index of BPF records, the sampling pass that groups
 * the iterator's records by process (with a fake smaps reader), the real
 * readers on this process (smaps, smaps_rollup + pagemap), and the per-task
 * and summary figures the reports print.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "memory.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KB 1024ull
#define MB (1024ull * 1024)

/* A read-only stream on a string (fmemopen of size 0 is fine since glibc 2.22). */
static FILE *str_stream(const char *s)
{
	FILE *f = fmemopen((void *)s, strlen(s), "r");

	assert_non_null(f);
	return f;
}

/* /proc/PID/smaps, whole: the independent reading the pagemap one is checked against. */
static int memory_read_smaps(pid_t pid, struct pvt_smaps *sum, struct pvt_stack_range *stacks, size_t n)
{
	char path[64];
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	err = memory_parse_smaps(f, sum, stacks, n);
	if (!err && ferror(f))
		err = -EIO;
	fclose(f);
	return err;
}

/* ---- memory_parse_smaps ---- */

/*
 * Four VMAs: a file mapping with shared pages, a thread stack (8 MiB, partly
 * swapped), its PROT_NONE guard, the main stack.  As a 6.x kernel prints them.
 */
static const char SMAPS[] =
	"00400000-00452000 r-xp 00000000 08:02 173521                             /usr/bin/dbus-daemon\n"
	"Size:                328 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                 200 kB\n"
	"Pss:                 100 kB\n"
	"Pss_Dirty:            10 kB\n"
	"Shared_Clean:        160 kB\n"
	"Shared_Dirty:         20 kB\n"
	"Private_Clean:        12 kB\n"
	"Private_Dirty:         8 kB\n"
	"Referenced:          200 kB\n"
	"Anonymous:             8 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:    0\n"
	"ProtectionKey:         0\n"
	"VmFlags: rd ex mr mw me dw sd\n"
	"7f13f6b7d000-7f13f737d000 rw-p 00000000 00:00 0 \n"
	"Size:               8192 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  12 kB\n"
	"Pss:                  12 kB\n"
	"Pss_Dirty:            12 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:        12 kB\n"
	"Referenced:           12 kB\n"
	"Anonymous:            12 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"Swap:                  4 kB\n"
	"SwapPss:               4 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:    1\n"
	"ProtectionKey:         0\n"
	"VmFlags: rd wr mr mw me ac sd\n"
	"7f13f6b7c000-7f13f6b7d000 ---p 00000000 00:00 0 \n"
	"Size:                  4 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                   0 kB\n"
	"Pss:                   0 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"THPeligible:    0\n"
	"ProtectionKey:         0\n"
	"VmFlags: mr mw me ac sd\n"
	"7ffd5c3a1000-7ffd5c3c2000 rw-p 00000000 00:00 0                          [stack]\n"
	"Size:                132 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  36 kB\n"
	"Pss:                  36 kB\n"
	"Pss_Dirty:            36 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:        36 kB\n"
	"Referenced:           36 kB\n"
	"Anonymous:            36 kB\n"
	"Swap:                  8 kB\n"
	"SwapPss:               8 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:    0\n"
	"ProtectionKey:         0\n"
	"VmFlags: rd wr mr mw me gd ac\n";

static void test_smaps_sums_and_stacks(void **state)
{
	struct pvt_stack_range st[3] = {
		{ .lo = 0x7f13f6b7d000ull, .hi = 0x7f13f737d000ull, .rss = 777, .found = false },
		{ .lo = 0x12345000ull, .hi = 0x12346000ull, .rss = 999, .found = true }, /* stale */
		{ .lo = 0x7ffd5c3a1000ull, .hi = 0x7ffd5c3c2000ull },
	};
	struct pvt_smaps sum;
	FILE *f = str_stream(SMAPS);

	(void)state;
	memset(&sum, 0xab, sizeof(sum));
	assert_int_equal(memory_parse_smaps(f, &sum, st, ARRAY_SIZE(st)), 0);
	fclose(f);

	assert_int_equal(sum.rss, (200 + 12 + 0 + 36) * KB);
	assert_int_equal(sum.pss, (100 + 12 + 0 + 36) * KB);      /* not Pss_Dirty, not SwapPss */
	assert_int_equal(sum.shared, (160 + 20) * KB);
	assert_int_equal(sum.private_, (12 + 8 + 12 + 36) * KB);
	assert_int_equal(sum.swap, (0 + 4 + 0 + 8) * KB);         /* not SwapPss */
	assert_int_equal(sum.shared + sum.private_, sum.rss);

	assert_true(st[0].found);
	assert_int_equal(st[0].rss, 12 * KB);
	assert_false(st[1].found);   /* matches nothing: reset */
	assert_int_equal(st[1].rss, 0);
	assert_true(st[2].found);
	assert_int_equal(st[2].rss, 36 * KB);
	/* the ranges' bounds are left alone */
	assert_int_equal(st[0].lo, 0x7f13f6b7d000ull);
	assert_int_equal(st[2].hi, 0x7ffd5c3c2000ull);
}

/* A range is matched by its start only: one inside a VMA, or at its end, is not found. */
static void test_smaps_match_on_start_only(void **state)
{
	struct pvt_stack_range st[4] = {
		{ .lo = 0x7f13f6b7e000ull, .hi = 0x7f13f737d000ull }, /* inside the thread stack */
		{ .lo = 0x7f13f737d000ull, .hi = 0x7f13f747d000ull }, /* its end */
		{ .lo = 0x7f13f6b7c000ull, .hi = 0x7f13f6b7d000ull }, /* the guard: Rss 0, found */
		{ .lo = 0x7f13f6000000ull, .hi = 0x7f13f737d000ull }, /* holds guard and stack */
	};
	struct pvt_smaps sum;
	FILE *f = str_stream(SMAPS);

	(void)state;
	assert_int_equal(memory_parse_smaps(f, &sum, st, ARRAY_SIZE(st)), 0);
	fclose(f);
	assert_false(st[0].found);
	assert_int_equal(st[0].rss, 0);
	assert_false(st[1].found);
	assert_true(st[2].found);
	assert_int_equal(st[2].rss, 0);
	assert_false(st[3].found);
	assert_int_equal(st[3].rss, 0);
	/* no ranges at all: the same sums */
	f = str_stream(SMAPS);
	assert_int_equal(memory_parse_smaps(f, &sum, NULL, 0), 0);
	fclose(f);
	assert_int_equal(sum.rss, 248 * KB);
}

/* A stream whose read fails as smaps_rollup's does once the process's mm is gone. */
static ssize_t gone_read(void *cookie, char *buf, size_t size)
{
	(void)cookie;
	(void)buf;
	(void)size;
	errno = ESRCH;
	return -1;
}

/* The read's own error comes back (ESRCH: gone, not worth a warning), not a generic EIO. */
static void test_smaps_read_error_kept(void **state)
{
	cookie_io_functions_t io = { .read = gone_read };
	struct pvt_smaps sum;
	FILE *f = fopencookie(NULL, "r", io);

	(void)state;
	assert_non_null(f);
	assert_int_equal(memory_parse_smaps(f, &sum, NULL, 0), -ESRCH);
	fclose(f);
}

/* A VMA header longer than the line buffer (a long path) does not disturb the sums. */
static void test_smaps_long_path(void **state)
{
	static const char head[] = "7f0000000000-7f0000001000 r--p 00000000 08:02 42 /";
	static const char body[] =
		"Size:                  4 kB\n"
		"Rss:                   4 kB\n"
		"Pss:                   2 kB\n"
		"Shared_Clean:          4 kB\n"
		"Private_Dirty:         0 kB\n"
		"VmFlags: rd mr mw me\n"
		"7f0000001000-7f0000002000 rw-p 00000000 00:00 0 \n"
		"Rss:                   8 kB\n"
		"Pss:                   8 kB\n"
		"Private_Dirty:         8 kB\n";
	struct pvt_stack_range st = { .lo = 0x7f0000001000ull, .hi = 0x7f0000002000ull };
	struct pvt_smaps sum;
	char *text = malloc(sizeof(head) + 2000 + sizeof(body) + 2);
	size_t len;
	FILE *f;

	(void)state;
	assert_non_null(text);
	strcpy(text, head);
	len = strlen(text);
	memset(text + len, 'a', 2000); /* hex digits, split across several reads */
	len += 2000;
	text[len++] = '\n';
	strcpy(text + len, body);
	f = str_stream(text);
	assert_int_equal(memory_parse_smaps(f, &sum, &st, 1), 0);
	fclose(f);
	free(text);
	assert_int_equal(sum.rss, 12 * KB);
	assert_int_equal(sum.pss, 10 * KB);
	assert_int_equal(sum.shared, 4 * KB);
	assert_int_equal(sum.private_, 8 * KB);
	assert_true(st.found);
	assert_int_equal(st.rss, 8 * KB);
}

static void test_smaps_empty(void **state)
{
	struct pvt_stack_range st = { .lo = 0x1000, .hi = 0x2000, .rss = 5, .found = true };
	struct pvt_smaps sum;
	FILE *f = str_stream("");

	(void)state;
	memset(&sum, 0xab, sizeof(sum));
	assert_int_equal(memory_parse_smaps(f, &sum, &st, 1), 0);
	fclose(f);
	assert_int_equal(sum.rss, 0);
	assert_int_equal(sum.pss, 0);
	assert_int_equal(sum.shared, 0);
	assert_int_equal(sum.private_, 0);
	assert_int_equal(sum.swap, 0);
	assert_false(st.found);
	assert_int_equal(st.rss, 0);
}

/* Text that is not smaps (no VMA header, not empty) is refused. */
static void test_smaps_garbage(void **state)
{
	static const char *const bad[] = {
		"hello world\n",
		"hello world",                  /* no final newline */
		"Rss:                   4 kB\n", /* a field without its VMA */
	};
	struct pvt_smaps sum;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		FILE *f = str_stream(bad[i]);
		int ret = memory_parse_smaps(f, &sum, NULL, 0);

		fclose(f);
		if (ret != -EINVAL)
			fail_msg("\"%s\": %d, want -EINVAL", bad[i], ret);
	}
}

/* The real thing: this process's own smaps, and its main stack found by its start. */
static void test_read_smaps_self(void **state)
{
	struct pvt_stack_range st = { 0 };
	struct pvt_smaps sum;
	char line[512];
	FILE *maps;

	(void)state;
	maps = fopen("/proc/self/maps", "r");
	if (!maps)
		skip();
	while (fgets(line, sizeof(line), maps)) {
		unsigned long long lo, hi;

		if (strstr(line, "[stack]") && sscanf(line, "%llx-%llx", &lo, &hi) == 2) {
			st.lo = lo;
			st.hi = hi;
		}
	}
	fclose(maps);
	assert_int_not_equal(st.lo, 0);

	assert_int_equal(memory_read_smaps(getpid(), &sum, &st, 1), 0);
	assert_true(sum.rss > 0);
	assert_true(sum.pss > 0 && sum.pss <= sum.rss);
	assert_int_equal(sum.shared + sum.private_, sum.rss);
	assert_true(st.found);
	assert_true(st.rss > 0 && st.rss <= st.hi - st.lo);

	/* a process that is not there */
	assert_int_equal(memory_read_smaps(2147483647, &sum, NULL, 0), -ENOENT);
}

/* /proc/PID/smaps_rollup: one pseudo-VMA; the Pss_* breakdown is not added to Pss again. */
static void test_smaps_rollup(void **state)
{
	static const char text[] =
		"55bc82823000-7ffd0fe82000 ---p 00000000 00:00 0                          [rollup]\n"
		"Rss:                1784 kB\n"
		"Pss:                 641 kB\n"
		"Pss_Dirty:           112 kB\n"
		"Pss_Anon:            112 kB\n"
		"Pss_File:            529 kB\n"
		"Pss_Shmem:             0 kB\n"
		"Shared_Clean:       1628 kB\n"
		"Shared_Dirty:          0 kB\n"
		"Private_Clean:        44 kB\n"
		"Private_Dirty:       112 kB\n"
		"Referenced:         1784 kB\n"
		"Anonymous:           112 kB\n"
		"KSM:                   0 kB\n"
		"LazyFree:              0 kB\n"
		"AnonHugePages:         0 kB\n"
		"ShmemPmdMapped:        0 kB\n"
		"FilePmdMapped:         0 kB\n"
		"Shared_Hugetlb:        0 kB\n"
		"Private_Hugetlb:       0 kB\n"
		"Swap:                 20 kB\n"
		"SwapPss:              10 kB\n"
		"Locked:                0 kB\n";
	struct pvt_smaps sum;
	FILE *f = str_stream(text);

	(void)state;
	assert_int_equal(memory_parse_smaps(f, &sum, NULL, 0), 0);
	fclose(f);
	assert_int_equal(sum.rss, 1784 * KB);
	assert_int_equal(sum.pss, 641 * KB);
	assert_int_equal(sum.shared, 1628 * KB);
	assert_int_equal(sum.private_, 156 * KB);
	assert_int_equal(sum.swap, 20 * KB);
}

static void test_count_present(void **state)
{
	const uint64_t present = 1ull << 63, swapped = 1ull << 62, excl = 1ull << 56, soft_dirty = 1ull << 55;
	const uint64_t e[] = {
		present | 0x12345,        /* present, with a PFN (root) */
		present,                  /* present, PFN hidden (unprivileged) */
		swapped | 0x777,          /* swapped out: not resident */
		0,                        /* not mapped, never touched */
		0x12345 | excl | soft_dirty, /* flags without the present bit */
		present | excl | soft_dirty,
		UINT64_MAX,               /* every bit: present */
	};

	(void)state;
	assert_int_equal(memory_count_present(e, ARRAY_SIZE(e)), 4);
	assert_int_equal(memory_count_present(e, 0), 0);
	assert_int_equal(memory_count_present(e + 2, 3), 0);
}

/*
 * A mapping of our own, 16 pages between two PROT_NONE pages (so it merges
 * with nothing), 5 of them touched: both readers see exactly 5 pages resident.
 */
struct own_map {
	char *base;   /* 18 pages */
	uint64_t lo, hi;
	size_t page;
};

static void own_map_setup(struct own_map *om)
{
	FILE *pm = fopen("/proc/self/pagemap", "r");

	if (!pm)
		skip(); /* no /proc, or pagemap closed to us: nothing to read */
	fclose(pm);
	om->page = (size_t)sysconf(_SC_PAGESIZE);
	om->base = mmap(NULL, 18 * om->page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(om->base != MAP_FAILED);
	assert_int_equal(mprotect(om->base, om->page, PROT_NONE), 0);
	assert_int_equal(mprotect(om->base + 17 * om->page, om->page, PROT_NONE), 0);
	om->lo = (uint64_t)(uintptr_t)(om->base + om->page);
	om->hi = om->lo + 16 * om->page;
	for (size_t i = 0; i < 5; i++)
		om->base[(1 + i * 3) * om->page] = 1; /* pages 0, 3, 6, 9, 12 of the 16 */
}

static void test_read_proc_self(void **state)
{
	struct own_map om;
	struct pvt_stack_range st[3];
	struct pvt_smaps sum, ssum;
	struct pvt_stack_range sst;

	(void)state;
	own_map_setup(&om);
	st[0] = (struct pvt_stack_range){ .lo = om.lo, .hi = om.hi, .rss = 1 };
	st[1] = (struct pvt_stack_range){ .lo = 0x1000, .hi = 0x1000, .rss = 7, .found = true }; /* empty */
	st[2] = (struct pvt_stack_range){ .lo = om.lo + 8 * om.page, .hi = om.hi }; /* its upper half */

	assert_int_equal(memory_read_proc(getpid(), &sum, st, 3), 0);
	assert_true(sum.rss >= 5 * om.page);
	assert_true(sum.pss > 0 && sum.pss <= sum.rss);
	assert_int_equal(sum.shared + sum.private_, sum.rss);
	assert_true(st[0].found);
	assert_int_equal(st[0].rss, 5 * om.page);
	assert_false(st[1].found);
	assert_int_equal(st[1].rss, 0);
	assert_true(st[2].found);
	assert_int_equal(st[2].rss, 2 * om.page);   /* pages 9 and 12 */

	/* smaps agrees on the mapping */
	sst = (struct pvt_stack_range){ .lo = om.lo, .hi = om.hi };
	assert_int_equal(memory_read_smaps(getpid(), &ssum, &sst, 1), 0);
	assert_true(sst.found);
	assert_int_equal(sst.rss, 5 * om.page);

	/* no ranges: the totals only */
	assert_int_equal(memory_read_proc(getpid(), &sum, NULL, 0), 0);
	assert_true(sum.rss >= 5 * om.page);

	assert_int_equal(memory_read_proc(2147483647, &sum, st, 3), -ENOENT);
	munmap(om.base, 18 * om.page);
}

/* ---- memory_parse_slabinfo ---- */

static const char SLABINFO[] =
	"slabinfo - version: 2.1\n"
	"# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
	" : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs>"
	" <sharedavail>\n"
	"kmalloc-64          4096   4096     64   64    1 : tunables    0    0    0 : slabdata     64     64      0\n"
	"task_struct           93    110   5824    5    8 : tunables    0    0    0 : slabdata     22     22      0\n"
	"mm_struct             60     60   1088   30    8 : tunables    0    0    0 : slabdata      2      2      0\n"
	"files_cache           92     92    704   23    4 : tunables    0    0    0 : slabdata      4      4      0\n"
	"signal_cache         112    112   1152   28    8 : tunables    0    0    0 : slabdata      4      4      0\n"
	"sighand_cache         75     75   2112   15    8 : tunables    0    0    0 : slabdata      5      5      0\n"
	"vm_area_struct      1950   2028    208   39    2 : tunables    0    0    0 : slabdata     52     52      0\n"
	"vm_area_struct_x      10     10   4000    1    1 : tunables    0    0    0 : slabdata      1      1      0\n"
	"kmalloc-8k            12     12   8192    4    8 : tunables    0    0    0 : slabdata      3      3      0\n";

static void test_slabinfo_all(void **state)
{
	struct pvt_slab_sizes s;
	FILE *f = str_stream(SLABINFO);

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(memory_parse_slabinfo(f, &s), 6);
	fclose(f);
	assert_int_equal(s.task_struct, 5824);
	assert_int_equal(s.mm_struct, 1088);
	assert_int_equal(s.signal, 1152);
	assert_int_equal(s.sighand, 2112);
	assert_int_equal(s.files, 704);
	assert_int_equal(s.vma, 208);   /* not vm_area_struct_x's */
	assert_true(s.from_slabinfo);
}

/* Merged caches have no line: left as they were (0 here, BTF fills them later). */
static void test_slabinfo_missing(void **state)
{
	static const char text[] =
		"slabinfo - version: 2.1\n"
		"# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
		" : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs>"
		" <sharedavail>\n"
		"mm_struct             60     60   1088   30    8 : tunables    0    0    0 : slabdata      2      2      0\n"
		"files_cache           92     92    704   23    4 : tunables    0    0    0 : slabdata      4      4      0\n"
		"vm_area_struct      1950   2028    176   46    2 : tunables    0    0    0 : slabdata     44     44      0\n";
	struct pvt_slab_sizes s;
	FILE *f = str_stream(text);

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(memory_parse_slabinfo(f, &s), 3);
	fclose(f);
	assert_int_equal(s.task_struct, 0);
	assert_false(s.from_slabinfo);    /* task_struct's size did not come from slabinfo */
	assert_int_equal(s.mm_struct, 1088);
	assert_int_equal(s.signal, 0);
	assert_int_equal(s.sighand, 0);
	assert_int_equal(s.files, 704);
	assert_int_equal(s.vma, 176);

	/* nothing but the headers */
	f = str_stream("slabinfo - version: 2.1\n# name <active_objs> <num_objs> <objsize>\n");
	memset(&s, 0, sizeof(s));
	assert_int_equal(memory_parse_slabinfo(f, &s), 0);
	fclose(f);
	assert_int_equal(s.task_struct + s.mm_struct + s.signal + s.sighand + s.files + s.vma, 0);
	assert_false(s.from_slabinfo);
}

/* ---- a fake smaps reader ---- */

struct fake_proc {
	uint32_t pid;
	int err;                /* returned instead of a sample (-ENOENT: gone) */
	struct pvt_smaps sum;
};

struct fake_stack {
	uint64_t lo;
	uint32_t pid;           /* whose mapping it is */
	uint64_t rss;
};

#define FAKE_CALLS 64
static struct {
	const struct fake_proc *procs;
	size_t nprocs;
	const struct fake_stack *stacks;
	size_t nstacks;
	uint32_t call_pid[FAKE_CALLS];
	size_t ncalls;
	size_t unknown_pid;     /* calls for a pid the test did not list */
	size_t wrong_pid;       /* ranges passed with another process's pid */
} fk;

static void fake_set(const struct fake_proc *procs, size_t np, const struct fake_stack *stacks, size_t ns)
{
	memset(&fk, 0, sizeof(fk));
	fk.procs = procs;
	fk.nprocs = np;
	fk.stacks = stacks;
	fk.nstacks = ns;
}

static int fake_reader(pid_t pid, struct pvt_smaps *sum, struct pvt_stack_range *st, size_t n)
{
	const struct fake_proc *fp = NULL;

	if (fk.ncalls < FAKE_CALLS)
		fk.call_pid[fk.ncalls] = (uint32_t)pid;
	fk.ncalls++;
	for (size_t i = 0; i < fk.nprocs; i++)
		if (fk.procs[i].pid == (uint32_t)pid)
			fp = &fk.procs[i];
	if (!fp) {
		fk.unknown_pid++;
		return -ENOENT;
	}
	if (fp->err)
		return fp->err;
	*sum = fp->sum;
	for (size_t i = 0; i < n; i++) {
		st[i].found = false;
		st[i].rss = 0;
		for (size_t j = 0; j < fk.nstacks; j++) {
			if (!st[i].lo || fk.stacks[j].lo != st[i].lo)
				continue;
			if (fk.stacks[j].pid != (uint32_t)pid)
				fk.wrong_pid++;
			st[i].found = true;
			st[i].rss = fk.stacks[j].rss;
		}
	}
	return 0;
}

/* Calls for @pid in the fake's log from call @from on. */
static size_t fake_calls_for(uint32_t pid, size_t from)
{
	size_t c = 0;

	for (size_t i = from; i < fk.ncalls && i < FAKE_CALLS; i++)
		c += fk.call_pid[i] == pid;
	return c;
}

/* Thread tid's stack mapping: 8 MiB, one per tid. */
#define LO(tid) (0x7f0000000000ull + (uint64_t)(tid) * 0x1000000ull)
#define HI(tid) (LO(tid) + 8 * MB)

static struct pvt_iter_rec irec(uint32_t tid, uint32_t pid, uint64_t lst, bool stack)
{
	return (struct pvt_iter_rec){
		.tid = tid, .pid = pid,
		.start_time = tid == pid ? lst : lst + (tid - pid),
		.leader_start_time = lst,
		.ustack_lo = stack ? LO(tid) : 0,
		.ustack_hi = stack ? HI(tid) : 0,
	};
}

/* ---- memtab_pass ---- */

static void assert_smaps_equal(const struct pvt_smaps *a, const struct pvt_smaps *b)
{
	assert_int_equal(a->rss, b->rss);
	assert_int_equal(a->pss, b->pss);
	assert_int_equal(a->shared, b->shared);
	assert_int_equal(a->private_, b->private_);
	assert_int_equal(a->swap, b->swap);
}

static void assert_stack(const struct pvt_mem_table *mt, uint32_t tid, uint64_t st, uint64_t max,
			 uint32_t samples)
{
	const struct pvt_task_stack *s = memtab_find_stack(mt, tid, st);

	if (!s)
		fail_msg("no stack record for tid %u", tid);
	assert_int_equal(s->tid, tid);
	assert_int_equal(s->start_time, st);
	assert_int_equal(s->resident_max, max);
	assert_int_equal(s->samples, samples);
}

/* A process /proc will not show (EACCES) is remembered as an error; one that is gone is not. */
static void test_pass_read_error(void **state)
{
	struct pvt_iter_rec recs[2] = { irec(10, 10, 100, false), irec(20, 20, 200, false) };
	const struct fake_proc procs[] = { { .pid = 10, .err = -ENOENT }, { .pid = 20, .err = -EACCES } };
	struct pvt_mem_table mt;

	(void)state;
	memtab_init(&mt);
	fake_set(procs, 2, NULL, 0);
	assert_int_equal(memtab_pass(&mt, recs, 1, fake_reader), 0);
	assert_int_equal(mt.read_error, 0); /* gone: a race, not an error */
	assert_int_equal(memtab_pass(&mt, recs, 2, fake_reader), 0);
	assert_int_equal(mt.read_error, EACCES);
	assert_int_equal(mt.smaps_failed, 3);
	assert_null(memtab_find_smaps(&mt, 20, 200));
	memtab_free(&mt);
}

/* With skip_unchanged, /proc is read when a process is new or its RSS moved, and every 10th pass. */
static void test_pass_skips_unchanged(void **state)
{
	const struct fake_proc procs[] = { { .pid = 10, .sum = { .rss = 4 * KB, .pss = 4 * KB } } };
	struct pvt_mem_table mt;
	struct pvt_iter_rec r;

	(void)state;
	memtab_init(&mt);
	mt.skip_unchanged = true;
	fake_set(procs, 1, NULL, 0);
	r = irec(10, 10, 100, false);
	r.rss = 4096;
	assert_int_equal(memtab_pass(&mt, &r, 1, fake_reader), 0); /* pass 1: new */
	assert_int_equal(fk.ncalls, 1);
	for (int i = 2; i <= 9; i++)                                 /* passes 2..9: unchanged */
		assert_int_equal(memtab_pass(&mt, &r, 1, fake_reader), 0);
	assert_int_equal(fk.ncalls, 1);
	assert_int_equal(memtab_pass(&mt, &r, 1, fake_reader), 0);  /* pass 10: read regardless */
	assert_int_equal(fk.ncalls, 2);
	r.rss = 8192;
	assert_int_equal(memtab_pass(&mt, &r, 1, fake_reader), 0);  /* pass 11: RSS moved */
	assert_int_equal(fk.ncalls, 3);
	assert_int_equal(memtab_pass(&mt, &r, 1, fake_reader), 0);  /* pass 12: settled again */
	assert_int_equal(fk.ncalls, 3);
	assert_int_equal(mt.passes, 12);
	assert_int_equal(mt.passes_read, 3);
	assert_int_equal(memtab_find_smaps(&mt, 10, 100)->samples, 3);
	memtab_free(&mt);
}

static void test_pass_groups_by_process(void **state)
{
	/*
	 * A (pid 100): leader and threads 101, 102, and 103 whose stack is not
	 * known yet (ustack_hi 0, though its lo would match a mapping).
	 * B (pid 200): leader, 201, and 202 whose mapping smaps does not list.
	 * C (pid 300): gone by the time smaps is read.
	 */
	struct pvt_iter_rec a100 = irec(100, 100, 1000, true), a101 = irec(101, 100, 1000, true),
			    a102 = irec(102, 100, 1000, true), a103 = irec(103, 100, 1000, true),
			    b200 = irec(200, 200, 2000, true), b201 = irec(201, 200, 2000, true),
			    b202 = irec(202, 200, 2000, true), c300 = irec(300, 300, 3000, true),
			    c301 = irec(301, 300, 3000, true);
	struct pvt_iter_rec pass1[9], pass2[9];
	const struct fake_proc procs1[] = {
		{ .pid = 100, .sum = { .rss = 900 * KB, .pss = 500 * KB, .shared = 400 * KB,
				       .private_ = 500 * KB, .swap = 8 * KB } },
		{ .pid = 200, .sum = { .rss = 300 * KB, .pss = 300 * KB, .shared = 100 * KB,
				       .private_ = 200 * KB, .swap = 0 } },
		{ .pid = 300, .err = -ENOENT },
	};
	const struct fake_proc procs2[] = {
		/* A: lower PSS (though more RSS): the first sample stays its peak */
		{ .pid = 100, .sum = { .rss = 1000 * KB, .pss = 400 * KB, .shared = 700 * KB,
				       .private_ = 300 * KB, .swap = 16 * KB } },
		/* B: higher PSS: replaces, all fields */
		{ .pid = 200, .sum = { .rss = 350 * KB, .pss = 350 * KB, .shared = 50 * KB,
				       .private_ = 300 * KB, .swap = 4 * KB } },
		{ .pid = 300, .err = -ENOENT },
	};
	const struct fake_stack stacks1[] = {
		{ LO(100), 100, 16 * KB }, { LO(101), 100, 8 * KB }, { LO(102), 100, 12 * KB },
		{ LO(103), 100, 4 * KB }, { LO(200), 200, 20 * KB }, { LO(201), 200, 4 * KB },
		{ LO(300), 300, 4 * KB }, { LO(301), 300, 4 * KB },
	};
	const struct fake_stack stacks2[] = {
		{ LO(100), 100, 12 * KB }, { LO(101), 100, 24 * KB }, { LO(102), 100, 12 * KB },
		{ LO(103), 100, 4 * KB }, { LO(200), 200, 28 * KB }, { LO(201), 200, 0 },
		{ LO(300), 300, 4 * KB }, { LO(301), 300, 4 * KB },
	};
	struct pvt_mem_table mt;
	const struct pvt_proc_smaps *ps;

	(void)state;
	a103.ustack_hi = 0; /* lo without hi: not a stack to sample */
	b202.ustack_lo = LO(999);
	b202.ustack_hi = HI(999);

	memtab_init(&mt);
	assert_int_equal(memtab_pass(&mt, NULL, 0, fake_reader), 0); /* nothing alive */
	assert_int_equal(mt.passes, 1);

	pass1[0] = b201; pass1[1] = a101; pass1[2] = c300; pass1[3] = a103; pass1[4] = b200;
	pass1[5] = a100; pass1[6] = b202; pass1[7] = c301; pass1[8] = a102;
	fake_set(procs1, ARRAY_SIZE(procs1), stacks1, ARRAY_SIZE(stacks1));
	assert_int_equal(memtab_pass(&mt, pass1, ARRAY_SIZE(pass1), fake_reader), 0);
	assert_int_equal(fk.ncalls, 3);        /* one smaps read per process */
	assert_int_equal(fake_calls_for(100, 0), 1);
	assert_int_equal(fake_calls_for(200, 0), 1);
	assert_int_equal(fake_calls_for(300, 0), 1);
	assert_int_equal(fk.wrong_pid, 0);     /* each read got its own process's stacks */
	assert_int_equal(fk.unknown_pid, 0);
	assert_int_equal(mt.smaps_failed, 1);

	ps = memtab_find_smaps(&mt, 100, 1000);
	assert_non_null(ps);
	assert_int_equal(ps->pid, 100);
	assert_int_equal(ps->leader_start_time, 1000);
	assert_int_equal(ps->samples, 1);
	assert_smaps_equal(&ps->at_peak, &procs1[0].sum);

	pass2[0] = a102; pass2[1] = c301; pass2[2] = b200; pass2[3] = a100; pass2[4] = a103;
	pass2[5] = b201; pass2[6] = c300; pass2[7] = a101; pass2[8] = b202;
	fake_set(procs2, ARRAY_SIZE(procs2), stacks2, ARRAY_SIZE(stacks2));
	assert_int_equal(memtab_pass(&mt, pass2, ARRAY_SIZE(pass2), fake_reader), 0);
	assert_int_equal(fk.ncalls, 3);
	assert_int_equal(fake_calls_for(100, 0), 1);
	assert_int_equal(fake_calls_for(200, 0), 1);
	assert_int_equal(fake_calls_for(300, 0), 1);
	assert_int_equal(fk.wrong_pid, 0);
	assert_int_equal(mt.passes, 3);
	assert_int_equal(mt.smaps_failed, 2);  /* C, once per pass */

	ps = memtab_find_smaps(&mt, 100, 1000);
	assert_non_null(ps);
	assert_int_equal(ps->samples, 2);
	assert_smaps_equal(&ps->at_peak, &procs1[0].sum);
	ps = memtab_find_smaps(&mt, 200, 2000);
	assert_non_null(ps);
	assert_int_equal(ps->samples, 2);
	assert_smaps_equal(&ps->at_peak, &procs2[1].sum);
	assert_null(memtab_find_smaps(&mt, 300, 3000));
	assert_null(memtab_find_smaps(&mt, 100, 2000)); /* keyed by the instance too */
	assert_int_equal(mt.nprocs, 2);

	/* each thread: the most seen resident over the passes */
	assert_stack(&mt, 100, 1000, 16 * KB, 2);
	assert_stack(&mt, 101, 1001, 24 * KB, 2);
	assert_stack(&mt, 102, 1002, 12 * KB, 2);
	assert_stack(&mt, 200, 2000, 28 * KB, 2);
	assert_stack(&mt, 201, 2001, 4 * KB, 2); /* a sample with nothing resident still counts */
	assert_null(memtab_find_stack(&mt, 103, 1003)); /* ustack_hi == 0 */
	assert_null(memtab_find_stack(&mt, 202, 2002)); /* not in smaps */
	assert_null(memtab_find_stack(&mt, 300, 3000)); /* process gone */
	assert_null(memtab_find_stack(&mt, 301, 3001));
	assert_null(memtab_find_stack(&mt, 101, 1000)); /* keyed by start_time */
	assert_int_equal(mt.nstacks, 5);

	memtab_free(&mt);
	assert_int_equal(mt.nprocs, 0);
	assert_null(memtab_find_smaps(&mt, 100, 1000));
}

/* Many processes in one pass: the index and the arrays grow; every sample lands in its place. */
static void test_pass_many(void **state)
{
	enum { NP = 700 };
	struct fake_proc *procs = calloc(NP, sizeof(*procs));
	struct fake_stack *stacks = calloc(NP * 2, sizeof(*stacks));
	struct pvt_iter_rec *recs = calloc(NP * 2, sizeof(*recs));
	struct pvt_mem_table mt;

	(void)state;
	assert_non_null(procs);
	assert_non_null(stacks);
	assert_non_null(recs);
	for (uint32_t i = 0; i < NP; i++) {
		uint32_t pid = 1000 + i * 10;

		procs[i] = (struct fake_proc){ .pid = pid, .sum = { .pss = (i + 1) * KB, .private_ = i * KB } };
		stacks[2 * i] = (struct fake_stack){ LO(pid), pid, (i % 7) * 4 * KB };
		stacks[2 * i + 1] = (struct fake_stack){ LO(pid + 1), pid, (i % 5) * 4 * KB };
		/* interleaved: all leaders descending, then all threads */
		recs[NP - 1 - i] = irec(pid, pid, 50000 + i, true);
		recs[NP + i] = irec(pid + 1, pid, 50000 + i, true);
	}
	memtab_init(&mt);
	fake_set(procs, NP, stacks, NP * 2);
	assert_int_equal(memtab_pass(&mt, recs, NP * 2, fake_reader), 0);
	assert_int_equal(fk.ncalls, NP);
	assert_int_equal(fk.wrong_pid, 0);
	assert_int_equal(mt.nprocs, NP);
	assert_int_equal(mt.nstacks, NP * 2);
	for (uint32_t i = 0; i < NP; i++) {
		uint32_t pid = 1000 + i * 10;
		const struct pvt_proc_smaps *ps = memtab_find_smaps(&mt, pid, 50000 + i);

		assert_non_null(ps);
		assert_int_equal(ps->samples, 1);
		assert_int_equal(ps->at_peak.pss, (i + 1) * KB);
		assert_int_equal(ps->at_peak.private_, i * KB);
		assert_stack(&mt, pid, 50000 + i, (i % 7) * 4 * KB, 1);
		assert_stack(&mt, pid + 1, 50000 + i + 1, (i % 5) * 4 * KB, 1);
	}
	memtab_free(&mt);
	free(procs);
	free(stacks);
	free(recs);
}

/* The pass with the real reader on this process: its mapping as a thread stack. */
static void test_pass_real_reader(void **state)
{
	struct own_map om;
	struct pvt_iter_rec rec;
	struct pvt_mem_table mt;
	const struct pvt_proc_smaps *ps;
	const struct pvt_task_stack *ts;

	(void)state;
	own_map_setup(&om);
	rec = (struct pvt_iter_rec){ .tid = (uint32_t)getpid(), .pid = (uint32_t)getpid(),
				     .start_time = 77, .leader_start_time = 77,
				     .ustack_lo = om.lo, .ustack_hi = om.hi };
	memtab_init(&mt);
	assert_int_equal(memtab_pass(&mt, &rec, 1, memory_read_proc), 0);
	om.base[(1 + 15) * om.page] = 1; /* one more page resident */
	assert_int_equal(memtab_pass(&mt, &rec, 1, memory_read_proc), 0);
	assert_int_equal(mt.smaps_failed, 0);
	ps = memtab_find_smaps(&mt, (uint32_t)getpid(), 77);
	assert_non_null(ps);
	assert_int_equal(ps->samples, 2);
	assert_true(ps->at_peak.rss >= 5 * om.page && ps->at_peak.pss > 0);
	ts = memtab_find_stack(&mt, (uint32_t)getpid(), 77);
	assert_non_null(ts);
	assert_int_equal(ts->samples, 2);
	assert_int_equal(ts->resident_max, 6 * om.page);
	memtab_free(&mt);
	munmap(om.base, 18 * om.page);
}

/* ---- the index of BPF records ---- */

static struct pvt_mem bpf_rec(uint32_t pid, uint64_t lst, uint64_t rss_peak, uint32_t flags)
{
	struct pvt_mem m;

	memset(&m, 0, sizeof(m));
	m.pid = pid;
	m.leader_start_time = lst;
	m.flags = flags;
	m.rss_peak = rss_peak;
	m.samples = (uint32_t)(rss_peak & 0xffff);
	m.peak.vma_count = rss_peak / 4096;
	return m;
}

static void test_bpf_index_growth(void **state)
{
	enum { N = 5000 };
	struct pvt_mem_table mt;

	(void)state;
	memtab_init(&mt);
	assert_null(memtab_find_bpf(&mt, 1, 1)); /* empty: no index yet */
	assert_null(memtab_find_smaps(&mt, 1, 1));
	assert_null(memtab_find_stack(&mt, 1, 1));

	/* 2500 pids, each with two instances (pid reuse), start times shared across pids */
	for (uint32_t i = 0; i < N; i++) {
		uint32_t pid = 1000 + i % 2500;
		uint64_t lst = 1000000000ull + (i / 2500) * 7 + (i % 3);
		struct pvt_mem m = bpf_rec(pid, lst, 4096ull * (i + 1), 0);

		assert_int_equal(memtab_add_bpf(&mt, &m), 0);
	}
	assert_int_equal(mt.nbpf, N);
	for (uint32_t i = 0; i < N; i++) {
		uint32_t pid = 1000 + i % 2500;
		uint64_t lst = 1000000000ull + (i / 2500) * 7 + (i % 3);
		const struct pvt_mem *m = memtab_find_bpf(&mt, pid, lst);

		if (!m)
			fail_msg("record %u (%u, %llu) not found", i, pid, (unsigned long long)lst);
		assert_int_equal(m->pid, pid);
		assert_int_equal(m->leader_start_time, lst);
		assert_int_equal(m->rss_peak, 4096ull * (i + 1));
		assert_int_equal(m->peak.vma_count, i + 1);
	}
	assert_null(memtab_find_bpf(&mt, 1000, 1000000000ull + 3));  /* pid known, start not */
	assert_null(memtab_find_bpf(&mt, 99999, 1000000000ull));     /* start known, pid not */
	assert_null(memtab_find_bpf(&mt, 0, 0));

	/* the same process again: replaces, no new entry */
	{
		struct pvt_mem m = bpf_rec(1000, 1000000000ull, 123 * 4096, 0);

		assert_int_equal(memtab_add_bpf(&mt, &m), 0);
		assert_int_equal(mt.nbpf, N);
		assert_int_equal(memtab_find_bpf(&mt, 1000, 1000000000ull)->rss_peak, 123 * 4096);
		/* its other instance untouched */
		assert_int_equal(memtab_find_bpf(&mt, 1000, 1000000000ull + 7 + 1)->rss_peak, 4096ull * 2501);
	}
	memtab_free(&mt);
	assert_null(memtab_find_bpf(&mt, 1000, 1000000000ull));
	assert_int_equal(mt.nbpf, 0);
}

/* The exit event's record is the one to keep: the map's later copy does not replace it. */
static void test_bpf_at_exit_kept(void **state)
{
	struct pvt_mem_table mt;
	struct pvt_mem m;

	(void)state;
	memtab_init(&mt);
	m = bpf_rec(42, 4242, 10 * MB, 0);
	assert_int_equal(memtab_add_bpf(&mt, &m), 0);
	m = bpf_rec(42, 4242, 20 * MB, PVT_M_AT_EXIT);   /* the exit event: replaces */
	assert_int_equal(memtab_add_bpf(&mt, &m), 0);
	assert_int_equal(memtab_find_bpf(&mt, 42, 4242)->rss_peak, 20 * MB);
	assert_true(memtab_find_bpf(&mt, 42, 4242)->flags & PVT_M_AT_EXIT);
	m = bpf_rec(42, 4242, 30 * MB, PVT_M_EXECED);    /* the map's, without AT_EXIT: kept */
	assert_int_equal(memtab_add_bpf(&mt, &m), 0);
	assert_int_equal(memtab_find_bpf(&mt, 42, 4242)->rss_peak, 20 * MB);
	assert_int_equal(memtab_find_bpf(&mt, 42, 4242)->flags, PVT_M_AT_EXIT);
	m = bpf_rec(42, 4242, 40 * MB, PVT_M_AT_EXIT | PVT_M_EXECED); /* at exit again: replaces */
	assert_int_equal(memtab_add_bpf(&mt, &m), 0);
	assert_int_equal(memtab_find_bpf(&mt, 42, 4242)->rss_peak, 40 * MB);
	assert_int_equal(mt.nbpf, 1);
	/* another instance of pid 42 is a record of its own */
	m = bpf_rec(42, 9999, 1 * MB, 0);
	assert_int_equal(memtab_add_bpf(&mt, &m), 0);
	assert_int_equal(mt.nbpf, 2);
	assert_int_equal(memtab_find_bpf(&mt, 42, 4242)->rss_peak, 40 * MB);
	assert_int_equal(memtab_find_bpf(&mt, 42, 9999)->rss_peak, 1 * MB);
	memtab_free(&mt);
}

/* ---- memory_task, memory_proc_kernel_bytes ---- */

static const struct pvt_slab_sizes SLAB = {
	.task_struct = 5824, .mm_struct = 1088, .signal = 1152, .sighand = 2112,
	.files = 704, .vma = 208, .from_slabinfo = true,
};

/* A task record: identity, kernel stack, and its stack mapping at LO(tid) (none if !stack_size). */
static struct pvt_task mk(uint32_t tid, uint32_t pid, uint64_t lst, uint64_t kstack, uint64_t stack_size,
			  uint64_t guard)
{
	struct pvt_task t;

	memset(&t, 0, sizeof(t));
	t.tid = tid;
	t.pid = pid;
	t.ppid = 1;
	t.flags = PVT_F_BASELINE | PVT_F_EXITED | PVT_F_DEAD;
	t.leader_start_time = lst;
	t.start_time = tid == pid ? lst : lst + (tid - pid);
	t.first_ns = 1000 + tid;
	t.end_ns = 5000 + tid;
	snprintf(t.comm, sizeof(t.comm), "t%u", tid);
	t.kstack_bytes = kstack;
	if (stack_size) {
		t.ustack_lo = LO(tid);
		t.ustack_hi = LO(tid) + stack_size;
		t.ustack_guard = guard;
	}
	return t;
}

static void test_task(void **state)
{
	struct pvt_task t = mk(501, 500, 5000, 16384, 8 * MB, 4096);
	struct pvt_task reused = t, nostack = mk(502, 500, 5000, 20480, 0, 0);
	struct pvt_iter_rec recs[2] = { irec(500, 500, 5000, true), irec(501, 500, 5000, true) };
	const struct fake_proc procs[] = { { .pid = 500, .sum = { .rss = MB, .pss = MB } } };
	const struct fake_stack stacks[] = { { LO(500), 500, 64 * KB }, { LO(501), 500, 20 * KB } };
	struct pvt_mem_table mt;
	struct pvt_task_mem tm;

	(void)state;
	memtab_init(&mt);
	memset(&tm, 0xab, sizeof(tm));
	memory_task(&mt, &SLAB, &t, &tm);
	assert_int_equal(tm.kernel_bytes, 5824 + 16384);
	assert_int_equal(tm.stack_reserved, 8 * MB + 4096);
	assert_int_equal(tm.stack_guard, 4096);
	assert_false(tm.resident_known);     /* never sampled */
	assert_int_equal(tm.stack_resident, 0);
	assert_int_equal(tm.stack_samples, 0);

	fake_set(procs, ARRAY_SIZE(procs), stacks, ARRAY_SIZE(stacks));
	assert_int_equal(memtab_pass(&mt, recs, ARRAY_SIZE(recs), fake_reader), 0);
	memory_task(&mt, &SLAB, &t, &tm);
	assert_int_equal(tm.kernel_bytes, 5824 + 16384);
	assert_int_equal(tm.stack_reserved, 8 * MB + 4096);
	assert_true(tm.resident_known);
	assert_int_equal(tm.stack_resident, 20 * KB);
	assert_int_equal(tm.stack_samples, 1);

	/* the same tid, another task instance: not its sample */
	reused.start_time += 1000000;
	memory_task(&mt, &SLAB, &reused, &tm);
	assert_false(tm.resident_known);
	assert_int_equal(tm.stack_resident, 0);

	/* no stack mapping found */
	memory_task(&mt, &SLAB, &nostack, &tm);
	assert_int_equal(tm.kernel_bytes, 5824 + 20480);
	assert_int_equal(tm.stack_reserved, 0);
	assert_int_equal(tm.stack_guard, 0);
	assert_false(tm.resident_known);

	/* slab sizes unknown: the kernel stack alone */
	{
		struct pvt_slab_sizes none = { 0 };

		memory_task(&mt, &none, &t, &tm);
		assert_int_equal(tm.kernel_bytes, 16384);
	}
	memtab_free(&mt);
}

static void test_proc_kernel_bytes(void **state)
{
	struct pvt_mem m = bpf_rec(7, 70, 10 * MB, 0);

	(void)state;
	m.peak.vma_count = 50;
	m.peak.page_tables = 64 * KB;
	m.last.vma_count = 5000;        /* the peak's, not the latest sample's */
	m.last.page_tables = 1 * MB;
	assert_int_equal(memory_proc_kernel_bytes(&SLAB, &m),
			 1088 + 1152 + 2112 + 704 + 50 * 208 + 64 * KB);
}

/* ---- memory_summary ---- */

static void add(struct pvt_table *tb, const struct pvt_task *t)
{
	assert_int_equal(table_add(tb, t), 0);
}

static void add_bpf(struct pvt_mem_table *mt, uint32_t pid, uint64_t lst, uint64_t rss_peak,
		    uint64_t page_tables, uint64_t vmas)
{
	struct pvt_mem m = bpf_rec(pid, lst, rss_peak, PVT_M_AT_EXIT);

	m.peak.page_tables = page_tables;
	m.peak.vma_count = vmas;
	assert_int_equal(memtab_add_bpf(mt, &m), 0);
}

static void test_summary(void **state)
{
	/*
	 * P1 (pid 10): leader + threads 11, 12, 13.  P2..P5 single-threaded,
	 * P4 and P5 without smaps samples (gone), P6 with smaps but no BPF
	 * record (not counted).  Every median is over an odd count.
	 */
	const uint64_t fixed = 1088 + 1152 + 2112 + 704; /* mm + signal + sighand + files */
	struct pvt_task tasks[] = {
		mk(12, 10, 100, 16384, 8 * MB, 4096),
		mk(10, 10, 100, 4096, 132 * KB, 4096),   /* the main stack */
		mk(20, 20, 200, 16384, 132 * KB, 0),
		mk(13, 10, 100, 20480, 2 * MB, 4096),
		mk(30, 30, 300, 16384, 132 * KB, 0),
		mk(11, 10, 100, 8192, 8 * MB, 4096),
		mk(40, 40, 400, 16384, 132 * KB, 0),
		mk(50, 50, 500, 16384, 132 * KB, 0),
		mk(60, 60, 600, 16384, 132 * KB, 0),
	};
	struct pvt_iter_rec recs[] = {
		irec(10, 10, 100, true), irec(11, 10, 100, true), irec(12, 10, 100, true),
		irec(13, 10, 100, true), irec(20, 20, 200, true), irec(30, 30, 300, true),
		irec(40, 40, 400, true), irec(50, 50, 500, true), irec(60, 60, 600, true),
	};
	const struct fake_proc procs[] = {
		{ .pid = 10, .sum = { .rss = 30 * MB, .pss = 20 * MB, .private_ = 6 * MB } },
		{ .pid = 20, .sum = { .rss = 9 * MB, .pss = 5 * MB, .private_ = 2 * MB } },
		{ .pid = 30, .sum = { .rss = 15 * MB, .pss = 8 * MB, .private_ = 3 * MB } },
		{ .pid = 40, .err = -ENOENT },
		{ .pid = 50, .err = -ENOENT },
		{ .pid = 60, .sum = { .rss = 4 * MB, .pss = 2 * MB, .private_ = 1 * MB } },
	};
	const struct fake_stack stacks[] = {
		{ LO(10), 10, 4 * KB }, { LO(11), 10, 8 * KB }, { LO(12), 10, 16 * KB },
		{ LO(13), 10, 12 * KB }, { LO(20), 20, 40 * KB }, { LO(30), 30, 40 * KB },
		{ LO(60), 60, 40 * KB },
	};
	struct pvt_table tb;
	struct pvt_mem_table mt;
	struct pvt_mem_summary s;
	uint64_t k1;

	(void)state;
	table_init(&tb);
	for (size_t i = 0; i < ARRAY_SIZE(tasks); i++)
		add(&tb, &tasks[i]);
	assert_int_equal(table_finish(&tb), 0);
	assert_int_equal(tb.nprocs, 6);

	memtab_init(&mt);
	add_bpf(&mt, 10, 100, 40 * MB, 64 * KB, 50);
	add_bpf(&mt, 20, 200, 10 * MB, 32 * KB, 30);
	add_bpf(&mt, 30, 300, 20 * MB, 128 * KB, 40);
	add_bpf(&mt, 40, 400, 90 * MB, 128 * KB, 90);
	add_bpf(&mt, 50, 500, 5 * MB, 16 * KB, 10);
	fake_set(procs, ARRAY_SIZE(procs), stacks, ARRAY_SIZE(stacks));
	assert_int_equal(memtab_pass(&mt, recs, ARRAY_SIZE(recs), fake_reader), 0);

	memset(&s, 0xab, sizeof(s));
	memory_summary(&tb, &mt, &SLAB, &s);

	/* threads: 11, 12, 13 (the leaders are not threads) */
	assert_int_equal(s.threads, 3);
	assert_int_equal(s.threads_resident, 3);
	assert_int_equal(s.thread_kernel, 5824 + 16384);       /* of 8192, 16384, 20480 */
	assert_int_equal(s.thread_stack_resident, 12 * KB);    /* of 8, 16, 12 KiB */
	assert_int_equal(s.thread_stack_reserved, 8 * MB + 4096); /* of 8M+4K twice, 2M+4K */
	assert_int_equal(s.thread_bytes, s.thread_kernel + s.thread_stack_resident);
	assert_int_equal(s.thread_bytes, 5824 + 16384 + 12 * KB);

	/* processes: P1..P5 (P6 has no BPF record) */
	assert_int_equal(s.processes, 5);
	assert_int_equal(s.processes_private, 3);                /* P1..P3 */
	assert_int_equal(s.proc_rss_peak, 20 * MB);              /* of 40, 10, 20, 90, 5 MiB */
	assert_int_equal(s.proc_page_tables, 64 * KB);           /* of 64, 32, 128, 128, 16 KiB */
	assert_int_equal(s.proc_private, 3 * MB);                /* of 6, 2, 3 MiB */
	/*
	 * kernel: task_struct + the leader's kernel stack + mm, signal, sighand,
	 * files + VMAs + page tables.  P1 is the median:
	 *   P5  5824 + 16384 + fixed + 10*208 + 16K  =  45728
	 *   P2  5824 + 16384 + fixed + 30*208 + 32K  =  66272
	 *   P1  5824 +  4096 + fixed + 50*208 + 64K  =  90912
	 *   P3  5824 + 16384 + fixed + 40*208 + 128K = 166656
	 *   P4  5824 + 16384 + fixed + 90*208 + 128K = 177056
	 */
	k1 = 5824 + 4096 + fixed + 50 * 208 + 64 * KB;
	assert_int_equal(k1, 90912);
	assert_int_equal(k1 - 5824 - 4096, memory_proc_kernel_bytes(&SLAB, memtab_find_bpf(&mt, 10, 100)));
	assert_int_equal(s.proc_kernel, k1);
	assert_int_equal(s.process_bytes, s.proc_private + s.proc_kernel);
	assert_int_equal(s.process_bytes, 3 * MB + 90912);

	memtab_free(&mt);
	table_free(&tb);
}

/* Nothing recorded: all zero, and no crash on an empty table. */
static void test_summary_empty(void **state)
{
	struct pvt_table tb;
	struct pvt_mem_table mt;
	struct pvt_mem_summary s;
	struct pvt_task lone = mk(70, 70, 700, 16384, 132 * KB, 0);
	struct pvt_task thr = mk(71, 70, 700, 16384, 8 * MB, 4096);

	(void)state;
	table_init(&tb);
	assert_int_equal(table_finish(&tb), 0);
	memtab_init(&mt);
	memset(&s, 0xab, sizeof(s));
	memory_summary(&tb, &mt, &SLAB, &s);
	assert_int_equal(s.threads + s.processes + s.thread_bytes + s.process_bytes, 0);
	table_free(&tb);

	/* tasks but no memory records: threads counted from the table, no process */
	table_init(&tb);
	add(&tb, &lone);
	add(&tb, &thr);
	assert_int_equal(table_finish(&tb), 0);
	memory_summary(&tb, &mt, &SLAB, &s);
	assert_int_equal(s.threads, 1);
	assert_int_equal(s.threads_resident, 0);
	assert_int_equal(s.thread_kernel, 5824 + 16384);
	assert_int_equal(s.thread_stack_resident, 0);
	assert_int_equal(s.thread_stack_reserved, 8 * MB + 4096);
	assert_int_equal(s.thread_bytes, 5824 + 16384);
	assert_int_equal(s.processes, 0);
	assert_int_equal(s.proc_kernel, 0);
	assert_int_equal(s.process_bytes, 0);
	table_free(&tb);
	memtab_free(&mt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smaps_sums_and_stacks),
		cmocka_unit_test(test_smaps_match_on_start_only),
		cmocka_unit_test(test_smaps_long_path),
		cmocka_unit_test(test_smaps_read_error_kept),
		cmocka_unit_test(test_smaps_empty),
		cmocka_unit_test(test_smaps_garbage),
		cmocka_unit_test(test_read_smaps_self),
		cmocka_unit_test(test_smaps_rollup),
		cmocka_unit_test(test_count_present),
		cmocka_unit_test(test_read_proc_self),
		cmocka_unit_test(test_slabinfo_all),
		cmocka_unit_test(test_slabinfo_missing),
		cmocka_unit_test(test_pass_groups_by_process),
		cmocka_unit_test(test_pass_read_error),
		cmocka_unit_test(test_pass_skips_unchanged),
		cmocka_unit_test(test_pass_many),
		cmocka_unit_test(test_pass_real_reader),
		cmocka_unit_test(test_bpf_index_growth),
		cmocka_unit_test(test_bpf_at_exit_kept),
		cmocka_unit_test(test_task),
		cmocka_unit_test(test_proc_kernel_bytes),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_summary_empty),
	};

	return cmocka_run_group_tests_name("memory", tests, NULL, NULL);
}
