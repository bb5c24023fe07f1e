// SPDX-License-Identifier: GPL-2.0
/*
 * top.c - the live view's loop (top.h): a baseline snapshot, then one every
 * interval, each interval's model shown full-screen (top_curses.c) or
 * printed (top_text.c); the source's fd, the terminal's keys and SIGINT /
 * SIGTERM (a self-pipe) polled in between.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cgroup.h"
#include "clock.h"
#include "top.h"
#include "top_curses.h"
#include "top_text.h"

#define TOP_MIN_DELAY_S 0.05
#define TOP_POLL_MAX_MS 100	/* done() is asked at least this often */
#define TOP_LAST_MIN_NS 1000000	/* the ended source's last interval, in batch, if this long */

void top_opts_init(struct top_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->delay_s = 1;
	o->by = TOP_BY_PROCESS;
	o->sort = TOP_SORT_SW;
}

struct loop {
	const struct top_source *src;
	const struct top_opts *o;
	FILE *out;
	struct top_env env;		/* the options' with the defaults filled in */
	struct pvt_cgroup_names *names;	/* the default cgroup paths */
	struct top_ui *ui;		/* NULL: batch */
	struct top_snap prev;		/* the previous snapshot (a copy) */
	struct top_model shown;		/* on the screen */
	int intervals;			/* shown so far */
	uint64_t delay_ns;
};

/* ---- signals ---- */

static int sig_wfd = -1;

static void on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (write(sig_wfd, &c, 1) < 0) {
		/* the pipe is full: a stop is pending anyway */
	}
	errno = saved;
}

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

struct sigs {
	int rfd;
	struct sigaction old[sizeof(stop_signals) / sizeof(stop_signals[0])];
};

static int sigs_install(struct sigs *s)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	int p[2];

	if (pipe2(p, O_NONBLOCK | O_CLOEXEC))
		return -errno;
	s->rfd = p[0];
	sig_wfd = p[1];
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaction(stop_signals[i], &sa, &s->old[i]);
	return 0;
}

static void sigs_restore(struct sigs *s)
{
	if (s->rfd < 0)
		return;
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaction(stop_signals[i], &s->old[i], NULL);
	close(s->rfd);
	close(sig_wfd);
	sig_wfd = -1;
	s->rfd = -1;
}

/* ---- intervals ---- */

static const char *default_cgroup_path(void *ctx, uint64_t id)
{
	return cgroup_names_path(ctx, id);
}

static int setup_env(struct loop *l)
{
	l->env = l->o->env;
	if (!l->env.rss)
		l->env.rss = top_rss_proc;
	if (!l->env.cgroup_path) {
		l->names = cgroup_names_new();
		if (!l->names)
			return -ENOMEM;
		l->env.cgroup_path = default_cgroup_path;
		l->env.cgroup_ctx = l->names;
	}
	return 0;
}

static int print_interval(struct loop *l, const struct top_model *m)
{
	const struct top_opts *o = l->o;
	struct top_set none = {};
	struct top_view_opts vo = { .by = o->by, .sort = o->sort, .reverse = o->reverse,
				    .filter = o->filter, .expand_all = o->threads,
				    .expanded_pids = &none, .expanded_cgroups = &none };
	struct top_view v = {};
	int err = top_view_build(&v, m, &vo);

	if (!err && o->json)
		err = top_json_write(l->out, m, &v, o->by, time(NULL));
	else if (!err)
		err = top_text_write(l->out, m, &v, o->by, time(NULL));
	top_view_free(&v);
	return err;
}

/* Show @m (taken): printed, or on the screen unless paused. */
static int show(struct loop *l, struct top_model *m)
{
	struct top_model old;
	int err = 0;

	if (!l->ui) {
		err = print_interval(l, m);
		top_model_free(m);
		l->intervals++;
		return err;
	}
	if (tui_paused(l->ui)) {
		top_model_free(m);
		return 0;
	}
	old = l->shown;
	l->shown = *m;	/* the view reads it from here, rebuilt before the old one goes */
	err = tui_show(l->ui, &l->shown, time(NULL));
	top_model_free(&old);
	l->intervals++;
	return err;
}

