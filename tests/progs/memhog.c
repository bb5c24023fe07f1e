// SPDX-License-Identifier: GPL-2.0
/*
 * memhog.c - holds a known amount of memory, so that pvtrace's memory figures
 * can be compared with what the process itself reports.
 *
 *   memhog [--mib=N] [--threads=T] [--stack-kib=S] [--touch-kib=D]
 *          [--hold-ms=M] [--fork] [--help]
 *
 *   --mib=N        anonymous private mapping of N MiB, every page written
 *                  (default 64, 1..1048576)
 *   --threads=T    T threads (default 4, 0..4096), each created with
 *                  pthread_attr_setstacksize(S KiB), default guard size
 *   --stack-kib=S  requested thread stack size in KiB (default 256, >= 64)
 *   --touch-kib=D  KiB of its own stack each thread writes (default 128,
 *                  at most S - 32: the rest is for TLS and the frames)
 *   --hold-ms=M    how long everything is held before the status line
 *                  (default 400, 0..3600000)
 *   --fork         after the threads have printed, fork a child that writes
 *                  one byte in every page of the first half of the mapping
 *                  (copy-on-write: that half becomes private to the child,
 *                  the other half stays shared with the parent)
 *
 * Each thread, once it has written its D KiB of stack, prints (lines never
 * interleave; stack_lo is the lowest address pthread_getattr_np gives):
 *
 *   thread tid=TID stack_lo=0xADDR stack_size=BYTES guard=BYTES
 *          requested=S*1024 touched=D*1024
 *
 * and waits.  When all have printed, the fork (if any) happens, then main
 * sleeps M ms and prints, from /proc/self/status and /proc/self/maps:
 *
 *   memhog role=parent pid=PID VmHWM_kb=K VmRSS_kb=K RssAnon_kb=K
 *          RssFile_kb=K VmPTE_kb=K VmSize_kb=K map_count=LINES threads=T mib=N
 *
 * (all on one line).  The child prints the same line with role=child and its
 * own pid after its own M ms sleep; threads= and mib= echo the options (the
 * child itself has only one thread).  Then main releases the threads, joins
 * them, reaps the child, and exits without unmapping, so the peak is held
 * until exit.
 *
 * Exit status: 0 success, 1 runtime failure (also when the child did not
 * exit 0), 2 usage error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <alloca.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "child.h"
#include "fileio.h"
#include "parse.h"

#define DEF_MIB		64
#define MAX_MIB		1048576UL
#define DEF_THREADS	4
#define MAX_THREADS	4096UL
#define DEF_STACK_KIB	256
#define MIN_STACK_KIB	64UL
#define MAX_STACK_KIB	1048576UL
#define TOUCH_MARGIN_KIB 32
#define DEF_TOUCH_KIB	128
#define DEF_HOLD_MS	400
#define MAX_HOLD_MS	3600000UL

static unsigned long opt_mib = DEF_MIB, opt_threads = DEF_THREADS;
static unsigned long opt_stack_kib = DEF_STACK_KIB, opt_touch_kib = DEF_TOUCH_KIB;
static unsigned long opt_hold_ms = DEF_HOLD_MS;
static bool opt_fork;

static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t printed;	/* T threads + main: all have printed */
static pthread_barrier_t release;	/* T threads + main: main lets them go */

static void die(const char *what)
{
	fprintf(stderr, "memhog: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* For pthread_* calls, which return the error instead of setting errno. */
static void check(int err, const char *what)
{
	if (err) {
		errno = err;
		die(what);
	}
}

/* In the forked child: no stdio, one write, then _exit(1). */
static void child_die(const char *what)
{
	char line[160];
	int len;

	len = snprintf(line, sizeof(line), "memhog: %s: %s\n", what, strerror(errno));
	if (len > 0 && (size_t)len < sizeof(line) &&
	    write(STDERR_FILENO, line, (size_t)len) != (ssize_t)len)
		_exit(1);
	_exit(1);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: memhog [--mib=N] [--threads=T] [--stack-kib=S] [--touch-kib=D]\n"
		"              [--hold-ms=M] [--fork] [--help]\n"
		"  N: 1..%lu MiB (default %d)   T: 0..%lu (default %d)\n"
		"  S: %lu..%lu KiB (default %d)   D: 0..S-%d KiB (default %d)\n"
		"  M: 0..%lu ms (default %d)\n",
		MAX_MIB, DEF_MIB, MAX_THREADS, DEF_THREADS, MIN_STACK_KIB, MAX_STACK_KIB,
		DEF_STACK_KIB, TOUCH_MARGIN_KIB, DEF_TOUCH_KIB, MAX_HOLD_MS, DEF_HOLD_MS);
	exit(2);
}

/* Strict: decimal digits only, no sign, no blanks, no trailing junk; why not, then usage. */
static unsigned long parse_num(const char *opt, const char *s, unsigned long min,
			       unsigned long max)
{
	enum pvt_parse_error e;
	uint64_t v = 0;
	char why[160];

	e = pvt_parse_u64_why(s, min, max, &v);
	if (e != PVT_PARSE_OK) {
		fprintf(stderr, "memhog: --%s: %s\n", opt,
			pvt_parse_msg(e, s, min, max, why, sizeof(why)));
		usage();
	}
	return (unsigned long)v;
}

static void sleep_ms(unsigned long ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000),
			       .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0) {
		if (errno != EINTR)
			return;
	}
}

