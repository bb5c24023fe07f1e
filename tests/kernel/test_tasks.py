"""The task tree: every way of creating a task is followed, an exec from a thread, churns
of threads and processes with nothing lost (up to 10,000 threads and 2,000 processes),
tasks still alive at the end, and the limits (a full task map, a small ring buffer).
"""
import json
import os
import signal
import subprocess
import tempfile

from helpers import (PVLOAD, PVTRACE, SELFCOUNT, SPAWN, TIMEOUT, assert_consistent,
                     assert_exact, by_tid, trace)
from testlib import check, run, test


@test
def every_way_of_creating_a_task_is_followed():
    p, r = trace([SPAWN, "all"])
    check(p.returncode == 0, p.stderr.decode())
    assert_exact(r)
    assert_consistent(r)
    lines = [l.split() for l in p.stdout.decode().splitlines()]
    # spawn prints a line per way, with the child's exit status (the grandparent's is its own).
    check([(how, status) for how, _, status in lines] ==
          [("fork", "11"), ("vfork", "12"), ("posix_spawn", "13"), ("clone", "14"),
           ("grandparent", "16"), ("pthread", "0")], "spawn's lines: %s" % lines)
    tasks = by_tid(r)
    root = r["root_pid"]
    for how, pid, status in lines:
        if how == "pthread":
            continue
        t = tasks.get(int(pid))
        check(t is not None, "%s child %s followed" % (how, pid))
        check(t["exit"]["code"] == int(status), "%s exit %s vs %s" % (how, t["exit"], status))
        check(t["ppid"] == root and t["parent_tid"] == root, "%s parent: %s" % (how, t))
    spawned = [t for t in r["tasks"] if t["ppid"] == root and t["comm"] == "sh"]
    check(spawned and spawned[0]["execed"], "posix_spawn child exec'd sh: %s" % spawned)
    grand = [t for t in r["tasks"] if t["exit"] and t["exit"]["code"] == 15]
    check(len(grand) == 1 and grand[0]["ppid"] != root and grand[0]["ppid"] in tasks,
          "grandchild followed: %s" % grand)
    threads = [t for t in r["tasks"] if t["kind"] == "thread"]
    check(len(threads) == 1 and threads[0]["pid"] == root, "the pthread: %s" % threads)
    check(len(r["tasks"]) == 8, "8 tasks, got %d" % len(r["tasks"]))


@test
def exec_from_a_thread_keeps_both_task_instances():
    p, r = trace([SPAWN, "thread-exec"])
    check(p.returncode == 0, p.stderr.decode())
    assert_exact(r)
    check(len(r["tasks"]) == 2, "old leader and exec'ing thread: %s" % r["tasks"])
    check(all(t["tid"] == r["root_pid"] for t in r["tasks"]), "both end with the leader's tid")
    check([t["comm"] for t in r["tasks"] if t["execed"] and not t["root"]] == ["true"],
          "the thread exec'd true: %s" % r["tasks"])
    check(len(r["processes"]) == 1 and r["processes"][0]["threads"] == 2, "one process")


@test
def churn_of_threads_loses_nothing():
    n = 3000
    p, r = trace([PVLOAD, "churn", "--threads", "-n", str(n), "--quiet"])
    check(p.returncode == 0, p.stderr.decode())
    assert_exact(r)
    assert_consistent(r)
    churn = [t for t in r["tasks"] if t["comm"] == "churn-t"]
    check(len(churn) == n, "%d churn threads, got %d" % (n, len(churn)))
    check(r["lost_events"] == 0, "lost %d" % r["lost_events"])
    check(all(t["created"] is not None and t["exit"]["code"] == 0 and
              t["exit"]["signal"] is None and t["exit"]["how"] == "exit"
              for t in churn), "all born and exited 0")


@test
def churn_of_processes_loses_nothing():
    n = 300
    p, r = trace([PVLOAD, "churn", "--procs", "-n", str(n), "--quiet"])
    check(p.returncode == 0, p.stderr.decode())
    assert_exact(r)
    assert_consistent(r)
    churn = [t for t in r["tasks"] if t["comm"] == "churn-p"]
    check(len(churn) == n, "%d churn processes, got %d" % (n, len(churn)))
    check(len(r["processes"]) == n + 1, "processes listed: %d" % len(r["processes"]))


