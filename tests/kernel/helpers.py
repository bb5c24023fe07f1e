"""What the kernel-level tests share: where the binaries are, trace() (pvtrace run with a
JSON report), and the relations every report must satisfy (assert_exact,
assert_consistent, assert_runq_sane).

The tests themselves are in test_*.py, one file per concern; run_tests.py runs them all.
"""
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from testlib import check, run  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PVTRACE = os.path.join(ROOT, "pvtrace")
OUT = os.path.join(ROOT, ".output")
PVLOAD = os.path.join(OUT, "pvload")
SELFCOUNT = os.path.join(OUT, "selfcount")
SPAWN = os.path.join(OUT, "spawn")
CREATOR = os.path.join(OUT, "creator")
CRASH = os.path.join(OUT, "crash")
MEMHOG = os.path.join(OUT, "memhog")
FORKTREE = os.path.join(OUT, "forktree")
TIMEOUT = 120


def trace(cmd, extra=(), timeout=TIMEOUT, **kw):
    """Run pvtrace with a JSON report; return (completed process, report)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    try:
        p = run([PVTRACE, "run", "--no-status", "-f", "json", "-o", path, *extra, "--", *cmd],
                timeout=timeout, **kw)
        with open(path) as f:
            text = f.read()
        check(text, "no report written (exit %d): %s" % (p.returncode, p.stderr.decode()[-2000:]))
        return p, json.loads(text)
    finally:
        os.unlink(path)


def tmp(suffix):
    """A fresh path in the temporary directory, nothing there yet."""
    fd, path = tempfile.mkstemp(suffix=suffix)
    os.close(fd)
    os.unlink(path)
    return path


def record(cmd, extra=()):
    """pvtrace record with run's JSON report beside it: (process, data path, report)."""
    data, rep = tmp(".data"), tmp(".json")
    p = run([PVTRACE, "record", "--no-status", "-o", data, "--report=" + rep, "-f", "json", *extra,
             "--", *cmd], timeout=120)
    check(p.returncode == 0, "record exit %d: %s" % (p.returncode, p.stderr.decode()[-2000:]))
    with open(rep) as f:
        r = json.load(f)
    os.unlink(rep)
    return p, data, r


def assert_exact(r):
    """Every task that ended is verified exact against the kernel's counters."""
    v = r["verified"]
    # (Every caller's command ends under tracing: at least it is compared, else nothing is.)
    check(any(t["kernel"] is not None for t in r["tasks"]), "no ended task to verify: %s" % v)
    bad = [t for t in r["tasks"] if t["kernel"] is not None and not t["kernel"]["exact"]]
    check(not bad, "tasks not exact: %s" % [
        (t["tid"], t["switches"]["voluntary"], t["kernel"]["voluntary"],
         t["switches"]["involuntary"], t["kernel"]["involuntary"]) for t in bad])
    check(v["exact"] == v["tasks"], "verified %s" % v)
    for t in r["tasks"]:
        if t["kernel"] is not None and not t["alive"]:
            # (An alive task's kernel block is its final read: no exit.)
            # The kernel's counters read at sched_process_exit miss the final
            # switch (voluntary, into TASK_DEAD) and any switch in between.
            k, e = t["kernel"], t["kernel"].get("at_exit")
            check(e is not None and k["voluntary"] >= e["voluntary"] + 1 and
                  k["involuntary"] >= e["involuntary"], "at exit %s vs final %s" % (e, k))
        if t["kernel"] is not None:
            check(t["switches"]["voluntary"] == t["kernel"]["voluntary"], "vol %s" % t)
            check(t["switches"]["involuntary"] == t["kernel"]["involuntary"], "invol %s" % t)