/* A snapshot, the interval since the previous one shown, the snapshot kept. */
static int tick(struct loop *l)
{
	struct top_snap cur = {};
	struct top_model m;
	int err = l->src->snapshot(l->src->ctx, &cur);

	if (err)
		return err;
	err = top_model_build(&m, &l->prev, &cur, &l->env);
	if (err == -EINVAL)
		return 0;	/* the clock has not moved: wait for the next one */
	if (err)
		return err;
	err = top_snap_copy(&l->prev, &cur);
	if (err) {
		top_model_free(&m);
		return err;
	}
	return show(l, &m);
}

/* ---- the loop ---- */

static bool source_done(const struct loop *l)
{
	return l->src->done && l->src->done(l->src->ctx);
}

/* Wait for the terminal, the source's fd or a signal, at most @ms.  1: stop, 0, or -errno. */
static int wait_events(struct loop *l, int sig_fd, int ms)
{
	struct pollfd fds[3];
	int n = 0, src_i = -1, tty_i = -1, sig_i = -1;

	if (sig_fd >= 0) {
		sig_i = n;
		fds[n++] = (struct pollfd){ .fd = sig_fd, .events = POLLIN };
	}
	if (l->src->fd >= 0) {
		src_i = n;
		fds[n++] = (struct pollfd){ .fd = l->src->fd, .events = POLLIN };
	}
	if (l->ui) {
		tty_i = n;
		fds[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	}
	if (poll(fds, (nfds_t)n, ms) < 0) {
		if (errno != EINTR)
			return -errno;
		/* a resize (SIGWINCH) or a signal: the keys and the pipe say which */
		if (l->ui && tui_keys(l->ui) == TUI_QUIT)
			return 1;
		return 0;
	}
	if (sig_i >= 0 && fds[sig_i].revents)
		return 1;
	if (src_i >= 0 && fds[src_i].revents && l->src->on_fd)
		l->src->on_fd(l->src->ctx);
	if (tty_i >= 0 && fds[tty_i].revents & (POLLHUP | POLLERR))
		return 1;	/* the terminal is gone */
	if (tty_i >= 0 && fds[tty_i].revents && tui_keys(l->ui) == TUI_QUIT)
		return 1;
	return 0;
}

/* After the baseline: intervals until a stop.  0 or -errno. */
static int run_loop(struct loop *l, int sig_fd)
{
	uint64_t next = pvt_now_ns() + l->delay_ns;
	int err = 0;

	while (!err) {
		uint64_t now = pvt_now_ns(), ms;

		if (source_done(l)) {
			if (!l->ui && now - l->prev.mono_ns >= TOP_LAST_MIN_NS)
				err = tick(l);
			break;
		}
		if (now >= next) {
			err = tick(l);
			next = next + l->delay_ns > now ? next + l->delay_ns : now + l->delay_ns;
			if (l->o->iterations && l->intervals >= l->o->iterations)
				break;
			continue;
		}
		ms = (next - now + 999999) / 1000000;
		err = wait_events(l, sig_fd, ms > TOP_POLL_MAX_MS ? TOP_POLL_MAX_MS : (int)ms);
		if (err == 1)
			return 0;
	}
	return err;
}

static int start(struct loop *l)
{
	struct top_snap first = {};
	int err = setup_env(l);

	if (!err)
		err = l->src->snapshot(l->src->ctx, &first);
	if (!err)
		err = top_snap_copy(&l->prev, &first);
	if (err || l->o->batch || !isatty(STDIN_FILENO) || !isatty(fileno(l->out)))
		return err;
	fflush(l->out);
	l->ui = tui_open(l->out, l->o);
	if (!l->ui)
		return -ENOTTY;
	return tui_show(l->ui, NULL, time(NULL));
}

int top_run(const struct top_source *src, const struct top_opts *o, FILE *out)
{
	struct loop l = { .src = src, .o = o, .out = out };
	struct sigs sigs = { .rfd = -1 };
	double delay = o->delay_s < TOP_MIN_DELAY_S ? TOP_MIN_DELAY_S : o->delay_s;
	int err = 0;

	l.delay_ns = (uint64_t)(delay * 1e9);
	if (!o->keep_signals)
		err = sigs_install(&sigs);
	if (!err)
		err = start(&l);
	if (!err)
		err = run_loop(&l, sigs.rfd);
	tui_close(l.ui);
	sigs_restore(&sigs);
	top_model_free(&l.shown);
	top_snap_free(&l.prev);
	cgroup_names_free(l.names);
	return err;
}
