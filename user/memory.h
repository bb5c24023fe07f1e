/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memory.h - what each process and thread holds in memory.
 *
 * Two sources, kept apart: BPF reads each process's mm_struct (RSS by kind,
 * page tables, VMAs, virtual size) at its creation, at exec, every --interval
 * and at its last thread's exit (struct pvt_mem); userspace adds, every
 * --interval, what only a page-table walk can tell, from /proc/PID/smaps:
 * proportional (PSS), shared and private resident memory, and how much of
 * each thread's stack is resident.  Pure logic except memory_read_proc()
 * and memory_slab_sizes(): unit-tested.
 */
#ifndef PVT_MEMORY_H
#define PVT_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "pvtrace.h"
#include "tasktable.h"

/* Sums over a process's VMAs (/proc/PID/smaps), bytes. */
struct pvt_smaps {
	uint64_t rss, pss, shared, private_, swap;
};

/* A thread's stack mapping to look for in smaps; rss filled if found. */
struct pvt_stack_range {
	uint64_t lo, hi;
	uint64_t rss;
	bool found;
};

/*
 * Parse smaps or smaps_rollup text: sum the VMAs into *sum, and give each of
 * the @n stack ranges the Rss of the VMA that starts at its lo (the tests'
 * check of the pagemap reading against smaps).  0, or -EINVAL if the text is
 * not smaps.
 */
int memory_parse_smaps(FILE *f, struct pvt_smaps *sum, struct pvt_stack_range *stacks, size_t n);
/*
 * What a sampling pass reads, cheaper: the totals from /proc/PID/smaps_rollup
 * (one walk, a few lines; smaps formats every VMA: 10x slower on a process
 * with 170 VMAs), each stack's resident bytes from /proc/PID/pagemap over its
 * own range (found = true when read).  0 or -errno.
 */
int memory_read_proc(pid_t pid, struct pvt_smaps *sum, struct pvt_stack_range *stacks, size_t n);
/* Pages present among @n pagemap entries (bit 63). */
uint64_t memory_count_present(const uint64_t *entries, size_t n);

/* Sizes of the kernel objects a thread and a process allocate (slab object sizes). */
struct pvt_slab_sizes {
	uint64_t task_struct, mm_struct, signal, sighand, files, vma;
	bool from_slabinfo;   /* task_struct's size came from /proc/slabinfo (else from BTF) */
};
/* Parse /proc/slabinfo text: the object sizes of the caches named above (others left alone). */
int memory_parse_slabinfo(FILE *f, struct pvt_slab_sizes *s);
/* From /proc/slabinfo; where a cache is missing (merged), sizeof from the kernel's BTF. */
void memory_slab_sizes(struct pvt_slab_sizes *s);

/* Userspace's samples of one process instance (smaps). */
struct pvt_proc_smaps {
	uint32_t pid;
	uint64_t leader_start_time;
	struct pvt_smaps at_peak;   /* the sample with the highest PSS */
	uint32_t samples;
	uint64_t rss_at_read;       /* BPF's RSS figure when smaps was last read */
};

/* Userspace's samples of one thread's stack. */
struct pvt_task_stack {
	uint32_t tid;
	uint64_t start_time;
	uint64_t resident_max;      /* the most of its stack mapping seen resident */
	uint32_t samples;
};

/*
 * What the sampling passes saw of one process (by pid and leader start) or one
 * thread (by tid and start), sampled or not: why a figure is missing.
 */
struct pvt_mem_seen {
	uint32_t id;
	uint64_t start_time;
	uint32_t passes;            /* passes that listed it alive (the iterator) */
	uint32_t skipped;           /* of those, passes that read nothing (no RSS had moved) */
	uint32_t gone;              /* reads that found it gone since (ENOENT, ESRCH) */
	uint32_t failed;            /* reads that failed otherwise */
	uint32_t no_stack;          /* threads: passes with its stack mapping not yet found */
	int error;                  /* the last failed read's errno (0: pagemap, no errno) */
};

struct pvt_index; /* open addressing, keyed by (id, start_time) */

struct pvt_mem_table {
	struct pvt_mem *bpf;        /* BPF's records: from exit events, then the map */
	size_t nbpf, bpf_cap;
	struct pvt_proc_smaps *procs;
	size_t nprocs, procs_cap;
	struct pvt_task_stack *stacks;
	size_t nstacks, stacks_cap;
	struct pvt_mem_seen *pseen, *tseen; /* processes, threads the passes listed */
	size_t npseen, pseen_cap, ntseen, tseen_cap;
	struct pvt_index *bpf_ix, *procs_ix, *stacks_ix, *pseen_ix, *tseen_ix;
	uint64_t passes;            /* sampling passes run */
	bool skip_unchanged;        /* skip /proc reads when no process's RSS moved (see memtab_pass) */
	uint64_t passes_read;       /* passes that read /proc */
	uint64_t smaps_failed;      /* /proc reads that failed for a process still listed */
	int read_error;             /* the first failure other than the process being gone (errno) */
	uint64_t pass_ns_total;     /* time spent in passes (pvtrace's own cost) */
};

void memtab_init(struct pvt_mem_table *mt);
void memtab_free(struct pvt_mem_table *mt);

/* A BPF record (exit event or map): a later one for the same process replaces. 0 or -ENOMEM. */
int memtab_add_bpf(struct pvt_mem_table *mt, const struct pvt_mem *m);
/* Lookups (a NULL table finds nothing). */
const struct pvt_mem *memtab_find_bpf(const struct pvt_mem_table *mt, uint32_t pid, uint64_t leader_start);
const struct pvt_proc_smaps *memtab_find_smaps(const struct pvt_mem_table *mt, uint32_t pid,
					       uint64_t leader_start);
