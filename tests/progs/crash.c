// SPDX-License-Identifier: GPL-2.0
/*
 * crash.c - fault isolation scenarios for pvtrace's tests: a multi-threaded
 * "victim" process dies in a known way while the main process (and, for
 * segv, two unrelated "clean" processes) carry on.
 *
 *   crash segv       forks two "clean" processes (sleep 200 ms, exit 0) and
 *                    a "victim" with threads sib-1, sib-2 (blocked) and
 *                    faulter, which 50 ms after everyone has printed writes
 *                    through a NULL pointer: the victim dies of SIGSEGV
 *                    (RLIMIT_CORE is set to 0 first, so no core file)
 *   crash kill       forks a "victim" with threads sib-1, sib-2 (blocked);
 *                    once all three have printed (a pipe tells the main
 *                    process), the main process sends SIGTERM to the
 *                    victim's pid
 *   crash exitgroup  forks a "victim" with threads sib-1, sib-2 (blocked)
 *                    and quitter, which 50 ms after everyone has printed
 *                    calls exit(3): exit_group, the process ends with 3
 *
 * Every task prints one JSON line on stdout, each with a single write(2)
 * (no stdio, so nothing is duplicated across fork or torn across threads):
 *
 *   {"role":"victim_main"|"sib"|"faulter"|"quitter"|"clean","tid":T,"pid":P}
 *
 * and the main process ends with
 *
 *   {"role":"main","pid":P,"victim_pid":V,"victim_status":S,"clean_status":[..]}
 *
 * where S and the clean statuses are raw waitpid() statuses (segv: 11,
 * kill: 15, exitgroup: 768); clean_status is [] in kill and exitgroup.
 *
 * Exit status: 0 when the scenario ran (the victim's death is reported, not
 * an error), 1 on a runtime failure (in the main process or in a child: a
 * child that fails says why on stderr and exits 1), 2 on a usage error.
 * Normally done in ~0.25 s (segv), ~0.05 s (exitgroup) or at once (kill);
 * should the victim not die, a 2 s watchdog SIGKILLs the children and the
 * main process exits 1.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FAULT_DELAY_MS	50
#define CLEAN_SLEEP_MS	200
#define WATCHDOG_S	2

enum mode { MODE_SEGV, MODE_KILL, MODE_EXITGROUP };

static enum mode mode;
static pthread_barrier_t ready;	/* victim: all its threads have printed */
static volatile sig_atomic_t watchdog_fired;	/* main: SIGALRM came */

/* One line to fd with a single write(2); safe in threads and after fork. */
static void __attribute__((format(printf, 2, 3)))
say(int fd, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(line))
		len = sizeof(line) - 1;
	/* A lost stdout line is fatal; a failed stderr write is ignored. */
	if (write(fd, line, (size_t)len) != len && fd == STDOUT_FILENO) {
		say(STDERR_FILENO, "crash: writing to stdout: %s\n",
		    strerror(errno));
		_exit(1);
	}
}

/* Runtime failure: message, exit 1 (the whole process, in any thread). */
static void __attribute__((noreturn)) die(int err, const char *what)
{
	say(STDERR_FILENO, "crash: %s: %s\n", what, strerror(err));
	_exit(1);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0)
		if (errno != EINTR)
			die(errno, "nanosleep");
}

static void set_name(const char *name)
{
	if (prctl(PR_SET_NAME, name, 0, 0, 0) < 0)
		die(errno, "prctl(PR_SET_NAME)");
}

static void print_role(const char *role)
{
	say(STDOUT_FILENO, "{\"role\":\"%s\",\"tid\":%d,\"pid\":%d}\n",
	    role, (int)gettid(), (int)getpid());
}

static void wait_ready(void)
{
	int err = pthread_barrier_wait(&ready);

	if (err && err != PTHREAD_BARRIER_SERIAL_THREAD)
		die(err, "pthread_barrier_wait");
}

static void __attribute__((noreturn)) block_forever(void)
{
	for (;;)
		pause();
}

static void *sib_fn(void *arg)
{
	set_name(arg);
	print_role("sib");
	wait_ready();
	block_forever();
}

static void *faulter_fn(void *arg)
{
	/* volatile pointer: the compiler can neither fold nor trap it */
	volatile int *volatile p = NULL;

	(void)arg;
	set_name("faulter");
	print_role("faulter");
	wait_ready();
	sleep_ms(FAULT_DELAY_MS);
	*p = 1;
	say(STDERR_FILENO, "crash: the NULL write did not fault\n");
	_exit(1);
}

static void *quitter_fn(void *arg)
{
	(void)arg;
	set_name("quitter");
	print_role("quitter");
	wait_ready();
	sleep_ms(FAULT_DELAY_MS);
	exit(3);	/* libc exit: exit_group(3), takes all threads */
}

static void start_thread(void *(*fn)(void *), void *arg)
{
	pthread_t th;
	int err = pthread_create(&th, NULL, fn, arg);

	if (err)
		die(err, "pthread_create");
}

/*
 * The victim process.  ready_fd >= 0 (kill mode): write one byte to it once
 * every thread has printed its line.
 */
