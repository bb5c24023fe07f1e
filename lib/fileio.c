// SPDX-License-Identifier: GPL-2.0
/* fileio.c - reading a whole file (see fileio.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "fileio.h"
#include "vec.h"

/* Up to @size bytes from @fd; the count, or -1 with errno.  Short only at the end of the file. */
static ssize_t read_full(int fd, char *buf, size_t size)
{
	size_t len = 0;

	while (len < size) {
		ssize_t r = read(fd, buf + len, size - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	return (ssize_t)len;
}

static int open_ro(const char *path)
{
	int fd;

	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	return fd;
}

ssize_t pvt_read_file(const char *path, char *buf, size_t size)
{
	ssize_t len, more;
	char c;
	int fd, e;

	if (!size) {
		errno = EINVAL;
		return -1;
	}
	buf[0] = '\0';
	fd = open_ro(path);
	if (fd < 0)
		return -1;
	len = read_full(fd, buf, size - 1);
	/* Full: is there more?  One byte tells. */
	more = len == (ssize_t)(size - 1) ? read_full(fd, &c, 1) : 0;
	e = errno;
	close(fd);
	if (len < 0 || more < 0) {
		errno = e;
		return -1;
	}
	if (more > 0) {
		errno = EFBIG;
		return -1;
	}
	buf[len] = '\0';
	return len;
}

int pvt_read_file_alloc(const char *path, size_t max, char **bufp, size_t *lenp)
{
	int fd = open_ro(path), err;

	if (fd < 0)
		return -errno;
	err = pvt_read_fd_alloc(fd, max, bufp, lenp);
	close(fd);
	return err;
}

int pvt_read_fd_alloc(int fd, size_t max, char **bufp, size_t *lenp)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int e = 0;

	if (max > SIZE_MAX / 4)
		max = SIZE_MAX / 4;
	for (;;) {
		size_t want;
		ssize_t r;

		/* Room for one byte past @max (to see it is too long) and the NUL. */
		if (VEC_RESERVE(buf, cap, len + 4096 < max + 2 ? len + 4096 : max + 2)) {
			e = ENOMEM;
			break;
		}
		want = cap - 1 - len;
		if (len + want > max + 1)
			want = max + 1 - len;
		r = read_full(fd, buf + len, want);
		if (r < 0) {
			e = errno;
			break;
		}
		len += (size_t)r;
		if (len > max) {
			e = EFBIG;
			break;
		}
		if ((size_t)r < want)
			break; /* the end of the file */
	}
	if (e) {
		free(buf);
		return -e;
	}
	buf[len] = '\0';
	*bufp = buf;
	if (lenp)
		*lenp = len;
	return 0;
}
