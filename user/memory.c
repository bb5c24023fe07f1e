// SPDX-License-Identifier: GPL-2.0
/* memory.c - per-process and per-thread memory: smaps sampling, slab sizes, summaries. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "memory.h"
#include "creation.h"
#include "fold.h"
#include "keyindex.h"
#include "qsketch.h"
#include "vec.h"

void memtab_init(struct pvt_mem_table *mt)
{
	memset(mt, 0, sizeof(*mt));
}

void memtab_free(struct pvt_mem_table *mt)
{
	free(mt->bpf);
	free(mt->procs);
	free(mt->stacks);
	free(mt->pseen);
	free(mt->tseen);
	pvt_index_free(mt->bpf_ix);
	pvt_index_free(mt->procs_ix);
	pvt_index_free(mt->stacks_ix);
	pvt_index_free(mt->pseen_ix);
	pvt_index_free(mt->tseen_ix);
	memset(mt, 0, sizeof(*mt));
}

int memtab_add_bpf(struct pvt_mem_table *mt, const struct pvt_mem *m)
{
	long i = pvt_index_find(mt->bpf_ix, m->pid, m->leader_start_time);

	if (i >= 0) {
		/* The map's copy after the exit event's: keep the one read at exit. */
		if (!(mt->bpf[i].flags & PVT_M_AT_EXIT) || (m->flags & PVT_M_AT_EXIT))
			mt->bpf[i] = *m;
		return 0;
	}
	if (VEC_RESERVE(mt->bpf, mt->bpf_cap, mt->nbpf + 1) ||
	    pvt_index_put(&mt->bpf_ix, m->pid, m->leader_start_time, mt->nbpf))
		return -ENOMEM;
	mt->bpf[mt->nbpf++] = *m;
	return 0;
}

const struct pvt_mem *memtab_find_bpf(const struct pvt_mem_table *mt, uint32_t pid, uint64_t leader_start)
{
	long i = mt ? pvt_index_find(mt->bpf_ix, pid, leader_start) : -1;

	return i >= 0 ? &mt->bpf[i] : NULL;
}

const struct pvt_proc_smaps *memtab_find_smaps(const struct pvt_mem_table *mt, uint32_t pid,
					       uint64_t leader_start)
{
	long i = mt ? pvt_index_find(mt->procs_ix, pid, leader_start) : -1;

	return i >= 0 ? &mt->procs[i] : NULL;
}

const struct pvt_task_stack *memtab_find_stack(const struct pvt_mem_table *mt, uint32_t tid,
					       uint64_t start_time)
{
	long i = mt ? pvt_index_find(mt->stacks_ix, tid, start_time) : -1;

	return i >= 0 ? &mt->stacks[i] : NULL;
}

const struct pvt_mem_seen *memtab_find_pseen(const struct pvt_mem_table *mt, uint32_t pid,
					     uint64_t leader_start)
{
	long i = mt ? pvt_index_find(mt->pseen_ix, pid, leader_start) : -1;

	return i >= 0 ? &mt->pseen[i] : NULL;
}

const struct pvt_mem_seen *memtab_find_tseen(const struct pvt_mem_table *mt, uint32_t tid,
					     uint64_t start_time)
{
	long i = mt ? pvt_index_find(mt->tseen_ix, tid, start_time) : -1;

	return i >= 0 ? &mt->tseen[i] : NULL;
}

/* Drop element @i of (@arr, *@n), the last moved into its place and its key re-pointed. */
#define FORGET(arr, n, ix, i, idfield, startfield)                                        \
	do {                                                                              \
		pvt_index_del((ix), (arr)[i].idfield, (arr)[i].startfield);               \
		if ((size_t)(i) != --(n)) {                                               \
			(arr)[i] = (arr)[n];                                              \
			/* a key already there: replaced in place, nothing allocated */  \
			pvt_index_put(&(ix), (arr)[i].idfield, (arr)[i].startfield, (size_t)(i)); \
		}                                                                         \
	} while (0)

