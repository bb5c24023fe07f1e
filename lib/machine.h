/* SPDX-License-Identifier: GPL-2.0 */
/*
 * machine.h - what a measurement records of the machine it was made on:
 * shared by `pvtrace calibrate` and pvbench.  libc only.
 */
#ifndef PVT_MACHINE_H
#define PVT_MACHINE_H

#include <stdbool.h>
#include <stdint.h>
#include "json_writer.h"

struct pvt_machine {
	char hostname[128], kernel[128], kernel_version[256], arch[72];
	char cpu_model[160];         /* "unknown" if /proc/cpuinfo names none */
	char clocksource[64], governor[64]; /* "" if not exposed */
	char libc[32];
	char date[40];               /* now, ISO 8601 UTC */
	int64_t date_unix;
	int cpus_online, cpus_allowed;
	uint64_t mem_total_bytes;
	bool hypervisor;             /* the CPU flags say it runs under one */
};

/* Fill @m from uname, /proc/cpuinfo, sysfs and the clock; never fails. */
void pvt_machine_read(struct pvt_machine *m);

/*
 * @m as the member @name of the object being written: hostname, kernel,
 * kernel_version, arch, cpu_model, cpus_online, cpus_allowed,
 * mem_total_bytes, hypervisor, clocksource, cpufreq_governor, libc, date
 * ("" as null for cpu_model, clocksource and the governor).
 */
void pvt_machine_write_json(json_writer_t *jw, const char *name, const struct pvt_machine *m);

#endif /* PVT_MACHINE_H */
