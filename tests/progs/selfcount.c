// SPDX-License-Identifier: GPL-2.0
/*
 * selfcount - a test program that measures its own context switches.
 *
 * pvtrace's kernel-level tests run this program under pvtrace and compare
 * pvtrace's per-TID context-switch counts with what each task read from the
 * kernel about itself just before it exited.
 *
 * The main process creates N threads and N child processes.  Each worker
 *   1. does K voluntary context switches (K x nanosleep(50 us)),
 *   2. if M > 0, spins on the CPU for M ms of wall-clock time (to invite
 *      involuntary switches when a CPU-bound task shares its CPU),
 *   3. as its very last actions reads /proc/thread-self/status
 *      (voluntary_ctxt_switches, nonvoluntary_ctxt_switches) and
 *      /proc/thread-self/schedstat (sum_exec_runtime, run_delay, pcount)
 *      with open/read/close into a stack buffer (no stdio, no malloc),
 *      stores them in its slot of a MAP_SHARED array, sets the slot's
 *      "done" flag (atomic release store after the data) and exits at once:
 *      threads with a raw syscall(SYS_exit, 0), processes with _exit(0).
 *
 * Threads are never joined (they bypass pthread_exit).  Main waits for their
 * done flags, then sleeps 50 ms so they are gone, and reaps the processes
 * with waitpid.  Finally main reads its own counters the same way (role
 * "main") and only then writes the JSON report:
 *
 *   {"tasks":[{"tid":..,"pid":..,"role":"thread"|"process"|"main",
 *              "voluntary":..,"involuntary":..,"sum_exec_runtime_ns":..,
 *              "run_delay_ns":..,"pcount":..}, ...]}
 *
 * Note for comparisons: the figures are snapshots taken before the task's
 * exit path; the final switch away from the exiting task (and anything the
 * exit path itself blocks on) happens after the snapshot.
 *
 * Workers are named selfcount-tI (threads) and selfcount-pI (processes).
 *
 * Exit status: 0 success, 1 runtime failure, 2 usage error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "child.h"
#include "clock.h"
#include "fileio.h"
#include "parse.h"

#define MAX_WORKERS	4096ULL		/* per kind (threads, procs) */
#define MAX_SWITCHES	10000000ULL
#define MAX_SPIN_MS	3600000ULL
#define SLEEP_NS	50000L		/* one voluntary switch: 50 us sleep */
#define THREAD_GONE_MS	50		/* grace period after the done flags */

static const char usage_text[] =
"Usage: selfcount [--threads N] [--procs N] [--switches K] [--spin-ms M]\n"
"                 [--out FILE]\n"
"\n"
"Test program for pvtrace: creates N threads and N child processes; each\n"
"does K voluntary context switches (nanosleep 50 us), optionally spins on\n"
"the CPU, then reads its own context-switch counters and schedstat from\n"
"/proc/thread-self just before exiting.  Main reports all of them (and its\n"
"own, read right before writing the report) as JSON.\n"
"\n"
"Options:\n"
"  --threads N    number of worker threads (default 2, 0 allowed)\n"
"  --procs N      number of worker processes (default 2, 0 allowed)\n"
"  --switches K   voluntary switches per worker (default 200)\n"
"  --spin-ms M    spin on the CPU for M ms after the switches (default 0)\n"
"  --out FILE     write the JSON report to FILE (default: stdout)\n"
"  -h, --help     show this help\n"
"\n"
"Output: {\"tasks\":[{\"tid\":..,\"pid\":..,\"role\":\"thread\"|\"process\"|\"main\",\n"
"         \"voluntary\":..,\"involuntary\":..,\"sum_exec_runtime_ns\":..,\n"
"         \"run_delay_ns\":..,\"pcount\":..}, ...]}\n"
"\n"
"Exit status: 0 success, 1 runtime failure, 2 usage error.\n";

enum role { ROLE_PROCESS, ROLE_THREAD, ROLE_MAIN };

static const char *const role_names[] = {
	[ROLE_PROCESS] = "process",
	[ROLE_THREAD] = "thread",
	[ROLE_MAIN] = "main",
};

/*
 * One task's self-measurement.  The array of slots is a MAP_SHARED anonymous
 * mapping created before any fork or thread, so every worker writes into
 * memory main can read.  One slot per cache line.
 */
