"""Creation and exec: each way of creating a task (creator) named by its syscall and flags,
its cost inside what the creator measured around its own call, exec and rename records,
the on-CPU cost and pvtrace's own part inside the creator's CPU time and the kernel's BPF run time, and the syscall hooks
(--syscall-costs bursts, always, never).
"""
from helpers import (CREATOR, PVTRACE, assert_consistent, assert_exact, by_tid, json_lines,
                     median, trace)
from testlib import check, run, test


# What each way of creating must look like: syscall, flags that must be set / clear.
CREATION_SHAPES = {
    "pthread_create": ("clone3", {"CLONE_VM", "CLONE_THREAD"}, {"CLONE_VFORK"}),
    "clone_thread": ("clone", {"CLONE_VM", "CLONE_THREAD", "CLONE_SIGHAND"}, {"CLONE_VFORK"}),
    "fork": ("clone", set(), {"CLONE_VM", "CLONE_THREAD"}),
    "fork_exec": ("clone", set(), {"CLONE_VM", "CLONE_THREAD"}),
    "fork_exec_self": ("clone", set(), {"CLONE_VM", "CLONE_THREAD"}),
    "vfork": ("vfork", {"CLONE_VM", "CLONE_VFORK"}, {"CLONE_THREAD"}),
    "posix_spawn": (None, {"CLONE_VM", "CLONE_VFORK"}, {"CLONE_THREAD"}),
}


def creator_lines(p, how="pthread_create"):
    return [l for l in json_lines(p.stdout.decode()) if l.get("how") == how]


