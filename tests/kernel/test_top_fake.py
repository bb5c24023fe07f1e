"""The live view (user/top.c, top_curses.c, top_text.c, top_model.c) on a synthetic source
(tests/progs/top_fake.c: known rates, no BPF), in tmux (tests/tmux.py): the rows and their
figures, sort keys, expanding a process into its threads, the name filter, grouping by
cgroup, pause, resize, and every way out giving the terminal back (q, Ctrl-C, the source
ending); then the batch output, text and JSON lines, with no terminal.

top_fake's rates: alpha (pid 1000, 4 threads) 1100 switches/s, 20% CPU, RSS 1000 MiB; beta
(pid 2000, 2 threads) 40 switches/s, 80% CPU, 2000 MiB.  Needs tmux (a skip, or a failure
under CI=true, without it).
"""
import json
import os
import re
import subprocess

from helpers import LEGEND, OUT
from testlib import Skip, check, run, test
from tmux import Screen, assert_terminal_restored, need_tmux

TOP_FAKE = os.path.join(OUT, "top_fake")
HEADS = "    PID   THR     SW/s"
NAME_AT = 88  # the name column (user/top_text.c: the widths before it)


def need_fake():
    if not os.access(TOP_FAKE, os.X_OK):
        raise Skip("not built: run make")


def start(*args, width=120, height=30):
    need_tmux()
    need_fake()
    return Screen([TOP_FAKE, "-d", "0.3", *args], width, height).start()


def rows(scr):
    """The table's rows below the column heads: [(id, depth, name, fields)]."""
    lines = scr.splitlines()
    at = next(i for i, l in enumerate(lines) if re.match(r"\s+(PID|PROCS)\s+THR", l))
    out = []
    for line in lines[at + 1:]:
        if not re.match(r"\s+\d+\s", line):
            break
        name = line[NAME_AT:]
        depth = (len(name) - len(name.lstrip(" "))) // 2
        out.append((int(line[:7]), depth, name.strip(), line[:NAME_AT].split()))
    return out


def names(scr):
    return [("  " * d) + n for _, d, n, _ in rows(scr)]


def wait_names(s, want, what=None):
    return s.wait_for(lambda scr: names(scr) == want, what=what or "rows %s" % want)


def near(v, want, rel=0.05):
    return abs(v - want) <= rel * want + 1


@test
def top_fake_shows_processes_and_figures():
    s = start()
    try:
        scr = wait_names(s, ["alpha", "beta"])  # by switches per second
        lines = scr.splitlines()
        check(lines[0].startswith("pvtrace top ") and "6 tasks  2 processes" in lines[0],
              "header: %r" % lines[0])
        check(lines[1].startswith("switch-ins: same process ") and "lost 0 (0 in all)" in lines[1],
              "header: %r" % lines[1])
        check(lines[3].startswith(HEADS) and lines[3].rstrip().endswith("RSS COMM"),
              "heads: %r" % lines[3])
        check("sort SW/s" in lines[2], "status: %r" % lines[2])
        alpha, beta = rows(scr)
        f = alpha[3]
        check(f[1] == "4" and near(float(f[2]), 1100) and near(float(f[9]), 20) and
              f[10] == "1000.0M", "alpha's figures: %s" % f)
        f = beta[3]
        check(f[1] == "2" and near(float(f[2]), 40) and near(float(f[9]), 80) and
              f[10] == "1.95G", "beta's figures: %s" % f)
        check(lines[-1].startswith("q quit"), "keys line: %r" % lines[-1])
    finally:
        s.close()


@test
def top_fake_sort_keys_reorder_rows():
    s = start()
    try:
        wait_names(s, ["alpha", "beta"])
        s.send("c")  # CPU%
        scr = wait_names(s, ["beta", "alpha"], "sorted by CPU%")
        check("sort CPU%" in scr.splitlines()[2], "status: %r" % scr.splitlines()[2])
        s.send("p")  # PID
        wait_names(s, ["alpha", "beta"], "sorted by PID")
        s.send("R")  # reversed
        scr = wait_names(s, ["beta", "alpha"], "sorted by PID, reversed")
        check("(reversed)" in scr.splitlines()[2], "status: %r" % scr.splitlines()[2])
        s.send("R", ">")  # PID -> THR
        scr = wait_names(s, ["alpha", "beta"], "sorted by THR")
        check("sort THR" in scr.splitlines()[2], "status: %r" % scr.splitlines()[2])
        s.send("<", "<")  # THR -> PID -> COMM (wraps around)
        s.wait_for(lambda scr: "sort COMM" in scr.splitlines()[2], what="sort COMM")
    finally:
        s.close()


