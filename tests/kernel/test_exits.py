"""How tasks end: the command's exit status and signals (pvtrace exits with them and
forwards SIGTERM and SIGINT), and the blast radius of a fault, a kill and an exit_group
from a thread (crash): who began it, who was taken down, who was untouched.
"""
import json
import os
import signal
import subprocess
import tempfile
import time

from helpers import (CRASH, PVTRACE, assert_consistent, assert_exact, by_tid, json_lines,
                     trace)
from testlib import check, run, test


@test
def exit_status_is_the_commands():
    p, r = trace(["sh", "-c", "exit 7"])
    check(p.returncode == 7, "exit %d" % p.returncode)
    check(r["exit"] == {"code": 7, "signal": None}, "report exit %s" % r["exit"])
    p, r = trace(["sh", "-c", "kill -SEGV $$"])
    check(p.returncode == 128 + 11, "exit %d" % p.returncode)
    check(r["exit"]["signal"] == 11 and r["exit"]["code"] is None, "report exit %s" % r["exit"])
    root = by_tid(r)[r["root_pid"]]
    check(root["exit"]["signal"] == 11, "root task's exit %s" % root["exit"])


def signal_test(sig, expect):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    try:
        p = subprocess.Popen([PVTRACE, "run", "--no-status", "-f", "json", "-o", path, "--",
                              "sleep", "30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
        # Wait until the command runs (its report line would be missing otherwise).
        deadline = time.time() + 10
        started = False
        while not started and time.time() < deadline:
            kids = run(["pgrep", "-P", str(p.pid)]).stdout.split()
            started = bool(kids) and open("/proc/%s/comm" % kids[0].decode()).read().strip() == "sleep"
            if not started:
                time.sleep(0.05)
        if not started:
            p.kill()
            p.communicate()
        check(started, "the command did not start within 10 s")
        p.send_signal(sig)
        out, err = p.communicate(timeout=20)
        check(p.returncode == expect, "exit %d, want %d: %s" % (p.returncode, expect, err))
        r = json.load(open(path))
        check(r["exit"]["signal"] == expect - 128, "report exit %s" % r["exit"])
    finally:
        os.unlink(path)


@test
def sigterm_is_forwarded_and_the_report_written():
    signal_test(signal.SIGTERM, 128 + signal.SIGTERM)


@test
def sigint_is_forwarded_and_the_report_written():
    signal_test(signal.SIGINT, 128 + signal.SIGINT)


# What crash's main process got from waitpid() for its victim (tests/progs/crash.c).
VICTIM_STATUS = {"segv": 11, "kill": 15, "exitgroup": 3 << 8}


def crash_run(mode):
    p, r = trace([CRASH, mode])
    check(p.returncode == 0, "crash %s: %d %s" % (mode, p.returncode, p.stderr.decode()))
    assert_exact(r)
    assert_consistent(r)
    roles = json_lines(p.stdout.decode())
    main = [x for x in roles if x["role"] == "main"][0]
    check(main["victim_status"] == VICTIM_STATUS[mode], "the victim's wait status: %s" % main)
    victim = main["victim_pid"]
    procs = {x["pid"]: x for x in r["processes"]}
    tasks = by_tid(r)
    return r, roles, procs[victim], tasks, victim


def assert_others_untouched(r, victim, others):
    """The victim's is the only process hurt: the others (main, and segv's 2 clean ones)."""
    rest = [q for q in r["processes"] if q["pid"] != victim]
    check(len(rest) == others, "%d other processes: %s" % (others, [q["pid"] for q in rest]))
    for q in rest:
        check(q["exit"] == dict(q["exit"], code=0, signal=None, collateral_threads=0,
                                origin_tid=None), "process %d untouched: %s" % (q["pid"], q["exit"]))
    x = r["summary"]["exits"]
    check(x["processes"] == len(r["processes"]) and x["clean"] == len(r["processes"]) - 1,
          "summary %s" % x)


@test
def a_faulting_thread_takes_down_only_its_process():
    r, roles, vp, tasks, victim = crash_run("segv")
    faulter = [x["tid"] for x in roles if x["role"] == "faulter"][0]
    check(vp["exit"]["signal"] == 11 and vp["exit"]["code"] is None, "SIGSEGV: %s" % vp["exit"])
    check(vp["exit"]["origin_tid"] == faulter, "origin %s, faulter %d" % (vp["exit"], faulter))
    check(vp["exit"]["collateral_threads"] == 3, "3 siblings taken down: %s" % vp["exit"])
    check(tasks[faulter]["exit"]["how"] == "signal" and tasks[faulter]["exit"]["sender_tid"] == faulter,
          "the fault is the faulter's own: %s" % tasks[faulter]["exit"])
    check(sorted(x["role"] for x in roles) ==
          ["clean", "clean", "faulter", "main", "sib", "sib", "victim_main"], "roles %s" % roles)
    for x in roles:
        if x["role"] in ("sib", "victim_main"):
            e = tasks[x["tid"]]["exit"]
            check(e["how"] == "collateral" and e["signal"] == 11, "%s: %s" % (x, e))
        if x["role"] == "clean":
            e = tasks[x["tid"]]["exit"]
            check(e["how"] == "exit" and e["code"] == 0, "clean %s" % e)
            # it slept 200 ms before exiting
            check(tasks[x["tid"]]["lifetime_ns"] >= 200e6, "lifetime %s" % tasks[x["tid"]])
    check(r["summary"]["exits"]["signaled"] == 1, "one process signaled")
    assert_others_untouched(r, victim, 3)


@test
def a_kill_names_its_target_as_the_origin():
    r, roles, vp, tasks, victim = crash_run("kill")
    main = [x for x in roles if x["role"] == "main"][0]
    check(vp["exit"]["signal"] == 15 and vp["exit"]["origin_tid"] == victim,
          "SIGTERM aimed at the victim's pid: %s" % vp["exit"])
    check(vp["exit"]["collateral_threads"] == 2, "2 threads collateral: %s" % vp["exit"])
    e = tasks[victim]["exit"]
    check(e["how"] == "signal" and e["sender_pid"] == main["pid"], "sent by main: %s" % e)
    assert_others_untouched(r, victim, 1)


@test
def exit_group_from_a_thread_ends_its_siblings():
    r, roles, vp, tasks, victim = crash_run("exitgroup")
    quitter = [x["tid"] for x in roles if x["role"] == "quitter"][0]
    check(vp["exit"]["code"] == 3 and vp["exit"]["signal"] is None, "code 3: %s" % vp["exit"])
    check(vp["exit"]["origin_tid"] == quitter and vp["exit"]["collateral_threads"] == 3,
          "quitter began it, 3 collateral: %s" % vp["exit"])
    check(tasks[quitter]["exit"]["how"] == "exit", "quitter's own exit")
    assert_others_untouched(r, victim, 1)


@test
def text_report_tells_the_blast_radius():
    p = run([PVTRACE, "run", "--no-status", "--", CRASH, "segv"])
    check(p.returncode == 0, p.stderr.decode())
    err = p.stderr.decode()
    faulter = [x["tid"] for x in json_lines(p.stdout.decode()) if x["role"] == "faulter"][0]
    check("CREATION" in err and "EXITS" in err, "sections present")
    check("SIGSEGV (11) in tid %d (faulter); 3 other thread(s) taken down" % faulter in err,
          "blast radius line:\n%s" % err)
    check("Blast radius: the 3 other process(es) ended on their own terms (3 with code 0)" in err,
          "untouched line:\n%s" % err)
    rows = [l.split() for l in err.splitlines() if l.split()[:1] and l.split()[0].isdigit()]
    frow = [x for x in rows if x[0] == str(faulter) and "clone3" in x]
    check(frow and frow[0][-2:] == ["sig11", "aimed"], "faulter's created row: %s" % frow)
    check(sum(x[-2:] == ["sig11", "collateral"] for x in rows if "clone3" in x or "clone" in x)
          == 3, "3 collateral rows:\n%s" % err)


if __name__ == "__main__":
    import sys
    from helpers import precondition
    from testlib import main
    sys.exit(main("kernel", precondition))
