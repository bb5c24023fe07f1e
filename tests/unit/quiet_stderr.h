/* SPDX-License-Identifier: GPL-2.0 */
/* quiet_stderr.h - silence stderr (the code's one-line messages) around a block of calls. */
#ifndef PVT_QUIET_STDERR_H
#define PVT_QUIET_STDERR_H

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static inline int quiet_begin(void)
{
	int saved = dup(STDERR_FILENO), nul = open("/dev/null", O_WRONLY);

	fflush(stderr);
	dup2(nul, STDERR_FILENO);
	close(nul);
	return saved;
}

static inline void quiet_end(int saved)
{
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
}

#endif /* PVT_QUIET_STDERR_H */