@test
def creation_cost_lies_inside_the_creators_own_measurement():
    # Every creation and exec timed: the hooks attached throughout.
    p, r = trace([CREATOR, "7"], extra=["--syscall-costs", "always"])
    check(p.returncode == 0, p.stderr.decode())
    assert_exact(r)
    assert_consistent(r)
    lines = json_lines(p.stdout.decode())
    made = [l for l in lines if l.get("how") in CREATION_SHAPES]
    check(len(made) == 7 * len(CREATION_SHAPES), "creator made %d" % len(made))
    pre = {l["tid"]: l for l in lines if l.get("how") == "exec_pre"}
    probe = {l["tid"]: l for l in lines if l.get("how") == "exec_probe"}
    tasks = by_tid(r)
    cost = {}
    for l in made:
        t = tasks.get(l["tid"])
        check(t is not None, "child %s followed" % l)
        c = t["created"]
        check(c is not None, "born under tracing: %s" % t)
        sysname, must, mustnt = CREATION_SHAPES[l["how"]]
        if sysname:
            check(c["syscall"] == sysname, "%s made by %s: %s" % (l["how"], sysname, c))
        else:
            check(c["syscall"] in ("clone", "clone3"), "%s: %s" % (l["how"], c))
        flags = set(c["flags"])
        check(must <= flags and not (mustnt & flags), "%s flags %s" % (l["how"], flags))
        check(c["thread"] == ("CLONE_THREAD" in must), "thread %s" % c)
        # The kernel-side cost is part of what the creator measured around its call.
        check(c["syscall_ns"] is not None and 0 < c["syscall_ns"] <= l["ns"],
              "%s: syscall_ns %s inside the creator's %d ns" % (l["how"], c["syscall_ns"], l["ns"]))
        check(0 < c["copy_ns"] <= c["syscall_ns"], "copy <= syscall: %s" % c)
        # Its parts: on the CPU, off it, and pvtrace's own program, adding up exactly.
        check(0 < c["oncpu_ns"] <= c["syscall_ns"] and c["tracer_ns"] > 0 and
              c["oncpu_ns"] + c["offcpu_ns"] + c["tracer_ns"] == c["syscall_ns"],
              "%s: on %s + off %s + tracer %s == syscall %s" % (l["how"], c["oncpu_ns"],
              c["offcpu_ns"], c["tracer_ns"], c["syscall_ns"]))
        check(c["first_run_ns"] is not None and c["first_run_ns"] >= 0, "first run %s" % c)
        check(t["parent_tid"] == r["root_pid"], "parent %s" % t)
        check(t["exit"]["how"] == "exit", "own exit: %s" % t["exit"])
        check(t["lifetime_ns"] > 0, "lifetime %s" % t)
        if l["how"] in ("posix_spawn", "fork_exec"):
            e = t["exec"]
            check(e and e["count"] == 1 and e["path"] == "/bin/true" and e["comm"] == "true",
                  "exec'd /bin/true: %s" % e)
            check(e["exec_ns"] > 0 and e["after_create_ns"] > 0, "exec costs %s" % e)
        elif l["how"] == "fork_exec_self":
            # The child measured itself: its faults (getrusage) and the time just
            # before execv; the exec'd program the time it reached main.
            e, b, m = t["exec"], pre[l["tid"]], probe[l["tid"]]
            check(e and e["count"] == 1 and e["path"] == "/proc/self/exe" and e["comm"] == "exe",
                  "exec'd itself: %s" % e)
            check(0 < e["exec_ns"] <= m["t_main_ns"] - b["t_exec_ns"],
                  "exec_ns %d inside execv..main %d" % (e["exec_ns"], m["t_main_ns"] - b["t_exec_ns"]))
            check(b["t_exec_ns"] - l["t1_ns"] <= e["after_create_ns"] <= m["t_main_ns"] - l["t0_ns"],
                  "fork-to-exec gap %d within [%d, %d]" % (e["after_create_ns"],
                  b["t_exec_ns"] - l["t1_ns"], m["t_main_ns"] - l["t0_ns"]))
            check(b["minflt"] <= e["minor_faults_before"] <= b["minflt"] + 32,
                  "faults before exec %d vs the child's getrusage %d"
                  % (e["minor_faults_before"], b["minflt"]))
        else:
            check(t["exec"] is None, "no exec: %s" % t["exec"])
        if l["how"] == "pthread_create":
            # clone3's stack region holds the stack the thread sees (plus its guard page).
            lo, hi = l["stack_lo"], l["stack_hi"]
            check(lo - 65536 <= c["stack"] and c["stack"] + c["stack_size"] <= hi and
                  c["stack_size"] >= 0.9 * (hi - lo),
                  "clone3 stack [%d, +%d] vs the thread's [%d, %d]" % (c["stack"], c["stack_size"], lo, hi))
        elif l["how"] == "clone_thread":
            check(c["stack"] and c["stack_size"] is None, "clone passes a pointer only: %s" % c)
        elif l["how"] == "posix_spawn":
            check(c["stack"] and c["stack_size"], "glibc's spawn stack: %s" % c)
        else:
            check(c["stack"] is None and c["stack_size"] is None, "no stack: %s" % c)
        cost.setdefault(l["how"], []).append(c["syscall_ns"])
    # The seed's first claim, measured here: a thread is cheaper to create than a process.
    check(median(cost["pthread_create"]) < median(cost["fork"]),
          "pthread_create %s vs fork %s" % (cost["pthread_create"], cost["fork"]))
    cr = r["summary"]["creation"]
    check(cr["threads"]["created"] == 14 and cr["processes"]["created"] == 35,
          "creation summary counts %s" % cr)
    check(cr["threads"]["syscall"]["p50_ns"] < cr["processes"]["syscall"]["p50_ns"],
          "threads cheaper than processes: %s" % cr)
    for k in ("threads", "processes"):
        s = cr[k]["syscall"]
        check(s["count"] == cr[k]["created"] and s["p50_ns"] <= s["p99_ns"] <= s["max_ns"],
              "%s stats %s" % (k, s))
        check(cr[k]["syscall_cost_missing"] == 0, "no cost missing")
    for k in ("threads", "processes"):
        check(abs(cr[k]["share_of_wall_time"] - cr[k]["syscall"]["total_ns"] / r["duration_ns"]) < 1e-9,
              "share of wall time %s" % cr[k])
    root = tasks[r["root_pid"]]
    check(root["created"] is None, "the command existed before tracing: %s" % root["created"])


@test
def renames_are_kept_in_order():
    p, r = trace([CREATOR, "2", "--rename"])
    check(p.returncode == 0, p.stderr.decode())
    made = [l for l in json_lines(p.stdout.decode()) if l.get("how") == "pthread_create"]
    check(len(made) == 2, "creator made %d threads" % len(made))
    tasks = by_tid(r)
    for l in made:
        n = tasks[l["tid"]]["names"]
        check(n["first"] == "creator" and n["renames"] == 2 and not n["history_truncated"],
              "names %s" % n)
        check([h["comm"] for h in n["history"]] == ["stage-1", "stage-2"], "history %s" % n)
        check(not any(h["by_exec"] for h in n["history"]), "not by exec %s" % n)
        check(n["history"][0]["at_ns"] <= n["history"][1]["at_ns"], "in order %s" % n)
        check(tasks[l["tid"]]["comm"] == "stage-2", "latest name %s" % tasks[l["tid"]]["comm"])
    spawned = [t for t in r["tasks"] if t["exec"] and not t["root"]]
    check(len(spawned) == 6 and all(t["names"]["history"][0]["by_exec"] and
                                    t["names"]["history"][0]["comm"] == t["exec"]["comm"]
                                    for t in spawned),
          "exec renames: %s" % [t["names"] for t in spawned])


