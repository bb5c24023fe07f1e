// SPDX-License-Identifier: GPL-2.0
/*
 * output.c - the report and event-stream files of `pvtrace run`: opened
 * close-on-exec before the command starts, never through a symbolic link,
 * the report replaced only once it is whole, files given to the sudo user.
 * The rules are in output.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "common.h"
#include "escape.h"
#include "output.h"
#include "privs.h"

#define TMP_TRIES 100 /* names tried for a temporary file before giving up */

bool output_no_tmpfile;

static void init(struct pvt_output *o, const char *path, const char *what)
{
	memset(o, 0, sizeof(*o));
	o->path = path;
	o->what = what;
	o->dirfd = -1;
}

static int fail(struct pvt_output *o, const char *why)
{
	const char *name = !o->path ? "stderr" : strcmp(o->path, "-") ? o->path : "stdout";

	pvt_err("cannot write the %s to %s: %s", o->what, name, why);
	return -1;
}

/* A file pvtrace has just created: the sudo user's. */
static void give_away(struct pvt_output *o, int fd)
{
	uid_t u;
	gid_t g;

	if (pvt_owner_for_new_files(&u, &g) && fchown(fd, u, g))
		pvt_warn("cannot give the %s file %s to uid %u gid %u: %s", o->what, o->path,
			 (unsigned int)u, (unsigned int)g, strerror(errno));
}

/* ---- opening ---- */

static int wrap(struct pvt_output *o, int fd)
{
	o->f = fdopen(fd, "w");
	if (!o->f) {
		int e = errno;

		close(fd);
		return fail(o, strerror(e));
	}
	o->own = true;
	return 0;
}

static const char is_symlink[] = "it is a symbolic link, which pvtrace does not write through "
				 "or over (give the file's own path; '-' is stdout)";

/* Why an existing @st cannot be written by pvtrace, or NULL if it can. */
static const char *refused(const struct stat *st, bool regular_ok)
{
	if (S_ISLNK(st->st_mode))
		return is_symlink;
	if (S_ISDIR(st->st_mode))
		return "it is a directory";
	if (S_ISCHR(st->st_mode) || S_ISFIFO(st->st_mode) || (regular_ok && S_ISREG(st->st_mode)))
		return NULL;
	return "it is not a regular file, a character device or a FIFO";
}

/*
 * Open what is at o->path as it is: no O_CREAT, no truncation, no symbolic
 * link; the file opened must be the one @st describes (lstat).
 */
static int open_in_place(struct pvt_output *o, const struct stat *st, bool regular_ok)
{
	const char *why = refused(st, regular_ok);
	struct stat fst;
	int fd;

	if (why)
		return fail(o, why);
	do
		fd = open(o->path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return fail(o, errno == ELOOP ? is_symlink : strerror(errno));
	if (fstat(fd, &fst) || fst.st_dev != st->st_dev || fst.st_ino != st->st_ino) {
		close(fd);
		return fail(o, "it changed while being opened");
	}
	if (S_ISREG(fst.st_mode) && ftruncate(fd, 0)) {
		int e = errno;

		close(fd);
		return fail(o, strerror(e));
	}
	return wrap(o, fd);
}

/* o->path's directory into @dir and its last component into o->base.  0 or an errno. */
static int split(struct pvt_output *o, char *dir, size_t size)
{
	const char *slash = strrchr(o->path, '/');
	const char *base = slash ? slash + 1 : o->path;
	size_t dlen = slash ? (size_t)(slash - o->path) : 0;

	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return EISDIR;
	if (strlen(base) >= sizeof(o->base) || dlen + 2 > size)
		return ENAMETOOLONG;
	strcpy(o->base, base);
	if (!slash)
		strcpy(dir, ".");
	else if (!dlen)
		strcpy(dir, "/");
	else
		snprintf(dir, size, "%.*s", (int)dlen, o->path);
	return 0;
}

/* A fresh name for a temporary file beside the target: ".BASE.XXXXXXXX.tmp" (<= 255 bytes). */
static void tmp_name(struct pvt_output *o)
{
	static uint32_t counter;
	uint32_t r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r)) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		r = (uint32_t)ts.tv_nsec ^ ((uint32_t)getpid() << 16) ^ ++counter * 2654435761u;
	}
	snprintf(o->tmp, sizeof(o->tmp), ".%.*s.%08x.tmp", 255 - 14, o->base, r);
}

/* Where O_TMPFILE is not supported: a named temporary file, exclusively created. */
static int create_named(struct pvt_output *o)
{
	for (int i = 0; i < TMP_TRIES; i++) {
		int fd;

		tmp_name(o);
		fd = openat(o->dirfd, o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
			    O_NOCTTY, 0666);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST && errno != EINTR)
			break;
	}
	o->tmp[0] = '\0';
	return -1;
}

