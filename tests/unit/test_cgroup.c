// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/cgroup.c: the cgroup2 mount, a path resolved (the
 * root, a directory made here as root, and what is refused with which
 * message: a missing path, a file, a directory outside any cgroup, a v1
 * hierarchy) and ids back to paths.  The parts that need a cgroup2 mount,
 * root or a v1 hierarchy skip without them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "cgroup.h"

/* The mount point of the first cgroup (v1) hierarchy, from /proc/self/mountinfo; false if none. */
static bool v1_mount(char *buf, size_t len)
{
	char line[1024], *dash;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char point[512];

		dash = strstr(line, " - cgroup ");
		if (dash && sscanf(line, "%*s %*s %*s %*s %511s", point) == 1) {
			snprintf(buf, len, "%s", point);
			found = true;
		}
	}
	fclose(f);
	return found;
}

static void test_mount(void **state)
{
	char mnt[PVT_CGROUP_PATH_MAX], tiny[2];
	struct stat st;
	int err = cgroup_mount(mnt, sizeof(mnt));

	(void)state;
	if (err == -ENOENT)
		skip();
	assert_int_equal(err, 0);
	assert_int_equal(mnt[0], '/');
	assert_int_equal(stat(mnt, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	if (strlen(mnt) >= sizeof(tiny))
		assert_int_equal(cgroup_mount(tiny, sizeof(tiny)), -ENAMETOOLONG);
}

/* The root of the mount, named by its mount point or as "/" (relative to it): level 0, "/". */
static void test_root(void **state)
{
	char mnt[PVT_CGROUP_PATH_MAX], err[256] = "";
	struct pvt_cgroup cg;
	struct stat st;

	(void)state;
	if (cgroup_mount(mnt, sizeof(mnt)))
		skip();
	assert_int_equal(stat(mnt, &st), 0);
	assert_int_equal(cgroup_resolve(mnt, &cg, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(cg.level, 0);
	assert_string_equal(cg.path, "/");
	assert_int_equal(cg.id, st.st_ino);
	memset(&cg, 0xff, sizeof(cg));
	assert_int_equal(cgroup_resolve("/", &cg, err, sizeof(err)), 0);
	assert_int_equal(cg.level, 0);
	assert_string_equal(cg.path, "/");
	assert_int_equal(cg.id, st.st_ino);
}

static void test_refused(void **state)
{
	char dir[] = "/tmp/pvt-cgroup-XXXXXX", file[64], want[128], err[256];
	struct pvt_cgroup cg;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/file", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);

	assert_int_equal(cgroup_resolve(dir, &cg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: not a cgroup (not on a cgroup v2 file system)", dir);
	assert_string_equal(err, want);

	assert_int_equal(cgroup_resolve(file, &cg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: not a directory", file);
	assert_string_equal(err, want);

	assert_int_equal(unlink(file), 0);
	assert_int_equal(cgroup_resolve(file, &cg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: no such directory", file);
	assert_string_equal(err, want);
	assert_int_equal(rmdir(dir), 0);

	assert_int_equal(cgroup_resolve("/no/such/cgroup/anywhere", &cg, err, sizeof(err)), -1);
	assert_string_equal(err, "/no/such/cgroup/anywhere: no such directory");
	assert_int_equal(cgroup_resolve("", &cg, err, sizeof(err)), -1);
	assert_string_equal(err, "'': no such directory");
}

/* A v1 hierarchy (a hybrid machine has several) is named as such. */
static void test_v1_refused(void **state)
{
	char v1[512], want[700], err[700];
	struct pvt_cgroup cg;

	(void)state;
	if (!v1_mount(v1, sizeof(v1)))
		skip();
	assert_int_equal(cgroup_resolve(v1, &cg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: a cgroup v1 hierarchy, not cgroup v2 "
		 "(name a directory of the cgroup2 mount)", v1);
	assert_string_equal(err, want);
}

/* As root: a cgroup made here, resolved by both names, then found by its id. */
static void test_subdir(void **state)
{
	char mnt[PVT_CGROUP_PATH_MAX], dir[PVT_CGROUP_PATH_MAX + 64], rel[64], sub[PVT_CGROUP_PATH_MAX + 80];
	char err[256];
	struct pvt_cgroup cg, cg2;
	struct pvt_cgroup_names *cn;
	const char *p;

	(void)state;
	if (geteuid() != 0 || cgroup_mount(mnt, sizeof(mnt)))
		skip();
	snprintf(rel, sizeof(rel), "/pvtrace-test-%d", (int)getpid());
	snprintf(dir, sizeof(dir), "%s%s", strcmp(mnt, "/") ? mnt : "", rel);
	snprintf(sub, sizeof(sub), "%s/inner", dir);
	if (mkdir(dir, 0755))
		skip(); /* a cgroup2 mount we may not write to (a container's) */
	assert_int_equal(mkdir(sub, 0755), 0);

	cn = cgroup_names_new();
	assert_non_null(cn);
	assert_int_equal(cgroup_resolve(dir, &cg, err, sizeof(err)), 0);
	assert_int_equal(cg.level, 1);
	assert_string_equal(cg.path, rel);
	assert_int_equal(cgroup_resolve(rel, &cg2, err, sizeof(err)), 0);
	assert_int_equal(cg2.id, cg.id);
	assert_string_equal(cg2.path, rel);
	p = cgroup_names_path(cn, cg.id);
	assert_non_null(p);
	assert_string_equal(p, rel);

	assert_int_equal(cgroup_resolve(sub, &cg2, err, sizeof(err)), 0);
	assert_int_equal(cg2.level, 2);
	assert_string_equal(cg2.path + strlen(rel), "/inner");
	assert_string_equal(cgroup_names_path(cn, cg2.id), cg2.path);
	/* the first string handed out stays valid and the same */
	assert_ptr_equal(cgroup_names_path(cn, cg.id), p);

	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(dir), 0);
	/* an id no directory has: NULL (the walk just done is not repeated within a second) */
	assert_null(cgroup_names_path(cn, UINT64_MAX));
	assert_string_equal(p, rel);
	cgroup_names_free(cn);
}

static void test_names_root(void **state)
{
	char mnt[PVT_CGROUP_PATH_MAX];
	struct pvt_cgroup_names *cn;
	struct stat st;

	(void)state;
	cgroup_names_free(NULL);
	assert_null(cgroup_names_path(NULL, 1));
	if (cgroup_mount(mnt, sizeof(mnt)))
		skip();
	assert_int_equal(stat(mnt, &st), 0);
	cn = cgroup_names_new();
	assert_non_null(cn);
	assert_string_equal(cgroup_names_path(cn, st.st_ino), "/");
	cgroup_names_free(cn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mount),
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_v1_refused),
		cmocka_unit_test(test_subdir),
		cmocka_unit_test(test_names_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
