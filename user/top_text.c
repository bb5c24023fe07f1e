// SPDX-License-Identifier: GPL-2.0
/*
 * top_text.c - the live view's columns and cells (top_text.h), and its batch
 * output: a plain-text table or one JSON line (pvtrace.top/1) per interval.
 * Every figure comes from the model (top_model.c); this file only formats.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include "common.h"
#include "escape.h"
#include "json_writer.h"
#include "legend.h"
#include "top_text.h"

static const struct {
	const char *head, *head_cg;	/* head_cg: in cgroup mode, if another */
	int width;
	enum top_sort sort;
} cols[TOP_COL__MAX] = {
	[TOP_COL_ID] = { "PID", "PROCS", 7, TOP_SORT_PID },
	[TOP_COL_THREADS] = { "THR", NULL, 5, TOP_SORT_THREADS },
	[TOP_COL_SW] = { "SW/s", NULL, 8, TOP_SORT_SW },
	[TOP_COL_VOL] = { "VOL/s", NULL, 8, TOP_SORT_VOL },
	[TOP_COL_INVOL] = { "INVOL/s", NULL, 8, TOP_SORT_INVOL },
	[TOP_COL_SAME] = { "SAME%", NULL, 6, TOP_SORT_SAME },
	[TOP_COL_AS] = { "ASCHG/s", NULL, 8, TOP_SORT_AS },
	[TOP_COL_RQ_P50] = { "RQ-P50", NULL, 7, TOP_SORT_RQ_P50 },
	[TOP_COL_RQ_P99] = { "RQ-P99", NULL, 7, TOP_SORT_RQ_P99 },
	[TOP_COL_ONCPU] = { "CPU%", NULL, 6, TOP_SORT_ONCPU },
	[TOP_COL_RSS] = { "RSS", NULL, 7, TOP_SORT_RSS },
	[TOP_COL_NAME] = { "COMM", "CGROUP", 16, TOP_SORT_NAME },
};

const char *top_col_head(enum top_col c, enum top_by by)
{
	if (c >= TOP_COL__MAX)
		return "";
	return by == TOP_BY_CGROUP && cols[c].head_cg ? cols[c].head_cg : cols[c].head;
}

int top_col_width(enum top_col c)
{
	return c < TOP_COL__MAX ? cols[c].width : 0;
}

enum top_sort top_col_sort(enum top_col c)
{
	return c < TOP_COL__MAX ? cols[c].sort : TOP_SORT_SW;
}

enum top_col top_sort_col(enum top_sort s)
{
	for (int c = 0; c < TOP_COL__MAX; c++)
		if (cols[c].sort == s)
			return (enum top_col)c;
	return TOP_COL_SW;
}

static const struct {
	const char *name;
	enum top_sort sort;
} sort_names[] = {
	{ "pid", TOP_SORT_PID }, { "procs", TOP_SORT_PID }, { "comm", TOP_SORT_NAME },
	{ "name", TOP_SORT_NAME }, { "cgroup", TOP_SORT_NAME }, { "thr", TOP_SORT_THREADS },
	{ "threads", TOP_SORT_THREADS }, { "sw", TOP_SORT_SW }, { "switches", TOP_SORT_SW },
	{ "vol", TOP_SORT_VOL }, { "invol", TOP_SORT_INVOL }, { "same", TOP_SORT_SAME },
	{ "aschg", TOP_SORT_AS }, { "rq-p50", TOP_SORT_RQ_P50 }, { "rq-p99", TOP_SORT_RQ_P99 },
	{ "cpu", TOP_SORT_ONCPU }, { "rss", TOP_SORT_RSS },
};

