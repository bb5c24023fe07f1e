"""pvtrace top: the live view.  Batch mode's per-interval rates of a ping-pong pair against
the kernel's own counters, read from /proc by the test every few milliseconds on the same
clock and interpolated at the interval's two ends (within 2%); the whole machine watched;
the full-screen view in a real terminal (tmux: rows, a key that sorts, a key that expands,
q); `run --live` shows the view, then writes the report.
"""
import json
import os
import signal
import subprocess
import threading
import time

from helpers import PVLOAD, PVTRACE
from test_attach import kcounters, pingpong_process
from testlib import check, run, test


def sample_proc(pid, stop, out):
    """Append (monotonic ns, {tid: (vol, invol)}) every ~5 ms until @stop is set."""
    while not stop.is_set():
        t0 = time.monotonic_ns()
        try:
            k = kcounters(pid)
            for tid in k:  # and the CPU time the kernel charged it (schedstat's first field)
                with open("/proc/%d/task/%d/schedstat" % (pid, tid)) as f:
                    k[tid] = k[tid] + (int(f.read().split()[0]),)
        except OSError:
            return
        t1 = time.monotonic_ns()
        out.append(((t0 + t1) // 2, k))
        time.sleep(0.005)


def at(samples, tid, t, i):
    """Counter @i of @tid interpolated at monotonic time @t."""
    for (ta, ka), (tb, kb) in zip(samples, samples[1:]):
        if ta <= t <= tb:
            a, b = ka[tid][i], kb[tid][i]
            return a + (b - a) * (t - ta) / (tb - ta) if tb > ta else a
    raise AssertionError("no /proc sample around %d" % t)


def rows_of(line):
    """{tid: row} of the task rows of a top JSON line (processes' children)."""
    out = {}
    for p in line["rows"]:
        for c in p.get("children", []):
            out[c["tid"]] = c
    return out


@test
def top_batch_rates_agree_with_the_kernels_counters():
    w = pingpong_process()
    samples, stop = [], threading.Event()
    th = threading.Thread(target=sample_proc, args=(w.pid, stop, samples))
    th.start()
    try:
        p = run([PVTRACE, "top", "--batch", "-f", "json", "-d", "0.5", "-n", "4", "-H", "-p",
                 str(w.pid)], timeout=60)
    finally:
        stop.set()
        th.join()
        if w.poll() is None:  # one more reading, after top's last snapshot
            stop.clear()
            sample_proc_once = threading.Thread(target=sample_proc, args=(w.pid, stop, samples))
            sample_proc_once.start()
            time.sleep(0.02)
            stop.set()
            sample_proc_once.join()
            with open("/proc/%d/statm" % w.pid) as f:
                rss_now = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        w.kill()
        w.wait()
    check(p.returncode == 0, "top exit %d: %s" % (p.returncode, p.stderr.decode()[-2000:]))
    lines = [json.loads(x) for x in p.stdout.decode().splitlines() if x.strip()]
    check(len(lines) == 4, "4 intervals: %d" % len(lines))
    compared = 0
    for ln in lines:
        check(ln["schema"] == "pvtrace.top/1", "schema %s" % ln["schema"])
        check(ln["processes"] == 1 and ln["tasks"] == 3, "one process, three threads: %s" %
              {k: ln[k] for k in ("processes", "tasks")})
        t1 = ln["mono_ns"]
        t0 = t1 - ln["interval_ns"]
        check(abs(ln["interval_ns"] - 5e8) < 2e8, "interval %d" % ln["interval_ns"])
        tasks = rows_of(ln)
        for tid, r in tasks.items():
            if not r["comm"].startswith(("ping", "pong")):
                continue
            for i, key in ((0, "voluntary_per_s"), (1, "involuntary_per_s")):
                k = (at(samples, tid, t1, i) - at(samples, tid, t0, i)) / (ln["interval_ns"] / 1e9)
                got = r[key]
                if i == 0:
                    check(k > 1000, "the pair switches: %s/s" % k)
                    check(abs(got - k) <= 0.02 * k, "tid %d %s: top %.0f vs kernel %.0f" %
                          (tid, key, got, k))
                    compared += 1
                else:
                    # few preemptions: 2% of the total switch rate
                    tot = k + (at(samples, tid, t1, 0) - at(samples, tid, t0, 0)) / (ln["interval_ns"] / 1e9)
                    check(abs(got - k) <= 0.02 * tot, "tid %d %s: top %.0f vs kernel %.0f" %
                          (tid, key, got, k))
            check(r["counts"]["voluntary"] == round(r["voluntary_per_s"] * ln["interval_ns"] / 1e9),
                  "rate = count / interval: %s" % r)
            if r["comm"].startswith(("ping", "pong")):
                # on-CPU time: credited at switch-out (slices of microseconds here), against
                # the CPU time the kernel charged it over the same interval
                kcpu = at(samples, tid, t1, 2) - at(samples, tid, t0, 2)
                check(abs(r["counts"]["oncpu_ns"] - kcpu) <= 0.03 * kcpu + 2e6,
                      "tid %d on CPU: top %d ns vs schedstat %d" % (tid, r["counts"]["oncpu_ns"], kcpu))
        proc = ln["rows"][0]
        # RSS: /proc/PID/statm's, a ping-pong's does not move
        check(abs(proc["rss_bytes"] - rss_now) <= 0.1 * rss_now, "RSS %d vs statm %d"
              % (proc["rss_bytes"], rss_now))
    check(compared == 8, "both partners in all 4 intervals: %d" % compared)


@test
def top_batch_watches_the_whole_machine():
    w = pingpong_process("--threads", "--pin", "0")
    try:
        p = run([PVTRACE, "top", "--batch", "-f", "json", "-d", "0.5", "-n", "2"], timeout=60)
    finally:
        w.kill()
        w.wait()
    check(p.returncode == 0, "top exit %d: %s" % (p.returncode, p.stderr.decode()[-2000:]))
    check("attached to" in p.stderr.decode(), "says it attached: %r" % p.stderr.decode())
    lines = [json.loads(x) for x in p.stdout.decode().splitlines() if x.strip()]
    check(len(lines) == 2, "2 intervals")
    for ln in lines:
        check(ln["tasks"] > 20 and ln["processes"] > 5, "the machine: %s tasks" % ln["tasks"])
        check(ln["lost_events"] == 0, "lost %s" % ln["lost_events"])
        procs = {r["pid"]: r for r in ln["rows"]}
        check(w.pid in procs, "pvload among the processes")
        r = procs[w.pid]
        check(r["rates"] and r["switches_per_s"] > 1000, "its rate: %s" % r)
        # pinned to one CPU, the partners switch straight to each other
        check(r["same_process_pct"] > 50, "a thread ping-pong switches within its process: %s" % r)
        # the pvtrace top process itself is seen too
        check(any(x["comm"] == "pvtrace" for x in ln["rows"]), "pvtrace itself")


@test
def top_refuses_bad_options_with_one_line():
    for args, what in ((["-d", "0"], "--delay"), (["-n", "0"], "--iterations"),
                       (["-s", "x"], "--sort"), (["--by", "x"], "--by"), (["-f", "xml"], "format"),
                       (["-p", "1", "--cgroup", "/"], "cannot be combined"), (["x"], "unexpected")):
        p = run([PVTRACE, "top", *args])
        err = p.stderr.decode()
        check(p.returncode == 2 and what in err and err.startswith("pvtrace top:"),
              "%s: %d %r" % (args, p.returncode, err))
    p = run([PVTRACE, "top", "-b", "-p", "4194303"])
    err = p.stderr.decode()
    check(p.returncode == 1 and err.count("\n") == 1 and "no process with pid" in err,
          "missing pid: %d %r" % (p.returncode, err))


# ---- the full-screen view in a real terminal (tmux), on the real tracer ----

def screen_rows(scr):
    """{name: fields} of the table's rows (names indented by depth kept as is)."""
    from test_top_fake import rows
    return rows(scr)


@test
def top_full_screen_in_tmux_sorts_and_expands():
    from tmux import Screen, assert_terminal_restored, need_tmux
    need_tmux()
    w = pingpong_process("--threads", "--pin", "0")
    sl = subprocess.Popen(["sh", "-c", "while :; do sleep 0.05; done"])
    try:
        s = Screen([PVTRACE, "top", "-d", "0.5", "-p", "%d,%d" % (w.pid, sl.pid)], 120, 30).start()
        try:
            from test_top_fake import names
            # both processes (and the sh's current sleep, at times), the ping-pong first
            main = lambda x: [n for n in names(x) if n != "sleep"]  # noqa: E731
            scr = s.wait_for(lambda x: main(x) == ["pvload", "sh"], what="pvload, then sh")
            lines = scr.splitlines()
            check(lines[0].startswith("pvtrace top ") and "processes" in lines[0],
                  "header %r" % lines[0])
            check("lost 0" in lines[1], "lost events shown: %r" % lines[1])
            r = screen_rows(scr)[0]
            check(r[0] == w.pid and r[3][1] == "3" and float(r[3][2]) > 1000,
                  "pvload's row: %s" % (r,))
            s.send("R")  # reversed: the busiest last
            s.wait_for(lambda x: main(x) == ["sh", "pvload"] and "(reversed)" in x,
                       what="reversed")
            s.send("R", "p")  # by PID, ascending
            s.wait_for(lambda x: "sort PID" in x and [r[0] for r in screen_rows(x)] ==
                       sorted(r[0] for r in screen_rows(x)), what="sorted by PID")
            s.send("s")  # back to switches per second
            s.wait_for(lambda x: main(x) == ["pvload", "sh"] and "sort SW/s" in x,
                       what="sorted by SW/s")
            s.send("Enter")  # the selection is on the first row: pvload's threads
            scr = s.wait_for(lambda x: len(main(x)) == 5 and main(x)[0] == "pvload",
                             what="pvload expanded")
            n = main(scr)
            check(n[0] == "pvload" and sorted(n[1:4]) == ["  ping-t0", "  pong-t0", "  pvload"]
                  and n[4] == "sh", "threads under pvload: %s" % n)
            s.send("q")
            rc, modes = s.exited()
            check(rc == 0, "exit %d" % rc)
            assert_terminal_restored(modes)
        finally:
            s.close()
    finally:
        for p in (w, sl):
            p.kill()
            p.wait()


@test
def run_live_shows_the_view_then_writes_the_report():
    from tmux import Screen, need_tmux
    need_tmux()
    from test_top_fake import names
    out = "/tmp/pvtrace-live-%d.json" % os.getpid()
    s = Screen([PVTRACE, "run", "--live", "-f", "json", "-o", out, "--", PVLOAD, "pingpong",
                "--threads", "--pin", "0", "--rounds", "300000", "--quiet"], 120, 30).start()
    try:
        scr = s.wait_for(lambda x: names(x) == ["pvload"], timeout=30, what="the command's row")
        check(screen_rows(scr)[0][3][1] == "3", "its three threads: %s" % (screen_rows(scr)[0],))
        rc, modes = s.exited(timeout=60)  # the command exits: the view closes, the report
        check(rc == 0, "exit %d" % rc)
    finally:
        s.close()
    try:
        with open(out) as f:
            r = json.load(f)
    finally:
        if os.path.exists(out):
            os.unlink(out)
    check(r["mode"] == "run" and r["exit"]["code"] == 0, "the report: %s" % r["exit"])
    check(r["verified"]["exact"] == r["verified"]["tasks"] == 3, "verified %s" % r["verified"])


@test
def top_whole_machine_map_is_bounded_and_the_rest_counted():
    p = run([PVTRACE, "top", "--batch", "-f", "json", "-d", "0.3", "-n", "1", "--max-tasks", "10"],
            timeout=60)
    check(p.returncode == 0, "top exit %d: %s" % (p.returncode, p.stderr.decode()[-2000:]))
    check("the task map is full" in p.stderr.decode(), "says the map is full: %r" % p.stderr.decode())
    ln = json.loads(p.stdout.decode().splitlines()[0])
    running = len([d for d in os.listdir("/proc") if d.isdigit()])
    check(ln["tasks"] <= 10, "at most --max-tasks tracked: %d" % ln["tasks"])
    check(ln["untracked_total"] >= running - 10 - 5, "the rest counted: %d untracked of %d running"
          % (ln["untracked_total"], running))