void memtab_forget_stack(struct pvt_mem_table *mt, uint32_t tid, uint64_t start_time)
{
	long i = pvt_index_find(mt->stacks_ix, tid, start_time);

	if (i >= 0)
		FORGET(mt->stacks, mt->nstacks, mt->stacks_ix, i, tid, start_time);
	i = pvt_index_find(mt->tseen_ix, tid, start_time);
	if (i >= 0)
		FORGET(mt->tseen, mt->ntseen, mt->tseen_ix, i, id, start_time);
}

void memtab_forget_proc(struct pvt_mem_table *mt, uint32_t pid, uint64_t leader_start)
{
	long i = pvt_index_find(mt->bpf_ix, pid, leader_start);

	if (i >= 0)
		FORGET(mt->bpf, mt->nbpf, mt->bpf_ix, i, pid, leader_start_time);
	i = pvt_index_find(mt->procs_ix, pid, leader_start);
	if (i >= 0)
		FORGET(mt->procs, mt->nprocs, mt->procs_ix, i, pid, leader_start_time);
	i = pvt_index_find(mt->pseen_ix, pid, leader_start);
	if (i >= 0)
		FORGET(mt->pseen, mt->npseen, mt->pseen_ix, i, id, start_time);
}

/* ---- /proc/PID/smaps ---- */

/* "7f13f6b7d000-7f13f6bbd000 rw-p ...": a VMA header; 0 if the line is not one. */
static int vma_header(const char *line, uint64_t *lo, uint64_t *hi)
{
	char *end;

	*lo = strtoull(line, &end, 16);
	if (end == line || *end != '-')
		return 0;
	line = end + 1;
	*hi = strtoull(line, &end, 16);
	return end != line && *end == ' ';
}

int memory_parse_smaps(FILE *f, struct pvt_smaps *sum, struct pvt_stack_range *stacks, size_t n)
{
	struct pvt_stack_range *cur = NULL;
	char line[512];
	bool any = false, other = false;

	memset(sum, 0, sizeof(*sum));
	for (size_t i = 0; i < n; i++) {
		stacks[i].rss = 0;
		stacks[i].found = false;
	}
	errno = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long kb;
		uint64_t lo, hi;
		char key[32];

		if (!any && !vma_header(line, &lo, &hi) && line[strspn(line, " \t\n")])
			other = true; /* text before the first VMA header: not smaps */
		if (vma_header(line, &lo, &hi)) {
			any = true;
			cur = NULL;
			for (size_t i = 0; i < n; i++) {
				if (stacks[i].lo == lo) {
					cur = &stacks[i];
					cur->found = true;
					break;
				}
			}
			continue;
		}
		if (sscanf(line, "%31[^:]: %llu kB", key, &kb) != 2)
			continue; /* VmFlags, THPeligible, ProtectionKey... */
		kb *= 1024;
		if (!strcmp(key, "Rss")) {
			sum->rss += kb;
			if (cur)
				cur->rss = kb;
		} else if (!strcmp(key, "Pss")) {
			sum->pss += kb;
		} else if (!strcmp(key, "Shared_Clean") || !strcmp(key, "Shared_Dirty")) {
			sum->shared += kb;
		} else if (!strcmp(key, "Private_Clean") || !strcmp(key, "Private_Dirty")) {
			sum->private_ += kb;
		} else if (!strcmp(key, "Swap")) {
			sum->swap += kb;
		}
	}
	if (ferror(f)) /* the read's own error: ESRCH for a process whose mm went away since open */
		return errno ? -errno : -EIO;
	return any || !other ? 0 : -EINVAL;
}

uint64_t memory_count_present(const uint64_t *entries, size_t n)
{
	uint64_t present = 0;

	for (size_t i = 0; i < n; i++)
		present += entries[i] >> 63; /* PM_PRESENT; swapped-out pages (bit 62) are not resident */
	return present;
}

