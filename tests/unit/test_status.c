// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the live status line (user/status.c): the line itself
 * (status_format) and what status_update / status_clear write to the stream.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "status.h"

#define CLEAR "\r\033[K"

static void fmt(char *buf, size_t sz, const uint64_t c[PVT_C__MAX], double sps)
{
	int n = status_format(buf, sz, c, sps);

	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
}

static void test_format_basic(void **state)
{
	uint64_t c[PVT_C__MAX] = { 0 };
	char buf[256];

	(void)state;
	fmt(buf, sizeof(buf), c, 0);
	assert_string_equal(buf, "pvtrace: 0 tasks alive, 0 seen, 0 switches/s, 0 lost");

	c[PVT_C_TASKS_SEEN] = 10;
	c[PVT_C_TASKS_DEAD] = 3;
	c[PVT_C_SWITCHES] = 123456; /* not shown directly */
	fmt(buf, sizeof(buf), c, 250);
	assert_string_equal(buf, "pvtrace: 7 tasks alive, 10 seen, 250 switches/s, 0 lost");
}

static void test_format_alive_never_negative(void **state)
{
	uint64_t c[PVT_C__MAX] = { 0 };
	char buf[256];

	(void)state;
	/* per-CPU counters read at slightly different moments: dead may run ahead */
	c[PVT_C_TASKS_SEEN] = 4;
	c[PVT_C_TASKS_DEAD] = 5;
	fmt(buf, sizeof(buf), c, 0);
	assert_non_null(strstr(buf, " 0 tasks alive, 4 seen,"));
	c[PVT_C_TASKS_DEAD] = 4;
	fmt(buf, sizeof(buf), c, 0);
	assert_non_null(strstr(buf, " 0 tasks alive, 4 seen,"));
}

static void test_format_lost_sum(void **state)
{
	uint64_t c[PVT_C__MAX] = { 0 };
	char buf[256];

	(void)state;
	c[PVT_C_RB_LOST_CREATE] = 1;
	fmt(buf, sizeof(buf), c, 0);
	assert_non_null(strstr(buf, ", 1 lost"));
	c[PVT_C_RB_LOST_EXIT] = 20;
	fmt(buf, sizeof(buf), c, 0);
	assert_non_null(strstr(buf, ", 21 lost"));
	c[PVT_C_RB_LOST_EXEC] = 300;
	fmt(buf, sizeof(buf), c, 0);
	assert_non_null(strstr(buf, ", 321 lost"));
	/* other counters are not losses */
	c[PVT_C_STALE_REUSED] = 5000;
	c[PVT_C_TASKS_SEEN] = 7000;
	c[PVT_C_TASKS_BORN] = 6999;
	c[PVT_C_UNTRACKED_EXITED] = 4000;
	c[PVT_C_UNTRACKED_UNMARKED] = 1;
	fmt(buf, sizeof(buf), c, 0);
	assert_non_null(strstr(buf, ", 321 lost"));
	/* tasks not tracked are: the task map full, and their descendants */
	c[PVT_C_TASKMAP_FULL] = 4000;
	c[PVT_C_UNTRACKED_DESC] = 5000;
	fmt(buf, sizeof(buf), c, 0);
	assert_non_null(strstr(buf, ", 9321 lost"));
	assert_int_equal(pvt_lost_events(c), 9321);
	assert_int_equal(pvt_untracked_tasks(c), 9000);
}

static void test_format_map_full(void **state)
{
	uint64_t c[PVT_C__MAX] = { 0 };
	char buf[256];

	(void)state;
	fmt(buf, sizeof(buf), c, 0);
	assert_null(strstr(buf, "task map full"));
	c[PVT_C_RB_LOST_EXIT] = 9; /* losses alone do not mean the map is full */
	fmt(buf, sizeof(buf), c, 0);
	assert_null(strstr(buf, "task map full"));
	c[PVT_C_TASKMAP_FULL] = 1;
	fmt(buf, sizeof(buf), c, 0);
	/* at the end of the line, with every task not tracked */
	assert_string_equal(buf, "pvtrace: 0 tasks alive, 0 seen, 0 switches/s, 10 lost, "
				 "1 untracked: task map full");
	c[PVT_C_UNTRACKED_DESC] = 20;
	fmt(buf, sizeof(buf), c, 0);
	assert_string_equal(buf + strlen(buf) - strlen(", 30 lost, 21 untracked: task map full"),
			    ", 30 lost, 21 untracked: task map full");
}

