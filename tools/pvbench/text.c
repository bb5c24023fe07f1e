// SPDX-License-Identifier: GPL-2.0
/*
 * text.c - pvbench's report for people: the machine, one table per suite
 * (median, p10 .. p90, the seed's range, the verdict, what was measured),
 * then the seeds' process-versus-thread claims as ratios of this run, and
 * the articles they come from, cited by title ([1], [2]).  Every "-" is said
 * why under its table (lib/legend.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "legend.h"
#include "pvbench.h"
#include "version.h" /* PVTRACE_VERSION: .output/version.h, made by the Makefile */

/* A figure in its unit, for people: "85.2 us", "12.0 KiB", "2310 MB/s". */
static const char *fmt_val(char *buf, size_t size, const char *unit, double v, bool with_unit)
{
	const char *u = with_unit ? unit : "";
	const char *sp = with_unit ? " " : "";
	double a = fabs(v);

	if (isnan(v)) {
		snprintf(buf, size, "-");
	} else if (!strcmp(unit, BENCH_BYTES)) {
		if (a < 1024)
			snprintf(buf, size, "%.0f%s", v, with_unit ? " B" : "");
		else if (a < 1024 * 1024)
			snprintf(buf, size, "%.1f%s", v / 1024, with_unit ? " KiB" : "");
		else
			snprintf(buf, size, "%.2f%s", v / (1024 * 1024), with_unit ? " MiB" : "");
	} else if (a < 10) {
		snprintf(buf, size, "%.2f%s%s", v, sp, u);
	} else if (a < 1000) {
		snprintf(buf, size, "%.1f%s%s", v, sp, u);
	} else {
		snprintf(buf, size, "%.0f%s%s", v, sp, u);
	}
	return buf;
}

/* p10 .. p90 in the unit of the median (bytes: the same binary unit). */
static const char *fmt_spread(char *buf, size_t size, const struct bench_result *r)
{
	char lo[32], hi[32];

	if (isnan(r->p10) || isnan(r->p90)) {
		snprintf(buf, size, "-");
		return buf;
	}
	if (!strcmp(r->unit, BENCH_BYTES)) {
		double m = fabs(r->median), div = m < 1024 ? 1 : m < 1024 * 1024 ? 1024 : 1024 * 1024;
		const char *fmt = div == 1 ? "%.0f .. %.0f" : div == 1024 ? "%.1f .. %.1f" : "%.2f .. %.2f";

		snprintf(buf, size, fmt, r->p10 / div, r->p90 / div);
		return buf;
	}
	snprintf(buf, size, "%s .. %s", fmt_val(lo, sizeof(lo), r->unit, r->p10, false),
		 fmt_val(hi, sizeof(hi), r->unit, r->p90, false));
	return buf;
}

/* " [2]": the article's citation number (bench_sources()), "" if not one of them. */
static const char *cite(char *buf, size_t size, const char *title)
{
	int k = bench_source_number(title);

	if (k)
		snprintf(buf, size, " [%d]", k);
	else
		buf[0] = '\0';
	return buf;
}

/* The seed's range as the article gives it, and the article: "50-100 us [2]", "2-8 KiB [2]". */
static const char *fmt_ref(char *buf, size_t size, const struct bench_result *r)
{
	char c[16];

	if (!r->ref) {
		snprintf(buf, size, "-");
		return buf;
	}
	if (!strcmp(r->unit, BENCH_BYTES))
		snprintf(buf, size, "%.0f-%.0f KiB%s", r->ref->lo / 1024, r->ref->hi / 1024,
			 cite(c, sizeof(c), r->ref->source));
	else
		snprintf(buf, size, "%g-%g %s%s", r->ref->lo, r->ref->hi, r->unit,
			 cite(c, sizeof(c), r->ref->source));
	return buf;
}

