// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_args.c - `pvtrace run`'s option parser, run_parse_args(), on an argv
 * made of the input split at its NUL bytes ("run" first): no crash, no
 * undefined behaviour, getopt restarted cleanly on every call, and what it
 * accepts is within the options' documented ranges.
 */
#include <stdbool.h>
#include <string.h>
#include "cmd_run.h"
#include "common.h"
#include "fuzz.h"
#include "model.h"

#define MAX_ARGS 64

int pvt_fuzz_one(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2], *buf = malloc(size + 1);
	struct run_opts o;
	int argc = 0, r;

	if (!buf)
		return 0;
	fuzz_quiet();
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "run";
	for (char *p = buf; p <= buf + size && argc < MAX_ARGS + 1; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	pvt_verbose = 0;
	r = run_parse_args(argc, argv, &o);
	FUZZ_CHECK(r == 0 || r == PVT_EXIT_USAGE);
	if (r == 0 && !o.help) {
		FUZZ_CHECK(o.argv > argv && o.argv < argv + argc && *o.argv);
		FUZZ_CHECK(o.format == PVT_FMT_TEXT || o.format == PVT_FMT_JSON);
		FUZZ_CHECK(o.max_tasks >= 1 && o.max_tasks <= 1u << 22);
		FUZZ_CHECK(o.ringbuf_bytes >= 4096 && !(o.ringbuf_bytes & (o.ringbuf_bytes - 1)));
		FUZZ_CHECK(o.interval_ms == 0 || (o.interval_ms >= 10 && o.interval_ms <= 3600000));
		FUZZ_CHECK(o.status >= -1 && o.status <= 1);
		FUZZ_CHECK(o.sys_mode == PVT_SYS_BURSTS || o.sys_mode == PVT_SYS_ALWAYS ||
			   o.sys_mode == PVT_SYS_NEVER);
		FUZZ_CHECK(!o.output || *o.output);
		FUZZ_CHECK(!o.calibration || *o.calibration);
		FUZZ_CHECK(!o.events_path || (o.events && *o.events_path));
	}
	free(buf);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pvt_fuzz_one(data, size);
	return 0;
}
