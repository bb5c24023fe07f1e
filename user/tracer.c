// SPDX-License-Identifier: GPL-2.0
/* tracer.c - open, configure, load and attach the BPF programs; read what they kept. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "common.h"
#include "tracer.h"
#include "model.h"
#include "vec.h"
#include "pvtrace.skel.h"
#include "empty.skel.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define BTF_PATH "/sys/kernel/btf/vmlinux"

struct pvt_tracer {
	struct pvtrace_bpf *skel;
	struct empty_bpf *null_skel;
	struct ring_buffer *rb;
	pvt_event_fn on_event;
	void *ctx;
	void (*on_sched)(void *ctx, const struct pvt_sched_ev *ev);
	int ncpus;
	int stats_fd;                   /* BPF_ENABLE_STATS (--bpf-stats), -1 */
	enum pvt_sys_mode sys_mode;
	struct bpf_link *sys_links[2];  /* sys_enter, sys_exit while attached */
	struct pvt_hooks_state hooks;
};

static const char need_priv[] =
	"needs root, or the CAP_BPF and CAP_PERFMON capabilities, to load BPF programs "
	"(try: sudo pvtrace ...)";

static bool have_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data) < 0)
		return geteuid() == 0;
	/* CAP_SYS_ADMIN covers both on kernels that predate CAP_BPF. */
	if (data[0].effective & (1u << CAP_SYS_ADMIN))
		return true;
	return (data[1].effective & (1u << (CAP_BPF - 32))) &&
	       (data[1].effective & (1u << (CAP_PERFMON - 32)));
}

int tracer_preflight(void)
{
	struct stat st;

	if (stat(BTF_PATH, &st) < 0 || st.st_size == 0) {
		pvt_err("this kernel exposes no BTF (%s %s): pvtrace needs a kernel built "
			"with CONFIG_DEBUG_INFO_BTF=y", BTF_PATH,
			errno == ENOENT ? "is missing" : "is unreadable or empty");
		return -1;
	}
	if (!have_caps()) {
		pvt_err("%s", need_priv);
		return -1;
	}
	return 0;
}

static int sched_handler(void *ctx, void *data, size_t size)
{
	struct pvt_tracer *tr = ctx;

	if (size >= sizeof(struct pvt_sched_ev) && tr->on_sched)
		tr->on_sched(tr->ctx, data);
	return 0;
}

static int rb_handler(void *ctx, void *data, size_t size)
{
	struct pvt_tracer *tr = ctx;
	const struct pvt_ev_hdr *hdr = data;

	if (size < sizeof(*hdr) || hdr->size > size) {
		pvt_warn("malformed ring-buffer record (%zu bytes), skipped", size);
		return 0;
	}
	if (hdr->kind == PVT_EV_WAKE)
		return 0; /* it woke the loop, which attaches the syscall hooks */
	tr->on_event(tr->ctx, hdr, data, hdr->size);
	return 0;
}

static void load_error(const char *what, int err)
{
	/*
	 * EPERM/EACCES mean missing privileges only when pvtrace lacks them: with
	 * them, EACCES is the verifier refusing a program (a kernel pvtrace does
	 * not support), which -v shows.
	 */
	if ((err == -EPERM || err == -EACCES) && !have_caps())
		pvt_err("%s: %s", what, need_priv);
	else if (err == -EACCES)
		pvt_err("%s: the kernel's verifier refused them%s", what,
			pvt_verbose ? "" : " (run with -v for its log)");
	else
		pvt_err("%s: %s%s", what, strerror(-err),
			pvt_verbose ? "" : " (run with -v for libbpf's log)");
}

