// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the report writers (user/report_json.c, user/report_text.c)
 * on a small hand-built task table:
 *
 *   pid 100 "server"  leader 100 + threads 101 (not exact) and 102 (BEL/ESC in comm)
 *   pid 200           killed by SIGSEGV (with core), comm "\x1b[31m\n"
 *   pid 300 "sleeper" still alive
 *
 * The JSON is checked with a minimal validating parser (syntax only) and
 * strstr() on the contract's key fields; the text for terminal safety and width.
 */
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

#include "escape.h"
#include "report.h"
#include "tasktable.h"

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
	struct pvt_report rep;
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
	fx->rep.t0_ns = T0;
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

/* Run a writer into a memory stream; returns the NUL-terminated output. */
static char *render(int (*writer)(FILE *, const struct pvt_report *), const struct pvt_report *r,
		    size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	assert_int_equal(writer(f, r), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(buf);
	assert_int_equal(strlen(buf), n); /* no NUL byte inside */
	if (len)
		*len = n;
	return buf;
}

/* ---- a minimal JSON syntax checker (RFC 8259 grammar, no semantic checks) ---- */

struct jp {
	const char *s;
	int depth;
};

static void jp_ws(struct jp *p)
{
	while (*p->s == ' ' || *p->s == '\n' || *p->s == '\t' || *p->s == '\r')
		p->s++;
}

static bool jp_value(struct jp *p);

static bool jp_string(struct jp *p)
{
	if (*p->s != '"')
		return false;
	for (p->s++; *p->s != '"'; p->s++) {
		unsigned char c = (unsigned char)*p->s;

		if (c < 0x20)
			return false; /* raw control characters are not allowed */
		if (c == '\\') {
			p->s++;
			if (*p->s == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p->s[i]) || !p->s[i])
						return false;
				p->s += 4;
			} else if (!*p->s || !strchr("\"\\/bfnrt", *p->s)) {
				return false;
			}
		}
	}
	p->s++;
	return true;
}

