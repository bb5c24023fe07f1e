// SPDX-License-Identifier: GPL-2.0
/*
 * ipc_peer.c - the ipc suite's partner process (forked, killed with its
 * parent, its end reported in words when it fails a measurement), the
 * descriptors each side keeps, and POSIX message queues (see ipc.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "child.h"
#include "fileio.h"
#include "ipc.h"
#include "parse.h"

int peer_start(struct peer *p, int (*fn)(void *), void *arg, char *err, size_t errsz)
{
	pid_t parent = getpid();

	p->reaped = false;
	p->status = 0;
	fflush(NULL);
	p->pid = fork();
	if (p->pid < 0) {
		snprintf(err, errsz, "fork: %s", strerror(errno));
		p->pid = 0;
		return -1;
	}
	if (!p->pid) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(127);
		signal(SIGCHLD, SIG_DFL);
		_exit(fn(arg));
	}
	return 0;
}

/* Has the partner exited?  Reaps it if so. */
bool peer_dead(struct peer *p)
{
	pid_t r;
	int st = 0;

	if (!p->pid || p->reaped)
		return true;
	r = pvt_waitpid(p->pid, &st, WNOHANG);
	if (r == p->pid || (r < 0 && errno == ECHILD)) {
		p->reaped = true;
		p->status = r == p->pid ? st : 0;
		return true;
	}
	return false;
}

void peer_stop(struct peer *p)
{
	int st;

	if (!p->pid || p->reaped)
		return;
	kill(p->pid, SIGKILL);
	pvt_waitpid(p->pid, &st, 0);
	p->reaped = true;
	p->status = st;
}

/*
 * @what failed with @errnum (0: end of file).  EOF, EPIPE and timeouts mean
 * the partner is gone: say how it ended.  Always -1.
 */
int partner_fail(struct peer *p, const char *what, int errnum, char *err, size_t errsz)
{
	struct timespec ms = { 0, 1000000 };

	if (errnum && errnum != EPIPE && errnum != ECONNRESET && errnum != ETIMEDOUT) {
		snprintf(err, errsz, "%s: %s", what, strerror(errnum));
		return -1;
	}
	for (int i = 0; i < 200 && !peer_dead(p); i++)
		nanosleep(&ms, NULL);
	if (!p->reaped)
		snprintf(err, errsz, "%s: the partner process closed its end", what);
	else if (WIFSIGNALED(p->status))
		snprintf(err, errsz, "%s: the partner process was killed by signal %d (%s)", what,
			 WTERMSIG(p->status), strsignal(WTERMSIG(p->status)));
	else
		snprintf(err, errsz, "%s: the partner process exited with status %d", what,
			 WEXITSTATUS(p->status));
	return -1;
}

/* ---- descriptors: each side closes the ones only the other uses ---- */

void own_add(struct owned *w, int fd, bool mq)
{
	w->fd[w->n] = fd;
	w->mq[w->n++] = mq;
}

static void own_close_one(struct owned *w, unsigned int i)
{
	if (w->mq[i])
		mq_close((mqd_t)w->fd[i]);
	else
		close(w->fd[i]);
	w->fd[i] = w->fd[--w->n];
	w->mq[i] = w->mq[w->n];
}

/* Close every owned descriptor not in keep[0..nkeep). */
void own_keep(struct owned *w, const int *keep, unsigned int nkeep)
{
	for (unsigned int i = 0; i < w->n;) {
		bool k = false;

		for (unsigned int j = 0; j < nkeep; j++)
			k |= w->fd[i] == keep[j];
		if (k)
			i++;
		else
			own_close_one(w, i);
	}
}

void own_close_all(struct owned *w)
{
	while (w->n)
		own_close_one(w, 0);
}

static unsigned int mq_seq;

/* The number in a /proc/sys file; -1 if unreadable. */
static long read_limit(const char *path)
{
	char buf[64];
	const char *p = buf;
	uint64_t v;

	if (pvt_read_file(path, buf, sizeof(buf)) < 0 || !pvt_scan_u64(&p, &v) || v > LONG_MAX)
		return -1;
	return (long)v;
}

/* A new queue, opened O_RDWR, its name already unlinked.  -1 with the reason in @err. */
int mq_new(long maxmsg, long msgsize, char *err, size_t errsz)
{
	struct mq_attr a = { .mq_maxmsg = maxmsg, .mq_msgsize = msgsize };
	char name[64];
	mqd_t q;

	snprintf(name, sizeof(name), "/pvbench.%d.%u", (int)getpid(), mq_seq++);
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
	if (q == (mqd_t)-1 && errno == EEXIST) {
		/* Left by a dead pvbench that had our pid: it is ours to remove. */
		mq_unlink(name);
		q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
	}
	if (q == (mqd_t)-1) {
		int e = errno;
		long lim_size, lim_msg;

		if (e == EMFILE) {
			struct rlimit rl;

			if (!getrlimit(RLIMIT_MSGQUEUE, &rl) && rl.rlim_cur != RLIM_INFINITY)
				snprintf(err, errsz, "mq_open: %s (RLIMIT_MSGQUEUE is %llu "
					 "bytes; or the open-file limit)", strerror(e),
					 (unsigned long long)rl.rlim_cur);
			else
				snprintf(err, errsz, "mq_open: %s", strerror(e));
			return -1;
		}
		if (e != EINVAL) {
			snprintf(err, errsz, "mq_open: %s", strerror(e));
			return -1;
		}
		lim_size = read_limit("/proc/sys/fs/mqueue/msgsize_max");
		lim_msg = read_limit("/proc/sys/fs/mqueue/msg_max");
		if (lim_size >= 0 && msgsize > lim_size)
			snprintf(err, errsz, "mq_open: %s (mq_msgsize %ld > /proc/sys/fs/mqueue/"
				 "msgsize_max %ld)", strerror(e), msgsize, lim_size);
		else if (lim_msg >= 0 && maxmsg > lim_msg)
			snprintf(err, errsz, "mq_open: %s (mq_maxmsg %ld > /proc/sys/fs/mqueue/"
				 "msg_max %ld)", strerror(e), maxmsg, lim_msg);
		else
			snprintf(err, errsz, "mq_open: %s (mq_maxmsg %ld, mq_msgsize %ld)",
				 strerror(e), maxmsg, msgsize);
		return -1;
	}
	mq_unlink(name);
	return (int)q;
}

/* CLOCK_REALTIME (what mq_timed* use) + 1 s. */
struct timespec mq_deadline(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 1;
	return ts;
}
