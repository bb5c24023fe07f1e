"""Tasks pvtrace cannot track (the task map full, --max-tasks) are counted, and so are all
their descendants: every task the traced tree created is tracked or counted untracked, against
the workload's own count (tests/progs/forktree prints how many tasks it created).
"""
import os
import signal

from helpers import FORKTREE, PVTRACE, assert_consistent, assert_exact, trace
from testlib import check, run, test


def created(p):
    """forktree's own count: "created N" on stdout."""
    out = p.stdout.decode().split()
    check(p.returncode == 0 and out[:1] == ["created"], "forktree: %s %s" % (out, p.stderr))
    return int(out[1])


def untracked(r):
    return r["tracer"]["tasks_untracked_map_full"] + r["tracer"]["tasks_untracked_descendants"]


def check_counts_add_up(r, n):
    """Tracked and untracked add up to the workload's own count of the tasks it created."""
    tr = r["tracer"]
    # Tracked: listed, or folded beyond --keep-tasks (counted, not listed; never the root).
    born = sum(1 for t in r["tasks"] if t["created"] is not None) + tr["tasks_folded"]
    print("  created %d: %d tracked (%d folded), %d untracked (map full %d, descendants %d), "
          "%d exited" % (n, born, tr["tasks_folded"], untracked(r), tr["tasks_untracked_map_full"],
                         tr["tasks_untracked_descendants"], tr["tasks_untracked_exited"]))
    check(r["tasks_created"] == n, "tasks_created %d, the workload created %d"
          % (r["tasks_created"], n))
    check(born + untracked(r) == n, "%d tracked (reported or folded) + %d untracked != %d created"
          % (born, untracked(r), n))
    check(tr["tasks_lost"] == 0 and tr["tasks_untracked_unfollowed"] == 0, "nothing else: %s" % tr)
    check(r["lost_events"] >= untracked(r), "lost_events %d counts the %d untracked"
          % (r["lost_events"], untracked(r)))
    assert_consistent(r)
    assert_exact(r)


@test
def untracked_tasks_and_all_their_descendants_are_counted():
    # The case: a command starting 6 processes that each start 2, against a map of 4
    # tasks.  Nothing exits before the leaves' 0.5 s sleep, so the map holds the command and
    # its first 3 children throughout: their 6 children are not tracked (map full), nor are
    # the other 3 children of the command, whose 6 children are their descendants.
    p, r = trace([FORKTREE, "-s", "500", "6p", "2p"], extra=["--max-tasks", "4"])
    n = created(p)
    check(n == 18, "6 + 6 * 2 tasks: %d" % n)
    check_counts_add_up(r, n)
    tr = r["tracer"]
    check(len(r["tasks"]) == 4 and tr["tasks_untracked_map_full"] == 9 and
          tr["tasks_untracked_descendants"] == 6, "4 tracked, 9 + 6 untracked: %d, %s"
          % (len(r["tasks"]), tr))
    check(tr["tasks_untracked_exited"] == 15 and tr["tasks_untracked_alive"] == 0,
          "every untracked task's exit seen: %s" % tr)
    check(r["lost_events"] == 15, "lost_events %d" % r["lost_events"])
    # The text report says so in its header.
    p = run([PVTRACE, "run", "--no-status", "--max-tasks", "4", "--", FORKTREE, "-s", "500",
             "6p", "2p"])
    err = p.stderr.decode()
    check(p.returncode == 0, err)
    check("  WARNING: 9 task(s) not tracked, task map full, and their 6 descendant(s)\n"
          "  (raise --max-tasks: 18 tasks created, 3 tracked, 15 untracked, 0 still alive)\n"
          in err, "the warning: %s" % err[:1500])
    check("lost events: 15\n" in err, "lost events: %s" % err[:1500])


@test
def untracked_descendants_counted_through_threads_and_levels():
    # Threads that fork: 3 processes, 2 threads in each, 2 processes from each thread.  The
    # command and its 3 children fill the map; the 6 threads are not tracked (map full), and
    # their 12 children are their descendants, two levels below the command's children.
    p, r = trace([FORKTREE, "-s", "500", "3p", "2t", "2p"], extra=["--max-tasks", "4"])
    n = created(p)
    check(n == 3 + 6 + 12, "3 + 3 * 2 + 6 * 2 tasks: %d" % n)
    check_counts_add_up(r, n)
    tr = r["tracer"]
    check(tr["tasks_untracked_map_full"] == 6 and tr["tasks_untracked_descendants"] == 12,
          "6 + 12 untracked: %s" % tr)


@test
def untracked_shell_children_that_exec_are_counted():
    # The command as a shell wrote it (dash): each & forks once, and the child execs.
    cmd = "for i in 1 2 3 4 5 6; do sh -c 'sleep 0.5 & sleep 0.5 & wait' & done; wait"
    p, r = trace(["sh", "-c", cmd], extra=["--max-tasks", "4"])
    check(p.returncode == 0, p.stderr.decode())
    check(r["tasks_created"] == 18, "6 + 6 * 2 forks: %s" % r["tasks_created"])
    check_counts_add_up(r, 18)
    check(r["tracer"]["tasks_untracked_descendants"] > 0, "descendants counted: %s" % r["tracer"])


@test
def untracked_tasks_alive_at_the_end_are_counted_alive():
    # The command and its first sleep fill a map of 2: the second sleep (left running) and the
    # short one are not tracked; one is alive at the end, one exited.
    p, r = trace(["sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!; "
                  "sleep 30 >/dev/null 2>&1 & echo $!; sleep 0.3"],
                 extra=["--max-tasks", "2"], timeout=25)
    pids = [int(x) for x in p.stdout.decode().split()]
    try:
        check(p.returncode == 0 and len(pids) == 2, p.stderr.decode())
        tr = r["tracer"]
        check(r["tasks_created"] == 3 and tr["tasks_untracked_map_full"] == 2,
              "3 created, 2 untracked: %s" % tr)
        check(tr["tasks_untracked_alive"] == 1 and tr["tasks_untracked_exited"] == 1,
              "1 alive, 1 exited: %s" % tr)
        assert_consistent(r)
    finally:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


@test
def fork_storm_of_100k_tasks_counts_add_up():
    # 100,002 short tasks: 2 creators, each forking 25,000 processes in batches of 2,000 alive
    # at once, each starting a thread that sleeps 0.2 s: up to 8,000 tasks alive against a map
    # of 1,000.  About half are tracked (the map empties as batches end), the rest counted:
    # children not tracked (map full) and threads of untracked children (descendants).
    p, r = trace([FORKTREE, "-s", "200", "-c", "2000", "2p", "25000p", "1t"],
                 extra=["--max-tasks", "1000"], timeout=300)
    n = created(p)
    check(n == 100002, "2 + 2 * 25000 * 2 tasks: %d" % n)
    check_counts_add_up(r, n)
    tr = r["tracer"]
    check(tr["tasks_untracked_map_full"] > 0 and tr["tasks_untracked_descendants"] > 0,
          "both kinds of untracked tasks: %s" % tr)
    check(tr["tasks_untracked_alive"] == 0 and tr["tasks_untracked_exited"] == untracked(r),
          "all exited: %s" % tr)


if __name__ == "__main__":
    import sys
    from helpers import precondition
    from testlib import main
    sys.exit(main("kernel", precondition))