/* Resident pages of [lo, hi) from /proc/PID/pagemap (@fd), one 64-bit entry per page. */
static int pagemap_resident(int fd, uint64_t lo, uint64_t hi, uint64_t *bytes)
{
	uint64_t buf[512], page = (uint64_t)sysconf(_SC_PAGESIZE), total = 0;

	for (uint64_t a = lo; a < hi;) {
		size_t want = (size_t)((hi - a) / page);
		ssize_t r;

		if (want > sizeof(buf) / sizeof(buf[0]))
			want = sizeof(buf) / sizeof(buf[0]);
		r = pread(fd, buf, want * sizeof(buf[0]), (off_t)(a / page * sizeof(buf[0])));
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		total += memory_count_present(buf, (size_t)r / sizeof(buf[0]));
		a += (uint64_t)r / sizeof(buf[0]) * page;
	}
	*bytes = total * page;
	return 0;
}

int memory_read_proc(pid_t pid, struct pvt_smaps *sum, struct pvt_stack_range *stacks, size_t n)
{
	char path[64];
	FILE *f;
	int err, fd;

	/* The totals: one page-table walk, a few lines (smaps would format every VMA). */
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	err = memory_parse_smaps(f, sum, NULL, 0);
	if (!err && ferror(f))
		err = -EIO;
	fclose(f);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		stacks[i].rss = 0;
		stacks[i].found = false;
	}
	if (!n)
		return 0;
	/* Each stack: its pages' present bits, walking only its own range. */
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* the totals stand; the stacks stay unknown */
	for (size_t i = 0; i < n; i++) {
		if (stacks[i].hi <= stacks[i].lo)
			continue;
		if (pagemap_resident(fd, stacks[i].lo, stacks[i].hi, &stacks[i].rss) == 0)
			stacks[i].found = true;
	}
	close(fd);
	return 0;
}

/* ---- sampling pass ---- */

static int by_process(const void *a, const void *b)
{
	const struct pvt_iter_rec *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->leader_start_time != y->leader_start_time)
		return x->leader_start_time < y->leader_start_time ? -1 : 1;
	return 0;
}

static struct pvt_task_stack *stack_slot(struct pvt_mem_table *mt, const struct pvt_iter_rec *r)
{
	long i = pvt_index_find(mt->stacks_ix, r->tid, r->start_time);

	if (i >= 0)
		return &mt->stacks[i];
	if (VEC_RESERVE(mt->stacks, mt->stacks_cap, mt->nstacks + 1) ||
	    pvt_index_put(&mt->stacks_ix, r->tid, r->start_time, mt->nstacks))
		return NULL;
	mt->stacks[mt->nstacks] = (struct pvt_task_stack){ .tid = r->tid, .start_time = r->start_time };
	return &mt->stacks[mt->nstacks++];
}

static struct pvt_proc_smaps *proc_slot(struct pvt_mem_table *mt, uint32_t pid, uint64_t start)
{
	long i = pvt_index_find(mt->procs_ix, pid, start);

	if (i >= 0)
		return &mt->procs[i];
	if (VEC_RESERVE(mt->procs, mt->procs_cap, mt->nprocs + 1) ||
	    pvt_index_put(&mt->procs_ix, pid, start, mt->nprocs))
		return NULL;
	mt->procs[mt->nprocs] = (struct pvt_proc_smaps){ .pid = pid, .leader_start_time = start };
	return &mt->procs[mt->nprocs++];
}

/* The index of (@id, @start)'s record in (*@arr, *@n), made if new; -1: no memory. */
static long seen_slot(struct pvt_mem_seen **arr, size_t *n, size_t *cap, struct pvt_index **ix,
		      uint32_t id, uint64_t start)
{
	long i = pvt_index_find(*ix, id, start);

	if (i >= 0)
		return i;
	if (VEC_RESERVE(*arr, *cap, *n + 1) || pvt_index_put(ix, id, start, *n))
		return -1;
	(*arr)[*n] = (struct pvt_mem_seen){ .id = id, .start_time = start };
	return (long)(*n)++;
}

/*
 * Note each process and thread of the pass (@recs, sorted by process) as
 * listed alive (@skipped: the pass reads nothing); the threads' record
 * indices into @ti (one per rec) if not NULL.  0 or -ENOMEM.
 */
