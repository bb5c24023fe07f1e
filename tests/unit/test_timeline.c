// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/timeline.c: a synthetic recording written with the
 * writer (two CPUs, a process and its thread, an unnamed task; creation,
 * exec, renames, wakeups, a migration, a preemption, an exit) and its
 * timeline compared line for line, text and JSON; the same recording cut at
 * every length, with a byte flipped anywhere, of another version, and a
 * foreign file: what it holds printed and one line, or one line alone, and
 * exit status 1.
 *
 * Files go to a fresh directory under $TMPDIR (or /tmp), removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "record_file.h"
#include "timeline.h"

#define S 1000000000ull /* the recording's start (CLOCK_MONOTONIC) */

static char tmpdir[256], rec[300], out[300], errf[300];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int setup(void **state)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/pvt-timeline-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(rec, sizeof(rec), "%s/rec.data", tmpdir);
	snprintf(out, sizeof(out), "%s/out.txt", tmpdir);
	snprintf(errf, sizeof(errf), "%s/stderr.txt", tmpdir);
	return 0;
}

static int teardown(void **state)
{
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void sched(struct pvt_rec_writer *w, uint16_t cpu, uint64_t rel, uint8_t kind, uint32_t tid,
		  uint32_t other, uint32_t arg, uint32_t next_pid, uint8_t state, uint32_t flags)
{
	struct pvt_sched_ev e = { .ts = S + rel, .tid = tid, .other = other, .arg = arg, .cpu = cpu,
				  .kind = kind, .state = state, .flags = flags, .next_pid = next_pid };

	recw_sched(w, &e);
}

static struct pvt_ev_hdr hdr(uint16_t kind, size_t size, uint32_t cpu, uint64_t rel)
{
	return (struct pvt_ev_hdr){ .size = (uint16_t)size, .kind = kind, .cpu = cpu, .ts = S + rel };
}

#define PREV PVT_SEF_PREV_TRACKED
#define NEXT PVT_SEF_NEXT_TRACKED
#define PREEMPT PVT_SEF_PREEMPT

/*
 * The recording: sh (100) execs as root, creates its thread 101 (renamed
 * worker), which runs on CPU 1, wakes root, is preempted, migrates to CPU 0,
 * preempts root there and exits; 200, whose name no record gives, runs on
 * CPU 1 after an untraced task (7) and wakes 300 (a name with a tab).  With
 * @whole the END chunk is written, else the file stops after the flushed chunks.
 */
static void make(bool whole)
{
	struct pvt_rec_writer *w;
	struct pvt_info_start st = { .realtime_ns = 1700000000ull * S, .monotonic_ns = S };
	struct pvt_ev_rename rn = { .hdr = hdr(PVT_EV_RENAME, sizeof(rn), 0, 4000), .tid = 100,
				    .pid = 100, .by_exec = 1, .old_comm = "sh", .comm = "root" };
	struct pvt_ev_exec ex = { .hdr = hdr(PVT_EV_EXEC, sizeof(ex), 0, 5000), .tid = 100, .pid = 100,
				  .old_tid = 100, .comm = "root", .path = "/bin/root" };
	struct pvt_ev_create cr = { .hdr = hdr(PVT_EV_CREATE, sizeof(cr), 0, 10000), .tid = 101,
				    .pid = 100, .ppid = 1, .parent_tid = 100, .nr = PVT_NR_CLONE3,
				    .clone_flags = PVT_CLONE_THREAD, .comm = "root" };
	struct pvt_ev_rename rn2 = { .hdr = hdr(PVT_EV_RENAME, sizeof(rn2), 1, 30000), .tid = 101,
				     .pid = 100, .old_comm = "root", .comm = "worker" };
	struct pvt_ev_exit *xt = calloc(1, sizeof(*xt));
	struct pvt_task *alive = calloc(2, sizeof(*alive));
	char err[256];

	assert_non_null(xt);
	assert_non_null(alive);
	*xt = (struct pvt_ev_exit){ .hdr = hdr(PVT_EV_EXIT, sizeof(*xt), 0, 99000) };
	xt->task.tid = 101;
	xt->task.pid = 100;
	xt->task.flags = PVT_F_EXITED | PVT_F_DEAD | PVT_F_BORN;
	xt->task.exit_how = PVT_EXIT_SELF;
	strcpy(xt->task.comm, "worker");
	strcpy(xt->task.comm_first, "root");
	alive[0].tid = alive[0].pid = 100;
	strcpy(alive[0].comm, "root");
	strcpy(alive[0].comm_first, "sh");
	alive[1].tid = alive[1].pid = 300;
	strcpy(alive[1].comm, "x\ty");

	assert_int_equal(recw_open(&w, rec, true, err, sizeof(err)), 0);
	recw_info(w, PVT_INFO_START, &st, sizeof(st));
	assert_int_equal(recw_begin(w), 0);
	/* CPU 0 */
	sched(w, 0, 1000, PVT_SE_WAKEUP, 100, 0, 0, 100, 0, 0);
	sched(w, 0, 2000, PVT_SE_SWITCH, 0, 100, 0, 100, 0, NEXT);
	sched(w, 0, 20000, PVT_SE_WAKEUP_NEW, 101, 100, 1, 100, 0, 0);
	sched(w, 0, 40000, PVT_SE_SWITCH, 100, 0, 100, 0, 1, PREV);
	sched(w, 0, 55000, PVT_SE_SWITCH, 0, 100, 0, 100, 0, NEXT);
	sched(w, 0, 80000, PVT_SE_SWITCH, 100, 101, 100, 100, 0, PREV | NEXT | PREEMPT);
	sched(w, 0, 100500, PVT_SE_SWITCH, 101, 100, 100, 100, 0x80, PREV | NEXT);
	/* CPU 1 */
	sched(w, 1, 25000, PVT_SE_SWITCH, 0, 101, 0, 100, 0, NEXT);
	sched(w, 1, 50000, PVT_SE_WAKEUP, 100, 101, 0, 100, 0, 0);
	sched(w, 1, 60000, PVT_SE_SWITCH, 101, 7, 100, 7, 0, PREV | PREEMPT);
	sched(w, 1, 70000, PVT_SE_MIGRATE, 101, 0, 0, 100, 0, 0);
	sched(w, 1, 90000, PVT_SE_SWITCH, 7, 200, 7, 200, 0, NEXT);
	sched(w, 1, 95000, PVT_SE_SWITCH, 200, 0, 200, 0, 2, PREV);
	sched(w, 1, 96000, PVT_SE_WAKEUP, 300, 200, 1, 300, 0, 0);
	/* the journal, in the order run would have consumed it */
	recw_journal(w, PVT_J_RING, &rn, sizeof(rn), NULL, 0);
	recw_journal(w, PVT_J_RING, &ex, sizeof(ex), NULL, 0);
	recw_journal(w, PVT_J_RING, &cr, sizeof(cr), NULL, 0);
	recw_journal(w, PVT_J_RING, &rn2, sizeof(rn2), NULL, 0);
	recw_journal(w, PVT_J_RING, xt, sizeof(*xt), NULL, 0);
	recw_journal(w, PVT_J_MAP_TASK, &alive[0], sizeof(alive[0]), NULL, 0);
	recw_journal(w, PVT_J_MAP_TASK, &alive[1], sizeof(alive[1]), NULL, 0);
	if (whole) {
		assert_int_equal(recw_close(w, 0), 0);
	} else {
		assert_int_equal(recw_flush(w), 0);
		recw_abort(w);
	}
	free(xt);
	free(alive);
}

static const char text[] =
	"       TIME(s)  CPU  TASK[TID/PID]                     SLEEP(us)   WAIT(us)    RUN(us)  ST PREV[TID]\n"
	"      0.000001    0  <idle>                           awakened: sh[100/100] (cpu 0)\n"
	"      0.000004    0  root[100/100]                    renamed: was sh (exec)\n"
	"      0.000005    0  root[100/100]                    exec: /bin/root\n"
	"      0.000010    0  root[100/100]                    created thread: root[101/100] (clone3)\n"
	"      0.000020    0  root[100/100]                    awakened new: root[101/100] (cpu 1)\n"
	"      0.000030    1  worker[101/100]                  renamed: was root\n"
	"      0.000040    0  root[100/100]                             -      1.000     38.000  S  <idle>\n"
	"      0.000050    1  worker[101/100]                  awakened: root[100/100] (cpu 0)\n"
	"      0.000060    1  worker[101/100]                           -      5.000     35.000  R  <idle>\n"
	"      0.000070    1  worker[101/100]                  migrated: to cpu 0\n"
	"      0.000080    0  root[100/100]                        10.000      5.000     25.000  R  <idle>\n"
	"      0.000095    1  ?[200/200]                                -          -      5.000  D  ?[7]\n"
	"      0.000096    1  ?[200/200]                       awakened: x\\x09y[300/300] (cpu 1)\n"
	"      0.000099    0  worker[101/100]                  exited: code 0\n"
	"      0.000100    0  worker[101/100]                       0.000     20.000     20.500  X  root[100]\n"
	/* every "-" and "?" above, said why once (docs/METRICS.md, "Timeline") */
	"  - in SLEEP(us) (1 slice): first seen at its wakeup: the sleep before unknown\n"
	"  - in SLEEP(us) (1 slice): a new task's first slice: no sleep before it\n"
	"  - in SLEEP(us), WAIT(us) (1 slice): first seen at its switch-in: what came before unknown\n"
	"  ? in TASK[TID/PID] (2 names): no record of the recording names it\n"
	"  ? in PREV[TID] (1 name): no record of the recording names it\n";

/* A whole file's text ("" if absent), the caller's to free. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* timeline_print(rec, out) with stderr caught: its exit status; stderr's text in *msg. */
static int print(bool json, char **msg)
{
	int saved, fd, rc;

	fflush(stderr);
	saved = dup(STDERR_FILENO);
	fd = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
	rc = timeline_print(rec, out, json);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	*msg = slurp(errf);
	return rc;
}

static void text_lines(void **state)
{
	char *msg, *got;

	make(true);
	unlink(out);
	assert_int_equal(print(false, &msg), 0);
	got = slurp(out);
	assert_string_equal(got, text);
	assert_string_equal(msg, "");
	free(got);
	free(msg);
}

/* The @n-th line of @s (from 0), in @buf. */
static const char *line(const char *s, int n, char *buf, size_t sz)
{
	const char *e;

	while (n-- > 0 && s)
		s = (s = strchr(s, '\n')) ? s + 1 : NULL;
	assert_non_null(s);
	e = strchr(s, '\n');
	assert_non_null(e);
	assert_true((size_t)(e - s) < sz);
	memcpy(buf, s, (size_t)(e - s));
	buf[e - s] = '\0';
	return buf;
}

static void json_lines(void **state)
{
	char *msg, *got, b[1024];
	int n = 0;

	make(true);
	assert_int_equal(print(true, &msg), 0);
	got = slurp(out);
	for (const char *p = got; (p = strchr(p, '\n')); p++)
		n++;
	assert_int_equal(n, 16); /* as many lines as the text, header included */
	assert_string_equal(line(got, 0, b, sizeof(b)),
			    "{\"schema\":\"pvtrace.timeline/1\",\"start_realtime_ns\":1700000000000000000,"
			    "\"start_monotonic_ns\":1000000000,\"whole\":true,\"sched_lost\":0}");
	assert_string_equal(line(got, 1, b, sizeof(b)),
			    "{\"event\":\"wakeup\",\"time_ns\":1000,\"cpu\":0,\"tid\":100,\"pid\":100,"
			    "\"comm\":\"sh\",\"waker\":{\"tid\":0,\"pid\":null,\"comm\":\"<idle>\"},"
			    "\"target_cpu\":0}");
	assert_string_equal(line(got, 4, b, sizeof(b)),
			    "{\"event\":\"create\",\"time_ns\":10000,\"cpu\":0,\"tid\":101,\"pid\":100,"
			    "\"comm\":\"root\",\"kind\":\"thread\",\"syscall\":\"clone3\",\"creator\":"
			    "{\"tid\":100,\"pid\":100,\"comm\":\"root\"}}");
	assert_string_equal(line(got, 7, b, sizeof(b)),
			    "{\"event\":\"switch\",\"time_ns\":40000,\"cpu\":0,\"tid\":100,\"pid\":100,"
			    "\"comm\":\"root\",\"state\":\"S\",\"preempt\":false,\"sleep_ns\":null,"
			    "\"wait_ns\":1000,\"run_ns\":38000,\"prev\":{\"tid\":0,\"pid\":0,"
			    "\"comm\":\"<idle>\"},\"next\":{\"tid\":0,\"pid\":0,\"comm\":\"<idle>\"}}");
	assert_string_equal(line(got, 10, b, sizeof(b)),
			    "{\"event\":\"migrate\",\"time_ns\":70000,\"cpu\":1,\"tid\":101,\"pid\":100,"
			    "\"comm\":\"worker\",\"dest_cpu\":0}");
	assert_string_equal(line(got, 12, b, sizeof(b)),
			    "{\"event\":\"switch\",\"time_ns\":95000,\"cpu\":1,\"tid\":200,\"pid\":200,"
			    "\"comm\":null,\"state\":\"D\",\"preempt\":false,\"sleep_ns\":null,"
			    "\"wait_ns\":null,\"run_ns\":5000,\"prev\":{\"tid\":7,\"pid\":7,\"comm\":null},"
			    "\"next\":{\"tid\":0,\"pid\":0,\"comm\":\"<idle>\"}}");
	assert_string_equal(line(got, 14, b, sizeof(b)),
			    "{\"event\":\"exit\",\"time_ns\":99000,\"cpu\":0,\"tid\":101,\"pid\":100,"
			    "\"comm\":\"worker\",\"code\":0,\"signal\":null,\"how\":\"exit\"}");
	assert_string_equal(line(got, 15, b, sizeof(b)),
			    "{\"event\":\"switch\",\"time_ns\":100500,\"cpu\":0,\"tid\":101,\"pid\":100,"
			    "\"comm\":\"worker\",\"state\":\"X\",\"preempt\":false,\"sleep_ns\":0,"
			    "\"wait_ns\":20000,\"run_ns\":20500,\"prev\":{\"tid\":100,\"pid\":100,"
			    "\"comm\":\"root\"},\"next\":{\"tid\":100,\"pid\":100,\"comm\":\"root\"}}");
	assert_string_equal(msg, "");
	free(got);
	free(msg);
}

/* Without its end marker: every event it holds, then one line on stderr, and 1. */
static void truncated_prints_what_it_has(void **state)
{
	char *msg, *got, want[512];

	make(false);
	assert_int_equal(print(false, &msg), 1);
	got = slurp(out);
	assert_string_equal(got, text);
	snprintf(want, sizeof(want), "pvtrace: report: %s: truncated recording: it ends after 4 "
		 "chunks, without its end marker (a trace cut short)\n", rec);
	assert_string_equal(msg, want);
	free(got);
	free(msg);
}

/* The recording's bytes, and their length. */
static uint8_t *bytes(size_t *len)
{
	FILE *f = fopen(rec, "rb");
	uint8_t *buf;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	buf = malloc(*len);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

static int write_mem(const uint8_t *buf, size_t len, FILE *f, char *err, size_t errlen)
{
	struct pvt_rec_reader *r;
	int rc;

	if (recr_open_mem(&r, buf, len, err, errlen))
		return -4;
	rc = timeline_write(r, f, false, err, errlen);
	recr_close(r);
	return rc;
}

static void every_prefix_and_every_flip(void **state)
{
	size_t len;
	uint8_t *buf;
	char err[512];
	FILE *nul = fopen("/dev/null", "w");

	make(true);
	buf = bytes(&len);
	assert_non_null(nul);
	assert_int_equal(write_mem(buf, len, nul, err, sizeof(err)), 0);
	for (size_t l = 0; l < len; l++) {
		int rc = write_mem(buf, l, nul, err, sizeof(err));

		assert_true(l < sizeof(struct pvt_file_hdr) ? rc == -4 : rc == -2);
	}
	for (size_t at = 0; at < len; at++) {
		int rc;

		buf[at] ^= 0x08;
		rc = write_mem(buf, len, nul, err, sizeof(err));
		assert_true(rc == -1 || rc == -2 || rc == -4); /* never taken for whole */
		buf[at] ^= 0x08;
	}
	fclose(nul);
	free(buf);
}

/* Corrupt, another version, foreign: one line, 1, and -o FILE not created. */
static void broken_files_get_one_line(void **state)
{
	static const struct {
		const char *what;
		size_t at;      /* the byte changed (SIZE_MAX: a foreign file) */
		uint8_t to;
	} cases[] = {
		{ "corrupt recording: chunk 1 fails its checksum", 0, 0 },
		{ "a pvtrace recording of format version 2; this pvtrace reads version 1", 8, 2 },
		{ "not a pvtrace recording (no PVTRDATA header)", SIZE_MAX, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len, at = cases[i].at;
		uint8_t *buf;
		char *msg, want[512];
		FILE *f;

		make(true);
		buf = bytes(&len);
		if (at == 0) { /* the last byte of the first SCHED chunk's payload */
			struct pvt_chunk_hdr h;
			size_t off = sizeof(struct pvt_file_hdr);

			memcpy(&h, buf + off, sizeof(h)); /* INFO */
			off += sizeof(h) + h.stored_len;
			memcpy(&h, buf + off, sizeof(h));
			assert_int_equal(h.type, PVT_CH_SCHED);
			buf[off + sizeof(h) + h.stored_len - 1] ^= 0x01;
		} else if (at != SIZE_MAX) {
			buf[at] = cases[i].to;
		}
		f = fopen(rec, "wb");
		assert_non_null(f);
		if (at == SIZE_MAX)
			fputs("root:x:0:0:root:/root:/bin/bash\n", f);
		else
			assert_int_equal(fwrite(buf, 1, len, f), len);
		fclose(f);
		free(buf);
		unlink(out);
		assert_int_equal(print(i & 1, &msg), 1);
		snprintf(want, sizeof(want), "pvtrace: report: %s: %s\n", rec, cases[i].what);
		assert_string_equal(msg, want);
		assert_int_equal(access(out, F_OK), -1);
		free(msg);
	}
}

/*
 * The other reasons of a "-": a slice whose switch-in the recording does not
 * hold (400 was running when it began), and one after a sleep whose wakeup it
 * does not hold; 400 named by no record.
 */
static void text_legend_reasons(void **state)
{
	struct pvt_info_start st = { .realtime_ns = 1700000000ull * S, .monotonic_ns = S };
	struct pvt_rec_writer *w;
	char err[256], *msg, *got;

	(void)state;
	assert_int_equal(recw_open(&w, rec, true, err, sizeof(err)), 0);
	recw_info(w, PVT_INFO_START, &st, sizeof(st));
	assert_int_equal(recw_begin(w), 0);
	sched(w, 0, 1000, PVT_SE_SWITCH, 400, 0, 400, 0, 1, PREV);
	sched(w, 0, 2000, PVT_SE_SWITCH, 0, 400, 0, 400, 0, NEXT);
	sched(w, 0, 3000, PVT_SE_SWITCH, 400, 0, 400, 0, 1, PREV);
	assert_int_equal(recw_close(w, 0), 0);
	unlink(out);
	assert_int_equal(print(false, &msg), 0);
	got = slurp(out);
	assert_string_equal(got,
		"       TIME(s)  CPU  TASK[TID/PID]                     SLEEP(us)   WAIT(us)    RUN(us)  ST PREV[TID]\n"
		"      0.000001    0  ?[400/400]                                -          -          -  S  -\n"
		"      0.000003    0  ?[400/400]                                -          -      1.000  S  <idle>\n"
		"  - in SLEEP(us), WAIT(us), RUN(us), PREV[TID] (1 slice): its switch-in not recorded "
		"(before the start, or unseen)\n"
		"  ? in TASK[TID/PID] (2 names): no record of the recording names it\n"
		"  - in SLEEP(us), WAIT(us) (1 slice): no wakeup recorded since its last switch-out\n");
	assert_string_equal(msg, "");
	free(got);
	free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_lines),
		cmocka_unit_test(json_lines),
		cmocka_unit_test(truncated_prints_what_it_has),
		cmocka_unit_test(every_prefix_and_every_flip),
		cmocka_unit_test(broken_files_get_one_line),
		cmocka_unit_test(text_legend_reasons),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
