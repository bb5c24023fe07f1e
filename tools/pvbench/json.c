// SPDX-License-Identifier: GPL-2.0
/*
 * json.c - pvbench's report for programs, schema "pvtrace.bench/1"
 * (docs/BENCH.md):
 *   { "schema", "version", "machine": {...}, "options": {...},
 *     "results": [ { "name", "suite", "unit", "median", "p10", "p90", "runs",
 *                    "values", "ops_per_run", "params", "reference", "verdict",
 *                    "details", "error" } ],
 *     "comparisons": [ { "process", "thread", "what", "ratio", "seed" } ] }
 * A figure that was not measured is null, with "error" saying why.
 */
#include <math.h>
#include <string.h>
#include "json_writer.h"
#include "pvbench.h"
#include "version.h" /* PVTRACE_VERSION: .output/version.h, made by the Makefile */

static void options(json_writer_t *jw, const struct bench_machine *m, const struct bench_opts *o)
{
	jw_name(jw, "options");
	jw_start_object(jw);
	jw_bool_field(jw, "quick", o->quick);
	jw_uint_field(jw, "runs", o->runs);
	jw_double_field(jw, "min_run_ms", (double)o->min_run_ns / 1e6);
	jw_uint_field(jw, "ws_kib", o->ws_kib);
	jw_name(jw, "cpus");
	jw_start_array(jw);
	if (o->cpu_a >= 0)
		jw_int(jw, o->cpu_a);
	if (o->cpu_b >= 0)
		jw_int(jw, o->cpu_b);
	jw_end_array(jw);
	jw_string_field(jw, "suites", m->suites);
	jw_end_object(jw);
}

static void result(json_writer_t *jw, const struct bench_result *r)
{
	jw_start_object(jw);
	jw_string_field(jw, "name", r->name);
	jw_string_field(jw, "suite", r->suite);
	jw_string_field(jw, "unit", r->unit);
	jw_double_field(jw, "median", r->median); /* NAN is written as null */
	jw_double_field(jw, "p10", r->p10);
	jw_double_field(jw, "p90", r->p90);
	jw_uint_field(jw, "runs", r->error[0] ? 0 : r->n);
	jw_name(jw, "values");
	jw_start_array(jw);
	for (unsigned int i = 0; !r->error[0] && i < r->n; i++)
		jw_double(jw, r->v[i]);
	jw_end_array(jw);
	jw_uint_or_null_field(jw, "ops_per_run", r->ops_per_run > 0, r->ops_per_run);
	jw_string_or_null_field(jw, "params", r->params);
	jw_name(jw, "reference");
	if (r->ref) {
		jw_start_object(jw);
		jw_double_field(jw, "low", r->ref->lo);
		jw_double_field(jw, "high", r->ref->hi);
		jw_string_field(jw, "text", r->ref->text);
		jw_string_field(jw, "source", r->ref->source);
		jw_end_object(jw);
	} else {
		jw_null(jw);
	}
	jw_string_or_null_field(jw, "verdict", bench_verdict(r));
	jw_name(jw, "details");
	jw_start_object(jw);
	for (unsigned int i = 0; i < r->nextra; i++)
		jw_double_field(jw, r->extra[i].key, r->extra[i].val);
	jw_end_object(jw);
	jw_string_or_null_field(jw, "error", r->error);
	jw_end_object(jw);
}

int bench_write_json(FILE *f, const struct bench_machine *m, const struct bench_opts *o,
		     const struct bench_results *rs)
{
	json_writer_t *jw = jw_new(f, true);
	const struct bench_claim *claims;
	size_t nclaims;
	int err;

	if (!jw)
		return -1;
	jw_start_object(jw);
	jw_string_field(jw, "schema", "pvtrace.bench/1");
	jw_string_field(jw, "version", PVTRACE_VERSION);
	pvt_machine_write_json(jw, "machine", &m->host);
	options(jw, m, o);
	jw_name(jw, "results");
	jw_start_array(jw);
	for (size_t i = 0; i < rs->n; i++)
		result(jw, &rs->r[i]);
	jw_end_array(jw);
	jw_name(jw, "comparisons");
	jw_start_array(jw);
	claims = bench_claims(&nclaims);
	for (size_t i = 0; i < nclaims; i++) {
		if (!bench_find(rs, claims[i].process) || !bench_find(rs, claims[i].thread))
			continue;
		jw_start_object(jw);
		jw_string_field(jw, "process", claims[i].process);
		jw_string_field(jw, "thread", claims[i].thread);
		jw_string_field(jw, "what", claims[i].what);
		jw_double_field(jw, "ratio", bench_claim_ratio(&claims[i], rs));
		jw_string_field(jw, "seed", claims[i].seed);
		jw_string_field(jw, "source", claims[i].source);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_end_object(jw);
	err = jw_flush(jw);
	jw_destroy(jw);
	return err ? -1 : 0;
}
