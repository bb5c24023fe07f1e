// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup.c - cgroup v2 directories (cgroup.h): the cgroup2 mount from
 * /proc/self/mountinfo, a path resolved to its id and level, and ids back
 * to paths from a cached walk of the mount.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include "cgroup.h"
#include "clock.h"
#include "vec.h"

#define CGROUP2_SUPER_MAGIC 0x63677270
#define CGROUP_SUPER_MAGIC 0x27e0eb	/* a cgroup v1 hierarchy */
#define MOUNTINFO "/proc/self/mountinfo"
#define CGROUP_WALK_DEPTH 32		/* directories deeper than this are not named */
#define CGROUP_WALK_MAX 200000		/* nor beyond this many */
#define CGROUP_REWALK_NS 1000000000ull

/* A cgroup2 mount: where it is, and which directory of the hierarchy it shows. */
struct cg_mount {
	char point[PVT_CGROUP_PATH_MAX];
	char root[PVT_CGROUP_PATH_MAX];	/* "/" unless a subtree is bind-mounted */
};

/* mountinfo escapes blanks and backslashes in paths as \ooo. */
static void unescape_octal(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/*
 * One mountinfo line: "ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS...] - FSTYPE SRC SOPTS".
 * True if it is a cgroup2 mount, with its root and point in *m.
 */
static bool parse_cgroup2_line(char *line, struct cg_mount *m)
{
	char *save = NULL, *f[5], *tok, *fstype = NULL;
	int i = 0;

	for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		if (i < 5)
			f[i] = tok;
		i++;
		if (i > 6 && !strcmp(tok, "-")) {
			fstype = strtok_r(NULL, " \n", &save);
			break;
		}
	}
	if (i < 7 || !fstype || strcmp(fstype, "cgroup2"))
		return false;
	unescape_octal(f[3]);
	unescape_octal(f[4]);
	if (strlen(f[3]) >= sizeof(m->root) || strlen(f[4]) >= sizeof(m->point))
		return false;
	strcpy(m->root, f[3]);
	strcpy(m->point, f[4]);
	return true;
}

/*
 * The cgroup2 mount that holds @path (a real path; NULL: the main one, the
 * first that shows the whole hierarchy, else the first).  0 or -ENOENT.
 */
static int find_mount(const char *path, struct cg_mount *out)
{
	char *line = NULL;
	size_t cap = 0, best = 0;
	bool found = false, whole = false;
	struct cg_mount m;
	FILE *f = fopen(MOUNTINFO, "re");

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		size_t n;

		if (!parse_cgroup2_line(line, &m))
			continue;
		n = strlen(m.point);
		if (!path) {
			bool w = !strcmp(m.root, "/");

			if (!found || (w && !whole)) {
				*out = m;
				found = true;
				whole = w;
			}
			continue;
		}
		/* the longest mount point that is a prefix of @path, on a component boundary */
		if (strncmp(path, m.point, n) ||
		    (path[n] != '/' && path[n] != '\0' && strcmp(m.point, "/")))
			continue;
		if (!found || n > best) {
			*out = m;
			best = n;
			found = true;
		}
	}
	free(line);
	fclose(f);
	return found ? 0 : -ENOENT;
}

int cgroup_mount(char *buf, size_t len)
{
	struct cg_mount m;
	int err = find_mount(NULL, &m);

	if (err)
		return err;
	if (strlen(m.point) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, m.point);
	return 0;
}

/*
 * The file to look at for @path: @path itself if it exists or is not found
 * under the cgroup2 mount either, else the mount's directory of that name
 * (a path as /proc/PID/cgroup shows it).
 */
static void pick_file(const char *path, char *file, size_t len)
{
	char mnt[PVT_CGROUP_PATH_MAX];
	struct stat st;

	snprintf(file, len, "%s", path);
	if (path[0] != '/' || cgroup_mount(mnt, sizeof(mnt)))
		return;
	if (!strncmp(path, mnt, strlen(mnt)) && (path[strlen(mnt)] == '/' || !path[strlen(mnt)]))
		return;
	if (!strcmp(mnt, "/"))
		return;
	if (snprintf(file, len, "%s%s", mnt, path) < (int)len && !stat(file, &st))
		return;
	snprintf(file, len, "%s", path);
}