static bool jp_number(struct jp *p)
{
	const char *s = p->s;

	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return false;
	if (*s == '.') {
		s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	p->s = s;
	return true;
}

static bool jp_container(struct jp *p, char open, char close)
{
	if (*p->s != open || ++p->depth > 64)
		return false;
	p->s++;
	jp_ws(p);
	if (*p->s == close) {
		p->s++;
		p->depth--;
		return true;
	}
	for (;;) {
		jp_ws(p);
		if (open == '{') {
			if (!jp_string(p))
				return false;
			jp_ws(p);
			if (*p->s++ != ':')
				return false;
		}
		if (!jp_value(p))
			return false;
		jp_ws(p);
		if (*p->s == ',') {
			p->s++;
			continue;
		}
		if (*p->s != close)
			return false;
		p->s++;
		p->depth--;
		return true;
	}
}

static bool jp_value(struct jp *p)
{
	jp_ws(p);
	switch (*p->s) {
	case '{':
		return jp_container(p, '{', '}');
	case '[':
		return jp_container(p, '[', ']');
	case '"':
		return jp_string(p);
	case 't':
		return !strncmp(p->s, "true", 4) && (p->s += 4);
	case 'f':
		return !strncmp(p->s, "false", 5) && (p->s += 5);
	case 'n':
		return !strncmp(p->s, "null", 4) && (p->s += 4);
	default:
		return jp_number(p);
	}
}

/* One JSON document, then only whitespace. */
static bool json_valid(const char *s)
{
	struct jp p = { .s = s };

	if (!jp_value(&p))
		return false;
	jp_ws(&p);
	return *p.s == '\0';
}

static void test_json_checker_itself(void **state)
{
	(void)state;
	assert_true(json_valid("{\"a\": [1, -2.5e3, true, false, null, \"x\\u001by\\n\"], \"b\": {}}\n"));
	assert_false(json_valid("{\"a\": 1,}"));
	assert_false(json_valid("{\"a\" 1}"));
	assert_false(json_valid("[1, 2"));
	assert_false(json_valid("\"a\nb\""));
	assert_false(json_valid("\"\\x1b\""));
	assert_false(json_valid("{} {}"));
	assert_false(json_valid("01"));
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

	assert_true(json_valid(out));
	assert_contains(out, "\"schema\": \"pvtrace.report/1\"");
	assert_contains(out, "\"pvtrace_version\": ");
	assert_contains(out, "\"command\": [");
	assert_contains(out, "\"root_pid\": 100");
	assert_contains(out, "\"duration_ns\": 1234567890");
	assert_contains(out, "\"lost_events\": 6");
	assert_contains(out, "\"verified\": {");
	assert_contains(out, "\"verified\": {\n    \"tasks\": 4,\n    \"exact\": 3,\n    \"alive\": 1\n  }");
	assert_contains(out, "\"tracer\": {");
	assert_contains(out, "\"ringbuf_lost\": {");
	assert_contains(out, "\"tasks\": [");
	assert_contains(out, "\"processes\": [");
	assert_contains(out, "\"summary\": {");
	assert_contains(out, "\"threads\": {");
	assert_contains(out, "\"switches\": {");
	assert_contains(out, "\"from\": {");
	assert_contains(out, "\"same_process\": ");
	assert_contains(out, "\"other_process\": ");
	assert_contains(out, "\"idle\": ");
	assert_contains(out, "\"address_space_changes\": ");
	assert_contains(out, "\"kernel\": {");
	assert_contains(out, "\"exact\": false");
	assert_contains(out, "\"exact\": true");
	assert_contains(out, "\"kernel\": null"); /* the alive task is not verified */
	assert_contains(out, "\"signal\": 11");
	assert_contains(out, "\"core_dumped\": true");
	assert_contains(out, "\"last_tid\": 200");
	assert_contains(out, "\"end_ns\": null");
	assert_contains(out, "\"alive\": true");
	assert_contains(out, "\"kind\": \"thread\"");
	assert_contains(out, "\"kind\": \"process\"");
	assert_contains(out, "\"parent_tid\": null"); /* the root was not born under tracing */
	assert_contains(out, "\"first_run_ns\": null"); /* 300 never ran */

	/* one object per task and per process; the switches object everywhere */
	assert_int_equal(count(out, "\"tid\": "), 5);
	/* per process + summary + creation + memory summary */
	assert_int_equal(count(out, "\"threads\": "), 3 + 1 + 1 + 1);
	/* issue 5's contract: memory per task, per process (null: never sampled), summary */
	assert_int_equal(count(out, "\"stack_reserved_bytes\": "), 5);
	assert_int_equal(count(out, "\"kernel_bytes\": "), 5);
	assert_int_equal(count(out, "\"memory\": null"), 3);
	assert_contains(out, "\"stack_resident_bytes\": null");
	assert_contains(out, "\"marginal_bytes\": ");
	assert_contains(out, "\"process_to_thread\": null");
	/* issue 4's contract: creation, names, how each task and process ended */
	assert_contains(out, "\"created\": null");
	assert_contains(out, "\"names\": {");
	assert_contains(out, "\"lifetime_ns\": ");
	assert_contains(out, "\"how\": ");
	assert_contains(out, "\"origin_tid\": ");
	assert_contains(out, "\"collateral_threads\": ");
	assert_contains(out, "\"creation\": {");
	assert_contains(out, "\"exits\": {");
	assert_int_equal(count(out, "\"names\": {"), 5);
	assert_int_equal(count(out, "\"switches\": {"), 5 + 3 + 2);
	assert_int_equal(count(out, "\"from\": {"), 5 + 3 + 2);
	/* only the alive task and process have a null end */
	assert_int_equal(count(out, "\"end_ns\": null"), 2);
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
	struct pvt_report r = fx->rep;
	char *out;

	r.root_wstatus = W_EXITCODE(0, SIGKILL);
	out = render(report_json, &r, NULL);
	assert_true(json_valid(out));
	/* the top-level exit, right after duration_ns */
	assert_contains(out, "\"duration_ns\": 1234567890,\n  \"exit\": {\n    \"code\": null,\n"
			     "    \"signal\": 9,\n    \"core_dumped\": false\n  }");
	free(out);

	r.root_wstatus = W_EXITCODE(3, 0);
	out = render(report_json, &r, NULL);
	assert_contains(out, "\"duration_ns\": 1234567890,\n  \"exit\": {\n    \"code\": 3,\n"
			     "    \"signal\": null\n  }");
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

static size_t check_width(const struct pvt_report *r)
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
	struct pvt_report r = fx->rep;
	size_t bad = check_width(&r);

	/* every optional header part at once */
	r.null_programs = true;
	r.root_wstatus = W_EXITCODE(0, SIGSEGV) | 0x80;
	r.counters[PVT_C_TASKMAP_FULL] = 12345;
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
	assert_null(strstr(out, "task map full"));
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
	free(out);
}

static void test_text_no_warning_when_exact(void **state)
{
	struct fixture *fx = *state;
	struct pvt_report r = fx->rep;
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

static void test_text_top(void **state)
{
	struct fixture *fx = *state;
	struct pvt_report r = fx->rep;
	char *out;

	r.top = 2;
	out = render(report_text, &r, NULL);
	assert_contains(out, "\nTASKS by switches (2 of 5; --top N for more)");
	free(out);
}

static void test_text_root_signal(void **state)
{
	struct fixture *fx = *state;
	struct pvt_report r = fx->rep;
	char *out;

	r.root_wstatus = W_EXITCODE(0, SIGSEGV) | 0x80;
	out = render(report_text, &r, NULL);
	assert_contains(out, "  pid 100, killed by signal 11, ");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_checker_itself),
		cmocka_unit_test(test_json_contract),
		cmocka_unit_test(test_json_escapes_comm),
		cmocka_unit_test(test_json_root_killed),
		cmocka_unit_test(test_text_safe),
		cmocka_unit_test(test_text_width),
		cmocka_unit_test(test_text_contents),
		cmocka_unit_test(test_text_no_warning_when_exact),
		cmocka_unit_test(test_text_top),
		cmocka_unit_test(test_text_root_signal),
	};

	return cmocka_run_group_tests_name("report", tests, setup, teardown);
}
