/* SPDX-License-Identifier: GPL-2.0 */
/* timeline.h - `pvtrace report --timeline`: a recording's scheduling events, one line each. */
#ifndef PVT_TIMELINE_H
#define PVT_TIMELINE_H

#include <stdbool.h>

/* Print the timeline of the recording @path to @out_path (NULL or "-": stdout).  The exit status. */
int timeline_print(const char *path, const char *out_path, bool json);

#endif /* PVT_TIMELINE_H */
