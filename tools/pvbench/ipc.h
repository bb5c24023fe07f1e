/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipc.h - what the ipc suite's files share (ipc.c says what it measures):
 *   ipc.c       latency and bandwidth, the suite
 *   ipc_peer.c  the partner process, the descriptors each side keeps, POSIX
 *               message queues
 */
#ifndef PVBENCH_IPC_H
#define PVBENCH_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>
#include "pvbench.h"

/* The partner process (B), forked by A (pvbench). */
struct peer {
	pid_t pid;		/* 0: none */
	bool reaped;
	int status;
};

/* Fork B to run @fn(@arg) and _exit with its value.  0, or -1 with @err. */
int peer_start(struct peer *p, int (*fn)(void *), void *arg, char *err, size_t errsz);
/* Has the partner exited?  Reaps it if so. */
bool peer_dead(struct peer *p);
/* Kill and reap the partner. */
void peer_stop(struct peer *p);
/*
 * @what failed with @errnum (0: end of file).  EOF, EPIPE and timeouts mean
 * the partner is gone: say how it ended.  Always -1.
 */
int partner_fail(struct peer *p, const char *what, int errnum, char *err, size_t errsz);

/* Descriptors (fds or mq descriptors) of a measurement: each side closes the ones only the other uses. */
struct owned {
	int fd[8];
	bool mq[8];
	unsigned int n;
};

void own_add(struct owned *w, int fd, bool mq);
/* Close every owned descriptor not in keep[0..nkeep). */
void own_keep(struct owned *w, const int *keep, unsigned int nkeep);
void own_close_all(struct owned *w);

/* A new POSIX message queue, opened O_RDWR, its name already unlinked.  -1 with the reason in @err. */
int mq_new(long maxmsg, long msgsize, char *err, size_t errsz);
/* CLOCK_REALTIME (what mq_timed* use) + 1 s. */
struct timespec mq_deadline(void);

#endif /* PVBENCH_IPC_H */
