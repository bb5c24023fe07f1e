// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for user/metrics_expo.c: a small set of series (one exported,
 * two folded into `other`) written in both formats: every family present
 * once with its type, the exact samples of a series and of `other`, the
 * histogram's count equal to its switch-ins, the lost events by reason, the
 * BPF programs only when given, memory only where read, and the formats'
 * own rules (OpenMetrics: family names without _total, # EOF last).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hist.h"
#include "metrics_expo.h"
#include "version.h" /* PVTRACE_VERSION: .output/version.h, made by the Makefile */

#define S 1000000000ull

static struct pvt_task mk(uint32_t tid, const char *comm, uint64_t sw)
{
	struct pvt_task t;

	memset(&t, 0, sizeof(t));
	t.tid = t.pid = tid;
	t.start_time = t.leader_start_time = tid;
	snprintf(t.comm, sizeof(t.comm), "%s", comm);
	t.sw_vol = sw;
	t.sw_invol = 1;
	t.sw_in = sw + 1;
	t.sw_from[PVT_FROM_OTHER_PROCESS] = sw + 1;
	t.runq_count = sw + 1;
	t.runq_total_ns = 1500 * (sw + 1);
	t.runq_hist[hist_bucket_of(1500)] = (uint32_t)(sw + 1);
	t.oncpu_ns = 2 * S + 5;
	return t;
}

static int mem_of(void *ctx, uint32_t pid, uint64_t out[MET_MEM__MAX])
{
	for (int i = 0; i < MET_MEM__MAX; i++)
		out[i] = 4096 * (uint64_t)(i + 1);
	return 0;
}

static char *write_all(enum om_format f, bool progs)
{
	struct metrics_opts o = { .by = METRICS_BY_COMM, .max_series = 1, .grace_ns = 60 * S,
				  .read_mem = mem_of };
	struct pvt_task t[3] = { mk(100, "a\"b", 10), mk(200, "bee", 20), mk(300, "cee", 30) };
	uint64_t c[PVT_C__MAX] = { [PVT_C_RB_LOST_EXIT] = 2, [PVT_C_RB_LOST_RENAME] = 1,
				   [PVT_C_TASKMAP_FULL] = 4, [PVT_C_ATTACH_FULL] = 1,
				   [PVT_C_UNTRACKED_DESC] = 6, [PVT_C_TASKS_LOST] = 3 };
	struct expo_prog p[] = { { "handle_switch", 7, 1500000 } };
	struct expo_health h = { .counters = c, .userspace_lost = 9, .snapshots = 5,
				 .snapshot_ns = 1234567, .progs = progs ? p : NULL,
				 .nprogs = progs ? 1 : 0 };
	struct om_buf b = {};
	struct metrics m;

	assert_int_equal(metrics_init(&m, &o), 0);
	metrics_snapshot(&m, t, 2, 1 * S);
	metrics_task_ended(&m, &t[2]); /* folded, then ended: its series stays for the grace */
	metrics_snapshot(&m, t, 2, 2 * S);
	metrics_expo_write(&b, f, &m, &h);
	metrics_free(&m);
	assert_false(b.oom);
	return b.s;
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static void expect(const char *text, const char *line)
{
	if (!has_line(text, line))
		fail_msg("missing line: %s", line);
}

static const char *const families[] = {
	"pvtrace_context_switches counter", "pvtrace_switch_ins counter",
	"pvtrace_address_space_changes counter", "pvtrace_runqueue_wait_seconds histogram",
	"pvtrace_cpu_seconds counter", "pvtrace_task_creations counter", "pvtrace_tasks gauge",
	"pvtrace_memory_bytes gauge", "pvtrace_lost_events counter",
	"pvtrace_tracked_tasks gauge", "pvtrace_series gauge", "pvtrace_series_overflow counter",
	"pvtrace_snapshots counter", "pvtrace_snapshot_duration_seconds gauge",
};

static void common_samples(const char *s)
{
	expect(s, "pvtrace_context_switches_total{comm=\"a\\\"b\",kind=\"voluntary\"} 10");
	expect(s, "pvtrace_context_switches_total{comm=\"a\\\"b\",kind=\"involuntary\"} 1");
	/* other: bee (alive, folded) and cee (ended, folded) */
	expect(s, "pvtrace_context_switches_total{comm=\"other\",kind=\"voluntary\"} 50");
	expect(s, "pvtrace_switch_ins_total{comm=\"a\\\"b\",from=\"other_process\"} 11");
	expect(s, "pvtrace_switch_ins_total{comm=\"a\\\"b\",from=\"unknown\"} 0");
	expect(s, "pvtrace_runqueue_wait_seconds_bucket{comm=\"a\\\"b\",le=\"1.024e-06\"} 0");
	expect(s, "pvtrace_runqueue_wait_seconds_bucket{comm=\"a\\\"b\",le=\"2.048e-06\"} 11");
	expect(s, "pvtrace_runqueue_wait_seconds_bucket{comm=\"a\\\"b\",le=\"+Inf\"} 11");
	expect(s, "pvtrace_runqueue_wait_seconds_count{comm=\"a\\\"b\"} 11");
	expect(s, "pvtrace_runqueue_wait_seconds_sum{comm=\"a\\\"b\"} 0.0000165");
	expect(s, "pvtrace_runqueue_wait_seconds_count{comm=\"other\"} 52");
	expect(s, "pvtrace_cpu_seconds_total{comm=\"a\\\"b\"} 2.000000005");
	expect(s, "pvtrace_cpu_seconds_total{comm=\"other\"} 4.00000001");
	expect(s, "pvtrace_tasks{comm=\"a\\\"b\",kind=\"process\"} 1");
	expect(s, "pvtrace_tasks{comm=\"other\",kind=\"process\"} 1");
	expect(s, "pvtrace_memory_bytes{comm=\"a\\\"b\",type=\"resident\"} 4096");
	expect(s, "pvtrace_memory_bytes{comm=\"other\",type=\"page_tables\"} 28672");
	expect(s, "pvtrace_lost_events_total{reason=\"ring_buffer_full\"} 3");
	expect(s, "pvtrace_lost_events_total{reason=\"final_record_lost\"} 3");
	expect(s, "pvtrace_lost_events_total{reason=\"task_map_full\"} 5");
	expect(s, "pvtrace_lost_events_total{reason=\"untracked_descendant\"} 6");
	expect(s, "pvtrace_lost_events_total{reason=\"process_map_full\"} 0");
	expect(s, "pvtrace_lost_events_total{reason=\"out_of_memory\"} 9");
	expect(s, "pvtrace_tracked_tasks 2");
	expect(s, "pvtrace_series 1");
	expect(s, "pvtrace_series_overflow_total 2");
	expect(s, "pvtrace_snapshots_total 5");
	expect(s, "pvtrace_snapshot_duration_seconds 0.001234567");
	expect(s, "pvtrace_build_info{version=\"" PVTRACE_VERSION "\"} 1");
}

static void test_text(void **state)
{
	char *s = write_all(OM_PROMETHEUS_TEXT, false);
	char line[128];

	(void)state;
	common_samples(s);
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		const char *sp = strchr(families[i], ' ');
		bool counter = !strcmp(sp, " counter");

		snprintf(line, sizeof(line), "# TYPE %.*s%s%s", (int)(sp - families[i]), families[i],
			 counter ? "_total" : "", sp);
		expect(s, line);
	}
	expect(s, "# TYPE pvtrace_build_info gauge");
	assert_null(strstr(s, "# EOF"));
	assert_null(strstr(s, "# UNIT"));
	assert_null(strstr(s, "pvtrace_bpf_"));
	free(s);
}

static void test_openmetrics(void **state)
{
	char *s = write_all(OM_OPENMETRICS, true);
	char line[128];

	(void)state;
	common_samples(s);
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		snprintf(line, sizeof(line), "# TYPE %s", families[i]);
		expect(s, line);
	}
	expect(s, "# TYPE pvtrace_build info");
	expect(s, "# UNIT pvtrace_runqueue_wait_seconds seconds");
	expect(s, "# UNIT pvtrace_memory_bytes bytes");
	expect(s, "# TYPE pvtrace_bpf_run_time_seconds counter");
	expect(s, "pvtrace_bpf_run_time_seconds_total{program=\"handle_switch\"} 0.0015");
	expect(s, "pvtrace_bpf_runs_total{program=\"handle_switch\"} 7");
	assert_null(strstr(s, "_total counter"));
	assert_string_equal(s + strlen(s) - 6, "# EOF\n");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_openmetrics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