const struct pvt_task_stack *memtab_find_stack(const struct pvt_mem_table *mt, uint32_t tid,
					       uint64_t start_time);
const struct pvt_mem_seen *memtab_find_pseen(const struct pvt_mem_table *mt, uint32_t pid,
					     uint64_t leader_start);
const struct pvt_mem_seen *memtab_find_tseen(const struct pvt_mem_table *mt, uint32_t tid,
					     uint64_t start_time);

/*
 * Forget a folded task's stack samples, a folded process's records (user/fold.c:
 * what they held is summed by then), so that the table holds what the report
 * still shows.  Nothing there: nothing done.
 */
void memtab_forget_stack(struct pvt_mem_table *mt, uint32_t tid, uint64_t start_time);
void memtab_forget_proc(struct pvt_mem_table *mt, uint32_t pid, uint64_t leader_start);

typedef int (*pvt_smaps_reader)(pid_t pid, struct pvt_smaps *sum, struct pvt_stack_range *stacks,
				size_t n);

/*
 * Userspace's part of a sampling pass: @recs (one per live tracked task,
 * from the BPF task iterator) grouped by process, one read each.  With
 * mt->skip_unchanged, a pass reads nothing when every process was read
 * before and BPF's RSS of each is what it was then (PSS, sharing and
 * resident stacks move only when some RSS does, the tree's or, rarely, an
 * outsider's sharing pages with it), and every thread whose stack is known
 * was too (a new thread may take a stack from glibc's cache: no RSS moves),
 * except every 10th pass.
 * @recs is reordered.  0 or -ENOMEM.
 */
int memtab_pass(struct pvt_mem_table *mt, struct pvt_iter_rec *recs, size_t n, pvt_smaps_reader rd);

/* Per-task and per-process figures, as the reports print them. */
struct pvt_task_mem {
	uint64_t kernel_bytes;      /* task_struct + kernel stack */
	uint64_t stack_reserved;    /* its stack mapping plus its guard; 0: not found */
	uint64_t stack_guard;
	bool resident_known;
	uint64_t stack_resident;
	uint32_t stack_samples;
};
void memory_task(const struct pvt_mem_table *mt, const struct pvt_slab_sizes *sl,
		 const struct pvt_task *t, struct pvt_task_mem *out);

/*
 * Why a memory figure is missing (docs/METRICS.md, "Missing figures"): the
 * JSON's *_missing codes, the text report's legend lines.
 */
enum pvt_mem_missing {
	PVT_MISS_NONE = 0,
	PVT_MISS_INTERVAL_OFF,      /* --interval 0: no sampling pass */
	PVT_MISS_SHORT_LIVED,       /* no pass while it lived, shorter than the interval */
	PVT_MISS_NO_PASS,           /* no pass while it lived (the trace ended first...) */
	PVT_MISS_SKIPPED,           /* listed only by passes that read nothing (no RSS moved) */
	PVT_MISS_GONE,              /* it exited between a pass's listing and its /proc read */
	PVT_MISS_UNREADABLE,        /* /proc/PID/smaps_rollup or pagemap could not be read */
	PVT_MISS_NOT_FOUND,         /* its stack mapping was not found (bpf_find_vma) */
	PVT_MISS_MAP_FULL,          /* no memory record: the process map was full */
	PVT_MISS_NOT_SAMPLED,       /* no memory record, none of the above */
	PVT_MISS__MAX
};
/* "interval_off", "short_lived"...; NULL for PVT_MISS_NONE */
const char *pvt_mem_missing_code(enum pvt_mem_missing w);
/*
 * Why a process has no smaps figures (PSS, shared, private), or a thread no
 * resident stack: PVT_MISS_NONE if it has them.  @ended: it ended under
 * tracing, after @lifetime_ns; @interval_ms: --interval.
 */
enum pvt_mem_missing memory_smaps_missing(const struct pvt_mem_table *mt, uint32_t interval_ms,
					  uint32_t pid, uint64_t leader_start, bool ended,
					  uint64_t lifetime_ns);
enum pvt_mem_missing memory_stack_missing(const struct pvt_mem_table *mt, uint32_t interval_ms,
					  const struct pvt_task *t, bool ended, uint64_t lifetime_ns);

/* Kernel memory of a process beyond its threads': mm, signal, sighand, files, VMAs, page tables. */
uint64_t memory_proc_kernel_bytes(const struct pvt_slab_sizes *sl, const struct pvt_mem *m);

/* The marginal cost of one more thread and one more process in this run (medians). */
struct pvt_mem_summary {
	uint64_t threads;           /* threads (tid != pid) in the report */
	uint64_t threads_resident;  /* of which with their stack sampled resident */
	uint64_t thread_kernel;     /* p50 kernel bytes */
	uint64_t thread_stack_resident; /* p50 over the sampled */
	uint64_t thread_stack_reserved; /* p50 over those found */
	uint64_t thread_bytes;      /* kernel + stack resident: one more thread */
	uint64_t processes;         /* processes with a memory record */
	uint64_t processes_private; /* of which with smaps samples */
	uint64_t proc_rss_peak;     /* p50 */
	uint64_t proc_private;      /* p50 private resident, over those sampled */
	uint64_t proc_page_tables;  /* p50 */
	uint64_t proc_kernel;       /* p50: its leader's task + kstack, and memory_proc_kernel_bytes */
	uint64_t process_bytes;     /* private + kernel (which holds the page tables): one more process */
};
void memory_summary(const struct pvt_table *tb, const struct pvt_mem_table *mt,
		    const struct pvt_slab_sizes *sl, struct pvt_mem_summary *out);

#endif /* PVT_MEMORY_H */
