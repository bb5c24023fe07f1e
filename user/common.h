/* SPDX-License-Identifier: GPL-2.0 */
/*
 * common.h - what every pvtrace module shares: messages, verbosity, clocks.
 * Kept once here rather than copied into each subcommand.
 */
#ifndef PVT_COMMON_H
#define PVT_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include "clock.h"  /* pvt_now_ns() */
#include "parse.h"  /* pvt_parse_u64() */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit statuses of pvtrace itself, beside the command's own (README.md: "pvtrace exits with"). */
enum {
	PVT_EXIT_FAILURE = 1,  /* pvtrace's own failure */
	PVT_EXIT_USAGE = 2,    /* usage error */
	PVT_EXIT_NOEXEC = 126, /* command found but not executable */
	PVT_EXIT_NOTFOUND = 127,
};

extern int pvt_verbose; /* -v: libbpf's own messages, debug lines */

/* "pvtrace: <message>\n" on stderr. */
void pvt_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pvt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pvt_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Route libbpf's messages through pvtrace: silent unless -v. */
void pvt_setup_libbpf_print(void);

/*
 * Usage errors of a subcommand: "pvtrace CMD: <message>" and a hint to
 * 'pvtrace CMD --help' on stderr; returns PVT_EXIT_USAGE.
 */
int pvt_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The usage error for getopt_long's ':' (missing argument) or '?' (unknown option). */
int pvt_getopt_error(const char *cmd, int c, char **argv);
/* --max-tasks N (run, attach, record, top, serve): 1 to PVT_MAX_TASKS_LIMIT; else a usage error. */
#define PVT_MAX_TASKS_LIMIT (1u << 22)
int pvt_parse_max_tasks(const char *cmd, const char *arg, uint32_t *out);

/* A duration for people: "812ns", "12.3us", "4.56ms", "1.234s". Returns buf. */
const char *pvt_fmt_ns(char *buf, size_t sz, uint64_t ns);
/* Bytes, binary units, short: "512B", "136.0K", "64.1M", "1.50G". */
const char *pvt_fmt_bytes(char *buf, size_t sz, uint64_t b);

#endif /* PVT_COMMON_H */
