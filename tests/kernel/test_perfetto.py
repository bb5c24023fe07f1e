"""pvtrace perfetto: a recording as a Perfetto trace, decoded by protoc against the project's
own trimmed schema (docs/perfetto/pvtrace_perfetto.proto) and, where Perfetto's full schema
is at hand (shared/perfetto/perfetto_trace.proto, or $PVT_PERFETTO_PROTO), against that one
too: an independent oracle for the field numbers, which must decode to the very same text.

Checked against run's JSON report of the same recording (record --report): every traced
task is a thread with its report name and process; the sched_switch events whose previous
task is traced are the report's switch-outs, the preempted and runnable ones its
involuntary switch-outs; each CPU's switches chain (each prev is the last next); times never
go back on a CPU; the clocks are declared; each thread's run-queue wait track has a value per
switch-in that followed a wait, each the time since its waking or runnable switch-out in the
trace's own events; each process has an RSS track; and broken recordings get one line and
exit 1 (a truncated one still written).
"""
import json
import os
import re
import shutil
import subprocess

from helpers import PVLOAD, PVTRACE, ROOT, tmp
from testlib import check, run, test

SCHEMA_DIR = os.path.join(ROOT, "docs", "perfetto")
SCHEMA = "pvtrace_perfetto.proto"
CLONE_THREAD = 0x10000
PREV_STATES = {0, 1, 2, 4, 8, 0x10, 0x20, 0x40, 0x80, 0x100}  # the kernel's sched_switch format


def perfettos_schema():
    """Perfetto's own full schema, if this machine has it (else None: that oracle skipped)."""
    for p in (os.environ.get("PVT_PERFETTO_PROTO"),
              os.path.join(ROOT, "..", "shared", "perfetto", "perfetto_trace.proto"),
              "/work/shared/perfetto/perfetto_trace.proto"):
        if p and os.path.isfile(p):
            return p
    return None


def decode(trace, proto_dir, proto):
    check(shutil.which("protoc"), "protoc is missing (scripts/deps.sh installs protobuf-compiler)")
    with open(trace, "rb") as f:
        p = subprocess.run(["protoc", "--decode=perfetto.protos.Trace", "-I" + proto_dir, proto],
                           stdin=f, capture_output=True, timeout=300)
    check(p.returncode == 0, "protoc --decode against %s: %s" % (proto, p.stderr.decode()[-1000:]))
    return p.stdout.decode()


TOKEN = re.compile(r'\s*(?:(\w+) \{|(\w+): (.*)|\})$')


def parse(text):
    """protoc's text format as nested lists of (name, value); a message's value is its list."""
    stack = [[]]
    for line in text.splitlines():
        m = TOKEN.match(line)
        check(m, "protoc output: %r" % line)
        if m.group(1):
            msg = []
            stack[-1].append((m.group(1), msg))
            stack.append(msg)
        elif m.group(2):
            v = m.group(3)
            if v.startswith('"'):
                v = v[1:-1].encode().decode("unicode_escape")
            elif re.fullmatch(r"-?\d+", v):
                v = int(v)
            stack[-1].append((m.group(2), v))
        else:
            stack.pop()
    check(len(stack) == 1, "protoc output: unbalanced")
    return stack[0]


def get(msg, name, default=None):
    return next((v for k, v in msg if k == name), default)


def every(msg, name):
    return [v for k, v in msg if k == name]


def ftrace_events(packets):
    """(cpu, timestamp, common pid, event name, fields) of every event, in file order."""
    out = []
    for p in packets:
        b = get(p, "ftrace_events")
        if b is None:
            continue
        cpu = get(b, "cpu")
        for e in every(b, "event"):
            name, fields = [(k, v) for k, v in e if k not in ("timestamp", "pid")][0]
            out.append((cpu, get(e, "timestamp"), get(e, "pid"), name, dict(fields)))
    return out


def convert(data, out, *extra):
    return run([PVTRACE, "perfetto", "-i", data, "-o", out, *extra], timeout=300)


def record_and_convert(cmd):
    """record (CMD, or -p PID ...) with run's JSON report, then perfetto: (report, packets,
    perfetto's closing line)."""
    data, rep, out = tmp(".data"), tmp(".json"), tmp(".perfetto-trace")
    try:
        if cmd[0] != "-p":
            cmd = ["--", *cmd]
        p = run([PVTRACE, "record", "--no-status", "-o", data, "--report=" + rep, "-f", "json",
                 *cmd], timeout=180)
        check(p.returncode == 0, "record: %s" % p.stderr.decode()[-2000:])
        with open(rep) as f:
            r = json.load(f)
        q = convert(data, out)
        err = q.stderr.decode()
        check(q.returncode == 0 and "wrote" in err, "perfetto exit %d: %s" % (q.returncode, err))
        text = decode(out, SCHEMA_DIR, SCHEMA)
        full = perfettos_schema()
        if full:  # the independent oracle: Perfetto's own field numbers and names
            check(decode(out, os.path.dirname(full), os.path.basename(full)) == text,
                  "the trace decodes differently against Perfetto's own schema")
        else:
            print("    Perfetto's own schema is not on this machine ($PVT_PERFETTO_PROTO, "
                  "shared/perfetto/): decoded against the project's schema alone")
        return r, every(parse(text), "packet"), err
    finally:
        for f in (data, rep, out):
            if os.path.exists(f):
                os.unlink(f)


