// SPDX-License-Identifier: GPL-2.0
/*
 * ipc.c - pvbench suite "ipc": what a message between two PROCESSES costs.
 *
 * Every figure is taken between the pvbench process (A) and one child made
 * with fork() (B).  Neither is pinned: both keep the affinity pvbench
 * inherited and the scheduler places them, as it would a real application.
 *
 * Latency (us, lower is better; figure = ONE-WAY latency = round trip / 2):
 *   One operation is one round trip: A sends a message, B receives it and
 *   sends one back, A receives it.  bench_time() times runs of N round trips
 *   (after a discarded warm-up, N doubled until a run lasts min_run_ns, then
 *   o->runs runs); each run's figure is elapsed / N / 2.  Nothing is
 *   subtracted: the syscalls on both sides are part of a message's cost.
 *   details.roundtrip_us is the median round trip itself.
 *   ipc.pipe_latency         two pipes, write()/read() of 1 byte each way.
 *   ipc.unix_socket_latency  socketpair(AF_UNIX, SOCK_STREAM), 1 byte each way.
 *   ipc.eventfd_latency      two eventfds inherited over fork: write() of the
 *                            8-byte value 1, read() of 8 bytes.
 *   ipc.shm_futex_latency    a MAP_SHARED|MAP_ANONYMOUS page holds a turn
 *                            word (0: A's turn, 1: B's).  A side hands over by
 *                            storing the other's value and FUTEX_WAKE (the
 *                            shared, non-private op: these are processes),
 *                            then FUTEX_WAITs while the word is not its own
 *                            value (no spinning).  The wake is issued every
 *                            time, waiter or not.
 *   ipc.mq_latency           two POSIX message queues (mq_maxmsg 10,
 *                            mq_msgsize 64) created with O_CREAT|O_EXCL, mode
 *                            0600, as /pvbench.<pid>.<n>; 1-byte messages.
 *                            The names are unlinked as soon as they are open:
 *                            B inherits the descriptors over fork.
 *
 * Bandwidth (MB/s = 10^6 bytes/s, higher is better):
 *   A sends, B receives.  Before a run, A tells B the byte count on a control
 *   pipe (not timed).  Timed: from A's first write until A has read a 1-byte
 *   ack that B writes on a separate pipe once it has received every byte.
 *   Figure = bytes / that time.  A writes messages of exactly the suffix's
 *   size (64, 4096 or 65536 bytes; short writes on streams are completed)
 *   from one buffer it filled once; B reads into a buffer of that size (the
 *   copy out of the kernel touches the data).  The bytes per run start at
 *   1 MiB and grow (x8 while a run is under 1/8 of min_run_ns, else x2) until
 *   a run lasts min_run_ns; one discarded warm-up run comes first; then
 *   o->runs runs, all of the same size (details.bytes_per_run).
 *   ipc.pipe_bandwidth_*         a pipe of the default capacity.
 *   ipc.unix_socket_bandwidth_*  socketpair(AF_UNIX, SOCK_STREAM), default buffers.
 *   ipc.mq_bandwidth_*           a POSIX message queue with mq_msgsize = the
 *                                message size and mq_maxmsg 10 (64 and 4096
 *                                only: the default msgsize_max is 8192).
 *
 * A dead partner fails the result, never hangs: pipes and sockets see EOF or
 * EPIPE (SIGPIPE is ignored while the suite runs), futex waits and mq calls
 * have a 1 s timeout after which A checks the child, and for eventfd a
 * SIGCHLD handler adds a marker value to the eventfd A waits on.  The
 * partner process, the descriptors and the queues: ipc_peer.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "ipc.h"

#define LAT_MAX_ITERS (1ull << 24)
#define BW_START_BYTES (1ull << 20)
#define BW_MAX_BYTES (1ull << 36)
#define MQ_LAT_MSGSIZE 64
#define MQ_MAXMSG 10
#define EFD_DEAD (1ull << 40)	/* added to A's eventfd by the SIGCHLD handler */

enum kind { K_PIPE, K_SOCK, K_EVENTFD, K_FUTEX, K_MQ };

