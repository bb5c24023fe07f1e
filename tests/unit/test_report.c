// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the report writers (user/report_json.c, user/report_text.c)
 * on a small hand-built task table:
 *
 *   pid 100 "server"  leader 100 + threads 101 (not exact) and 102 (BEL/ESC in comm)
 *   pid 200           killed by SIGSEGV (with core), comm "\x1b[31m\n"
 *   pid 300 "sleeper" still alive
 *
 * Each writer is given the model (model_build) of the same collected record.
 * The JSON is parsed with json-c (strict) and checked field by field, by
 * path; the text for its contents, terminal safety and width.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "escape.h"
#include "fold.h"
#include "model.h"
#include "report.h"
#include "tasktable.h"
#include "version.h" /* PVTRACE_VERSION: .output/version.h, made by the Makefile */

#define T0 1000000ull
#define DEAD_OK (PVT_F_BASELINE | PVT_F_EXITED | PVT_F_DEAD)

static struct pvt_task mk(uint32_t tid, uint32_t pid, uint32_t flags, const char *comm)
{
	struct pvt_task t;

	memset(&t, 0, sizeof(t));
	t.tid = tid;
	t.pid = pid;
	t.ppid = pid == 100 ? 1 : 100;
	t.parent_tid = pid == 100 ? 0 : 100;
	t.flags = flags;
	t.leader_start_time = 500 + pid;
	t.start_time = 500 + tid;
	t.first_ns = T0 + 10 * tid;
	t.first_in_ns = t.first_ns + 7;
	t.end_ns = (flags & PVT_F_DEAD) ? T0 + 100000 + tid : 0;
	t.exit_ns = (flags & PVT_F_EXITED) ? T0 + 90000 + tid : 0;
	t.oncpu_ns = 1000ull * tid;
	t.sw_vol = tid % 7 + 3;
	t.sw_invol = tid % 5 + 1;
	t.sw_in = t.sw_vol + t.sw_invol;
	t.sw_from[PVT_FROM_SAME_PROCESS] = 1;
	t.sw_from[PVT_FROM_OTHER_PROCESS] = 2;
	t.sw_from[PVT_FROM_IDLE] = t.sw_in - 4;
	t.sw_from[PVT_FROM_KERNEL] = 1;
	t.sw_as_change = 2;
	t.kbase.nvcsw = 5;
	t.kbase.nivcsw = 6;
	t.kfinal.nvcsw = 5 + t.sw_vol;
	t.kfinal.nivcsw = 6 + t.sw_invol;
	t.kbase.sum_exec_runtime = 100;
	t.kfinal.sum_exec_runtime = 100 + t.oncpu_ns;
	t.kfinal.run_delay = 42;
	strncpy(t.comm, comm, sizeof(t.comm) - 1);
	return t;
}

static char *const test_argv[] = { "server", "--evil=\x1b[2J", "x", NULL };

struct fixture {
	struct pvt_table tb;
	struct pvt_collected rep;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct pvt_task t;

	if (!fx)
		return -1;
	table_init(&fx->tb);
	/* process 100: leader + 2 threads; the leader takes the group down with exit 0 */
	t = mk(100, 100, DEAD_OK | PVT_F_ROOT | PVT_F_GROUP_DEAD, "server");
	table_add(&fx->tb, &t);
	t = mk(101, 100, DEAD_OK | PVT_F_BORN, "worker");
	t.sw_vol++; /* one voluntary switch more than the kernel saw */
	table_add(&fx->tb, &t);
	t = mk(102, 100, DEAD_OK | PVT_F_BORN, "bel\a\x1b]0;x\a");
	table_add(&fx->tb, &t);
	/* process 200: killed by SIGSEGV, dumped core */
	t = mk(200, 200, DEAD_OK | PVT_F_BORN | PVT_F_EXECED | PVT_F_GROUP_DEAD, "\x1b[31m\n");
	t.exit_code = SIGSEGV | 0x80;
	table_add(&fx->tb, &t);
	/* process 300: alive at the end */
	t = mk(300, 300, PVT_F_BASELINE | PVT_F_BORN, "sleeper");
	t.first_in_ns = 0;
	table_add(&fx->tb, &t);
	if (table_finish(&fx->tb))
		return -1;

	fx->rep.argv = test_argv;
	fx->rep.root_pid = 100;
	fx->rep.duration_ns = 1234567890;
	fx->rep.root_wstatus = 0;
	fx->rep.counters[PVT_C_SWITCHES] = 99;
	fx->rep.counters[PVT_C_TASKS_SEEN] = 5;
	fx->rep.counters[PVT_C_TASKS_DEAD] = 4;
	fx->rep.counters[PVT_C_RB_LOST_CREATE] = 1;
	fx->rep.counters[PVT_C_RB_LOST_EXIT] = 2;
	fx->rep.counters[PVT_C_RB_LOST_EXEC] = 3;
	fx->rep.tb = &fx->tb;
	fx->rep.top = 0;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	table_free(&fx->tb);
	free(fx);
	return 0;
}

