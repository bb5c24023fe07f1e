/* SPDX-License-Identifier: GPL-2.0 */
/*
 * events.h - `pvtrace run --events`: each creation, exec, rename and exit of
 * the traced tree printed as it happens, one line each (threadsnoop,
 * execsnoop and exitsnoop together): text for people, or JSON lines.
 */
#ifndef PVT_EVENTS_H
#define PVT_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "pvtrace.h"

struct pvt_events {
	FILE *f;        /* NULL: the stream is off */
	bool json;      /* JSON lines instead of text */
	bool header_done;
	bool failed;    /* a write failed (a closed pipe, a full disk): the stream stopped */
	uint64_t t0_kt; /* origin of the times: the command's first sight (CLOCK_MONOTONIC) */
};

/* Print one ring-buffer record (any kind; unknown kinds are skipped). */
void events_print(struct pvt_events *ev, const struct pvt_ev_hdr *hdr, const void *data, size_t size);

#endif /* PVT_EVENTS_H */