static long futex(_Atomic uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, (uint32_t *)uaddr, op, val, ts, NULL, 0);
}

/* ---- latency ---- */

struct lat {
	enum kind kind;
	int p_rx, p_tx;		/* A receives on / sends on (fds or mq descriptors) */
	int c_rx, c_tx;		/* B receives on / sends on */
	_Atomic uint32_t *turn;	/* K_FUTEX: 0 = A's turn, 1 = B's */
	size_t mapsz;
	struct owned own;
	struct peer peer;
};

static volatile sig_atomic_t kick_fd = -1;

static void on_sigchld(int sig)
{
	int e = errno;
	uint64_t v = EFD_DEAD;

	(void)sig;
	if (kick_fd >= 0 && write(kick_fd, &v, sizeof(v)) < 0)
		v = 0;
	errno = e;
}

static int lat_child(void *arg)
{
	struct lat *l = arg;
	int keep[2] = { l->c_rx, l->c_tx };
	char buf[MQ_LAT_MSGSIZE];
	uint64_t v;
	ssize_t n;

	own_keep(&l->own, keep, 2);
	for (;;) {
		switch (l->kind) {
		case K_PIPE:
		case K_SOCK:
			while ((n = read(l->c_rx, buf, 1)) < 0 && errno == EINTR)
				;
			if (n != 1)
				return n ? 1 : 0;
			while ((n = write(l->c_tx, buf, 1)) < 0 && errno == EINTR)
				;
			if (n != 1)
				return 1;
			break;
		case K_EVENTFD:
			while ((n = read(l->c_rx, &v, sizeof(v))) < 0 && errno == EINTR)
				;
			if (n != sizeof(v))
				return 1;
			v = 1;
			while ((n = write(l->c_tx, &v, sizeof(v))) < 0 && errno == EINTR)
				;
			if (n != sizeof(v))
				return 1;
			break;
		case K_FUTEX:
			while (atomic_load_explicit(l->turn, memory_order_acquire) != 1)
				futex(l->turn, FUTEX_WAIT, 0, NULL);
			atomic_store_explicit(l->turn, 0, memory_order_release);
			futex(l->turn, FUTEX_WAKE, 1, NULL);
			break;
		case K_MQ:
			while ((n = mq_receive(l->c_rx, buf, sizeof(buf), NULL)) < 0 &&
			       errno == EINTR)
				;
			if (n < 0)
				return 1;
			while (mq_send(l->c_tx, buf, n, 0) < 0)
				if (errno != EINTR)
					return 1;
			break;
		}
	}
}

/* A's side, for pipes and stream sockets: @iters round trips of 1 byte. */
static int stream_rt(void *ctx, uint64_t iters, char *err, size_t errsz)
{
	struct lat *l = ctx;
	char c = 'x';
	ssize_t n;

	for (uint64_t i = 0; i < iters; i++) {
		while ((n = write(l->p_tx, &c, 1)) < 0 && errno == EINTR)
			;
		if (n != 1)
			return partner_fail(&l->peer, "write", n < 0 ? errno : EPIPE, err, errsz);
		while ((n = read(l->p_rx, &c, 1)) < 0 && errno == EINTR)
			;
		if (n != 1)
			return partner_fail(&l->peer, "read", n < 0 ? errno : 0, err, errsz);
	}
	return 0;
}

static int eventfd_rt(void *ctx, uint64_t iters, char *err, size_t errsz)
{
	struct lat *l = ctx;
	uint64_t v;
	ssize_t n;

	for (uint64_t i = 0; i < iters; i++) {
		v = 1;
		while ((n = write(l->p_tx, &v, sizeof(v))) < 0 && errno == EINTR)
			;
		if (n != sizeof(v))
			return partner_fail(&l->peer, "eventfd write", n < 0 ? errno : EIO, err,
					    errsz);
		for (;;) {
			while ((n = read(l->p_rx, &v, sizeof(v))) < 0 && errno == EINTR)
				;
			if (n != sizeof(v))
				return partner_fail(&l->peer, "eventfd read", n < 0 ? errno : EIO,
						    err, errsz);
			if (v < EFD_DEAD)
				break;
			/* The SIGCHLD handler's marker: is it our partner? */
			if (peer_dead(&l->peer))
				return partner_fail(&l->peer, "eventfd read", 0, err, errsz);
			if (v % EFD_DEAD)
				break;
		}
	}
	return 0;
}

