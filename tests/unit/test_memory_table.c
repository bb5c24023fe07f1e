// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/memory.c, its memory table: the sampling pass that
 * groups the iterator's records by process (with a fake smaps reader), the
 * (id, start_time) index of BPF records, and the per-task, per-process and
 * summary figures the reports print.  The /proc readers: test_memory.c.
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
#include "tasktable.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KB 1024ull
#define MB (1024ull * 1024)

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

/* Why a figure is missing: each reason, from what the passes saw (docs/METRICS.md). */
static void test_missing_reasons(void **state)
{
	/* A (10): read; B (20): gone by the read; C (30): not readable; D (40): its thread 41's
	 * stack not found yet, 42's pagemap not read; E (50): never listed */
	struct pvt_iter_rec recs[6] = { irec(10, 10, 100, true), irec(20, 20, 200, true),
					irec(30, 30, 300, true), irec(40, 40, 400, true),
					irec(41, 40, 400, false), irec(42, 40, 400, true) };
	const struct fake_proc procs[] = {
		{ .pid = 10, .sum = { .rss = MB, .pss = MB } }, { .pid = 20, .err = -ESRCH },
		{ .pid = 30, .err = -EACCES }, { .pid = 40, .sum = { .rss = MB, .pss = MB } },
	};
	const struct fake_stack stacks[] = { { LO(10), 10, 8 * KB }, { LO(40), 40, 8 * KB } };
	struct pvt_task a = mk(10, 10, 100, 16384, 8 * MB, 4096), b = mk(20, 20, 200, 16384, 8 * MB, 0);
	struct pvt_task c = mk(30, 30, 300, 16384, 8 * MB, 0), d41 = mk(41, 40, 400, 16384, 0, 0);
	struct pvt_task d42 = mk(42, 40, 400, 16384, 8 * MB, 0), e = mk(50, 50, 500, 16384, 0, 0);
	struct pvt_mem_table mt;

	(void)state;
	memtab_init(&mt);
	fake_set(procs, ARRAY_SIZE(procs), stacks, ARRAY_SIZE(stacks));
	assert_int_equal(memtab_pass(&mt, recs, ARRAY_SIZE(recs), fake_reader), 0);

	assert_int_equal(memory_smaps_missing(&mt, 100, 10, 100, true, 1), PVT_MISS_NONE);
	assert_int_equal(memory_stack_missing(&mt, 100, &a, true, 1), PVT_MISS_NONE);
	assert_int_equal(memory_smaps_missing(&mt, 100, 20, 200, true, 1), PVT_MISS_GONE);
	assert_int_equal(memory_stack_missing(&mt, 100, &b, true, 1), PVT_MISS_GONE);
	assert_int_equal(memory_smaps_missing(&mt, 100, 30, 300, true, 1), PVT_MISS_UNREADABLE);
	assert_int_equal(memtab_find_pseen(&mt, 30, 300)->error, EACCES);
	assert_int_equal(memory_stack_missing(&mt, 100, &c, true, 1), PVT_MISS_UNREADABLE);
	assert_int_equal(memory_stack_missing(&mt, 100, &d41, true, 1), PVT_MISS_NOT_FOUND);
	assert_int_equal(memory_stack_missing(&mt, 100, &d42, true, 1), PVT_MISS_UNREADABLE);
	assert_int_equal(memtab_find_tseen(&mt, 42, 402)->error, 0); /* pagemap: no errno */
	/* never listed: shorter than the interval if it ended so, else no pass while it lived */
	assert_int_equal(memory_smaps_missing(&mt, 100, 50, 500, true, 99999999), PVT_MISS_SHORT_LIVED);
	assert_int_equal(memory_stack_missing(&mt, 100, &e, true, 99999999), PVT_MISS_SHORT_LIVED);
	assert_int_equal(memory_smaps_missing(&mt, 100, 50, 500, true, 100000000), PVT_MISS_NO_PASS);
	assert_int_equal(memory_smaps_missing(&mt, 100, 50, 500, false, 0), PVT_MISS_NO_PASS);
	/* --interval 0 says it first: no pass at all */
	assert_int_equal(memory_smaps_missing(&mt, 0, 50, 500, true, 1), PVT_MISS_INTERVAL_OFF);
	assert_int_equal(memory_stack_missing(&mt, 0, &d41, true, 1), PVT_MISS_INTERVAL_OFF);
	assert_string_equal(pvt_mem_missing_code(PVT_MISS_SHORT_LIVED), "short_lived");
	assert_string_equal(pvt_mem_missing_code(PVT_MISS_GONE), "exited_before_read");
	assert_null(pvt_mem_missing_code(PVT_MISS_NONE));

	/* folded: what the passes saw goes with the records */
	memtab_forget_proc(&mt, 30, 300);
	memtab_forget_stack(&mt, 30, 300);
	assert_null(memtab_find_pseen(&mt, 30, 300));
	assert_null(memtab_find_tseen(&mt, 30, 300));
	assert_non_null(memtab_find_pseen(&mt, 40, 400));
	memtab_free(&mt);
}

