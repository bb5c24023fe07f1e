"""pvtrace attach: running processes and cgroups.  The switch deltas of an attached
ping-pong against the kernel's own counters read by the test from /proc just before the
attach and at the end (the workload stopped with SIGSTOP at both reads, so that the two
reads and pvtrace's baseline and final read see the same counters); tasks a target
creates after the attach are followed; --cgroup on a cgroup the test makes reports only
the tasks in it (and one moved in during the trace); bad targets get one line and exit 1.
"""
import json
import os
import signal
import subprocess
import tempfile
import time

from helpers import PVLOAD, PVTRACE, assert_consistent, by_tid
from testlib import Skip, check, run, test


def kcounters(pid):
    """{tid: (voluntary, involuntary)} of every thread of @pid, from /proc."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        v = i = None
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            for line in f:
                if line.startswith("voluntary_ctxt_switches:"):
                    v = int(line.split()[1])
                elif line.startswith("nonvoluntary_ctxt_switches:"):
                    i = int(line.split()[1])
        out[int(tid)] = (v, i)
    return out


def wait_stopped(pid, timeout=10):
    """Wait until every thread of @pid is stopped (state T)."""
    end = time.time() + timeout
    while time.time() < end:
        states = []
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                states.append(f.read().rsplit(")", 1)[1].split()[0])
        if states and all(s == "T" for s in states):
            return
        time.sleep(0.01)
    raise AssertionError("pid %d did not stop" % pid)


class Attach:
    """pvtrace attach in the background, with a JSON report; stop() ends it with SIGINT."""

    def __init__(self, args):
        fd, self.path = tempfile.mkstemp(suffix=".json")
        os.close(fd)
        self.p = subprocess.Popen([PVTRACE, "attach", "--no-status", "-f", "json", "-o",
                                   self.path, *args], stderr=subprocess.PIPE)
        line = self.p.stderr.readline().decode()
        check("attached to" in line, "attach said: %r" % line)

    def stop(self, sig=signal.SIGINT):
        if sig:
            self.p.send_signal(sig)
        err = self.p.communicate(timeout=60)[1].decode()
        check(self.p.returncode == 0, "attach exit %d: %s" % (self.p.returncode, err[-2000:]))
        with open(self.path) as f:
            r = json.load(f)
        os.unlink(self.path)
        return r


def pingpong_process(*args):
    """A pvload ping-pong (threads unless @args say otherwise) that runs until killed."""
    p = subprocess.Popen([PVLOAD, "pingpong", *(args or ("--threads",)), "--rounds", "100000000",
                          "--quiet"])
    # until both partners run
    end = time.time() + 10
    while time.time() < end and len(os.listdir("/proc/%d/task" % p.pid)) < 3:
        time.sleep(0.01)
    time.sleep(0.1)
    return p


@test
def attach_pingpong_deltas_equal_the_kernels_counters():
    w = pingpong_process()
    try:
        os.kill(w.pid, signal.SIGSTOP)
        wait_stopped(w.pid)
        before = kcounters(w.pid)
        a = Attach(["-p", str(w.pid)])
        os.kill(w.pid, signal.SIGCONT)
        time.sleep(1.0)
        os.kill(w.pid, signal.SIGSTOP)
        wait_stopped(w.pid)
        after = kcounters(w.pid)
        r = a.stop()
    finally:
        w.kill()
        w.wait()
    check(r["mode"] == "attach" and r["attach"]["pids"] == [w.pid], "attach %s" % r["attach"])
    check(r["attach"]["ended_by"] == "interrupted", "ended by %s" % r["attach"]["ended_by"])
    check(r["command"] is None and r["root_pid"] is None and r["exit"] is None, "no command")
    check(r["attach"]["attached_at_ns"] > 1.6e18, "attached_at_ns %s" % r["attach"])
    assert_consistent(r)
    tasks = by_tid(r)
    check(set(tasks) == set(before), "the threads: %s vs %s" % (sorted(tasks), sorted(before)))
    check(r["verified"]["tasks"] == r["verified"]["exact"] == r["verified"]["alive_verified"] == 3,
          "verified %s" % r["verified"])
    moved = 0
    for tid, (v0, i0) in before.items():
        t = tasks[tid]
        v1, i1 = after[tid]
        check(t["preexisting"] and t["created"] is None and t["alive"], "preexisting %s" % t)
        check(t["switches"]["voluntary"] == v1 - v0 and t["switches"]["involuntary"] == i1 - i0,
              "tid %d: pvtrace %d/%d, /proc delta %d/%d" % (
                  tid, t["switches"]["voluntary"], t["switches"]["involuntary"], v1 - v0, i1 - i0))
        check(t["kernel"]["voluntary"] == v1 - v0, "kernel block %s" % t["kernel"])
        moved += v1 - v0
    check(moved > 1000, "the ping-pong ran while attached: %d switches" % moved)


@test
def attach_follows_the_tasks_a_target_creates():
    fifo = tempfile.mktemp()
    os.mkfifo(fifo)
    script = ('read x < %s; %s pingpong --procs --rounds 2000 --quiet; '
              '%s pingpong --threads --rounds 2000 --quiet' % (fifo, PVLOAD, PVLOAD))
    sh = subprocess.Popen(["sh", "-c", script])
    try:
        time.sleep(0.2)
        a = Attach(["-p", str(sh.pid)])
        with open(fifo, "w") as f:
            f.write("go\n")
        check(sh.wait(timeout=60) == 0, "the script failed")
        r = a.stop(sig=None)  # ends by itself: the target exited
    finally:
        if sh.poll() is None:
            sh.kill()
        os.unlink(fifo)
    check(r["attach"]["ended_by"] == "targets exited", "ended by %s" % r["attach"]["ended_by"])
    assert_consistent(r)
    names = {}
    for t in r["tasks"]:
        names.setdefault(t["comm"], []).append(t)
    for n in ("ping-p0", "pong-p0", "ping-t0", "pong-t0"):
        check(len(names.get(n, [])) == 1, "%s followed: %s" % (n, sorted(names)))
        t = names[n][0]
        check(not t["preexisting"] and t["created"] is not None, "born under tracing: %s" % t)
        check(t["kernel"] is not None and t["kernel"]["exact"], "exact: %s" % t["kernel"])
        # 2000 round trips: a sleep each, but for a token already there (no switch)
        check(t["switches"]["voluntary"] + t["switches"]["involuntary"] >= 1000,
              "the rounds: %s" % t["switches"])
    root = by_tid(r)[sh.pid]
    check(root["preexisting"] and root["created"] is None, "the target %s" % root)
    check(r["verified"]["exact"] == r["verified"]["tasks"], "verified %s" % r["verified"])


def cgroup2_mount():
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            if right.startswith("cgroup2 "):
                return left.split()[4]
    raise Skip("no cgroup2 file system mounted")


def sleeper():
    # wakes every 20 ms: switches to count
    return subprocess.Popen(["sh", "-c", "while :; do sleep 0.02; done"])


@test
def attach_cgroup_reports_only_its_tasks():
    mnt = cgroup2_mount()
    cg = os.path.join(mnt, "pvtrace-test-%d" % os.getpid())
    os.mkdir(cg)
    procs = []
    try:
        inside = [sleeper(), sleeper()]
        outside = sleeper()
        later = sleeper()
        procs = inside + [outside, later]
        for p in inside:
            with open(os.path.join(cg, "cgroup.procs"), "w") as f:
                f.write(str(p.pid))
        cgid = os.stat(cg).st_ino
        a = Attach(["--cgroup", cg, "-d", "1.5"])
        time.sleep(0.3)
        with open(os.path.join(cg, "cgroup.procs"), "w") as f:
            f.write(str(later.pid))
        r = a.stop(sig=None)  # --duration
    finally:
        for p in procs:
            p.kill()
            p.wait()
        for _ in range(100):
            try:
                os.rmdir(cg)
                break
            except OSError:
                time.sleep(0.05)
    check(r["attach"]["ended_by"] == "duration", "ended by %s" % r["attach"]["ended_by"])
    check(r["attach"]["cgroup"] == "/" + os.path.basename(cg), "cgroup %s" % r["attach"])
    # the two shells and the sleep each was running; the shell moved in later
    check(r["attach"]["tasks_found"] in (2, 3, 4) and r["attach"]["tasks_joined"] == 1,
          "found and joined: %s" % r["attach"])
    assert_consistent(r)
    pids = {t["pid"] for t in r["tasks"]}
    wanted = {p.pid for p in inside} | {later.pid}
    # the shells, and the sleeps they started inside the cgroup
    check(wanted <= pids, "the cgroup's shells: %s in %s" % (wanted, pids))
    check(outside.pid not in pids, "a process outside the cgroup is not reported")
    for t in r["tasks"]:
        check(t["cgroup_id"] == cgid, "task %d in cgroup %s, not %d" % (t["tid"], t["cgroup_id"], cgid))
        check(t["cgroup"] == "/" + os.path.basename(cg), "path %s" % t["cgroup"])
        if t["pid"] in wanted:
            check(t["preexisting"], "the shells were there before: %s" % t)
    born = [t for t in r["tasks"] if t["created"] is not None]
    check(len(born) >= 20, "the sleeps the shells started: %d" % len(born))
    check(r["verified"]["exact"] == r["verified"]["tasks"] > 0, "verified %s" % r["verified"])
    g = [x for x in r["cgroups"] if x["id"] == cgid]
    check(len(r["cgroups"]) == 1 and len(g) == 1, "one cgroup: %s" % r["cgroups"])
    check(g[0]["processes"] == len({(t["pid"]) for t in r["tasks"]}), "cgroup %s" % g[0])
    check(g[0]["process_tasks"]["voluntary"] + g[0]["threads"]["voluntary"] ==
          sum(t["switches"]["voluntary"] for t in r["tasks"]), "cgroup sums %s" % g[0])


@test
def attach_refuses_bad_targets_with_one_line():
    p = run([PVTRACE, "attach", "-p", "4194303"])
    err = p.stderr.decode()
    check(p.returncode == 1 and err.count("\n") == 1 and "no process with pid 4194303" in err,
          "missing pid: %d %r" % (p.returncode, err))
    p = run([PVTRACE, "attach", "--cgroup", "/tmp"])
    err = p.stderr.decode()
    check(p.returncode == 1 and err.count("\n") == 1 and "not a cgroup" in err,
          "not a cgroup: %d %r" % (p.returncode, err))
    # A zombie: its pid exists, its only task has exited: nothing to attach to.
    z = subprocess.Popen(["sh", "-c", "exit 0"])
    time.sleep(0.3)
    try:
        p = run([PVTRACE, "attach", "-p", str(z.pid)])
        err = p.stderr.decode()
        check(p.returncode == 1 and err.count("\n") == 1 and ("exited" in err or "no task" in err),
              "zombie: %d %r" % (p.returncode, err))
    finally:
        z.wait()
    for args, what in ((["-p", "1,,2"], "empty item"), (["-p", "x"], "process ids"),
                       (["-p", "1", "--cgroup", "/"], "cannot be combined"), ([], "nothing to attach"),
                       (["-p", "1", "-d", "0"], "--duration"), (["-p", "1", "ls"], "unexpected")):
        p = run([PVTRACE, "attach", *args])
        err = p.stderr.decode()
        check(p.returncode == 2 and what in err, "%s: %d %r" % (args, p.returncode, err))


@test
def a_task_in_a_pid_namespace_has_its_ids_there():
    from helpers import trace
    p, r = trace(["unshare", "--pid", "--fork", "sh", "-c", "sleep 0.1; echo $$"])
    check(p.returncode == 0, "unshare: %s" % p.stderr.decode())
    inner = [t for t in r["tasks"] if t["namespace"] is not None]
    check(inner, "tasks in the new namespace: %s" % [(t["comm"], t["namespace"]) for t in r["tasks"]])
    sh = [t for t in inner if t["namespace"]["tid"] == 1]
    check(len(sh) == 1 and sh[0]["namespace"] == {"level": 1, "tid": 1, "pid": 1},
          "the namespace's init: %s" % [t["namespace"] for t in inner])
    check(p.stdout.decode().split() == ["1"], "it says it is pid 1: %r" % p.stdout.decode())
    outer = [t for t in r["tasks"] if t["namespace"] is None]
    check(outer and all(t["comm"] == "unshare" for t in outer), "unshare itself in the initial one")
    check(all(t["namespace"]["tid"] != t["tid"] and t["namespace"]["level"] == 1 for t in inner),
          "ids as seen inside differ from the initial namespace's: %s" %
          [(t["tid"], t["namespace"]) for t in inner])
