// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for lib/machine.c: the record read from this machine (checked
 * against the same facts asked of libc directly) and its JSON form (exact
 * bytes for a record made here).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <gnu/libc-version.h>
#include <cmocka.h>

#include "machine.h"

static void test_read(void **state)
{
	struct pvt_machine m;
	struct utsname u;
	char host[128] = "", libc[32], date[40];
	struct tm tm;
	cpu_set_t set;
	time_t t;

	memset(&m, 0x5a, sizeof(m));
	pvt_machine_read(&m);
	assert_int_equal(uname(&u), 0);
	assert_int_equal(gethostname(host, sizeof(host) - 1), 0);
	assert_string_equal(m.hostname, host);
	assert_string_equal(m.kernel, u.release);
	assert_string_equal(m.kernel_version, u.version);
	assert_string_equal(m.arch, u.machine);
	assert_true(m.cpu_model[0] != '\0'); /* a name, or "unknown" */
	assert_int_equal(m.cpus_online, (int)sysconf(_SC_NPROCESSORS_ONLN));
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	assert_int_equal(m.cpus_allowed, CPU_COUNT(&set));
	assert_true(m.mem_total_bytes ==
		    (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE));
	snprintf(libc, sizeof(libc), "glibc %s", gnu_get_libc_version());
	assert_string_equal(m.libc, libc);
	/* the date is date_unix in ISO 8601 UTC, and now */
	t = (time_t)m.date_unix;
	assert_non_null(gmtime_r(&t, &tm));
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	assert_string_equal(m.date, date);
	assert_true(llabs((long long)(time(NULL) - t)) < 60);
	/* strings terminated within their fields */
	assert_true(strnlen(m.clocksource, sizeof(m.clocksource)) < sizeof(m.clocksource));
	assert_true(strnlen(m.governor, sizeof(m.governor)) < sizeof(m.governor));
}

static void test_json(void **state)
{
	struct pvt_machine m = {
		.hostname = "box", .kernel = "6.1.0", .kernel_version = "#1 SMP \"x\"",
		.arch = "x86_64", .cpu_model = "", .clocksource = "tsc", .governor = "",
		.libc = "glibc 2.36", .date = "2026-01-02T03:04:05Z", .date_unix = 1767323045,
		.cpus_online = 8, .cpus_allowed = 2, .mem_total_bytes = 17179869184ull,
		.hypervisor = true,
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_writer_t *jw;

	assert_non_null(f);
	jw = jw_new(f, false);
	assert_non_null(jw);
	jw_start_object(jw);
	pvt_machine_write_json(jw, "machine", &m);
	jw_end_object(jw);
	assert_int_equal(jw_flush(jw), 0);
	jw_destroy(jw);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf,
		"{\"machine\":{\"hostname\":\"box\",\"kernel\":\"6.1.0\","
		"\"kernel_version\":\"#1 SMP \\\"x\\\"\",\"arch\":\"x86_64\",\"cpu_model\":null,"
		"\"cpus_online\":8,\"cpus_allowed\":2,\"mem_total_bytes\":17179869184,"
		"\"hypervisor\":true,\"clocksource\":\"tsc\",\"cpufreq_governor\":null,"
		"\"libc\":\"glibc 2.36\",\"date\":\"2026-01-02T03:04:05Z\"}}\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests_name("machine", tests, NULL, NULL);
}