/*
 * Write @bytes of this thread's stack, every byte (so every page), where the
 * compiler cannot drop it: alloca'd, and the buffer escapes into an asm.
 */
static __attribute__((noinline)) void touch_stack(size_t bytes)
{
	char *buf = alloca(bytes ? bytes : 1);

	memset(buf, 0x5a, bytes);
	__asm__ volatile("" : : "r"(buf) : "memory");
}

static void *thread_fn(void *arg)
{
	size_t stacksize, guardsize;
	pthread_attr_t attr;
	void *stackaddr;
	int err;

	(void)arg;
	touch_stack(opt_touch_kib * 1024);

	check(pthread_getattr_np(pthread_self(), &attr), "pthread_getattr_np");
	check(pthread_attr_getstack(&attr, &stackaddr, &stacksize), "pthread_attr_getstack");
	check(pthread_attr_getguardsize(&attr, &guardsize), "pthread_attr_getguardsize");
	pthread_attr_destroy(&attr);

	check(pthread_mutex_lock(&print_lock), "pthread_mutex_lock");
	if (printf("thread tid=%d stack_lo=%p stack_size=%zu guard=%zu requested=%lu touched=%lu\n",
		   (int)gettid(), stackaddr, stacksize, guardsize, opt_stack_kib * 1024,
		   opt_touch_kib * 1024) < 0 || fflush(stdout) == EOF)
		die("writing to stdout");
	check(pthread_mutex_unlock(&print_lock), "pthread_mutex_unlock");

	err = pthread_barrier_wait(&printed);
	if (err && err != PTHREAD_BARRIER_SERIAL_THREAD)
		check(err, "pthread_barrier_wait");
	err = pthread_barrier_wait(&release);
	if (err && err != PTHREAD_BARRIER_SERIAL_THREAD)
		check(err, "pthread_barrier_wait");
	return NULL;
}

/* Number of lines of /proc/self/maps; -1 on error. */
static long count_maps(void)
{
	static char buf[1 << 20];
	long lines = 0;
	ssize_t n = pvt_read_file("/proc/self/maps", buf, sizeof(buf));

	for (ssize_t i = 0; i < n; i++)
		lines += buf[i] == '\n';
	return n < 0 ? -1 : lines;
}

/*
 * The status line, for @role, into @line; 0, or -1 with errno set and *what
 * saying what failed.  No stdio and no exit: the forked child uses it too.
 */
static int status_line(const char *role, char *line, size_t cap, int *len, const char **what)
{
	static const char *const keys[] = {
		"VmHWM:", "VmRSS:", "RssAnon:", "RssFile:", "VmPTE:", "VmSize:",
	};
	long kb[sizeof(keys) / sizeof(keys[0])], maps;
	char status[8192];

	if (pvt_read_file("/proc/self/status", status, sizeof(status)) < 0) {
		*what = "reading /proc/self/status";
		return -1;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		uint64_t v;

		if (!pvt_text_field(status, keys[i], &v) || v > LONG_MAX) {
			errno = ENOENT;
			*what = "a field missing from /proc/self/status";
			return -1;
		}
		kb[i] = (long)v;
	}
	maps = count_maps();
	if (maps < 0) {
		*what = "reading /proc/self/maps";
		return -1;
	}
	*len = snprintf(line, cap,
			"memhog role=%s pid=%d VmHWM_kb=%ld VmRSS_kb=%ld RssAnon_kb=%ld "
			"RssFile_kb=%ld VmPTE_kb=%ld VmSize_kb=%ld map_count=%ld threads=%lu mib=%lu\n",
			role, (int)getpid(), kb[0], kb[1], kb[2], kb[3], kb[4], kb[5], maps,
			opt_threads, opt_mib);
	if (*len < 0 || (size_t)*len >= cap) {
		errno = EOVERFLOW;
		*what = "formatting the status line";
		return -1;
	}
	return 0;
}