def check_clocks(packets):
    snap = [get(p, "clock_snapshot") for p in packets if get(p, "clock_snapshot")]
    check(snap, "a clock snapshot")
    clocks = {get(c, "clock_id"): get(c, "timestamp") for c in every(snap[0], "clocks")}
    check(6 in clocks and 3 in clocks and 1 in clocks, "BOOTTIME, MONOTONIC, REALTIME: %s" % clocks)
    check(clocks[6] >= clocks[3], "the boot clock is never behind the monotonic one: %s" % clocks)
    info = [get(p, "system_info") for p in packets if get(p, "system_info")]
    check(info and get(get(info[0], "utsname"), "release") == os.uname().release,
          "the recording kernel's release, for prev_state: %s" % info)


def names_and_processes(packets, events):
    """Each tid's last name (by time) and its process, as the importer would build them."""
    last = {}  # tid -> (ts, name)

    def named(tid, ts, name):
        if name is not None and (tid not in last or ts >= last[tid][0]):
            last[tid] = (ts, name)
    pid_of = {}
    for p in packets:
        for t in every(get(p, "process_tree", []), "threads"):
            pid_of[get(t, "tid")] = get(t, "tgid")
            named(get(t, "tid"), get(p, "timestamp"), get(t, "name"))
    for cpu, ts, cur, name, f in sorted(events, key=lambda e: e[1]):  # as the importer sorts them
        if name == "sched_switch":
            named(f["prev_pid"], ts, f.get("prev_comm"))
            named(f["next_pid"], ts, f.get("next_comm"))
        elif name in ("sched_waking", "sched_wakeup", "sched_wakeup_new", "sched_migrate_task",
                      "sched_process_exit", "sched_process_free"):
            named(f["pid"], ts, f.get("comm"))
        elif name == "task_rename":
            named(f["pid"], ts, f["newcomm"])
        elif name == "task_newtask":
            named(f["pid"], ts, f["comm"])
            pid_of[f["pid"]] = pid_of.get(cur, cur) if f["clone_flags"] & CLONE_THREAD else f["pid"]
    return {tid: n for tid, (ts, n) in last.items()}, pid_of


def check_tasks(r, packets, events):
    names, pid_of = names_and_processes(packets, events)
    for t in r["tasks"]:
        check(names.get(t["tid"]) == t["comm"], "task %d: named %r in the trace, %r in the report" %
              (t["tid"], names.get(t["tid"]), t["comm"]))
        check(pid_of.get(t["tid"]) == t["pid"], "task %d: of process %s in the trace, %d in the "
              "report" % (t["tid"], pid_of.get(t["tid"]), t["pid"]))
    ended = sum(1 for t in r["tasks"] if not t["alive"])
    check(sum(1 for e in events if e[3] == "sched_process_exit") == ended, "an exit per ended task")


def check_switches(r, events, attach=False):
    traced = {t["tid"] for t in r["tasks"]}
    vol = sum(t["switches"]["voluntary"] for t in r["tasks"])
    invol = sum(t["switches"]["involuntary"] for t in r["tasks"])
    sw = [e for e in events if e[3] == "sched_switch"]
    out = [e for e in sw if e[4]["prev_pid"] in traced]
    # The recording holds the switches where prev or next is traced: those with a traced prev
    # are the traced tasks' switch-outs, which the report counts (voluntary + involuntary).
    # attach: the final read freezes the tasks still alive (for a millisecond or more, again
    # while they do not settle): their switches from then on are recorded, not counted.
    slack = 10 ** 9 if attach else 0
    check(vol + invol <= len(out) <= vol + invol + slack,
          "%d switches from traced tasks, the report's switch-outs %d + %d" % (len(out), vol, invol))
    # involuntary: preempted (R+) or switched out still runnable (R), as the report says
    runnable = sum(1 for e in out if e[4]["prev_state"] in (0, 0x100))
    check(invol <= runnable <= invol + slack, "%d switched out runnable, %d involuntary" %
          (runnable, invol))
    check(all(e[4]["prev_state"] in PREV_STATES for e in sw), "prev_state in the kernel's format")
    check(all(e[2] == e[4]["prev_pid"] for e in sw), "a switch's current task is its prev")
    last, lastnext = {}, {}
    for cpu, ts, cur, name, f in events:
        check(ts >= last.get(cpu, 0), "CPU %d: time goes back at %d" % (cpu, ts))
        last[cpu] = ts
        if name == "sched_switch":
            check(cpu not in lastnext or lastnext[cpu] == f["prev_pid"],
                  "CPU %d at %d: prev %d, the last switch's next %d" %
                  (cpu, ts, f["prev_pid"], lastnext.get(cpu, -1)))
            lastnext[cpu] = f["next_pid"]


