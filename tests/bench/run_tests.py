#!/usr/bin/env python3
"""Tests of `pvtrace bench` (pvbench): the result names of the JSON contract, the
figures' sanity, and the figures checked against independent sources: `perf bench
sched pipe` pinned to one CPU for the process switch, and the kernel's own object
sizes (/proc/slabinfo, the kernel stack size) for the kernel memory of a thread.

Needs no root, except the --trace test (skipped without root; run.sh counts a
skip as a failure under CI=true).  Prints one line per test and writes
"passed failed skipped" to --summary-file.

    python3 tests/bench/run_tests.py [-k SUBSTRING] [--summary-file F]
"""
import json
import os
import re
import shutil
import tempfile
import time
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import testlib  # noqa: E402
from testlib import Skip, check, main, test  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PVTRACE = os.path.join(ROOT, "pvtrace")
PVBENCH = os.path.join(ROOT, ".output", "pvbench")
# The articles the seed figures come from (docs/BENCH.md, "Sources"), as pvbench names them.
SOURCES = ("Threads vs. Processes", "Understanding Process vs Thread from the Ground Up")
TIMEOUT = 300

# The contract (docs/BENCH.md): every name, with its unit.
NAMES = {
    "create.fork": "us", "create.vfork": "us", "create.posix_spawn": "us",
    "create.fork_exec": "us", "create.pthread_create": "us", "create.clone_thread": "us",
    "create.fork_64m": "us", "create.fork_1g": "us",
    "ipc.pipe_latency": "us", "ipc.unix_socket_latency": "us", "ipc.eventfd_latency": "us",
    "ipc.shm_futex_latency": "us", "ipc.mq_latency": "us",
    "ipc.pipe_bandwidth_64": "MB/s", "ipc.pipe_bandwidth_4k": "MB/s",
    "ipc.pipe_bandwidth_64k": "MB/s", "ipc.unix_socket_bandwidth_64": "MB/s",
    "ipc.unix_socket_bandwidth_4k": "MB/s", "ipc.unix_socket_bandwidth_64k": "MB/s",
    "ipc.mq_bandwidth_64": "MB/s", "ipc.mq_bandwidth_4k": "MB/s",
    "memory.per_thread": "bytes", "memory.per_process": "bytes",
    "memory.per_thread_kernel": "bytes", "memory.per_process_kernel": "bytes",
    "scale.threads_1k": "ms", "scale.processes_1k": "ms",
    "scale.threads_10k": "ms", "scale.processes_10k": "ms",
}
for kind in ("threads", "processes"):
    for ipc in ("pipe", "futex"):
        for where in ("pinned", "spread"):
            NAMES["switch.%s_%s_%s" % (ipc, kind, where)] = "us"
for kind in ("thread", "process"):
    for n in (1, 100, 1000):
        NAMES["memory.per_%s.n%d" % (kind, n)] = "bytes"

def run(args, timeout=TIMEOUT, **kw):
    return testlib.run(args, timeout=timeout, **kw)


