// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/top_text.c: the batch table (exact lines, stable
 * widths, at most 120 columns with a long cgroup path, names escaped) and
 * the JSON line (parsed with json-c, every field checked), from a model
 * built from hand-made snapshots.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "top_text.h"

#define S 1000000000ull
#define NOW ((time_t)(13 * 3600 + 4 * 60 + 5))	/* 13:04:05 UTC */

static char long_path[200];

static struct pvt_task mk(uint32_t tid, uint32_t pid, uint64_t start, const char *comm)
{
	struct pvt_task t;

	memset(&t, 0, sizeof(t));
	t.tid = tid;
	t.pid = pid;
	t.start_time = start;
	t.leader_start_time = start;
	t.cgroup_id = 7;
	snprintf(t.comm, sizeof(t.comm), "%s", comm);
	return t;
}

static const char *path_of(void *ctx, uint64_t id)
{
	return id == 7 ? ctx : NULL;
}

static uint64_t rss_of(void *ctx, uint32_t pid)
{
	return (uint64_t)pid * 4096;
}

struct fixture {
	struct pvt_task a[2], b[3];
	struct top_model m;
	struct top_view v;
};

/*
 * srv (10): 100 voluntary, 50 involuntary; 60 switch-ins from its process,
 * 30 from another, 10 from idle; 10 waits of 2 ns; 250 ms on the CPU.
 * wrk (11, same process): 10 voluntary, 10 from its process, 5 ms.  cli
 * (20): first seen, no figures.  One second.
 */
static int build(struct fixture *f, const char *cgroup_path, enum top_by by, bool all)
{
	struct top_env env = { path_of, (void *)cgroup_path, rss_of, NULL };
	struct top_snap sa, sb;
	struct top_view_opts o = { .by = by, .sort = TOP_SORT_SW, .expand_all = all };

	memset(f, 0, sizeof(*f));
	f->a[0] = mk(10, 10, 1, "srv");
	f->a[1] = mk(11, 10, 1, "wrk");
	f->a[1].leader_start_time = 1;
	f->b[0] = f->a[0];
	f->b[0].sw_vol = 100;
	f->b[0].sw_invol = 50;
	f->b[0].sw_from[PVT_FROM_SAME_PROCESS] = 60;
	f->b[0].sw_from[PVT_FROM_OTHER_PROCESS] = 30;
	f->b[0].sw_from[PVT_FROM_IDLE] = 10;
	f->b[0].sw_in = 100;
	f->b[0].sw_as_change = 30;
	f->b[0].oncpu_ns = 250000000;
	f->b[0].runq_hist[2] = 10;
	f->b[1] = f->a[1];
	f->b[1].sw_vol = 10;
	f->b[1].sw_from[PVT_FROM_SAME_PROCESS] = 10;
	f->b[1].sw_in = 10;
	f->b[1].oncpu_ns = 5000000;
	f->b[2] = mk(20, 20, 5, "cli\x1b[31m");
	sa = (struct top_snap){ .mono_ns = S, .tasks = f->a, .n = 2 };
	sb = (struct top_snap){ .mono_ns = 2 * S, .tasks = f->b, .n = 3 };
	if (top_model_build(&f->m, &sa, &sb, &env))
		return -1;
	return top_view_build(&f->v, &f->m, &o);
}

static void done(struct fixture *f)
{
	top_view_free(&f->v);
	top_model_free(&f->m);
}

/* What a writer put out, as a string to free. */
static char *output(struct fixture *f, enum top_by by, bool json)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *s = open_memstream(&buf, &n);

	assert_non_null(s);
	if (json)
		assert_int_equal(top_json_write(s, &f->m, &f->v, by, NOW), 0);
	else
		assert_int_equal(top_text_write(s, &f->m, &f->v, by, NOW), 0);
	assert_int_equal(fclose(s), 0);
	return buf;
}

static const char head[] =
	"pvtrace top 13:04:05  interval 1.00s  3 tasks (1 first seen)  2 processes  "
	"160 switches/s\n"
	"switch-ins: same process 70 (63.6%), another 30 (27.3%), idle/kernel 10 (9.1%)  "
	"lost 0 (0 in all)\n\n";

