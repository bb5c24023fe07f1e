// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/memory.c, its readings of /proc: smaps and slabinfo
 * parsing, the real readers on this process (smaps, smaps_rollup + pagemap),
 * a sampling pass with the real reader.  The memory table (passes with a fake
 * reader, the index of BPF records, per-task and summary figures) is tested
 * in test_memory_table.c.
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
		cmocka_unit_test(test_pass_real_reader),
	};

	return cmocka_run_group_tests_name("memory", tests, NULL, NULL);
}