static void test_format_rates(void **state)
{
	uint64_t c[PVT_C__MAX] = { 0 };
	char buf[256];

	(void)state;
	fmt(buf, sizeof(buf), c, 9999);
	assert_non_null(strstr(buf, " 9999 switches/s"));
	fmt(buf, sizeof(buf), c, 12345);
	assert_non_null(strstr(buf, " 12.3k switches/s"));
	fmt(buf, sizeof(buf), c, 999000);
	assert_non_null(strstr(buf, " 999.0k switches/s"));
	fmt(buf, sizeof(buf), c, 2500000);
	assert_non_null(strstr(buf, " 2.50M switches/s"));
}

static void test_format_truncates(void **state)
{
	uint64_t c[PVT_C__MAX] = { 0 };
	char full[256], small[16];
	int n;

	(void)state;
	c[PVT_C_TASKS_SEEN] = UINT64_MAX;
	c[PVT_C_TASKMAP_FULL] = 1;
	fmt(full, sizeof(full), c, 1e12);
	memset(small, 'Z', sizeof(small));
	n = status_format(small, sizeof(small), c, 1e12);
	assert_int_equal((size_t)n, strlen(full));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, full, sizeof(small) - 1);
}

/* A status line on a memory stream. */
struct mem {
	char *buf;
	size_t len;
	FILE *f;
};

static void mem_open(struct mem *m)
{
	m->buf = NULL;
	m->len = 0;
	m->f = open_memstream(&m->buf, &m->len);
	assert_non_null(m->f);
}

static void mem_close(struct mem *m)
{
	assert_int_equal(fclose(m->f), 0);
	free(m->buf);
}

static void test_update_disabled(void **state)
{
	uint64_t c[PVT_C__MAX] = { 0 };
	struct pvt_status st;
	struct mem m;

	(void)state;
	mem_open(&m);
	status_init(&st, m.f, false);
	c[PVT_C_TASKS_SEEN] = 3;
	status_update(&st, c, 1000000000);
	status_update(&st, c, 2000000000);
	status_clear(&st);
	fflush(m.f);
	assert_int_equal(m.len, 0);
	assert_false(st.shown);
	mem_close(&m);
}

static void test_update_writes_line(void **state)
{
	uint64_t c[PVT_C__MAX] = { 0 };
	struct pvt_status st;
	struct mem m;
	char line[256], want[600];
	size_t len1;

	(void)state;
	mem_open(&m);
	status_init(&st, m.f, true);
	assert_false(st.shown);

	/* the first update has no rate yet */
	c[PVT_C_TASKS_SEEN] = 2;
	c[PVT_C_SWITCHES] = 1000;
	status_update(&st, c, 1000000000);
	assert_true(st.shown);
	fmt(line, sizeof(line), c, 0);
	snprintf(want, sizeof(want), CLEAR "%s", line);
	assert_int_equal(m.len, strlen(want)); /* status_update flushes */
	assert_memory_equal(m.buf, want, m.len);
	assert_null(memchr(m.buf, '\n', m.len));
	len1 = m.len;

	/* the second: 3000 switches in 1.5 s */
	c[PVT_C_SWITCHES] = 4000;
	status_update(&st, c, 2500000000);
	assert_true(m.len > len1);
	assert_memory_equal(m.buf + len1, CLEAR, strlen(CLEAR));
	fmt(line, sizeof(line), c, 2000);
	assert_int_equal(m.len - len1, strlen(CLEAR) + strlen(line));
	assert_memory_equal(m.buf + len1 + strlen(CLEAR), line, strlen(line));
	assert_non_null(strstr(line, " 2000 switches/s"));
	mem_close(&m);
}

static void test_clear(void **state)
{
	uint64_t c[PVT_C__MAX] = { 0 };
	struct pvt_status st;
	struct mem m;
	size_t len;

	(void)state;
	mem_open(&m);
	status_init(&st, m.f, true);
	/* nothing shown: nothing to clear */
	status_clear(&st);
	fflush(m.f);
	assert_int_equal(m.len, 0);

	status_update(&st, c, 1);
	len = m.len;
	assert_true(len > 0);
	status_clear(&st);
	assert_false(st.shown);
	assert_int_equal(m.len, len + strlen(CLEAR)); /* status_clear flushes */
	assert_memory_equal(m.buf + len, CLEAR, strlen(CLEAR));

	/* a second clear writes nothing more */
	status_clear(&st);
	fflush(m.f);
	assert_int_equal(m.len, len + strlen(CLEAR));
	mem_close(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_basic),
		cmocka_unit_test(test_format_alive_never_negative),
		cmocka_unit_test(test_format_lost_sum),
		cmocka_unit_test(test_format_map_full),
		cmocka_unit_test(test_format_rates),
		cmocka_unit_test(test_format_truncates),
		cmocka_unit_test(test_update_disabled),
		cmocka_unit_test(test_update_writes_line),
		cmocka_unit_test(test_clear),
	};

	return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