/* Depth of a path from the hierarchy's root: its non-empty components. */
static uint32_t path_level(const char *p)
{
	uint32_t n = 0;

	for (; *p; p++)
		if (*p != '/' && (p[1] == '/' || !p[1]))
			n++;
	return n;
}

/* Path of the real path @real from the root of the hierarchy, through the mount *m. */
static int hierarchy_path(const struct cg_mount *m, const char *real, char *out, size_t len)
{
	const char *rel = strcmp(m->point, "/") ? real + strlen(m->point) : real;
	const char *root = strcmp(m->root, "/") ? m->root : "";
	int n;

	if (!*rel && !*root)
		rel = "/";
	n = snprintf(out, len, "%s%s", root, rel);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int refuse(char *err, size_t errlen, const char *fmt, const char *path)
{
	if (err && errlen)
		snprintf(err, errlen, fmt, path);
	return -1;
}

/* What is at @file if not a cgroup v2 directory: one line into @err. */
static int check_dir(const char *path, const char *file, struct stat *st, char *err,
		     size_t errlen)
{
	struct statfs sf;

	if (stat(file, st))
		return refuse(err, errlen, errno == ENOENT || errno == ENOTDIR ?
			      "%s: no such directory" : "%s: cannot be read", path);
	if (!S_ISDIR(st->st_mode))
		return refuse(err, errlen, "%s: not a directory", path);
	if (statfs(file, &sf))
		return refuse(err, errlen, "%s: cannot be read", path);
	if ((unsigned long)sf.f_type == CGROUP_SUPER_MAGIC)
		return refuse(err, errlen, "%s: a cgroup v1 hierarchy, not cgroup v2 "
			      "(name a directory of the cgroup2 mount)", path);
	if ((unsigned long)sf.f_type != CGROUP2_SUPER_MAGIC)
		return refuse(err, errlen, "%s: not a cgroup (not on a cgroup v2 file system)",
			      path);
	return 0;
}

int cgroup_resolve(const char *path, struct pvt_cgroup *out, char *err, size_t errlen)
{
	char file[PVT_CGROUP_PATH_MAX], real[PATH_MAX];
	struct cg_mount m;
	struct stat st;

	if (!path || !*path)
		return refuse(err, errlen, "%s: no such directory", "''");
	pick_file(path, file, sizeof(file));
	if (check_dir(path, file, &st, err, errlen))
		return -1;
	if (!realpath(file, real) || find_mount(real, &m) ||
	    hierarchy_path(&m, real, out->path, sizeof(out->path)))
		return refuse(err, errlen, "%s: not under a cgroup2 mount of this namespace",
			      path);
	out->id = st.st_ino;
	out->level = path_level(out->path);
	return 0;
}

/* ---- ids to paths ---- */

struct cg_name {
	uint64_t id;
	char *path;
};

struct pvt_cgroup_names {
	struct cg_name *v;	/* sorted by id */
	size_t n, cap;
	char **retired;		/* strings handed out and no longer in v: freed at the end */
	size_t n_retired, cap_retired;
	uint64_t walked_ns;	/* 0: never */
};

struct cg_walk {
	struct cg_name *v;
	size_t n, cap;
	char path[PVT_CGROUP_PATH_MAX];	/* from the mount point */
	size_t root_len;		/* of the mount point in path */
	const char *prefix;		/* the mount's root in the hierarchy ("" for "/") */
	int err;
};

static int add_name(struct cg_walk *w, uint64_t id)
{
	const char *rel = w->path + w->root_len;
	struct cg_name e = { .id = id };

	if (w->n >= CGROUP_WALK_MAX)
		return 0;
	if (asprintf(&e.path, "%s%s", w->prefix, *rel || *w->prefix ? rel : "/") < 0)
		return -ENOMEM;
	if (VEC_PUSH(w->v, w->n, w->cap, e)) {
		free(e.path);
		return -ENOMEM;
	}
	return 0;
}

/* Every directory below w->path (open as @dfd, closed here), @depth levels down. */
static void walk_dir(struct cg_walk *w, int dfd, int depth)
{
	size_t len = strlen(w->path);
	DIR *d = fdopendir(dfd);
	struct dirent *de;

	if (!d) {
		close(dfd);
		return;
	}
	while (!w->err && (de = readdir(d))) {
		struct stat st;
		int sub;

		if (de->d_name[0] == '.' && (!de->d_name[1] ||
					     (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISDIR(st.st_mode))
			continue;
		if (snprintf(w->path + len, sizeof(w->path) - len, "/%s", de->d_name) >=
		    (int)(sizeof(w->path) - len))
			continue;
		w->err = add_name(w, st.st_ino);
		if (!w->err && depth < CGROUP_WALK_DEPTH && w->n < CGROUP_WALK_MAX) {
			sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (sub >= 0)
				walk_dir(w, sub, depth + 1);
		}
		w->path[len] = '\0';
	}
	closedir(d);
}

static int cmp_name(const void *a, const void *b)
{
	const struct cg_name *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static struct cg_name *lookup(struct cg_name *v, size_t n, uint64_t id)
{
	struct cg_name key = { .id = id };

	return n ? bsearch(&key, v, n, sizeof(*v), cmp_name) : NULL;
}

/* The mount's directories into w->v (unsorted). */
static int walk_mount(struct cg_walk *w)
{
	struct cg_mount m;
	struct stat st;
	int fd, err = find_mount(NULL, &m);

	if (err)
		return err;
	snprintf(w->path, sizeof(w->path), "%s", strcmp(m.point, "/") ? m.point : "");
	w->root_len = strlen(w->path);
	w->prefix = strcmp(m.root, "/") ? m.root : "";
	fd = open(m.point, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	err = add_name(w, st.st_ino);
	if (err) {
		close(fd);
		return err;
	}
	walk_dir(w, fd, 1);
	return w->err;
}

/* Retire the strings of cn->v that @fresh does not take over; then fresh becomes cn->v. */
static int swap_in(struct pvt_cgroup_names *cn, struct cg_walk *w)
{
	if (VEC_RESERVE(cn->retired, cn->cap_retired, cn->n_retired + cn->n))
		return -ENOMEM;
	qsort(w->v, w->n, sizeof(*w->v), cmp_name);
	for (size_t i = 0; i < cn->n; i++) {
		struct cg_name *e = lookup(w->v, w->n, cn->v[i].id);

		if (e && !strcmp(e->path, cn->v[i].path)) {
			free(e->path);	/* keep the string already handed out */
			e->path = cn->v[i].path;
		} else {
			cn->retired[cn->n_retired++] = cn->v[i].path;
		}
	}
	free(cn->v);
	cn->v = w->v;
	cn->n = w->n;
	cn->cap = w->cap;
	return 0;
}

static void free_walk(struct cg_walk *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i].path);
	free(w->v);
}

static int rewalk(struct pvt_cgroup_names *cn)
{
	struct cg_walk *w = calloc(1, sizeof(*w));
	int err;

	if (!w)
		return -ENOMEM;
	cn->walked_ns = pvt_now_ns();
	err = walk_mount(w);
	if (!err)
		err = swap_in(cn, w);
	if (err)
		free_walk(w);
	free(w);
	return err;
}

struct pvt_cgroup_names *cgroup_names_new(void)
{
	return calloc(1, sizeof(struct pvt_cgroup_names));
}

const char *cgroup_names_path(struct pvt_cgroup_names *cn, uint64_t id)
{
	struct cg_name *e;

	if (!cn)
		return NULL;
	e = lookup(cn->v, cn->n, id);
	if (e)
		return e->path;
	if (cn->walked_ns && pvt_now_ns() - cn->walked_ns < CGROUP_REWALK_NS)
		return NULL;
	if (rewalk(cn))
		return NULL;
	e = lookup(cn->v, cn->n, id);
	return e ? e->path : NULL;
}

void cgroup_names_free(struct pvt_cgroup_names *cn)
{
	if (!cn)
		return;
	for (size_t i = 0; i < cn->n; i++)
		free(cn->v[i].path);
	for (size_t i = 0; i < cn->n_retired; i++)
		free(cn->retired[i]);
	free(cn->v);
	free(cn->retired);
	free(cn);
}
