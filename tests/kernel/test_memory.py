"""Memory: each process's figures against what it read of itself (/proc/self/status,
maps), thread stacks as requested and touched, copy-on-write after fork, exec starting
the memory over, BPF-only reads without sampling, and the marginal costs in the text
report.
"""
import tempfile

from helpers import MEMHOG, PVTRACE, CREATOR, by_tid, trace
from testlib import check, run, test


def kv_lines(text, first):
    """memhog's `first key=value ...` lines, as dicts."""
    out = []
    for line in text.splitlines():
        w = line.split()
        if w and w[0] == first:
            out.append(dict(x.split("=", 1) for x in w[1:]))
    return out


def slab_objsize(cache):
    with open("/proc/slabinfo") as f:
        for line in f:
            w = line.split()
            if w and w[0] == cache:
                return int(w[3])
    return None


def memhog(args, extra=()):
    p, r = trace([MEMHOG, *args], extra)
    check(p.returncode == 0, p.stderr.decode())
    out = p.stdout.decode()
    return r, kv_lines(out, "memhog"), kv_lines(out, "thread")


def within(a, b, rel):
    return abs(a - b) <= rel * b


@test
def process_memory_agrees_with_its_own_status():
    r, me, _ = memhog(["--mib=64", "--threads=3", "--hold-ms=400"])
    st = me[0]
    procs = {x["pid"]: x for x in r["processes"]}
    m = procs[int(st["pid"])]["memory"]
    check(m is not None, "memory of the process")
    hwm, pte = int(st["VmHWM_kb"]) * 1024, int(st["VmPTE_kb"]) * 1024
    # Peak RSS within 5% of what the program read of itself (VmHWM), and at least 64 MiB.
    check(within(m["rss_peak_bytes"], hwm, 0.05), "rss peak %d vs VmHWM %d" % (m["rss_peak_bytes"], hwm))
    check(m["rss_anon_bytes"] >= 64 << 20, "anon peak %d >= the 64 MiB touched" % m["rss_anon_bytes"])
    check(within(m["rss_anon_bytes"], int(st["RssAnon_kb"]) * 1024, 0.05), "anon vs RssAnon")
    # File-backed pages: the peak against RssFile read while holding (libraries, the binary).
    rf = int(st["RssFile_kb"]) * 1024
    check(abs(m["rss_file_bytes"] - rf) <= 0.1 * rf + (64 << 10), "rss file %d vs RssFile %d"
          % (m["rss_file_bytes"], rf))
    # Page tables: the peak against VmPTE read while holding (nothing is unmapped in between),
    # a few page-table pages of slack for what the exit path maps.
    check(pte - 4096 <= m["page_table_bytes"] <= pte + 4 * 4096, "page tables %d vs VmPTE %d" %
          (m["page_table_bytes"], pte))
    # /proc/PID/maps adds the [vsyscall] gate page, which is no VMA of the mm.
    nmaps = int(st["map_count"])
    check(nmaps - 2 <= m["vma_count"] <= nmaps, "vmas %d vs %d lines of maps" % (m["vma_count"], nmaps))
    check(within(m["vsize_bytes"], int(st["VmSize_kb"]) * 1024, 0.05), "vsize vs VmSize")
    check(m["last"]["at_exit"] and m["last"]["rss_anon_bytes"] >= 64 << 20,
          "last read at the exit, the mapping still there: %s" % m["last"])
    # BPF: creation or exec, passes, exit; /proc: read again only when some RSS moved
    check(m["samples"] >= 3 and m["smaps_samples"] >= 1, "sampled while it ran: %s" % m)
    check(m["pss_bytes"] and within(m["private_bytes"], m["pss_bytes"], 0.05),
          "no sharing in a lone process: private ~ pss: %s" % m)
    # Kernel bytes: the slab object sizes /proc/slabinfo gives, the page tables, a VMA each.
    sizes = [slab_objsize(c) for c in ("task_struct", "mm_struct", "signal_cache", "sighand_cache",
                                       "files_cache", "vm_area_struct")]
    lead = by_tid(r)[int(st["pid"])]["memory"]
    # (A cache merged into another has no line of its own: pvtrace then uses the BTF size.)
    if None not in sizes:
        want = (sizes[0] + lead["kernel_stack_bytes"] + sum(sizes[1:5]) +
                m["vma_count"] * sizes[5] + m["page_table_bytes"])
        check(m["kernel_bytes"] == want, "kernel bytes %d vs slabinfo sum %d" % (m["kernel_bytes"], want))
    else:
        print("  slabinfo lacks a cache (merged): kernel bytes checked by parts only")
    check(r["tracer"]["processes_untracked_memory"] == 0 and r["lost_events"] == 0, "nothing lost")