@test
def descendants_alive_at_the_end_are_reported_alive():
    p, r = trace(["sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!; sleep 0.3"], timeout=25)
    check(p.returncode == 0, p.stderr.decode())
    sleeper = int(p.stdout.decode().split()[0])
    try:
        t = by_tid(r).get(sleeper)
        check(t is not None, "the background sleep is in the report")
        check(t["alive"] and t["end_ns"] is None and t["exit"] is None, "reported alive: %s" % t)
        check(r["verified"]["alive"] >= 1, "alive counted")
        # Alive at the end: verified by the final read of its counters; asleep since, so
        # they equal what the kernel shows now (born under tracing: from zero).
        check(t["kernel"] is not None and t["kernel"]["exact"], "final read: %s" % t["kernel"])
        check(r["verified"]["alive_verified"] >= 1, "alive verified: %s" % r["verified"])
        with open("/proc/%d/status" % sleeper) as f:
            k = {ln.split(":")[0]: int(ln.split()[1]) for ln in f if "ctxt_switches" in ln}
        check(t["switches"]["voluntary"] == k["voluntary_ctxt_switches"] and
              t["switches"]["involuntary"] == k["nonvoluntary_ctxt_switches"],
              "the orphan's switches %s vs /proc %s" % (t["switches"], k))
        assert_exact(r)
        # The last sampling pass read the orphan's mm in BPF, asleep since: it must equal
        # what the kernel says of it now (exact per-CPU sums, not the folded counters).
        m = {x["pid"]: x for x in r["processes"]}[sleeper]["memory"]
        check(m is not None and not m["last"]["at_exit"] and m["pss_bytes"] is not None,
              "orphan's memory from the last pass: %s" % m)
        st = {}
        with open("/proc/%d/status" % sleeper) as f:
            for line in f:
                k, _, v = line.partition(":")
                st[k] = v.split()
        last = m["last"]
        for field, key in (("rss_anon_bytes", "RssAnon"), ("rss_file_bytes", "RssFile"),
                           ("rss_shmem_bytes", "RssShmem"), ("page_table_bytes", "VmPTE"),
                           ("vsize_bytes", "VmSize")):
            check(last[field] == int(st[key][0]) * 1024, "%s %d vs %s %s kB" %
                  (field, last[field], key, st[key][0]))
        check(r["tracer"]["memory_counters_folded_only"] == 0, "per-CPU parts summed")
    finally:
        try:
            os.kill(sleeper, signal.SIGKILL)
        except ProcessLookupError:
            pass


@test
def full_task_map_is_counted_not_fatal():
    # 30 threads alive at once (each sleeps 50 times 50 us) against a map of 8.
    cmd = [SELFCOUNT, "--threads", "30", "--procs", "0", "--switches", "50", "--out", "/dev/null"]
    p, r = trace(cmd, extra=["--max-tasks", "8"])
    check(p.returncode == 0, p.stderr.decode())
    untracked = r["tracer"]["tasks_untracked_map_full"]
    check(untracked > 0, "untracked counted")
    check(len(r["tasks"]) + untracked == 31, "every task reported or counted: %d + %d"
          % (len(r["tasks"]), untracked))
    assert_exact(r)
    p = run([PVTRACE, "run", "--no-status", "--max-tasks", "8", "--", *cmd])
    check(p.returncode == 0, p.stderr.decode())
    check(b"task map full" in p.stderr, "text report warns")


@test
def small_ring_buffer_drops_are_counted_and_recovered():
    # Drops are forced, not hoped for: pvtrace is stopped (SIGSTOP) while the whole churn runs,
    # so its 4 KiB ring buffer fills after a few records and the rest must be counted.  A
    # dropped exit record is parked in the overflow map, so every task is still reported.
    n = 2000
    with tempfile.TemporaryDirectory() as d:
        go, done, path = os.path.join(d, "go"), os.path.join(d, "done"), os.path.join(d, "r.json")
        os.mkfifo(go)
        os.mkfifo(done)
        script = 'read x < "$1"; "$2" churn --threads -n %d --concurrency 64 --quiet; ' \
                 'echo $? > "$3"' % n
        # --events: creation records are sent only for the live stream.
        p = subprocess.Popen([PVTRACE, "run", "--no-status", "-f", "json", "-o", path,
                              "--events=/dev/null", "--ringbuf-kb", "4", "--", "sh", "-c", script,
                              "sh", go, PVLOAD, done], stderr=subprocess.PIPE)
        try:
            with open(go, "w") as f:      # opens once the traced shell waits on it
                os.kill(p.pid, signal.SIGSTOP)
                f.write("go\n")
            with open(done) as f:         # the churn has ended, all of it while pvtrace slept
                churn_rc = f.read().strip()
        finally:
            os.kill(p.pid, signal.SIGCONT)
        _, err = p.communicate(timeout=TIMEOUT)
        check(p.returncode == 0 and churn_rc == "0", "exit %s/%s: %s" % (p.returncode, churn_rc,
                                                                        err.decode()))
        r = json.load(open(path))
    assert_consistent(r)
    assert_exact(r)
    rb = r["tracer"]["ringbuf_lost"]
    check(rb["create"] > 0 and rb["exit"] > 0, "records were dropped: %s" % rb)
    print("  dropped %s, lost_events %d" % (rb, r["lost_events"]))
    check(r["lost_events"] >= rb["create"] + rb["exit"], "lost events %d" % r["lost_events"])
    check(r["tracer"]["tasks_lost"] == 0, "no task lost")
    threads = [t for t in r["tasks"] if t["comm"] == "churn-t"]
    check(len(threads) == n, "%d of %d threads reported (lost events %d)"
          % (len(threads), n, r["lost_events"]))
    check(all(t["exit"] is not None for t in threads), "every thread's exit reported")