static int note_listed(struct pvt_mem_table *mt, const struct pvt_iter_rec *recs, size_t n,
		       bool skipped, long *ti)
{
	for (size_t k = 0; k < n; k++) {
		long t = seen_slot(&mt->tseen, &mt->ntseen, &mt->tseen_cap, &mt->tseen_ix, recs[k].tid,
				   recs[k].start_time), p;

		if (t < 0)
			return -ENOMEM;
		mt->tseen[t].passes++;
		mt->tseen[t].skipped += skipped;
		mt->tseen[t].no_stack += !recs[k].ustack_hi;
		if (ti)
			ti[k] = t;
		if (k && !by_process(&recs[k - 1], &recs[k]))
			continue; /* its process noted with its first thread */
		p = seen_slot(&mt->pseen, &mt->npseen, &mt->pseen_cap, &mt->pseen_ix, recs[k].pid,
			      recs[k].leader_start_time);
		if (p < 0)
			return -ENOMEM;
		mt->pseen[p].passes++;
		mt->pseen[p].skipped += skipped;
	}
	return 0;
}

static void seen_failed(struct pvt_mem_seen *s, int rerr)
{
	if (rerr == -ENOENT || rerr == -ESRCH) {
		s->gone++;
	} else {
		s->failed++;
		s->error = -rerr;
	}
}

/* A failed read (@rerr) of the /proc files of @r's process, for it and its threads @ti[0..@nt). */
static void note_failed(struct pvt_mem_table *mt, const struct pvt_iter_rec *r, int rerr,
			const long *ti, size_t nt)
{
	long p = pvt_index_find(mt->pseen_ix, r->pid, r->leader_start_time);

	for (size_t k = 0; k < nt; k++)
		seen_failed(&mt->tseen[ti[k]], rerr);
	if (p >= 0)
		seen_failed(&mt->pseen[p], rerr);
}

int memtab_pass(struct pvt_mem_table *mt, struct pvt_iter_rec *recs, size_t n, pvt_smaps_reader rd)
{
	struct pvt_stack_range *ranges = NULL;
	long *ts = NULL;
	size_t i = 0;
	int err = 0;

	mt->passes++;
	if (!n)
		return 0;
	qsort(recs, n, sizeof(*recs), by_process);
	if (mt->skip_unchanged && mt->passes % 10) {
		bool moved = false;

		for (size_t k = 0; k < n && !moved; k++) {
			const struct pvt_proc_smaps *ps = memtab_find_smaps(mt, recs[k].pid,
									    recs[k].leader_start_time);

			/* a thread new since the last read: a stack from glibc's cache moves no RSS */
			moved = !ps || ps->rss_at_read != recs[k].rss ||
				(recs[k].ustack_hi &&
				 !memtab_find_stack(mt, recs[k].tid, recs[k].start_time));
		}
		if (!moved)
			return note_listed(mt, recs, n, true, NULL);
	}
	mt->passes_read++;
	ts = calloc(n, sizeof(*ts));
	if (!ts || note_listed(mt, recs, n, false, ts)) {
		free(ts);
		return -ENOMEM;
	}
	ranges = calloc(n, sizeof(*ranges));
	if (!ranges) {
		free(ts);
		return -ENOMEM;
	}
	while (i < n) {
		size_t j = i, k;
		struct pvt_proc_smaps *ps;
		struct pvt_smaps sum;

		while (j < n && !by_process(&recs[i], &recs[j]))
			j++;
		for (k = i; k < j; k++)
			ranges[k - i] = (struct pvt_stack_range){ .lo = recs[k].ustack_lo, .hi = recs[k].ustack_hi };
		int rerr = rd((pid_t)recs[i].pid, &sum, ranges, j - i);

		if (rerr) {
			/* Gone since the iterator saw it (ENOENT, ESRCH), or not readable (EACCES). */
			mt->smaps_failed++;
			if (rerr != -ENOENT && rerr != -ESRCH && !mt->read_error)
				mt->read_error = -rerr;
			note_failed(mt, &recs[i], rerr, ts + i, j - i);
			i = j;
			continue;
		}
		ps = proc_slot(mt, recs[i].pid, recs[i].leader_start_time);
		if (!ps) {
			err = -ENOMEM;
			break;
		}
		ps->samples++;
		ps->rss_at_read = recs[i].rss;
		if (ps->samples == 1 || sum.pss > ps->at_peak.pss)
			ps->at_peak = sum;
		for (k = i; k < j; k++) {
			struct pvt_task_stack *st;

			if (!recs[k].ustack_hi)
				continue;
			if (!ranges[k - i].found) {
				/* the totals read, this stack's pages not (pagemap) */
				mt->tseen[ts[k]].failed++;
				mt->tseen[ts[k]].error = 0;
				continue;
			}
			st = stack_slot(mt, &recs[k]);
			if (!st) {
				err = -ENOMEM;
				goto out;
			}
			st->samples++;
			if (ranges[k - i].rss > st->resident_max)
				st->resident_max = ranges[k - i].rss;
		}
		i = j;
	}
out:
	free(ranges);
	free(ts);
	return err;
}

