"""Context switches, counted and timed: pvtrace's counts against the kernel's own
(nvcsw/nivcsw, read in BPF) and against what tasks read of themselves (selfcount), the
origins of switch-ins and the address-space changes (ping-pong between threads and
between processes), run-queue waits against schedstat, sleeps, wakers, migrations, and
the switch-cost estimate from a calibration (pvtrace calibrate against perf bench).
"""
import json
import os
import shutil
import tempfile

from helpers import (PVLOAD, PVTRACE, SELFCOUNT, SPAWN, assert_consistent, assert_exact,
                     assert_runq_sane, by_tid, pingpong, trace)
from testlib import Skip, check, run, test


@test
def selfcount_matches_what_tasks_read_of_themselves():
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        selfpath = f.name
    try:
        p, r = trace([SELFCOUNT, "--threads", "3", "--procs", "3", "--switches", "100",
                      "--spin-ms", "20", "--out", selfpath])
        check(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr.decode()))
        selfr = json.load(open(selfpath))
    finally:
        os.unlink(selfpath)
    assert_exact(r)
    assert_consistent(r)
    check(r["verified"]["alive"] == 0 and r["verified"]["tasks"] == len(r["tasks"]),
          "all tasks verified: %s" % r["verified"])
    tasks = by_tid(r)
    workers = [s for s in selfr["tasks"] if s["role"] != "main"]
    check(len(workers) == 6, "six workers")
    for s in workers:
        t = tasks.get(s["tid"])
        check(t is not None, "tid %d in the report" % s["tid"])
        check(t["pid"] == s["pid"], "pid of %d" % s["tid"])
        check(t["kind"] == ("thread" if s["role"] == "thread" else "process"), "kind %s" % t)
        check(t["created"] is not None and t["parent_tid"] == r["root_pid"], "born: %s" % t)
        # The task read its counters just before exiting; pvtrace also counts
        # what came after: the final switch (voluntary) and rarely a preemption.
        dv = t["switches"]["voluntary"] - (s["voluntary"] + 1)
        di = t["switches"]["involuntary"] - s["involuntary"]
        # (On a loaded machine a few preemptions land between the read and the exit.)
        check(0 <= dv <= 2 and 0 <= di <= 5,
              "tid %d: pvtrace %d/%d, self %d/%d" % (s["tid"], t["switches"]["voluntary"],
                                                     t["switches"]["involuntary"],
                                                     s["voluntary"], s["involuntary"]))
        # 100 sleeps and the final switch; a sleep whose timer fires before the task
        # gets off the CPU does not switch (the kernel's own count then says so too).
        check(t["switches"]["voluntary"] >= 100, "the sleeps: %s" % t)
        # Creation to first run is the task's first run-queue wait: part of the
        # kernel's run_delay for it, and of pvtrace's own run-queue total.
        fr = t["created"]["first_run_ns"]
        check(fr is not None and fr <= t["runq"]["total_ns"] and
              fr <= t["kernel"]["runq_ns"] + 1000, "first_run_ns %s vs runq %s, kernel %d"
              % (fr, t["runq"], t["kernel"]["runq_ns"]))
        # On-CPU time: switch-in to switch-out on rq->clock_task, against the
        # kernel's sum_exec_runtime (same clock): equal as a rule.
        # A switch-in without its event (assert_consistent) is recovered from the kernel.
        k = t["kernel"]["oncpu_ns"]
        sw = t["switches"]
        check(abs(t["oncpu_ns"] - k) <= 0.02 * k + 2000 * sw["in"],
              "oncpu %d vs kernel %d (in %d, unseen %d, out %d)" %
              (t["oncpu_ns"], k, sw["in"], sw["in_unseen"], sw["voluntary"] + sw["involuntary"]))
        check(k >= s["sum_exec_runtime_ns"], "kernel oncpu >= what the task read")
        check(s["sum_exec_runtime_ns"] > 0, "ran")