static void test_text(void **state)
{
	struct fixture f;
	char *out;

	(void)state;
	assert_int_equal(build(&f, "/pods/a", TOP_BY_PROCESS, false), 0);
	out = output(&f, TOP_BY_PROCESS, false);
	assert_non_null(strstr(out, head));
	assert_string_equal(out + strlen(head),
			    "    PID   THR     SW/s    VOL/s  INVOL/s  SAME%  ASCHG/s  RQ-P50  RQ-P99   CPU%     RSS COMM\n"
			    "     10     2      160      110       50   63.6       30     2ns     2ns   25.5   40.0K srv\n"
			    "     20     1        -        -        -      -        -       -       -      -   80.0K cli\\x1b[31m\n"
			    "  - in SW/s to CPU% (1 row): first seen in this interval: figures from the next\n"
			    "\n");
	free(out);
	done(&f);
}

static void test_text_threads(void **state)
{
	struct fixture f;
	char *out;

	(void)state;
	assert_int_equal(build(&f, "/pods/a", TOP_BY_PROCESS, true), 0);
	out = output(&f, TOP_BY_PROCESS, false);
	assert_non_null(strstr(out, head));
	assert_string_equal(out + strlen(head),
			    "    PID   THR     SW/s    VOL/s  INVOL/s  SAME%  ASCHG/s  RQ-P50  RQ-P99   CPU%     RSS COMM\n"
			    "     10     2      160      110       50   63.6       30     2ns     2ns   25.5   40.0K srv\n"
			    "     10     1      150      100       50   60.0       30     2ns     2ns   25.0       -   srv\n"
			    "     11     1       10       10        0  100.0        0       -       -    0.5       -   wrk\n"
			    "     20     1        -        -        -      -        -       -       -      -   80.0K cli\\x1b[31m\n"
			    "     20     1        -        -        -      -        -       -       -      -       -   cli\\x1b[31m\n"
			    "  - in RSS (3 threads): a thread: on its process's row\n"
			    "  - in RQ-P50, RQ-P99 (1 row): no run-queue wait ended in the interval\n"
			    "  - in SW/s to CPU% (2 rows): first seen in this interval: figures from the next\n"
			    "\n");
	free(out);
	done(&f);
}

/* Every line fits 120 columns; the path is cut, the columns stay where they are. */
static void test_text_cgroup_width(void **state)
{
	struct fixture f;
	char *out, *line, *save = NULL;
	int rows = 0;

	(void)state;
	memset(long_path, 'x', sizeof(long_path) - 1);
	long_path[0] = '/';
	assert_int_equal(build(&f, long_path, TOP_BY_CGROUP, true), 0);
	out = output(&f, TOP_BY_CGROUP, false);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		assert_true(strlen(line) <= TOP_TEXT_COLS);
		if (!strncmp(line, "  PROCS", 7))
			assert_string_equal(line, "  PROCS   THR     SW/s    VOL/s  INVOL/s  SAME%  "
					    "ASCHG/s  RQ-P50  RQ-P99   CPU%     RSS CGROUP");
		if (!strncmp(line, "      2     3      160", 22)) {
			rows++;
			assert_int_equal(strlen(line), TOP_TEXT_COLS);
			assert_int_equal(line[88], '/');
		}
	}
	assert_int_equal(rows, 1);
	free(out);
	done(&f);
}

/* ---- JSON ---- */

static json_object *parse(const char *s)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o;

	assert_non_null(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, s, (int)strlen(s));
	if (!o)
		fail_msg("invalid JSON: %s", json_tokener_error_desc(json_tokener_get_error(tok)));
	json_tokener_free(tok);
	return o;
}

/* The member at @path: keys separated by '.', array elements as [N]; NULL for a JSON null. */
static json_object *at(json_object *root, const char *path)
{
	char buf[256], *save = NULL;
	json_object *o = root;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save)) {
		char *br = strchr(k, '[');

		if (br)
			*br = '\0';
		if (*k && !json_object_object_get_ex(o, k, &o))
			fail_msg("%s: no member '%s'", path, k);
		if (br) {
			size_t i = strtoul(br + 1, NULL, 10);

			if (!json_object_is_type(o, json_type_array) || i >= json_object_array_length(o))
				fail_msg("%s: no element %zu", path, i);
			o = json_object_array_get_idx(o, i);
		}
	}
	return o;
}