static int open_null(struct pvt_tracer *tr, bool no_syscalls)
{
	int err;

	tr->null_skel = empty_bpf__open();
	if (!tr->null_skel) {
		load_error("cannot open the empty BPF programs", -errno);
		return -1;
	}
	if (no_syscalls) { /* the empty programs' hooks: always or never */
		bpf_program__set_autoload(tr->null_skel->progs.null_sys_enter, false);
		bpf_program__set_autoload(tr->null_skel->progs.null_sys_exit, false);
	}
	err = empty_bpf__load(tr->null_skel);
	if (err) {
		load_error("cannot load the empty BPF programs", err);
		return -1;
	}
	err = empty_bpf__attach(tr->null_skel);
	if (err) {
		load_error("cannot attach the empty BPF programs", err);
		return -1;
	}
	return 0;
}

/*
 * The syscall hooks come and go as links of their own.  sys_hooks_gen
 * changes at each attach and detach (bpf/pvtrace.bpf.c): a sys_enter from an
 * earlier window never pairs with a later creation or sys_exit.
 */
static int sys_hooks_attach(struct pvt_tracer *tr, uint64_t now_ns)
{
	struct pvtrace_bpf__bss *bss = tr->skel->bss;
	struct bpf_program *progs[2] = { tr->skel->progs.pvt_sys_enter, tr->skel->progs.pvt_sys_exit };

	bss->sys_hooks_gen++;
	for (int i = 0; i < 2; i++) {
		tr->sys_links[i] = bpf_program__attach(progs[i]);
		if (!tr->sys_links[i]) {
			int err = errno;

			if (i)
				bpf_link__destroy(tr->sys_links[0]);
			tr->sys_links[0] = NULL;
			errno = err;
			return -1;
		}
	}
	bss->sys_hooks_on = 1;
	bss->sys_hooks_wanted = 0;
	tracer_hooks_attached(&tr->hooks, bss->sys_activity, now_ns);
	return 0;
}

static void sys_hooks_detach(struct pvt_tracer *tr, uint64_t now_ns)
{
	struct pvtrace_bpf__bss *bss = tr->skel->bss;

	bss->sys_hooks_on = 0;
	for (int i = 0; i < 2; i++) {
		bpf_link__destroy(tr->sys_links[i]);
		tr->sys_links[i] = NULL;
	}
	bss->sys_hooks_gen++;
	tracer_hooks_detached(&tr->hooks, now_ns);
}