@test
def top_fake_expands_a_process_into_its_threads():
    s = start()
    try:
        wait_names(s, ["alpha", "beta"])
        s.send("Enter")  # the selection starts on the first row
        scr = wait_names(s, ["alpha", "  alpha-w3", "  alpha-w2", "  alpha-w1", "  alpha", "beta"],
                         "alpha's threads, by switches/s")
        thread = rows(scr)[1]
        check(thread[0] == 1003 and near(float(thread[3][2]), 440), "alpha-w3: %s" % (thread,))
        s.send("Enter")
        wait_names(s, ["alpha", "beta"], "alpha collapsed")
        s.send("j", "Right")  # beta, expanded
        wait_names(s, ["alpha", "beta", "  beta", "  beta-w1"], "beta's threads")
        s.send("j", "Left")  # on a thread: its process collapses
        wait_names(s, ["alpha", "beta"], "beta collapsed from its thread")
        s.send("H")
        wait_names(s, ["alpha", "  alpha-w3", "  alpha-w2", "  alpha-w1", "  alpha", "beta",
                       "  beta", "  beta-w1"], "every process expanded")
    finally:
        s.close()


@test
def top_fake_filter_narrows_rows():
    s = start()
    try:
        wait_names(s, ["alpha", "beta"])
        s.send("/")
        s.wait_for("filter (enter")
        s.type("BETA")  # case-insensitive
        s.send("Enter")
        scr = wait_names(s, ["beta"], "only beta")
        check("filter: BETA" in scr.splitlines()[2], "status: %r" % scr.splitlines()[2])
        s.send("/", "BSpace", "BSpace", "BSpace", "BSpace")
        s.type("w3")  # a thread's name keeps its process
        s.send("Enter")
        wait_names(s, ["alpha"], "alpha, by its thread alpha-w3")
        s.send("/", "Escape")  # cancel: the filter stays
        s.wait_for(lambda scr: "filter: w3" in scr.splitlines()[2], what="filter kept")
        s.send("/", "BSpace", "BSpace", "Enter")  # empty: cleared
        scr = wait_names(s, ["alpha", "beta"], "the filter cleared")
        check("filter" not in scr.splitlines()[2], "status: %r" % scr.splitlines()[2])
    finally:
        s.close()


@test
def top_fake_groups_by_cgroup():
    s = start()
    try:
        wait_names(s, ["alpha", "beta"])
        s.send("g")
        scr = wait_names(s, ["/fake/a", "/fake/b"], "cgroups")
        check(scr.splitlines()[3].startswith("  PROCS   THR") and
              scr.splitlines()[3].rstrip().endswith("CGROUP"), "heads: %r" % scr.splitlines()[3])
        s.send("Enter")
        wait_names(s, ["/fake/a", "  alpha", "/fake/b"], "/fake/a's processes")
        s.send("j", "Enter")  # alpha, in its cgroup: its threads
        wait_names(s, ["/fake/a", "  alpha", "    alpha-w3", "    alpha-w2", "    alpha-w1",
                       "    alpha", "/fake/b"], "alpha's threads under /fake/a")
        s.send("g")
        wait_names(s, ["alpha", "  alpha-w3", "  alpha-w2", "  alpha-w1", "  alpha", "beta"],
                   "by process again, alpha still expanded")
    finally:
        s.close()


@test
def top_fake_pause_and_resize():
    s = start()
    try:
        wait_names(s, ["alpha", "beta"])
        s.send("Space")
        s.wait_for(lambda scr: "PAUSED" in scr.splitlines()[2], what="PAUSED")
        first = s.screen().splitlines()[1]  # the counts of the interval shown
        s.send("c")  # keys still work on the figures shown
        scr = wait_names(s, ["beta", "alpha"], "sorted by CPU% while paused")
        check(scr.splitlines()[1] == first, "figures changed while paused: %r then %r"
              % (first, scr.splitlines()[1]))
        s.send("Space")
        s.wait_for(lambda scr: "PAUSED" not in scr.splitlines()[2], what="resumed")
        s.resize(70, 15)
        scr = s.wait_for(lambda scr: len(scr.splitlines()) == 15 and
                         scr.splitlines()[-1].startswith("q quit"), what="a 70x15 screen")
        long = [l for l in scr.splitlines() if len(l) > 70]
        check(not long, "lines beyond 70 columns: %s" % long)
        check(scr.splitlines()[0].startswith("pvtrace top "), "header: %r" % scr)
        check([r[0] for r in rows(scr)] == [2000, 1000], "rows: %s" % rows(scr))
    finally:
        s.close()