/* The report to a temporary file in o->path's directory, renamed over it at commit. */
static int open_replace(struct pvt_output *o)
{
	char dir[PATH_MAX];
	int fd, e = split(o, dir, sizeof(dir));

	if (e)
		return fail(o, strerror(e));
	o->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (o->dirfd < 0)
		return fail(o, strerror(errno));
	o->replace = true;
	/* Unnamed: nothing is left behind, whatever kills pvtrace. */
	if (output_no_tmpfile) {
		fd = -1;
		errno = EOPNOTSUPP;
	} else {
		fd = openat(o->dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	}
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL))
		fd = create_named(o);
	if (fd < 0) {
		e = errno;
		output_abort(o);
		return fail(o, strerror(e));
	}
	give_away(o, fd);
	if (wrap(o, fd)) {
		output_abort(o);
		return -1;
	}
	return 0;
}

/* No path: @dflt; "-": stdout.  true when one of them was taken. */
static bool std_stream(struct pvt_output *o, const char *path, const char *what, FILE *dflt)
{
	init(o, path, what);
	if (path && strcmp(path, "-"))
		return false;
	o->f = path ? stdout : dflt;
	return true;
}

int output_open_report(struct pvt_output *o, const char *path, FILE *dflt)
{
	return output_open_whole(o, path, "report", dflt);
}

int output_open_whole(struct pvt_output *o, const char *path, const char *what, FILE *dflt)
{
	struct stat st;

	if (std_stream(o, path, what, dflt))
		return 0;
	if (lstat(path, &st) == 0)
		return S_ISREG(st.st_mode) ? open_replace(o) : open_in_place(o, &st, false);
	if (errno != ENOENT)
		return fail(o, strerror(errno));
	return open_replace(o);
}

int output_open_stream(struct pvt_output *o, const char *path, FILE *dflt)
{
	struct stat st;

	if (std_stream(o, path, "events", dflt))
		return 0;
	for (int i = 0; i < TMP_TRIES; i++) {
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
			      0666);

		if (fd >= 0) {
			give_away(o, fd);
			return wrap(o, fd);
		}
		if (errno == EINTR)
			continue;
		if (errno != EEXIST)
			return fail(o, strerror(errno));
		if (lstat(path, &st) == 0)
			return open_in_place(o, &st, true);
		if (errno != ENOENT)
			return fail(o, strerror(errno));
		/* removed in between: create it again */
	}
	return fail(o, "it keeps changing");
}

/* ---- closing ---- */

/* Give the unnamed temporary file (O_TMPFILE) a name in its directory: o->tmp.  0 or -1. */
static int link_tmp(struct pvt_output *o, int fd)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	for (int i = 0; i < TMP_TRIES; i++) {
		tmp_name(o);
		if (!linkat(AT_FDCWD, proc, o->dirfd, o->tmp, AT_SYMLINK_FOLLOW))
			return 0;
		/* No /proc: the same by the descriptor (CAP_DAC_READ_SEARCH) */
		if (errno == ENOENT && !linkat(fd, "", o->dirfd, o->tmp, AT_EMPTY_PATH))
			return 0;
		if (errno != EEXIST)
			break;
	}
	o->tmp[0] = '\0';
	return -1;
}

/* A report's directory closed, its named temporary file (if any) removed.  Idempotent. */
static void cleanup(struct pvt_output *o)
{
	if (o->replace && o->dirfd >= 0) {
		if (o->tmp[0])
			unlinkat(o->dirfd, o->tmp, 0);
		close(o->dirfd);
	}
	o->tmp[0] = '\0';
	o->dirfd = -1;
	o->replace = false;
}

int output_commit(struct pvt_output *o)
{
	FILE *f = o->f;
	int e = 0;

	if (!f)
		return 0;
	o->f = NULL;
	errno = 0;
	if (fflush(f) || ferror(f))
		e = errno ? errno : EIO;
	if (!o->own)
		return e && f != stderr ? fail(o, strerror(e)) : 0;
	if (!e && o->replace && !o->tmp[0] && link_tmp(o, fileno(f)))
		e = errno;
	if (fclose(f) && !e)
		e = errno;
	if (!e && o->replace && renameat(o->dirfd, o->tmp, o->dirfd, o->base))
		e = errno;
	if (!e)
		o->tmp[0] = '\0'; /* it is the target now */
	cleanup(o);
	return e ? fail(o, strerror(e)) : 0;
}

void output_abort(struct pvt_output *o)
{
	if (o->f && o->own)
		fclose(o->f);
	else if (o->f)
		fflush(o->f);
	o->f = NULL;
	cleanup(o);
}