int tracer_open(struct pvt_tracer **out, const struct pvt_tracer_opts *o)
{
	struct pvt_tracer *tr;
	int err;

	*out = NULL;
	tr = calloc(1, sizeof(*tr));
	if (!tr) {
		pvt_err("out of memory");
		return -1;
	}
	tr->on_event = o->on_event;
	tr->ctx = o->ctx;
	tr->stats_fd = -1;
	tr->sys_mode = o->sys_mode;
	tr->hooks.stats.mode = o->sys_mode;
	if (o->bpf_stats) {
		tr->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (tr->stats_fd < 0) {
			pvt_err("cannot enable the kernel's BPF statistics (--bpf-stats): %s",
				strerror(errno));
			goto fail;
		}
	}
	tr->ncpus = libbpf_num_possible_cpus();
	if (tr->ncpus <= 0) {
		pvt_err("cannot count the possible CPUs: %s", strerror(-tr->ncpus));
		goto fail;
	}
	if (o->null_programs) {
		if (open_null(tr, o->sys_mode == PVT_SYS_NEVER))
			goto fail;
		*out = tr;
		return 0;
	}

	tr->skel = pvtrace_bpf__open();
	if (!tr->skel) {
		load_error("cannot open the BPF object", -errno);
		goto fail;
	}
	/* Configure before load. */
	tr->skel->rodata->root_tid = o->root_tid;
	tr->skel->rodata->attach_mode = o->attach_mode;
	tr->skel->rodata->nr_targets = o->ntargets;
	for (size_t i = 0; i < o->ntargets && i < PVT_MAX_TARGETS; i++)
		tr->skel->rodata->target_tgids[i] = o->targets[i];
	tr->skel->rodata->target_cgid = o->cgroup_id;
	tr->skel->rodata->target_cglevel = o->cgroup_level;
	/* Only attach --cgroup follows tasks moved into a cgroup. */
	if (o->attach_mode != PVT_ATTACH_CGROUP)
		bpf_program__set_autoload(tr->skel->progs.pvt_cgroup_attach_task, false);
	tr->skel->rodata->nr_cpus = tr->ncpus;
	tr->skel->rodata->live_events = o->live_events;
	tr->skel->rodata->record_sched = o->record_sched;
	tr->on_sched = o->on_sched;
	if (o->sys_mode == PVT_SYS_NEVER) {
		tr->skel->rodata->syscall_costs = false;
		bpf_program__set_autoload(tr->skel->progs.pvt_sys_enter, false);
		bpf_program__set_autoload(tr->skel->progs.pvt_sys_exit, false);
	} else {
		/* attached by sys_hooks_attach(), below */
		bpf_program__set_autoattach(tr->skel->progs.pvt_sys_enter, false);
		bpf_program__set_autoattach(tr->skel->progs.pvt_sys_exit, false);
	}
	err = bpf_map__set_max_entries(tr->skel->maps.tasks, o->max_tasks);
	if (!err)
		err = bpf_map__set_max_entries(tr->skel->maps.overflow, o->max_tasks);
	if (!err)
		err = bpf_map__set_max_entries(tr->skel->maps.late_costs, o->max_tasks);
	if (!err)
		err = bpf_map__set_max_entries(tr->skel->maps.procs, o->max_tasks);
	if (!err)
		err = bpf_map__set_max_entries(tr->skel->maps.events, o->ringbuf_bytes);
	if (!err && o->record_sched)
		err = bpf_map__set_max_entries(tr->skel->maps.sched_events, o->sched_rb_bytes);
	if (err) {
		pvt_err("cannot size the BPF maps: %s", strerror(-err));
		goto fail;
	}
	err = pvtrace_bpf__load(tr->skel);
	if (err) {
		load_error("cannot load the BPF programs", err);
		goto fail;
	}
	err = pvtrace_bpf__attach(tr->skel);
	if (err) {
		load_error("cannot attach the BPF programs", err);
		goto fail;
	}
	/* From the start in both modes: the command's own exec, its first creations. */
	if (o->sys_mode != PVT_SYS_NEVER && sys_hooks_attach(tr, pvt_now_ns())) {
		err = -errno;
		load_error("cannot attach the syscall hooks", err);
		goto fail;
	}
	tr->rb = ring_buffer__new(bpf_map__fd(tr->skel->maps.events), rb_handler, tr, NULL);
	if (!tr->rb) {
		pvt_err("cannot set up the ring buffer: %s", strerror(errno));
		goto fail;
	}
	if (o->record_sched &&
	    ring_buffer__add(tr->rb, bpf_map__fd(tr->skel->maps.sched_events), sched_handler, tr)) {
		pvt_err("cannot set up the scheduling events' ring buffer: %s", strerror(errno));
		goto fail;
	}
	*out = tr;
	return 0;
fail:
	tracer_close(tr);
	return -1;
}

int tracer_epoll_fd(struct pvt_tracer *tr)
{
	return tr->rb ? ring_buffer__epoll_fd(tr->rb) : -1;
}

int tracer_poll(struct pvt_tracer *tr, int timeout_ms)
{
	if (!tr->rb) {
		if (timeout_ms > 0)
			usleep(timeout_ms * 1000);
		return 0;
	}
	/* Final records wake the reader only when the ring fills (bpf/): drain it anyway. */
	ring_buffer__poll(tr->rb, timeout_ms);
	return ring_buffer__consume(tr->rb);
}

int tracer_consume(struct pvt_tracer *tr)
{
	return tr->rb ? ring_buffer__consume(tr->rb) : 0;
}