static int64_t at_int(json_object *root, const char *path)
{
	json_object *o = at(root, path);

	if (!json_object_is_type(o, json_type_int))
		fail_msg("%s: not an integer", path);
	return json_object_get_int64(o);
}

static double at_dbl(json_object *root, const char *path)
{
	json_object *o = at(root, path);

	if (!json_object_is_type(o, json_type_double) && !json_object_is_type(o, json_type_int))
		fail_msg("%s: not a number", path);
	return json_object_get_double(o);
}

static const char *at_str(json_object *root, const char *path)
{
	json_object *o = at(root, path);

	if (!json_object_is_type(o, json_type_string))
		fail_msg("%s: not a string", path);
	return json_object_get_string(o);
}

static void test_json(void **state)
{
	struct fixture f;
	json_object *j;
	char *out;

	(void)state;
	assert_int_equal(build(&f, "/pods/a", TOP_BY_PROCESS, true), 0);
	out = output(&f, TOP_BY_PROCESS, true);
	/* one line */
	assert_non_null(strchr(out, '\n'));
	assert_int_equal(strchr(out, '\n') - out + 1, strlen(out));
	j = parse(out);
	assert_string_equal(at_str(j, "schema"), "pvtrace.top/1");
	assert_int_equal(at_int(j, "time"), NOW);
	assert_int_equal(at_int(j, "mono_ns"), 2 * S);
	assert_int_equal(at_int(j, "interval_ns"), S);
	assert_string_equal(at_str(j, "by"), "process");
	assert_int_equal(at_int(j, "tasks"), 3);
	assert_int_equal(at_int(j, "processes"), 2);
	assert_int_equal(at_int(j, "cgroups"), 1);
	assert_int_equal(at_int(j, "tasks_new"), 0);
	assert_int_equal(at_int(j, "tasks_ended"), 0);
	assert_int_equal(at_int(j, "tasks_first_seen"), 1);
	assert_true(at_dbl(j, "switches_per_s") == 160);
	assert_true(at_dbl(j, "from_pct.same_process") == 100.0 * 70 / 110);
	assert_true(at_dbl(j, "from_pct.other_process") == 100.0 * 30 / 110);
	assert_true(at_dbl(j, "from_pct.idle") == 100.0 * 10 / 110);
	assert_true(at_dbl(j, "from_pct.kernel") == 0);
	assert_int_equal(at_int(j, "counts.voluntary"), 110);
	assert_int_equal(at_int(j, "counts.involuntary"), 50);
	assert_int_equal(at_int(j, "counts.in"), 110);
	assert_int_equal(at_int(j, "counts.in_unseen"), 0);
	assert_int_equal(at_int(j, "counts.from.same_process"), 70);
	assert_int_equal(at_int(j, "counts.from.other_process"), 30);
	assert_int_equal(at_int(j, "counts.from.idle"), 10);
	assert_int_equal(at_int(j, "counts.from.kernel"), 0);
	assert_int_equal(at_int(j, "counts.address_space_changes"), 30);
	assert_int_equal(at_int(j, "counts.oncpu_ns"), 255000000);
	assert_int_equal(at_int(j, "counts.runq_waits"), 10);
	assert_int_equal(at_int(j, "lost_events"), 0);
	assert_int_equal(at_int(j, "lost_events_total"), 0);
	assert_int_equal(at_int(j, "untracked"), 0);
	assert_int_equal(at_int(j, "untracked_total"), 0);

	assert_int_equal(json_object_array_length(at(j, "rows")), 2);
	assert_string_equal(at_str(j, "rows[0].kind"), "process");
	assert_int_equal(at_int(j, "rows[0].pid"), 10);
	assert_string_equal(at_str(j, "rows[0].comm"), "srv");
	assert_int_equal(at_int(j, "rows[0].cgroup_id"), 7);
	assert_string_equal(at_str(j, "rows[0].cgroup"), "/pods/a");
	assert_int_equal(at_int(j, "rows[0].threads"), 2);
	assert_true(json_object_get_boolean(at(j, "rows[0].rates")));
	assert_true(at_dbl(j, "rows[0].switches_per_s") == 160);
	assert_true(at_dbl(j, "rows[0].voluntary_per_s") == 110);
	assert_true(at_dbl(j, "rows[0].involuntary_per_s") == 50);
	assert_true(at_dbl(j, "rows[0].same_process_pct") == 100.0 * 70 / 110);
	assert_true(at_dbl(j, "rows[0].address_space_changes_per_s") == 30);
	assert_int_equal(at_int(j, "rows[0].runq_p50_ns"), 2);
	assert_int_equal(at_int(j, "rows[0].runq_p99_ns"), 2);
	assert_true(at_dbl(j, "rows[0].oncpu_pct") == 25.5);
	assert_int_equal(at_int(j, "rows[0].rss_bytes"), 40960);
	assert_int_equal(at_int(j, "rows[0].counts.voluntary"), 110);
	assert_int_equal(at_int(j, "rows[0].counts.from.same_process"), 70);
	assert_int_equal(json_object_array_length(at(j, "rows[0].children")), 2);
	assert_string_equal(at_str(j, "rows[0].children[0].kind"), "thread");
	assert_int_equal(at_int(j, "rows[0].children[0].tid"), 10);
	assert_int_equal(at_int(j, "rows[0].children[1].tid"), 11);
	assert_int_equal(at_int(j, "rows[0].children[1].pid"), 10);
	assert_true(at_dbl(j, "rows[0].children[1].same_process_pct") == 100);
	assert_null(at(j, "rows[0].children[1].runq_p50_ns"));
	assert_null(at(j, "rows[0].children[1].rss_bytes"));
	/* first seen: identity, no figures */
	assert_int_equal(at_int(j, "rows[1].pid"), 20);
	assert_string_equal(at_str(j, "rows[1].comm"), "cli\x1b[31m");
	assert_false(json_object_get_boolean(at(j, "rows[1].rates")));
	assert_null(at(j, "rows[1].switches_per_s"));
	assert_null(at(j, "rows[1].same_process_pct"));
	assert_null(at(j, "rows[1].oncpu_pct"));
	assert_null(at(j, "rows[1].runq_p99_ns"));
	assert_int_equal(at_int(j, "rows[1].rss_bytes"), 81920);
	json_object_put(j);
	free(out);
	done(&f);
}