static int futex_rt(void *ctx, uint64_t iters, char *err, size_t errsz)
{
	struct lat *l = ctx;
	struct timespec to = { 1, 0 };

	for (uint64_t i = 0; i < iters; i++) {
		atomic_store_explicit(l->turn, 1, memory_order_release);
		if (futex(l->turn, FUTEX_WAKE, 1, NULL) < 0)
			return partner_fail(&l->peer, "FUTEX_WAKE", errno, err, errsz);
		while (atomic_load_explicit(l->turn, memory_order_acquire) != 0) {
			if (futex(l->turn, FUTEX_WAIT, 1, &to) < 0 && errno == ETIMEDOUT &&
			    peer_dead(&l->peer))
				return partner_fail(&l->peer, "FUTEX_WAIT", ETIMEDOUT, err, errsz);
		}
	}
	return 0;
}

static int mq_rt(void *ctx, uint64_t iters, char *err, size_t errsz)
{
	struct lat *l = ctx;
	struct timespec dl = mq_deadline();
	char buf[MQ_LAT_MSGSIZE] = "x";

	for (uint64_t i = 0; i < iters; i++) {
		while (mq_timedsend(l->p_tx, buf, 1, 0, &dl) < 0) {
			if (errno == ETIMEDOUT && !peer_dead(&l->peer))
				dl = mq_deadline();
			else if (errno != EINTR)
				return partner_fail(&l->peer, "mq_send", errno, err, errsz);
		}
		while (mq_timedreceive(l->p_rx, buf, sizeof(buf), NULL, &dl) < 0) {
			if (errno == ETIMEDOUT && !peer_dead(&l->peer))
				dl = mq_deadline();
			else if (errno != EINTR)
				return partner_fail(&l->peer, "mq_receive", errno, err, errsz);
		}
	}
	return 0;
}

static int lat_setup(struct lat *l, enum kind kind, char *err, size_t errsz)
{
	int a[2], b[2];

	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->p_rx = l->p_tx = l->c_rx = l->c_tx = -1;
	switch (kind) {
	case K_PIPE:
		if (pipe2(a, O_CLOEXEC))
			goto sys;
		own_add(&l->own, a[0], false);
		own_add(&l->own, a[1], false);
		if (pipe2(b, O_CLOEXEC))
			goto sys;
		own_add(&l->own, b[0], false);
		own_add(&l->own, b[1], false);
		l->p_tx = a[1];
		l->c_rx = a[0];
		l->c_tx = b[1];
		l->p_rx = b[0];
		return 0;
	case K_SOCK:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a))
			goto sys;
		own_add(&l->own, a[0], false);
		own_add(&l->own, a[1], false);
		l->p_rx = l->p_tx = a[0];
		l->c_rx = l->c_tx = a[1];
		return 0;
	case K_EVENTFD:
		a[0] = eventfd(0, EFD_CLOEXEC);
		if (a[0] < 0)
			goto sys;
		own_add(&l->own, a[0], false);
		b[0] = eventfd(0, EFD_CLOEXEC);
		if (b[0] < 0)
			goto sys;
		own_add(&l->own, b[0], false);
		l->p_tx = l->c_rx = a[0];
		l->c_tx = l->p_rx = b[0];
		return 0;
	case K_FUTEX: {
		void *m;

		l->mapsz = (size_t)sysconf(_SC_PAGESIZE);
		m = mmap(NULL, l->mapsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED) {
			l->mapsz = 0;
			goto sys;
		}
		l->turn = m;
		atomic_store(l->turn, 0);
		return 0;
	}
	case K_MQ:
		a[0] = mq_new(MQ_MAXMSG, MQ_LAT_MSGSIZE, err, errsz);
		if (a[0] < 0)
			return -1;
		own_add(&l->own, a[0], true);
		b[0] = mq_new(MQ_MAXMSG, MQ_LAT_MSGSIZE, err, errsz);
		if (b[0] < 0)
			return -1;
		own_add(&l->own, b[0], true);
		l->p_tx = l->c_rx = a[0];
		l->c_tx = l->p_rx = b[0];
		return 0;
	}
	snprintf(err, errsz, "unknown kind");
	return -1;