int tracer_read_counters(struct pvt_tracer *tr, uint64_t out[PVT_C__MAX])
{
	uint64_t *vals;
	uint32_t i;
	int c;

	memset(out, 0, sizeof(uint64_t) * PVT_C__MAX);
	if (!tr->skel)
		return 0;
	vals = calloc(tr->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (i = 0; i < PVT_C__MAX; i++) {
		if (bpf_map_lookup_elem(bpf_map__fd(tr->skel->maps.counters), &i, vals) < 0)
			continue;
		for (c = 0; c < tr->ncpus; c++)
			out[i] += vals[c];
	}
	free(vals);
	return 0;
}

int tracer_read_class_stats(struct pvt_tracer *tr, struct pvt_class_sum *out)
{
	struct pvt_class_stat *vals;
	uint32_t i;
	int c;

	memset(out, 0, sizeof(*out) * PVT_FROM__MAX);
	if (!tr->skel)
		return 0;
	vals = calloc(tr->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (i = 0; i < PVT_FROM__MAX; i++) {
		if (bpf_map_lookup_elem(bpf_map__fd(tr->skel->maps.runq_by_from), &i, vals) < 0)
			continue;
		for (c = 0; c < tr->ncpus; c++) {
			out[i].count += vals[c].count;
			out[i].total_ns += vals[c].total_ns;
			if (vals[c].max_ns > out[i].max_ns)
				out[i].max_ns = vals[c].max_ns;
			hist_add_u32(&out[i].h, vals[c].hist);
		}
	}
	free(vals);
	return 0;
}

void tracer_detach(struct pvt_tracer *tr)
{
	if (tr->hooks.on)
		sys_hooks_detach(tr, pvt_now_ns());
	if (tr->skel)
		pvtrace_bpf__detach(tr->skel);
	if (tr->null_skel)
		empty_bpf__detach(tr->null_skel);
}

/* Visit every value of a hash map whose keys are at most 16 bytes. */
static int for_each_value(int fd, void (*fn)(void *ctx, const struct pvt_task *t), void *ctx)
{
	unsigned char key[sizeof(struct pvt_dead_key)], next[sizeof(struct pvt_dead_key)];
	struct pvt_task val;
	void *prev = NULL;
	int n = 0;

	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		if (bpf_map_lookup_elem(fd, next, &val) == 0) {
			fn(ctx, &val);
			n++;
		}
		memcpy(key, next, sizeof(key));
		prev = key;
	}
	return n;
}

int tracer_for_each_task(struct pvt_tracer *tr, void (*fn)(void *ctx, const struct pvt_task *t), void *ctx)
{
	if (!tr->skel)
		return 0;
	return for_each_value(bpf_map__fd(tr->skel->maps.tasks), fn, ctx);
}

int tracer_for_each_overflow(struct pvt_tracer *tr, void (*fn)(void *ctx, const struct pvt_task *t),
			     void *ctx)
{
	if (!tr->skel)
		return 0;
	return for_each_value(bpf_map__fd(tr->skel->maps.overflow), fn, ctx);
}

int tracer_for_each_late_cost(struct pvt_tracer *tr,
			      void (*fn)(void *ctx, uint32_t tid, uint64_t start_time,
					 const struct pvt_create_cost *c),
			      void *ctx)
{
	struct pvt_dead_key key, next;
	struct pvt_create_cost c;
	void *prev = NULL;
	int fd, n = 0;

	if (!tr->skel)
		return 0;
	fd = bpf_map__fd(tr->skel->maps.late_costs);
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (bpf_map_lookup_elem(fd, &next, &c) == 0) {
			fn(ctx, next.tid, next.start_time, &c);
			n++;
		}
		key = next;
		prev = &key;
	}
	return n;
}

/*
 * Run the iterator of @link once and read its whole output, records of @size
 * bytes, into *out (caller frees), their number in *n.  0 or -errno (-ENOMEM:
 * what was read stands).
 */
