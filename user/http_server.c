// SPDX-License-Identifier: GPL-2.0
/*
 * http_server.c - the HTTP side of `pvtrace serve` (http_server.h):
 * libmicrohttpd on a listening socket of our own, the routes, content
 * negotiation, and the published page handed from the reader loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include "common.h"
#include "http_server.h"

#define HTTP_MAX_CONNECTIONS 64
#define HTTP_MAX_PER_IP 16
#define HTTP_IDLE_TIMEOUT_S 10 /* a connection silent this long is closed (slow clients) */

struct http_server {
	struct MHD_Daemon *d;
	pthread_mutex_t mu;
	pthread_cond_t cv;          /* a page was published */
	struct http_page *cur;      /* under mu */
	uint64_t gen;               /* pages published, under mu */
	bool want;                  /* a scrape waits for a fresh page, under mu */
	int wake_fd;                /* eventfd: tells the reader loop */
	uint64_t stale_ns;
	int port;
};

enum http_route http_route_of(const char *url)
{
	if (!strcmp(url, "/metrics"))
		return HTTP_ROUTE_METRICS;
	if (!strcmp(url, "/healthz"))
		return HTTP_ROUTE_HEALTH;
	if (!strcmp(url, "/"))
		return HTTP_ROUTE_INDEX;
	return HTTP_ROUTE_NOT_FOUND;
}

/* ---- pages ---- */

static void page_unref(void *cls)
{
	struct http_page *p = cls;

	if (!p || __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL))
		return;
	for (int f = 0; f < OM__FORMATS; f++)
		free(p->text[f]);
	free(p);
}

void http_publish(struct http_server *s, struct http_page *p)
{
	struct http_page *old;

	if (!p)
		return;
	p->refs = 1;
	pthread_mutex_lock(&s->mu);
	old = s->cur;
	s->cur = p;
	s->gen++;
	s->want = false;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	page_unref(old);
}

bool http_wanted(struct http_server *s)
{
	uint64_t v;
	bool want;

	if (read(s->wake_fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing written since */
	}
	pthread_mutex_lock(&s->mu);
	want = s->want;
	pthread_mutex_unlock(&s->mu);
	return want;
}

static void deadline_after_ms(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* A page for a scrape: a fresh one if the reader makes it in time, else the last (NULL: none yet). */
static struct http_page *take_page(struct http_server *s)
{
	struct http_page *p;
	struct timespec until;
	uint64_t gen, one = 1;

	pthread_mutex_lock(&s->mu);
	if (!s->cur || pvt_now_ns() - s->cur->mono_ns > HTTP_FRESH_NS) {
		gen = s->gen;
		s->want = true;
		if (write(s->wake_fd, &one, sizeof(one)) < 0) {
			/* the counter is full: the reader has been told already */
		}
		deadline_after_ms(&until, HTTP_FRESH_WAIT_MS);
		while (s->gen == gen &&
		       pthread_cond_timedwait(&s->cv, &s->mu, &until) != ETIMEDOUT) {
		}
	}
	p = s->cur;
	if (p)
		__atomic_add_fetch(&p->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&s->mu);
	return p;
}

/* ---- responses ---- */

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *text,
				  const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
								 MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_metrics(struct http_server *s, struct MHD_Connection *c)
{
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	enum om_format f = om_negotiate(accept);
	struct http_page *p = take_page(s);
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!p)
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no snapshot yet\n", NULL);
	r = MHD_create_response_from_buffer_with_free_callback_cls(p->len[f], p->text[f],
								   page_unref, p);
	if (!r) {
		page_unref(p);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, om_content_type[f]);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_health(struct http_server *s, struct MHD_Connection *c)
{
	uint64_t built = 0;

	pthread_mutex_lock(&s->mu);
	if (s->cur)
		built = s->cur->mono_ns;
	pthread_mutex_unlock(&s->mu);
	if (!built)
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no snapshot yet\n", NULL);
	if (pvt_now_ns() - built > s->stale_ns)
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				  "stale: the tracer's loop has not published a snapshot lately\n", NULL);
	return reply_text(c, MHD_HTTP_OK, "ok\n", NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	static int seen;
	struct http_server *s = cls;

	/* Other methods are answered at once, before any body is read (the connection closes). */
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n", "GET, HEAD");
	/* GET and HEAD at the second call, the request whole: the connection can be kept alive. */
	if (!*con_cls) {
		*con_cls = &seen;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* a body with a GET: read and ignored */
		return MHD_YES;
	}
	switch (http_route_of(url)) {
	case HTTP_ROUTE_METRICS:
		return reply_metrics(s, c);
	case HTTP_ROUTE_HEALTH:
		return reply_health(s, c);
	case HTTP_ROUTE_INDEX:
		return reply_text(c, MHD_HTTP_OK, "pvtrace serve: /metrics (Prometheus, OpenMetrics), "
				  "/healthz\n", NULL);
	default:
		return reply_text(c, MHD_HTTP_NOT_FOUND, "not found\n", NULL);
	}
}

static void on_log(void *cls, const char *fmt, va_list ap)
{
	char buf[256];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	pvt_debug("http: %s", buf);
}

/* ---- the server ---- */

/* A listening socket on @addr: the fd, or -1 with @err set. */
static int listen_on(const struct sockaddr *addr, socklen_t len, char *err, size_t errlen)
{
	int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1;

	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, addr, len) || listen(fd, 64)) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static struct http_server *server_new(uint64_t stale_ns)
{
	struct http_server *s = calloc(1, sizeof(*s));
	pthread_condattr_t ca;

	if (!s)
		return NULL;
	s->stale_ns = stale_ns;
	s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	/* run_watch.wake_fd: 0 means none, so never stdin's number */
	if (s->wake_fd >= 0 && s->wake_fd <= 2) {
		int fd = fcntl(s->wake_fd, F_DUPFD_CLOEXEC, 3);

		close(s->wake_fd);
		s->wake_fd = fd;
	}
	if (s->wake_fd < 0) {
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	return s;
}

int http_start(struct http_server **out, const struct sockaddr *addr, socklen_t len,
	       uint64_t stale_ns, char *err, size_t errlen)
{
	struct http_server *s = server_new(stale_ns);
	int fd;

	*out = NULL;
	if (!s) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	fd = listen_on(addr, len, err, errlen);
	if (fd < 0) {
		http_stop(s);
		return -1;
	}
	s->port = bound_port(fd);
	s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG,
				0, NULL, NULL, on_request, s,
				MHD_OPTION_EXTERNAL_LOGGER, on_log, NULL,
				MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_MAX_CONNECTIONS,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)HTTP_MAX_PER_IP,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_TIMEOUT_S,
				MHD_OPTION_END);
	if (!s->d) {
		snprintf(err, errlen, "libmicrohttpd could not start");
		close(fd);
		http_stop(s);
		return -1;
	}
	*out = s;
	return 0;
}

int http_port(const struct http_server *s)
{
	return s->port;
}

int http_wake_fd(const struct http_server *s)
{
	return s->wake_fd;
}

void http_stop(struct http_server *s)
{
	if (!s)
		return;
	if (s->d)
		MHD_stop_daemon(s->d);
	page_unref(s->cur);
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}
