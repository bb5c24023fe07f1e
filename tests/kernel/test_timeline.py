"""pvtrace report --timeline: a recorded ping-pong's timeline against the report of the same
recording (one switch line per switch-out of a traced task, task by task; run times adding up
to the on-CPU time; names), times in order, text and JSON alike, -o FILE; creations and exits
of a churn; files cut short (what they hold, then one line), corrupted, of another version or
not recordings at all (one line) and exit 1, from report and report --timeline.
"""
import json
import re
import os

from helpers import LEGEND, PVLOAD, PVTRACE, json_lines, record, tmp
from testlib import check, run, test


def timeline(data, *args):
    p = run([PVTRACE, "report", "-i", data, "--timeline", *args], timeout=120)
    check(p.returncode == 0, "timeline exit %d: %s" % (p.returncode, p.stderr.decode()))
    return p.stdout.decode()


def switches(lines, tid):
    return [e for e in lines if e["event"] == "switch" and e["tid"] == tid]


@test
def timeline_of_a_pinned_pingpong_matches_its_report():
    _, data, r = record([PVLOAD, "pingpong", "--threads", "--rounds", "5000", "--pin", "0", "--quiet"])
    try:
        head, *ev = json_lines(timeline(data, "-f", "json"))
        check(head["schema"] == "pvtrace.timeline/1" and head["whole"] and head["sched_lost"] == 0,
              "header %s" % head)
        # one switch line per recorded switch-out of a traced task: the report's switch-outs
        s = r["summary"]
        outs = sum(s[k]["switches"]["voluntary"] + s[k]["switches"]["involuntary"]
                   for k in ("threads", "processes"))
        sw = [e for e in ev if e["event"] == "switch"]
        check(len(sw) == outs == r["tracer"]["switches_seen"],
              "%d switch lines, the report %d switch-outs" % (len(sw), outs))
        t = [e["time_ns"] for e in ev]
        check(all(a <= b for a, b in zip(t, t[1:])) and t[0] >= 0, "times in order")
        for task in r["tasks"]:
            mine = switches(ev, task["tid"])
            k = task["switches"]
            check(len(mine) == k["voluntary"] + k["involuntary"],
                  "%s: %d lines, %s" % (task["comm"], len(mine), k))
            check(sum(e["state"] == "R" for e in mine) == k["involuntary"],
                  "%s: R lines are its involuntary switch-outs" % task["comm"])
            check(all(e["pid"] == task["pid"] for e in mine), "pid of %s" % task["comm"])
            # Its name from its last rename on; the root's after its exec.
            named = [e["time_ns"] for e in ev if e["event"] == "rename" and e["tid"] == task["tid"]]
            after = [e for e in mine if not named or e["time_ns"] > named[-1]]
            check(after and all(e["comm"] == task["comm"] for e in after),
                  "names of %s: %s" % (task["comm"], {e["comm"] for e in after}))
            # Run times: a slice whose switch-in had no event (in_unseen) has none.  The rest
            # add up to the on-CPU time within 3% and 0.2 ms: the timeline's times are
            # bpf_ktime_get_ns() read at the end of each program, the report's on-CPU time is
            # on the scheduler's rq->clock_task at its own points (see docs/METRICS.md).
            runs = [e["run_ns"] for e in mine if e["run_ns"] is not None]
            check(len(mine) - len(runs) <= k["in_unseen"] + (1 if task["root"] else 0),
                  "%s: %d slices without a run time" % (task["comm"], len(mine) - len(runs)))
            if len(runs) == len(mine):
                check(abs(sum(runs) - task["oncpu_ns"]) <= 0.03 * task["oncpu_ns"] + 200000,
                      "%s: runs add up to %d ns, on CPU %d ns" % (task["comm"], sum(runs),
                                                                   task["oncpu_ns"]))
        # The pinned pair: what ran before each of them was, nearly always, the other.
        pair = {t["comm"]: t["tid"] for t in r["tasks"] if t["comm"] in ("ping-t0", "pong-t0")}
        check(len(pair) == 2, "the pair: %s" % [t["comm"] for t in r["tasks"]])
        for a, b in (("ping-t0", "pong-t0"), ("pong-t0", "ping-t0")):
            prev = [e["prev"] for e in switches(ev, pair[a]) if e["prev"]]
            other = sum(p["tid"] == pair[b] and p["comm"] == b for p in prev)
            check(other >= 0.9 * len(prev), "%s after %s: %d of %d" % (a, b, other, len(prev)))
            # Every wakeup is a line, those of a task still on its CPU too (the report
            # counts only those that end a sleep); ping-t0's waker is pong-t0.
            wakes = [e for e in ev if e["event"] == "wakeup" and e["tid"] == pair[a]]
            by_b = sum(w["waker"]["tid"] == pair[b] and w["waker"]["comm"] == b for w in wakes)
            tk = [t for t in r["tasks"] if t["tid"] == pair[a]][0]
            check(len(wakes) >= tk["wakeups"] and by_b >= 0.9 * len(wakes),
                  "%s: %d wakeups (report %d), %d by %s" % (a, len(wakes), tk["wakeups"], by_b, b))
        # The text: a header, then the same events, one line each; -o FILE the same bytes.
        txt = timeline(data)
        lines = txt.splitlines()
        # after the last event, each "-" or "?" said why (docs/METRICS.md, "Timeline")
        legend = [l for l in lines if LEGEND.match(l)]
        check(lines[len(lines) - len(legend):] == legend, "the legend after the events")
        lines = lines[:len(lines) - len(legend)]
        check(lines[0].split()[:4] == ["TIME(s)", "CPU", "TASK[TID/PID]", "SLEEP(us)"],
              "header %r" % lines[0])
        check(len(lines) == len(ev) + 1, "text %d lines, JSON %d events" % (len(lines), len(ev)))
        # A switch line's SLEEP column is a figure or "-" (an event's line has words there);
        # its PREV column may hold spaces (a task named "tmux: server" ran before, say).
        # By its TID: a switch before its rename shows its earlier name.
        mine = [l for l in lines if re.search(r"\[%d/" % pair["ping-t0"], l.split()[2])]
        sw = [l for l in mine if re.fullmatch(r"-|[0-9]+\.[0-9]+", l.split()[3])]
        check(len(sw) == len(switches(ev, pair["ping-t0"])),
              "ping-t0's switch lines in text: %d, in JSON %d; its other lines: %s"
              % (len(sw), len(switches(ev, pair["ping-t0"])),
                 [l for l in mine if l not in sw][:5]))
        out = tmp(".txt")
        try:
            p = run([PVTRACE, "report", "-i", data, "--timeline", "-o", out])
            check(p.returncode == 0 and open(out).read() == txt, "-o FILE: %s" % p.stderr.decode())
        finally:
            if os.path.exists(out):
                os.unlink(out)
    finally:
        os.unlink(data)


