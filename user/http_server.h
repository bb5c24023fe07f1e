/* SPDX-License-Identifier: GPL-2.0 */
/*
 * http_server.h - the HTTP side of `pvtrace serve` on libmicrohttpd (its own
 * thread): GET /metrics answers with the last published page in the format
 * the Accept header asks for (openmetrics.h), GET /healthz says whether the
 * reader loop still publishes, GET / links both; any other path is 404, any
 * other method 405 (Allow: GET, HEAD); libmicrohttpd itself refuses what it
 * cannot take (headers beyond its 32 KiB per connection: 431).
 *
 * The reader loop (cmd_serve.c) builds pages and publishes them; a scrape
 * never waits on the reader beyond asking it for a fresh page: it sets a
 * flag, writes to an eventfd the loop watches, and waits (at most
 * HTTP_FRESH_WAIT_MS) for the next page, else takes the last one.  Pages
 * are reference-counted: the mutex is held only to swap or take a pointer.
 *
 *	struct http_server *hs;
 *
 *	if (http_start(&hs, &addr, err, sizeof(err))) ...;
 *	loop: if (http_wanted(hs) || interval elapsed) http_publish(hs, page);
 *	      (watching http_wake_fd(hs))
 *	http_stop(hs);
 */
#ifndef PVT_HTTP_SERVER_H
#define PVT_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "openmetrics.h"

#define HTTP_FRESH_NS 50000000ull  /* a page younger than this is fresh enough for a scrape */
#define HTTP_FRESH_WAIT_MS 1000    /* a scrape waits at most this long for a fresh page */

/* A published page: the exposition in each format (owned), and when it was built. */
struct http_page {
	char *text[OM__FORMATS];
	size_t len[OM__FORMATS];
	uint64_t mono_ns;          /* CLOCK_MONOTONIC of the snapshot */
	int refs;                  /* under the server's mutex */
};

struct http_server;

/*
 * Listen on @addr (bound now, so that a port in use fails here) and serve
 * from a thread of libmicrohttpd's.  @stale_ns: /healthz answers 503 once
 * the last page is older.  0, or -1 with one line in @err.
 */
int http_start(struct http_server **out, const struct sockaddr *addr, socklen_t len,
	       uint64_t stale_ns, char *err, size_t errlen);
/* The port it listens on (as bound: a port 0 asked for is the one the kernel chose). */
int http_port(const struct http_server *s);
/* Readable when a scrape waits for a fresh page (drained by http_wanted()). */
int http_wake_fd(const struct http_server *s);
/* Does a scrape wait for a fresh page?  Drains the wake fd. */
bool http_wanted(struct http_server *s);
/* Publish @p (the server owns it from now on, NULL-safe); waiting scrapes take it. */
void http_publish(struct http_server *s, struct http_page *p);
/* Stop serving (waits for the thread), free the pages.  Accepts NULL. */
void http_stop(struct http_server *s);

/* The path's status and the format its request asks for: the routing, apart from the server. */
enum http_route { HTTP_ROUTE_METRICS, HTTP_ROUTE_HEALTH, HTTP_ROUTE_INDEX, HTTP_ROUTE_NOT_FOUND };
enum http_route http_route_of(const char *url);

#endif /* PVT_HTTP_SERVER_H */