struct slot {
	uint32_t done;		/* 1 once the fields below are final */
	int32_t tid;
	int32_t pid;
	int32_t role;		/* enum role */
	int32_t err;		/* 0, or errno of the failed step */
	const char *err_what;	/* failed step (string literal) */
	uint64_t voluntary;
	uint64_t involuntary;
	uint64_t sum_exec_runtime_ns;
	uint64_t run_delay_ns;
	uint64_t pcount;
} __attribute__((aligned(64)));

struct params {
	uint64_t threads;
	uint64_t procs;
	uint64_t switches;
	uint64_t spin_ms;
	const char *out;	/* NULL: stdout */
};

/* ------------------------------------------------------------------------ */
/* Error reporting                                                          */
/* ------------------------------------------------------------------------ */

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int err, const char *fmt, ...)
{
	va_list ap;

	fputs("selfcount: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
	exit(1);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("selfcount: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'selfcount --help' for more information.\n", stderr);
	exit(2);
}

/* ------------------------------------------------------------------------ */
/* Command line                                                             */
/* ------------------------------------------------------------------------ */

/* A plain decimal number in [0, max] (no sign, no spaces); a usage error otherwise. */
static uint64_t parse_num(const char *opt, const char *s, uint64_t max)
{
	enum pvt_parse_error e;
	uint64_t v = 0;
	char why[160];

	e = pvt_parse_u64_why(s, 0, max, &v);
	if (e != PVT_PARSE_OK)
		usage_error("%s: %s", opt, pvt_parse_msg(e, s, 0, max, why, sizeof(why)));
	return v;
}

/*
 * If argv[*i] is option name ("--x V" or "--x=V"), store its value in *val,
 * advance *i past it and return true.
 */
static bool take_opt(int argc, char **argv, int *i, const char *name,
		     const char **val)
{
	const char *arg = argv[*i];
	size_t len = strlen(name);

	if (strncmp(arg, name, len) != 0)
		return false;
	if (arg[len] == '=') {
		*val = arg + len + 1;
		(*i)++;
		return true;
	}
	if (arg[len] != '\0')
		return false;
	if (*i + 1 >= argc)
		usage_error("option '%s' requires a value", name);
	*val = argv[*i + 1];
	*i += 2;
	return true;
}

static void parse_args(int argc, char **argv, struct params *p)
{
	int i = 1;

	while (i < argc) {
		const char *val;

		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			fputs(usage_text, stdout);
			exit(0);
		} else if (take_opt(argc, argv, &i, "--threads", &val)) {
			p->threads = parse_num("--threads", val, MAX_WORKERS);
		} else if (take_opt(argc, argv, &i, "--procs", &val)) {
			p->procs = parse_num("--procs", val, MAX_WORKERS);
		} else if (take_opt(argc, argv, &i, "--switches", &val)) {
			p->switches = parse_num("--switches", val, MAX_SWITCHES);
		} else if (take_opt(argc, argv, &i, "--spin-ms", &val)) {
			p->spin_ms = parse_num("--spin-ms", val, MAX_SPIN_MS);
		} else if (take_opt(argc, argv, &i, "--out", &val)) {
			if (val[0] == '\0')
				usage_error("--out: empty file name");
			p->out = val;
		} else if (argv[i][0] == '-') {
			usage_error("unknown option '%s'", argv[i]);
		} else {
			usage_error("unexpected argument '%s'", argv[i]);
		}
	}
}

/* ------------------------------------------------------------------------ */
/* Self-measurement (no stdio, no malloc: only open/read/close)             */
/* ------------------------------------------------------------------------ */

/*
 * Fill slot s with this task's counters from /proc/thread-self, then set
 * the done flag.  On failure s->err / s->err_what describe what failed.
 */
static void record_self(struct slot *s)
{
	char status[8192], sched[256];
	const char *p = sched;

	if (pvt_read_file("/proc/thread-self/status", status, sizeof(status)) < 0) {
		s->err = errno;
		s->err_what = "read /proc/thread-self/status";
		goto out;
	}
	if (pvt_read_file("/proc/thread-self/schedstat", sched, sizeof(sched)) < 0) {
		s->err = errno;
		s->err_what = "read /proc/thread-self/schedstat";
		goto out;
	}
	if (!pvt_text_field(status, "voluntary_ctxt_switches:", &s->voluntary) ||
	    !pvt_text_field(status, "nonvoluntary_ctxt_switches:", &s->involuntary)) {
		s->err = EINVAL;
		s->err_what = "parse /proc/thread-self/status";
		goto out;
	}
	if (!pvt_scan_u64(&p, &s->sum_exec_runtime_ns) ||
	    !pvt_scan_u64(&p, &s->run_delay_ns) || !pvt_scan_u64(&p, &s->pcount)) {
		s->err = EINVAL;
		s->err_what = "parse /proc/thread-self/schedstat";
		goto out;
	}
out:
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
}