sys:
	snprintf(err, errsz, "%s: %s", kind == K_PIPE ? "pipe" : kind == K_SOCK ? "socketpair" :
		 kind == K_EVENTFD ? "eventfd" : "mmap", strerror(errno));
	return -1;
}

static void lat_cleanup(struct lat *l)
{
	own_close_all(&l->own);
	if (l->mapsz)
		munmap((void *)l->turn, l->mapsz);
	l->mapsz = 0;
}

static bool lat_result(const struct bench_opts *o, struct bench_results *rs, const char *name,
		       enum kind kind, const char *params)
{
	static const bench_op_fn ops[] = {
		[K_PIPE] = stream_rt, [K_SOCK] = stream_rt, [K_EVENTFD] = eventfd_rt,
		[K_FUTEX] = futex_rt, [K_MQ] = mq_rt,
	};
	struct bench_result *r = bench_new(rs, name, BENCH_US);
	struct sigaction sa = { .sa_handler = on_sigchld, .sa_flags = SA_RESTART | SA_NOCLDSTOP };
	struct sigaction old_sa;
	sigset_t chld, old_mask;
	char err[200] = "";
	bool ok = false;
	struct lat l;
	double rt;

	bench_params(r, "%s", params);
	if (lat_setup(&l, kind, err, sizeof(err))) {
		bench_fail(r, "%s", err);
		lat_cleanup(&l);
		return false;
	}
	if (kind == K_EVENTFD) {
		/* A's read has no timeout: a dead child must kick it. */
		kick_fd = l.p_rx;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGCHLD, &sa, &old_sa);
		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		sigprocmask(SIG_UNBLOCK, &chld, &old_mask);
	}
	if (peer_start(&l.peer, lat_child, &l, err, sizeof(err))) {
		bench_fail(r, "%s", err);
	} else {
		int keep[2] = { l.p_rx, l.p_tx };

		own_keep(&l.own, keep, 2);
		if (!bench_time(o, r, ops[kind], &l, LAT_MAX_ITERS)) {
			rt = r->median;
			for (unsigned int i = 0; i < r->n; i++)
				r->v[i] /= 2;
			bench_finish(r);
			bench_extra(r, "roundtrip_us", rt);
			ok = true;
		}
	}
	if (kind == K_EVENTFD) {
		sigaction(SIGCHLD, &old_sa, NULL);
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
		kick_fd = -1;
	}
	peer_stop(&l.peer);
	lat_cleanup(&l);
	return ok;
}

/* ---- bandwidth ---- */

struct bw {
	enum kind kind;		/* K_PIPE, K_SOCK or K_MQ */
	size_t msg;		/* bytes per message */
	int p_tx, c_rx;		/* the data channel: A writes, B reads */
	int ctl[2];		/* A -> B: the byte count of the next run (uint64_t) */
	int ack[2];		/* B -> A: 1 byte once all of them have arrived */
	char *txbuf, *rxbuf;
	struct owned own;
	struct peer peer;
};