def tracks(packets):
    """{uuid: descriptor} and {uuid: [(ts, value)]}."""
    desc, values = {}, {}
    for p in packets:
        d = get(p, "track_descriptor")
        if d is not None:
            desc[get(d, "uuid")] = d
        e = get(p, "track_event")
        if e is not None:
            check(get(e, "type") == "TYPE_COUNTER", "counter events only")
            values.setdefault(get(e, "track_uuid"), []).append((get(p, "timestamp"),
                                                                get(e, "counter_value")))
    return desc, values


def expected_waits(r, events):
    """Each traced thread's run-queue waits, from the trace's own events: from its waking, or
    the switch-out that left it runnable (R, R+), to its next switch-in."""
    traced = {t["tid"] for t in r["tasks"]}
    since, on_cpu, waits = {}, set(), {}
    for cpu, ts, cur, name, f in sorted(events, key=lambda e: e[1]):
        if name == "sched_waking" and f["pid"] in traced and f["pid"] not in on_cpu:
            since.setdefault(f["pid"], ts)
        elif name == "sched_switch":
            prev, nxt = f["prev_pid"], f["next_pid"]
            if prev in traced:
                on_cpu.discard(prev)
                since.pop(prev, None)
                if f["prev_state"] in (0, 0x100):
                    since[prev] = ts
            if nxt in traced:
                if nxt in since:
                    waits.setdefault(nxt, []).append((ts, ts - since.pop(nxt)))
                on_cpu.add(nxt)
    return waits


def check_counters(r, packets, events, attach=False):
    desc, values = tracks(packets)
    runq, rss = {}, {}
    for uuid, d in desc.items():
        parent = desc.get(get(d, "parent_uuid"))
        if get(d, "name") == "run-queue wait":
            runq[get(get(parent, "thread"), "tid")] = values.get(uuid, [])
        elif get(d, "name") == "RSS":
            rss[get(get(parent, "process"), "pid")] = values.get(uuid, [])
    n = sum(len(v) for v in runq.values())
    # switch-ins: with a sched_switch event, and without (in_unseen: the trace adds a switch
    # there, see bridge() in user/perfetto.c); attach: more, recorded after the final read
    ins = sum(t["switches"]["in"] + t["switches"]["in_unseen"] for t in r["tasks"])
    slack = 10 ** 9 if attach else 0
    # a value at each switch-in that ended a wait (not a task's first, seen without one)
    check(ins - len(r["tasks"]) <= n <= ins + slack, "%d run-queue waits, %d switch-ins" % (n, ins))
    # The values are CLOCK_MONOTONIC from tracepoint to tracepoint, not the report's RUNQ: that
    # one reads the run queue's clock, whose update the scheduler skips at the switch that
    # follows a wakeup preemption, so the report's waits can be shorter (by the time the
    # waker ran on).  They are checked against the trace's own wakeups and switches.
    want = expected_waits(r, events)
    for tid in set(runq) | set(want):
        a, b = runq.get(tid, []), want.get(tid, [])
        if attach and a and len(b) >= len(a) and a[-1] != b[len(a) - 1]:
            # attach: a switch-in while the task was frozen for its final read is not the
            # task's in the recording (its programs ignore it): its last wait, begun at the
            # same moment, ends at its next switch-in, after a retry of the read (1 ms apart).
            # Seen once: the trace's (ts 1.1 ms later, 1115439 ns) for the events' (2625 ns).
            (ta, wa), (tb, wb) = a[-1], b[len(a) - 1]
            check(ta - wa == tb - wb and ta > tb, "thread %d: its last wait %s, from its events "
                  "%s: not the same wait ended later" % (tid, a[-1], b[len(a) - 1]))
            a = a[:-1] + [b[len(a) - 1]]
        if attach and len(b) > len(a):
            # attach: a task's trace ends at its final read (frozen, up to 50 passes 1 ms apart
            # while its partner is not yet); switch-ins recorded after it, by the partner's
            # events, have no wait of the task's own: only at the end, after every counted one
            check(not a or all(ts > a[-1][0] for ts, _ in b[len(a):]),
                  "thread %d: waits missing before the end" % tid)
            b = b[:len(a)]
        i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        check(a == b, "thread %d: %d waits, %d from its events, the first apart: #%d %s %s" %
              (tid, len(a), len(b), i, a[i:i + 2], b[i:i + 2]))
    check(all(x >= 0 for v in runq.values() for _, x in v), "no negative wait")
    for p in r["processes"]:
        v = rss.get(p["pid"], [])
        check(v and all(x > 0 for _, x in v), "process %d: RSS values %s" % (p["pid"], v[:5]))
    for v in list(runq.values()) + list(rss.values()):
        check([ts for ts, _ in v] == sorted(ts for ts, _ in v), "a track's values in time order")