/* ------------------------------------------------------------------------ */
/* Workers                                                                  */
/* ------------------------------------------------------------------------ */

static struct params params;	/* read-only once workers start */
static struct slot *slots;	/* the shared slot array */

/* Sleep 50 us, resuming after signals.  Returns 0 or an errno value. */
static int sleep_once(void)
{
	struct timespec req = { 0, SLEEP_NS }, rem;

	while (nanosleep(&req, &rem) == -1) {
		if (errno != EINTR)
			return errno;
		req = rem;
	}
	return 0;
}

/* Everything a worker does before it exits. */
static void worker_body(struct slot *s, enum role role, uint64_t index)
{
	char name[32];
	int err = 0;

	s->tid = (int32_t)syscall(SYS_gettid);
	s->pid = (int32_t)getpid();
	s->role = role;

	snprintf(name, sizeof(name), "selfcount-%c%" PRIu64,
		 role == ROLE_THREAD ? 't' : 'p', index % 10000);
	if (prctl(PR_SET_NAME, name, 0, 0, 0) == -1) {
		s->err = errno;
		s->err_what = "prctl(PR_SET_NAME)";
		__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
		return;
	}

	for (uint64_t k = 0; k < params.switches && !err; k++)
		err = sleep_once();
	if (err) {
		s->err = err;
		s->err_what = "nanosleep";
		__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
		return;
	}

	if (params.spin_ms) {
		uint64_t until = pvt_now_ns() + params.spin_ms * 1000000ULL;

		while (pvt_now_ns() < until)
			;	/* burn CPU (vDSO clock: no syscalls) */
	}

	record_self(s);
}

static void *thread_main(void *arg)
{
	struct slot *s = arg;

	worker_body(s, ROLE_THREAD, (uint64_t)(s - slots) - params.procs);
	/* Leave at once: no pthread_exit, no TLS destructors, no unwinding. */
	syscall(SYS_exit, 0);
	__builtin_unreachable();
}

/* ------------------------------------------------------------------------ */
/* Main                                                                     */
/* ------------------------------------------------------------------------ */

static void sleep_ms(long ms)
{
	struct timespec req = { ms / 1000, (ms % 1000) * 1000000L }, rem;

	while (nanosleep(&req, &rem) == -1) {
		if (errno != EINTR)
			die(errno, "nanosleep");
		req = rem;
	}
}

/* After its done flag: wait (bounded) until thread tid has left the kernel's
 * thread list, so that its exit has been traced before main finishes. */
static void wait_thread_gone(int32_t tid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/self/task/%d", (int)tid);
	for (int tries = 0; tries < 200; tries++) {
		if (stat(path, &st) == -1) {
			if (errno == ENOENT)
				return;
			die(errno, "stat %s", path);
		}
		sleep_ms(10);
	}
	fprintf(stderr, "selfcount: warning: thread %d still exists 2 s "
		"after reporting done\n", (int)tid);
}

static void write_report(FILE *f, const struct slot *slots, size_t n)
{
	fputs("{\"tasks\":[\n", f);
	for (size_t i = 0; i < n; i++) {
		const struct slot *s = &slots[i];

		fprintf(f, "  {\"tid\":%d,\"pid\":%d,\"role\":\"%s\","
			"\"voluntary\":%" PRIu64 ",\"involuntary\":%" PRIu64 ","
			"\"sum_exec_runtime_ns\":%" PRIu64 ","
			"\"run_delay_ns\":%" PRIu64 ",\"pcount\":%" PRIu64 "}%s\n",
			(int)s->tid, (int)s->pid, role_names[s->role],
			s->voluntary, s->involuntary, s->sum_exec_runtime_ns,
			s->run_delay_ns, s->pcount, i + 1 < n ? "," : "");
	}
	fputs("]}\n", f);
}