/* The --fork child: dirty the first half of @map, hold, report, _exit. */
static void child(char *map, size_t map_len, size_t page)
{
	const char *what;
	char line[512];
	int len;

	for (size_t off = 0; off < map_len / 2; off += page)
		((volatile char *)map)[off] = 1;
	sleep_ms(opt_hold_ms);
	if (status_line("child", line, sizeof(line), &len, &what) < 0)
		child_die(what);
	if (write(STDOUT_FILENO, line, (size_t)len) != (ssize_t)len)
		child_die("writing to stdout");
	_exit(0);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mib",       required_argument, NULL, 'm' },
		{ "threads",   required_argument, NULL, 't' },
		{ "stack-kib", required_argument, NULL, 's' },
		{ "touch-kib", required_argument, NULL, 'd' },
		{ "hold-ms",   required_argument, NULL, 'H' },
		{ "fork",      no_argument,       NULL, 'f' },
		{ "help",      no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			opt_mib = parse_num("mib", optarg, 1, MAX_MIB);
			break;
		case 't':
			opt_threads = parse_num("threads", optarg, 0, MAX_THREADS);
			break;
		case 's':
			opt_stack_kib = parse_num("stack-kib", optarg, MIN_STACK_KIB, MAX_STACK_KIB);
			break;
		case 'd':
			opt_touch_kib = parse_num("touch-kib", optarg, 0, MAX_STACK_KIB);
			break;
		case 'H':
			opt_hold_ms = parse_num("hold-ms", optarg, 0, MAX_HOLD_MS);
			break;
		case 'f':
			opt_fork = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || opt_touch_kib > opt_stack_kib - TOUCH_MARGIN_KIB)
		usage();
}

/* The threads, each with the requested stack size; they print and wait. */
static pthread_t *start_threads(void)
{
	pthread_t *th = NULL;
	pthread_attr_t attr;

	check(pthread_barrier_init(&printed, NULL, (unsigned)opt_threads + 1),
	      "pthread_barrier_init");
	check(pthread_barrier_init(&release, NULL, (unsigned)opt_threads + 1),
	      "pthread_barrier_init");
	if (opt_threads) {
		th = calloc(opt_threads, sizeof(*th));
		if (!th)
			die("calloc");
	}
	check(pthread_attr_init(&attr), "pthread_attr_init");
	check(pthread_attr_setstacksize(&attr, opt_stack_kib * 1024), "pthread_attr_setstacksize");
	for (unsigned long i = 0; i < opt_threads; i++)
		check(pthread_create(&th[i], &attr, thread_fn, NULL), "pthread_create");
	pthread_attr_destroy(&attr);
	return th;
}

static void barrier_wait(pthread_barrier_t *b)
{
	int err = pthread_barrier_wait(b);

	if (err && err != PTHREAD_BARRIER_SERIAL_THREAD)
		check(err, "pthread_barrier_wait");
}

/* Reap the forked child; it must have exited 0. */
static void reap_child(pid_t pid)
{
	int st;

	if (pvt_waitpid(pid, &st, 0) < 0)
		die("waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "memhog: child %d did not exit 0 (wait status %d)\n",
			(int)pid, st);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	size_t map_len, page;
	const char *what;
	pthread_t *th;
	pid_t pid = -1;
	char line[512];
	char *map;
	int len;

	parse_args(argc, argv);
	page = (size_t)sysconf(_SC_PAGESIZE);
	map_len = (size_t)opt_mib << 20;
	map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		die("mmap");
	memset(map, 0xa5, map_len);
	__asm__ volatile("" : : "r"(map) : "memory");

	th = start_threads();
	barrier_wait(&printed);
	if (opt_fork) {
		if (fflush(stdout) == EOF)
			die("writing to stdout");
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0)
			child(map, map_len, page);
	}

	sleep_ms(opt_hold_ms);
	if (status_line("parent", line, sizeof(line), &len, &what) < 0)
		die(what);
	if (fputs(line, stdout) == EOF || fflush(stdout) == EOF)
		die("writing to stdout");

	barrier_wait(&release);
	for (unsigned long i = 0; i < opt_threads; i++)
		check(pthread_join(th[i], NULL), "pthread_join");
	if (pid > 0)
		reap_child(pid);
	/* No munmap, no free: the peak is held until exit. */
	return 0;
}