/* ---- why a figure is missing ---- */

const char *pvt_mem_missing_code(enum pvt_mem_missing w)
{
	static const char *const codes[PVT_MISS__MAX] = {
		[PVT_MISS_INTERVAL_OFF] = "interval_off", [PVT_MISS_SHORT_LIVED] = "short_lived",
		[PVT_MISS_NO_PASS] = "no_pass", [PVT_MISS_SKIPPED] = "skipped",
		[PVT_MISS_GONE] = "exited_before_read", [PVT_MISS_UNREADABLE] = "unreadable",
		[PVT_MISS_NOT_FOUND] = "stack_not_found", [PVT_MISS_MAP_FULL] = "process_map_full",
		[PVT_MISS_NOT_SAMPLED] = "not_sampled",
	};

	return (unsigned)w < PVT_MISS__MAX ? codes[w] : NULL;
}

/* What the passes' record @s says, for a figure not sampled. */
static enum pvt_mem_missing seen_missing(const struct pvt_mem_seen *s, uint32_t interval_ms,
					 bool ended, uint64_t lifetime_ns)
{
	if (!interval_ms)
		return PVT_MISS_INTERVAL_OFF;
	if (!s || !s->passes)
		return ended && lifetime_ns < (uint64_t)interval_ms * 1000000ull ?
		       PVT_MISS_SHORT_LIVED : PVT_MISS_NO_PASS;
	if (s->failed)
		return PVT_MISS_UNREADABLE;
	if (s->gone)
		return PVT_MISS_GONE;
	if (s->skipped)
		return PVT_MISS_SKIPPED;
	return PVT_MISS_NOT_SAMPLED;
}

enum pvt_mem_missing memory_smaps_missing(const struct pvt_mem_table *mt, uint32_t interval_ms,
					  uint32_t pid, uint64_t leader_start, bool ended,
					  uint64_t lifetime_ns)
{
	const struct pvt_proc_smaps *ps = memtab_find_smaps(mt, pid, leader_start);

	if (ps && ps->samples)
		return PVT_MISS_NONE;
	return seen_missing(memtab_find_pseen(mt, pid, leader_start), interval_ms, ended, lifetime_ns);
}

enum pvt_mem_missing memory_stack_missing(const struct pvt_mem_table *mt, uint32_t interval_ms,
					  const struct pvt_task *t, bool ended, uint64_t lifetime_ns)
{
	const struct pvt_task_stack *st = memtab_find_stack(mt, t->tid, t->start_time);
	const struct pvt_mem_seen *s = memtab_find_tseen(mt, t->tid, t->start_time);

	if (st && st->samples)
		return PVT_MISS_NONE;
	/* every pass that listed it had no stack to read: not found by then */
	if (interval_ms && s && s->passes && s->no_stack == s->passes)
		return PVT_MISS_NOT_FOUND;
	return seen_missing(s, interval_ms, ended, lifetime_ns);
}

/* ---- kernel object sizes ---- */