@test
def contention_on_one_cpu_stays_exact():
    # Four spinners on one CPU: involuntary switches galore.
    p, r = trace(["taskset", "-c", "0", SELFCOUNT, "--threads", "2", "--procs", "2",
                  "--switches", "10", "--spin-ms", "150", "--out", "/dev/null"])
    check(p.returncode == 0, p.stderr.decode())
    assert_exact(r)
    assert_consistent(r)
    invol = sum(t["switches"]["involuntary"] for t in r["tasks"])
    check(invol >= 4, "preemptions happened: %d" % invol)


def mm_changes_follow_origins(s):
    """Switch-ins from another process load its mm, those from a sibling thread do not.

    Rare exceptions exist either way (seen: one switch from another process in 5002
    without a change, a task in the middle of exit or exec), hence 0.1% + 2."""
    fr, ch = s["from"], s["address_space_changes"]
    slack = 0.001 * s["in"] + 2
    return fr["other_process"] - slack <= ch <= s["in"] - fr["same_process"] + slack


@test
def pingpong_threads_switch_within_the_process():
    r, members = pingpong("threads")
    for t in members:
        s = t["switches"]
        check(t["kind"] == "thread" and t["pid"] == r["root_pid"], "thread of root: %s" % t)
        check(s["in"] >= 5000, "a switch-in per round: %s" % s)
        check(s["from"]["same_process"] >= 0.9 * s["in"], "from the partner thread: %s" % s)
        # A switch from the sibling thread does not load another mm; a switch from another
        # process does (other tasks of the machine share the CPU now and then).
        check(mm_changes_follow_origins(s), "mm changes only from outside the process: %s" % s)
        check(s["address_space_changes"] <= 0.1 * s["in"], "few mm changes: %s" % s)
    th = r["summary"]["threads"]["switches"]
    check(th["from"]["same_process"] >= 0.9 * th["in"], "summary threads %s" % th)


@test
def pingpong_processes_switch_address_space():
    r, members = pingpong("procs")
    pids = {t["pid"] for t in members}
    check(len(pids) == 2, "two processes")
    for t in members:
        s = t["switches"]
        check(t["kind"] == "process" and t["ppid"] == r["root_pid"], "child process: %s" % t)
        check(s["from"]["other_process"] >= 0.9 * s["in"], "from the partner: %s" % s)
        check(mm_changes_follow_origins(s), "an mm change from every other process: %s" % s)
        check(s["address_space_changes"] >= 0.9 * s["in"], "mm change: %s" % s)
    procs = {p["pid"]: p for p in r["processes"]}
    for pid in pids:
        check(procs[pid]["threads"] == 1 and procs[pid]["exit"]["code"] == 0, "proc %s" % procs[pid])


@test
def runq_totals_agree_with_schedstat():
    # Spinners sharing one CPU wait for it a lot.
    p, r = trace(["taskset", "-c", "0", SELFCOUNT, "--threads", "2", "--procs", "2",
                  "--switches", "50", "--spin-ms", "100", "--out", "/dev/null"])
    check(p.returncode == 0, p.stderr.decode())
    assert_exact(r)
    assert_runq_sane(r)
    checked = unseen = 0
    for t in r["tasks"]:
        k = t["kernel"]["runq_ns"]
        if k < 2000000:
            continue
        s = t["switches"]
        got = t["runq"]["total_ns"]
        # Same waits on the same clock (rq->clock): they agree to the nanosecond as a
        # rule; allow 1% + 1 us per switch-in for boundary cases.  A switch-in without
        # its event ends its wait at the kernel's own sched_info.last_arrival.
        # A switch-in without its event also hides what happened around it on a loaded
        # CPU (seen beside stress-ng: 0.9 ms off with 2 unseen): 1 ms for each of those.
        ins = s["in"] + s["in_unseen"]
        check(abs(got - k) <= 0.01 * k + 1000 * ins + 1000000 * s["in_unseen"],
              "tid %d runq %d vs schedstat run_delay %d (unseen %d)" % (t["tid"], got, k,
                                                                      s["in_unseen"]))
        checked += 1
        unseen += s["in_unseen"]
    check(checked >= 3, "enough tasks waited for the CPU: %d (unseen %d)" % (checked, unseen))


