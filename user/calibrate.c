// SPDX-License-Identifier: GPL-2.0
/*
 * calibrate.c - the switch-cost calibration (the command is cmd_calibrate.c):
 * measure the direct cost of a context switch with pinned ping-pong pairs
 * (lmbench lat_ctx style), write it to the calibration file, and load that
 * file for reports.  See calibrate.h for the method and the file format.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "calibrate.h"
#include "common.h"
#include "escape.h"
#include "fileio.h"
#include "json_writer.h"
#include "machine.h"
#include "pingpong.h"
#include "privs.h"
#include "quantile.h"

#define CAL_METHOD "pinned ping-pong on one CPU, lat_ctx style: " \
		   "(round trip - same syscalls without a switch) / 2"

static const struct {
	const char *name, *ipc, *kind;
} cal_tests[PVT_CAL_NTESTS] = {
	[PVT_CAL_PIPE_THREADS] = { "pipe_threads", "pipe", "threads" },
	[PVT_CAL_PIPE_PROCESSES] = { "pipe_processes", "pipe", "processes" },
	[PVT_CAL_FUTEX_THREADS] = { "futex_threads", "futex", "threads" },
	[PVT_CAL_FUTEX_PROCESSES] = { "futex_processes", "futex", "processes" },
};

/* ---- pure arithmetic ---- */

double cal_switch_ns(double roundtrip_ns, double overhead_ns)
{
	double d;

	if (isnan(roundtrip_ns) || isnan(overhead_ns))
		return NAN;
	d = (roundtrip_ns - overhead_ns) / 2;
	return d > 0 ? d : 0;
}

void cal_result_init(struct pvt_cal_result *res, enum pvt_cal_test t)
{
	res->name = cal_tests[t].name;
	res->ipc = cal_tests[t].ipc;
	res->kind = cal_tests[t].kind;
}

void cal_finish(struct pvt_cal_run *r)
{
	struct pvt_cal_result *res = r->results;

	for (int t = 0; t < PVT_CAL_NTESTS; t++) {
		cal_result_init(&res[t], t);
		res[t].switch_ns = cal_switch_ns(res[t].roundtrip_ns, res[t].loop_overhead_ns);
	}
	r->same_as_ns = (res[PVT_CAL_PIPE_THREADS].switch_ns +
			 res[PVT_CAL_FUTEX_THREADS].switch_ns) / 2;
	r->as_change_ns = (res[PVT_CAL_PIPE_PROCESSES].switch_ns +
			   res[PVT_CAL_FUTEX_PROCESSES].switch_ns) / 2;
}

/* ---- the ping-pong pairs (pingpong.c) ---- */

int cal_measure(enum pvt_cal_test t, uint64_t rounds, unsigned int reps,
		struct pvt_cal_result *res)
{
	/* The caller pins the process: the pair inherits its affinity. */
	struct pp_config c = { .cpu_a = -1, .cpu_b = -1 };
	/* On the stack: a forked partner exits without freeing anything. */
	double rt[PVT_CAL_MAX_REPS], oh[PVT_CAL_MAX_REPS];
	char err[200];

	memset(res, 0, sizeof(*res));
	if ((unsigned int)t >= PVT_CAL_NTESTS || !rounds || !reps || reps > PVT_CAL_MAX_REPS)
		return -1;
	cal_result_init(res, t);
	c.futex = !strcmp(cal_tests[t].ipc, "futex");
	c.processes = !strcmp(cal_tests[t].kind, "processes");
	if (pp_measure(&c, rounds, reps, rt, oh, err, sizeof(err))) {
		pvt_err("calibrate: %s: %s", res->name, err);
		return -1;
	}
	res->roundtrip_ns = pvt_median(rt, reps);
	res->roundtrip_p10_ns = pvt_quantile(rt, reps, 0.10);
	res->roundtrip_p90_ns = pvt_quantile(rt, reps, 0.90);
	res->loop_overhead_ns = pvt_median(oh, reps);
	res->switch_ns = cal_switch_ns(res->roundtrip_ns, res->loop_overhead_ns);
	return 0;
}

/* ---- the file ---- */

static double ns1(double x) /* rounded to 0.1 ns, without libm */
{
	if (!isfinite(x) || x > 1e15 || x < -1e15)
		return x;
	return x >= 0 ? (double)(int64_t)(x * 10 + 0.5) / 10 : -(double)(int64_t)(-x * 10 + 0.5) / 10;
}

/* ns to 0.1; whole numbers as integers (the writer would print 3010 as 3.01e+03). */
static void ns_field(json_writer_t *jw, const char *name, double x)
{
	x = ns1(x);
	if (isfinite(x) && x > -1e15 && x < 1e15 && x == (double)(int64_t)x)
		jw_int_field(jw, name, (int64_t)x);
	else
		jw_double_field(jw, name, x);
}