static void suite_table(FILE *f, const struct bench_opts *o, const struct bench_results *rs,
			const char *suite)
{
	char med[32], spread[48], ref[48];
	struct pvt_legend lg = { 0 };

	fprintf(f, "\n%-32s %11s  %-17s %-15s %-8s %s\n", suite, "median", "p10 .. p90", "seed",
		"verdict", "measured");
	for (size_t i = 0; i < rs->n; i++) {
		const struct bench_result *r = &rs->r[i];

		if (strcmp(r->suite, suite))
			continue;
		if (r->error[0]) {
			fprintf(f, "  %-30s not measured: %s\n", r->name, r->error);
			continue;
		}
		if (isnan(r->median))
			pvt_legend_note(&lg, "-", "median", "result", "results", "no run measured");
		else if (isnan(r->p10) || isnan(r->p90))
			pvt_legend_note(&lg, "-", "p10 .. p90", "result", "results", "too few runs");
		if (!r->ref)
			pvt_legend_note(&lg, "-", "seed, verdict", "result", "results",
					"the articles give no figure for it");
		fprintf(f, "  %-30s %11s  %-17s %-15s %-8s %s\n", r->name,
			fmt_val(med, sizeof(med), r->unit, r->median, true),
			fmt_spread(spread, sizeof(spread), r), fmt_ref(ref, sizeof(ref), r),
			bench_verdict(r)[0] ? bench_verdict(r) : "-", r->params);
		if (o->verbose) {
			fprintf(f, "  %-30s   %u runs", "", r->n);
			if (r->ops_per_run)
				fprintf(f, " of %llu", (unsigned long long)r->ops_per_run);
			for (unsigned int k = 0; k < r->nextra; k++)
				fprintf(f, ", %s %.4g", r->extra[k].key, r->extra[k].val);
			fputc('\n', f);
		}
	}
	pvt_legend_print(f, &lg);
}

/* The articles, each as the reports cite it: [N] "Title", by Author (what it is): what of it. */
static void sources(FILE *f)
{
	const struct bench_source *s;
	size_t n;

	s = bench_sources(&n);
	fprintf(f, "\nsources of the seed figures and claims\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  [%zu] \"%s\"%s%s (%s): %s\n", i + 1, s[i].title, s[i].by ? ", by " : "",
			s[i].by ? s[i].by : "", s[i].kind, s[i].what);
}

int bench_write_text(FILE *f, const struct bench_machine *m, const struct bench_opts *o,
		     const struct bench_results *rs)
{
	const struct pvt_machine *h = &m->host;
	const struct bench_claim *claims;
	struct pvt_legend lg = { 0 };
	char seen[16][16];
	size_t nseen = 0, nclaims;

	fprintf(f, "pvbench %s, %s: %s, Linux %s %s, %s, %d CPUs (%d allowed), %.1f GiB, %s%s%s%s\n",
		PVTRACE_VERSION, h->date, h->hostname, h->kernel, h->arch,
		h->cpu_model, h->cpus_online, h->cpus_allowed,
		(double)h->mem_total_bytes / (1 << 30), h->libc,
		h->clocksource[0] ? ", clocksource " : "", h->clocksource,
		h->hypervisor ? ", under a hypervisor" : "");
	fprintf(f, "each figure: a warm-up, then %u runs of >= %llu ms; median and p10 .. p90 of the "
		   "runs%s\n", o->runs, (unsigned long long)(o->min_run_ns / 1000000),
		o->quick ? " (--quick)" : "");
	fprintf(f, "seed: the range the article [N] gives (sources at the end); verdict: where the "
		   "median falls against it\n");
	for (size_t i = 0; i < rs->n; i++) {
		size_t k;

		for (k = 0; k < nseen && strcmp(seen[k], rs->r[i].suite); k++)
			;
		if (k < nseen || nseen == 16)
			continue;
		snprintf(seen[nseen++], sizeof(seen[0]), "%s", rs->r[i].suite);
		suite_table(f, o, rs, rs->r[i].suite);
	}

	claims = bench_claims(&nclaims);
	fprintf(f, "\n%-58s %8s  %s\n", "process versus thread", "ratio", "the seed says");
	for (size_t i = 0; i < nclaims; i++) {
		double x = bench_claim_ratio(&claims[i], rs);
		char c[16];

		if (!bench_find(rs, claims[i].process) || !bench_find(rs, claims[i].thread))
			continue; /* a suite that was not run */
		cite(c, sizeof(c), claims[i].source);
		if (isnan(x)) {
			const char *mk = pvt_legend_note(&lg, "-", "ratio", "claim", "claims", "a side "
							 "of it not measured (see its line above)");

			fprintf(f, "  %-56s %8s  %s%s%s\n", claims[i].what, mk, c[0] ? c + 1 : "",
				c[0] ? " " : "", claims[i].seed);
		}
		else
			fprintf(f, "  %-56s %7.1fx  %s%s%s\n", claims[i].what, x, c[0] ? c + 1 : "",
				c[0] ? " " : "", claims[i].seed);
	}
	pvt_legend_print(f, &lg);
	sources(f);
	return ferror(f) ? -1 : 0;
}
