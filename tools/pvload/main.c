// SPDX-License-Identifier: GPL-2.0
/*
 * pvload - workload generator for pvtrace.
 *
 * pvload produces well-defined scheduler activity so that pvtrace's output
 * can be checked against a known workload:
 *
 *   pingpong  pairs of tasks (threads or processes) bouncing a token back
 *             and forth over pipes or a futex; every hand-over wakes the
 *             partner and puts the sender to sleep, i.e. a steady stream of
 *             voluntary context switches between two known tasks.
 *   churn     many short-lived threads and/or processes that exit at once,
 *             to exercise task creation/exit tracking.
 *   mixed     the demo: a thread pingpong, a process pingpong and a churn
 *             of threads and processes, all running at the same time.
 *
 * At the end pvload prints one summary line per part with what it measured
 * of itself (CLOCK_MONOTONIC around the measured loop).
 *
 * Exit status: 0 on success, 1 on a runtime failure, 2 on a usage error.
 *
 * Error policy: failures in the main process (pipe, fork, pthread_create...)
 * are fatal (status 1).  A pingpong *thread* that fails terminates the whole
 * process (status 1) since its partner would otherwise wait forever.  A
 * forked child that fails reports the error, makes sure its partner does not
 * wait forever (pipe EOF, or an "abort" value in the futex word), and exits
 * with status 1; the main process reaps everything and then exits with 1.
 *
 * Only libc and pthreads are used.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Limits and defaults                                                      */
/* ------------------------------------------------------------------------ */

#define MAX_PAIRS		1024ULL
#define MAX_ROUNDS		(1ULL << 40)
#define MAX_CHURN		100000000ULL
#define MAX_CONCURRENCY		4096ULL

#define DEF_PAIRS		1
#define DEF_PP_ROUNDS		10000
#define DEF_MIXED_ROUNDS	20000
#define DEF_CHURN_N		100
#define DEF_CONCURRENCY		16
#define MIXED_CHURN_THREADS	50
#define MIXED_CHURN_PROCS	20

/* Churn threads do nothing, so a small stack keeps creation cheap. */
#define CHURN_STACK_SIZE	(64 * 1024)

enum mode { MODE_THREADS, MODE_PROCS };
enum ipc { IPC_PIPE, IPC_FUTEX };

static const char *mode_name(enum mode m)
{
	return m == MODE_THREADS ? "threads" : "procs";
}

/* ------------------------------------------------------------------------ */
/* Error reporting                                                          */
/* ------------------------------------------------------------------------ */

/*
 * True in forked children.  They must leave with _exit() (no atexit
 * handlers, no stdio flush of buffers inherited from the parent).
 */
static bool in_child;

/* Scenario being parsed, for the "Try 'pvload SCENARIO --help'" hint. */
static const char *cur_scenario;

static void terminate(int status)
{
	if (in_child)
		_exit(status);
	exit(status);
}

/*
 * Format "pvload: MESSAGE[: strerror(err)]\n" into a stack buffer and write
 * it with a single write(2).  No stdio locks are taken, so this is usable
 * in children forked from a multi-threaded parent.
 */
static void vreport(int err, const char *fmt, va_list ap)
{
	char msg[384], line[512];
	int len;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (err)
		len = snprintf(line, sizeof(line), "pvload: %s: %s\n", msg,
			       strerror(err));
	else
		len = snprintf(line, sizeof(line), "pvload: %s\n", msg);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(line))
		len = sizeof(line) - 1;
	/* Nothing sensible can be done if writing to stderr fails. */
	if (write(STDERR_FILENO, line, (size_t)len) < 0)
		return;
}

static void __attribute__((format(printf, 2, 3)))
report(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(err, fmt, ap);
	va_end(ap);
}

/* Runtime failure: message (with strerror(err) if err != 0), exit 1. */
static void __attribute__((noreturn, format(printf, 2, 3)))
die(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(err, fmt, ap);
	va_end(ap);
	terminate(1);
	__builtin_unreachable();
}

/* Usage error: message plus a hint where to find help, exit 2. */
static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(0, fmt, ap);
	va_end(ap);
	if (cur_scenario)
		fprintf(stderr, "Try 'pvload %s --help' for more information.\n",
			cur_scenario);
	else
		fprintf(stderr, "Try 'pvload --help' for more information.\n");
	exit(2);
}

/* ------------------------------------------------------------------------ */
/* Help texts                                                               */
/* ------------------------------------------------------------------------ */

static const char general_help[] =
"Usage: pvload SCENARIO [options]\n"
"       pvload --help\n"
"       pvload SCENARIO --help\n"
"\n"
"Workload generator for pvtrace: produces context switches and task\n"
"creation/exit in a controlled way and reports what it measured of itself.\n"
"\n"
"Scenarios:\n"
"  pingpong   pairs of threads or processes bouncing a token back and forth\n"
"  churn      create many short-lived threads and/or processes\n"
"  mixed      thread pingpong + process pingpong + churn, all at once\n"
"\n"
"Common options:\n"
"  --quiet    do not print the summary lines\n"
"  -h, --help show help (general, or for the given scenario)\n"
"\n"
"Unless --quiet is given, one summary line per part is printed to stdout\n"
"at the end, e.g.\n"
"  pingpong threads pairs=1 rounds=10000 elapsed_ns=... ns_per_roundtrip=...\n"
"\n"
"Exit status: 0 success, 1 runtime failure, 2 usage error.\n";