@test
def thread_stacks_are_what_was_requested_and_touched():
    ts = slab_objsize("task_struct")
    for stack_kib, touch_kib in ((64, 16), (256, 128), (2048, 1024)):
        r, _, threads = memhog(["--mib=4", "--threads=2", "--stack-kib=%d" % stack_kib,
                                "--touch-kib=%d" % touch_kib, "--hold-ms=350"])
        tasks = by_tid(r)
        check(len(threads) == 2, "two thread lines")
        for th in threads:
            m = tasks[int(th["tid"])]["memory"]
            size, guard = int(th["stack_size"]), int(th["guard"])
            check(size == stack_kib * 1024, "glibc gave what was asked: %s" % th)
            # Reserved: the stack mapping plus its guard, as pthread_getattr_np tells.
            check(m["stack_reserved_bytes"] == size + guard and m["stack_guard_bytes"] == guard,
                  "reserved %s vs %s + guard %s" % (m["stack_reserved_bytes"], size, guard))
            check(m["stack_start"] == int(th["stack_lo"], 16), "stack at %s: %s" % (th["stack_lo"], m))
            check(m["stack_resident_bytes"] is not None and
                  int(th["touched"]) <= m["stack_resident_bytes"] <= size,
                  "resident %s: touched %s of %s" % (m["stack_resident_bytes"], th["touched"], size))
            check(m["kernel_stack_bytes"] >= 16384 and
                  m["kernel_bytes"] == m["task_struct_bytes"] + m["kernel_stack_bytes"], "kernel %s" % m)
            check(ts is None or m["task_struct_bytes"] == ts, "task_struct %s vs slabinfo %s" % (m, ts))


@test
def copy_on_write_after_fork_shows_as_shared():
    r, me, _ = memhog(["--mib=64", "--threads=0", "--fork", "--hold-ms=400"])
    procs = {x["pid"]: x for x in r["processes"]}
    who = {x["role"]: procs[int(x["pid"])]["memory"] for x in me}
    c, par = who["child"], who["parent"]
    # The child wrote the first half (32 MiB): private to it; the other half stays shared.
    check(30 << 20 <= c["private_bytes"] <= 40 << 20, "child private %s" % c)
    # Only the child: the parent outlives it (it waits), so the parent's highest-PSS sample
    # may fall in the moment after the child died, when nothing is shared any more.
    check(c["shared_bytes"] >= 28 << 20, "shared %s" % c)
    check(par["pss_bytes"] is not None and par["rss_peak_bytes"] >= 64 << 20, "parent %s" % par)
    check(c["rss_peak_bytes"] >= 64 << 20, "RSS counts the shared pages too: %s" % c)
    check(c["pss_bytes"] < c["rss_peak_bytes"] - (10 << 20), "PSS splits the shared half")
    check(c["first"]["rss_anon_bytes"] >= 60 << 20, "at creation the child maps the parent's pages")
    s = r["summary"]["memory"]["processes"]
    check(s["count"] == 2 and s["marginal_bytes"] == s["private_bytes_p50"] + s["kernel_bytes_p50"],
          "marginal process: %s" % s)
    sm = r["summary"]["memory"]
    check(sm["threads"]["count"] == 0 and sm["process_to_thread"] is None, "no threads, no ratio")


@test
def exec_starts_the_memory_over():
    p, r = trace([CREATOR, "3"])
    check(p.returncode == 0, p.stderr.decode())
    # fork_exec and posix_spawn children exec /bin/true (vfork's call _exit): 3 of each
    kids = [x for x in r["processes"] if x["comm"] == "true"]
    tasks = by_tid(r)
    spawned = [x for x in kids if "CLONE_VFORK" in tasks[x["pid"]]["created"]["flags"]]
    check(len(kids) == 6 and len(spawned) == 3, "exec'd children: %d, %d by posix_spawn"
          % (len(kids), len(spawned)))
    for k in kids:
        m = k["memory"]
        check(m["before_exec"] is not None and m["before_exec"]["execs"] == 1 and
              m["before_exec"]["rss_peak_bytes"] > 0, "before exec: %s" % m)
        check(m["last"]["at_exit"] and m["rss_peak_bytes"] > 0, "after exec: %s" % m)
        check(m["first"]["at_ns"] >= 0 and m["last"]["at_ns"] >= m["first"]["at_ns"], "times")


@test
def without_sampling_memory_is_read_in_bpf_only():
    r, me, threads = memhog(["--mib=16", "--threads=2", "--hold-ms=250"], ["--interval", "0"])
    m = {x["pid"]: x for x in r["processes"]}[int(me[0]["pid"])]["memory"]
    check(m["last"]["at_exit"] and within(m["rss_peak_bytes"], int(me[0]["VmHWM_kb"]) * 1024, 0.05),
          "BPF's exit read: %s" % m)
    check(m["pss_bytes"] is None and m["smaps_samples"] == 0, "no smaps: %s" % m)
    t = by_tid(r)[int(threads[0]["tid"])]["memory"]
    check(t["stack_resident_bytes"] is None and t["stack_reserved_bytes"], "stack %s" % t)
    check(r["summary"]["memory"]["passes"] == 0, "no passes")


@test
def text_report_tells_the_marginal_memory_cost():
    with tempfile.NamedTemporaryFile(suffix=".txt") as f:
        p = run([PVTRACE, "run", "--no-status", "-o", f.name, "--", MEMHOG, "--mib=8",
                 "--threads=2", "--fork", "--hold-ms=300"])
        check(p.returncode == 0, p.stderr.decode())
        text = open(f.name).read()
    for want in ("MEMORY (sampled every 100 ms", "RSS-PEAK", "RESIDENT", "One more thread here:",
                 "One more process here:", "a thread in memory here"):
        check(want in text, "%r in the text report" % want)
    p, r = trace([MEMHOG, "--mib=8", "--threads=2", "--fork", "--hold-ms=300"])
    check(p.returncode == 0, p.stderr.decode())
    sm = r["summary"]["memory"]
    check(abs(sm["process_to_thread"] - sm["processes"]["marginal_bytes"] /
              sm["threads"]["marginal_bytes"]) < 1e-6, "ratio of the marginals: %s" % sm)


if __name__ == "__main__":
    import sys
    from helpers import precondition
    from testlib import main
    sys.exit(main("kernel", precondition))