@test
def sleeping_time_and_states_are_counted():
    p, r = trace([SELFCOUNT, "--threads", "2", "--procs", "1", "--switches", "100",
                  "--out", "/dev/null"])
    check(p.returncode == 0, p.stderr.decode())
    assert_runq_sane(r)
    workers = [t for t in r["tasks"] if t["comm"].startswith("selfcount-")]
    check(len(workers) == 3, "workers: %s" % [t["comm"] for t in r["tasks"]])
    assert_exact(r)
    for t in workers:
        # 100 sleeps of at least 50 us each.  A sleep whose timer fires before the task has
        # left the CPU does not switch (seen under load: 99 of 100; the kernel's count, equal
        # to pvtrace's by assert_exact, agrees), so allow two such.
        sleeps = t["switches"]["out_states"]["sleeping"]
        check(sleeps >= 98, "S states %s" % t["switches"])
        check(t["offcpu"]["blocked_ns"] >= sleeps * 50000, "blocked %s" % t["offcpu"])
        check(t["wakeups"] >= sleeps, "woken after each sleep: %d" % t["wakeups"])
        total = sum(t["switches"]["out_states"].values())
        check(total == t["switches"]["voluntary"] + t["switches"]["involuntary"],
              "every switch-out has a state")


def waker_partner(kind):
    r, members = pingpong(kind)
    assert_runq_sane(r)
    a, b = members
    for me, partner in ((a, b), (b, a)):
        check(me["wakers"], "wakers of %s" % me["comm"])
        top = max(me["wakers"], key=lambda w: w["count"])
        check(top["tid"] == partner["tid"], "%s woken by its partner %d: %s"
              % (me["comm"], partner["tid"], me["wakers"]))
        check(top["count"] >= 0.9 * me["wakeups"], "mostly the partner: %s" % me["wakers"])
        check(top["same_process"] == (kind == "threads"), "same_process %s" % top)
        check(top["pid"] == partner["pid"], "waker pid")


@test
def thread_pingpong_wakers_are_the_partner_thread():
    waker_partner("threads")


@test
def process_pingpong_wakers_are_the_partner_process():
    waker_partner("procs")


@test
def migrations_are_counted():
    if os.cpu_count() < 2:
        raise Skip("needs two CPUs")
    p, r = trace([SPAWN, "migrate", "20"])
    check(p.returncode == 0 and p.stdout == b"migrated 20\n", "exit %d, %r: %s"
          % (p.returncode, p.stdout, p.stderr.decode()))
    root = by_tid(r)[r["root_pid"]]
    # 20 moves, the first of which may find it on that CPU already.
    check(root["migrations"] >= 19, "migrations %d" % root["migrations"])
    # Both partners pinned to one CPU: found and checked, each of them.
    p, r = trace([PVLOAD, "pingpong", "--threads", "--rounds", "2000", "--pin", "0", "--quiet"])
    check(p.returncode == 0, "pinned ping-pong: exit %d: %s" % (p.returncode, p.stderr.decode()))
    pinned = [t for t in r["tasks"] if t["comm"] in ("ping-t0", "pong-t0")]
    check(sorted(t["comm"] for t in pinned) == ["ping-t0", "pong-t0"],
          "the two pinned threads: %s" % [t["comm"] for t in r["tasks"]])
    for t in pinned:
        check(t["migrations"] <= 2, "pinned tasks stay put: %s %s" % (t["comm"], t["migrations"]))


def perf_usecs_per_op(args):
    p = run(["taskset", "-c", "0", "perf", "bench", "sched", "pipe", *args])
    check(p.returncode == 0, "perf bench: %s" % p.stderr.decode())
    for line in p.stdout.decode().splitlines():
        if "usecs/op" in line:
            return float(line.split()[0])
    raise AssertionError("no usecs/op in perf output")