/*
 * With skip_unchanged, a pass that reads nothing still notes who it listed; a new
 * thread whose stack is known makes the pass read (a stack from glibc's cache moves no RSS).
 */
static void test_pass_skip_notes_and_new_threads(void **state)
{
	const struct fake_proc procs[] = { { .pid = 10, .sum = { .rss = MB, .pss = MB } } };
	const struct fake_stack stacks[] = { { LO(10), 10, 8 * KB }, { LO(11), 10, 4 * KB },
					     { LO(12), 10, 4 * KB } };
	struct pvt_iter_rec r[3] = { irec(10, 10, 100, true), irec(11, 10, 100, false),
				     irec(12, 10, 100, true) };
	struct pvt_mem_table mt;
	const struct pvt_mem_seen *s;

	(void)state;
	memtab_init(&mt);
	mt.skip_unchanged = true;
	fake_set(procs, ARRAY_SIZE(procs), stacks, ARRAY_SIZE(stacks));
	r[0].rss = r[1].rss = r[2].rss = MB;
	assert_int_equal(memtab_pass(&mt, r, 1, fake_reader), 0);     /* pass 1: new process */
	assert_int_equal(fk.ncalls, 1);
	assert_int_equal(memtab_pass(&mt, r, 2, fake_reader), 0);     /* pass 2: 11, stack unknown */
	assert_int_equal(fk.ncalls, 1);
	s = memtab_find_tseen(&mt, 11, 101);
	assert_non_null(s);
	assert_int_equal(s->passes, 1);
	assert_int_equal(s->skipped, 1);
	assert_int_equal(s->no_stack, 1);
	assert_int_equal(memtab_find_pseen(&mt, 10, 100)->passes, 2);
	assert_int_equal(memtab_find_pseen(&mt, 10, 100)->skipped, 1);
	r[1] = r[2];                                                  /* pass 3: 12, stack known */
	assert_int_equal(memtab_pass(&mt, r, 2, fake_reader), 0);
	assert_int_equal(fk.ncalls, 2);
	assert_stack(&mt, 12, 102, 4 * KB, 1);
	assert_int_equal(memtab_pass(&mt, r, 2, fake_reader), 0);     /* pass 4: nothing new */
	assert_int_equal(fk.ncalls, 2);
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
		cmocka_unit_test(test_pass_groups_by_process),
		cmocka_unit_test(test_pass_read_error),
		cmocka_unit_test(test_pass_skips_unchanged),
		cmocka_unit_test(test_pass_many),
		cmocka_unit_test(test_bpf_index_growth),
		cmocka_unit_test(test_bpf_at_exit_kept),
		cmocka_unit_test(test_task),
		cmocka_unit_test(test_missing_reasons),
		cmocka_unit_test(test_pass_skip_notes_and_new_threads),
		cmocka_unit_test(test_proc_kernel_bytes),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_summary_empty),
	};

	return cmocka_run_group_tests_name("memory_table", tests, NULL, NULL);
}
