// SPDX-License-Identifier: GPL-2.0
/* legend.c - the reasons of a text table's placeholders, said once under it (legend.h). */
#include <stdarg.h>
#include <string.h>
#include "legend.h"

const char *pvt_legend_note(struct pvt_legend *lg, const char *mark, const char *cols,
			    const char *one, const char *many, const char *fmt, ...)
{
	char why[sizeof(lg->e[0].why)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < lg->n; i++) {
		struct pvt_legend_ent *e = &lg->e[i];

		if (!strcmp(e->mark, mark) && !strcmp(e->cols, cols) && !strcmp(e->why, why)) {
			e->count++;
			return mark;
		}
	}
	if (lg->n == PVT_LEGEND_MAX) {
		lg->full = true;
		return mark;
	}
	lg->e[lg->n] = (struct pvt_legend_ent){ .mark = mark, .cols = cols, .one = one,
						.many = many, .count = 1 };
	memcpy(lg->e[lg->n].why, why, sizeof(why));
	lg->n++;
	return mark;
}

void pvt_legend_print(FILE *f, const struct pvt_legend *lg)
{
	for (size_t i = 0; i < lg->n; i++) {
		const struct pvt_legend_ent *e = &lg->e[i];

		fprintf(f, "  %s in %s (%llu %s): %s\n", e->mark, e->cols, (unsigned long long)e->count,
			e->count == 1 ? e->one : e->many, e->why);
	}
	if (lg->full)
		fprintf(f, "  (more placeholders, for other reasons)\n");
}
