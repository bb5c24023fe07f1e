/* SPDX-License-Identifier: GPL-2.0 */
/*
 * top_text.h - the live view's words: its columns (heads, widths, cells),
 * shared by the full-screen view (top_curses.c) and the batch output, and
 * the batch output itself: a plain-text table or one JSON line per interval
 * (schema pvtrace.top/1, fields in docs/METRICS.md, "Live view (top)").
 */
#ifndef PVT_TOP_TEXT_H
#define PVT_TOP_TEXT_H

#include <stdio.h>
#include <time.h>
#include "top_model.h"

#define TOP_SCHEMA "pvtrace.top/1"
#define TOP_TEXT_COLS 120	/* the batch table's width */
#define TOP_HEAD_MAX 160	/* a header line's buffer */
#define TOP_NAME_MAX 512	/* a name cell shows at most this many bytes of a cgroup's path */
#define TOP_CELL_MAX (TOP_NAME_MAX * 4 + 64) /* room for any cell */

/* The columns, left to right; the last (the name) takes the rest of the line. */
enum top_col {
	TOP_COL_ID,		/* PID (a thread's TID; cgroup rows: PROCS, their processes) */
	TOP_COL_THREADS,
	TOP_COL_SW,
	TOP_COL_VOL,
	TOP_COL_INVOL,
	TOP_COL_SAME,
	TOP_COL_AS,
	TOP_COL_RQ_P50,
	TOP_COL_RQ_P99,
	TOP_COL_ONCPU,
	TOP_COL_RSS,
	TOP_COL_NAME,		/* COMM (cgroup mode: CGROUP), indented by depth */
	TOP_COL__MAX,
};

/* A column's head in mode @by, its width (the name's: its minimum), the sort it stands for. */
const char *top_col_head(enum top_col c, enum top_by by);
int top_col_width(enum top_col c);
enum top_sort top_col_sort(enum top_col c);
/* The column of a sort key. */
enum top_col top_sort_col(enum top_sort s);

/*
 * A sort key by its column's name (-s/--sort): a head as shown ("SW/s",
 * "CPU%", "RQ-P99"), any case, or top_sort_names' (also "procs", "name",
 * "cgroup", "threads", "switches").  0, or -1 if no column has that name.
 */
int top_sort_parse(const char *s, enum top_sort *out);
/* The names it takes, for a help text: "pid, comm, thr, sw, ...". */
extern const char top_sort_names[];

/* The text of one cell of @l (no padding; "-" for a figure the row has not). */
void top_cell(char *buf, size_t sz, const struct top_line *l, enum top_col c);

/*
 * The columns before the name, each right-aligned to its width and followed
 * by a space (@l NULL: their heads); returns the length.  The name starts there.
 */
int top_line_fixed(char *buf, size_t sz, const struct top_line *l, enum top_by by);
/* How many bytes of @s (a top_cell() text) fill at most @cols columns. */
size_t top_cut_cols(const char *s, int cols);

/*
 * The header's two lines, each cut to TOP_TEXT_COLS columns: the time (@now,
 * local), interval, tasks, processes, switches per second; then the
 * switch-ins by origin (the threads-versus-processes split), lost events and
 * untracked tasks.  @sz: at least TOP_TEXT_COLS + 1.
 */
void top_header_lines(char *l1, char *l2, size_t sz, const struct top_header *h, time_t now);

/*
 * One interval as a table: the header's two lines, a blank line, the column
 * heads and a line per view line, then a blank line; every line at most
 * TOP_TEXT_COLS columns.  0, or -EIO if the stream failed.
 */
int top_text_write(FILE *f, const struct top_model *m, const struct top_view *v, enum top_by by,
		   time_t now);

/* One interval as one JSON object on one line (pvtrace.top/1).  0 or -EIO. */
int top_json_write(FILE *f, const struct top_model *m, const struct top_view *v, enum top_by by,
		   time_t now);

#endif /* PVT_TOP_TEXT_H */