@test
def without_syscall_hooks_creations_are_named_but_not_timed():
    p, r = trace([CREATOR, "2"], extra=["--no-syscall-costs"])
    check(p.returncode == 0, p.stderr.decode())
    assert_exact(r)
    made = [l for l in json_lines(p.stdout.decode()) if l.get("how") in CREATION_SHAPES]
    check(len(made) == 2 * len(CREATION_SHAPES), "creator made %d" % len(made))
    tasks = by_tid(r)
    for l in made:
        t = tasks[l["tid"]]
        c = t["created"]
        sysname, must, mustnt = CREATION_SHAPES[l["how"]]
        check((sysname is None or c["syscall"] == sysname) and must <= set(c["flags"]),
              "%s still named from the creator's registers: %s" % (l["how"], c))
        check(c["syscall_ns"] is None and c["copy_ns"] is None, "not timed: %s" % c)
        if t["exec"]:
            e = t["exec"]
            check(e["count"] == 1 and e["path"] and e["exec_ns"] is None and
                  e["minor_faults_before"] is None, "exec counted, not timed: %s" % e)
    check(sum(1 for t in r["tasks"] if t["exec"] and not t["root"]) == 6, "6 execs seen")


@test
def thread_creation_parts_lie_inside_the_creators_cpu_time():
    # The creator times each pthread_create on its own CPU clock (CLOCK_THREAD_CPUTIME_ID,
    # the kernel's own accounting of the thread's time on the CPU, read around the call).
    # Per call, in the same traced run: pvtrace's part of the call on the CPU (oncpu_ns)
    # plus its own program (tracer_ns) lies inside what the kernel charged the creator for
    # the whole call.  Not on every call: an interrupt, or the hypervisor's steal, inside
    # the call is wall-clock time pvtrace counts on the CPU (no switch) and the kernel's
    # clock leaves out; so on most calls, which holds on a loaded machine too (the two
    # figures of one call are hit alike).  tracer_ns, the fork program timed by itself,
    # is checked against the kernel's own run time of that program (--bpf-stats): their
    # sum lies inside it, and is most of it (the lookup before the first read is not in
    # tracer_ns, nor are other tasks' forks).  How the net figure compares with an
    # untraced run's call is printed only: two runs on a shared machine differ by noise
    # (make bench's churn rows measure what tracing a creation costs, side by side).
    n = 1500
    untraced, traced, switched, outsides, shares = [], [], [], [], []
    for _ in range(2):
        p = run([CREATOR, str(n), "--threads-only"])
        check(p.returncode == 0, p.stderr.decode())
        untraced.append(median([l["cpu_ns"] for l in creator_lines(p)]))
        p, r = trace([CREATOR, str(n), "--threads-only"], extra=["--bpf-stats"])
        check(p.returncode == 0, p.stderr.decode())
        made = {l["tid"]: l for l in creator_lines(p)}
        check(len(made) == n, "creator made %d" % len(made))
        tasks = by_tid(r)
        timed = offcpu = outside = tracer = 0
        for tid, l in made.items():
            c = tasks[tid]["created"]
            if c["syscall_ns"] is None:
                continue
            timed += 1
            check(c["syscall_ns"] <= l["ns"] and
                  c["oncpu_ns"] + c["offcpu_ns"] + c["tracer_ns"] == c["syscall_ns"],
                  "inside the creator's call (%d ns), parts add up: %s" % (l["ns"], c))
            check(0 < c["oncpu_ns"] and 0 < c["tracer_ns"], "parts measured: %s" % c)
            outside += c["oncpu_ns"] + c["tracer_ns"] > l["cpu_ns"]
            tracer += c["tracer_ns"]
            # Off the CPU only if the kernel counted the creator switching out around the call.
            check(c["offcpu_ns"] == 0 or l["switches"] > 0,
                  "off the CPU %d ns, but the creator's own switches: %d" % (c["offcpu_ns"],
                                                                            l["switches"]))
            offcpu += c["offcpu_ns"] > 0
        cr = r["summary"]["creation"]["threads"]
        # Creating one thread after another is one burst: the hooks stay attached, unless
        # the creator waited 20 ms for a CPU between two calls (a loaded machine: CI saw
        # 1088 of 1500 timed in 5 windows); those untimed are counted as such.
        h = r["tracer"]["syscall_hooks"]
        check(timed >= 1 and cr["oncpu"]["count"] == timed and cr["not_timed"] == n - timed and
              (timed == n or h["windows"] > 1), "%d of %d timed: %s, %s" % (timed, n, cr, h))
        check(outside < timed // 4 + 1, "%d of %d calls: pvtrace's on-CPU and tracer parts "
              "exceed the creator's own CPU time for the call" % (outside, timed))
        fork = [b for b in r["tracer"]["bpf_programs"] if b["name"] == "pvt_sched_process_fork"]
        check(len(fork) == 1 and 0.5 * fork[0]["run_time_ns"] <= tracer <= fork[0]["run_time_ns"],
              "tracer_ns summed %d ns; the kernel's run time of the fork program %s"
              % (tracer, fork))
        traced.append(cr["oncpu"]["p50_ns"])
        outsides.append("%d/%d" % (outside, timed))
        shares.append(round(tracer / fork[0]["run_time_ns"], 2))
        switched.append((offcpu, sum(1 for l in made.values() if l["switches"])))
    print("  pthread_create on the CPU, untraced (creator's own clock): p50 %s ns; "
          "clone3 on the CPU, traced (pvtrace, net of itself): p50 %s ns; creations with "
          "off-CPU time / with a switch around the call: %s; calls whose parts exceed the "
          "creator's CPU time, of those timed: %s; tracer_ns / the kernel's fork program time: %s"
          % (untraced, traced, switched, outsides, shares))


