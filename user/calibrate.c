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
#include "fileio.h"
#include "json_writer.h"
#include "machine.h"
#include "pingpong.h"
#include "privs.h"
#include "quantile.h"

#define CAL_METHOD "pinned ping-pong on one CPU, lat_ctx style: " \
		   "(round trip - same syscalls without a switch) / 2"
#define CAL_MAX_FILE (1 << 20)

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

int cal_out_commit(struct cal_out *o, const struct pvt_cal_run *r)
{
	int fd, e = 0;

	if (!o->path[0])
		return -EINVAL;
	snprintf(o->tmp, sizeof(o->tmp), "%s.XXXXXX", o->path);
	fd = mkstemp(o->tmp);
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

static int load_fail(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int load_fail(const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pvt_err("calibration file %s: %s", path, msg);
	return -EINVAL;
}

static const char *get_str(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* A finite number >= 0; 0, or -1 if missing / not such a number. */
static int get_ns(json_object *obj, const char *key, double *out)
{
	json_object *v;
	double d;

	if (!json_object_object_get_ex(obj, key, &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return -1;
	d = json_object_get_double(v);
	if (!isfinite(d) || d < 0)
		return -1;
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

static int load_parsed(const char *path, json_object *root, struct pvt_calibration *c)
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
	const char *s;

	if (!json_object_is_type(root, json_type_object))
		return load_fail(path, "not a JSON object");
	s = get_str(root, "schema");
	if (!s)
		return load_fail(path, "no \"schema\" string (not a pvtrace calibration file?)");
	if (strcmp(s, PVT_CAL_SCHEMA))
		return load_fail(path, "schema is \"%.100s\", expected \"%s\"", s, PVT_CAL_SCHEMA);
	s = get_str(root, "created");
	if (!s || copy_str(c->created, sizeof(c->created), s))
		return load_fail(path, "missing or bad \"created\"");

	if (!json_object_object_get_ex(root, "machine", &machine) ||
	    !json_object_is_type(machine, json_type_object))
		return load_fail(path, "missing \"machine\" object");
	for (size_t i = 0; i < ARRAY_SIZE(mstr); i++) {
		s = get_str(machine, mstr[i].key);
		if (!s)
			return load_fail(path, "missing \"machine.%s\" string", mstr[i].key);
		snprintf((char *)c + mstr[i].off, mstr[i].size, "%s", s); /* long: truncated */
	}

	if (!json_object_object_get_ex(root, "switch_cost_ns", &cost) ||
	    !json_object_is_type(cost, json_type_object))
		return load_fail(path, "missing \"switch_cost_ns\" object");
	if (get_ns(cost, "same_address_space", &c->same_as_ns))
		return load_fail(path, "missing or bad \"switch_cost_ns.same_address_space\" "
				 "(a number >= 0)");
	if (get_ns(cost, "address_space_change", &c->as_change_ns))
		return load_fail(path, "missing or bad \"switch_cost_ns.address_space_change\" "
				 "(a number >= 0)");

	if (!json_object_object_get_ex(root, "results", &results) ||
	    !json_object_is_type(results, json_type_array))
		return load_fail(path, "missing \"results\" array");
	for (size_t i = 0; i < json_object_array_length(results); i++) {
		json_object *e = json_object_array_get_idx(results, i);

		if (!json_object_is_type(e, json_type_object) || !(s = get_str(e, "name")))
			return load_fail(path, "results[%zu] has no \"name\"", i);
		for (int t = 0; t < PVT_CAL_NTESTS; t++) {
			if (strcmp(s, cal_tests[t].name))
				continue;
			if (get_ns(e, "roundtrip_ns", rt[t]))
				return load_fail(path, "missing or bad \"roundtrip_ns\" in results "
						 "entry \"%s\"", s);
			seen[t] = true;
		}
	}
	for (int t = 0; t < PVT_CAL_NTESTS; t++)
		if (!seen[t])
			return load_fail(path, "no \"%s\" entry in \"results\"", cal_tests[t].name);
	return 0;
}

int calibration_load(const char *path, struct pvt_calibration *c)
{
	json_tokener *tok;
	json_object *root;
	enum json_tokener_error jerr;
	size_t len = 0, end;
	char *buf = NULL;
	int err;

	memset(c, 0, sizeof(*c));
	if (!path)
		path = calibration_default_path();
	snprintf(c->path, sizeof(c->path), "%s", path);
	err = pvt_read_file_alloc(path, CAL_MAX_FILE, &buf, &len);
	if (err == -ENOENT)
		return err;
	if (err == -EFBIG)
		return load_fail(path, "larger than %d bytes", CAL_MAX_FILE);
	if (err) {
		pvt_err("cannot read calibration file %s: %s", path, strerror(-err));
		return err;
	}
	if (strspn(buf, " \t\r\n") == len) {
		free(buf);
		return load_fail(path, "empty file");
	}
	tok = json_tokener_new();
	if (!tok) {
		free(buf);
		pvt_err("cannot read calibration file %s: out of memory", path);
		return -ENOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (!root || jerr != json_tokener_success) {
		if (jerr == json_tokener_continue)
			err = load_fail(path, "truncated JSON (ends after %zu bytes)", len);
		else
			err = load_fail(path, "invalid JSON at byte %zu: %s", end,
					json_tokener_error_desc(jerr));
	} else if (end + strspn(buf + end, " \t\r\n") != len) {
		err = load_fail(path, "unexpected data after the JSON object at byte %zu", end);
	} else {
		err = load_parsed(path, root, c);
	}
	json_object_put(root);
	json_tokener_free(tok);
	free(buf);
	if (err) {
		memset(c, 0, sizeof(*c));
		snprintf(c->path, sizeof(c->path), "%s", path);
	}
	return err;
}