@test
def timeline_of_a_churn_has_its_creations_and_exits():
    _, data, r = record([PVLOAD, "churn", "--threads=20", "--procs=20", "--quiet"])
    try:
        ev = json_lines(timeline(data, "-f", "json"))[1:]
        born = [t for t in r["tasks"] if t["created"] is not None]
        check(len(born) >= 40, "born %d: the 40 tasks of the churn" % len(born))
        creates = {e["tid"]: e for e in ev if e["event"] == "create"}
        exits = {e["tid"]: e for e in ev if e["event"] == "exit"}
        for t in born:
            c = creates.get(t["tid"])
            check(c and c["kind"] == t["kind"] and c["creator"]["tid"] == t["parent_tid"],
                  "creation of %s: %s" % (t["tid"], c))
            x = exits.get(t["tid"])
            check(x and x["comm"] == t["comm"] and x["code"] == 0, "exit of %s: %s" % (t["tid"], x))
            sw = switches(ev, t["tid"])
            check(sw and sw[-1]["state"] == "X" and sw[-1]["time_ns"] >= x["time_ns"] >= c["time_ns"],
                  "%s: its final switch-out after its exit, after its creation" % t["tid"])
            k = t["switches"]
            check(len(sw) == k["voluntary"] + k["involuntary"], "%s: %d lines" % (t["tid"], len(sw)))
            new = [e for e in ev if e["event"] == "wakeup_new" and e["tid"] == t["tid"]]
            check(len(new) == 1 and new[0]["time_ns"] >= c["time_ns"], "wakeup_new of %s" % t["tid"])
        s = r["summary"]
        outs = sum(s[k]["switches"]["voluntary"] + s[k]["switches"]["involuntary"]
                   for k in ("threads", "processes"))
        check(sum(e["event"] == "switch" for e in ev) == outs, "switch lines")
    finally:
        os.unlink(data)


def refused(data, what, prefix=False):
    """report and report --timeline (text, JSON): one line naming @what, exit 1; the
    timeline of a file cut short prints what it holds first (@prefix)."""
    for args in ((), ("-f", "json"), ("--timeline",), ("--timeline", "-f", "json")):
        q = run([PVTRACE, "report", "-i", data, *args])
        err = q.stderr.decode()
        check(q.returncode == 1 and err.count("\n") == 1 and what in err and
              err.startswith("pvtrace: report: %s: " % data), "%s %s: exit %d, %r" %
              (what, args, q.returncode, err))
        if prefix and "--timeline" in args:
            out = q.stdout.decode().splitlines()
            check(len(out) > 10, "%s: what it holds: %d lines" % (args, len(out)))
            if "json" in args:
                json_lines(q.stdout.decode())
                check(json.loads(out[0])["whole"] is False, "not whole")
        else:
            check(not q.stdout, "%s %s: nothing on stdout" % (what, args))


@test
def broken_recordings_one_line_exit_1_report_and_timeline():
    _, data, _ = record([PVLOAD, "pingpong", "--rounds", "20000", "--quiet"])
    bad, out = tmp(".data"), tmp(".txt")
    try:
        with open(data, "rb") as f:
            whole = f.read()
        with open(bad, "wb") as f:
            f.write(whole[:len(whole) * 2 // 3])
        refused(bad, "truncated recording", prefix=True)
        # -o FILE: the timeline it holds is written there all the same
        q = run([PVTRACE, "report", "-i", bad, "--timeline", "-o", out])
        check(q.returncode == 1 and os.path.getsize(out) > 0, "truncated, -o: %d" % q.returncode)
        os.unlink(out)
        mid = len(whole) // 2  # a flipped byte in a chunk: its checksum
        with open(bad, "wb") as f:
            f.write(whole[:mid] + bytes([whole[mid] ^ 0x01]) + whole[mid + 1:])
        refused(bad, "corrupt recording")
        q = run([PVTRACE, "report", "-i", bad, "--timeline", "-o", out])
        check(q.returncode == 1 and not os.path.exists(out), "corrupt, -o: FILE not made")
        with open(bad, "wb") as f:
            f.write(whole[:8] + (99).to_bytes(4, "little") + whole[12:])
        refused(bad, "format version 99; this pvtrace reads version 1")
        refused("/etc/passwd", "not a pvtrace recording")
        with open(bad, "wb"):
            pass
        refused(bad, "not a pvtrace recording")
        refused("/nonexistent/x.data", "No such file")
    finally:
        for f in (data, bad, out):
            if os.path.exists(f):
                os.unlink(f)


if __name__ == "__main__":
    import sys
    from helpers import precondition
    from testlib import main
    sys.exit(main("kernel", precondition))
