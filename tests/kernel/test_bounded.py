"""Bounded memory (--keep-tasks, docs/METRICS.md "Folded tasks"): under a churn of 50,000
short threads and of 20,000 short processes, pvtrace's own peak RSS stays bounded with
--keep-tasks 1000 while without the bound it grows with every task, and the report's sums
still equal the workload's own counts: every task and process created, verified, exited.
Out of memory, pvtrace folds more and still writes the whole report.
"""
import json
import os
import resource
import subprocess
import sys
import tempfile

from helpers import PVLOAD, PVTRACE, TIMEOUT, assert_consistent, assert_exact, trace
from testlib import check, test

MIB = 1024 * 1024
BOUND = 64 * MIB   # the target for 1,000,000 tasks (make bench); 50,000 must be well under


# ru_maxrss survives exec: a child of this test process (large, once it has read a few
# reports) would start from the test's own RSS.  A fresh, small Python starts pvtrace
# instead and reports wait4()'s ru_maxrss of it: the most of pvtrace's and of the workload's
# (pvload's is a few MiB), in KiB.
MEASURE = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, ru = os.wait4(pid, 0)
print(ru.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def traced_peak(cmd, extra):
    """Run pvtrace on @cmd; return (its peak RSS in bytes, the JSON report)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    try:
        p = subprocess.run([sys.executable, "-c", MEASURE, PVTRACE, "run", "--no-status", "-f",
                            "json", "-o", path, *extra, "--", *cmd], capture_output=True,
                           timeout=TIMEOUT * 2)
        maxrss, rc = (int(x) for x in p.stdout.decode().split()[-2:])
        check(rc == 0, "exit %d: %s" % (rc, p.stderr.decode()[-2000:]))
        with open(path) as f:
            return maxrss * 1024, json.load(f)
    finally:
        os.unlink(path)


def assert_folded_counts(r):
    """What was folded is counted once, by name, and every task is reported or folded."""
    fo, tr = r["summary"]["folded"], r["tracer"]
    check(fo["tasks"] == tr["tasks_folded"] and fo["processes"] == tr["processes_folded"],
          "folded counts agree: %s / %s" % (fo["tasks"], tr["tasks_folded"]))
    names = fo["by_name"] + ([fo["other"]] if fo["other"] else [])
    check(sum(n["tasks"] for n in names) == fo["tasks"], "by name, the tasks add up: %s" % names)
    check(sum(n["processes"] for n in names) == fo["processes"], "by name, the processes add up")
    check(fo["out_of_memory"] == {"folds": 0, "records_lost": 0, "values_lost": 0},
          "no allocation failed: %s" % fo["out_of_memory"])
    check(len(r["tasks"]) <= fo["keep_tasks"] + 1, "%d records held, keep %d"
          % (len(r["tasks"]), fo["keep_tasks"]))


@test
def churn_of_50k_threads_keeps_memory_bounded():
    n = 50000
    cmd = [PVLOAD, "churn", "--threads=%d" % n, "--concurrency", "64", "--quiet"]
    bounded, r = traced_peak(cmd, ["--keep-tasks", "1000"])
    unbounded, whole = traced_peak(cmd, ["--keep-tasks", "0"])
    print("  peak RSS for %d threads: %.1f MiB with --keep-tasks 1000, %.1f MiB without a bound"
          % (n, bounded / MIB, unbounded / MIB))
    check(bounded < BOUND, "bounded: %.1f MiB" % (bounded / MIB))
    # Each task held costs its record (1.6 KiB) and its place in the report model.
    check(unbounded - bounded > (n - 1000) * 1024, "without the bound it grows with every task")
    check(len(whole["tasks"]) == n + 1 and whole["tracer"]["tasks_folded"] == 0, "nothing folded")
    assert_exact(r)
    assert_consistent(r)
    assert_folded_counts(r)
    tr, s = r["tracer"], r["summary"]
    check(len(r["tasks"]) + tr["tasks_folded"] == n + 1, "every task: %d held + %d folded"
          % (len(r["tasks"]), tr["tasks_folded"]))
    check(tr["tasks_folded"] >= n - 1000, "folded %d" % tr["tasks_folded"])
    check(r["verified"]["tasks"] == n + 1 and r["verified"]["exact"] == n + 1, "%s" % r["verified"])
    check(s["threads"]["tasks"] == n and s["processes"]["tasks"] == 1, "kinds summed")
    check(s["creation"]["threads"]["created"] == n, "created %s" % s["creation"]["threads"])
    check(s["memory"]["threads"]["count"] == n, "memory counts every thread")
    check(len(r["processes"]) == 1 and r["processes"][0]["threads"] == n + 1,
          "one process, every thread in its row")
    churn = [x for x in s["folded"]["by_name"] if x["comm"] == "churn-t"]
    check(churn and churn[0]["tasks"] == tr["tasks_folded"] and churn[0]["threads"] == churn[0]["tasks"],
          "folded by name: %s" % churn)
    # Each thread's final switch is voluntary: counted for the folded ones too.
    check(s["threads"]["switches"]["voluntary"] >= n, "every thread's final switch counted")
    check(s["threads"]["tasks"] == whole["summary"]["threads"]["tasks"], "as many as held whole")


@test
def churn_of_20k_processes_keeps_memory_bounded():
    n = 20000
    cmd = [PVLOAD, "churn", "--procs=%d" % n, "--concurrency", "64", "--quiet"]
    bounded, r = traced_peak(cmd, ["--keep-tasks", "1000"])
    print("  peak RSS for %d processes: %.1f MiB with --keep-tasks 1000" % (n, bounded / MIB))
    check(bounded < BOUND, "bounded: %.1f MiB" % (bounded / MIB))
    assert_exact(r)
    assert_consistent(r)
    assert_folded_counts(r)
    tr, s = r["tracer"], r["summary"]
    check(len(r["tasks"]) + tr["tasks_folded"] == n + 1, "every task held or folded")
    check(len(r["processes"]) + tr["processes_folded"] == n + 1, "every process: %d rows + %d folded"
          % (len(r["processes"]), tr["processes_folded"]))
    check(tr["processes_folded"] >= n - 1100, "process rows folded: %d" % tr["processes_folded"])
    check(s["processes"]["tasks"] == n + 1, "processes summed")
    check(s["creation"]["processes"]["created"] == n, "created %s" % s["creation"]["processes"])
    check(s["exits"]["processes"] == n + 1 and s["exits"]["clean"] == n + 1, "exits %s" % s["exits"])
    check(s["memory"]["processes"]["count"] == n + 1, "memory of every process: %s"
          % s["memory"]["processes"])
    c = s["creation"]["processes"]["syscall"]
    check(c["p50_ns"] <= c["p99_ns"] <= c["max_ns"] and c["count"] <= n, "quantiles in order: %s" % c)


@test
def out_of_memory_folds_more_and_still_reports():
    # Every record asked to be held (--keep-tasks 0) within 64 MiB of address space
    # (RLIMIT_AS, inherited by the churn, whose threads' stacks are small): growing the task
    # table fails.  pvtrace halves the bound, folds down to it and goes on; the report is
    # whole, the failure counted (before: "out of memory building the report", no report).
    n = 50000

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (64 * MIB, 64 * MIB))

    p, r = trace([PVLOAD, "churn", "--threads=%d" % n, "--concurrency", "64", "--quiet"],
                 extra=["--keep-tasks", "0"], preexec_fn=limit)
    check(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr.decode()[-2000:]))
    fo, tr = r["summary"]["folded"], r["tracer"]
    print("  out of memory %d time(s): keep %d, %d held, %d folded, %d lost" % (
        fo["out_of_memory"]["folds"], fo["keep_tasks"], len(r["tasks"]), tr["tasks_folded"],
        fo["out_of_memory"]["records_lost"]))
    check(fo["out_of_memory"]["folds"] >= 1 and fo["keep_tasks"] > 0, "folded for memory: %s" % fo)
    check(fo["out_of_memory"]["records_lost"] == 0, "nothing lost: %s" % fo["out_of_memory"])
    check(len(r["tasks"]) + tr["tasks_folded"] == n + 1, "every task held or folded")
    check(r["verified"]["tasks"] == n + 1 and r["verified"]["exact"] == n + 1, "%s" % r["verified"])
    check(r["summary"]["threads"]["tasks"] == n, "threads summed")


if __name__ == "__main__":
    import sys
    from helpers import precondition
    from testlib import main
    sys.exit(main("kernel", precondition))
