// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_record.c - `pvtrace record [-o FILE] [run options] -- CMD`: trace as
 * `run` does, and keep in FILE (record_file.h, docs/RECORD.md) every
 * scheduling event of the traced tasks (switches, wakeups, migrations, from a
 * ring buffer of their own) and a journal of everything run's userspace
 * consumed (ring-buffer records, sampling passes, the maps at the end), so
 * that `pvtrace report` rebuilds the very report run would have written.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "cmd_attach.h"
#include "cmd_record.h"
#include "common.h"
#include "parse.h"
#include "record_file.h"
#include "version.h" /* PVTRACE_VERSION: .output/version.h, made by the Makefile */

#define usage_error(...) pvt_usage_error("record", __VA_ARGS__)
#define RECORD_RB_KB_DEFAULT 32768


void record_usage(FILE *f)
{
	fprintf(f,
		"usage: pvtrace record [-o FILE] [--force] [--report[=FILE]] [run options] [--] CMD [ARGS...]\n"
		"       pvtrace record [-o FILE] ... (-p PID[,PID...] | --cgroup PATH) [-d SECS]\n"
		"\n"
		"Run CMD as 'pvtrace run' does, and record in FILE every scheduling event of its\n"
		"tasks (each switch with the previous and next task, the previous one's state\n"
		"and the CPU; wakeups with the waker and the target CPU; migrations; creations,\n"
		"execs, renames and exits; memory samples) with everything the report is made\n"
		"of: 'pvtrace report -i FILE' then writes the report run would have written,\n"
		"'pvtrace report --timeline' the events one per line, 'pvtrace perfetto' a\n"
		"Perfetto trace.  The file is written as the trace goes: a run cut short leaves\n"
		"a readable prefix.  Format: RECORD.md (pvtrace's docs).\n"
		"\n"
		"options:\n"
		"  -o, --output FILE      the recording (default %s); an existing file is\n"
		"                         replaced only if it is a pvtrace recording\n"
		"      --force            replace FILE whatever it is (never a symbolic link)\n"
		"      --report[=FILE]    also write run's report, to stderr or FILE ('-': stdout);\n"
		"                         -f, --top, --hist, --by shape it\n"
		"      --record-buffer-kb N\n"
		"                         the scheduling events' ring buffer, in KiB: a power of two\n"
		"                         from 4 to 2097152 (default %d); events that do not fit\n"
		"                         are counted\n"
		"  -p, --pid PID[,PID...], --cgroup PATH, -d, --duration SECS\n"
		"                         record running processes or a cgroup, as 'pvtrace attach'\n"
		"                         (then no CMD and no --user)\n"
		"  -f, --format FMT, -t, --top N, --hist, --by process|cgroup\n"
		"                         shape --report's report as for 'pvtrace run' (and -f json\n"
		"                         the --events lines); --top is kept as pvtrace report's default\n"
		"  -i, --interval MS, --max-tasks N, --keep-tasks N, --ringbuf-kb N, --events[=FILE],\n"
		"      --syscall-costs WHEN, --no-syscall-costs, --bpf-stats, --calibration FILE,\n"
		"      --status, --no-status, -u, --user USER\n"
		"                         as for 'pvtrace run' (see pvtrace run --help)\n"
		"  -v, --verbose          say more\n"
		"  -h, --help             this help\n",
		PVT_RECORD_DEFAULT_PATH, RECORD_RB_KB_DEFAULT);
}

enum { OPT_FORCE = OPT__RUN_END + 32, OPT_REPORT, OPT_RECORD_RB, OPT_REC_CGROUP };

