// SPDX-License-Identifier: GPL-2.0
/*
 * top_curses.c - the full-screen live view (top_curses.h) on ncursesw: the
 * header, a status line, the column heads with the sort column marked, the
 * rows (expanded ones with their threads or processes indented below), and
 * the keys line; the keys themselves; resizes.  Figures and cells come from
 * top_model.c and top_text.c.
 */
#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <curses.h>
#include "top_curses.h"
#include "top_text.h"

#define FILTER_MAX 64
#define HEAD_ROWS 4	/* header (2), status, column heads */
#define KEY_ESC 27

const char top_keys_help[] =
	"  q           quit (also Ctrl-C)\n"
	"  space       pause / resume (the keys still work on the figures shown)\n"
	"  up, down    select a row (also k, j; PgUp, PgDn, Home, End)\n"
	"  enter, e    expand the selected process into its threads (cgroup: into its\n"
	"              processes), or collapse it; right, left: expand, collapse\n"
	"  H           expand every row (threads everywhere) or none\n"
	"  <, >        sort by the column left or right of the current one\n"
	"  p n t s v i S a 5 r c m\n"
	"              sort by PID, COMM, THR, SW/s, VOL/s, INVOL/s, SAME%, ASCHG/s,\n"
	"              RQ-P50, RQ-P99, CPU%, RSS; R: reverse the order\n"
	"  /           filter by name (cgroup: path): type, then enter; an empty\n"
	"              filter clears it; escape cancels\n"
	"  g           group by cgroup, or by process again\n";

static const char keys_line[] =
	"q quit  space pause  j/k select  enter expand  H all  </> sort  p n t s v i S a 5 r c m  "
	"R reverse  / filter  g cgroups";

/* A row's identity, to keep the selection on it across intervals and re-sorts. */
struct sel {
	enum top_kind kind;
	uint64_t id;
};

struct top_ui {
	SCREEN *scr;
	const struct top_model *m;	/* shown (not owned) */
	struct top_view view;
	struct top_view_opts vo;
	struct top_set pids, cgroups;
	char filter[FILTER_MAX + 1];
	char edit[FILTER_MAX + 1];
	bool editing;
	bool paused;
	time_t now;
	size_t sel;			/* selected line */
	struct sel sel_id;
	size_t top;			/* first line shown */
};

static struct top_ui *active;	/* the terminal to give back at exit() */

static void close_at_exit(void)
{
	tui_close(active);
}

struct top_ui *tui_open(FILE *out, const struct top_opts *o)
{
	static bool registered;
	struct top_ui *ui = calloc(1, sizeof(*ui));

	if (!ui)
		return NULL;
	setlocale(LC_CTYPE, "");
	ui->scr = newterm(NULL, out, stdin);
	if (!ui->scr) {
		free(ui);
		return NULL;
	}
	set_term(ui->scr);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	ui->vo = (struct top_view_opts){ .by = o->by, .sort = o->sort, .reverse = o->reverse,
					 .expand_all = o->threads, .filter = ui->filter,
					 .expanded_pids = &ui->pids,
					 .expanded_cgroups = &ui->cgroups };
	snprintf(ui->filter, sizeof(ui->filter), "%s", o->filter ? o->filter : "");
	active = ui;
	if (!registered)
		registered = !atexit(close_at_exit);
	return ui;
}

void tui_close(struct top_ui *ui)
{
	if (!ui)
		return;
	if (active == ui)
		active = NULL;
	set_term(ui->scr);
	endwin();
	delscreen(ui->scr);
	top_view_free(&ui->view);
	top_set_free(&ui->pids);
	top_set_free(&ui->cgroups);
	free(ui);
}

bool tui_paused(const struct top_ui *ui)
{
	return ui->paused;
}

/* ---- drawing ---- */

static int col_x(enum top_col c)
{
	int x = 0;

	for (int i = 0; i < (int)c; i++)
		x += top_col_width(i) + 1;
	return x;
}

static struct sel sel_of(const struct top_row *r)
{
	struct sel s = { r->kind, r->kind == TOP_TASK ? r->tid :
			 r->kind == TOP_PROCESS ? r->pid : r->cgroup_id };

	return s;
}

/* After the view changed: the selected row where it is now (else the same place), visible. */
static void place_selection(struct top_ui *ui)
{
	size_t rows = LINES > HEAD_ROWS + 1 ? (size_t)(LINES - HEAD_ROWS - 1) : 1;

	for (size_t i = 0; i < ui->view.n; i++) {
		struct sel s = sel_of(ui->view.v[i].row);

		if (s.kind == ui->sel_id.kind && s.id == ui->sel_id.id) {
			ui->sel = i;
			break;
		}
	}
	if (ui->sel >= ui->view.n)
		ui->sel = ui->view.n ? ui->view.n - 1 : 0;
	if (ui->view.n)
		ui->sel_id = sel_of(ui->view.v[ui->sel].row);
	if (ui->sel < ui->top)
		ui->top = ui->sel;
	if (ui->sel >= ui->top + rows)
		ui->top = ui->sel - rows + 1;
	if (ui->top + rows > ui->view.n)
		ui->top = ui->view.n > rows ? ui->view.n - rows : 0;
}

