/* SPDX-License-Identifier: GPL-2.0 */
/* child.h - waiting for a child process.  libc only. */
#ifndef PVT_CHILD_H
#define PVT_CHILD_H

#include <sys/types.h>

/*
 * waitpid(@pid, @status, @options), called again when a signal interrupts
 * it: what waitpid returns (-1 with errno for any other failure).
 */
pid_t pvt_waitpid(pid_t pid, int *status, int options);

#endif /* PVT_CHILD_H */