def bench_json(args):
    """pvtrace bench ARGS --format json -o FILE: (process, report)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    try:
        p = run([PVTRACE, "bench", *args, "--format", "json", "-o", path])
        with open(path) as f:
            text = f.read()
        return p, (json.loads(text) if text else None)
    finally:
        os.unlink(path)


_quick = {}


def quick():
    """One full --quick run, shared by the tests that read it (timed: under a minute)."""
    if not _quick:
        t0 = time.monotonic()
        p, r = bench_json(["--quick"])
        _quick.update(p=p, r=r, secs=time.monotonic() - t0)
    return _quick["p"], _quick["r"], _quick["secs"]


def by_name(r):
    return {x["name"]: x for x in r["results"]}


@test
def quick_run_has_every_result_with_a_positive_median():
    p, r, secs = quick()
    check(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr.decode()))
    check(r["schema"] == "pvtrace.bench/1", r.get("schema"))
    m = r["machine"]
    for k in ("hostname", "kernel", "arch", "cpu_model", "cpus_online", "mem_total_bytes", "date"):
        check(m.get(k) not in (None, ""), "machine.%s: %r" % (k, m.get(k)))
    check(m["kernel"] == os.uname().release, "kernel %s" % m["kernel"])
    check(r["options"]["quick"] is True and r["options"]["runs"] >= 3, r["options"])
    res = by_name(r)
    missing = sorted(set(NAMES) - set(res))
    check(not missing, "missing results: %s" % missing)
    extra = sorted(set(res) - set(NAMES))
    check(not extra, "results not in the contract (add them to the test and docs): %s" % extra)
    check(len(res) == len(r["results"]), "a name twice")
    for name, unit in NAMES.items():
        x = res[name]
        check(x["error"] is None, "%s: %s" % (name, x["error"]))
        check(x["unit"] == unit, "%s: unit %s, not %s" % (name, x["unit"], unit))
        # N = 1 memory figures carry the system's noise and are kept even negative (BENCH.md).
        positive = not name.endswith(".n1")
        check(x["median"] is not None and (x["median"] > 0 or not positive),
              "%s: median %s" % (name, x["median"]))
        check(x["p10"] <= x["median"] <= x["p90"], "%s: p10 %s median %s p90 %s" %
              (name, x["p10"], x["median"], x["p90"]))
        check(x["runs"] >= 1 and x["runs"] == len(x["values"]), "%s: runs %s values %s" %
              (name, x["runs"], x["values"]))
        vals = sorted(x["values"])
        check(vals[0] <= x["median"] <= vals[-1], "%s: median outside its runs" % name)
        check(x["suite"] == name.split(".")[0], "%s: suite %s" % (name, x["suite"]))
    # Not asserted (the machines are shared and noisy): printed, for the closing note.
    print("    pvtrace bench --quick took %.1f s" % secs)


@test
def verdicts_follow_the_seed_ranges():
    _, r, _ = quick()
    refs = 0
    for x in r["results"]:
        ref = x["reference"]
        if ref is None:
            check(x["verdict"] is None, "%s: a verdict without a reference" % x["name"])
            continue
        refs += 1
        check(ref["low"] < ref["high"] and ref["text"] and ref["source"] in SOURCES,
              "%s: reference %s" % (x["name"], ref))
        m, lo, hi = x["median"], ref["low"], ref["high"]
        if lo <= m <= hi:
            want = "inside"
        elif x["unit"] == "bytes":
            want = "smaller" if m < lo else "larger"
        elif x["unit"] == "MB/s":
            want = "slower" if m < lo else "faster"
        else:
            want = "faster" if m < lo else "slower"
        check(x["verdict"] == want, "%s: median %s in [%s, %s]: %s, not %s" %
              (x["name"], m, lo, hi, x["verdict"], want))
    check(refs >= 10, "only %d results have a seed figure" % refs)
    # The seeds' numbers, as the articles print them.
    res = by_name(r)
    check((res["create.fork"]["reference"]["low"], res["create.fork"]["reference"]["high"]) ==
          (50, 100), "fork: 50-100 us")
    check((res["create.pthread_create"]["reference"]["low"],
           res["create.pthread_create"]["reference"]["high"]) == (2, 10), "pthread_create 2-10 us")
    comps = {(c["process"], c["thread"]): c for c in r["comparisons"]}
    c = comps[("create.fork", "create.pthread_create")]
    check(abs(c["ratio"] - res["create.fork"]["median"] / res["create.pthread_create"]["median"]) <
          1e-9, "ratio of the medians: %s" % c)


@test
def processes_cost_more_than_threads_here():
    # The seeds' qualitative claims, on this machine's medians (loose: they are claims
    # about the kinds, and a process does strictly more work in each case).  A loaded
    # machine can invert one quick run of a pair (seen: the pinned pipe switch beside a
    # CPU hog; fork below pthread_create at a load of 60): then two more runs of that
    # suite decide, by the median of the three.
    _, r, _ = quick()
    med = {k: v["median"] for k, v in by_name(r).items()}
    claims = [("create", "create.fork", "create.pthread_create"),
              ("create", "create.fork_1g", "create.fork"),
              ("create", "create.fork_exec", "create.fork"),
              ("memory", "memory.per_process", "memory.per_thread"),
              ("scale", "scale.processes_10k", "scale.threads_10k")]
    # Not the pinned pipe switch of processes against threads: the two differ by one
    # address-space change (~0.1 us of ~2 us here), less than a shared machine's noise
    # (CI saw threads 2.4 us against processes 1.9 us while a build ran beside it); a
    # timed comparison that close is a benchmark's figure (make bench), not a test's.
    check(med["switch.pipe_processes_pinned"] > 0 and med["switch.pipe_threads_pinned"] > 0,
          "both pinned pipe switches measured")
    for suite, more, less in claims:
        a, b = [med[more]], [med[less]]
        if a[0] <= b[0]:
            for _ in range(2):
                p, rr = bench_json(["-s", suite, "--quick"])
                check(p.returncode == 0, p.stderr.decode())
                a.append(by_name(rr)[more]["median"])
                b.append(by_name(rr)[less]["median"])
        check(median(a) > median(b), "%s %s vs %s %s" % (more, a, less, b))


def perf_pipe_usecs(cpu, loops):
    p = run(["taskset", "-c", str(cpu), "perf", "bench", "sched", "pipe", "-l", str(loops)])
    check(p.returncode == 0, "perf bench: %s" % p.stderr.decode())
    m = re.search(r"([0-9.]+) usecs/op", p.stdout.decode())
    check(m, "perf bench output: %s" % p.stdout.decode())
    return float(m.group(1))


@test
def pinned_process_switch_agrees_with_perf_bench_sched_pipe():
    if not shutil.which("perf") or run(["perf", "bench", "sched", "pipe", "-l", "10"]).returncode:
        raise Skip("perf (linux-perf) is not installed or cannot run")
    # Side by side, alternating, in this one run: perf's op is one round trip between two
    # processes through two pipes, both on CPU 0 under taskset; pvbench's roundtrip_us is
    # the same round trip, and its median is (round trip - loop overhead) / 2.
    # The same estimator on both sides: pvbench's round trip is the median of its runs of
    # `rounds` round trips, so perf runs as many times with as many loops and its median
    # is taken (one long perf run is a mean that keeps every slice a CPU hog took: 8 us
    # beside stress-ng where pvbench's median said 3).  Noise only ever adds time, so of
    # seven alternating pairs each side is taken at its best.
    # perf bench's usecs/op is its whole run over its loops, its own start (a fork, ~5 ms on
    # a slow machine: 24.7 us/op at 486 loops, 14.1 at 50,000) included: its per-op figure
    # is taken as the slope between L and 5L loops (L = pvbench's rounds), which leaves that
    # fixed cost out.  Each pair runs on one CPU for both sides, CPU 0 and CPU 1 in turn (a
    # CPU hog beside the suite sits on one CPU at a time).
    ncpu = os.cpu_count() or 1
    ours, theirs = [], []
    for i in range(8):
        cpu = i % 2 if ncpu > 1 else 0
        other = 1 - cpu if ncpu > 1 else 0
        p, r = bench_json(["-s", "switch", "--quick", "--cpus", "%d,%d" % (cpu, other)])
        check(p.returncode == 0, p.stderr.decode())
        x = by_name(r)["switch.pipe_processes_pinned"]
        ours.append(x)
        lo = int(x["details"]["rounds"])
        hi = 5 * lo
        t_lo = median([perf_pipe_usecs(cpu, lo) * lo for _ in range(x["runs"])])
        t_hi = median([perf_pipe_usecs(cpu, hi) * hi for _ in range(x["runs"])])
        theirs.append((t_hi - t_lo) / (hi - lo))
    best = min(ours, key=lambda x: x["details"]["roundtrip_us"])
    rt = best["details"]["roundtrip_us"]
    sw = best["median"]
    perf = min(theirs)
    check(abs(rt - perf) / perf <= 0.35, "round trip: pvbench %.2f us, perf bench %.2f us/op "
          "(more than 35%% apart)" % (rt, perf))
    over = best["details"]["loop_overhead_us"]
    check(0 < sw < perf / 2, "per switch %.2f us: positive and below perf's op / 2 = %.2f us "
          "(the loop overhead, %.2f us, is taken out)" % (sw, perf / 2, over))
    print("    pvbench round trip %.2f us, perf bench %.2f us/op, per switch %.2f us" %
          (rt, perf, sw))


def slab_objsize(name):
    try:
        with open("/proc/slabinfo") as f:
            for line in f:
                w = line.split()
                if w and w[0] == name:
                    return int(w[3])
    except OSError:
        return None
    return None


@test
def kernel_memory_per_thread_is_its_task_struct_and_kernel_stack():
    _, r, _ = quick()
    x = by_name(r)["memory.per_thread_kernel"]
    task = slab_objsize("task_struct")
    if task is None:
        raise Skip("/proc/slabinfo is not readable (needs root)")
    # x86_64: THREAD_SIZE = 16 KiB (KASAN off), vmalloc'ed; the rest is slab.
    want = task + 16384
    med = x["median"]
    check(0.6 * want <= med <= 2.5 * want,
          "kernel memory per thread %.0f B vs task_struct %d + 16 KiB stack = %d B" %
          (med, task, want))
    d = x["details"]
    check(abs(d["kernel_stack_bytes"] - 16384) <= 4096,
          "KernelStack per thread %.0f B, not 16 KiB" % d["kernel_stack_bytes"])
    p = by_name(r)["memory.per_process_kernel"]["median"]
    check(p > med, "a process's kernel memory (%.0f) exceeds a thread's (%.0f)" % (p, med))


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else None


@test
def creation_cycles_bound_what_the_kernel_saw_of_them():
    # pvbench times whole cycles (create, the child's life, the reap); pvtrace, on the
    # kernel's own events, times the creating syscall and the child's lifetime, both
    # inside the cycle.  Traced together, each kernel-side median must be below the
    # cycle's median, and every kind of creation must have been seen.
    if os.geteuid() != 0:
        raise Skip("needs root (pvtrace run)")
    with tempfile.NamedTemporaryFile(suffix=".json") as tf, \
            tempfile.NamedTemporaryFile(suffix=".json") as bf:
        # --keep-tasks 0: every task's record, none folded into sums (the suite makes ~9,000).
        p = run([PVTRACE, "run", "--no-status", "-f", "json", "-o", tf.name, "--keep-tasks", "0",
                 "--", PVBENCH, "-q", "-s", "create", "-f", "json", "-o", bf.name])
        check(p.returncode == 0, p.stderr.decode())
        tr, br = json.load(open(tf.name)), json.load(open(bf.name))
    res = by_name(br)
    root = tr["root_pid"]
    mine = [t for t in tr["tasks"] if t["created"] and t["parent_tid"] == root]
    # pthread_create is clone3; create.clone_thread's raw clone(CLONE_THREAD) is left out.
    threads = [t for t in mine if "CLONE_THREAD" in t["created"]["flags"] and
               t["created"]["syscall"] == "clone3"]
    forks = [t for t in mine if t["created"]["syscall"] in ("clone", "clone3") and
             not set(t["created"]["flags"]) & {"CLONE_THREAD", "CLONE_VFORK", "CLONE_VM"} and
             t["exec"] is None]
    vforks = [t for t in mine if t["created"]["syscall"] == "vfork"]
    for kind, tasks, name in (("thread", threads, "create.pthread_create"),
                              ("fork", forks, "create.fork"), ("vfork", vforks, "create.vfork")):
        # Every timed run's children at least (warm-up and sizing make more).
        want = res[name]["runs"] * res[name]["ops_per_run"]
        check(len(tasks) >= want, "%s: %d seen by pvtrace, %d timed" % (kind, len(tasks), want))
        cycle_ns = res[name]["median"] * 1000
        # Timed ones only (--syscall-costs bursts leaves a burst's first creation untimed).
        sys_ns = median([t["created"]["syscall_ns"] for t in tasks
                         if t["created"]["syscall_ns"] is not None])
        life_ns = median([t["lifetime_ns"] for t in tasks if t["lifetime_ns"] is not None])
        check(sys_ns is not None and 0 < sys_ns < cycle_ns, "%s: creating syscall %d ns vs the cycle %d ns" %
              (kind, sys_ns, cycle_ns))
        check(life_ns is not None and life_ns < cycle_ns, "%s: child lifetime %s ns vs the "
              "cycle %d ns" % (kind, life_ns, cycle_ns))
        print("    %s: cycle %.1f us; kernel: syscall %.1f us, child lifetime %.1f us (%d)" %
              (kind, cycle_ns / 1e3, sys_ns / 1e3, life_ns / 1e3, len(tasks)))


@test
def text_report_has_a_table_per_suite():
    p = run([PVTRACE, "bench", "--quick", "-s", "create,switch"])
    check(p.returncode == 0, p.stderr.decode())
    out = p.stdout.decode()
    for want in ("pvbench", "Linux " + os.uname().release, "median", "p10 .. p90", "seed",
                 "verdict", "\ncreate ", "\nswitch ", "create.fork ", "50-100 us",
                 "switch.futex_processes_spread", "process versus thread",
                 "a process switch / a thread switch"):
        check(want in out, "%r in the text report:\n%s" % (want, out))
    check("ipc." not in out and "scale." not in out, "suites not asked for")
    for line in out.splitlines():
        if line.startswith("  create.") or line.startswith("  switch."):
            check(re.search(r"\s(inside|faster|slower|-)\s", line), "verdict column: %s" % line)


@test
def bad_input_is_a_usage_error():
    cases = [
        (["--runs", "0"], "--runs"), (["--runs", "x"], "--runs"), (["--runs", "1001"], "--runs"),
        (["-s", "nope"], "unknown suite 'nope'"), (["-s", ","], "--suite"),
        (["-f", "xml"], "--format"), (["--ws", "-1"], "--ws"), (["--cpus", "0,0"], "differ"),
        (["--cpus", "0"], "--cpus"), (["--bogus"], "unknown option"), (["extra"], "unexpected"),
        (["--trace-output", "/tmp/x"], "--trace-output goes with --trace"),
    ]
    for args, msg in cases:
        p = run([PVTRACE, "bench", *args], timeout=20)
        err = p.stderr.decode()
        check(p.returncode == 2, "%s: exit %d (%s)" % (args, p.returncode, err))
        check(msg in err, "%s: %r not in %r" % (args, msg, err))
    p = run([PVTRACE, "bench", "-s", "switch", "-o", "/nonexistent/dir/x.json"], timeout=20)
    check(p.returncode == 1 and "/nonexistent/dir/x.json" in p.stderr.decode(),
          "an unwritable output fails at once: %d %s" % (p.returncode, p.stderr.decode()))
    p = run([PVTRACE, "bench", "--help"], timeout=20)
    out = p.stdout.decode()
    check(p.returncode == 0 and "--trace" in out and "--quick" in out and "--ws" in out,
          "help: %s" % out)
    p = run([PVBENCH, "--version"], timeout=20)
    check(p.returncode == 0 and p.stdout.decode().startswith("pvbench "), "version")


@test
def a_working_set_is_recorded_and_costs_more():
    p1, small = bench_json(["-s", "switch", "--quick"])
    p2, big = bench_json(["-s", "switch", "--quick", "--ws", "256"])
    check(p1.returncode == 0 and p2.returncode == 0, p2.stderr.decode())
    check(big["options"]["ws_kib"] == 256 and small["options"]["ws_kib"] == 0, "ws_kib")
    a = by_name(small)["switch.pipe_processes_pinned"]
    b = by_name(big)["switch.pipe_processes_pinned"]
    check("256 KiB working set" in b["params"], b["params"])
    # The loop overhead now reads 256 KiB twice per round: it must have grown.
    check(b["details"]["loop_overhead_us"] > a["details"]["loop_overhead_us"],
          "overhead with a working set %s vs without %s" % (b["details"], a["details"]))


@test
def trace_runs_the_bench_under_pvtrace():
    if os.geteuid() != 0:
        raise Skip("needs root (pvtrace run)")
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    try:
        p = run([PVTRACE, "bench", "--trace", "--trace-output", path, "-s", "switch", "--quick",
                 "--runs", "3"])
        check(p.returncode == 0, p.stderr.decode())
        check("switch.pipe_processes_pinned" in p.stdout.decode(), "the bench's tables")
        text = open(path).read()
    finally:
        os.unlink(path)
    check("pvbench" in text and "TASKS" in text, "pvtrace's report: %s" % text[:400])


def precondition():
    missing = [x for x in (PVTRACE, PVBENCH) if not os.access(x, os.X_OK)]
    return "not built: run make (%s)" % ", ".join(missing) if missing else None


if __name__ == "__main__":
    sys.exit(main("bench", precondition))