static const char pingpong_help[] =
"Usage: pvload pingpong [--threads | --procs] [--pairs N] [--rounds N]\n"
"                       [--pin CPU] [--ipc pipe|futex] [--quiet]\n"
"\n"
"Start N pairs of tasks.  In each pair, \"ping\" passes a token to \"pong\"\n"
"and waits for it to come back, ROUNDS times.  Every hand-over wakes the\n"
"partner and puts the sender to sleep.  The main process only creates the\n"
"tasks and waits for them.\n"
"\n"
"Options:\n"
"  --threads         pair members are threads of pvload (default)\n"
"  --procs           pair members are forked child processes\n"
"  --pairs N         number of pairs (default 1, max 1024)\n"
"  --rounds N        round trips per pair (default 10000)\n"
"  --pin CPU         every ping/pong task pins itself to CPU (with\n"
"                    sched_setaffinity) before starting, so that the\n"
"                    partners switch directly to each other on that CPU\n"
"  --ipc pipe|futex  token transport: two pipes per pair (default), or a\n"
"                    futex word in shared memory (MAP_SHARED for --procs)\n"
"  --quiet           do not print the summary line\n"
"  -h, --help        show this help\n"
"\n"
"Task names: ping-tI / pong-tI (threads), ping-pI / pong-pI (processes),\n"
"where I is the pair index.\n"
"\n"
"Summary line:\n"
"  pingpong MODE pairs=N rounds=N elapsed_ns=T ns_per_roundtrip=X ipc=.. pin=..\n"
"elapsed_ns runs from the earliest start to the latest end of the pairs'\n"
"round-trip loops (measured by each ping task); ns_per_roundtrip is the\n"
"mean over pairs of (loop time / rounds).\n";

static const char churn_help[] =
"Usage: pvload churn [--threads | --procs] [-n N] [--concurrency C] [--quiet]\n"
"       pvload churn [--threads=N] [--procs=M] [--concurrency C] [--quiet]\n"
"\n"
"Create threads and/or processes that exit immediately (threads return at\n"
"once, processes call _exit(0) at once; each only sets its name first).\n"
"At most C are alive at a time: C are created, then all C are joined or\n"
"waited for, and so on, so that many thousands can be created.\n"
"\n"
"Options:\n"
"  --threads         create N threads (-n), named churn-t (default)\n"
"  --procs           fork N child processes (-n), named churn-p\n"
"  -n N              number of tasks to create (default 100, max 100000000)\n"
"  --threads=N       create N threads, named churn-t\n"
"  --procs=M         fork M child processes, named churn-p\n"
"  --concurrency C   maximum alive at a time (default 16, max 4096)\n"
"  --quiet           do not print the summary line(s)\n"
"  -h, --help        show this help\n"
"\n"
"The counted forms (the value must be attached with '=') replace -n and the\n"
"plain --threads/--procs.  Given both, --threads=N --procs=M runs the two\n"
"parts one after the other, threads first, not concurrently; each part has\n"
"at most C tasks alive and gets its own summary line, e.g.\n"
"  pvload churn --threads=10000 --procs=2000 --concurrency 64\n"
"\n"
"Summary line (one per part):\n"
"  churn MODE n=N concurrency=C elapsed_ns=T ns_per_task=X\n";

static const char mixed_help[] =
"Usage: pvload mixed [--rounds N] [--quiet]\n"
"\n"
"The demo workload.  Runs concurrently:\n"
"  1. one pair of threads ping-ponging over pipes (ping-t0, pong-t0),\n"
"     pinned to the first CPU pvload may use,\n"
"  2. one pair of processes ping-ponging over pipes (ping-p0, pong-p0),\n"
"     pinned to the second (the first again if there is only one),\n"
"  3. a churn of 50 threads (churn-t) and 20 processes (churn-p).\n"
"Exits 0 when everything is done.\n"
"\n"
"Options:\n"
"  --rounds N   round trips for each pingpong pair (default 20000)\n"
"  --quiet      do not print the summary lines\n"
"  -h, --help   show this help\n"
"\n"
"Prints one summary line per part (see pvload pingpong/churn --help).\n";

/* ------------------------------------------------------------------------ */
/* Command line parsing                                                     */
/* ------------------------------------------------------------------------ */

enum opt_id {
	OPT_HELP, OPT_QUIET, OPT_THREADS, OPT_PROCS, OPT_PAIRS, OPT_ROUNDS,
	OPT_PIN, OPT_IPC, OPT_N, OPT_CONCURRENCY,
};

enum opt_arg {
	ARG_NONE,		/* a flag */
	ARG_REQUIRED,		/* takes a value ("--x V" or "--x=V") */
	ARG_OPTIONAL,		/* may take a value, only as "--x=V" */
};

struct optdef {
	const char *name;	/* e.g. "--pairs" */
	const char *alias;	/* e.g. "-h", or NULL */
	enum opt_arg arg;
	enum opt_id id;
};