int calibration_write(FILE *f, const struct pvt_cal_run *r)
{
	json_writer_t *jw = jw_new(f, true);
	int err;

	if (!jw)
		return -EIO;
	jw_start_object(jw);
	jw_string_field(jw, "schema", PVT_CAL_SCHEMA);
	jw_string_field(jw, "created", r->created);
	jw_int_field(jw, "created_unix", r->created_unix);
	jw_name(jw, "machine");
	jw_start_object(jw);
	jw_string_field(jw, "hostname", r->hostname);
	jw_string_field(jw, "kernel", r->kernel);
	jw_string_field(jw, "cpu_model", r->cpu_model);
	jw_int_field(jw, "ncpus", r->ncpus);
	jw_int_field(jw, "cpu", r->cpu);
	jw_end_object(jw);
	jw_string_field(jw, "method", CAL_METHOD);
	jw_uint_field(jw, "rounds", r->rounds);
	jw_uint_field(jw, "reps", r->reps);
	jw_name(jw, "results");
	jw_start_array(jw);
	for (int t = 0; t < PVT_CAL_NTESTS; t++) {
		const struct pvt_cal_result *res = &r->results[t];

		jw_start_object(jw);
		jw_string_field(jw, "name", cal_tests[t].name);
		jw_string_field(jw, "ipc", cal_tests[t].ipc);
		jw_string_field(jw, "kind", cal_tests[t].kind);
		ns_field(jw, "roundtrip_ns", res->roundtrip_ns);
		ns_field(jw, "roundtrip_p10_ns", res->roundtrip_p10_ns);
		ns_field(jw, "roundtrip_p90_ns", res->roundtrip_p90_ns);
		ns_field(jw, "loop_overhead_ns", res->loop_overhead_ns);
		ns_field(jw, "switch_ns", res->switch_ns);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_name(jw, "switch_cost_ns");
	jw_start_object(jw);
	ns_field(jw, "same_address_space", r->same_as_ns);
	ns_field(jw, "address_space_change", r->as_change_ns);
	jw_end_object(jw);
	jw_end_object(jw);
	err = jw_flush(jw);
	jw_destroy(jw);
	return err ? -EIO : 0;
}

/* mkdir -p of path's directory. */
static int mkdir_parents(const char *path)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST) {
			int e = errno;

			pvt_err("cannot create directory %s: %s", buf, strerror(e));
			return -e;
		}
		*p = '/';
	}
	return 0;
}

/* The temporary file's directory: path's, or "." */
static void dir_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, size, ".");
	else if (slash == path)
		snprintf(dir, size, "/");
	else
		snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