def assert_consistent(r):
    """Relations that hold in every report."""
    check(r["tasks"], "tasks reported")
    for t in r["tasks"]:
        s = t["switches"]
        check(sum(s["from"].values()) == s["in"], "from sums to in: %s" % t)
        check(s["address_space_changes"] <= s["in"], "as changes <= in: %s" % t)
        check(t["kind"] == ("process" if t["tid"] == t["pid"] else "thread"), "kind %s" % t)
        # Each switch-in is followed by a switch-out, seen or not: some switch-ins fire no
        # sched_switch (perf misses them too) and are counted apart at the next switch-out
        # (in_unseen).  Exact for a task whose life was traced whole; the root, and a task
        # there before an attach (on a CPU then), may have been first seen going out, and a
        # task alive at the end may be on a CPU.
        out = s["voluntary"] + s["involuntary"]
        seen = s["in"] + s["in_unseen"]
        if t["root"] or t["alive"] or t.get("preexisting"):
            check(out - 1 <= seen <= out + 1, "in vs out: %s" % t)
        else:
            check(seen == out, "in %d + unseen %d vs out %d: %s" % (s["in"], s["in_unseen"], out, t))
    # Tasks folded beyond --keep-tasks are in the summaries only (docs/METRICS.md "Folded tasks").
    unseen = sum(t["switches"]["in_unseen"] for t in r["tasks"])
    if r["tracer"]["tasks_folded"]:
        s = r["summary"]
        unseen = s["threads"]["switches"]["in_unseen"] + s["processes"]["switches"]["in_unseen"]
    check(unseen == r["tracer"]["switch_ins_unseen"], "unseen switch-ins add up")
    procs = {p["pid"] for p in r["processes"]}
    check(all(t["pid"] in procs for t in r["tasks"]), "every task's process listed")
    # lost_events (docs/METRICS.md): ring-buffer drops of the records that feed --events, plus
    # creation costs and process memory that could not be kept, plus the tasks not tracked. A
    # memory record that did not fit is read from the process map at the end, so it is not lost.
    tr = r["tracer"]
    untracked = tr["tasks_untracked_map_full"] + tr["tasks_untracked_descendants"]
    lost = sum(v for k, v in tr["ringbuf_lost"].items() if k != "memory")
    lost += tr["late_costs_lost"] + tr["processes_untracked_memory"] + untracked
    lost += tr["tasks_attach_map_full"]  # attach: running targets the full map could not take
    check(r["lost_events"] == lost, "lost_events %d vs its parts %d (%s, %d untracked)"
          % (r["lost_events"], lost, tr["ringbuf_lost"], untracked))
    # Every task the tree created is tracked or counted untracked (docs/METRICS.md,
    # tasks_created); the tracked ones are the entries made at creation, besides the root's,
    # and each is reported unless its record was lost.
    check(r["tasks_created"] == tr["tasks_born"] + untracked, "tasks_created %d vs %d born + %d "
          "untracked" % (r["tasks_created"], tr["tasks_born"], untracked))
    if r["mode"] == "attach":
        # No root: the running tasks the attach pass found, and those moved into the cgroup.
        a = r["attach"]
        check(tr["tasks_seen"] == tr["tasks_born"] + a["tasks_found"] + a["tasks_joined"],
              "seen %d: born %d, found %d, joined %d" % (tr["tasks_seen"], tr["tasks_born"],
                                                         a["tasks_found"], a["tasks_joined"]))
        pre = sum(1 for t in r["tasks"] if t["preexisting"])
        check(pre + tr["tasks_folded"] >= a["tasks_found"] + a["tasks_joined"] >= pre,
              "preexisting reported %d vs found %s" % (pre, a))
        check(all(t["preexisting"] == (t["created"] is None) for t in r["tasks"]),
              "preexisting tasks, and only they, have no creation")
    else:
        check(tr["tasks_seen"] == tr["tasks_born"] + 1, "seen %d: born %d and the root"
              % (tr["tasks_seen"], tr["tasks_born"]))
    # Beyond --keep-tasks, ended tasks are folded (never the root): counted, not listed.
    born = sum(1 for t in r["tasks"] if t["created"] is not None)
    check(born + tr["tasks_folded"] == tr["tasks_born"] or tr["tasks_lost"],
          "born tasks reported %d + folded %d vs counted %d"
          % (born, tr["tasks_folded"], tr["tasks_born"]))
    check(tr["tasks_untracked_alive"] + tr["tasks_untracked_exited"] +
          tr["tasks_untracked_unfollowed"] == untracked, "untracked alive + exited: %s" % tr)


# A legend line under a text table (lib/legend.h): "  MARK in COLUMNS (N ROWS): REASON".
LEGEND = re.compile(r"^  (\S+) in (.+?) \((\d+) ([^)]*)\): (.+)$")


def by_tid(r):
    return {t["tid"]: t for t in r["tasks"]}


def assert_runq_sane(r):
    check(r["tasks"], "tasks reported")
    for t in r["tasks"]:
        q = t["runq"]
        check(q["p50_ns"] <= q["p99_ns"] <= q["max_ns"], "p50 <= p99 <= max: %s" % q)
        check(q["max_ns"] <= q["total_ns"], "max <= total: %s" % q)
        check(q["count"] <= t["switches"]["in"] + t["switches"]["in_unseen"],
              "a wait ends with a switch-in: %s" % t)
        check(t["offcpu"]["runnable_ns"] == q["total_ns"], "runnable == runq total")


def json_lines(text):
    """JSON Lines, strictly: every line one JSON value (a reader going line by line)."""
    lines = text.splitlines()
    check(all(l.strip() for l in lines), "no blank line between records")
    return [json.loads(l) for l in lines]


def median(v):
    v = sorted(v)
    return v[len(v) // 2]


def pingpong(kind):
    p, r = trace([PVLOAD, "pingpong", "--" + kind, "--rounds", "5000", "--pin", "0", "--quiet"])
    check(p.returncode == 0, p.stderr.decode())
    assert_exact(r)
    assert_consistent(r)
    members = [t for t in r["tasks"] if t["comm"] in ("ping-t0", "pong-t0", "ping-p0", "pong-p0")]
    check(len(members) == 2, "two ping-pong members: %s" % [t["comm"] for t in r["tasks"]])
    return r, members


def precondition():
    if os.geteuid() != 0:
        return "needs root (BPF)"
    if not all(os.access(x, os.X_OK) for x in (PVTRACE, PVLOAD, SELFCOUNT, SPAWN, CREATOR, CRASH,
                                               MEMHOG, FORKTREE)):
        return "not built: run make"
    return None