static void put(int y, int x, const char *s)
{
	if (y < LINES && x < COLS)
		mvaddnstr(y, x, s, (int)top_cut_cols(s, COLS - x));
}

static void draw_status(struct top_ui *ui)
{
	char buf[256];
	const char *sort = top_col_head(top_sort_col(ui->vo.sort), ui->vo.by);

	snprintf(buf, sizeof(buf), "sort %s%s  by %s%s%s%s", sort,
		 ui->vo.reverse ? " (reversed)" : "",
		 ui->vo.by == TOP_BY_CGROUP ? "cgroup" : "process",
		 ui->filter[0] ? "  filter: " : "", ui->filter, ui->paused ? "  PAUSED" : "");
	put(2, 0, buf);
}

static void draw_heads(struct top_ui *ui)
{
	enum top_col sc = top_sort_col(ui->vo.sort);
	char buf[64];

	attron(A_REVERSE);
	mvhline(3, 0, ' ', COLS);
	for (int c = 0; c < TOP_COL__MAX; c++) {
		int w = c == TOP_COL_NAME ? 0 : top_col_width(c);

		if (c == (int)sc) {
			attroff(A_REVERSE);
			attron(A_BOLD | A_UNDERLINE);
		}
		snprintf(buf, sizeof(buf), c == TOP_COL_NAME ? "%-*s" : "%*s", w,
			 top_col_head(c, ui->vo.by));
		put(3, col_x(c), buf);
		if (c == (int)sc) {
			attroff(A_BOLD | A_UNDERLINE);
			attron(A_REVERSE);
		}
	}
	attroff(A_REVERSE);
}

static void draw_line(struct top_ui *ui, int y, const struct top_line *l, bool selected)
{
	char fixed[256], name[TOP_CELL_MAX];
	int n = top_line_fixed(fixed, sizeof(fixed), l, ui->vo.by);

	top_cell(name, sizeof(name), l, TOP_COL_NAME);
	if (selected) {
		attron(A_REVERSE);
		mvhline(y, 0, ' ', COLS);
	}
	put(y, 0, fixed);
	put(y, n, name);
	if (selected)
		attroff(A_REVERSE);
}

static void draw_bottom(struct top_ui *ui)
{
	char buf[FILTER_MAX + 64];

	if (ui->editing) {
		snprintf(buf, sizeof(buf), "filter (enter: apply, empty: clear, esc: cancel): %s",
			 ui->edit);
		put(LINES - 1, 0, buf);
		return;
	}
	attron(A_DIM);
	put(LINES - 1, 0, keys_line);
	attroff(A_DIM);
}

static void draw(struct top_ui *ui)
{
	char l1[TOP_HEAD_MAX], l2[TOP_HEAD_MAX];

	erase();
	if (!ui->m) {
		put(0, 0, "pvtrace top: the first figures come after one interval");
		draw_bottom(ui);
		refresh();
		return;
	}
	top_header_lines(l1, l2, sizeof(l1), &ui->m->h, ui->now);
	put(0, 0, l1);
	put(1, 0, l2);
	draw_status(ui);
	draw_heads(ui);
	for (size_t i = ui->top; i < ui->view.n && (int)(i - ui->top) + HEAD_ROWS < LINES - 1; i++)
		draw_line(ui, HEAD_ROWS + (int)(i - ui->top), &ui->view.v[i], i == ui->sel);
	draw_bottom(ui);
	refresh();
}

/* Rebuild the lines from the model shown, keep the selection, draw. */
static int redraw(struct top_ui *ui)
{
	int err = 0;

	if (ui->m)
		err = top_view_build(&ui->view, ui->m, &ui->vo);
	if (!err)
		place_selection(ui);
	draw(ui);
	return err;
}

int tui_show(struct top_ui *ui, const struct top_model *m, time_t now)
{
	ui->m = m;
	ui->now = now;
	return redraw(ui);
}

/* ---- keys ---- */

static void move_sel(struct top_ui *ui, long by)
{
	long s = (long)ui->sel + by;

	if (s < 0 || !ui->view.n)
		s = 0;
	if (ui->view.n && s >= (long)ui->view.n)
		s = (long)ui->view.n - 1;
	ui->sel = (size_t)s;
	if (ui->view.n)
		ui->sel_id = sel_of(ui->view.v[ui->sel].row);
}