static int iter_read(struct bpf_link *link, size_t size, void **out, size_t *n)
{
	char *v = NULL;
	size_t cap = 0, bytes = 0;
	int fd, err = 0;

	*out = NULL;
	*n = 0;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r;

		/* Room for one whole record more. */
		if (bytes + size > cap) {
			size_t ncap = cap ? cap * 2 : 64 * size;
			char *nv = realloc(v, ncap);

			if (!nv) {
				err = -ENOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		r = read(fd, v + bytes, cap - bytes);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* EAGAIN: the task list changed under the iterator; what was read stands. */
			err = errno == EAGAIN ? 0 : -errno;
			break;
		}
		if (r == 0)
			break;
		bytes += (size_t)r;
	}
	close(fd);
	if (err && err != -ENOMEM) {
		free(v);
		return err;
	}
	*out = v;
	*n = bytes / size;
	return err;
}

int tracer_sample(struct pvt_tracer *tr, struct pvt_iter_rec **recs, size_t *n)
{
	*recs = NULL;
	*n = 0;
	if (!tr->skel || !tr->skel->links.pvt_iter_task)
		return 0;
	tr->skel->bss->sample_pass++;
	return iter_read(tr->skel->links.pvt_iter_task, sizeof(**recs), (void **)recs, n);
}

int tracer_attach_pass(struct pvt_tracer *tr)
{
	void *out;
	size_t n;
	int err = 0;

	if (!tr->skel || !tr->skel->links.pvt_iter_attach)
		return 0;
	tr->skel->bss->iter_pass = PVT_PASS_ATTACH;
	/* Twice: what was created while the first pass walked the task list. */
	for (int i = 0; i < 2 && !err; i++) {
		err = iter_read(tr->skel->links.pvt_iter_attach, sizeof(struct pvt_final_rec), &out, &n);
		free(out);
	}
	return err;
}

int tracer_final_read(struct pvt_tracer *tr, struct pvt_final_stats *st)
{
	struct pvt_final_rec *recs;
	size_t n, i;
	int err = 0;

	memset(st, 0, sizeof(*st));
	if (!tr->skel || !tr->skel->links.pvt_iter_attach)
		return 0;
	for (int pass = 1; pass <= PVT_FINAL_PASSES; pass++) {
		tr->skel->bss->iter_pass = pass < PVT_FINAL_PASSES ? PVT_PASS_FINAL : PVT_PASS_FINAL_LAST;
		err = iter_read(tr->skel->links.pvt_iter_attach, sizeof(*recs), (void **)&recs, &n);
		if (err && err != -ENOMEM)
			return err;
		st->passes = pass;
		st->retry = st->lost = 0;
		for (i = 0; i < n; i++) {
			st->retry += recs[i].status == PVT_FINAL_RETRY;
			st->lost += recs[i].status == PVT_FINAL_LOST;
		}
		free(recs);
		if (!err && !st->retry)
			break;
		usleep(1000);
	}
	return err;
}

int tracer_for_each_proc_mem(struct pvt_tracer *tr, void (*fn)(void *ctx, const struct pvt_mem *m),
			     void *ctx)
{
	struct pvt_dead_key key, next;
	struct pvt_mem m;
	void *prev = NULL;
	int fd, n = 0;

	if (!tr->skel)
		return 0;
	fd = bpf_map__fd(tr->skel->maps.procs);
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (bpf_map_lookup_elem(fd, &next, &m) == 0) {
			fn(ctx, &m);
			n++;
		}
		key = next;
		prev = &key;
	}
	return n;
}

uint64_t tracer_root_first_kt(struct pvt_tracer *tr)
{
	return tr->skel ? tr->skel->bss->root_first_kt : 0;
}

int tracer_count_exiting(struct pvt_tracer *tr)
{
	uint64_t c[PVT_C__MAX];

	if (!tr->skel || tracer_read_counters(tr, c))
		return 0;
	return c[PVT_C_TASKS_EXITED] > c[PVT_C_TASKS_DEAD] ?
		       (int)(c[PVT_C_TASKS_EXITED] - c[PVT_C_TASKS_DEAD]) : 0;
}