int top_sort_parse(const char *s, enum top_sort *out)
{
	char name[16];
	size_t n = s ? strcspn(s, "/%") : 0;

	/* a column's head as shown ("SW/s", "CPU%", "RQ-P99") or its name, any case */
	if (!n || n >= sizeof(name) || (s[n] && strcmp(s + n, "/s") && strcmp(s + n, "%")))
		return -1;
	for (size_t i = 0; i <= n; i++)
		name[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
	name[n] = '\0';
	for (size_t i = 0; i < sizeof(sort_names) / sizeof(sort_names[0]); i++) {
		if (!strcmp(name, sort_names[i].name)) {
			*out = sort_names[i].sort;
			return 0;
		}
	}
	return -1;
}

const char top_sort_names[] =
	"pid, comm, thr, sw, vol, invol, same, aschg, rq-p50, rq-p99, cpu, rss";

/* A rate: 0, one decimal below 10, whole numbers below a million, then M. */
static void fmt_rate(char *buf, size_t sz, double v)
{
	if (v == 0)
		snprintf(buf, sz, "0");
	else if (v < 9.95)
		snprintf(buf, sz, "%.1f", v);
	else if (v < 999999.5)
		snprintf(buf, sz, "%.0f", v);
	else
		snprintf(buf, sz, "%.2fM", v / 1e6);
}

static void fmt_pct(char *buf, size_t sz, double v)
{
	if (isnan(v))
		snprintf(buf, sz, "-");
	else if (v < 999.95)
		snprintf(buf, sz, "%.1f", v);
	else
		snprintf(buf, sz, "%.0f", v);
}

static void name_cell(char *buf, size_t sz, const struct top_line *l)
{
	const struct top_row *r = l->row;
	char esc[TERM_ESCAPE_BUFSZ(TOP_NAME_MAX)];
	const char *name = r->comm;
	size_t srclen = sizeof(r->comm);

	if (r->kind == TOP_CGROUP) {
		name = r->cgroup ? r->cgroup : "?";
		srclen = strnlen(name, TOP_NAME_MAX);
	}
	term_escape(esc, sizeof(esc), name, srclen);
	snprintf(buf, sz, "%*s%s", 2 * l->depth, "", esc);
}

static void id_cell(char *buf, size_t sz, const struct top_row *r)
{
	if (r->kind == TOP_CGROUP)
		snprintf(buf, sz, "%u", r->processes);
	else
		snprintf(buf, sz, "%u", r->kind == TOP_TASK ? r->tid : r->pid);
}

static void figure_cell(char *buf, size_t sz, const struct top_row *r, enum top_col c)
{
	switch (c) {
	case TOP_COL_SW:
		fmt_rate(buf, sz, r->sw_s);
		break;
	case TOP_COL_VOL:
		fmt_rate(buf, sz, r->vol_s);
		break;
	case TOP_COL_INVOL:
		fmt_rate(buf, sz, r->invol_s);
		break;
	case TOP_COL_SAME:
		fmt_pct(buf, sz, r->same_pct);
		break;
	case TOP_COL_AS:
		fmt_rate(buf, sz, r->as_s);
		break;
	case TOP_COL_RQ_P50:
	case TOP_COL_RQ_P99:
		if (!r->d.runq_waits)
			snprintf(buf, sz, "-");
		else
			pvt_fmt_ns(buf, sz, c == TOP_COL_RQ_P50 ? r->rq_p50_ns : r->rq_p99_ns);
		break;
	case TOP_COL_ONCPU:
		fmt_pct(buf, sz, r->oncpu_pct);
		break;
	default:
		snprintf(buf, sz, "-");
	}
}

void top_cell(char *buf, size_t sz, const struct top_line *l, enum top_col c)
{
	const struct top_row *r = l->row;

	if (c == TOP_COL_ID)
		id_cell(buf, sz, r);
	else if (c == TOP_COL_THREADS)
		snprintf(buf, sz, "%u", r->threads);
	else if (c == TOP_COL_NAME)
		name_cell(buf, sz, l);
	else if (c == TOP_COL_RSS && r->kind == TOP_TASK)
		snprintf(buf, sz, "-");
	else if (c == TOP_COL_RSS)
		pvt_fmt_bytes(buf, sz, r->rss);
	else if (!r->rates)
		snprintf(buf, sz, "-");
	else
		figure_cell(buf, sz, r, c);
}

/* ", N WHAT" into @buf at *@n if @v, the first one opening a parenthesis. */
static void part(char *buf, size_t sz, int *n, uint32_t v, const char *what)
{
	if (v && *n < (int)sz)
		*n += snprintf(buf + *n, sz - (size_t)*n, "%s%u %s", *n ? ", " : " (", v, what);
}

/* @src cut to TOP_TEXT_COLS columns (it is ASCII) into @dst. */
static void put_cut(char *dst, size_t sz, const char *src)
{
	snprintf(dst, sz, "%.*s", TOP_TEXT_COLS, src);
}

void top_header_lines(char *l1, char *l2, size_t sz, const struct top_header *h, time_t now)
{
	char hms[16] = "", tasks[96] = "", unt[64] = "", rate[24], buf[512];
	const double *pct = h->from_pct;
	const uint64_t *from = h->d.from;
	uint64_t seen = 0;
	struct tm tm;
	int n = 0;

	if (localtime_r(&now, &tm))
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	part(tasks, sizeof(tasks), &n, h->tasks_new, "new");
	part(tasks, sizeof(tasks), &n, h->tasks_ended, "ended");
	part(tasks, sizeof(tasks), &n, h->tasks_first_seen, "first seen");
	if (n && n < (int)sizeof(tasks) - 1)
		strcat(tasks, ")");
	fmt_rate(rate, sizeof(rate), h->sw_s);
	snprintf(buf, sizeof(buf), "pvtrace top %s  interval %.2fs  %u tasks%s  %u processes  "
		 "%s switches/s", hms, (double)h->interval_ns / 1e9, h->tasks, tasks,
		 h->processes, rate);
	put_cut(l1, sz, buf);

	if (h->untracked_total)
		snprintf(unt, sizeof(unt), "  untracked %llu (%llu in all)",
			 (unsigned long long)h->untracked, (unsigned long long)h->untracked_total);
	for (int i = 0; i < PVT_FROM__MAX; i++)
		seen += from[i];
	n = seen ? snprintf(buf, sizeof(buf), "switch-ins: same process %llu (%.1f%%), another "
			    "%llu (%.1f%%), idle/kernel %llu (%.1f%%)",
			    (unsigned long long)from[PVT_FROM_SAME_PROCESS],
			    pct[PVT_FROM_SAME_PROCESS],
			    (unsigned long long)from[PVT_FROM_OTHER_PROCESS],
			    pct[PVT_FROM_OTHER_PROCESS],
			    (unsigned long long)(from[PVT_FROM_IDLE] + from[PVT_FROM_KERNEL]),
			    pct[PVT_FROM_IDLE] + pct[PVT_FROM_KERNEL])
		 : snprintf(buf, sizeof(buf), "switch-ins: none");
	snprintf(buf + n, sizeof(buf) - (size_t)n, "  lost %llu (%llu in all)%s",
		 (unsigned long long)h->lost, (unsigned long long)h->lost_total, unt);
	put_cut(l2, sz, buf);
}

/* ---- plain text ---- */

/* The columns before the name, each right-aligned with one space after; its length. */
static int put_fixed(char *buf, size_t sz, const struct top_line *l, enum top_by by)
{
	int n = 0;

	for (int c = 0; c < TOP_COL_NAME && (size_t)n < sz; c++) {
		char cell[64];

		if (l)
			top_cell(cell, sizeof(cell), l, c);
		n += snprintf(buf + n, sz - (size_t)n, "%*s ", cols[c].width,
			      l ? cell : top_col_head(c, by));
	}
	return n;
}

size_t top_cut_cols(const char *s, int cols)
{
	const char *p = s;

	/* term_escape's output is ASCII and whole UTF-8 sequences, one column each */
	for (int w = 0; *p && w < cols; w++) {
		size_t k = utf8_decode(p, strlen(p), NULL);

		p += k ? k : 1;
	}
	return (size_t)(p - s);
}

int top_line_fixed(char *buf, size_t sz, const struct top_line *l, enum top_by by)
{
	return put_fixed(buf, sz, l, by);
}

/* One table line: the fixed columns, then the name cut to fit TOP_TEXT_COLS. */
static void text_line(FILE *f, const struct top_line *l, enum top_by by)
{
	char buf[TOP_TEXT_COLS + 64], name[TERM_ESCAPE_BUFSZ(TOP_NAME_MAX) + 64];
	int n = put_fixed(buf, sizeof(buf), l, by);

	if (l)
		top_cell(name, sizeof(name), l, TOP_COL_NAME);
	else
		snprintf(name, sizeof(name), "%s", top_col_head(TOP_COL_NAME, by));
	fprintf(f, "%.*s%.*s\n", n, buf, (int)top_cut_cols(name, TOP_TEXT_COLS - n), name);
}

/* The placeholders of @l's row, counted in @lg by reason (docs/METRICS.md, "Live view"). */
static void legend_row(struct pvt_legend *lg, const struct top_line *l)
{
	const struct top_row *r = l->row;

	if (r->kind == TOP_CGROUP && !r->cgroup)
		pvt_legend_note(lg, "?", "CGROUP", "cgroup", "cgroups", "its directory is gone");
	if (r->kind == TOP_TASK)
		pvt_legend_note(lg, "-", "RSS", "thread", "threads", "a thread: on its process's row");
	if (!r->rates) {
		pvt_legend_note(lg, "-", "SW/s to CPU%", "row", "rows",
				"first seen in this interval: figures from the next");
		return;
	}
	if (isnan(r->same_pct))
		pvt_legend_note(lg, "-", "SAME%", "row", "rows", "no switch-in in the interval");
	if (isnan(r->oncpu_pct))
		pvt_legend_note(lg, "-", "CPU%", "row", "rows", "an interval of no length");
	if (!r->d.runq_waits)
		pvt_legend_note(lg, "-", "RQ-P50, RQ-P99", "row", "rows",
				"no run-queue wait ended in the interval");
}

int top_text_write(FILE *f, const struct top_model *m, const struct top_view *v, enum top_by by,
		   time_t now)
{
	char l1[TOP_HEAD_MAX], l2[TOP_HEAD_MAX];
	struct pvt_legend lg = { 0 };

	top_header_lines(l1, l2, sizeof(l1), &m->h, now);
	fprintf(f, "%s\n%s\n\n", l1, l2);
	text_line(f, NULL, by);
	for (size_t i = 0; i < v->n; i++) {
		text_line(f, &v->v[i], by);
		legend_row(&lg, &v->v[i]);
	}
	pvt_legend_print(f, &lg);
	fputc('\n', f);
	return fflush(f) || ferror(f) ? -EIO : 0;
}

/* ---- JSON lines ---- */

static const char *kind_name(enum top_kind k)
{
	return k == TOP_TASK ? "thread" : k == TOP_PROCESS ? "process" : "cgroup";
}

static void from_obj(json_writer_t *jw, const uint64_t from[PVT_FROM__MAX])
{
	jw_name(jw, "from");
	jw_start_object(jw);
	jw_uint_field(jw, "same_process", from[PVT_FROM_SAME_PROCESS]);
	jw_uint_field(jw, "other_process", from[PVT_FROM_OTHER_PROCESS]);
	jw_uint_field(jw, "idle", from[PVT_FROM_IDLE]);
	jw_uint_field(jw, "kernel", from[PVT_FROM_KERNEL]);
	jw_end_object(jw);
}

/* The interval's counts of a row or of the machine. */
static void counts_obj(json_writer_t *jw, const struct top_counts *d)
{
	jw_name(jw, "counts");
	jw_start_object(jw);
	jw_uint_field(jw, "voluntary", d->vol);
	jw_uint_field(jw, "involuntary", d->invol);
	jw_uint_field(jw, "in", d->in);
	jw_uint_field(jw, "in_unseen", d->in_unseen);
	from_obj(jw, d->from);
	jw_uint_field(jw, "address_space_changes", d->as_change);
	jw_uint_field(jw, "oncpu_ns", d->oncpu_ns);
	jw_uint_field(jw, "runq_waits", d->runq_waits);
	jw_end_object(jw);
}

/* A double that is only there with rates: NAN is written as null. */
static void rate_field(json_writer_t *jw, const char *name, bool rates, double v)
{
	jw_double_field(jw, name, rates ? v : NAN);
}

static void row_ids(json_writer_t *jw, const struct top_row *r)
{
	jw_string_field(jw, "kind", kind_name(r->kind));
	if (r->kind == TOP_TASK)
		jw_uint_field(jw, "tid", r->tid);
	if (r->kind != TOP_CGROUP) {
		jw_uint_field(jw, "pid", r->pid);
		jw_name(jw, "comm");
		jw_string_n(jw, r->comm, sizeof(r->comm));
	}
	jw_uint_field(jw, "cgroup_id", r->cgroup_id);
	jw_string_or_null_field(jw, "cgroup", r->cgroup);
	if (r->kind == TOP_CGROUP)
		jw_uint_field(jw, "processes", r->processes);
	jw_uint_field(jw, "threads", r->threads);
}

static void row_fields(json_writer_t *jw, const struct top_row *r)
{
	row_ids(jw, r);
	jw_bool_field(jw, "rates", r->rates);
	rate_field(jw, "switches_per_s", r->rates, r->sw_s);
	rate_field(jw, "voluntary_per_s", r->rates, r->vol_s);
	rate_field(jw, "involuntary_per_s", r->rates, r->invol_s);
	rate_field(jw, "same_process_pct", r->rates, r->same_pct);
	rate_field(jw, "address_space_changes_per_s", r->rates, r->as_s);
	jw_uint_or_null_field(jw, "runq_p50_ns", r->d.runq_waits, r->rq_p50_ns);
	jw_uint_or_null_field(jw, "runq_p99_ns", r->d.runq_waits, r->rq_p99_ns);
	rate_field(jw, "oncpu_pct", r->rates, r->oncpu_pct);
	jw_uint_or_null_field(jw, "rss_bytes", r->kind != TOP_TASK, r->rss);
	counts_obj(jw, &r->d);
}

/* Lines from *@i at @depth, each with the deeper lines after it as its children. */
static void rows_at(json_writer_t *jw, const struct top_view *v, size_t *i, int depth)
{
	while (*i < v->n && v->v[*i].depth == depth) {
		jw_start_object(jw);
		row_fields(jw, v->v[*i].row);
		(*i)++;
		if (*i < v->n && v->v[*i].depth > depth) {
			jw_name(jw, "children");
			jw_start_array(jw);
			rows_at(jw, v, i, depth + 1);
			jw_end_array(jw);
		}
		jw_end_object(jw);
	}
}

static void header_fields(json_writer_t *jw, const struct top_header *h, enum top_by by,
			  time_t now)
{
	jw_string_field(jw, "schema", TOP_SCHEMA);
	jw_int_field(jw, "time", (int64_t)now);
	jw_uint_field(jw, "mono_ns", h->mono_ns);
	jw_uint_field(jw, "interval_ns", h->interval_ns);
	jw_string_field(jw, "by", by == TOP_BY_CGROUP ? "cgroup" : "process");
	jw_uint_field(jw, "tasks", h->tasks);
	jw_uint_field(jw, "processes", h->processes);
	jw_uint_field(jw, "cgroups", h->cgroups);
	jw_uint_field(jw, "tasks_new", h->tasks_new);
	jw_uint_field(jw, "tasks_ended", h->tasks_ended);
	jw_uint_field(jw, "tasks_first_seen", h->tasks_first_seen);
	jw_double_field(jw, "switches_per_s", h->sw_s);
	jw_name(jw, "from_pct");
	jw_start_object(jw);
	jw_double_field(jw, "same_process", h->from_pct[PVT_FROM_SAME_PROCESS]);
	jw_double_field(jw, "other_process", h->from_pct[PVT_FROM_OTHER_PROCESS]);
	jw_double_field(jw, "idle", h->from_pct[PVT_FROM_IDLE]);
	jw_double_field(jw, "kernel", h->from_pct[PVT_FROM_KERNEL]);
	jw_end_object(jw);
	counts_obj(jw, &h->d);
	jw_uint_field(jw, "lost_events", h->lost);
	jw_uint_field(jw, "lost_events_total", h->lost_total);
	jw_uint_field(jw, "untracked", h->untracked);
	jw_uint_field(jw, "untracked_total", h->untracked_total);
}

int top_json_write(FILE *f, const struct top_model *m, const struct top_view *v, enum top_by by,
		   time_t now)
{
	json_writer_t *jw = jw_new(f, false);
	size_t i = 0;
	int err;

	if (!jw)
		return -ENOMEM;
	jw_start_object(jw);
	header_fields(jw, &m->h, by, now);
	jw_name(jw, "rows");
	jw_start_array(jw);
	rows_at(jw, v, &i, 0);
	jw_end_array(jw);
	jw_end_object(jw);
	err = jw_flush(jw);
	jw_destroy(jw);
	return err ? -EIO : 0;
}