@test
def calibration_agrees_with_perf_bench():
    if not shutil.which("perf"):
        raise Skip("perf is not installed")
    # Side by side, three tries: a shared machine's noise can spoil one.
    last = None
    for attempt in range(3):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "cal.json")
            p = run([PVTRACE, "calibrate", "--quick", "-o", path])
            check(p.returncode == 0, p.stderr.decode())
            cal = json.load(open(path))
        res = {x["name"]: x for x in cal["results"]}
        perf_p = perf_usecs_per_op(["-l", "50000"]) * 1000
        perf_t = perf_usecs_per_op(["-T", "-l", "50000"]) * 1000
        ours_p, ours_t = res["pipe_processes"]["roundtrip_ns"], res["pipe_threads"]["roundtrip_ns"]
        last = (ours_p, perf_p, ours_t, perf_t)
        if abs(ours_p - perf_p) <= 0.3 * perf_p and abs(ours_t - perf_t) <= 0.3 * perf_t:
            break
    else:
        raise AssertionError("processes %.0f vs perf %.0f ns, threads %.0f vs perf %.0f ns" % last)
    sc = cal["switch_cost_ns"]
    check(sc["same_address_space"] > 0 and sc["address_space_change"] > 0, "costs %s" % sc)


@test
def report_estimates_switch_cost_from_the_calibration():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "cal.json")
        p = run([PVTRACE, "calibrate", "--quick", "-o", path])
        check(p.returncode == 0, p.stderr.decode())
        cal = json.load(open(path))["switch_cost_ns"]
        p, r = trace([PVLOAD, "mixed", "--rounds", "3000", "--quiet"],
                     extra=["--calibration", path])
        check(p.returncode == 0, p.stderr.decode())
        check(r["calibration"] is not None, "calibration in the report")
        check(r["tasks"], "tasks reported")
        for t in r["tasks"]:
            sc = t["switch_cost"]
            s = t["switches"]
            want = (s["address_space_changes"] * cal["address_space_change"] +
                    (s["in"] - s["address_space_changes"]) * cal["same_address_space"])
            check(sc["calibrated"] and abs(sc["estimated_ns"] - want) <= 1, "estimate %s" % sc)
        classes = r["summary"]["switch_classes"]
        check(classes["same_process"]["switch_ins"] + classes["other_process"]["switch_ins"] > 0,
              "classes %s" % classes)
        for c in classes.values():
            q = c["runq"]
            check(q["p50_ns"] <= q["p99_ns"] <= q["max_ns"], "class runq %s" % q)
        p = run([PVTRACE, "run", "--no-status", "--hist", "--calibration", path, "--", PVLOAD,
                 "mixed", "--rounds", "3000", "--quiet"])
        text = p.stderr.decode()
        check(p.returncode == 0, "--hist: exit %d: %s" % (p.returncode, text))
        check("calibrated" in text and "estimate" in text, "text says estimate")
        check("RUN-QUEUE LATENCY HISTOGRAMS" in text and "distribution" in text, "--hist")
        long_lines = [l for l in text.splitlines() if len(l) > 100]
        check(not long_lines, "over 100 columns: %s" % long_lines[:3])
    # Without one: says how to make one.
    p, r = trace(["true"], extra=["--calibration", "/nonexistent/cal.json"])
    check(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr.decode()))
    check(r["calibration"] is None and r["tasks"][0]["switch_cost"]["estimated_ns"] is None,
          "no estimate without calibration")
    p = run([PVTRACE, "run", "--no-status", "--", "true"],
            env=dict(os.environ, PVTRACE_CALIBRATION="/nonexistent/cal.json"))
    check(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr.decode()))
    check(b"pvtrace calibrate" in p.stderr, "says how to make one")


if __name__ == "__main__":
    import sys
    from helpers import precondition
    from testlib import main
    sys.exit(main("kernel", precondition))