static int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int bw_child(void *arg)
{
	struct bw *b = arg;
	int keep[3] = { b->c_rx, b->ctl[0], b->ack[1] };
	uint64_t total, got;
	ssize_t n;
	char c = 'k';

	own_keep(&b->own, keep, 3);
	for (;;) {
		got = 0;
		while (got < sizeof(total)) {
			n = read(b->ctl[0], (char *)&total + got, sizeof(total) - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return n ? 1 : 0;
			got += (uint64_t)n;
		}
		for (got = 0; got < total; got += (uint64_t)n) {
			if (b->kind == K_MQ)
				n = mq_receive(b->c_rx, b->rxbuf, b->msg, NULL);
			else
				n = read(b->c_rx, b->rxbuf, b->msg);
			if (n < 0 && errno == EINTR) {
				n = 0;
				continue;
			}
			if (n <= 0)
				return 1;
		}
		if (write_full(b->ack[1], &c, 1))
			return 1;
	}
}

/* One run of @total bytes: *ns from A's first write until B's ack is read. */
static int bw_run(struct bw *b, uint64_t total, uint64_t *ns, char *err, size_t errsz)
{
	struct timespec dl;
	uint64_t t0, sent;
	ssize_t n;
	char c;

	if (write_full(b->ctl[1], &total, sizeof(total)))
		return partner_fail(&b->peer, "control pipe write", errno, err, errsz);
	if (b->kind == K_MQ)
		dl = mq_deadline();
	t0 = pvt_now_ns();
	for (sent = 0; sent < total; sent += b->msg) {
		if (b->kind == K_MQ) {
			while (mq_timedsend(b->p_tx, b->txbuf, b->msg, 0, &dl) < 0) {
				if (errno == ETIMEDOUT && !peer_dead(&b->peer))
					dl = mq_deadline();
				else if (errno != EINTR)
					return partner_fail(&b->peer, "mq_send", errno, err, errsz);
			}
			continue;
		}
		for (size_t off = 0; off < b->msg; off += (size_t)n) {
			n = write(b->p_tx, b->txbuf + off, b->msg - off);
			if (n < 0 && errno == EINTR) {
				n = 0;
				continue;
			}
			if (n <= 0)
				return partner_fail(&b->peer, "write", n < 0 ? errno : EPIPE, err,
						    errsz);
		}
	}
	while ((n = read(b->ack[0], &c, 1)) < 0 && errno == EINTR)
		;
	if (n != 1)
		return partner_fail(&b->peer, "ack read", n < 0 ? errno : 0, err, errsz);
	*ns = pvt_now_ns() - t0;
	if (!*ns)
		*ns = 1;
	return 0;
}

static int bw_setup(struct bw *b, enum kind kind, size_t msg, char *err, size_t errsz)
{
	int a[2];

	memset(b, 0, sizeof(*b));
	b->kind = kind;
	b->msg = msg;
	b->p_tx = b->c_rx = b->ctl[0] = b->ctl[1] = b->ack[0] = b->ack[1] = -1;
	b->txbuf = malloc(msg);
	b->rxbuf = malloc(msg);
	if (!b->txbuf || !b->rxbuf) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	memset(b->txbuf, 0x5a, msg);
	memset(b->rxbuf, 0, msg);
	if (pipe2(b->ctl, O_CLOEXEC)) {
		snprintf(err, errsz, "pipe: %s", strerror(errno));
		return -1;
	}
	own_add(&b->own, b->ctl[0], false);
	own_add(&b->own, b->ctl[1], false);
	if (pipe2(b->ack, O_CLOEXEC)) {
		snprintf(err, errsz, "pipe: %s", strerror(errno));
		return -1;
	}
	own_add(&b->own, b->ack[0], false);
	own_add(&b->own, b->ack[1], false);
	switch (kind) {
	case K_PIPE:
		if (pipe2(a, O_CLOEXEC)) {
			snprintf(err, errsz, "pipe: %s", strerror(errno));
			return -1;
		}
		b->c_rx = a[0];
		b->p_tx = a[1];
		own_add(&b->own, a[0], false);
		own_add(&b->own, a[1], false);
		return 0;
	case K_SOCK:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a)) {
			snprintf(err, errsz, "socketpair: %s", strerror(errno));
			return -1;
		}
		b->p_tx = a[0];
		b->c_rx = a[1];
		own_add(&b->own, a[0], false);
		own_add(&b->own, a[1], false);
		return 0;
	case K_MQ:
		a[0] = mq_new(MQ_MAXMSG, (long)msg, err, errsz);
		if (a[0] < 0)
			return -1;
		b->p_tx = b->c_rx = a[0];
		own_add(&b->own, a[0], true);
		return 0;
	default:
		snprintf(err, errsz, "unknown kind");
		return -1;
	}
}

static void bw_cleanup(struct bw *b)
{
	own_close_all(&b->own);
	free(b->txbuf);
	free(b->rxbuf);
	b->txbuf = b->rxbuf = NULL;
}

