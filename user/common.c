// SPDX-License-Identifier: GPL-2.0
/* common.c - messages, libbpf print routing, formatting for people. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "common.h"

int pvt_verbose;

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "pvtrace: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void pvt_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void pvt_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void pvt_debug(const char *fmt, ...)
{
	va_list ap;

	if (!pvt_verbose)
		return;
	va_start(ap, fmt);
	vmsg("debug: ", fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!pvt_verbose || (level == LIBBPF_DEBUG && pvt_verbose < 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void pvt_setup_libbpf_print(void)
{
	libbpf_set_print(libbpf_print);
}

int pvt_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pvtrace %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'pvtrace %s --help'.\n", cmd);
	return PVT_EXIT_USAGE;
}

int pvt_parse_max_tasks(const char *cmd, const char *arg, uint32_t *out)
{
	uint64_t v;

	if (pvt_parse_u64(arg, 1, PVT_MAX_TASKS_LIMIT, &v))
		return pvt_usage_error(cmd, "--max-tasks needs a number from 1 to %u, not '%s'",
				       PVT_MAX_TASKS_LIMIT, arg);
	*out = (uint32_t)v;
	return 0;
}

int pvt_getopt_error(const char *cmd, int c, char **argv)
{
	if (c == ':')
		return pvt_usage_error(cmd, "option '%s' needs an argument", argv[optind - 1]);
	const char *arg = argv[optind - 1];

	/* A long option known but given "=value" it takes none: optopt is its value, not a letter. */
	if (!strncmp(arg, "--", 2) && strchr(arg, '='))
		return pvt_usage_error(cmd, "option '%.*s' takes no argument or is unknown",
				       (int)(strchr(arg, '=') - arg), arg);
	/* optopt names a bad short option, even inside a group like -xq */
	if (optopt > 0 && optopt < 128 && arg[0] == '-' && arg[1] != '-')
		return pvt_usage_error(cmd, "unknown option '-%c'", optopt);
	return pvt_usage_error(cmd, "unknown option '%s'", arg);
}

const char *pvt_fmt_ns(char *buf, size_t sz, uint64_t ns)
{
	if (ns < 1000)
		snprintf(buf, sz, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, sz, "%.1fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, sz, "%.2fms", ns / 1e6);
	else
		snprintf(buf, sz, "%.3fs", ns / 1e9);
	return buf;
}

const char *pvt_fmt_bytes(char *buf, size_t sz, uint64_t b)
{
	if (b < 1024)
		snprintf(buf, sz, "%lluB", (unsigned long long)b);
	else if (b < 1024 * 1024)
		snprintf(buf, sz, "%.1fK", b / 1024.0);
	else if (b < 1024ull * 1024 * 1024)
		snprintf(buf, sz, "%.1fM", b / (1024.0 * 1024));
	else
		snprintf(buf, sz, "%.2fG", b / (1024.0 * 1024 * 1024));
	return buf;
}
