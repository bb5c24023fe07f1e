// SPDX-License-Identifier: GPL-2.0
/* timeline.c - `pvtrace report --timeline` (placeholder until the timeline lands). */
#include "common.h"
#include "timeline.h"

int timeline_print(const char *path, const char *out_path, bool json)
{
	(void)path;
	(void)out_path;
	(void)json;
	pvt_err("report: --timeline is not written yet");
	return PVT_EXIT_FAILURE;
}
