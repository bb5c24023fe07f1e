/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fileio.h - reading a whole file: a /proc or sysfs text into a buffer of
 * the caller's (no allocation, no stdio: safe in a child forked from a
 * threaded process), or a file of any size up to a bound into memory of
 * its own.  libc only.
 */
#ifndef PVT_FILEIO_H
#define PVT_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/*
 * All of @path into @buf, NUL-terminated (@size >= 1; at most @size - 1
 * bytes), reads interrupted by a signal retried.  The length, or -1 with
 * errno set: EFBIG if the file has more than @size - 1 bytes.
 */
ssize_t pvt_read_file(const char *path, char *buf, size_t size);

/*
 * All of @path into a malloc'd NUL-terminated buffer (*@bufp, to free; its
 * length in *@lenp, which may be NULL).  0, or -errno: -EFBIG if the file
 * has more than @max bytes, -ENOMEM.
 */
int pvt_read_file_alloc(const char *path, size_t max, char **bufp, size_t *lenp);

/* The same from an open descriptor, read from where it is; @fd stays open. */
int pvt_read_fd_alloc(int fd, size_t max, char **bufp, size_t *lenp);

#endif /* PVT_FILEIO_H */
