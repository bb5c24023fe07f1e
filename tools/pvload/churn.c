// SPDX-License-Identifier: GPL-2.0
/*
 * churn.c - pvload's churn part: threads or processes that exit at once,
 * at most a given number alive at a time (see pvload.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "clock.h"
#include "pvload.h"

/* Churn threads do nothing, so a small stack keeps creation cheap. */
#define CHURN_STACK_SIZE	(64 * 1024)

static void *churn_thread_main(void *arg)
{
	const struct churn_part *c = arg;
	uint64_t born = pvt_now_ns();

	set_task_name("churn-t");
	hold_until(born, c->hold_ms);
	return NULL;
}

/* Create c->n threads, at most c->concurrency at a time. */
static void churn_threads(struct churn_part *c, uint64_t batch_max)
{
	pthread_t *tids = xcalloc(batch_max, sizeof(*tids));
	pthread_attr_t attr;
	int err;

	err = pthread_attr_init(&attr);
	if (err)
		die(err, "pthread_attr_init");
	err = pthread_attr_setstacksize(&attr, CHURN_STACK_SIZE);
	if (err)
		die(err, "pthread_attr_setstacksize");

	for (uint64_t done = 0; done < c->n;) {
		uint64_t batch = c->n - done < batch_max ? c->n - done
							 : batch_max;

		for (uint64_t k = 0; k < batch; k++) {
			err = pthread_create(&tids[k], &attr,
					     churn_thread_main, c);
			if (err)
				die(err, "pthread_create (churn thread %" PRIu64
				    " of %" PRIu64 ")", done + k + 1, c->n);
		}
		for (uint64_t k = 0; k < batch; k++) {
			err = pthread_join(tids[k], NULL);
			if (err)
				die(err, "pthread_join (churn thread)");
		}
		done += batch;
	}

	err = pthread_attr_destroy(&attr);
	if (err)
		die(err, "pthread_attr_destroy");
	free(tids);
	c->ok = true;
}

/* Fork c->n children, at most c->concurrency alive at a time. */
static void churn_procs(struct churn_part *c, uint64_t batch_max)
{
	pid_t *pids = xcalloc(batch_max, sizeof(*pids));

	c->ok = true;
	for (uint64_t done = 0; done < c->n;) {
		uint64_t batch = c->n - done < batch_max ? c->n - done
							 : batch_max;

		for (uint64_t k = 0; k < batch; k++) {
			pid_t pid = fork();

			if (pid == -1) {
				int err = errno;

				kill_children(pids, k);
				die(err, "fork (churn process %" PRIu64
				    " of %" PRIu64 ")", done + k + 1, c->n);
			}
			if (pid == 0) {
				uint64_t born = pvt_now_ns();

				in_child = true;
				set_task_name("churn-p");
				hold_until(born, c->hold_ms);
				_exit(0);
			}
			pids[k] = pid;
		}
		for (uint64_t k = 0; k < batch; k++)
			if (!reap_child(pids[k], "churn-p"))
				c->ok = false;
		done += batch;
	}
	free(pids);
}

void churn_part_run(struct churn_part *c)
{
	uint64_t batch_max = c->concurrency < c->n ? c->concurrency : c->n;
	uint64_t start = pvt_now_ns();

	if (c->mode == MODE_THREADS)
		churn_threads(c, batch_max);
	else
		churn_procs(c, batch_max);
	c->elapsed_ns = pvt_now_ns() - start;
}

void churn_print_summary(const struct churn_part *c)
{
	printf("churn %s n=%" PRIu64 " concurrency=%" PRIu64
	       " elapsed_ns=%" PRIu64 " ns_per_task=%.1f\n",
	       mode_name(c->mode), c->n, c->concurrency, c->elapsed_ns,
	       (double)c->elapsed_ns / (double)c->n);
}

