// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_calibration.c - the calibration file's parser, calibration_parse(),
 * on any bytes: no crash, no undefined behaviour, no leak, and what it
 * accepts is within the bounds the report relies on.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include "calibrate.h"
#include "fuzz.h"

static int terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

int pvt_fuzz_one(const uint8_t *data, size_t size)
{
	struct pvt_calibration c;
	int err;

	fuzz_quiet();
	err = calibration_parse((const char *)data, size, "fuzz", &c);
	FUZZ_CHECK(err == 0 || err == -EINVAL || err == -ENOMEM);
	FUZZ_CHECK(!strcmp(c.path, "fuzz"));
	if (err) {
		/* a failed load leaves nothing half filled */
		FUZZ_CHECK(c.same_as_ns == 0 && c.as_change_ns == 0 && !c.hostname[0]);
		return err;
	}
	FUZZ_CHECK(cal_ns_usable(c.same_as_ns, true) && cal_ns_usable(c.as_change_ns, true));
	FUZZ_CHECK(cal_ns_usable(c.pipe_threads_rt_ns, false) &&
		   cal_ns_usable(c.pipe_processes_rt_ns, false) &&
		   cal_ns_usable(c.futex_threads_rt_ns, false) &&
		   cal_ns_usable(c.futex_processes_rt_ns, false));
	FUZZ_CHECK(terminated(c.created, sizeof(c.created)) &&
		   terminated(c.hostname, sizeof(c.hostname)) &&
		   terminated(c.kernel, sizeof(c.kernel)) &&
		   terminated(c.cpu_model, sizeof(c.cpu_model)));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pvt_fuzz_one(data, size);
	return 0;
}