int cal_out_open(struct cal_out *o, const char *path)
{
	char dir[4096];
	struct stat st;
	int e;

	memset(o, 0, sizeof(*o));
	if (!path || !*path || strlen(path) >= sizeof(o->path)) {
		pvt_err("cannot write calibration file '%s': bad path", path ? path : "");
		return -EINVAL;
	}
	strcpy(o->path, path);
	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		pvt_err("cannot write %s: it is a directory", path);
		return -EISDIR;
	}
	e = mkdir_parents(path);
	if (e)
		return e;
	/* The file itself is created at commit: nothing is left behind if interrupted. */
	dir_of(path, dir, sizeof(dir));
	if (access(dir, W_OK | X_OK)) {
		e = errno;
		pvt_err("cannot write %s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}

void cal_out_abort(struct cal_out *o)
{
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	if (o->tmp[0])
		unlink(o->tmp);
	o->tmp[0] = '\0';
}

/* What calibration_load() would refuse is not written. */
static int run_usable(const struct pvt_cal_run *r)
{
	if (!cal_ns_usable(r->same_as_ns, true) || !cal_ns_usable(r->as_change_ns, true))
		return -1;
	for (int t = 0; t < PVT_CAL_NTESTS; t++)
		if (!cal_ns_usable(r->results[t].roundtrip_ns, false))
			return -1;
	return 0;
}

int cal_out_commit(struct cal_out *o, const struct pvt_cal_run *r)
{
	int fd, e = 0;

	if (!o->path[0])
		return -EINVAL;
	if (run_usable(r)) {
		pvt_err("not writing %s: a round trip or switch cost is out of range (0 to %g ns): "
			"the measurement failed", o->path, PVT_CAL_MAX_NS);
		return -EINVAL;
	}
	snprintf(o->tmp, sizeof(o->tmp), "%s.XXXXXX", o->path);
	fd = mkostemp(o->tmp, O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		o->tmp[0] = '\0';
		pvt_err("cannot write %s: %s", o->path, strerror(e));
		return -e;
	}
	fchmod(fd, 0644);
	if (o->for_invoker)
		privs_chown_new_file(fd, o->path);
	o->f = fdopen(fd, "w");
	if (!o->f) {
		e = errno;
		close(fd);
		goto fail;
	}
	errno = 0;
	if (calibration_write(o->f, r) || fflush(o->f) || fsync(fileno(o->f)))
		e = errno ? errno : EIO;
	if (fclose(o->f) && !e)
		e = errno;
	o->f = NULL;
	if (!e && rename(o->tmp, o->path))
		e = errno;
	if (!e) {
		o->tmp[0] = '\0';
		return 0;
	}
fail:
	pvt_err("cannot write %s: %s", o->path, strerror(e));
	cal_out_abort(o);
	return -e;
}

int calibration_save(const char *path, const struct pvt_cal_run *r)
{
	struct cal_out o;
	int err = cal_out_open(&o, path);

	return err ? err : cal_out_commit(&o, r);
}

const char *calibration_default_path(void)
{
	const char *env = getenv(PVT_CAL_ENV);

	return env && *env ? env : PVT_CAL_DEFAULT_PATH;
}

/* ---- loading ---- */

bool cal_ns_usable(double ns, bool zero_ok)
{
	return isfinite(ns) && (zero_ok ? ns >= 0 : ns > 0) && ns < PVT_CAL_MAX_NS;
}

/* One line: "calibration file NAME: MESSAGE", then -EINVAL. */
static int load_fail(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int load_fail(const char *name, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pvt_err("calibration file %s: %s", name, msg);
	return -EINVAL;
}

/* A string of the file's, made safe to print (at most 60 bytes of it). */
static const char *esc(const char *s, char *buf, size_t size)
{
	term_escape(buf, size, s, strnlen(s, 60));
	return buf;
}

static const char *get_str(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/*
 * A time in ns, @where.@key: a number, finite, within (0 or above 0 with
 * !@zero_ok) .. PVT_CAL_MAX_NS.  0, or -EINVAL after one line.
 */
static int get_ns(const char *name, json_object *obj, const char *where, const char *key,
		  bool zero_ok, double *out)
{
	json_object *v;
	double d;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return load_fail(name, "missing or bad %s%s (a number of ns)", where, key);
	d = json_object_get_double(v);
	if (!cal_ns_usable(d, zero_ok))
		return load_fail(name, "%s%s is %g: out of range (%s ns < %g)", where, key, d,
				 zero_ok ? "0 <=" : "0 <", PVT_CAL_MAX_NS);
	*out = d;
	return 0;
}

static int copy_str(char *dst, size_t size, const char *src)
{
	if (strlen(src) >= size)
		return -1;
	strcpy(dst, src);
	return 0;
}

static int load_parsed(const char *name, json_object *root, struct pvt_calibration *c)
{
	static const struct {
		const char *key;
		size_t off, size;
	} mstr[] = {
		{ "hostname", offsetof(struct pvt_calibration, hostname), sizeof(c->hostname) },
		{ "kernel", offsetof(struct pvt_calibration, kernel), sizeof(c->kernel) },
		{ "cpu_model", offsetof(struct pvt_calibration, cpu_model), sizeof(c->cpu_model) },
	};
	double *rt[PVT_CAL_NTESTS] = {
		[PVT_CAL_PIPE_THREADS] = &c->pipe_threads_rt_ns,
		[PVT_CAL_PIPE_PROCESSES] = &c->pipe_processes_rt_ns,
		[PVT_CAL_FUTEX_THREADS] = &c->futex_threads_rt_ns,
		[PVT_CAL_FUTEX_PROCESSES] = &c->futex_processes_rt_ns,
	};
	bool seen[PVT_CAL_NTESTS] = {};
	json_object *machine, *cost, *results;
	char e1[TERM_ESCAPE_BUFSZ(60)];
	const char *s;

	if (!json_object_is_type(root, json_type_object))
		return load_fail(name, "not a JSON object");
	s = get_str(root, "schema");
	if (!s)
		return load_fail(name, "no \"schema\" string (not a pvtrace calibration file?)");
	if (strcmp(s, PVT_CAL_SCHEMA))
		return load_fail(name, "schema is \"%s\", expected \"%s\"", esc(s, e1, sizeof(e1)),
				 PVT_CAL_SCHEMA);
	s = get_str(root, "created");
	if (!s || copy_str(c->created, sizeof(c->created), s))
		return load_fail(name, "missing or bad \"created\"");

	if (!json_object_object_get_ex(root, "machine", &machine) ||
	    !json_object_is_type(machine, json_type_object))
		return load_fail(name, "missing \"machine\" object");
	for (size_t i = 0; i < ARRAY_SIZE(mstr); i++) {
		s = get_str(machine, mstr[i].key);
		if (!s)
			return load_fail(name, "missing \"machine.%s\" string", mstr[i].key);
		snprintf((char *)c + mstr[i].off, mstr[i].size, "%s", s); /* long: truncated */
	}

	if (!json_object_object_get_ex(root, "switch_cost_ns", &cost) ||
	    !json_object_is_type(cost, json_type_object))
		return load_fail(name, "missing \"switch_cost_ns\" object");
	/* 0: what the writer leaves when a pair's switch could not be told from its loop */
	if (get_ns(name, cost, "switch_cost_ns.", "same_address_space", true, &c->same_as_ns) ||
	    get_ns(name, cost, "switch_cost_ns.", "address_space_change", true, &c->as_change_ns))
		return -EINVAL;

	if (!json_object_object_get_ex(root, "results", &results) ||
	    !json_object_is_type(results, json_type_array))
		return load_fail(name, "missing \"results\" array");
	for (size_t i = 0; i < json_object_array_length(results); i++) {
		json_object *e = json_object_array_get_idx(results, i);

		if (!json_object_is_type(e, json_type_object) || !(s = get_str(e, "name")))
			return load_fail(name, "results[%zu] has no \"name\"", i);
		for (int t = 0; t < PVT_CAL_NTESTS; t++) {
			char where[64];

			if (strcmp(s, cal_tests[t].name))
				continue;
			snprintf(where, sizeof(where), "results[%zu] (%s).", i, cal_tests[t].name);
			if (get_ns(name, e, where, "roundtrip_ns", false, rt[t]))
				return -EINVAL;
			seen[t] = true;
		}
	}
	for (int t = 0; t < PVT_CAL_NTESTS; t++)
		if (!seen[t])
			return load_fail(name, "no \"%s\" entry in \"results\"", cal_tests[t].name);
	return 0;
}

/* How many of @buf's first @len bytes are JSON whitespace, from the start. */
static size_t ws_len(const char *buf, size_t len)
{
	size_t n = 0;

	while (n < len && (buf[n] == ' ' || buf[n] == '\t' || buf[n] == '\r' || buf[n] == '\n'))
		n++;
	return n;
}

int calibration_parse(const char *buf, size_t len, const char *name, struct pvt_calibration *c)
{
	json_tokener *tok;
	json_object *root;
	enum json_tokener_error jerr;
	size_t end;
	int err;

	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", name);
	if (len > PVT_CAL_MAX_FILE)
		return load_fail(name, "larger than %d bytes", PVT_CAL_MAX_FILE);
	if (ws_len(buf, len) == len)
		return load_fail(name, "empty file");
	tok = json_tokener_new();
	if (!tok) {
		pvt_err("cannot read calibration file %s: out of memory", name);
		return -ENOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (!root || jerr != json_tokener_success) {
		if (jerr == json_tokener_continue)
			err = load_fail(name, "truncated JSON (ends after %zu bytes)", len);
		else
			err = load_fail(name, "invalid JSON at byte %zu: %s", end,
					json_tokener_error_desc(jerr));
	} else if (end > len || end + ws_len(buf + end, len - end) != len) {
		err = load_fail(name, "unexpected data after the JSON object at byte %zu", end);
	} else {
		err = load_parsed(name, root, c);
	}
	json_object_put(root);
	json_tokener_free(tok);
	if (err) {
		memset(c, 0, sizeof(*c));
		snprintf(c->path, sizeof(c->path), "%s", name);
	}
	return err;
}

static const char *file_kind(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device" :
	       S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

int calibration_load(const char *path, struct pvt_calibration *c)
{
	size_t len = 0;
	char *buf = NULL;
	struct stat st;
	int fd, err;

	memset(c, 0, sizeof(*c));
	if (!path)
		path = calibration_default_path();
	snprintf(c->path, sizeof(c->path), "%s", path);
	/*
	 * Non-blocking: a FIFO (or a device) opens at once, and is refused by
	 * its type before anything is read.  A symbolic link is followed: the
	 * file is only read.
	 */
	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	while (fd < 0 && errno == EINTR);
	if (fd < 0 && errno == ENOENT)
		return -ENOENT;
	if (fd < 0 || fstat(fd, &st)) {
		err = -errno;
		pvt_err("cannot read calibration file %s: %s", path, strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return load_fail(path, "%s, not a regular file", file_kind(st.st_mode));
	}
	if (st.st_size > PVT_CAL_MAX_FILE) {
		close(fd);
		return load_fail(path, "larger than %d bytes", PVT_CAL_MAX_FILE);
	}
	err = pvt_read_fd_alloc(fd, PVT_CAL_MAX_FILE, &buf, &len);
	close(fd);
	if (err == -EFBIG)
		return load_fail(path, "larger than %d bytes", PVT_CAL_MAX_FILE);
	if (err) {
		pvt_err("cannot read calibration file %s: %s", path, strerror(-err));
		return err;
	}
	err = calibration_parse(buf, len, path, c);
	free(buf);
	return err;
}