static void test_json_cgroup(void **state)
{
	struct fixture f;
	json_object *j;
	char *out;

	(void)state;
	assert_int_equal(build(&f, "/pods/a", TOP_BY_CGROUP, true), 0);
	out = output(&f, TOP_BY_CGROUP, true);
	j = parse(out);
	assert_string_equal(at_str(j, "by"), "cgroup");
	assert_int_equal(json_object_array_length(at(j, "rows")), 1);
	assert_string_equal(at_str(j, "rows[0].kind"), "cgroup");
	assert_string_equal(at_str(j, "rows[0].cgroup"), "/pods/a");
	assert_int_equal(at_int(j, "rows[0].cgroup_id"), 7);
	assert_int_equal(at_int(j, "rows[0].processes"), 2);
	assert_int_equal(at_int(j, "rows[0].threads"), 3);
	assert_int_equal(at_int(j, "rows[0].rss_bytes"), 122880);
	assert_true(at_dbl(j, "rows[0].switches_per_s") == 160);
	assert_string_equal(at_str(j, "rows[0].children[0].kind"), "process");
	assert_int_equal(at_int(j, "rows[0].children[0].pid"), 10);
	assert_int_equal(at_int(j, "rows[0].children[0].children[1].tid"), 11);
	assert_int_equal(at_int(j, "rows[0].children[1].pid"), 20);
	json_object_put(j);
	free(out);
	done(&f);
}

