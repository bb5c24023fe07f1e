/* SPDX-License-Identifier: GPL-2.0 */
/*
 * top_curses.h - the full-screen live view (ncursesw), as top.c drives it:
 * open on the terminal, show each interval's model, read the keys, close.
 * The view keeps its own state (sort, grouping, filter, expanded rows,
 * selection, pause) from one interval to the next.
 */
#ifndef PVT_TOP_CURSES_H
#define PVT_TOP_CURSES_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include "top.h"

struct top_ui;

enum tui_event {
	TUI_NONE,
	TUI_QUIT,
};

/* Take over the terminal @out (with stdin) from the options' view; NULL if it cannot. */
struct top_ui *tui_open(FILE *out, const struct top_opts *o);
/*
 * Show @m (the caller keeps it until the next call; NULL: no interval yet)
 * as of @now.  While paused (tui_paused()), the caller keeps the model shown.
 * 0 or -ENOMEM.
 */
int tui_show(struct top_ui *ui, const struct top_model *m, time_t now);
/* Handle every key waiting (and a resize); TUI_QUIT on `q`. */
enum tui_event tui_keys(struct top_ui *ui);
bool tui_paused(const struct top_ui *ui);
/* Give the terminal back as it was; accepts NULL. */
void tui_close(struct top_ui *ui);

#endif /* PVT_TOP_CURSES_H */