@test
def top_fake_q_restores_the_terminal():
    s = start()
    try:
        wait_names(s, ["alpha", "beta"])
        s.send("q")
        status, modes = s.exited()
        check(status == 0, "exit %d" % status)
        assert_terminal_restored(modes)
        check(HEADS not in s.screen(), "the view still on the screen: %s" % s.screen())
    finally:
        s.close()


@test
def top_fake_ctrl_c_and_the_end_restore_the_terminal():
    s = start()
    try:
        wait_names(s, ["alpha", "beta"])
        s.send("C-c")
        status, modes = s.exited()
        check(status == 0, "exit %d after Ctrl-C" % status)
        assert_terminal_restored(modes)
    finally:
        s.close()
    s = start("--exit-after", "1")
    try:
        status, modes = s.exited()
        check(status == 0, "exit %d when the source ended" % status)
        assert_terminal_restored(modes)
    finally:
        s.close()


# ---- batch: no terminal ----

def batch(*args):
    need_fake()
    p = run([TOP_FAKE, "-d", "0.2", *args], timeout=30, stdin=subprocess.DEVNULL)
    check(p.returncode == 0, "top_fake %s: exit %d: %s" % (args, p.returncode, p.stderr))
    return p.stdout.decode()


@test
def top_fake_batch_text():
    out = batch("-n", "2", "-H")
    blocks = [b for b in out.split("\n\n") if b.strip()]
    check(len(blocks) == 4, "two intervals (header, table): %r" % out)
    for head, table in (blocks[0:2], blocks[2:4]):
        check(head.startswith("pvtrace top ") and "\nswitch-ins: " in head, "header %r" % head)
        lines = table.splitlines()
        check(lines[0].startswith(HEADS), "heads %r" % lines[0])
        # under the rows, each placeholder's reason (lib/legend.h): the threads' RSS here
        legend = [l for l in lines[1:] if LEGEND.match(l)]
        rows = lines[1:len(lines) - len(legend)]
        check(legend and lines[len(lines) - len(legend):] == legend, "legend under the rows: %r" % table)
        check(any(LEGEND.match(l).group(2) == "RSS" for l in legend), "RSS of threads: %s" % legend)
        got = [l[NAME_AT:] for l in rows]
        check(got == ["alpha", "  alpha-w3", "  alpha-w2", "  alpha-w1", "  alpha", "beta",
                      "  beta", "  beta-w1"], "rows %s" % got)
        check(all(len(l) <= 120 for l in lines), "a line beyond 120 columns")
    check("\x1b" not in out, "escape sequences in batch output")


@test
def top_fake_batch_json_lines():
    out = batch("-n", "2", "-f", "json", "-H")
    lines = out.splitlines()
    check(len(lines) == 2, "two lines: %r" % out)
    for line in lines:
        j = json.loads(line)
        check(j["schema"] == "pvtrace.top/1" and j["by"] == "process", "%s" % j)
        check(j["tasks"] == 6 and j["processes"] == 2 and j["lost_events"] == 0, "%s" % j)
        check(near(j["interval_ns"], 2e8, 0.5), "interval %d" % j["interval_ns"])
        a, b = j["rows"]
        check(a["comm"] == "alpha" and a["pid"] == 1000 and a["threads"] == 4 and
              a["rss_bytes"] == 1000 << 20 and near(a["switches_per_s"], 1100) and
              near(a["oncpu_pct"], 20), "alpha %s" % a)
        check([c["tid"] for c in a["children"]] == [1003, 1002, 1001, 1000], "threads %s" % a)
        check(b["comm"] == "beta" and near(b["address_space_changes_per_s"], 40) and
              b["same_process_pct"] == 0, "beta %s" % b)
    j = json.loads(batch("-n", "1", "-f", "json", "-g").splitlines()[0])
    check([(r["kind"], r["cgroup"], r["processes"]) for r in j["rows"]] ==
          [("cgroup", "/fake/a", 1), ("cgroup", "/fake/b", 1)], "cgroups %s" % j["rows"])


@test
def top_fake_batch_ends_with_the_source():
    out = batch("--exit-after", "0.5", "-f", "json")
    lines = out.splitlines()
    # intervals at about 0.2 and 0.4 s, then the last one, up to the end (0.5 s), if it
    # was not exactly then: a busy machine may shift them
    check(2 <= len(lines) <= 3, "two or three intervals: %r" % out)
    js = [json.loads(l) for l in lines]
    total = sum(j["interval_ns"] for j in js)
    check(total >= 5e8, "the intervals end with the source: %d ns in all" % total)