/* Processes first, while main is still single-threaded; then the threads. */
static void start_workers(pid_t *pids)
{
	fflush(stdout);
	for (uint64_t i = 0; i < params.procs; i++) {
		pid_t pid = fork();

		if (pid == -1)
			die(errno, "fork (worker process %" PRIu64 ")", i);
		if (pid == 0) {
			worker_body(&slots[i], ROLE_PROCESS, i);
			_exit(slots[i].err ? 1 : 0);
		}
		pids[i] = pid;
	}
	for (uint64_t i = 0; i < params.threads; i++) {
		struct slot *s = &slots[params.procs + i];
		pthread_t t;
		int err;

		err = pthread_create(&t, NULL, thread_main, s);
		if (err)
			die(err, "pthread_create (worker thread %" PRIu64 ")", i);
	}
}

/* Threads: wait for each done flag, then for the thread to be gone. */
static void wait_threads(void)
{
	for (uint64_t i = 0; i < params.threads; i++) {
		struct slot *s = &slots[params.procs + i];

		while (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE))
			sleep_ms(1);
	}
	if (params.threads) {
		sleep_ms(THREAD_GONE_MS);
		for (uint64_t i = 0; i < params.threads; i++)
			wait_thread_gone(slots[params.procs + i].tid);
	}
}

/* Processes: reap them; false if one failed or did not report. */
static bool reap_procs(const pid_t *pids)
{
	bool ok = true;

	for (uint64_t i = 0; i < params.procs; i++) {
		int status;
		pid_t r;

		r = pvt_waitpid(pids[i], &status, 0);
		if (r == -1)
			die(errno, "waitpid(%d)", (int)pids[i]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			if (!slots[i].err)
				fprintf(stderr, "selfcount: worker process %d "
					"terminated abnormally (status 0x%x)\n",
					(int)pids[i], (unsigned int)status);
			ok = false;
		}
		if (!__atomic_load_n(&slots[i].done, __ATOMIC_ACQUIRE))
			ok = false;
	}
	return ok;
}

/* Say which workers failed; false if one did. */
static bool workers_ok(size_t nworkers)
{
	bool ok = true;

	for (size_t i = 0; i < nworkers; i++) {
		if (slots[i].err) {
			fprintf(stderr, "selfcount: %s %d: %s: %s\n",
				role_names[slots[i].role], (int)slots[i].tid,
				slots[i].err_what, strerror(slots[i].err));
			ok = false;
		}
	}
	return ok;
}

int main(int argc, char **argv)
{
	struct slot *main_slot;
	size_t nslots, map_len;
	pid_t *pids;
	bool ok;
	FILE *out;

	params.threads = 2;
	params.procs = 2;
	params.switches = 200;
	params.spin_ms = 0;
	parse_args(argc, argv, &params);

	/* Slots: [0, procs) processes, [procs, procs+threads) threads, main. */
	nslots = params.procs + params.threads + 1;
	map_len = nslots * sizeof(struct slot);
	slots = mmap(NULL, map_len, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED)
		die(errno, "mmap (%zu bytes)", map_len);
	main_slot = &slots[nslots - 1];

	pids = calloc(params.procs ? params.procs : 1, sizeof(*pids));
	if (!pids)
		die(errno, "calloc");

	/* Open the report file now, so a bad --out fails before any work. */
	out = params.out ? fopen(params.out, "w") : stdout;
	if (!out)
		die(errno, "cannot open '%s' for writing", params.out);

	start_workers(pids);
	wait_threads();
	ok = reap_procs(pids);
	free(pids);
	if (!workers_ok(nslots - 1) || !ok)
		die(0, "some workers failed; no report written");

	/* Main's own figures, right before writing the report. */
	main_slot->tid = (int32_t)syscall(SYS_gettid);
	main_slot->pid = (int32_t)getpid();
	main_slot->role = ROLE_MAIN;
	record_self(main_slot);
	if (main_slot->err)
		die(main_slot->err, "main: %s", main_slot->err_what);

	write_report(out, slots, nslots);
	if (fflush(out) == EOF || ferror(out))
		die(errno, "writing report to %s",
		    params.out ? params.out : "stdout");
	if (params.out && fclose(out) == EOF)
		die(errno, "closing '%s'", params.out);
	return 0;
}
