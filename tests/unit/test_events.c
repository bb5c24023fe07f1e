// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/events.c: the live event stream of `pvtrace run
 * --events`.  Hand-built ring-buffer records (creation, exec, rename, exit)
 * go through events_print into a memory stream; the text lines (with their
 * one header) and the JSON lines are checked byte for byte, as are the
 * records it must skip (unknown kinds, short records) and a stream that fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "events.h"
#include "pvtrace.h"

#define T0 5000000000ull /* the command's first sight, CLOCK_MONOTONIC */

#define HEADER "    TIME(s) EVENT      TID     PID  PARENT COMM             DETAILS\n"

/* The clone flags glibc's pthread_create passes to clone3. */
#define PTHREAD_FLAGS 0x3d0f00ull

struct stream {
	struct pvt_events ev;
	char *buf;
	size_t len;
};

static void open_stream(struct stream *s, bool json)
{
	memset(s, 0, sizeof(*s));
	s->ev.f = open_memstream(&s->buf, &s->len);
	assert_non_null(s->ev.f);
	s->ev.json = json;
	s->ev.t0_kt = T0;
}

/* What was printed so far (the stream stays open). */
static const char *out(struct stream *s)
{
	assert_int_equal(fflush(s->ev.f), 0);
	return s->buf;
}

static void close_stream(struct stream *s)
{
	fclose(s->ev.f);
	free(s->buf);
}

static void emit(struct stream *s, const void *rec, size_t size)
{
	events_print(&s->ev, rec, rec, size);
}

/* ---- records ---- */

static void hdr(struct pvt_ev_hdr *h, uint16_t kind, size_t size, uint64_t ts)
{
	h->size = (uint16_t)size;
	h->kind = kind;
	h->cpu = 1;
	h->ts = ts;
}

static struct pvt_ev_create mk_create(void)
{
	struct pvt_ev_create e;

	memset(&e, 0, sizeof(e));
	hdr(&e.hdr, PVT_EV_CREATE, sizeof(e), T0 + 1500000);
	e.tid = 101;
	e.pid = 100;
	e.ppid = 1;
	e.parent_tid = 100;
	e.nr = PVT_NR_CLONE3;
	e.exit_signal = 0;
	e.clone_flags = PTHREAD_FLAGS;
	e.copy_ns = 12345;
	strcpy(e.comm, "worker");
	return e;
}

static struct pvt_ev_exec mk_exec(void)
{
	struct pvt_ev_exec e;

	memset(&e, 0, sizeof(e));
	hdr(&e.hdr, PVT_EV_EXEC, sizeof(e), T0 + 2000000);
	e.tid = 100;
	e.pid = 100;
	e.old_tid = 102;
	e.ret = 0;
	e.exec_ns = 215000;
	e.since_create_ns = 1200000;
	e.minflt = 42;
	strcpy(e.comm, "true");
	strcpy(e.path, "/bin/true");
	return e;
}

static struct pvt_ev_rename mk_rename(void)
{
	struct pvt_ev_rename e;

	memset(&e, 0, sizeof(e));
	hdr(&e.hdr, PVT_EV_RENAME, sizeof(e), T0 + 3000000);
	e.tid = 101;
	e.pid = 100;
	e.by_exec = 0;
	strcpy(e.old_comm, "worker");
	strcpy(e.comm, "stage-1");
	return e;
}

/* The final record of a task: most fields are the report's, these are the stream's. */
static struct pvt_ev_exit *mk_exit(void)
{
	struct pvt_ev_exit *e = calloc(1, sizeof(*e));
	struct pvt_task *t;

	assert_non_null(e);
	hdr(&e->hdr, PVT_EV_EXIT, sizeof(*e), T0 + 4000000);
	t = &e->task;
	t->tid = 101;
	t->pid = 100;
	t->ppid = 1;
	t->parent_tid = 100;
	t->flags = PVT_F_BORN | PVT_F_EXITED | PVT_F_DEAD;
	t->exit_code = 3 << 8;
	t->exit_how = PVT_EXIT_SELF;
	t->first_ns = 7000000;
	t->end_ns = 9000000;
	t->oncpu_ns = 150000;
	t->sw_vol = 5;
	t->sw_invol = 2;
	strcpy(t->comm, "stage-1");
	return e;
}

/* ---- text ---- */

static void test_text_create(void **state)
{
	struct stream s;
	struct pvt_ev_create e = mk_create();

	open_stream(&s, false);
	emit(&s, &e, sizeof(e));
	assert_string_equal(out(&s), HEADER
		"   0.001500 create     101     100     100 worker           thread clone3 "
		"VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID copy 12.3us\n");
	close_stream(&s);
}

static void test_text_header_once(void **state)
{
	struct stream s;
	struct pvt_ev_create a = mk_create(), b = mk_create();

	/* a process by fork (no flags), untimed; then one the kernel made */
	b.tid = b.pid = 200;
	b.parent_tid = 100;
	b.nr = PVT_NR_FORK;
	b.clone_flags = 0;
	b.copy_ns = 0;
	b.hdr.ts = T0 + 1234567890;
	open_stream(&s, false);
	emit(&s, &a, sizeof(a));
	emit(&s, &b, sizeof(b));
	b.tid = b.pid = 2;
	b.ppid = b.parent_tid = 0;
	b.nr = 0;
	b.hdr.ts = T0 + 60000000000ull;
	strcpy(b.comm, "kthreadd");
	emit(&s, &b, sizeof(b));
	assert_string_equal(out(&s), HEADER
		"   0.001500 create     101     100     100 worker           thread clone3 "
		"VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID copy 12.3us\n"
		"   1.234568 create     200     200     100 worker           process fork -\n"
		"  60.000000 create       2       2       0 kthreadd         process kernel -\n");
	close_stream(&s);
}

static void test_text_time_before_origin_is_zero(void **state)
{
	struct stream s;
	struct pvt_ev_create e = mk_create();

	e.hdr.ts = T0 - 1;
	open_stream(&s, false);
	emit(&s, &e, sizeof(e));
	assert_non_null(strstr(out(&s), "\n   0.000000 create     101 "));
	close_stream(&s);
}

static void test_text_exec(void **state)
{
	struct stream s;
	struct pvt_ev_exec e = mk_exec(), f = mk_exec(), u = mk_exec();

	/* failed: ENOENT, no time since creation; untimed (--syscall-costs never): the path alone */
	f.ret = -2;
	f.exec_ns = 3000;
	f.since_create_ns = 0;
	f.old_tid = f.tid;
	strcpy(f.path, "/nonexistent");
	u.exec_ns = 0;
	u.since_create_ns = 0;
	u.old_tid = u.tid;
	open_stream(&s, false);
	emit(&s, &e, sizeof(e));
	emit(&s, &f, sizeof(f));
	emit(&s, &u, sizeof(u));
	assert_string_equal(out(&s), HEADER
		"   0.002000 exec       100     100       - true             /bin/true in 215.0us, "
		"1.20ms after creation, 42 minor faults (was tid 102)\n"
		"   0.002000 exec       100     100       - true             /nonexistent failed: "
		"ENOENT (3.0us)\n"
		"   0.002000 exec       100     100       - true             /bin/true\n");
	close_stream(&s);
}

static void test_text_rename(void **state)
{
	struct stream s;
	struct pvt_ev_rename e = mk_rename();

	open_stream(&s, false);
	emit(&s, &e, sizeof(e));
	e.by_exec = 1;
	strcpy(e.old_comm, "sh");
	strcpy(e.comm, "true");
	emit(&s, &e, sizeof(e));
	assert_string_equal(out(&s), HEADER
		"   0.003000 rename     101     100       - stage-1          was worker\n"
		"   0.003000 rename     101     100       - true             was sh (by exec)\n");
	close_stream(&s);
}

static void test_text_exit(void **state)
{
	struct stream s;
	struct pvt_ev_exit *e = mk_exit();
	struct pvt_task *t = &e->task;

	open_stream(&s, false);
	emit(&s, e, sizeof(*e));
	/* a fault: its own signal, with a core */
	t->exit_code = 11 | 0x80;
	t->exit_how = PVT_EXIT_SIGNAL;
	emit(&s, e, sizeof(*e));
	/* taken down by its group's exit */
	t->exit_code = 9;
	t->exit_how = PVT_EXIT_COLLATERAL;
	t->end_ns = 1500000000;
	t->oncpu_ns = 999;
	t->sw_vol = t->sw_invol = 0;
	emit(&s, e, sizeof(*e));
	/* not seen exiting, not born under tracing: status unknown, no parent; no lifetime */
	t->flags = PVT_F_DEAD;
	t->exit_how = PVT_EXIT_NONE;
	t->end_ns = 0;
	emit(&s, e, sizeof(*e));
	assert_string_equal(out(&s), HEADER
		"   0.004000 exit       101     100     100 stage-1          code 3; lived 2.00ms, "
		"on CPU 150.0us, 7 switches\n"
		"   0.004000 exit       101     100     100 stage-1          signal 11 (SIGSEGV, core), "
		"aimed at it; lived 2.00ms, on CPU 150.0us, 7 switches\n"
		"   0.004000 exit       101     100     100 stage-1          signal 9 (SIGKILL), "
		"collateral of its group's exit; lived 1.493s, on CPU 999ns, 0 switches\n"
		"   0.004000 exit       101     100       - stage-1          ?; lived 0ns, on CPU 999ns, "
		"0 switches\n");
	free(e);
	close_stream(&s);
}

/* Names and paths are the traced programs' choice: escaped, never raw control bytes. */
static void test_text_escapes_hostile_names(void **state)
{
	struct stream s;
	struct pvt_ev_rename r = mk_rename();
	struct pvt_ev_exec x = mk_exec();

	strcpy(r.comm, "\x1b[31mevil\n\x07");
	strcpy(r.old_comm, "a\\b");
	strcpy(x.path, "/tmp/\x1b]0;t\x07");
	x.exec_ns = x.since_create_ns = 0;
	x.old_tid = x.tid;
	/* all 16 bytes of a name, no NUL: not one byte beyond */
	memcpy(x.comm, "0123456789abcdefXYZ", PVT_COMM_LEN);
	open_stream(&s, false);
	emit(&s, &r, sizeof(r));
	emit(&s, &x, sizeof(x));
	assert_string_equal(out(&s), HEADER
		"   0.003000 rename     101     100       - \\x1b[31mevil\\x0a\\x07 was a\\\\b\n"
		"   0.002000 exec       100     100       - 0123456789abcdef /tmp/\\x1b]0;t\\x07\n");
	close_stream(&s);
}

/* ---- JSON lines ---- */

static void test_json_create(void **state)
{
	struct stream s;
	struct pvt_ev_create e = mk_create();

	open_stream(&s, true);
	emit(&s, &e, sizeof(e));
	e.tid = e.pid = 200;
	e.nr = PVT_NR_VFORK;
	e.clone_flags = PVT_CLONE_VM | PVT_CLONE_VFORK | (1ull << 40);
	e.copy_ns = 0;
	emit(&s, &e, sizeof(e));
	assert_string_equal(out(&s),
		"{\"event\":\"create\",\"time_ns\":1500000,\"tid\":101,\"pid\":100,\"comm\":\"worker\","
		"\"ppid\":1,\"parent_tid\":100,\"kind\":\"thread\",\"syscall\":\"clone3\","
		"\"flags\":[\"CLONE_VM\",\"CLONE_FS\",\"CLONE_FILES\",\"CLONE_SIGHAND\",\"CLONE_THREAD\","
		"\"CLONE_SYSVSEM\",\"CLONE_SETTLS\",\"CLONE_PARENT_SETTID\",\"CLONE_CHILD_CLEARTID\"],"
		"\"copy_ns\":12345}\n"
		"{\"event\":\"create\",\"time_ns\":1500000,\"tid\":200,\"pid\":200,\"comm\":\"worker\","
		"\"ppid\":1,\"parent_tid\":100,\"kind\":\"process\",\"syscall\":\"vfork\","
		"\"flags\":[\"CLONE_VM\",\"CLONE_VFORK\",\"0x10000000000\"],\"copy_ns\":null}\n");
	close_stream(&s);
}

static void test_json_exec(void **state)
{
	struct stream s;
	struct pvt_ev_exec e = mk_exec();

	open_stream(&s, true);
	emit(&s, &e, sizeof(e));
	/* failed and untimed: the figures that were not measured are null, not 0 */
	e.ret = -13;
	e.exec_ns = 0;
	e.since_create_ns = 0;
	emit(&s, &e, sizeof(e));
	assert_string_equal(out(&s),
		"{\"event\":\"exec\",\"time_ns\":2000000,\"tid\":100,\"pid\":100,\"comm\":\"true\","
		"\"old_tid\":102,\"path\":\"/bin/true\",\"ret\":0,\"exec_ns\":215000,"
		"\"after_create_ns\":1200000,\"minor_faults_before\":42}\n"
		"{\"event\":\"exec\",\"time_ns\":2000000,\"tid\":100,\"pid\":100,\"comm\":\"true\","
		"\"old_tid\":102,\"path\":\"/bin/true\",\"ret\":-13,\"exec_ns\":null,"
		"\"after_create_ns\":null,\"minor_faults_before\":null}\n");
	close_stream(&s);
}

static void test_json_rename_exact_names(void **state)
{
	struct stream s;
	struct pvt_ev_rename e = mk_rename();

	/* JSON carries the exact bytes, escaped the JSON way */
	strcpy(e.comm, "\x1b[31mevil\n\x07");
	memcpy(e.old_comm, "0123456789abcdef", PVT_COMM_LEN); /* no NUL */
	e.by_exec = 1;
	open_stream(&s, true);
	emit(&s, &e, sizeof(e));
	assert_string_equal(out(&s),
		"{\"event\":\"rename\",\"time_ns\":3000000,\"tid\":101,\"pid\":100,"
		"\"comm\":\"\\u001b[31mevil\\n\\u0007\",\"old_comm\":\"0123456789abcdef\","
		"\"by_exec\":true}\n");
	close_stream(&s);
}

static void test_json_exit(void **state)
{
	struct stream s;
	struct pvt_ev_exit *e = mk_exit();
	struct pvt_task *t = &e->task;

	open_stream(&s, true);
	emit(&s, e, sizeof(*e));
	t->exit_code = 15;
	t->exit_how = PVT_EXIT_SIGNAL;
	t->tid = 100; /* the leader: a process */
	emit(&s, e, sizeof(*e));
	t->flags = PVT_F_DEAD; /* exit not seen */
	t->exit_how = PVT_EXIT_NONE;
	t->first_ns = t->end_ns + 1;
	emit(&s, e, sizeof(*e));
	assert_string_equal(out(&s),
		"{\"event\":\"exit\",\"time_ns\":4000000,\"tid\":101,\"pid\":100,\"comm\":\"stage-1\","
		"\"kind\":\"thread\",\"code\":3,\"signal\":null,\"how\":\"exit\",\"lifetime_ns\":2000000,"
		"\"oncpu_ns\":150000,\"switches\":7}\n"
		"{\"event\":\"exit\",\"time_ns\":4000000,\"tid\":100,\"pid\":100,\"comm\":\"stage-1\","
		"\"kind\":\"process\",\"code\":null,\"signal\":15,\"how\":\"signal\",\"lifetime_ns\":2000000,"
		"\"oncpu_ns\":150000,\"switches\":7}\n"
		"{\"event\":\"exit\",\"time_ns\":4000000,\"tid\":100,\"pid\":100,\"comm\":\"stage-1\","
		"\"kind\":\"process\",\"code\":null,\"signal\":null,\"how\":null,\"lifetime_ns\":0,"
		"\"oncpu_ns\":150000,\"switches\":7}\n");
	free(e);
	close_stream(&s);
}

/* ---- what is not printed ---- */

static void test_skips_unknown_and_short_records(void **state)
{
	struct stream s;
	struct pvt_ev_create c = mk_create();
	struct pvt_ev_exec x = mk_exec();
	struct pvt_ev_rename r = mk_rename();
	struct pvt_ev_exit *e = mk_exit();
	struct pvt_ev_mem m;
	struct pvt_ev_hdr wake;

	memset(&m, 0, sizeof(m));
	hdr(&m.hdr, PVT_EV_MEM, sizeof(m), T0);
	hdr(&wake, PVT_EV_WAKE, sizeof(wake), T0);
	for (int json = 0; json < 2; json++) {
		open_stream(&s, json);
		emit(&s, &m, sizeof(m));          /* memory goes to the report, not the stream */
		emit(&s, &wake, sizeof(wake));    /* a wake-up for the hooks */
		c.hdr.kind = 99;                  /* a kind this build does not know */
		emit(&s, &c, sizeof(c));
		c.hdr.kind = PVT_EV_CREATE;       /* each known kind, one byte short */
		emit(&s, &c, sizeof(c) - 1);
		emit(&s, &x, sizeof(x) - 1);
		emit(&s, &r, sizeof(r) - 1);
		emit(&s, e, sizeof(*e) - 1);
		assert_string_equal(out(&s), "");  /* not even the header */
		assert_false(s.ev.header_done);
		assert_false(s.ev.failed);
		emit(&s, &c, sizeof(c));          /* and the stream still works */
		assert_non_null(strstr(out(&s), json ? "{\"event\":\"create\"," : HEADER));
		close_stream(&s);
	}
	free(e);
}

static void test_stream_off(void **state)
{
	struct pvt_events ev = { .f = NULL };
	struct pvt_ev_create c = mk_create();

	events_print(&ev, &c.hdr, &c, sizeof(c)); /* no stream: nothing, no crash */
	assert_false(ev.header_done);
	assert_false(ev.failed);
}

/* A write that fails (a closed pipe, a full disk) stops the stream for good. */
static void test_failed_stream_stops(void **state)
{
	struct pvt_events ev = { .json = false, .t0_kt = T0 };
	struct pvt_ev_create c = mk_create();
	struct stream s;

	ev.f = fopen("/dev/full", "w");
	if (!ev.f)
		skip();
	events_print(&ev, &c.hdr, &c, sizeof(c));
	assert_true(ev.failed);
	fclose(ev.f);

	/* once failed, nothing more is written even to a stream that works */
	open_stream(&s, false);
	s.ev.failed = true;
	emit(&s, &c, sizeof(c));
	assert_string_equal(out(&s), "");
	assert_true(s.ev.failed);
	close_stream(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_create),
		cmocka_unit_test(test_text_header_once),
		cmocka_unit_test(test_text_time_before_origin_is_zero),
		cmocka_unit_test(test_text_exec),
		cmocka_unit_test(test_text_rename),
		cmocka_unit_test(test_text_exit),
		cmocka_unit_test(test_text_escapes_hostile_names),
		cmocka_unit_test(test_json_create),
		cmocka_unit_test(test_json_exec),
		cmocka_unit_test(test_json_rename_exact_names),
		cmocka_unit_test(test_json_exit),
		cmocka_unit_test(test_skips_unknown_and_short_records),
		cmocka_unit_test(test_stream_off),
		cmocka_unit_test(test_failed_stream_stops),
	};

	return cmocka_run_group_tests_name("events", tests, NULL, NULL);
}
