"""The reports themselves: hostile task names escaped (text, --events) and exact (JSON),
the text report within 100 columns, the JSON report's fields, and --bpf-stats (each BPF
program's own cost).
"""
from helpers import (PVLOAD, PVTRACE, SPAWN, assert_consistent, assert_exact, json_lines,
                     trace)
from testlib import check, run, test


@test
def hostile_thread_names_are_escaped():
    name = "\x1b[31mevil\n\x07"
    p, r = trace([SPAWN, "rename", name])
    check(p.returncode == 0, p.stderr.decode())
    comms = [t["comm"] for t in r["tasks"]]
    check(name in comms, "JSON carries the exact name: %r" % comms)
    p = run([PVTRACE, "run", "--no-status", "--", SPAWN, "rename", name])
    check(p.returncode == 0, "text: exit %d: %r" % (p.returncode, p.stderr))
    text = p.stderr
    check(b"verified" in text and b"PROCESSES" in text, "the text report: %r" % text[:300])
    bad = [c for c in text if c < 0x20 and c != 0x0a]
    check(not bad, "control bytes on the terminal: %r" % bytes(bad))
    check(b"\\x1b[31mevil\\x0a\\x07" in text, "escaped name shown")
    # The live event stream too: escaped in text, exact in JSON lines.
    p = run([PVTRACE, "run", "--no-status", "-o", "/dev/null", "--events", "--", SPAWN, "rename", name])
    check(p.returncode == 0, "--events: exit %d: %r" % (p.returncode, p.stderr))
    check(b" rename " in p.stderr, "the rename line: %r" % p.stderr)
    bad = [c for c in p.stderr if c < 0x20 and c != 0x0a]
    check(not bad, "control bytes in --events: %r" % bytes(bad))
    check(b"\\x1b[31mevil\\x0a\\x07" in p.stderr, "escaped name in --events")
    p = run([PVTRACE, "run", "--no-status", "-f", "json", "-o", "/dev/null", "--events", "--",
             SPAWN, "rename", name])
    check(p.returncode == 0, "--events -f json: exit %d: %r" % (p.returncode, p.stderr))
    ev = json_lines(p.stderr.decode())
    check(any(e["event"] == "rename" and e["comm"] == name for e in ev), "JSON event: %s" % ev)


@test
def text_report_fits_100_columns():
    p = run([PVTRACE, "run", "--no-status", "--top", "5", "--", PVLOAD, "mixed", "--rounds",
             "2000", "--quiet"])
    check(p.returncode == 0, p.stderr.decode())
    lines = p.stderr.decode().splitlines()
    long_lines = [l for l in lines if len(l) > 100]
    check(not long_lines, "lines over 100 columns: %s" % long_lines)
    check(any("verified" in l and "exact" in l for l in lines), "verified line")
    check(any(l.startswith("TASKS by switches (5 of") for l in lines), "--top 5")
    check(any(l.startswith("PROCESSES by switches (5 of") for l in lines), "--top 5 processes")
    check(any(l.startswith("THREADS VERSUS PROCESSES") for l in lines), "summary")


@test
def mixed_demo_report_is_complete():
    p, r = trace([PVLOAD, "mixed", "--rounds", "5000", "--quiet"])
    check(p.returncode == 0, p.stderr.decode())
    assert_exact(r)
    assert_consistent(r)
    for key in ("schema", "pvtrace_version", "command", "root_pid", "duration_ns", "exit",
                "lost_events", "verified", "tasks", "processes", "summary"):
        check(key in r, "top-level %s" % key)
    check(r["schema"] == "pvtrace.report/1", "schema")
    t = r["tasks"][0]
    for key in ("tid", "pid", "ppid", "parent_tid", "comm", "kind", "start_ns", "end_ns",
                "oncpu_ns", "switches", "kernel", "created", "exit"):
        check(key in t, "task field %s" % key)
    # The tracer's own count of switch-outs is the sum over the reported tasks.
    outs = sum(t["switches"]["voluntary"] + t["switches"]["involuntary"] for t in r["tasks"])
    check(r["tracer"]["switches_seen"] == outs, "switches_seen %d vs tasks %d"
          % (r["tracer"]["switches_seen"], outs))
    th, pr = r["summary"]["threads"]["switches"], r["summary"]["processes"]["switches"]
    check(pr["address_space_changes"] > th["address_space_changes"],
          "processes change address space more than threads: %s %s" % (pr, th))


@test
def bpf_stats_report_each_programs_own_cost():
    # --bpf-stats: the kernel's own run counts and times of each program (BPF_ENABLE_STATS,
    # held by pvtrace for the trace and released: the sysctl is as it was after).
    with open("/proc/sys/kernel/bpf_stats_enabled") as f:
        before = f.read().strip()
    n = 200
    p, r = trace([PVLOAD, "churn", "--threads", "-n", str(n), "--quiet"], extra=["--bpf-stats"])
    check(p.returncode == 0, p.stderr.decode())
    progs = {x["name"]: x for x in r["tracer"]["bpf_programs"]}
    for name in ("pvt_sched_switch", "pvt_sched_process_fork", "pvt_sched_process_exit",
                 "pvt_sched_wakeup_new", "pvt_task_rename"):
        check(name in progs, "%s listed: %s" % (name, sorted(progs)))
    # Each program runs for every such event on the machine: at least those of the tree.
    seen = r["tracer"]["tasks_seen"]
    check(progs["pvt_sched_process_fork"]["run_count"] >= seen - 1 and
          progs["pvt_sched_process_exit"]["run_count"] >= n and
          progs["pvt_task_rename"]["run_count"] >= n and
          progs["pvt_sched_switch"]["run_count"] >= r["tracer"]["switches_seen"],
          "run counts cover the tree's events: %s" % progs)
    check(all(x["run_time_ns"] > 0 for x in progs.values() if x["run_count"]), "times: %s" % progs)
    with open("/proc/sys/kernel/bpf_stats_enabled") as f:
        check(f.read().strip() == before, "bpf_stats_enabled restored to %s" % before)
    p, r = trace(["true"])
    check(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr.decode()))
    check(r["tracer"]["bpf_programs"] is None, "null without --bpf-stats")
    p, r = trace(["true"], extra=["--no-syscall-costs"])
    check(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr.decode()))
    h = r["tracer"]["syscall_hooks"]
    check(h == {"mode": "never", "windows": 0, "attached_ns": 0}, "never: %s" % h)


if __name__ == "__main__":
    import sys
    from helpers import precondition
    from testlib import main
    sys.exit(main("kernel", precondition))