int record_parse_args(int argc, char **argv, struct attach_opts *ao)
{
	struct run_opts *o = &ao->run;
	static const struct option longopts[] = {
		RUN_LONGOPTS,
		{ "user", required_argument, NULL, 'u' },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "report", optional_argument, NULL, OPT_REPORT },
		{ "record-buffer-kb", required_argument, NULL, OPT_RECORD_RB },
		{ "pid", required_argument, NULL, 'p' },
		{ "cgroup", required_argument, NULL, OPT_REC_CGROUP },
		{ "duration", required_argument, NULL, 'd' },
		{}
	};
	uint64_t v;
	int c, err;

	memset(ao, 0, sizeof(*ao));
	run_opts_init(o);
	run_cmd_name = "record";
	o->record = true;
	o->record_path = PVT_RECORD_DEFAULT_PATH;
	o->record_rb_bytes = RECORD_RB_KB_DEFAULT * 1024u;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:o:f:t:i:u:p:d:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			err = attach_parse_pids(optarg, ao);
			if (err)
				return err;
			break;
		case OPT_REC_CGROUP:
			if (!*optarg)
				return usage_error("--cgroup needs a cgroup v2 directory");
			ao->cgroup = optarg;
			break;
		case 'd':
			err = attach_parse_duration(optarg, &ao->duration_ms);
			if (err)
				return err;
			break;
		case 'v':
			pvt_verbose++;
			break;
		case 'h':
			o->help = true;
			return 0;
		case 'o':
			if (!*optarg)
				return usage_error("-o needs a file name");
			o->record_path = optarg;
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case OPT_REPORT:
			if (optarg && !*optarg)
				return usage_error("--report= needs a file name");
			o->report_wanted = true;
			o->output = optarg;
			break;
		case OPT_RECORD_RB:
			if (pvt_parse_u64(optarg, 4, 1u << 21, &v) || (v & (v - 1)))
				return usage_error("--record-buffer-kb needs a power of two from 4 to "
						   "2097152, not '%s'", optarg);
			o->record_rb_bytes = (uint32_t)(v * 1024);
			break;
		case '?':
		case ':':
			return pvt_getopt_error("record", c, argv);
		default:
			err = run_option(c, optarg, o);
			if (err)
				return err;
		}
	}
	if (ao->npids && ao->cgroup)
		return usage_error("-p and --cgroup cannot be combined");
	if (ao->npids || ao->cgroup) {
		if (optind < argc)
			return usage_error("a command or running targets (-p, --cgroup), not both");
		if (o->user)
			return usage_error("--user is for a command pvtrace starts");
		return 0;
	}
	if (ao->duration_ms)
		return usage_error("--duration is for running targets (-p, --cgroup)");
	if (optind >= argc)
		return usage_error("no command to record (pvtrace record [options] -- CMD [ARGS], "
				   "or -p PID, --cgroup PATH)");
	o->argv = &argv[optind];
	return 0;
}