static const struct optdef pingpong_opts[] = {
	{ "--help",	"-h",	ARG_NONE,	OPT_HELP },
	{ "--quiet",	NULL,	ARG_NONE,	OPT_QUIET },
	{ "--threads",	NULL,	ARG_NONE,	OPT_THREADS },
	{ "--procs",	NULL,	ARG_NONE,	OPT_PROCS },
	{ "--pairs",	NULL,	ARG_REQUIRED,	OPT_PAIRS },
	{ "--rounds",	NULL,	ARG_REQUIRED,	OPT_ROUNDS },
	{ "--pin",	NULL,	ARG_REQUIRED,	OPT_PIN },
	{ "--ipc",	NULL,	ARG_REQUIRED,	OPT_IPC },
	{ NULL,		NULL,	ARG_NONE,	0 },
};

static const struct optdef churn_opts[] = {
	{ "--help",		"-h",	ARG_NONE,	OPT_HELP },
	{ "--quiet",		NULL,	ARG_NONE,	OPT_QUIET },
	{ "--threads",		NULL,	ARG_OPTIONAL,	OPT_THREADS },
	{ "--procs",		NULL,	ARG_OPTIONAL,	OPT_PROCS },
	{ "-n",			NULL,	ARG_REQUIRED,	OPT_N },
	{ "--concurrency",	NULL,	ARG_REQUIRED,	OPT_CONCURRENCY },
	{ NULL,			NULL,	ARG_NONE,	0 },
};

static const struct optdef mixed_opts[] = {
	{ "--help",	"-h",	ARG_NONE,	OPT_HELP },
	{ "--quiet",	NULL,	ARG_NONE,	OPT_QUIET },
	{ "--rounds",	NULL,	ARG_REQUIRED,	OPT_ROUNDS },
	{ NULL,		NULL,	ARG_NONE,	0 },
};

/* Everything the command line can set; defaults filled in by main(). */
struct config {
	bool quiet;
	bool mode_given;	/* --threads or --procs seen */
	enum mode mode;
	uint64_t pairs;
	uint64_t rounds;
	uint64_t n;
	bool n_given;		/* -n seen */
	uint64_t n_threads;	/* churn --threads=N, 0: not given */
	uint64_t n_procs;	/* churn --procs=M, 0: not given */
	uint64_t concurrency;
	int pin;		/* CPU to pin pingpong tasks to, -1: none */
	enum ipc ipc;
};

/*
 * Parse a decimal number in [min, max] given as the value of option opt.
 * Only plain digits are accepted (no sign, no spaces, no hex).
 */