/* Only the non-zero parts; untracked only once some was; no switch-in; cut at 120 columns. */
static void test_header_parts(void **state)
{
	struct top_header h = { .interval_ns = 1500000000, .tasks = 12, .processes = 4,
				.tasks_new = 3, .tasks_ended = 2, .sw_s = 1234567, .lost = 1,
				.lost_total = 9, .untracked = 0, .untracked_total = 5 };
	char l1[TOP_HEAD_MAX], l2[TOP_HEAD_MAX];

	(void)state;
	top_header_lines(l1, l2, sizeof(l1), &h, NOW);
	assert_string_equal(l1, "pvtrace top 13:04:05  interval 1.50s  12 tasks (3 new, 2 ended)  "
			    "4 processes  1.23M switches/s");
	assert_string_equal(l2, "switch-ins: none  lost 1 (9 in all)  untracked 0 (5 in all)");
	h.tasks_new = h.tasks_ended = 0;
	h.untracked_total = 0;
	h.d.from[PVT_FROM_KERNEL] = 4000000000ull;
	h.d.from[PVT_FROM_SAME_PROCESS] = 4000000000ull;
	h.d.from[PVT_FROM_OTHER_PROCESS] = 4000000000ull;
	h.from_pct[PVT_FROM_KERNEL] = h.from_pct[PVT_FROM_SAME_PROCESS] = 100.0 / 3;
	h.from_pct[PVT_FROM_OTHER_PROCESS] = 100.0 / 3;
	h.from_pct[PVT_FROM_IDLE] = 0;
	h.lost = h.lost_total = 12345678901234ull;
	top_header_lines(l1, l2, sizeof(l1), &h, NOW);
	assert_string_equal(l1, "pvtrace top 13:04:05  interval 1.50s  12 tasks  4 processes  "
			    "1.23M switches/s");
	assert_int_equal(strlen(l2), TOP_TEXT_COLS);
	assert_string_equal(l2, "switch-ins: same process 4000000000 (33.3%), another 4000000000 "
			    "(33.3%), idle/kernel 4000000000 (33.3%)  lost 1234567890");
}

static void test_sort_parse(void **state)
{
	enum top_sort k = TOP_SORT__MAX;

	(void)state;
	/* every column by its head, as shown */
	for (int c = 0; c < TOP_COL__MAX; c++) {
		k = TOP_SORT__MAX;
		assert_int_equal(top_sort_parse(top_col_head(c, TOP_BY_PROCESS), &k), 0);
		assert_int_equal(k, top_col_sort(c));
		assert_int_equal(top_sort_parse(top_col_head(c, TOP_BY_CGROUP), &k), 0);
		assert_int_equal(k, top_col_sort(c));
	}
	assert_int_equal(top_sort_parse("cpu", &k), 0);
	assert_int_equal(k, TOP_SORT_ONCPU);
	assert_int_equal(top_sort_parse("Rq-P99", &k), 0);
	assert_int_equal(k, TOP_SORT_RQ_P99);
	assert_int_equal(top_sort_parse("switches", &k), 0);
	assert_int_equal(k, TOP_SORT_SW);
	k = TOP_SORT_PID;
	assert_int_equal(top_sort_parse("cpu%%", &k), -1);
	assert_int_equal(top_sort_parse("sw/x", &k), -1);
	assert_int_equal(top_sort_parse("", &k), -1);
	assert_int_equal(top_sort_parse(NULL, &k), -1);
	assert_int_equal(top_sort_parse("nosuchcolumnatall", &k), -1);
	assert_int_equal(top_sort_parse("%", &k), -1);
	assert_int_equal(k, TOP_SORT_PID);
	assert_non_null(strstr(top_sort_names, "rq-p99"));
}

static void test_columns(void **state)
{
	(void)state;
	for (int c = 0; c < TOP_COL__MAX; c++)
		assert_int_equal(top_sort_col(top_col_sort(c)), c);
	assert_string_equal(top_col_head(TOP_COL_ID, TOP_BY_CGROUP), "PROCS");
	assert_string_equal(top_col_head(TOP_COL_NAME, TOP_BY_PROCESS), "COMM");
}

static int setup(void **state)
{
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_threads),
		cmocka_unit_test(test_text_cgroup_width),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_cgroup),
		cmocka_unit_test(test_header_parts),
		cmocka_unit_test(test_sort_parse),
		cmocka_unit_test(test_columns),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