/* The selected row's set and id to expand: a thread stands for its process. */
static void expand(struct top_ui *ui, int how)	/* 1 open, 0 close, -1 toggle */
{
	const struct top_row *r;
	struct top_set *set;
	uint64_t id;

	if (!ui->view.n)
		return;
	r = ui->view.v[ui->sel].row;
	set = r->kind == TOP_CGROUP ? &ui->cgroups : &ui->pids;
	id = r->kind == TOP_CGROUP ? r->cgroup_id : r->pid;
	if (r->kind == TOP_TASK) {
		if (how == 1)
			return;
		how = 0;	/* collapse its process, and select it */
		ui->sel_id = (struct sel){ TOP_PROCESS, r->pid };
	}
	if (how == -1 || top_set_has(set, id) != (how == 1))
		top_set_toggle(set, id);
}

static const struct {
	int key;
	enum top_sort sort;
} sort_keys[] = {
	{ 'p', TOP_SORT_PID }, { 'n', TOP_SORT_NAME }, { 't', TOP_SORT_THREADS },
	{ 's', TOP_SORT_SW }, { 'v', TOP_SORT_VOL }, { 'i', TOP_SORT_INVOL },
	{ 'S', TOP_SORT_SAME }, { 'a', TOP_SORT_AS }, { '5', TOP_SORT_RQ_P50 },
	{ 'r', TOP_SORT_RQ_P99 }, { 'c', TOP_SORT_ONCPU }, { 'm', TOP_SORT_RSS },
};

static void sort_step(struct top_ui *ui, int dir)
{
	int c = (int)top_sort_col(ui->vo.sort) + dir;

	c = (c + TOP_COL__MAX) % TOP_COL__MAX;
	ui->vo.sort = top_col_sort(c);
}

static bool sort_key(struct top_ui *ui, int ch)
{
	for (size_t i = 0; i < sizeof(sort_keys) / sizeof(sort_keys[0]); i++) {
		if (sort_keys[i].key == ch) {
			ui->vo.sort = sort_keys[i].sort;
			return true;
		}
	}
	return false;
}

static void edit_key(struct top_ui *ui, int ch)
{
	size_t n = strlen(ui->edit);

	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		memcpy(ui->filter, ui->edit, sizeof(ui->filter));
		ui->editing = false;
	} else if (ch == KEY_ESC) {
		ui->editing = false;
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (n)
			ui->edit[n - 1] = '\0';
	} else if (ch >= 0x20 && ch < 0x7f && n < FILTER_MAX) {
		ui->edit[n] = (char)ch;
		ui->edit[n + 1] = '\0';
	}
}

static void move_key(struct top_ui *ui, int ch)
{
	long page = LINES > HEAD_ROWS + 2 ? LINES - HEAD_ROWS - 1 : 1;

	switch (ch) {
	case KEY_UP: case 'k': move_sel(ui, -1); break;
	case KEY_DOWN: case 'j': move_sel(ui, 1); break;
	case KEY_PPAGE: move_sel(ui, -page); break;
	case KEY_NPAGE: move_sel(ui, page); break;
	case KEY_HOME: move_sel(ui, -(long)ui->view.n); break;
	case KEY_END: move_sel(ui, (long)ui->view.n); break;
	}
}

/* One key (not while editing the filter): false for quit. */
static bool key(struct top_ui *ui, int ch)
{
	if (sort_key(ui, ch))
		return true;
	switch (ch) {
	case 'q': case 'Q': return false;
	case ' ': ui->paused = !ui->paused; break;
	case '\n': case '\r': case KEY_ENTER: case 'e': expand(ui, -1); break;
	case KEY_RIGHT: expand(ui, 1); break;
	case KEY_LEFT: expand(ui, 0); break;
	case 'H': ui->vo.expand_all = !ui->vo.expand_all; break;
	case '<': sort_step(ui, -1); break;
	case '>': sort_step(ui, 1); break;
	case 'R': ui->vo.reverse = !ui->vo.reverse; break;
	case 'g': ui->vo.by = ui->vo.by == TOP_BY_CGROUP ? TOP_BY_PROCESS : TOP_BY_CGROUP; break;
	case '/':
		ui->editing = true;
		memcpy(ui->edit, ui->filter, sizeof(ui->edit));
		break;
	default:
		move_key(ui, ch);
	}
	return true;
}

enum tui_event tui_keys(struct top_ui *ui)
{
	bool any = false;
	int ch;

	set_term(ui->scr);
	while ((ch = getch()) != ERR) {
		any = true;
		if (ch == KEY_RESIZE)
			continue;
		if (ui->editing)
			edit_key(ui, ch);
		else if (!key(ui, ch))
			return TUI_QUIT;
	}
	if (any)
		redraw(ui);
	return TUI_NONE;
}
