// SPDX-License-Identifier: GPL-2.0
/* child.c - waiting for a child process (see child.h). */
#include <errno.h>
#include <sys/wait.h>
#include "child.h"

pid_t pvt_waitpid(pid_t pid, int *status, int options)
{
	pid_t r;

	do
		r = waitpid(pid, status, options);
	while (r < 0 && errno == EINTR);
	return r;
}
