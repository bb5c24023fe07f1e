// SPDX-License-Identifier: GPL-2.0
/*
 * machine.c - the machine a measurement was made on (see machine.h).
 */
#include <gnu/libc-version.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "machine.h"

static void read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/*
 * The CPU's name: the first of these keys /proc/cpuinfo has (x86 says
 * "model name"; arm64, ppc, s390 and others use the rest); and whether the
 * flags say "hypervisor".
 */
static void read_cpuinfo(struct pvt_machine *m)
{
	static const char *const keys[] = { "model name", "Hardware", "cpu model", "cpu", "Processor" };
	int best_rank = (int)(sizeof(keys) / sizeof(keys[0]));
	char line[4096];
	FILE *f = fopen("/proc/cpuinfo", "re");

	snprintf(m->cpu_model, sizeof(m->cpu_model), "unknown");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *val;
		size_t klen;

		if (!colon)
			continue;
		klen = (size_t)(colon - line);
		while (klen && (line[klen - 1] == ' ' || line[klen - 1] == '\t'))
			klen--;
		val = colon + 1 + strspn(colon + 1, " \t");
		val[strcspn(val, "\n")] = '\0';
		if (klen == 5 && !strncmp(line, "flags", 5) && strstr(val, " hypervisor"))
			m->hypervisor = true;
		for (int i = 0; i < best_rank; i++) {
			if (strlen(keys[i]) == klen && !strncmp(line, keys[i], klen) && *val) {
				snprintf(m->cpu_model, sizeof(m->cpu_model), "%s", val);
				best_rank = i;
				break;
			}
		}
	}
	if (f)
		fclose(f);
}

void pvt_machine_read(struct pvt_machine *m)
{
	time_t now = time(NULL);
	struct utsname u;
	cpu_set_t set;
	struct tm tm;

	memset(m, 0, sizeof(*m));
	if (gethostname(m->hostname, sizeof(m->hostname) - 1))
		snprintf(m->hostname, sizeof(m->hostname), "unknown");
	if (uname(&u) == 0) {
		snprintf(m->kernel, sizeof(m->kernel), "%s", u.release);
		snprintf(m->kernel_version, sizeof(m->kernel_version), "%s", u.version);
		snprintf(m->arch, sizeof(m->arch), "%s", u.machine);
	} else {
		snprintf(m->kernel, sizeof(m->kernel), "unknown");
	}
	read_cpuinfo(m);
	m->cpus_online = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		m->cpus_allowed = CPU_COUNT(&set);
	m->mem_total_bytes = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
	read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		  m->clocksource, sizeof(m->clocksource));
	read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", m->governor,
		  sizeof(m->governor));
	snprintf(m->libc, sizeof(m->libc), "glibc %s", gnu_get_libc_version());
	m->date_unix = (int64_t)now;
	if (gmtime_r(&now, &tm))
		strftime(m->date, sizeof(m->date), "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void pvt_machine_write_json(json_writer_t *jw, const char *name, const struct pvt_machine *m)
{
	jw_name(jw, name);
	jw_start_object(jw);
	jw_string_field(jw, "hostname", m->hostname);
	jw_string_field(jw, "kernel", m->kernel);
	jw_string_field(jw, "kernel_version", m->kernel_version);
	jw_string_field(jw, "arch", m->arch);
	jw_string_or_null_field(jw, "cpu_model", m->cpu_model);
	jw_int_field(jw, "cpus_online", m->cpus_online);
	jw_int_field(jw, "cpus_allowed", m->cpus_allowed);
	jw_uint_field(jw, "mem_total_bytes", m->mem_total_bytes);
	jw_bool_field(jw, "hypervisor", m->hypervisor);
	jw_string_or_null_field(jw, "clocksource", m->clocksource);
	jw_string_or_null_field(jw, "cpufreq_governor", m->governor);
	jw_string_field(jw, "libc", m->libc);
	jw_string_field(jw, "date", m->date);
	jw_end_object(jw);
}
