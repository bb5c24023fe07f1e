// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for lib/fileio.c: a file into the caller's buffer (exact
 * fit, one byte too many, empty, missing) and into memory of its own
 * (sizes across its growth steps, the bound), on files made here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fileio.h"

static char dir[] = "/tmp/pvt-fileio-XXXXXX";

/* A file of @len bytes (a pattern) named @name in dir; its path. */
static const char *make(const char *name, size_t len)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0; i < len; i++)
		fputc('a' + (int)(i % 26), f);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void check_pattern(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		assert_int_equal(buf[i], 'a' + (int)(i % 26));
	assert_int_equal(buf[len], '\0');
}

static void test_read_file(void **state)
{
	char buf[16];

	assert_int_equal(pvt_read_file(make("fit", 15), buf, sizeof(buf)), 15);
	check_pattern(buf, 15);
	assert_int_equal(pvt_read_file(make("small", 3), buf, sizeof(buf)), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(pvt_read_file(make("empty", 0), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	errno = 0;
	assert_int_equal(pvt_read_file(make("big", 16), buf, sizeof(buf)), -1);
	assert_int_equal(errno, EFBIG);
	errno = 0;
	assert_int_equal(pvt_read_file("/nonexistent/pvtrace", buf, sizeof(buf)), -1);
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_int_equal(pvt_read_file(dir, buf, sizeof(buf)), -1); /* a directory */
	assert_int_equal(errno, EISDIR);
	errno = 0;
	assert_int_equal(pvt_read_file(make("x", 1), buf, 0), -1);
	assert_int_equal(errno, EINVAL);
}

/* A /proc file: its size is 0 to stat, its text is not. */
static void test_read_proc(void **state)
{
	char buf[8192];

	assert_true(pvt_read_file("/proc/self/status", buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\nPid:\t"));
}

static void test_read_file_alloc(void **state)
{
	static const size_t sizes[] = { 0, 1, 4095, 4096, 4097, 65536, 100000 };
	char *buf;
	size_t len;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		buf = NULL;
		len = 12345;
		assert_int_equal(pvt_read_file_alloc(make("alloc", sizes[i]), 1 << 20, &buf, &len),
				 0);
		assert_int_equal(len, sizes[i]);
		check_pattern(buf, len);
		free(buf);
	}
	/* exactly the bound: read; one byte more: refused */
	assert_int_equal(pvt_read_file_alloc(make("bound", 5000), 5000, &buf, NULL), 0);
	check_pattern(buf, 5000);
	free(buf);
	buf = NULL;
	assert_int_equal(pvt_read_file_alloc(make("bound", 5001), 5000, &buf, &len), -EFBIG);
	assert_null(buf);
	assert_int_equal(pvt_read_file_alloc("/nonexistent/pvtrace", 100, &buf, &len), -ENOENT);
	assert_null(buf);
}

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	static const char *const names[] = { "fit", "small", "empty", "big", "x", "alloc",
					     "bound" };
	char path[256];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_read_proc),
		cmocka_unit_test(test_read_file_alloc),
	};

	return cmocka_run_group_tests_name("fileio", tests, setup, teardown);
}
