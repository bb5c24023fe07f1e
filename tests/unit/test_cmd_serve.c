// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for `pvtrace serve`'s options (user/cmd_serve.c): --listen
 * (127.0.0.1 unless another address is given, IPv6 in brackets, port 0),
 * the defaults, --by, the numbers' ranges, the targets that cannot be
 * combined, and the routes of user/http_server.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "cmd_serve.h"
#include "common.h"
#include "http_server.h"
#include "quiet_stderr.h"

static int parse_v(struct serve_opts *o, char **argv)
{
	int argc = 0, q, ret;

	while (argv[argc])
		argc++;
	memset(o, 0xa5, sizeof(*o)); /* the parser must set every field itself */
	q = quiet_begin();
	ret = serve_parse_args(argc, argv, o);
	quiet_end(q);
	return ret;
}

#define PARSE(o, ...) parse_v((o), (char *[]){ "serve", __VA_ARGS__, NULL })

static void test_listen(void **state)
{
	static const struct {
		const char *arg, *shown;
		int family;
	} ok[] = {
		{ "127.0.0.1:9467", "127.0.0.1:9467", AF_INET },
		{ "9467", "127.0.0.1:9467", AF_INET },
		{ ":0", "127.0.0.1:0", AF_INET },
		{ "localhost:80", "127.0.0.1:80", AF_INET },
		{ "0.0.0.0:9100", "0.0.0.0:9100", AF_INET },
		{ "[::1]:80", "[::1]:80", AF_INET6 },
		{ "[::]:65535", "[::]:65535", AF_INET6 },
	};
	static const char *const bad[] = { "1.2.3:80", "host:80", "127.0.0.1:", "127.0.0.1:65536",
		"[::1]", "::1:80", "[::1:80", "127.0.0.1:-1", "", ":", "127.0.0.1:80x" };
	struct serve_opts o;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(&o, 0, sizeof(o));
		if (serve_parse_listen(ok[i].arg, &o))
			fail_msg("refused %s", ok[i].arg);
		assert_string_equal(o.listen, ok[i].shown);
		assert_int_equal(o.addr.ss_family, ok[i].family);
		assert_int_equal(o.addrlen, ok[i].family == AF_INET ? sizeof(struct sockaddr_in) :
					    sizeof(struct sockaddr_in6));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!serve_parse_listen(bad[i], &o))
			fail_msg("took %s", bad[i]);
}

static void test_defaults(void **state)
{
	struct serve_opts o;
	struct sockaddr_in *a = (struct sockaddr_in *)&o.addr;

	(void)state;
	assert_int_equal(parse_v(&o, (char *[]){ "serve", NULL }), 0);
	assert_string_equal(o.listen, "127.0.0.1:9467");
	assert_int_equal(a->sin_family, AF_INET);
	assert_int_equal(ntohl(a->sin_addr.s_addr), INADDR_LOOPBACK);
	assert_int_equal(ntohs(a->sin_port), SERVE_PORT_DEFAULT);
	assert_int_equal(o.npids, 0);
	assert_null(o.cgroup);
	assert_int_equal(o.by, METRICS_BY_PROCESS);
	assert_int_equal(o.max_series, 1000);
	assert_int_equal(o.grace_ns, 120000000000ull);
	assert_int_equal(o.interval_ns, 5000000000ull);
	assert_int_equal(o.max_tasks, 32768);
	assert_false(o.bpf_stats);
	assert_false(o.help);
}

static void test_options(void **state)
{
	struct serve_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-p", "12,13", "-p", "12", "--by", "thread", "--max-series", "5",
			       "--grace", "1.5", "-i", "0.25", "--max-tasks", "100", "--bpf-stats",
			       "--listen", "[::1]:0"), 0);
	assert_int_equal(o.npids, 2);
	assert_int_equal(o.pids[1], 13);
	assert_int_equal(o.by, METRICS_BY_THREAD);
	assert_int_equal(o.max_series, 5);
	assert_int_equal(o.grace_ns, 1500000000ull);
	assert_int_equal(o.interval_ns, 250000000ull);
	assert_int_equal(o.max_tasks, 100);
	assert_true(o.bpf_stats);
	assert_string_equal(o.listen, "[::1]:0");
	assert_int_equal(PARSE(&o, "--cgroup", "/x", "--by", "comm"), 0);
	assert_string_equal(o.cgroup, "/x");
	assert_int_equal(o.by, METRICS_BY_COMM);
	assert_int_equal(PARSE(&o, "--all", "--by", "cgroup", "--grace", "0"), 0);
	assert_int_equal(o.by, METRICS_BY_CGROUP);
	assert_int_equal(o.grace_ns, 0);
	assert_int_equal(PARSE(&o, "-h"), 0);
	assert_true(o.help);
}

static void test_refused(void **state)
{
	struct serve_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-p", "1", "--cgroup", "/"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--all", "-p", "1"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--all", "--cgroup", "/"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--by", "task"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--max-series", "0"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--grace", "-1"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "-i", "0.01"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "-l", "x"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "-p", "0"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--cgroup", ""), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--nope"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "--by"), PVT_EXIT_USAGE);
	assert_int_equal(PARSE(&o, "extra"), PVT_EXIT_USAGE);
}

static void test_routes(void **state)
{
	(void)state;
	assert_int_equal(http_route_of("/metrics"), HTTP_ROUTE_METRICS);
	assert_int_equal(http_route_of("/healthz"), HTTP_ROUTE_HEALTH);
	assert_int_equal(http_route_of("/"), HTTP_ROUTE_INDEX);
	assert_int_equal(http_route_of("/metrics/"), HTTP_ROUTE_NOT_FOUND);
	assert_int_equal(http_route_of("/Metrics"), HTTP_ROUTE_NOT_FOUND);
	assert_int_equal(http_route_of(""), HTTP_ROUTE_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_routes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