static void __attribute__((noreturn)) victim(int ready_fd)
{
	struct rlimit no_core = { 0, 0 };
	struct sigaction sa;
	sigset_t set;
	int nthreads = mode == MODE_KILL ? 2 : 3;

	set_name("victim");
	/* Whatever was inherited, SIGTERM must kill and SIGSEGV must not dump. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	if (sigemptyset(&sa.sa_mask) < 0 || sigemptyset(&set) < 0 ||
	    sigaddset(&set, SIGTERM) < 0 || sigaddset(&set, SIGSEGV) < 0)
		die(errno, "sigset");
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGSEGV, &sa, NULL) < 0)
		die(errno, "sigaction(SIG_DFL)");
	if (sigprocmask(SIG_UNBLOCK, &set, NULL) < 0)
		die(errno, "sigprocmask(SIG_UNBLOCK)");
	if (setrlimit(RLIMIT_CORE, &no_core) < 0)
		die(errno, "setrlimit(RLIMIT_CORE, 0)");

	print_role("victim_main");
	if ((errno = pthread_barrier_init(&ready, NULL, (unsigned)nthreads + 1)))
		die(errno, "pthread_barrier_init");
	start_thread(sib_fn, "sib-1");
	start_thread(sib_fn, "sib-2");
	if (mode == MODE_SEGV)
		start_thread(faulter_fn, NULL);
	else if (mode == MODE_EXITGROUP)
		start_thread(quitter_fn, NULL);
	wait_ready();
	if (ready_fd >= 0) {
		if (write(ready_fd, "r", 1) != 1)
			die(errno, "write to the ready pipe");
		if (close(ready_fd) < 0)
			die(errno, "close");
	}
	block_forever();
}

static void __attribute__((noreturn)) clean(void)
{
	set_name("clean");
	print_role("clean");
	sleep_ms(CLEAN_SLEEP_MS);
	_exit(0);
}

/* Children of the main process, for the watchdog. */
static volatile pid_t children[3];
static volatile sig_atomic_t nchildren;

static pid_t xfork(void)
{
	pid_t pid = fork();

	if (pid < 0)
		die(errno, "fork");
	if (pid > 0) {
		children[nchildren] = pid;
		nchildren = nchildren + 1;
	}
	return pid;
}

/* Watchdog: SIGKILL every child (async-signal-safe), main reports later. */
static void on_alarm(int sig)
{
	(void)sig;
	watchdog_fired = 1;
	for (int i = 0; i < nchildren; i++)
		kill(children[i], SIGKILL);
}

static int reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die(errno, "waitpid");
	return st;
}

/* A child that failed (die() in it: exit 1) has said why on stderr. */
static int child_failed(int st)
{
	return WIFEXITED(st) && WEXITSTATUS(st) == 1;
}

int main(int argc, char **argv)
{
	int clean_st[2] = { 0, 0 }, victim_st, pfd[2] = { -1, -1 };
	struct sigaction sa;
	pid_t vpid;
	char c;

	if (argc != 2)
		goto usage;
	if (!strcmp(argv[1], "segv"))
		mode = MODE_SEGV;
	else if (!strcmp(argv[1], "kill"))
		mode = MODE_KILL;
	else if (!strcmp(argv[1], "exitgroup"))
		mode = MODE_EXITGROUP;
	else
		goto usage;

	/* Kill the children if the scenario hangs (alarm is not inherited). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	if (sigemptyset(&sa.sa_mask) < 0 || sigaction(SIGALRM, &sa, NULL) < 0)
		die(errno, "sigaction(SIGALRM)");
	alarm(WATCHDOG_S);

	if (mode == MODE_SEGV) {
		for (int i = 0; i < 2; i++)
			if (xfork() == 0)
				clean();
	}
	if (mode == MODE_KILL && pipe(pfd) < 0)
		die(errno, "pipe");
	vpid = xfork();
	if (vpid == 0) {
		if (pfd[0] >= 0 && close(pfd[0]) < 0)
			die(errno, "close");
		victim(pfd[1]);
	}
	if (mode == MODE_KILL) {
		ssize_t r;

		if (close(pfd[1]) < 0)
			die(errno, "close");
		do {
			r = read(pfd[0], &c, 1);
		} while (r < 0 && errno == EINTR);
		if (r < 0)
			die(errno, "read from the ready pipe");
		if (r == 0)
			say(STDERR_FILENO, "crash: the victim ended before it was ready\n");
		else if (kill(vpid, SIGTERM) < 0)
			die(errno, "kill(victim, SIGTERM)");
		if (close(pfd[0]) < 0)
			die(errno, "close");
		if (r == 0) {
			reap(vpid);
			return 1;
		}
	}

	victim_st = reap(vpid);
	if (mode == MODE_SEGV) {
		clean_st[0] = reap(children[0]);
		clean_st[1] = reap(children[1]);
	}
	alarm(0);
	if (watchdog_fired) {
		say(STDERR_FILENO, "crash: %s: not done after %d s, children killed\n",
		    argv[1], WATCHDOG_S);
		return 1;
	}
	if (mode == MODE_SEGV)
		say(STDOUT_FILENO, "{\"role\":\"main\",\"pid\":%d,\"victim_pid\":%d,"
		    "\"victim_status\":%d,\"clean_status\":[%d,%d]}\n",
		    (int)getpid(), (int)vpid, victim_st, clean_st[0], clean_st[1]);
	else
		say(STDOUT_FILENO, "{\"role\":\"main\",\"pid\":%d,\"victim_pid\":%d,"
		    "\"victim_status\":%d,\"clean_status\":[]}\n",
		    (int)getpid(), (int)vpid, victim_st);
	if (child_failed(victim_st) || child_failed(clean_st[0]) ||
	    child_failed(clean_st[1]))
		return 1;
	return 0;

usage:
	fprintf(stderr, "usage: crash segv | kill | exitgroup\n");
	return 2;
}