@test
def perfetto_trace_of_a_pingpong_matches_the_report():
    for kind in ("--threads", "--procs"):
        r, packets, err = record_and_convert([PVLOAD, "pingpong", kind, "--rounds", "10000",
                                              "--quiet"])
        events = ftrace_events(packets)
        check_clocks(packets)
        check_tasks(r, packets, events)
        check_switches(r, events)
        check_counters(r, packets, events)
        check(len(r["tasks"]) == 3 and "0 creations" not in err, "%s: %s" % (kind, err))


@test
def perfetto_trace_of_a_churn_names_every_task():
    r, packets, _ = record_and_convert([PVLOAD, "mixed", "--quiet"])
    events = ftrace_events(packets)
    check(len(r["tasks"]) > 50, "the churn's tasks: %d" % len(r["tasks"]))
    check_tasks(r, packets, events)
    check_switches(r, events)
    check_counters(r, packets, events)
    news = [e for e in events if e[3] == "task_newtask"]
    check(len(news) == r["tasks_created"], "a task_newtask per task created: %d, %d" %
          (len(news), r["tasks_created"]))


@test
def perfetto_trace_of_an_attach_recording_names_the_tasks_there_before():
    from test_attach import pingpong_process
    w = pingpong_process()
    try:
        r, packets, _ = record_and_convert(["-p", str(w.pid), "-d", "0.1"])
    finally:
        w.kill()
        w.wait()
    events = ftrace_events(packets)
    trees = [get(p, "process_tree") for p in packets if get(p, "process_tree")]
    check(trees and len(every(trees[0], "threads")) == 3,
          "the three threads there before: %s" % trees)
    check_tasks(r, packets, events)
    check_switches(r, events, attach=True)
    check_counters(r, packets, events, attach=True)


@test
def perfetto_of_broken_recordings_says_so_in_one_line():
    data, out = tmp(".data"), tmp(".perfetto-trace")
    bad = tmp(".data")
    try:
        p = run([PVTRACE, "record", "--no-status", "-o", data, "--", PVLOAD, "pingpong", "--rounds",
                 "20000", "--quiet"], timeout=120)
        check(p.returncode == 0, "record: %s" % p.stderr.decode())
        with open(data, "rb") as f:
            whole = f.read()
        with open(bad, "wb") as f:
            f.write(whole[:len(whole) * 2 // 3])
        q = convert(bad, out)
        err = q.stderr.decode().splitlines()
        check(q.returncode == 1 and "truncated" in err[-1] and os.path.getsize(out) > 0,
              "truncated: exit %d, %s" % (q.returncode, err))
        text = decode(out, SCHEMA_DIR, SCHEMA)  # what came before it, written whole
        check("sched_switch" in text and '"run-queue wait"' in text,
              "the prefix's switches and its traced threads' waits")
        os.unlink(out)
        mid = len(whole) // 2
        with open(bad, "wb") as f:
            f.write(whole[:mid] + bytes([whole[mid] ^ 0x40]) + whole[mid + 1:])
        for path, what in ((bad, "corrupt"), ("/etc/passwd", "not a pvtrace recording"),
                           ("/nonexistent/x.data", "No such file")):
            q = convert(path, out)
            err = q.stderr.decode()
            check(q.returncode == 1 and err.count("\n") == 1 and what in err and
                  not os.path.exists(out), "%s: exit %d, %r" % (what, q.returncode, err))
        with open(bad, "wb") as f:
            f.write(whole[:8] + (99).to_bytes(4, "little") + whole[12:])
        q = convert(bad, out)
        check(q.returncode == 1 and "version 99" in q.stderr.decode(), q.stderr.decode())
        for args, what in (([], "-o OUT"), (["-o", out, "x"], "unexpected"), (["-x"], "unknown")):
            q = run([PVTRACE, "perfetto", "-i", data, *args])
            check(q.returncode == 2 and what in q.stderr.decode(),
                  "%s: %r" % (args, q.stderr.decode()))
    finally:
        for f in (data, out, bad):
            if os.path.exists(f):
                os.unlink(f)


if __name__ == "__main__":
    import sys
    from helpers import precondition
    from testlib import main
    sys.exit(main("kernel", precondition))
