"""--events: the live stream of creations, execs, renames and exits (JSON lines and text),
checked against the report, and a closed event pipe that must not lose the report.
"""
import os
import tempfile

from helpers import (CRASH, CREATOR, PVLOAD, PVTRACE, by_tid, json_lines, trace)
from testlib import check, run, test


@test
def events_stream_every_creation_exec_rename_and_exit():
    with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as f:
        evpath = f.name
    try:
        p, r = trace([CREATOR, "2", "--rename"], extra=["--events=" + evpath])
        check(p.returncode == 0, p.stderr.decode())
        with open(evpath) as f:
            ev = json_lines(f.read())
    finally:
        os.unlink(evpath)
    kinds = {}
    for e in ev:
        kinds.setdefault(e["event"], []).append(e)
    born = {t["tid"] for t in r["tasks"] if t["created"]}
    # creator 2: 2 of each of its 7 ways, and the children exec'd by 3 of them.
    check(len(born) >= 14, "born under tracing: %d" % len(born))
    check({e["tid"] for e in kinds["create"]} == born, "a create line per born task")
    check(len(kinds["exit"]) == len(r["tasks"]), "an exit line per task: %d vs %d"
          % (len(kinds["exit"]), len(r["tasks"])))
    execs = [t for t in r["tasks"] if t["exec"]]
    nexec = sum(t["exec"]["count"] for t in execs)
    check(nexec >= 6 and len([e for e in kinds["exec"] if e["ret"] == 0]) == nexec,
          "an exec line per exec (%d)" % nexec)
    # the 2 threads' stage-1 and stage-2, and each exec's new name
    nren = sum(t["names"]["renames"] for t in r["tasks"])
    check(nren >= 4 + 6 and len(kinds["rename"]) == nren, "a rename line per rename (%d)" % nren)
    times = [e["time_ns"] for e in ev]
    check(times == sorted(times), "in time order")
    for e in kinds["exit"]:
        t = by_tid(r)[e["tid"]]
        check(e["lifetime_ns"] == t["lifetime_ns"] and e["how"] == t["exit"]["how"] and
              e["code"] == t["exit"]["code"], "exit line matches the report %s" % e)
    for e in kinds["create"]:
        t = by_tid(r)[e["tid"]]
        check(e["syscall"] == t["created"]["syscall"] and e["flags"] == t["created"]["flags"] and
              e["copy_ns"] == t["created"]["copy_ns"], "create line matches the report %s" % e)
    # Text: a header and one line per event.
    p = run([PVTRACE, "run", "--no-status", "-o", "/dev/null", "--events", "--", CRASH, "kill"])
    check(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr.decode()))
    lines = p.stderr.decode().splitlines()
    check(lines and lines[0].split()[:3] == ["TIME(s)", "EVENT", "TID"], "header: %s" % lines[:1])
    events = [l.split()[1] for l in lines[1:]]
    check(set(events) <= {"create", "exec", "rename", "exit"}, "event lines only: %s" % lines)
    # crash kill: the victim process and its 2 threads created; they and crash itself exit.
    check(events.count("create") == 3 and events.count("exit") == 4, "3 creations, 4 exits: %s"
          % lines)
    check(any(" exit " in l and "signal 15 (SIGTERM), aimed at it" in l for l in lines),
          "the kill's exit line: %s" % lines)
    check(sum(" collateral" in l for l in lines) == 2, "2 collateral lines: %s" % lines)


@test
def a_closed_event_pipe_does_not_lose_the_report():
    with tempfile.NamedTemporaryFile(suffix=".txt", delete=False) as f:
        path = f.name
    try:
        script = ("%s run --no-status --events -o %s -- %s churn --threads -n 300 --quiet 2>&1 "
                  "| head -n 1 >/dev/null; echo ${PIPESTATUS[0]}" % (PVTRACE, path, PVLOAD))
        p = run(["bash", "-c", script])
        check(p.stdout.decode().strip() == "0", "pvtrace's status: %r" % p.stdout)
        with open(path) as f:
            text = f.read()
        check("verified 301/301 tasks exact" in text, "the report was written:\n%s" % text[:300])
    finally:
        os.unlink(path)


if __name__ == "__main__":
    import sys
    from helpers import precondition
    from testlib import main
    sys.exit(main("kernel", precondition))
