/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perfetto_input.h - what `pvtrace perfetto` takes from a recording
 * (perfetto_input.c): its scheduling events in time order, the traced tasks
 * (identity, names, creation, end) and the other timed facts (creations,
 * renames, exits, RSS samples), everything on CLOCK_MONOTONIC.  perfetto.c
 * turns it into the trace.
 */
#ifndef PVT_PERFETTO_INPUT_H
#define PVT_PERFETTO_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "record_file.h"

/* struct pf_task.flags */
enum {
	PF_T_CREATE = 1u << 0, /* its creation record: create_ts, parent_tid, clone_flags */
	PF_T_FINAL = 1u << 1,  /* its whole record (exit or the maps at the end): comm, comm_first */
	PF_T_EXIT = 1u << 2,   /* its exit record: exit_ts */
	PF_T_FREE = 1u << 3,   /* gone for good at free_ts (its thread group's too, if the leader) */
	PF_T_ALIVE = 1u << 4,  /* alive at the end (the task map), or its end unknown */
	PF_T_BORN = 1u << 5,   /* created under tracing */
	PF_T_ROOT = 1u << 6,   /* the command pvtrace started */
	PF_T_UNNAMED = 1u << 7,/* known only from scheduling events (a recording cut short) */
};

/* A traced task.  One per tid: a tid reused within a recording is taken as one task. */
struct pf_task {
	uint32_t tid, pid, ppid, parent_tid;
	uint32_t flags;         /* PF_T_* */
	uint32_t create_cpu, exit_cpu;
	uint64_t clone_flags;
	uint64_t create_ts;     /* the creation record's time */
	uint64_t exit_ts;       /* the exit record's, moved after the task's last event */
	uint64_t free_ts;
	uint64_t last_ts;       /* its last scheduling event (0: none) */
	uint64_t group_end;     /* a leader: the last exit of its thread group */
	uint64_t seq;           /* the order its first record came in (the sort's tie) */
	uint32_t renames;       /* rename records of it */
	char comm_first[PVT_COMM_LEN]; /* at creation or first sight */
	char comm[PVT_COMM_LEN];       /* the last (PF_T_FINAL) */
	/* perfetto.c's, while it writes */
	char cur[PVT_COMM_LEN];        /* the name at the time written so far */
	bool on_cpu;
	uint64_t runq_since;    /* runnable since (0: not waiting) */
	uint64_t thread_uuid, runq_uuid, proc_uuid, rss_uuid;
};

enum pf_item_kind {
	PF_I_CREATE = 1, /* tid: the new task (its creator: parent_tid) */
	PF_I_RENAME = 2, /* tid, old_comm, comm */
	PF_I_EXIT = 3,   /* tid */
	PF_I_FREE = 4,   /* tid */
	PF_I_RSS = 5,    /* pid, value: resident bytes of the process */
};

/* A timed fact besides the scheduling events. */
struct pf_item {
	uint64_t ts;
	uint64_t seq;           /* file order (the sort's tie) */
	uint64_t value;
	uint32_t kind, cpu, tid, pid;
	char old_comm[PVT_COMM_LEN];
	char comm[PVT_COMM_LEN];
};

struct pf_input {
	struct pvt_sched_ev *ev;    /* every scheduling event, by time (stable) */
	size_t nev;
	struct pf_task *tasks;      /* by tid */
	size_t ntasks, taskcap;
	struct pf_item *items;      /* by time (stable) */
	size_t nitems, itemcap;
	char **argv;                /* the command (run mode), NULL-terminated */
	size_t argc;
	char kernel[65], arch[65];  /* uname -r, -m ("" unknown) */
	struct pvt_info_start start;
	struct pvt_info_boottime boot;
	bool have_start, have_boot, have_sample_time;
	uint32_t ncpus, max_cpu;    /* INFO's; the highest CPU of an event */
	uint64_t sched_lost;        /* events the BPF side could not send (whole recordings) */
	uint64_t first_ts, last_ts; /* of everything (0, 0: nothing) */
	uint64_t seq;
	uint64_t pending_sample_ts; /* the next PVT_J_SAMPLE's time (0: none) */
	bool truncated;
};

/*
 * Read the recording @path into @in: 0 whole, -2 truncated (@in holds the
 * prefix; @err says so), -1 not readable as a recording (@err: one line).
 */
int pf_input_load(struct pf_input *in, const char *path, char *err, size_t errlen);
void pf_input_free(struct pf_input *in);

/* The task @tid, or NULL. */
struct pf_task *pf_task_find(const struct pf_input *in, uint32_t tid);

#endif /* PVT_PERFETTO_INPUT_H */