int memory_parse_slabinfo(FILE *f, struct pvt_slab_sizes *s)
{
	static const struct { const char *name; size_t off; } caches[] = {
		{ "task_struct", offsetof(struct pvt_slab_sizes, task_struct) },
		{ "mm_struct", offsetof(struct pvt_slab_sizes, mm_struct) },
		{ "signal_cache", offsetof(struct pvt_slab_sizes, signal) },
		{ "sighand_cache", offsetof(struct pvt_slab_sizes, sighand) },
		{ "files_cache", offsetof(struct pvt_slab_sizes, files) },
		{ "vm_area_struct", offsetof(struct pvt_slab_sizes, vma) },
	};
	char line[512];
	int found = 0;

	while (fgets(line, sizeof(line), f)) {
		unsigned long active, num, objsize;
		char name[64];

		/* name <active_objs> <num_objs> <objsize> ... */
		if (sscanf(line, "%63s %lu %lu %lu", name, &active, &num, &objsize) != 4)
			continue;
		for (size_t i = 0; i < sizeof(caches) / sizeof(caches[0]); i++) {
			if (!strcmp(name, caches[i].name)) {
				*(uint64_t *)((char *)s + caches[i].off) = objsize;
				if (i == 0)
					s->from_slabinfo = true;
				found++;
			}
		}
	}
	return found;
}

static uint64_t btf_struct_size(const struct btf *btf, const char *name)
{
	__s32 id;
	__s64 sz;

	if (!btf)
		return 0;
	id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);
	if (id < 0)
		return 0;
	sz = btf__resolve_size(btf, id);
	return sz > 0 ? (uint64_t)sz : 0;
}

void memory_slab_sizes(struct pvt_slab_sizes *s)
{
	static const struct { const char *type; size_t off; } types[] = {
		{ "task_struct", offsetof(struct pvt_slab_sizes, task_struct) },
		{ "mm_struct", offsetof(struct pvt_slab_sizes, mm_struct) },
		{ "signal_struct", offsetof(struct pvt_slab_sizes, signal) },
		{ "sighand_struct", offsetof(struct pvt_slab_sizes, sighand) },
		{ "files_struct", offsetof(struct pvt_slab_sizes, files) },
		{ "vm_area_struct", offsetof(struct pvt_slab_sizes, vma) },
	};
	struct btf *btf = NULL;
	FILE *f;

	memset(s, 0, sizeof(*s));
	f = fopen("/proc/slabinfo", "re");
	if (f) {
		memory_parse_slabinfo(f, s);
		fclose(f);
	}
	/* A cache merged into another of its size has no line of its own: the type's size. */
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		uint64_t *v = (uint64_t *)((char *)s + types[i].off);

		if (*v)
			continue;
		if (!btf)
			btf = btf__load_vmlinux_btf();
		if (!btf) {
			btf = NULL;
			break;
		}
		*v = btf_struct_size(btf, types[i].type);
	}
	btf__free(btf);
}

/* ---- the figures the reports print ---- */

void memory_task(const struct pvt_mem_table *mt, const struct pvt_slab_sizes *sl,
		 const struct pvt_task *t, struct pvt_task_mem *out)
{
	const struct pvt_task_stack *st = memtab_find_stack(mt, t->tid, t->start_time);

	memset(out, 0, sizeof(*out));
	out->kernel_bytes = sl->task_struct + t->kstack_bytes;
	if (t->ustack_hi > t->ustack_lo)
		out->stack_reserved = t->ustack_hi - t->ustack_lo + t->ustack_guard;
	out->stack_guard = t->ustack_guard;
	if (st && st->samples) {
		out->resident_known = true;
		out->stack_resident = st->resident_max;
		out->stack_samples = st->samples;
	}
}

uint64_t memory_proc_kernel_bytes(const struct pvt_slab_sizes *sl, const struct pvt_mem *m)
{
	return sl->mm_struct + sl->signal + sl->sighand + sl->files + m->peak.vma_count * sl->vma +
	       m->peak.page_tables;
}

static uint64_t median(uint64_t *v, size_t n)
{
	struct pvt_cost_stats cs;

	if (!n)
		return 0;
	pvt_cost_stats(v, n, &cs);
	return cs.p50_ns;
}