static int bw_measure(const struct bench_opts *o, struct bench_result *r, struct bw *b,
		      char *err, size_t errsz)
{
	uint64_t total = BW_START_BYTES / b->msg * b->msg, ns;

	if (!total)
		total = b->msg;
	/* Warm-up: page faults, the partner's first wake-ups. */
	if (bw_run(b, total, &ns, err, errsz))
		return -1;
	/* Size a run to last min_run_ns, as bench_time does. */
	for (;;) {
		if (bw_run(b, total, &ns, err, errsz))
			return -1;
		if (ns >= o->min_run_ns || total >= BW_MAX_BYTES)
			break;
		total *= ns * 8 < o->min_run_ns ? 8 : 2;
	}
	for (unsigned int i = 0; i < o->runs; i++) {
		if (bw_run(b, total, &ns, err, errsz))
			return -1;
		bench_add(r, (double)total * 1e3 / (double)ns);
	}
	bench_finish(r);
	bench_extra(r, "bytes_per_run", (double)total);
	bench_debug(o, "%s: %llu bytes per run", r->name, (unsigned long long)total);
	return 0;
}

static bool bw_result(const struct bench_opts *o, struct bench_results *rs, const char *name,
		      enum kind kind, size_t msg)
{
	struct bench_result *r = bench_new(rs, name, BENCH_MBPS);
	char err[200] = "";
	bool ok = false;
	struct bw b;

	bench_params(r, "%zu-byte messages", msg);
	if (bw_setup(&b, kind, msg, err, sizeof(err))) {
		bench_fail(r, "%s", err);
		bw_cleanup(&b);
		return false;
	}
	if (peer_start(&b.peer, bw_child, &b, err, sizeof(err))) {
		bench_fail(r, "%s", err);
	} else {
		int keep[3] = { b.p_tx, b.ctl[1], b.ack[0] };

		own_keep(&b.own, keep, 3);
		if (bw_measure(o, r, &b, err, sizeof(err)))
			bench_fail(r, "%s", err);
		else
			ok = true;
	}
	peer_stop(&b.peer);
	bw_cleanup(&b);
	return ok;
}

int suite_ipc(const struct bench_opts *o, struct bench_results *rs)
{
	static const char lat1[] = "one-way, 1-byte messages, round trip / 2";
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe;
	unsigned int ok = 0;

	/* A dead partner must show as EPIPE, not kill pvbench. */
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old_pipe);

	ok += lat_result(o, rs, "ipc.pipe_latency", K_PIPE, lat1);
	ok += lat_result(o, rs, "ipc.unix_socket_latency", K_SOCK, lat1);
	ok += lat_result(o, rs, "ipc.eventfd_latency", K_EVENTFD,
			 "one-way, 8-byte eventfd counter, round trip / 2");
	ok += lat_result(o, rs, "ipc.shm_futex_latency", K_FUTEX,
			 "one-way, shared-page turn word + FUTEX_WAKE/WAIT, round trip / 2");
	ok += lat_result(o, rs, "ipc.mq_latency", K_MQ,
			 "one-way, 1-byte messages (mq_msgsize 64), round trip / 2");

	ok += bw_result(o, rs, "ipc.pipe_bandwidth_64", K_PIPE, 64);
	ok += bw_result(o, rs, "ipc.pipe_bandwidth_4k", K_PIPE, 4096);
	ok += bw_result(o, rs, "ipc.pipe_bandwidth_64k", K_PIPE, 65536);
	ok += bw_result(o, rs, "ipc.unix_socket_bandwidth_64", K_SOCK, 64);
	ok += bw_result(o, rs, "ipc.unix_socket_bandwidth_4k", K_SOCK, 4096);
	ok += bw_result(o, rs, "ipc.unix_socket_bandwidth_64k", K_SOCK, 65536);
	ok += bw_result(o, rs, "ipc.mq_bandwidth_64", K_MQ, 64);
	ok += bw_result(o, rs, "ipc.mq_bandwidth_4k", K_MQ, 4096);

	sigaction(SIGPIPE, &old_pipe, NULL);
	if (!ok) {
		bench_err("ipc: no measurement could be made");
		return -1;
	}
	return 0;
}