static uint64_t parse_num(const char *opt, const char *s, uint64_t min,
			  uint64_t max)
{
	unsigned long long v;
	char *end;

	if (s[0] == '-' && s[1] >= '0' && s[1] <= '9')
		usage_error("%s: '%s' is negative; expected a number >= %" PRIu64,
			    opt, s, min);
	if (s[0] < '0' || s[0] > '9')
		usage_error("%s: '%s' is not a number", opt, s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		usage_error("%s: '%s' is not a number", opt, s);
	if (errno == ERANGE || v > max)
		usage_error("%s: %s is too large (maximum %" PRIu64 ")",
			    opt, s, max);
	if (v < min)
		usage_error("%s: %s is too small (minimum %" PRIu64 ")",
			    opt, s, min);
	return v;
}

static bool name_is(const char *name, const char *arg, size_t len)
{
	return name && strlen(name) == len && memcmp(name, arg, len) == 0;
}

/*
 * Look up argv[*i] in defs.  For options with a value, the value is either
 * after '=' ("--pairs=4") or the next argument ("--pairs 4"); *i is advanced
 * past everything consumed.  Exits with status 2 on anything malformed.
 */
static const struct optdef *next_opt(int argc, char **argv, int *i,
				     const struct optdef *defs,
				     const char **val)
{
	const char *arg = argv[*i];
	const char *eq = NULL;
	const struct optdef *d;
	size_t len = strlen(arg);

	if (arg[0] != '-' || arg[1] == '\0') {
		/* "--threads 5": an optional value must be attached. */
		for (d = defs; *i > 0 && d->name; d++)
			if (d->arg == ARG_OPTIONAL && strcmp(argv[*i - 1], d->name) == 0)
				usage_error("unexpected argument '%s' (write %s=%s to give a value)",
					    arg, d->name, arg);
		usage_error("unexpected argument '%s'", arg);
	}
	if (arg[1] == '-') {
		eq = strchr(arg, '=');
		if (eq)
			len = (size_t)(eq - arg);
	}
	for (d = defs; d->name; d++)
		if (name_is(d->name, arg, len) || name_is(d->alias, arg, len))
			break;
	if (!d->name)
		usage_error("unknown option '%.*s' for scenario '%s'",
			    (int)len, arg, cur_scenario);

	*val = NULL;
	(*i)++;
	if (d->arg == ARG_REQUIRED) {
		if (eq)
			*val = eq + 1;
		else if (*i < argc)
			*val = argv[(*i)++];
		else
			usage_error("option '%s' requires a value", d->name);
	} else if (eq && d->arg == ARG_OPTIONAL) {
		*val = eq + 1;
	} else if (eq) {
		usage_error("option '%s' does not take a value", d->name);
	}
	return d;
}

static void set_mode(struct config *cfg, enum mode m)
{
	if (cfg->mode_given && cfg->mode != m)
		usage_error("--threads and --procs are mutually exclusive");
	cfg->mode_given = true;
	cfg->mode = m;
}

/* --pin CPU must name a CPU this process is allowed to run on. */
static int parse_cpu(const char *s)
{
	cpu_set_t allowed;
	int cpu = (int)parse_num("--pin", s, 0, CPU_SETSIZE - 1);

	if (sched_getaffinity(0, sizeof(allowed), &allowed) == -1)
		die(errno, "sched_getaffinity");
	if (!CPU_ISSET(cpu, &allowed)) {
		char list[256] = "";
		size_t len = 0;

		for (int c = 0; c < CPU_SETSIZE && len < sizeof(list) - 16; c++)
			if (CPU_ISSET(c, &allowed))
				len += (size_t)snprintf(list + len,
							sizeof(list) - len,
							"%s%d", len ? "," : "", c);
		usage_error("--pin: CPU %d is not available (usable CPUs: %s)",
			    cpu, list);
	}
	return cpu;
}

/* Parse argv[first..argc-1] with the option table of the scenario. */
static void parse_options(int argc, char **argv, int first,
			  const struct optdef *defs, const char *help,
			  struct config *cfg)
{
	int i = first;

	while (i < argc) {
		const char *val;
		const struct optdef *d = next_opt(argc, argv, &i, defs, &val);

		switch (d->id) {
		case OPT_HELP:
			fputs(help, stdout);
			exit(0);
		case OPT_QUIET:
			cfg->quiet = true;
			break;
		case OPT_THREADS:
			if (val)
				cfg->n_threads = parse_num("--threads", val, 1,
							   MAX_CHURN);
			else
				set_mode(cfg, MODE_THREADS);
			break;
		case OPT_PROCS:
			if (val)
				cfg->n_procs = parse_num("--procs", val, 1,
							 MAX_CHURN);
			else
				set_mode(cfg, MODE_PROCS);
			break;
		case OPT_PAIRS:
			cfg->pairs = parse_num("--pairs", val, 1, MAX_PAIRS);
			break;
		case OPT_ROUNDS:
			cfg->rounds = parse_num("--rounds", val, 1, MAX_ROUNDS);
			break;
		case OPT_PIN:
			cfg->pin = parse_cpu(val);
			break;
		case OPT_IPC:
			if (strcmp(val, "pipe") == 0)
				cfg->ipc = IPC_PIPE;
			else if (strcmp(val, "futex") == 0)
				cfg->ipc = IPC_FUTEX;
			else
				usage_error("--ipc: '%s' is not 'pipe' or 'futex'",
					    val);
			break;
		case OPT_N:
			cfg->n = parse_num("-n", val, 1, MAX_CHURN);
			cfg->n_given = true;
			break;
		case OPT_CONCURRENCY:
			cfg->concurrency = parse_num("--concurrency", val, 1,
						     MAX_CONCURRENCY);
			break;
		}
	}

	/* churn: the counted forms say everything -n and the modes would. */
	if (cfg->n_threads || cfg->n_procs) {
		if (cfg->mode_given)
			usage_error("--threads=N/--procs=M cannot be combined with "
				    "a plain --threads or --procs");
		if (cfg->n_given)
			usage_error("-n cannot be combined with --threads=N/--procs=M");
	}
}

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */
/* ------------------------------------------------------------------------ */

static uint64_t now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		die(errno, "clock_gettime(CLOCK_MONOTONIC)");
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void set_task_name(const char *name)
{
	if (prctl(PR_SET_NAME, name, 0, 0, 0) == -1)
		die(errno, "%s: prctl(PR_SET_NAME)", name);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		die(errno, "calloc");
	return p;
}

/*
 * Reap child pid (named name for messages).  Returns true if it exited
 * with status 0, false (after printing why) otherwise.
 */
static bool reap_child(pid_t pid, const char *name)
{
	int status;
	pid_t r;

	do {
		r = waitpid(pid, &status, 0);
	} while (r == -1 && errno == EINTR);
	if (r == -1)
		die(errno, "waitpid(%d)", (int)pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	if (WIFEXITED(status))
		report(0, "%s (pid %d) exited with status %d", name, (int)pid,
		       WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		report(0, "%s (pid %d) was killed by signal %d (%s)", name,
		       (int)pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
	return false;
}

/*
 * Cleanup after a failed fork: kill and reap the children forked so far.
 * Entries <= 0 are slots not (yet) holding a child and are skipped; this
 * matters, as kill(0, ...) would signal our whole process group.
 */
static void kill_children(const pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int status;

		if (pids[i] <= 0)
			continue;
		if (kill(pids[i], SIGKILL) == -1)
			report(errno, "kill(%d)", (int)pids[i]);
		while (waitpid(pids[i], &status, 0) == -1 && errno == EINTR)
			;
	}
}

/* ------------------------------------------------------------------------ */
/* pingpong                                                                 */
/* ------------------------------------------------------------------------ */

/* Values of the futex word: whose turn it is to act. */
#define TURN_PING	0u
#define TURN_PONG	1u
#define TURN_ABORT	2u	/* the partner failed; give up */

/*
 * Per-pair state.  Lives in a MAP_SHARED anonymous mapping so that forked
 * pair members see the same futex word and can report their timings back.
 * Each pair gets its own cache line(s).
 */
struct pp_pair {
	uint32_t turn;		/* futex word, TURN_* */
	int p2q[2];		/* pipe ping -> pong */
	int q2p[2];		/* pipe pong -> ping */
	uint64_t start_ns;	/* ping's loop start (CLOCK_MONOTONIC) */
	uint64_t end_ns;	/* ping's loop end */
} __attribute__((aligned(64)));

/* One pingpong part: its parameters and results. */
struct pp_part {
	enum mode mode;
	enum ipc ipc;
	uint64_t pairs;
	uint64_t rounds;
	int pin;			/* -1: no pinning */

	struct pp_pair *pair;		/* shared mapping, pairs entries */
	bool ok;			/* all tasks succeeded */
	uint64_t elapsed_ns;
	double ns_per_roundtrip;
};

/* One member of a pair. */
struct pp_task {
	struct pp_part *part;
	struct pp_pair *pair;
	uint64_t index;			/* pair index */
	bool is_ping;
	/* "ping-t0", ...; at most 11 chars with <= 1024 pairs (comm: 15) */
	char name[32];
};

static long futex_op(uint32_t *uaddr, int op, uint32_t val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

/*
 * A pair member failed: tell the partner (futex mode; in pipe mode it sees
 * EOF/EPIPE when our pipe ends are closed at exit), report, and exit.
 */
static void __attribute__((noreturn))
pp_fail(const struct pp_task *t, int err, const char *what)
{
	if (t->part->ipc == IPC_FUTEX) {
		__atomic_store_n(&t->pair->turn, TURN_ABORT, __ATOMIC_RELEASE);
		/* Best effort: we are failing anyway. */
		(void)futex_op(&t->pair->turn, FUTEX_WAKE, 1);
	}
	die(err, "%s: %s", t->name, what);
}

static int pp_futex_flags(const struct pp_task *t)
{
	/* Threads share the mm; processes need shared (non-private) futexes. */
	return t->part->mode == MODE_THREADS ? FUTEX_PRIVATE_FLAG : 0;
}

/* Futex mode: wait until it is our turn. */
static void pp_futex_wait_turn(const struct pp_task *t, uint32_t me)
{
	uint32_t *word = &t->pair->turn;
	uint32_t cur;

	while ((cur = __atomic_load_n(word, __ATOMIC_ACQUIRE)) != me) {
		if (cur == TURN_ABORT)
			pp_fail(t, 0, "partner failed");
		if (futex_op(word, FUTEX_WAIT | pp_futex_flags(t), cur) == -1 &&
		    errno != EAGAIN && errno != EINTR)
			pp_fail(t, errno, "futex(FUTEX_WAIT)");
	}
}

/* Futex mode: hand the token to the partner and wake it. */
static void pp_futex_pass(const struct pp_task *t, uint32_t other)
{
	__atomic_store_n(&t->pair->turn, other, __ATOMIC_RELEASE);
	if (futex_op(&t->pair->turn, FUTEX_WAKE | pp_futex_flags(t), 1) == -1)
		pp_fail(t, errno, "futex(FUTEX_WAKE)");
}

/* Pipe mode: send the one-byte token. */
static void pp_pipe_send(const struct pp_task *t, int fd)
{
	const char token = 'x';
	ssize_t r;

	do {
		r = write(fd, &token, 1);
	} while (r == -1 && errno == EINTR);
	if (r == -1)
		pp_fail(t, errno, "write to pipe");
	if (r != 1)
		pp_fail(t, 0, "write to pipe: short write");
}

/* Pipe mode: wait for the token. */
static void pp_pipe_recv(const struct pp_task *t, int fd)
{
	char token;
	ssize_t r;

	do {
		r = read(fd, &token, 1);
	} while (r == -1 && errno == EINTR);
	if (r == -1)
		pp_fail(t, errno, "read from pipe");
	if (r == 0)
		pp_fail(t, 0, "read from pipe: end of file (partner failed?)");
}

/* The body of one pair member (thread or child process). */
static void pp_task_run(const struct pp_task *t)
{
	const struct pp_part *p = t->part;
	struct pp_pair *pair = t->pair;
	uint64_t start;

	if (prctl(PR_SET_NAME, t->name, 0, 0, 0) == -1)
		pp_fail(t, errno, "prctl(PR_SET_NAME)");
	if (p->pin >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(p->pin, &set);
		if (sched_setaffinity(0, sizeof(set), &set) == -1)
			pp_fail(t, errno, "sched_setaffinity");
	}

	/*
	 * Exactly p->rounds round trips.  Ping's clock covers the whole loop;
	 * pong is started before ping so it is normally already waiting.
	 */
	start = now_ns();
	for (uint64_t r = 0; r < p->rounds; r++) {
		if (p->ipc == IPC_PIPE) {
			if (t->is_ping) {
				pp_pipe_send(t, pair->p2q[1]);
				pp_pipe_recv(t, pair->q2p[0]);
			} else {
				pp_pipe_recv(t, pair->p2q[0]);
				pp_pipe_send(t, pair->q2p[1]);
			}
		} else {
			if (t->is_ping) {
				pp_futex_pass(t, TURN_PONG);
				pp_futex_wait_turn(t, TURN_PING);
			} else {
				pp_futex_wait_turn(t, TURN_PONG);
				pp_futex_pass(t, TURN_PING);
			}
		}
	}
	if (t->is_ping) {
		pair->end_ns = now_ns();
		pair->start_ns = start;
	}
}

static void *pp_thread_main(void *arg)
{
	pp_task_run(arg);
	return NULL;
}

static void pp_make_pipes(struct pp_pair *pair)
{
	if (pipe(pair->p2q) == -1 || pipe(pair->q2p) == -1)
		die(errno, "pipe");
}

static void xclose(int fd)
{
	if (close(fd) == -1)
		die(errno, "close(%d)", fd);
}

/* --threads: create all pair members as threads, then join them. */
static void pp_run_threads(struct pp_part *p, struct pp_task *tasks)
{
	size_t ntasks = 2 * p->pairs;
	pthread_t *tids = xcalloc(ntasks, sizeof(*tids));
	int err;

	if (p->ipc == IPC_PIPE)
		for (uint64_t i = 0; i < p->pairs; i++)
			pp_make_pipes(&p->pair[i]);

	/* tasks[2i] is ping, tasks[2i+1] pong; start pong first. */
	for (size_t k = 0; k < ntasks; k++) {
		size_t idx = k ^ 1;

		err = pthread_create(&tids[idx], NULL, pp_thread_main,
				     &tasks[idx]);
		if (err)
			die(err, "pthread_create (%s)", tasks[idx].name);
	}
	for (size_t k = 0; k < ntasks; k++) {
		err = pthread_join(tids[k], NULL);
		if (err)
			die(err, "pthread_join (%s)", tasks[k].name);
	}

	if (p->ipc == IPC_PIPE) {
		for (uint64_t i = 0; i < p->pairs; i++) {
			xclose(p->pair[i].p2q[0]);
			xclose(p->pair[i].p2q[1]);
			xclose(p->pair[i].q2p[0]);
			xclose(p->pair[i].q2p[1]);
		}
	}
	free(tids);
	p->ok = true;
}

/* In a forked pair member: close the pipe ends this member does not use. */
static void pp_child_close_unused(const struct pp_task *t)
{
	const struct pp_pair *pair = t->pair;
	int a = t->is_ping ? pair->p2q[0] : pair->p2q[1];
	int b = t->is_ping ? pair->q2p[1] : pair->q2p[0];

	if (close(a) == -1 || close(b) == -1)
		pp_fail(t, errno, "close unused pipe end");
}

/*
 * --procs: fork all pair members, then reap them.  The pipes of a pair are
 * created just before its two children are forked and closed in the parent
 * right after, so no child holds another pair's pipe ends.
 */
static void pp_run_procs(struct pp_part *p, struct pp_task *tasks)
{
	size_t ntasks = 2 * p->pairs;
	pid_t *pids = xcalloc(ntasks, sizeof(*pids));	/* 0: not forked */

	for (uint64_t i = 0; i < p->pairs; i++) {
		struct pp_pair *pair = &p->pair[i];

		if (p->ipc == IPC_PIPE &&
		    (pipe(pair->p2q) == -1 || pipe(pair->q2p) == -1)) {
			int err = errno;

			kill_children(pids, ntasks);
			die(err, "pipe");
		}
		/* pong (2i+1) first, then ping (2i) */
		for (int m = 1; m >= 0; m--) {
			size_t idx = 2 * i + (size_t)m;
			pid_t pid = fork();

			if (pid == -1) {
				int err = errno;

				kill_children(pids, ntasks);
				die(err, "fork (%s)", tasks[idx].name);
			}
			if (pid == 0) {
				in_child = true;
				if (p->ipc == IPC_PIPE)
					pp_child_close_unused(&tasks[idx]);
				pp_task_run(&tasks[idx]);
				_exit(0);
			}
			pids[idx] = pid;
		}
		if (p->ipc == IPC_PIPE) {
			xclose(pair->p2q[0]);
			xclose(pair->p2q[1]);
			xclose(pair->q2p[0]);
			xclose(pair->q2p[1]);
		}
	}

	/*
	 * A failing member makes its partner fail too (EOF or TURN_ABORT), so
	 * every child terminates and reaping in order cannot hang.
	 */
	p->ok = true;
	for (size_t k = 0; k < ntasks; k++)
		if (!reap_child(pids[k], tasks[k].name))
			p->ok = false;
	free(pids);
}

/* Run one pingpong part and fill in its results. */
static void pp_part_run(struct pp_part *p)
{
	size_t map_len = p->pairs * sizeof(struct pp_pair);
	struct pp_task *tasks = xcalloc(2 * p->pairs, sizeof(*tasks));
	char kind = p->mode == MODE_THREADS ? 't' : 'p';
	uint64_t first = UINT64_MAX, last = 0;
	double sum_per_rt = 0;

	p->pair = mmap(NULL, map_len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p->pair == MAP_FAILED)
		die(errno, "mmap (%zu bytes)", map_len);
	/* Fresh anonymous memory is zero: turn == TURN_PING, times 0. */

	for (uint64_t i = 0; i < p->pairs; i++) {
		for (int m = 0; m < 2; m++) {
			struct pp_task *t = &tasks[2 * i + (uint64_t)m];

			t->part = p;
			t->pair = &p->pair[i];
			t->index = i;
			t->is_ping = (m == 0);
			snprintf(t->name, sizeof(t->name), "%s-%c%" PRIu64,
				 t->is_ping ? "ping" : "pong", kind, i);
		}
	}

	if (p->mode == MODE_THREADS)
		pp_run_threads(p, tasks);
	else
		pp_run_procs(p, tasks);

	if (p->ok) {
		for (uint64_t i = 0; i < p->pairs; i++) {
			const struct pp_pair *pair = &p->pair[i];

			if (pair->start_ns < first)
				first = pair->start_ns;
			if (pair->end_ns > last)
				last = pair->end_ns;
			sum_per_rt += (double)(pair->end_ns - pair->start_ns) /
				      (double)p->rounds;
		}
		p->elapsed_ns = last - first;
		p->ns_per_roundtrip = sum_per_rt / (double)p->pairs;
	}

	if (munmap(p->pair, map_len) == -1)
		die(errno, "munmap");
	p->pair = NULL;
	free(tasks);
}

static void pp_print_summary(const struct pp_part *p)
{
	char pin[16] = "none";

	if (p->pin >= 0)
		snprintf(pin, sizeof(pin), "%d", p->pin);
	printf("pingpong %s pairs=%" PRIu64 " rounds=%" PRIu64
	       " elapsed_ns=%" PRIu64 " ns_per_roundtrip=%.1f ipc=%s pin=%s\n",
	       mode_name(p->mode), p->pairs, p->rounds, p->elapsed_ns,
	       p->ns_per_roundtrip, p->ipc == IPC_PIPE ? "pipe" : "futex", pin);
}

/* ------------------------------------------------------------------------ */
/* churn                                                                    */
/* ------------------------------------------------------------------------ */

struct churn_part {
	enum mode mode;
	uint64_t n;
	uint64_t concurrency;

	bool ok;
	uint64_t elapsed_ns;
};

static void *churn_thread_main(void *arg)
{
	(void)arg;
	set_task_name("churn-t");
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
					     churn_thread_main, NULL);
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
				in_child = true;
				set_task_name("churn-p");
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

static void churn_part_run(struct churn_part *c)
{
	uint64_t batch_max = c->concurrency < c->n ? c->concurrency : c->n;
	uint64_t start = now_ns();

	if (c->mode == MODE_THREADS)
		churn_threads(c, batch_max);
	else
		churn_procs(c, batch_max);
	c->elapsed_ns = now_ns() - start;
}

static void churn_print_summary(const struct churn_part *c)
{
	printf("churn %s n=%" PRIu64 " concurrency=%" PRIu64
	       " elapsed_ns=%" PRIu64 " ns_per_task=%.1f\n",
	       mode_name(c->mode), c->n, c->concurrency, c->elapsed_ns,
	       (double)c->elapsed_ns / (double)c->n);
}

/* ------------------------------------------------------------------------ */
/* Scenarios                                                                */
/* ------------------------------------------------------------------------ */

/* Flush the summary; a failed write to stdout is a runtime failure. */
static int finish(bool ok)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		die(errno, "writing summary to stdout");
	return ok ? 0 : 1;
}

static int run_pingpong(const struct config *cfg)
{
	struct pp_part p = {
		.mode = cfg->mode, .ipc = cfg->ipc, .pairs = cfg->pairs,
		.rounds = cfg->rounds, .pin = cfg->pin,
	};

	pp_part_run(&p);
	if (!p.ok)
		return finish(false);
	if (!cfg->quiet)
		pp_print_summary(&p);
	return finish(true);
}

/*
 * churn: one part (--threads / --procs with -n), or with --threads=N and/or
 * --procs=M up to two parts, run one after the other, threads first.
 */
static int run_churn(const struct config *cfg)
{
	struct churn_part parts[2];
	size_t nparts = 0;
	bool ok = true;

	if (!cfg->n_threads && !cfg->n_procs)
		parts[nparts++] = (struct churn_part){
			.mode = cfg->mode, .n = cfg->n,
			.concurrency = cfg->concurrency,
		};
	if (cfg->n_threads)
		parts[nparts++] = (struct churn_part){
			.mode = MODE_THREADS, .n = cfg->n_threads,
			.concurrency = cfg->concurrency,
		};
	if (cfg->n_procs)
		parts[nparts++] = (struct churn_part){
			.mode = MODE_PROCS, .n = cfg->n_procs,
			.concurrency = cfg->concurrency,
		};

	for (size_t i = 0; i < nparts; i++) {
		churn_part_run(&parts[i]);
		ok = ok && parts[i].ok;
	}
	if (ok && !cfg->quiet)
		for (size_t i = 0; i < nparts; i++)
			churn_print_summary(&parts[i]);
	return finish(ok);
}

/* mixed: each part runs in its own controller thread. */
struct mixed_ctl {
	const char *name;		/* controller thread name */
	struct pp_part *pp;		/* exactly one of pp / churn is set */
	struct churn_part *churn;
};

static void *mixed_controller(void *arg)
{
	struct mixed_ctl *ctl = arg;

	set_task_name(ctl->name);
	if (ctl->pp)
		pp_part_run(ctl->pp);
	else
		churn_part_run(ctl->churn);
	return NULL;
}

/* The n-th CPU this process may run on (wrapping), or -1 if unknown. */
static int nth_allowed_cpu(int n)
{
	cpu_set_t set;
	int count, seen = 0;

	if (sched_getaffinity(0, sizeof(set), &set) < 0 || !(count = CPU_COUNT(&set)))
		return -1;
	n %= count;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set) && seen++ == n)
			return cpu;
	return -1;
}

static int run_mixed(const struct config *cfg)
{
	/*
	 * Each pair pinned to a CPU of its own (the same one if there is only
	 * one): the thread pair's switches stay inside its process, the process
	 * pair's cross address spaces, and the report shows both plainly.
	 */
	struct pp_part pp_t = {
		.mode = MODE_THREADS, .ipc = IPC_PIPE, .pairs = 1,
		.rounds = cfg->rounds, .pin = nth_allowed_cpu(0),
	};
	struct pp_part pp_p = {
		.mode = MODE_PROCS, .ipc = IPC_PIPE, .pairs = 1,
		.rounds = cfg->rounds, .pin = nth_allowed_cpu(1),
	};
	struct churn_part ch_t = {
		.mode = MODE_THREADS, .n = MIXED_CHURN_THREADS,
		.concurrency = DEF_CONCURRENCY,
	};
	struct churn_part ch_p = {
		.mode = MODE_PROCS, .n = MIXED_CHURN_PROCS,
		.concurrency = DEF_CONCURRENCY,
	};
	struct mixed_ctl ctl[] = {
		{ "mix-pingpong-t", &pp_t, NULL },
		{ "mix-pingpong-p", &pp_p, NULL },
		{ "mix-churn-t", NULL, &ch_t },
		{ "mix-churn-p", NULL, &ch_p },
	};
	const size_t nctl = sizeof(ctl) / sizeof(ctl[0]);
	pthread_t tids[sizeof(ctl) / sizeof(ctl[0])];
	bool ok;
	int err;

	for (size_t i = 0; i < nctl; i++) {
		err = pthread_create(&tids[i], NULL, mixed_controller, &ctl[i]);
		if (err)
			die(err, "pthread_create (%s)", ctl[i].name);
	}
	for (size_t i = 0; i < nctl; i++) {
		err = pthread_join(tids[i], NULL);
		if (err)
			die(err, "pthread_join (%s)", ctl[i].name);
	}

	ok = pp_t.ok && pp_p.ok && ch_t.ok && ch_p.ok;
	if (ok && !cfg->quiet) {
		pp_print_summary(&pp_t);
		pp_print_summary(&pp_p);
		churn_print_summary(&ch_t);
		churn_print_summary(&ch_p);
	}
	return finish(ok);
}

struct scenario {
	const char *name;
	const struct optdef *opts;
	const char *help;
	int (*run)(const struct config *cfg);
	uint64_t default_rounds;
};

static const struct scenario scenarios[] = {
	{ "pingpong", pingpong_opts, pingpong_help, run_pingpong, DEF_PP_ROUNDS },
	{ "churn", churn_opts, churn_help, run_churn, 0 },
	{ "mixed", mixed_opts, mixed_help, run_mixed, DEF_MIXED_ROUNDS },
};

int main(int argc, char **argv)
{
	const struct scenario *sc = NULL;
	struct sigaction sa;
	struct config cfg = {
		.mode = MODE_THREADS,
		.pairs = DEF_PAIRS,
		.n = DEF_CHURN_N,
		.concurrency = DEF_CONCURRENCY,
		.pin = -1,
		.ipc = IPC_PIPE,
	};

	if (argc < 2)
		usage_error("missing scenario (pingpong, churn or mixed)");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(general_help, stdout);
		return 0;
	}
	if (argv[1][0] == '-')
		usage_error("expected a scenario name before option '%s'",
			    argv[1]);
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (strcmp(argv[1], scenarios[i].name) == 0)
			sc = &scenarios[i];
	if (!sc)
		usage_error("unknown scenario '%s' (expected pingpong, churn or mixed)",
			    argv[1]);

	cur_scenario = sc->name;
	cfg.rounds = sc->default_rounds;
	parse_options(argc, argv, 2, sc->opts, sc->help, &cfg);

	/* A pipe partner that died must show up as EPIPE, not kill us. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	if (sigemptyset(&sa.sa_mask) == -1 ||
	    sigaction(SIGPIPE, &sa, NULL) == -1)
		die(errno, "sigaction(SIGPIPE)");

	return sc->run(&cfg);
}