/* The bursts logic alone (tracer.h): no BPF here. */
enum pvt_hooks_step tracer_hooks_step(struct pvt_hooks_state *h, bool wanted, uint64_t activity,
				      uint64_t now_ns)
{
	if (!h->on)
		return wanted ? PVT_HOOKS_ATTACH : PVT_HOOKS_STAY;
	if (activity != h->last_activity) {
		h->last_activity = activity;
		h->last_active_ns = now_ns;
		return PVT_HOOKS_STAY;
	}
	return now_ns - h->last_active_ns >= PVT_HOOKS_IDLE_NS ? PVT_HOOKS_DETACH : PVT_HOOKS_STAY;
}

void tracer_hooks_attached(struct pvt_hooks_state *h, uint64_t activity, uint64_t now_ns)
{
	h->on = true;
	h->stats.windows++;
	h->attached_at_ns = now_ns;
	h->last_active_ns = now_ns;
	h->last_activity = activity;
}

void tracer_hooks_detached(struct pvt_hooks_state *h, uint64_t now_ns)
{
	h->on = false;
	h->stats.attached_ns += now_ns - h->attached_at_ns;
}

void tracer_hooks_stats_at(const struct pvt_hooks_state *h, uint64_t now_ns,
			   struct pvt_hooks_stats *out)
{
	*out = h->stats;
	if (h->on)
		out->attached_ns += now_ns - h->attached_at_ns;
}

int tracer_sys_hooks_tick(struct pvt_tracer *tr, uint64_t now_ns)
{
	struct pvtrace_bpf__bss *bss;

	if (!tr->skel || tr->sys_mode != PVT_SYS_BURSTS)
		return -1;
	bss = tr->skel->bss;
	switch (tracer_hooks_step(&tr->hooks, *(volatile __u32 *)&bss->sys_hooks_wanted,
				  *(volatile __u64 *)&bss->sys_activity, now_ns)) {
	case PVT_HOOKS_ATTACH:
		if (sys_hooks_attach(tr, now_ns)) {
			pvt_warn("cannot attach the syscall hooks again (%s): creations from now on "
				 "are not timed", strerror(errno));
			tr->sys_mode = PVT_SYS_NEVER;
			return -1;
		}
		break;
	case PVT_HOOKS_DETACH:
		sys_hooks_detach(tr, now_ns);
		break;
	case PVT_HOOKS_STAY:
		break;
	}
	return tr->hooks.on ? PVT_HOOKS_TICK_MS : -1;
}

void tracer_sys_hooks_stats(struct pvt_tracer *tr, uint64_t now_ns, struct pvt_hooks_stats *out)
{
	tracer_hooks_stats_at(&tr->hooks, now_ns, out);
}

int tracer_prog_stats(struct pvt_tracer *tr, struct pvt_prog_stats **out, size_t *n)
{
	struct pvt_prog_stats *v = NULL;
	struct bpf_program *prog;
	struct bpf_object *obj;
	size_t len = 0, cap = 0;

	*out = NULL;
	*n = 0;
	if (tr->stats_fd < 0)
		return 0;
	obj = tr->skel ? tr->skel->obj : tr->null_skel->obj;
	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info = {};
		__u32 len_info = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len_info))
			continue;
		if (VEC_RESERVE(v, cap, len + 1)) {
			free(v);
			return -ENOMEM;
		}
		snprintf(v[len].name, sizeof(v[len].name), "%s", bpf_program__name(prog));
		v[len].run_count = info.run_cnt;
		v[len].run_time_ns = info.run_time_ns;
		len++;
	}
	*out = v;
	*n = len;
	return 0;
}

void tracer_close(struct pvt_tracer *tr)
{
	if (!tr)
		return;
	if (tr->hooks.on)
		sys_hooks_detach(tr, pvt_now_ns());
	if (tr->stats_fd >= 0)
		close(tr->stats_fd);
	ring_buffer__free(tr->rb);
	pvtrace_bpf__destroy(tr->skel);
	empty_bpf__destroy(tr->null_skel);
	free(tr);
}