@test
def syscall_hooks_follow_bursts_of_creation():
    # Two bursts of 20 threads 0.3 s apart: the hooks are attached for the first (from the
    # start), detached in the pause, attached again by the second burst's first creation
    # (the shell's fork of the second creator, which is not timed itself).
    script = '"$1" 20 --threads-only; sleep 0.3; "$1" 20 --threads-only'
    p, r = trace(["sh", "-c", script, "sh", CREATOR])
    check(p.returncode == 0, p.stderr.decode())
    assert_exact(r)
    assert_consistent(r)
    h = r["tracer"]["syscall_hooks"]
    check(h["mode"] == "bursts" and h["windows"] >= 2, "attached twice at least: %s" % h)
    check(0 < h["attached_ns"] < r["duration_ns"] - 250 * 10**6,
          "detached in the pause: %s of %d ns" % (h, r["duration_ns"]))
    made = {l["tid"]: l for l in creator_lines(p)}
    check(len(made) == 40, "creator made %d" % len(made))
    born = [t for t in r["tasks"] if t["created"] and t["created"]["syscall"] != "kernel"]
    untimed = [t for t in born if t["created"]["syscall_ns"] is None]
    cr = r["summary"]["creation"]
    check(len(untimed) >= 1 and cr["threads"]["not_timed"] + cr["processes"]["not_timed"] ==
          len(untimed), "the second burst's first creation untimed, counted: %d, %s"
          % (len(untimed), cr))
    for t in born:
        c = t["created"]
        if c["syscall_ns"] is None:
            check(c["copy_ns"] is None and c["oncpu_ns"] is None, "untimed whole: %s" % c)
            continue
        # Never paired with a sys_enter of an earlier window: inside what the creator saw.
        if t["tid"] in made:
            check(c["syscall_ns"] <= made[t["tid"]]["ns"], "%s vs %s" % (c, made[t["tid"]]))
        check(0 < c["copy_ns"] <= c["syscall_ns"] < 10**9, "sane: %s" % c)
    timed_threads = sum(1 for tid in made if by_tid(r)[tid]["created"]["syscall_ns"] is not None)
    check(timed_threads >= 20, "most of the creators' threads timed: %d of 40" % timed_threads)
    text = run([PVTRACE, "run", "--no-status", "--", "sh", "-c", script, "sh", CREATOR])
    check(text.returncode == 0, "text: exit %d: %s" % (text.returncode, text.stderr.decode()))
    check(b"creating syscalls timed" in text.stderr, "the text report says what was timed")
    # --syscall-costs always: one window, everything timed (the 40 threads among them).
    p, r = trace(["sh", "-c", script, "sh", CREATOR], extra=["--syscall-costs", "always"])
    check(p.returncode == 0, p.stderr.decode())
    h = r["tracer"]["syscall_hooks"]
    born = [t for t in r["tasks"] if t["created"] and t["created"]["syscall"] != "kernel"]
    made = {l["tid"] for l in creator_lines(p)}
    check(len(made) == 40 and made <= {t["tid"] for t in born}, "always: the 40 threads born: %s"
          % sorted(made))
    check(h["mode"] == "always" and h["windows"] == 1 and
          all(t["created"]["syscall_ns"] is not None for t in born), "always: %s" % h)


if __name__ == "__main__":
    import sys
    from helpers import precondition
    from testlib import main
    sys.exit(main("kernel", precondition))
