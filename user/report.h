/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report.h - the views of a report model (model.h): one writer per format,
 * report_text.c for people and report_json.c for programs.  A writer only
 * formats what model_build() derived; it computes no figure of its own.
 */
#ifndef PVT_REPORT_H
#define PVT_REPORT_H

#include <stdio.h>
#include "model.h"

/* 0, or -1 on a write error (errno set). */
int report_json(FILE *f, const struct pvt_model *m);
int report_text(FILE *f, const struct pvt_model *m);

#endif /* PVT_REPORT_H */