@test
def churn_of_10k_threads_and_2k_processes_loses_nothing():
    nt, npr = 10000, 2000
    # --keep-tasks 0: every record held, each checked below (beyond the default 8192 ended
    # tasks, pvtrace folds them into sums: test_bounded.py).
    p, r = trace([PVLOAD, "churn", "--threads=%d" % nt, "--procs=%d" % npr, "--concurrency", "64",
                  "--quiet"], extra=["--syscall-costs", "always", "--keep-tasks", "0"], timeout=600)
    check(p.returncode == 0, p.stderr.decode())
    assert_exact(r)
    assert_consistent(r)
    check(r["lost_events"] == 0, "lost %d: %s" % (r["lost_events"], r["tracer"]))
    for comm, n, thread in (("churn-t", nt, True), ("churn-p", npr, False)):
        churn = [t for t in r["tasks"] if t["comm"] == comm]
        check(len(churn) == n, "%d %s, got %d" % (n, comm, len(churn)))
        check(all(t["created"] and t["created"]["syscall_ns"] and t["created"]["thread"] == thread
                  and t["exit"]["code"] == 0 for t in churn), "%s: each with its cost" % comm)
    procs = [x for x in r["processes"] if x["comm"] == "churn-p"]
    check(len(procs) == npr and all(x["memory"] and x["memory"]["last"]["at_exit"] and
                                    x["memory"]["rss_peak_bytes"] > 0 for x in procs),
          "each process's memory read at its exit")
    cr = r["summary"]["creation"]
    check(cr["threads"]["syscall"]["count"] == nt and cr["processes"]["syscall"]["count"] == npr,
          "summary counts %s" % cr)
    # On-CPU time, switch-in to switch-out on rq->clock_task, agrees with the kernel's
    # sum_exec_runtime (the same clock) for every task that ended: 12001 of them.
    ended = [t for t in r["tasks"] if t["kernel"]]
    check(len(ended) == nt + npr + 1, "every task ended: %d" % len(ended))
    for t in ended:
        s, k = t["switches"], t["kernel"]
        ins = s["in"] + s["in_unseen"]
        check(abs(t["oncpu_ns"] - k["oncpu_ns"]) <= 1000 * ins,
              "tid %d oncpu %d vs kernel %d (%s)" % (t["tid"], t["oncpu_ns"], k["oncpu_ns"], s))
    # Switch-ins without a sched_switch event (assert_consistent) happen in such runs on the
    # machines pvtrace was built on (about 10 in 12000 tasks, none in some runs): their wait
    # for the CPU is recovered from the kernel's sched_info.last_arrival, so it agrees with its
    # run_delay.  (Other tasks' first wait may begin on another CPU's clock: not compared.)
    unseen = [t for t in ended if t["switches"]["in_unseen"]]
    check(sum(t["switches"]["in_unseen"] for t in unseen) == r["tracer"]["switch_ins_unseen"],
          "the unseen switch-ins are the ended tasks'")
    for t in unseen:
        s, k = t["switches"], t["kernel"]
        ins = s["in"] + s["in_unseen"]
        check(abs(t["runq"]["total_ns"] - k["runq_ns"]) <= 0.01 * k["runq_ns"] + 10000 * ins,
              "tid %d runq %d vs kernel %d (%s)" % (t["tid"], t["runq"]["total_ns"], k["runq_ns"], s))
    print("  %d switch-ins without an event, in %d tasks; recovered" %
          (r["tracer"]["switch_ins_unseen"], len(unseen)))


if __name__ == "__main__":
    import sys
    from helpers import precondition
    from testlib import main
    sys.exit(main("kernel", precondition))
