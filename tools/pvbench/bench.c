// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c - results and the timing harness shared by the pvbench suites.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fileio.h"
#include "parse.h"
#include "pvbench.h"

long long bench_tasks_alive(void)
{
	char buf[256];
	const char *p;
	uint64_t v;

	if (pvt_read_file("/proc/loadavg", buf, sizeof(buf)) < 0 || !(p = strchr(buf, '/')))
		return -1;
	p++;
	return pvt_scan_u64(&p, &v) ? (long long)v : -1;
}

void bench_err(const char *fmt, ...)
{
	va_list ap;

	fputs("pvbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void bench_debug(const struct bench_opts *o, const char *fmt, ...)
{
	va_list ap;

	if (!o->verbose)
		return;
	fputs("pvbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		bench_err("out of memory");
		abort();
	}
	return p;
}

struct bench_result *bench_new(struct bench_results *rs, const char *name, const char *unit)
{
	struct bench_result *r;
	size_t len;

	/* Allocated once, never moved: suites keep pointers to their results. */
	if (!rs->r) {
		rs->cap = BENCH_MAX_RESULTS;
		rs->r = xrealloc(NULL, rs->cap * sizeof(*rs->r));
	}
	if (rs->n == rs->cap) {
		bench_err("more than %d results: raise BENCH_MAX_RESULTS", BENCH_MAX_RESULTS);
		abort();
	}
	r = &rs->r[rs->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	len = strcspn(name, ".");
	if (len >= sizeof(r->suite))
		len = sizeof(r->suite) - 1;
	memcpy(r->suite, name, len);
	r->unit = unit;
	r->median = r->p10 = r->p90 = NAN;
	r->v = xrealloc(NULL, BENCH_MAX_RUNS * sizeof(*r->v));
	return r;
}

void bench_add(struct bench_result *r, double v)
{
	if (r->n < BENCH_MAX_RUNS)
		r->v[r->n++] = v;
}

void bench_extra(struct bench_result *r, const char *key, double val)
{
	for (unsigned int i = 0; i < r->nextra; i++) {
		if (!strcmp(r->extra[i].key, key)) {
			r->extra[i].val = val;
			return;
		}
	}
	if (r->nextra < BENCH_MAX_EXTRA) {
		r->extra[r->nextra].key = key;
		r->extra[r->nextra++].val = val;
	}
}

void bench_params(struct bench_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->params, sizeof(r->params), fmt, ap);
	va_end(ap);
}

void bench_fail(struct bench_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	r->n = 0;
	r->median = r->p10 = r->p90 = NAN;
	r->ref = bench_ref_find(r->name);
}

void bench_finish(struct bench_result *r)
{
	r->ref = bench_ref_find(r->name);
	if (r->error[0] || !r->n)
		return;
	r->median = pvt_median(r->v, r->n);
	r->p10 = pvt_quantile(r->v, r->n, 0.1);
	r->p90 = pvt_quantile(r->v, r->n, 0.9);
}

void bench_results_free(struct bench_results *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->r[i].v);
	free(rs->r);
	rs->r = NULL;
	rs->n = rs->cap = 0;
}

int bench_time(const struct bench_opts *o, struct bench_result *r, bench_op_fn fn, void *ctx,
	       uint64_t max_iters)
{
	double per_unit = !strcmp(r->unit, BENCH_MS) ? 1e6 : 1e3;
	uint64_t (*now)(void) = o->clock ? o->clock : pvt_now_ns;
	uint64_t iters = 1, t0, dt;
	char err[160] = "";

	if (!max_iters)
		max_iters = 1;
	/* Warm-up: caches, page faults, the lazy binding of the calls. */
	if (fn(ctx, 1, err, sizeof(err)))
		goto fail;
	/* Size a run: double until it lasts min_run_ns (this also warms up further). */
	for (;;) {
		t0 = now();
		if (fn(ctx, iters, err, sizeof(err)))
			goto fail;
		dt = now() - t0;
		if (dt >= o->min_run_ns || iters >= max_iters)
			break;
		if (dt * 8 < o->min_run_ns && iters * 8 <= max_iters)
			iters *= 8;
		else
			iters = iters * 2 < max_iters ? iters * 2 : max_iters;
	}
	r->ops_per_run = iters;
	for (unsigned int i = 0; i < o->runs; i++) {
		t0 = now();
		if (fn(ctx, iters, err, sizeof(err)))
			goto fail;
		dt = now() - t0;
		bench_add(r, (double)dt / (double)iters / per_unit);
	}
	bench_finish(r);
	return 0;
fail:
	bench_fail(r, "%s", err[0] ? err : "the operation failed");
	return -1;
}

const struct bench_result *bench_find(const struct bench_results *rs, const char *name)
{
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->r[i].name, name))
			return &rs->r[i];
	return NULL;
}
