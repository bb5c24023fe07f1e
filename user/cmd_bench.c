// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_bench.c - `pvtrace bench`: run pvbench, the process-versus-thread
 * benchmarks (tools/pvbench/), and with --trace run it under `pvtrace run`
 * so the kernel's side of the same figures (switches, creation costs,
 * memory per task) is reported beside them.
 *
 * pvbench is found, in order: $PVTRACE_PVBENCH; next to the pvtrace binary
 * (a build tree: .output/pvbench); ../libexec/pvtrace/pvbench from it (an
 * installed pvtrace).  Every option but ours is pvbench's, passed on as is.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd_bench.h"
#include "common.h"

#define usage_error(...) pvt_usage_error("bench", __VA_ARGS__)

static void bench_usage(FILE *f)
{
	fprintf(f,
		"usage: pvtrace bench [--trace [--trace-output FILE]] [PVBENCH OPTIONS]\n"
		"\n"
		"Measure process and thread creation, context switches, IPC, memory and scale on\n"
		"this machine, beside the figures and claims of the two articles pvtrace was\n"
		"conceived from, named below (runs pvbench; no root).\n"
		"\n"
		"      --trace              run the benchmarks under 'pvtrace run' (needs root) and\n"
		"                           print its report after theirs: the kernel's side of the\n"
		"                           same switches, creations and memory\n"
		"      --trace-output FILE  write that report to FILE (pvtrace run -o FILE)\n"
		"\n"
		"pvbench's options follow.\n\n");
}

/* The directory of the running pvtrace binary, with a trailing '/'. */
static int self_dir(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	char *slash;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return -1;
	slash[1] = '\0';
	return 0;
}

static const char *find_pvbench(char *buf, size_t size)
{
	static const char *const rel[] = { ".output/pvbench", "pvbench", "../libexec/pvtrace/pvbench" };
	const char *env = getenv("PVTRACE_PVBENCH");
	char dir[PATH_MAX];

	if (env && *env)
		return env;
	if (self_dir(dir, sizeof(dir)))
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(rel); i++) {
		if ((size_t)snprintf(buf, size, "%s%s", dir, rel[i]) >= size)
			continue;
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

int cmd_bench(int argc, char **argv)
{
	char path[PATH_MAX], self[PATH_MAX];
	const char *pvbench, *trace_out = NULL;
	bool trace = false, help = false;
	char **args;
	int n = 0, i;
	ssize_t len;

	/* Ours are taken out wherever they are; everything else is pvbench's. */
	args = calloc((size_t)argc + 8, sizeof(*args));
	if (!args) {
		pvt_err("bench: out of memory");
		return PVT_EXIT_FAILURE;
	}
	args[n++] = NULL; /* [0]: pvbench, or pvtrace for --trace */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--trace")) {
			trace = true;
		} else if (!strcmp(argv[i], "--trace-output") || !strncmp(argv[i], "--trace-output=", 15)) {
			const char *v = argv[i][14] == '=' ? argv[i] + 15 : argv[++i];

			if (!v || !*v) {
				free(args);
				return usage_error("--trace-output needs a file name");
			}
			trace_out = v;
		} else {
			if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
				help = true;
			args[n++] = argv[i];
		}
	}
	if (trace_out && !trace) {
		free(args);
		return usage_error("--trace-output goes with --trace");
	}
	pvbench = find_pvbench(path, sizeof(path));
	if (!pvbench) {
		free(args);
		pvt_err("bench: cannot find pvbench (looked for .output/pvbench, pvbench and "
			"../libexec/pvtrace/pvbench beside pvtrace; set PVTRACE_PVBENCH)");
		return PVT_EXIT_NOTFOUND;
	}
	if (help)
		bench_usage(stdout);
	fflush(stdout);

	if (!trace || help) {
		args[0] = (char *)pvbench;
		execv(pvbench, args);
		pvt_err("bench: cannot run %s: %s", pvbench, strerror(errno));
		free(args);
		return errno == ENOENT ? PVT_EXIT_NOTFOUND : PVT_EXIT_NOEXEC;
	}

	/* pvtrace run --no-status [-o FILE] -- pvbench ARGS... */
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0) {
		pvt_err("bench: cannot find the pvtrace binary: %s", strerror(errno));
		free(args);
		return PVT_EXIT_FAILURE;
	}
	self[len] = '\0';
	{
		char **run = calloc((size_t)n + 12, sizeof(*run));
		int k = 0;

		if (!run) {
			free(args);
			pvt_err("bench: out of memory");
			return PVT_EXIT_FAILURE;
		}
		run[k++] = self;
		for (int v = 0; v < pvt_verbose && v < 3; v++)
			run[k++] = "-v";
		run[k++] = "run";
		run[k++] = "--no-status";
		if (trace_out) {
			run[k++] = "-o";
			run[k++] = (char *)trace_out;
		}
		run[k++] = "--";
		run[k++] = (char *)pvbench;
		for (int a = 1; a < n; a++)
			run[k++] = args[a];
		execv(self, run);
		pvt_err("bench: cannot run %s: %s", self, strerror(errno));
		free(run);
	}
	free(args);
	return PVT_EXIT_FAILURE;
}