/*
 * The median of @v (@n values) and of the folded ones' sketch (fold.h):
 * exact with nothing folded; else as lib/qsketch.h defines it.
 */
static uint64_t median_with(const struct pvt_qsketch *folded, uint64_t *v, size_t n)
{
	struct pvt_qsketch s;
	uint64_t m;

	if (!folded || !folded->count)
		return median(v, n);
	if (qs_copy(&s, folded))
		return qs_quantile(folded, 0.50); /* the folded ones alone: better than nothing */
	for (size_t i = 0; i < n; i++)
		qs_add(&s, v[i], 1);
	m = qs_quantile(&s, 0.50);
	qs_free(&s);
	return m;
}

void memory_summary(const struct pvt_table *tb, const struct pvt_mem_table *mt,
		    const struct pvt_slab_sizes *sl, struct pvt_mem_summary *out)
{
	const struct pvt_fold_mem *fm = tb->fold ? &tb->fold->mem : NULL;
	size_t n = tb->n > tb->nprocs ? tb->n : tb->nprocs;
	uint64_t *kern = calloc(n + 1, sizeof(uint64_t)), *res = calloc(n + 1, sizeof(uint64_t));
	uint64_t *rsv = calloc(n + 1, sizeof(uint64_t)), *priv = calloc(n + 1, sizeof(uint64_t));
	size_t nk = 0, nr = 0, nv = 0, np = 0;

	memset(out, 0, sizeof(*out));
	if (!kern || !res || !rsv || !priv)
		goto out;
	for (size_t i = 0; i < tb->n; i++) {
		const struct pvt_task *t = &tb->recs[i].t;
		struct pvt_task_mem tm;

		if (!pvt_is_thread(t))
			continue;
		memory_task(mt, sl, t, &tm);
		out->threads++;
		kern[nk++] = tm.kernel_bytes;
		if (tm.resident_known)
			res[nr++] = tm.stack_resident;
		if (tm.stack_reserved)
			rsv[nv++] = tm.stack_reserved;
	}
	out->threads_resident = nr;
	out->thread_kernel = median_with(fm ? &fm->thread_kernel : NULL, kern, nk);
	out->thread_stack_resident = median_with(fm ? &fm->thread_resident : NULL, res, nr);
	out->thread_stack_reserved = median_with(fm ? &fm->thread_reserved : NULL, rsv, nv);
	if (fm) {
		out->threads += fm->threads;
		out->threads_resident += fm->threads_resident;
	}
	out->thread_bytes = out->thread_kernel + out->thread_stack_resident;

	nk = nr = nv = 0;
	for (size_t i = 0; i < tb->nprocs; i++) {
		const struct pvt_proc *p = &tb->procs[i];
		const struct pvt_mem *m = memtab_find_bpf(mt, p->pid, p->leader_start_time);
		const struct pvt_proc_smaps *ps = memtab_find_smaps(mt, p->pid, p->leader_start_time);

		if (!m)
			continue;
		out->processes++;
		res[nr++] = m->rss_peak;
		rsv[nv++] = m->peak.page_tables;
		kern[nk++] = sl->task_struct + p->leader_kstack + memory_proc_kernel_bytes(sl, m);
		if (ps && ps->samples)
			priv[np++] = ps->at_peak.private_;
	}
	out->processes_private = np;
	out->proc_rss_peak = median_with(fm ? &fm->proc_rss_peak : NULL, res, nr);
	out->proc_page_tables = median_with(fm ? &fm->proc_page_tables : NULL, rsv, nv);
	out->proc_kernel = median_with(fm ? &fm->proc_kernel : NULL, kern, nk);
	out->proc_private = median_with(fm ? &fm->proc_private : NULL, priv, np);
	if (fm) {
		out->processes += fm->processes;
		out->processes_private += fm->processes_private;
	}
	out->process_bytes = out->proc_private + out->proc_kernel;
out:
	free(kern);
	free(res);
	free(rsv);
	free(priv);
}