/* Build the model of @r, run a writer on it into a memory stream; the NUL-terminated output. */
static char *render(int (*writer)(FILE *, const struct pvt_model *), const struct pvt_collected *r,
		    size_t *len)
{
	struct pvt_model m;
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	assert_int_equal(model_build(&m, r), 0);
	assert_int_equal(writer(f, &m), 0);
	model_free(&m);
	assert_int_equal(fclose(f), 0);
	assert_non_null(buf);
	assert_int_equal(strlen(buf), n); /* no NUL byte inside */
	if (len)
		*len = n;
	return buf;
}

/* ---- JSON, parsed with json-c ---- */

/* Parse @s strictly: one JSON document, then only whitespace; fails the test otherwise. */
static json_object *parse(const char *s)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o;
	size_t end;

	assert_non_null(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, s, (int)strlen(s));
	if (!o)
		fail_msg("invalid JSON: %s", json_tokener_error_desc(json_tokener_get_error(tok)));
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (s[end + strspn(s + end, " \t\r\n")])
		fail_msg("data after the JSON document at byte %zu", end);
	return o;
}

/*
 * The member at @path: keys separated by '.', an array element as [N] or as
 * [key=value] (the first element whose integer member key equals value).
 * Fails the test when the path does not exist; a JSON null is returned as NULL.
 */
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
		while (br) {
			char *eq = strchr(br + 1, '='), *close = strchr(br + 1, ']');
			size_t n;

			if (!close || !json_object_is_type(o, json_type_array))
				fail_msg("%s: not an array at '%s'", path, k);
			*close = '\0';
			n = json_object_array_length(o);
			if (eq) {
				json_object *found = NULL, *v;

				*eq = '\0';
				for (size_t i = 0; i < n && !found; i++)
					if (json_object_object_get_ex(json_object_array_get_idx(o, i),
								      br + 1, &v) &&
					    json_object_get_int64(v) == strtoll(eq + 1, NULL, 10))
						found = json_object_array_get_idx(o, i);
				if (!found)
					fail_msg("%s: no element with %s=%s", path, br + 1, eq + 1);
				o = found;
			} else {
				size_t i = strtoul(br + 1, NULL, 10);

				if (i >= n)
					fail_msg("%s: index %zu of %zu", path, i, n);
				o = json_object_array_get_idx(o, i);
			}
			br = strchr(close + 1, '[');
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

static bool at_bool(json_object *root, const char *path)
{
	json_object *o = at(root, path);

	if (!json_object_is_type(o, json_type_boolean))
		fail_msg("%s: not a boolean", path);
	return json_object_get_boolean(o);
}

static const char *at_str(json_object *root, const char *path)
{
	json_object *o = at(root, path);

	if (!json_object_is_type(o, json_type_string))
		fail_msg("%s: not a string", path);
	return json_object_get_string(o);
}

#define assert_null_at(root, path)                                                     \
	do {                                                                           \
		if (at((root), (path)))                                                \
			fail_msg("%s: not null", (path));                              \
	} while (0)

static void test_json_helpers_themselves(void **state)
{
	json_object *o = parse("{\"a\": [{\"k\": 1, \"v\": true}, {\"k\": 2, \"v\": null}], \"s\": \"x\"}\n");

	(void)state;
	assert_int_equal(at_int(o, "a[1].k"), 2);
	assert_true(at_bool(o, "a[k=1].v"));
	assert_null_at(o, "a[k=2].v");
	assert_string_equal(at_str(o, "s"), "x");
	json_object_put(o);
}

/* Count non-overlapping occurrences. */
static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

#define assert_contains(hay, needle)                                                   \
	do {                                                                           \
		if (!strstr((hay), (needle)))                                          \
			fail_msg("missing: %s", (needle));                             \
	} while (0)

/* ---- JSON ---- */

static void test_json_contract(void **state)
{
	struct fixture *fx = *state;
	char *out = render(report_json, &fx->rep, NULL);
	json_object *j = parse(out);

	assert_string_equal(at_str(j, "schema"), "pvtrace.report/1");
	assert_string_equal(at_str(j, "pvtrace_version"), PVTRACE_VERSION);
	assert_int_equal(json_object_array_length(at(j, "command")), 3);
	assert_string_equal(at_str(j, "command[1]"), "--evil=\x1b[2J");
	assert_int_equal(at_int(j, "root_pid"), 100);
	assert_int_equal(at_int(j, "duration_ns"), 1234567890);
	assert_int_equal(at_int(j, "exit.code"), 0);
	assert_null_at(j, "exit.signal");
	assert_int_equal(at_int(j, "lost_events"), 6);
	assert_int_equal(at_int(j, "tasks_created"), 0);
	assert_int_equal(at_int(j, "tracer.tasks_seen"), 5);
	assert_int_equal(at_int(j, "tracer.tasks_untracked_descendants"), 0);
	assert_int_equal(at_int(j, "verified.tasks"), 4);
	assert_int_equal(at_int(j, "verified.exact"), 3);
	assert_int_equal(at_int(j, "verified.alive"), 1);
	assert_int_equal(at_int(j, "tracer.switches_seen"), 99);
	assert_int_equal(at_int(j, "tracer.ringbuf_lost.create"), 1);
	assert_int_equal(at_int(j, "tracer.ringbuf_lost.exit"), 2);
	assert_int_equal(at_int(j, "tracer.ringbuf_lost.exec"), 3);
	assert_null_at(j, "calibration");

	/* one object per task, per process */
	assert_int_equal(json_object_array_length(at(j, "tasks")), 5);
	assert_int_equal(json_object_array_length(at(j, "processes")), 3);
	/* 101 counted one voluntary switch more than the kernel saw */
	assert_int_equal(at_int(j, "tasks[tid=101].switches.voluntary"), 7);
	assert_int_equal(at_int(j, "tasks[tid=101].kernel.voluntary"), 6);
	assert_false(at_bool(j, "tasks[tid=101].kernel.exact"));
	assert_true(at_bool(j, "tasks[tid=102].kernel.exact"));
	assert_int_equal(at_int(j, "tasks[tid=102].switches.from.same_process"), 1);
	assert_int_equal(at_int(j, "tasks[tid=102].switches.from.other_process"), 2);
	assert_int_equal(at_int(j, "tasks[tid=102].switches.address_space_changes"), 2);
	assert_string_equal(at_str(j, "tasks[tid=101].kind"), "thread");
	assert_string_equal(at_str(j, "tasks[tid=200].kind"), "process");
	assert_true(at_bool(j, "tasks[tid=100].root"));
	assert_false(at_bool(j, "tasks[tid=101].root"));
	/* times from the root's first sight (T0 + 1000) */
	assert_int_equal(at_int(j, "tasks[tid=100].start_ns"), 0);
	assert_int_equal(at_int(j, "tasks[tid=101].start_ns"), 10);
	assert_int_equal(at_int(j, "tasks[tid=101].end_ns"), 100000 + 101 - 1000);
	assert_int_equal(at_int(j, "tasks[tid=101].lifetime_ns"), 100000 + 101 - 1010);
	/* the alive task: not verified, no end, no lifetime, never ran */
	assert_true(at_bool(j, "tasks[tid=300].alive"));
	assert_null_at(j, "tasks[tid=300].kernel");
	assert_null_at(j, "tasks[tid=300].end_ns");
	assert_null_at(j, "tasks[tid=300].lifetime_ns");
	assert_null_at(j, "tasks[tid=300].created.first_run_ns");
	assert_int_equal(at_int(j, "tasks[tid=101].created.first_run_ns"), 7);
	/* the root was not born under tracing */
	assert_null_at(j, "tasks[tid=100].parent_tid");
	assert_null_at(j, "tasks[tid=100].created");
	assert_int_equal(at_int(j, "tasks[tid=200].parent_tid"), 100);
	/* 200: SIGSEGV with a core; its process's exit from its last thread */
	assert_int_equal(at_int(j, "tasks[tid=200].exit.signal"), 11);
	assert_true(at_bool(j, "tasks[tid=200].exit.core_dumped"));
	assert_null_at(j, "tasks[tid=200].exit.code");
	assert_int_equal(at_int(j, "processes[pid=200].exit.last_tid"), 200);
	assert_int_equal(at_int(j, "processes[pid=200].exit.signal"), 11);
	assert_int_equal(at_int(j, "processes[pid=100].threads"), 3);
	assert_int_equal(at_int(j, "processes[pid=100].switches.involuntary"), 1 + 2 + 3);
	assert_null_at(j, "processes[pid=300].end_ns");
	assert_int_equal(at_int(j, "processes[pid=300].alive_threads"), 1);
	/* no switch-cost estimate without a calibration */
	assert_false(at_bool(j, "tasks[tid=101].switch_cost.calibrated"));
	assert_null_at(j, "tasks[tid=101].switch_cost.estimated_ns");
	/* memory: every task has an object; processes never sampled have none */
	for (int i = 0; i < 5; i++) {
		char path[64];

		snprintf(path, sizeof(path), "tasks[%d].memory.stack_reserved_bytes", i);
		assert_null_at(j, path);
		snprintf(path, sizeof(path), "tasks[%d].memory.kernel_bytes", i);
		assert_int_equal(at_int(j, path), 0);
		snprintf(path, sizeof(path), "tasks[%d].names.renames", i);
		assert_int_equal(at_int(j, path), 0);
	}
	assert_null_at(j, "processes[pid=100].memory");
	assert_null_at(j, "processes[pid=200].memory");
	assert_null_at(j, "processes[pid=300].memory");
	/* summaries: threads (101, 102) and processes (100, 200, 300) */
	assert_int_equal(at_int(j, "summary.threads.tasks"), 2);
	assert_int_equal(at_int(j, "summary.threads.switches.voluntary"), 7 + 7);
	assert_int_equal(at_int(j, "summary.threads.switches.in"), 8 + 10);
	assert_int_equal(at_int(j, "summary.threads.oncpu_ns"), 101000 + 102000);
	assert_int_equal(at_int(j, "summary.processes.tasks"), 3);
	assert_int_equal(at_int(j, "summary.processes.switches.voluntary"), 5 + 7 + 9);
	assert_int_equal(at_int(j, "summary.processes.switches.in"), 6 + 8 + 10);
	assert_int_equal(at_int(j, "summary.switch_classes.same_process.switch_ins"), 5);
	assert_int_equal(at_int(j, "summary.switch_classes.other_process.switch_ins"), 10);
	/* by CLONE_THREAD, which no task of the fixture was created with */
	assert_int_equal(at_int(j, "summary.creation.threads.created"), 0);
	assert_int_equal(at_int(j, "summary.creation.processes.created"), 4);
	assert_int_equal(at_int(j, "summary.exits.processes"), 2);
	assert_int_equal(at_int(j, "summary.exits.clean"), 1);
	assert_int_equal(at_int(j, "summary.exits.signaled"), 1);
	assert_null_at(j, "summary.memory.process_to_thread");
	assert_int_equal(at_int(j, "summary.memory.threads.count"), 2);
	json_object_put(j);
	free(out);
}

/* With a calibration, every switch_cost is its switch-ins at the calibrated costs. */
static void test_json_switch_costs(void **state)
{
	struct fixture *fx = *state;
	struct pvt_collected r = fx->rep;
	struct pvt_calibration cal = { .same_as_ns = 1500, .as_change_ns = 2500 };
	json_object *j;
	char *out;

	snprintf(cal.created, sizeof(cal.created), "2026-11-01T00:00:00Z");
	r.cal = &cal;
	out = render(report_json, &r, NULL);
	j = parse(out);
	assert_true(at_bool(j, "tasks[tid=101].switch_cost.calibrated"));
	/* 101: 8 switch-ins, 2 of them changing address space */
	assert_int_equal(at_int(j, "tasks[tid=101].switch_cost.estimated_ns"), 2 * 2500 + 6 * 1500);
	assert_int_equal(at_int(j, "tasks[tid=101].switch_cost.same_address_space.switches"), 6);
	/* threads: 18 switch-ins, 4 changing */
	assert_int_equal(at_int(j, "summary.threads.switch_cost.estimated_ns"), 4 * 2500 + 14 * 1500);
	/* a thread of the same process shares the mm; another process does not */
	assert_int_equal(at_int(j, "summary.switch_classes.same_process.switch_cost.estimated_ns"),
			 5 * 1500);
	assert_int_equal(at_int(j, "summary.switch_classes.other_process.switch_cost.estimated_ns"),
			 10 * 2500);
	assert_string_equal(at_str(j, "calibration.created"), "2026-11-01T00:00:00Z");
	json_object_put(j);
	free(out);
}

static void test_json_escapes_comm(void **state)
{
	struct fixture *fx = *state;
	char *out = render(report_json, &fx->rep, NULL);

	assert_contains(out, "\"comm\": \"\\u001b[31m\\n\"");
	assert_contains(out, "\"comm\": \"bel\\u0007\\u001b]0;x\\u0007\"");
	assert_contains(out, "\"--evil=\\u001b[2J\"");
	for (const unsigned char *p = (const unsigned char *)out; *p; p++)
		if (*p < 0x20 && *p != '\n')
			fail_msg("raw control byte 0x%02x at offset %zu", *p,
				 (size_t)((const char *)p - out));
	free(out);
}

static void test_json_root_killed(void **state)
{
	struct fixture *fx = *state;
	struct pvt_collected r = fx->rep;
	json_object *j;
	char *out;

	r.root_wstatus = W_EXITCODE(0, SIGKILL);
	out = render(report_json, &r, NULL);
	j = parse(out);
	assert_null_at(j, "exit.code");
	assert_int_equal(at_int(j, "exit.signal"), 9);
	assert_false(at_bool(j, "exit.core_dumped"));
	json_object_put(j);
	free(out);

	r.root_wstatus = W_EXITCODE(3, 0);
	out = render(report_json, &r, NULL);
	j = parse(out);
	assert_int_equal(at_int(j, "exit.code"), 3);
	assert_null_at(j, "exit.signal");
	json_object_put(j);
	free(out);
}

/* ---- text ---- */

static void check_terminal_safe(const char *out)
{
	for (const unsigned char *p = (const unsigned char *)out; *p; p++)
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
			fail_msg("control byte 0x%02x at offset %zu", *p,
				 (size_t)((const char *)p - out));
}

/* Lines wider than @max columns (UTF-8 code points; the report is ASCII anyway), each printed. */
static size_t wide_lines(const char *out, size_t max)
{
	size_t bad = 0, line = 1;

	for (const char *p = out; *p; line++) {
		size_t len = strcspn(p, "\n");
		char *copy = strndup(p, len);
		size_t w;

		assert_non_null(copy);
		w = term_width(copy);
		if (w > max) {
			print_error("line %zu is %zu columns wide (max %zu): %s\n", line, w, max,
				    copy);
			bad++;
		}
		free(copy);
		p += len;
		if (*p == '\n')
			p++;
	}
	return bad;
}

static size_t check_width(const struct pvt_collected *r)
{
	char *out = render(report_text, r, NULL);
	size_t bad = wide_lines(out, 100);

	free(out);
	return bad;
}

static void test_text_safe(void **state)
{
	struct fixture *fx = *state;
	char *out = render(report_text, &fx->rep, NULL);

	check_terminal_safe(out);
	assert_int_equal(out[strlen(out) - 1], '\n');
	/* the names, escaped */
	assert_contains(out, "\\x1b[31m\\x0a");
	/* cut to the 15-column COMM field on a whole escape, never inside one */
	assert_contains(out, "bel\\x07\\x1b]0;x ");
	assert_null(strstr(out, "bel\\x07\\x1b]0;x\\"));
	assert_contains(out, "--evil=\\x1b[2J");
	free(out);
}

static char *const long_argv[] = {
	"/usr/bin/make", "-j16", "-C", "/home/user/src/some-project/build/release",
	"CFLAGS=-O2 -g -Wall -Wextra -fno-omit-frame-pointer", "all", "check", NULL
};

static void test_text_width(void **state)
{
	struct fixture *fx = *state;
	struct pvt_collected r = fx->rep;
	size_t bad = check_width(&r);

	/* every optional header part at once */
	r.null_programs = true;
	r.root_wstatus = W_EXITCODE(0, SIGSEGV) | 0x80;
	r.counters[PVT_C_TASKMAP_FULL] = 12345;
	r.counters[PVT_C_UNTRACKED_DESC] = 12345;
	r.counters[PVT_C_TASKS_BORN] = 1234567;
	r.counters[PVT_C_UNTRACKED_UNMARKED] = 12345;
	r.counters[PVT_C_TASKS_LOST] = 999;
	r.counters[PVT_C_RB_LOST_EXIT] = 20000;
	bad += check_width(&r);
	/* a long command line (make with many flags is common) */
	r.argv = long_argv;
	bad += check_width(&r);
	assert_int_equal(bad, 0);
}

/* Does the first line starting with @start end with @end? */
static bool line_ends_with(const char *out, const char *start, const char *end)
{
	const char *p = out, *nl;

	while (p && strncmp(p, start, strlen(start))) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		fail_msg("no line starting with '%s'", start);
	nl = strchr(p, '\n');
	if (!nl)
		nl = p + strlen(p);
	return (size_t)(nl - p) >= strlen(end) && !strncmp(nl - strlen(end), end, strlen(end));
}

static void test_text_contents(void **state)
{
	struct fixture *fx = *state;
	char *out = render(report_text, &fx->rep, NULL);

	assert_contains(out, "pvtrace ");
	assert_contains(out, "  pid 100, exit 0, ");
	assert_contains(out, "5 tasks in 3 processes (1 still alive)");
	assert_contains(out, "verified 3/4 tasks exact");
	assert_contains(out, "WARNING: 1 task(s) differ from the kernel's nvcsw/nivcsw:\n");
	/* 101: counted 101%7+3+1 = 7 voluntary, 101%5+1 = 2 involuntary; kernel 6 / 2 */
	assert_contains(out, "    tid 101: counted 7 vol / 2 invol, kernel 6 / 2\n");
	assert_int_equal(count(out, "    tid "), 1);
	assert_contains(out, "lost events: 6");
	assert_contains(out, "  (1 task(s) still alive at the end could not be verified)\n");
	assert_null(strstr(out, "task map full")); /* its wording: test_text_no_warning_when_exact */
	assert_contains(out, "\nPROCESSES");
	assert_contains(out, "\nTASKS by switches (5 of 5)");
	assert_contains(out, "THREADS VERSUS PROCESSES");
	assert_contains(out, "sig11+c");
	assert_contains(out, "alive");
	/* per-TID rows: the mismatching task is flagged "!", the alive one "*" */
	assert_true(line_ends_with(out, "    101     100 ", " !"));
	assert_true(line_ends_with(out, "    300     300 ", " *"));
	assert_false(line_ends_with(out, "    102     100 ", " !"));
	assert_false(line_ends_with(out, "    102     100 ", " *"));
	assert_null(strstr(out, "FOLDED")); /* nothing folded: no word of it */
	assert_null(strstr(out, "folded"));
	free(out);
}

/* ---- placeholders: each said why under its table, and in the JSON ---- */

/* /proc as a sampling pass finds it: 100 read (its leader's stack too), 300 not readable. */
static int legend_reader(pid_t pid, struct pvt_smaps *sum, struct pvt_stack_range *st, size_t n)
{
	if (pid == 300)
		return -EACCES;
	*sum = (struct pvt_smaps){ .rss = 1 << 20, .pss = 1 << 19, .shared = 1 << 19,
				   .private_ = 1 << 19 };
	for (size_t i = 0; i < n; i++) {
		st[i].found = st[i].lo != 0;
		st[i].rss = 8192;
	}
	return 0;
}

static struct pvt_mem mem_rec(uint32_t pid)
{
	struct pvt_mem m = { .pid = pid, .leader_start_time = 500 + pid, .samples = 2 };

	m.peak.rss[PVT_RSS_ANON] = m.rss_peak = 1 << 20;
	m.peak.vma_count = 20;
	return m;
}

static void test_placeholders_said_why(void **state)
{
	struct fixture *fx = *state;
	struct pvt_collected r = fx->rep;
	struct pvt_iter_rec recs[2] = {
		{ .tid = 100, .pid = 100, .start_time = 600, .leader_start_time = 600,
		  .ustack_lo = 0x7000, .ustack_hi = 0x9000 },
		{ .tid = 300, .pid = 300, .start_time = 800, .leader_start_time = 800,
		  .ustack_lo = 0xa000, .ustack_hi = 0xc000 },
	};
	struct pvt_mem m100 = mem_rec(100), m200 = mem_rec(200), m300 = mem_rec(300);
	struct pvt_mem_table mt;
	json_object *j;
	char *out;

	memtab_init(&mt);
	assert_int_equal(memtab_add_bpf(&mt, &m100), 0);
	assert_int_equal(memtab_add_bpf(&mt, &m200), 0);
	assert_int_equal(memtab_add_bpf(&mt, &m300), 0);
	assert_int_equal(memtab_pass(&mt, recs, 2, legend_reader), 0);
	r.mt = &mt;
	r.interval_ms = 100;
	out = render(report_text, &r, NULL);
	/* 200 lived about 0.1 ms, never listed by a pass; 300's /proc not readable */
	assert_contains(out, "\n  - in PRIVATE, SHARED, PSS (1 process): lived shorter than the 100 ms "
			"sampling interval\n");
	assert_contains(out, "\n  ? in PRIVATE, SHARED, PSS (1 process): /proc/PID/smaps_rollup not "
			"readable: Permission denied\n");
	/* thread stacks: none found (no thread had one), 100's sampled, 300's not readable */
	assert_contains(out, "\n  ? in RESERVED, GUARD (5 threads): stack mapping not found");
	assert_contains(out, "\n  - in RESIDENT (3 threads): lived shorter than the 100 ms sampling "
			"interval\n");
	assert_contains(out, "\n  ? in RESIDENT (1 thread): /proc/PID/smaps_rollup not readable: "
			"Permission denied\n");
	/* the cells themselves */
	assert_contains(out, "\\x0a         1.0M         -         -         -        0B     20"
			"        0B\n");
	assert_contains(out, " sleeper              1.0M         ?         ?         ?        0B     20"
			"        0B\n");
	assert_contains(out, "    101     100 worker                  ?       ?         -        0B\n");
	/* the marginal costs: "?" where no thread had its stack found, sampled: said why */
	assert_contains(out, "+ stack ? resident (? reserved; p50, 0 sampled)");
	assert_contains(out, "\n  ? in stack resident (2 threads): lived shorter than the 100 ms");
	assert_contains(out, "\n  ? in reserved (2 threads): stack mapping not found");
	/* others: the switch cost uncalibrated, 300 never ran, never woken, no exec, alive */
	assert_contains(out, "\n  - in SYSCALL, ONCPU (4 tasks): not timed: --syscall-costs never\n");
	assert_contains(out, "\n  - in threads (9 rows): no thread created\n");
	assert_contains(out, "\n  - in SWITCH~ (5 tasks): no calibration: run 'sudo pvtrace calibrate' "
			"once\n");
	assert_contains(out, "\n  - in TOP WAKER (5 tasks): never woken up\n");
	assert_contains(out, "\n  - in 1ST-RUN (1 task): never switched in\n");
	assert_contains(out, "\n  - in LIFETIME (1 task): alive at the end\n");
	assert_contains(out, "\n  - in EXEC (4 tasks): did not exec\n");
	/* no reason that did not occur */
	assert_null(strstr(out, "--interval 0"));
	assert_null(strstr(out, "process map full"));
	assert_int_equal(wide_lines(out, 100), 0);
	free(out);

	out = render(report_json, &r, NULL);
	j = parse(out);
	assert_true(json_object_is_type(at(j, "processes[pid=100].memory.smaps_missing"), json_type_null));
	assert_string_equal(at_str(j, "processes[pid=200].memory.smaps_missing"), "short_lived");
	assert_string_equal(at_str(j, "processes[pid=300].memory.smaps_missing"), "unreadable");
	assert_true(json_object_is_type(at(j, "processes[pid=200].memory_missing"), json_type_null));
	assert_true(json_object_is_type(at(j, "tasks[tid=100].memory.stack_resident_missing"),
					json_type_null));
	assert_string_equal(at_str(j, "tasks[tid=101].memory.stack_resident_missing"), "short_lived");
	assert_string_equal(at_str(j, "tasks[tid=300].memory.stack_resident_missing"), "unreadable");
	assert_string_equal(at_str(j, "tasks[tid=101].memory.stack_reserved_missing"), "stack_not_found");
	/* the fixture's hooks: never attached */
	assert_string_equal(at_str(j, "tasks[tid=101].created.syscall_missing"), "syscall_costs_never");
	json_object_put(j);
	free(out);

	/* the syscall hooks attached in bursts: created outside one (no syscall): the kernel's */
	r.hooks.mode = PVT_SYS_BURSTS;
	out = render(report_text, &r, NULL);
	assert_contains(out, "\n  - in SYSCALL, ONCPU (4 tasks): created by the kernel, in no syscall\n");
	assert_contains(out, "\n  - in processes (8 rows): created by the kernel, in no syscall\n");
	free(out);
	out = render(report_json, &r, NULL);
	j = parse(out);
	assert_string_equal(at_str(j, "tasks[tid=101].created.syscall_missing"), "no_syscall");
	json_object_put(j);
	free(out);

	/* --interval 0: no pass; a record missing, the map full */
	r.interval_ms = 0;
	r.counters[PVT_C_PROCMAP_FULL] = 1;
	memtab_forget_proc(&mt, 200, 700);
	out = render(report_text, &r, NULL);
	/* (the table as it stands: 100 was sampled; 300's read failed, but no pass is said first) */
	assert_contains(out, "\n  - in PRIVATE, SHARED, PSS (1 process): not sampled: --interval 0\n");
	assert_contains(out, "\n  ? in every column (1 process): no memory record: process map full "
			"(raise --max-tasks)\n");
	free(out);
	out = render(report_json, &r, NULL);
	j = parse(out);
	assert_string_equal(at_str(j, "processes[pid=200].memory_missing"), "process_map_full");
	assert_string_equal(at_str(j, "processes[pid=300].memory.smaps_missing"), "interval_off");
	json_object_put(j);
	free(out);
	memtab_free(&mt);
}

/* Tasks beyond --keep-tasks: counted in the header, the tables' titles, FOLDED and summary.folded. */
static void test_folded(void **state)
{
	struct fixture *fx = *state;
	struct pvt_collected r = fx->rep;
	struct pvt_table tb;
	struct pvt_fold f;
	char *out;
	json_object *j;

	table_init(&tb);
	fold_init(&f, &tb, 4, 0, 64);
	fold_set_slab(&f, &(struct pvt_slab_sizes){ .task_struct = 5952 });
	for (uint32_t tid = 101; tid <= 130; tid++) {
		struct pvt_task t = mk(tid, 100, DEAD_OK | PVT_F_BORN, tid % 2 ? "odd" : "even");

		fold_add_task(&f, &tb, NULL, &t);
	}
	{
		struct pvt_task t = mk(100, 100, DEAD_OK | PVT_F_ROOT | PVT_F_GROUP_DEAD, "server");

		fold_add_task(&f, &tb, NULL, &t);
	}
	r.tb = &tb;
	out = render(report_text, &r, NULL);
	/* 4 held, and the root (never folded) */
	assert_contains(out, "31 tasks in 1 processes (0 still alive)");
	assert_contains(out, "  folded beyond --keep-tasks 4: 26 ended tasks, 0 processes (FOLDED)\n");
	assert_contains(out, "\nTASKS by switches (5 of 5; 26 folded)");
	assert_contains(out, "verified 31/31 tasks exact");
	assert_contains(out, "\nFOLDED: 26 ended tasks (26 threads), 0 processes\n  beyond --keep-tasks 4, "
			     "in the sums above; by name (2 of 2)\n");
	/* three of the four held are even: the most switches (tid % 7 + tid % 5) */
	assert_contains(out, "\n      14       14      0 odd ");
	assert_contains(out, "\n      12       12      0 even ");
	free(out);
	out = render(report_json, &r, NULL);
	j = parse(out);
	assert_int_equal(at_int(j, "tracer.keep_tasks"), 4);
	assert_int_equal(at_int(j, "tracer.tasks_folded"), 26);
	assert_int_equal(at_int(j, "tracer.processes_folded"), 0);
	assert_int_equal(json_object_array_length(at(j, "tasks")), 5);
	assert_int_equal(at_int(j, "processes[0].threads"), 31);
	assert_int_equal(at_int(j, "summary.threads.tasks"), 30);
	assert_int_equal(at_int(j, "verified.tasks"), 31);
	assert_int_equal(at_int(j, "summary.folded.tasks"), 26);
	/* by tasks, then by name */
	assert_string_equal(at_str(j, "summary.folded.by_name[0].comm"), "odd");
	assert_int_equal(at_int(j, "summary.folded.by_name[0].tasks"), 14);
	assert_string_equal(at_str(j, "summary.folded.by_name[1].comm"), "even");
	assert_int_equal(at_int(j, "summary.folded.by_name[1].threads"), 12);
	assert_null_at(j, "summary.folded.other");
	assert_int_equal(at_int(j, "summary.folded.out_of_memory.records_lost"), 0);
	assert_int_equal(at_int(j, "summary.memory.threads.count"), 30);
	json_object_put(j);
	free(out);
	/* 100 columns with the largest counts, the out-of-memory warning, a long name */
	assert_int_equal(check_width(&r), 0);
	f.tasks = f.threads = f.processes = 10000000000ull;
	f.keep = 1u << 30;
	f.nnames = 1024; /* (20 of 1024; --top N for more) */
	r.top = 20;
	f.oom_folds = f.records_lost = 1000000;
	memcpy(f.names[0].comm, "\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b\x1b", 16);
	f.names[0].tasks = f.names[0].vol = f.names[0].invol = 10000000000ull;
	assert_int_equal(check_width(&r), 0);
	out = render(report_text, &r, NULL);
	assert_contains(out, "  WARNING: out of memory 1000000 time(s): more folded; 1000000 record(s) lost\n");
	free(out);
	table_free(&tb);
	fold_free(&f);
}

static void test_text_no_warning_when_exact(void **state)
{
	struct fixture *fx = *state;
	struct pvt_collected r = fx->rep;
	struct pvt_table tb;
	struct pvt_task t;
	char *out;

	table_init(&tb);
	t = mk(100, 100, DEAD_OK | PVT_F_GROUP_DEAD, "ok");
	assert_int_equal(table_add(&tb, &t), 0);
	assert_int_equal(table_finish(&tb), 0);
	r.tb = &tb;
	r.counters[PVT_C_TASKMAP_FULL] = 2;
	out = render(report_text, &r, NULL);
	check_terminal_safe(out);
	assert_contains(out, "verified 1/1 tasks exact");
	assert_null(strstr(out, "differ from the kernel"));
	assert_null(strstr(out, "cannot be verified"));
	assert_null(strstr(out, "still alive at the end"));
	assert_contains(out, "WARNING: 2 task(s) not tracked, task map full");
	free(out);
	table_free(&tb);
}

/* Tasks not tracked (the task map full) and their descendants: both reports say so. */
static void test_untracked(void **state)
{
	struct fixture *fx = *state;
	struct pvt_collected r = fx->rep;
	json_object *j;
	char *out;

	r.counters[PVT_C_TASKS_BORN] = 3;
	r.counters[PVT_C_TASKMAP_FULL] = 7;
	r.counters[PVT_C_UNTRACKED_DESC] = 8;
	r.counters[PVT_C_UNTRACKED_EXITED] = 14;
	out = render(report_json, &r, NULL);
	j = parse(out);
	assert_int_equal(at_int(j, "tasks_created"), 3 + 7 + 8);
	assert_int_equal(at_int(j, "lost_events"), 6 + 7 + 8);
	assert_int_equal(at_int(j, "tracer.tasks_born"), 3);
	assert_int_equal(at_int(j, "tracer.tasks_untracked_map_full"), 7);
	assert_int_equal(at_int(j, "tracer.tasks_untracked_descendants"), 8);
	assert_int_equal(at_int(j, "tracer.tasks_untracked_exited"), 14);
	assert_int_equal(at_int(j, "tracer.tasks_untracked_alive"), 1);
	assert_int_equal(at_int(j, "tracer.tasks_untracked_unfollowed"), 0);
	json_object_put(j);
	free(out);

	out = render(report_text, &r, NULL);
	assert_contains(out, "  lost events: 21\n");
	assert_contains(out, "  WARNING: 7 task(s) not tracked, task map full, and their 8 "
			     "descendant(s)\n  (raise --max-tasks: 18 tasks created, 3 tracked, "
			     "15 untracked, 1 still alive)\n");
	assert_null(strstr(out, "could not be marked"));
	free(out);

	r.counters[PVT_C_UNTRACKED_UNMARKED] = 2;
	out = render(report_text, &r, NULL);
	assert_contains(out, "  WARNING: 2 untracked task(s) could not be marked: their "
			     "descendants are not counted\n");
	free(out);
}

static void test_text_top(void **state)
{
	struct fixture *fx = *state;
	struct pvt_collected r = fx->rep;
	char *out;

	r.top = 2;
	out = render(report_text, &r, NULL);
	assert_contains(out, "\nTASKS by switches (2 of 5; --top N for more)");
	free(out);
}

static void test_text_root_signal(void **state)
{
	struct fixture *fx = *state;
	struct pvt_collected r = fx->rep;
	char *out;

	r.root_wstatus = W_EXITCODE(0, SIGSEGV) | 0x80;
	out = render(report_text, &r, NULL);
	assert_contains(out, "  pid 100, killed by signal 11, ");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_helpers_themselves),
		cmocka_unit_test(test_json_contract),
		cmocka_unit_test(test_json_switch_costs),
		cmocka_unit_test(test_json_escapes_comm),
		cmocka_unit_test(test_json_root_killed),
		cmocka_unit_test(test_text_safe),
		cmocka_unit_test(test_text_width),
		cmocka_unit_test(test_text_contents),
		cmocka_unit_test(test_text_no_warning_when_exact),
		cmocka_unit_test(test_untracked),
		cmocka_unit_test(test_text_top),
		cmocka_unit_test(test_text_root_signal),
		cmocka_unit_test(test_folded),
		cmocka_unit_test(test_placeholders_said_why),
	};

	return cmocka_run_group_tests_name("report", tests, setup, teardown);
}
