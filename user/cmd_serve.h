/* SPDX-License-Identifier: GPL-2.0 */
/* cmd_serve.h - `pvtrace serve`: options and entry point (cmd_serve.c). */
#ifndef PVT_CMD_SERVE_H
#define PVT_CMD_SERVE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include "metrics.h"
#include "pvtrace.h"

#define SERVE_PORT_DEFAULT 9467

struct serve_opts {
	struct sockaddr_storage addr; /* --listen, resolved */
	socklen_t addrlen;
	char listen[80];              /* as shown: "127.0.0.1:9467", "[::1]:9467" */
	uint32_t pids[PVT_MAX_TARGETS]; /* -p */
	size_t npids;
	const char *cgroup;           /* --cgroup */
	enum metrics_by by;           /* --by */
	size_t max_series;            /* --max-series */
	uint64_t grace_ns;            /* --grace */
	uint64_t interval_ns;         /* --interval */
	uint32_t max_tasks;           /* --max-tasks */
	bool bpf_stats;               /* --bpf-stats */
	bool help;
};

/*
 * --listen's argument: ADDR:PORT (ADDR an IPv4 address, [IPv6] or localhost),
 * or :PORT or PORT alone (127.0.0.1).  0, or -1 (not an address).
 */
int serve_parse_listen(const char *arg, struct serve_opts *o);

/* Parse `serve`'s arguments (argv[0] is "serve").  0, or PVT_EXIT_USAGE after printing why. */
int serve_parse_args(int argc, char **argv, struct serve_opts *o);
void serve_usage(FILE *f);
int cmd_serve(int argc, char **argv);

#endif /* PVT_CMD_SERVE_H */
