#!/usr/bin/env python3
"""Kernel-level tests of `pvtrace run`: real BPF programs, real workloads.

Each test runs ./pvtrace on a workload (tools/pvload, tests/progs/*) and checks
the report against independent sources: the kernel's own counters (which
pvtrace reads in BPF and must equal its event counts exactly), what the
workload measured of itself (/proc/thread-self/status read by selfcount), and
the workload's known shape (pids, kinds, exit codes).

The tests are in this directory, one file per concern (test_*.py, every one of
them run: this runner finds them); what they share is in helpers.py:

    test_switches.py  switch counts, origins, run-queue waits, wakers, switch cost
    test_tasks.py     the task tree: creation followed, churns, limits
    test_untracked.py tasks not tracked (task map full) and their descendants counted
    test_exits.py     exit statuses, signals, the blast radius of a crash
    test_cli.py       stdio, the live status line, one-line failures and exit codes
    test_reports.py   escaping, the text and JSON reports, --bpf-stats
    test_creation.py  creation and exec costs, renames, the syscall hooks
    test_events.py    the --events stream
    test_memory.py    process and thread memory
    test_user.py      --user, the note under sudo, files given to the sudo user
    test_signals.py   Ctrl-C on a terminal (the command in pvtrace's group or not), the third signal
    test_files.py     the files pvtrace writes and reads: descriptors, -o -, replace, links,
                      sudo ownership, untrusted calibration files
    test_bounded.py   pvtrace's own memory bounded under churn (--keep-tasks), sums intact
    test_attach.py    attach -p and --cgroup: deltas against /proc, tasks followed, one cgroup only
    test_top_fake.py  the live view (pvtrace top's) on a synthetic source, in tmux (tests/tmux.py),
                      and its batch output
    test_serve.py     pvtrace serve scraped by a real Prometheus against /proc; both formats,
                      bad requests, --max-series, --grace
    test_timeline.py  report --timeline of a recording against its report; broken recordings
    test_perfetto.py  pvtrace perfetto: the trace decoded by protoc (the project's schema and
                      Perfetto's own) against the recording's report
    test_demo.py      make demo's report: every placeholder said why, memory figures against
                      /proc and the JSON; too short-lived tasks; pvtrace bench's citations

Needs root.  Without root every test reports itself skipped (run.sh counts a
skip as a failure under CI=true).  Prints one line per test and writes
"passed failed skipped" to --summary-file.  A single file runs alone too:
python3 tests/kernel/test_memory.py [-k SUBSTRING].

    python3 tests/kernel/run_tests.py [-k SUBSTRING] [--summary-file F]
"""
import glob
import importlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import testlib  # noqa: E402
from helpers import precondition  # noqa: E402


def load_tests():
    """Import every test_*.py here (each registers its tests); names must be unique, or
    -k could not tell them apart."""
    for path in sorted(glob.glob(os.path.join(HERE, "test_*.py"))):
        importlib.import_module(os.path.basename(path)[:-3])
    names = [fn.__name__ for fn in testlib.TESTS]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise SystemExit("kernel tests defined twice: %s" % ", ".join(dup))


if __name__ == "__main__":
    load_tests()
    sys.exit(testlib.main("kernel", precondition))
