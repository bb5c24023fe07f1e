/* SPDX-License-Identifier: GPL-2.0 */
/*
 * replay.h - a recording's journal played back through run's own code
 * (run_trace.c, fold.c, memory.c), so that `pvtrace report` builds the model
 * from exactly what `run` consumed: the same records, in the same order, the
 * same /proc reads; then the same model_build() and views.
 */
#ifndef PVT_REPLAY_H
#define PVT_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include "calibrate.h"
#include "model.h"
#include "record_file.h"
#include "run_trace.h"

struct replay {
	struct pvt_rec_reader *r;
	struct pvt_rec_options opt;      /* as recorded */
	struct pvt_info_start start;
	char **argv;                     /* the command (NULL-terminated; attach: empty) */
	size_t argc;
	char *kernel, *host, *version;   /* as recorded ("" if absent) */
	uint32_t ncpus;
	struct run_state rs;
	struct pvt_collected col;
	struct pvt_calibration cal;
	bool have_cal;
	char *cal_path;
	struct pvt_prog_stats *progs;
	uint32_t *target_pids;
	char *target_cgroup;
	struct { uint64_t id; char *path; } *cgroups;
	size_t ncgroups;
	uint64_t sched_events, sched_chunks;
	/* the journal cursor */
	struct pvt_chunk ch;
	size_t off;
	bool in_journal;
	int status;                      /* 0, or what ended the walk: -1 corrupt, -2 truncated */
	char err[512];
};

/*
 * Open @path and play its journal back to the end into rp->rs and rp->col
 * (SCHED chunks are counted, not kept).  @top: the report's --top (only how
 * many rows are shown; the records folded are the recording's).  0, or -1
 * with one line in rp->err (not a recording, corrupt, truncated: the file
 * ends without its end marker).
 */
int replay_open(struct replay *rp, const char *path);
/* The same over @len bytes at @buf (not copied: they must outlive @rp; the fuzzer's). */
int replay_open_mem(struct replay *rp, const void *buf, size_t len);
void replay_free(struct replay *rp);

#endif /* PVT_REPLAY_H */