static void info_text(struct pvt_rec_writer *w, uint32_t kind, const char *s)
{
	recw_info(w, kind, s, strlen(s));
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* The boot clock beside the monotonic one (they part at each suspend): Perfetto's time. */
static void info_boottime(struct pvt_rec_writer *w)
{
	struct pvt_info_boottime b;
	uint64_t m0 = clock_ns(CLOCK_MONOTONIC);

	b.boottime_ns = clock_ns(CLOCK_BOOTTIME);
	b.monotonic_ns = m0 + (clock_ns(CLOCK_MONOTONIC) - m0) / 2;
	recw_info(w, PVT_INFO_BOOTTIME, &b, sizeof(b));
}

int record_start(const struct run_opts *o, struct run_state *rs)
{
	struct pvt_rec_options ro = {
		.keep_tasks = o->keep_tasks, .top = o->top, .max_tasks = o->max_tasks,
		.interval_ms = o->interval_ms, .mode = o->argv ? PVT_MODE_RUN : PVT_MODE_ATTACH,
		.hist = o->hist,
		.by_cgroup = o->by_cgroup, .null_programs = o->null_programs,
	};
	struct pvt_info_start st;
	struct timespec rt, mt;
	struct utsname u;
	char err[512], host[256] = "";
	uint32_t ncpus = (uint32_t)sysconf(_SC_NPROCESSORS_CONF);

	if (recw_open(&rs->rec, o->record_path, o->force, err, sizeof(err))) {
		pvt_err("record: %s", err);
		return PVT_EXIT_FAILURE;
	}
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	st.realtime_ns = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec;
	st.monotonic_ns = (uint64_t)mt.tv_sec * 1000000000ull + (uint64_t)mt.tv_nsec;
	info_text(rs->rec, PVT_INFO_VERSION, PVTRACE_VERSION);
	if (!uname(&u)) {
		info_text(rs->rec, PVT_INFO_KERNEL, u.release);
		info_text(rs->rec, PVT_INFO_ARCH, u.machine);
	}
	gethostname(host, sizeof(host) - 1);
	info_text(rs->rec, PVT_INFO_HOST, host);
	info_text(rs->rec, PVT_INFO_CLOCK, "CLOCK_MONOTONIC");
	recw_info(rs->rec, PVT_INFO_START, &st, sizeof(st));
	info_boottime(rs->rec);
	recw_info(rs->rec, PVT_INFO_OPTIONS, &ro, sizeof(ro));
	recw_info(rs->rec, PVT_INFO_NCPUS, &ncpus, sizeof(ncpus));
	for (char *const *a = o->argv; a && *a; a++)
		info_text(rs->rec, PVT_INFO_ARG, *a);
	if (recw_begin(rs->rec)) {
		pvt_err("record: cannot write %s: %s", o->record_path, strerror(errno));
		return PVT_EXIT_FAILURE;
	}
	/*
	 * The kernel's object sizes first: folding reads them at its first record,
	 * and the report read elsewhere must fold with these.
	 */
	memory_slab_sizes(&rs->fold.slab);
	fold_set_slab(&rs->fold, &rs->fold.slab);
	recw_journal(rs->rec, PVT_J_SLAB, &rs->fold.slab, sizeof(rs->fold.slab), NULL, 0);
	rs->rec_flushed_ns = pvt_now_ns();
	return 0;
}

void record_on_sched(void *ctx, const struct pvt_sched_ev *ev)
{
	struct run_state *rs = ctx;

	if (rs->rec)
		recw_sched(rs->rec, ev);
}

int record_finish(const struct run_opts *o, struct run_state *rs, const struct pvt_collected *c)
{
	uint64_t lost = c->counters[PVT_C_SCHED_LOST], events, switches = c->counters[PVT_C_SWITCHES];
	struct pvt_rec_writer *w = rs->rec;
	char b1[32];
	int err;

	err = recw_flush(w);
	events = recw_sched_events(w);
	rs->rec = NULL;
	if (!err) {
		uint64_t bytes = recw_bytes(w);

		err = recw_close(w, lost);
		if (!err) {
			fprintf(stderr, "pvtrace: recorded %llu scheduling events (%llu switches, %.1f bytes "
				"each on disk), %s, to %s%s\n", (unsigned long long)events,
				(unsigned long long)switches,
				switches ? (double)bytes / (double)switches : 0.0,
				pvt_fmt_bytes(b1, sizeof(b1), bytes), o->record_path,
				lost ? "" : "; no event lost");
			if (lost)
				pvt_warn("record: %llu scheduling events did not fit the ring buffer "
					 "(--record-buffer-kb)", (unsigned long long)lost);
			return 0;
		}
	} else {
		recw_abort(w);
	}
	pvt_err("record: cannot write %s: %s", o->record_path, strerror(-err));
	return -1;
}

int cmd_record(int argc, char **argv)
{
	struct attach_opts o;
	int err;

	err = record_parse_args(argc, argv, &o);
	if (err)
		return err;
	if (o.run.help) {
		record_usage(stdout);
		return 0;
	}
	if (o.npids || o.cgroup)
		return attach_main(&o);
	return run_main(&o.run);
}
