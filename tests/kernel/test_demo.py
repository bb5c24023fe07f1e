"""A first run without question marks: `make demo`'s very command line (make demo-command)
gives a text report whose every placeholder ("-", "?") is said why by a legend line under its
table, and whose memory tables have real figures for the demo's processes and threads: checked
against what this test reads of them in /proc while they run, and, on a recording of the same
workload, against the JSON report's figures.  A task too short-lived to be sampled shows its
placeholder, its legend line and its JSON reason; and pvtrace bench cites its articles by
title.  No assertion on time: the machine may be loaded.
"""
import json
import os
import re
import shlex
import subprocess
import tempfile
import time

from helpers import LEGEND, PVLOAD, PVTRACE, ROOT, by_tid, tmp
from testlib import check, run, test

MARKS = ("-", "?")
# the text's multi-word column heads, one column each
MULTI = ("TOP WAKER",)


def demo_command():
    """make demo's command line, from the Makefile itself (DEMO_CMD): it cannot drift."""
    p = run(["make", "-s", "--no-print-directory", "-C", ROOT, "demo-command"], timeout=60)
    check(p.returncode == 0, "make demo-command: %s" % p.stderr.decode())
    argv = shlex.split(p.stdout.decode().strip())
    check(argv[:3] == ["./pvtrace", "run", "--"] and "pvload" in argv[3],
          "demo command: %s" % argv)
    return argv


def heads(line):
    """A table header's columns: [(name, start, end)], multi-word heads joined."""
    cols = [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", line)]
    out = []
    for c in cols:
        if out and "%s %s" % (out[-1][0], c[0]) in MULTI:
            out[-1] = ("%s %s" % (out[-1][0], c[0]), out[-1][1], c[2])
        else:
            out.append(c)
    return out


def column_of(cols, start, end):
    """The column a cell at [start, end) is under: right-aligned (same end) or left (same start)."""
    for name, s, e in cols:
        if e == end or s == start:
            return name
    return None


def is_header(line):
    w = line.split()
    return (len(w) >= 4 and w[0] in ("PID", "TID") and all(x.upper() == x for x in w)) or \
        line.strip() in ("threads              processes", "same process        another process")


def tables(text):
    """Each table of a text report: (header line, its rows, the legend lines under it, the lines
    of the block that are neither)."""
    out = []
    for block in re.split(r"\n\s*\n", text):
        lines = block.split("\n")
        i = 0
        while i < len(lines):
            if not is_header(lines[i]):
                i += 1
                continue
            head, rows, legend = lines[i], [], []
            i += 1
            while i < len(lines) and not is_header(lines[i]) and not LEGEND.match(lines[i]):
                rows.append(lines[i])
                i += 1
            while i < len(lines) and LEGEND.match(lines[i]):
                legend.append(lines[i])
                i += 1
            out.append((head, rows, legend))
    return out


def unexplained(text):
    """Every placeholder cell of every table of a text report, each covered by a legend line
    under its table naming its mark and column, each legend line's count that of its rows;
    the marginal-cost lines' "?" likewise.  A list of what is not so (empty: all said)."""
    bad = []
    for head, rows, legend in tables(text):
        cols = heads(head)
        said = {}
        for l in legend:
            m = LEGEND.match(l)
            key = (m.group(1), m.group(2))
            said[key] = said.get(key, 0) + int(m.group(3))
        seen = {}
        for row in rows:
            if not row.strip() or not (row.split()[0].isdigit() or head.strip()[0].islower()):
                continue  # a footnote, not a row
            if head.strip()[0].islower() and not re.search(r"\s-(\s|$)", row):
                continue
            cells = [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", row)]
            hit = {}
            for c, s, e in cells:
                if c not in MARKS:
                    continue
                col = column_of(cols, s, e)
                if col is None:
                    bad.append("a %r under no column: %r" % (c, row))
                    continue
                keys = [k for k in said if k[0] == c and
                        (col in k[1].split(", ") or k[1] == "every column")]
                if not keys:
                    bad.append("%r in %s unexplained (no legend line): %r" % (c, col, row))
                for k in keys:
                    hit[k] = True
            for k in hit:
                seen[k] = seen.get(k, 0) + 1
        for k, n in said.items():
            if seen.get(k, 0) != n:
                bad.append("legend %s in %s says %d rows, the table shows %d (%s)"
                           % (k[0], k[1], n, seen.get(k, 0), head.strip()[:40]))
    # the marginal-cost lines (MEMORY): "stack ? resident", "(? reserved", "private ?"
    for pat, col in ((r"stack \? resident", "stack resident"), (r"\(\? reserved", "reserved"),
                     (r"private \?", "private")):
        if re.search(pat, text) and not re.search(r"\n  \? in %s \(" % col, text):
            bad.append("%r: its ? unexplained" % col)
    # no lone mark anywhere else, outside the tables and their legends
    in_tables = {l for h, rows, leg in tables(text) for l in rows + leg}
    for l in text.splitlines():
        if l in in_tables or LEGEND.match(l) or "One more" in l or l.startswith(" " * 25 + "+"):
            continue
        if any(w in MARKS for w in l.split()):
            bad.append("a lone mark outside a table: %r" % l)
    return bad


def section(text, title):
    """The lines of the MEMORY section's table whose title line starts with @title."""
    lines = text.splitlines()
    i = next(k for k, l in enumerate(lines) if l.startswith(title))
    head = lines[i + 1]
    rows = []
    for l in lines[i + 2:]:
        if not l.split() or not l.split()[0].isdigit():
            break
        rows.append(l)
    return head, rows


def cells(head, row):
    """{column: cell} of a table row (COMM may not have spaces: the demo's names have none)."""
    cols = heads(head)
    out = {}
    for m in re.finditer(r"\S+", row):
        col = column_of(cols, m.start(), m.end())
        if col:
            out[col] = m.group()
    return out


UNITS = {"B": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}


def parse_bytes(s):
    return float(s[:-1]) * UNITS[s[-1]]


def fmt_bytes(b):
    """user/common.c: pvt_fmt_bytes()."""
    if b < 1024:
        return "%dB" % b
    if b < 1024 ** 2:
        return "%.1fK" % (b / 1024)
    if b < 1024 ** 3:
        return "%.1fM" % (b / 1024 ** 2)
    return "%.2fG" % (b / 1024 ** 3)


def precision(s):
    """Half a unit of the last digit the text shows."""
    return 0.05 * UNITS[s[-1]] if "." in s else 0.5 * UNITS[s[-1]]


def proc_status(pid):
    """{field: value} of /proc/PID/status, or None if it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            return dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None


def kb(st, key):
    return int(st[key].split()[0]) * 1024 if st and key in st else 0


def children(pid):
    """The pids whose parent is @pid (a scan of /proc)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        if int(st[st.rindex(")") + 2:].split()[1]) == pid:
            out.append(int(d))
    return out


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


def run_watching(argv):
    """Run @argv (in the tree's root) while reading /proc of the processes it creates: the
    completed process's (returncode, stdout, stderr) and, per pid, the least and the most
    resident memory seen (VmRSS)."""
    seen = {}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(argv, cwd=ROOT, stdout=out, stderr=err)
        try:
            root = None
            deadline = time.monotonic() + 300
            while p.poll() is None and time.monotonic() < deadline:
                if root is None:  # the command, once it is pvload (pvtrace forks, it execs)
                    root = next((c for c in children(p.pid) if comm(c) == "pvload"), None)
                pids = ([root] + children(root)) if root else []
                for pid in pids:
                    st = proc_status(pid)
                    if st and st.get("Tgid") == str(pid) and "VmRSS" in st:
                        rss = kb(st, "VmRSS")
                        lo, hi = seen.get(pid, (rss, rss))
                        seen[pid] = (min(lo, rss), max(hi, rss))
                time.sleep(0.02)
            p.wait(timeout=300)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        out.seek(0)
        err.seek(0)
        return p.returncode, out.read().decode(), err.read().decode(), seen


def record_and_report(load, extra=()):
    """pvtrace record of @load, then its text report (--top 0) and its JSON report."""
    data = tmp(".data")
    try:
        p = run([PVTRACE, "record", "--no-status", "-o", data, *extra, "--", *load], timeout=300)
        check(p.returncode == 0, "record: %s" % p.stderr.decode()[-2000:])
        t = run([PVTRACE, "report", "-i", data, "--top", "0"], timeout=120)
        j = run([PVTRACE, "report", "-i", data, "-f", "json"], timeout=120)
        check(t.returncode == 0 and j.returncode == 0, "report: %s" % t.stderr.decode())
        return t.stdout.decode(), json.loads(j.stdout.decode())
    finally:
        if os.path.exists(data):
            os.unlink(data)


@test
def demo_report_says_why_of_every_placeholder():
    argv = demo_command()
    rc, out, text, seen = run_watching(argv)
    check(rc == 0, "the demo exit %d: %s" % (rc, text[-2000:]))
    check("churn threads n=50" in out and "churn procs n=20" in out and "pingpong procs" in out,
          "pvload's own summary lines (the demo's workload ran): %r" % out)
    check("MEMORY (sampled every 100 ms" in text, "memory section:\n%s" % text)
    bad = unexplained(text)
    check(not bad, "placeholders not said why:\n  %s\n%s" % ("\n  ".join(bad), text))

    # The memory tables: every row shown has its figures; every process and thread sampled.
    head, rows = section(text, "  processes by peak RSS")
    check(rows, "process rows")
    procs = {}
    for row in rows:
        c = cells(head, row)
        check(not any(v in MARKS for v in c.values()), "a process without figures: %r" % row)
        procs[int(c["PID"])] = c
    head_s, srows = section(text, "  thread stacks by resident size")
    for row in srows:
        c = cells(head_s, row)
        check(not any(v in MARKS for v in c.values()), "a stack without figures: %r" % row)
        check(parse_bytes(c["RESIDENT"]) <= parse_bytes(c["RESERVED"]), "resident %r" % row)
    m = re.search(r"\(p50 over (\d+) processes, (\d+) with smaps samples\)", text)
    check(m and m.group(1) == m.group(2), "every process sampled: %s" % (m and m.group()))
    m = re.search(r"tasks in (\d+) processes", text)
    n_procs = int(m.group(1))
    m = re.search(r"p50, (\d+) sampled\)", text)
    t = re.search(r"^  tasks +(\d+) +\d+$", text, re.M)
    check(m and t and m.group(1) == t.group(1), "every thread's stack sampled: %s of %s"
          % (m and m.group(1), t and t.group(1)))
    check(n_procs == 23, "the demo's 23 processes: %d" % n_procs)

    # Against /proc, read by this test while they ran (VmRSS): the peak is at least the most
    # resident memory seen (it may be more: BPF's last sample, at the exit, sees the pages the
    # exit path faulted in, which no read of /proc can).  And the two sources agree: the smaps
    # sample (a page-table walk: PRIVATE + SHARED is its Rss) within BPF's peak (the mm's
    # counters), PSS within that Rss.
    checked = 0
    for pid, c in procs.items():
        peak, slack = parse_bytes(c["RSS-PEAK"]), precision(c["RSS-PEAK"])
        rss = parse_bytes(c["PRIVATE"]) + parse_bytes(c["SHARED"])
        rss_slack = precision(c["PRIVATE"]) + precision(c["SHARED"])
        check(rss <= peak + slack + rss_slack and parse_bytes(c["PSS"]) <= rss + rss_slack +
              precision(c["PSS"]), "pid %d: smaps Rss %d, PSS %s within the peak %s: %s"
              % (pid, rss, c["PSS"], c["RSS-PEAK"], c))
        if pid not in seen:
            continue
        hi = seen[pid][1]
        check(peak + slack >= hi, "pid %d: peak %s below the %d bytes resident seen"
              % (pid, c["RSS-PEAK"], hi))
        checked += 1
    check(checked >= len(procs) // 2, "/proc read of %d of the %d processes shown"
          % (checked, len(procs)))

    # The same workload recorded: its text report's memory figures are its JSON's, and the
    # JSON says every process and thread was sampled (no reason for a missing figure).
    text2, r = record_and_report(argv[3:])
    bad = unexplained(text2)
    check(not bad, "placeholders not said why (report -i):\n  %s" % "\n  ".join(bad))
    jp = {p["pid"]: p for p in r["processes"]}
    head, rows = section(text2, "  processes by peak RSS")
    check(len(rows) == len(r["processes"]) == 23, "all 23 processes (--top 0): %d" % len(rows))
    for row in rows:
        c = cells(head, row)
        m = jp[int(c["PID"])]["memory"]
        check(m is not None and m["smaps_missing"] is None and m["smaps_samples"] >= 1,
              "process %s sampled: %s" % (c["PID"], m))
        want = {"RSS-PEAK": fmt_bytes(m["rss_peak_bytes"]),
                "PRIVATE": fmt_bytes(m["private_bytes"]),
                "SHARED": fmt_bytes(m["shared_bytes"]), "PSS": fmt_bytes(m["pss_bytes"]),
                "PGTABLES": fmt_bytes(m["page_table_bytes"]), "VMAS": str(m["vma_count"]),
                "KERNEL": fmt_bytes(m["kernel_bytes"])}
        got = {k: c[k] for k in want}
        check(got == want, "pid %s: text %s, JSON %s" % (c["PID"], got, want))
    tasks = by_tid(r)
    head, rows = section(text2, "  thread stacks by resident size")
    check(len(rows) == len(r["tasks"]) == 79, "all 79 tasks (--top 0): %d" % len(rows))
    for row in rows:
        c = cells(head, row)
        m = tasks[int(c["TID"])]["memory"]
        check(m["stack_resident_missing"] is None and m["stack_reserved_missing"] is None,
              "tid %s sampled: %s" % (c["TID"], m))
        want = {"RESERVED": fmt_bytes(m["stack_reserved_bytes"]),
                "GUARD": fmt_bytes(m["stack_guard_bytes"]),
                "RESIDENT": fmt_bytes(m["stack_resident_bytes"]),
                "KERNEL": fmt_bytes(m["kernel_bytes"])}
        got = {k: c[k] for k in want}
        check(got == want, "tid %s: text %s, JSON %s" % (c["TID"], got, want))


@test
def too_short_lived_to_sample_says_so():
    # No pass in the trace: the first would come a second in, the churn is over long before.
    load = [PVLOAD, "churn", "--threads=3", "--procs=3", "--quiet"]
    text, r = record_and_report(load, ["--interval", "1000"])
    bad = unexplained(text)
    check(not bad, "placeholders not said why:\n  %s\n%s" % ("\n  ".join(bad), text))
    why = "lived shorter than the 1000 ms sampling interval"
    head, rows = section(text, "  processes by peak RSS")
    short = [p for p in r["processes"] if p["memory"]["smaps_missing"] == "short_lived"]
    check(len(short) == len(r["processes"]) == 4, "the 3 churn processes and pvload, none "
          "sampled: %s" % [(p["pid"], p["memory"]["smaps_missing"]) for p in r["processes"]])
    for p in short:
        check(p["memory"]["pss_bytes"] is None and p["memory"]["smaps_samples"] == 0 and
              p["end_ns"] - p["start_ns"] < 1e9, "short-lived: %s" % p)
        row = [x for x in rows if x.split()[0] == str(p["pid"])]
        c = cells(head, row[0])
        check((c["PRIVATE"], c["SHARED"], c["PSS"]) == ("-", "-", "-"), "placeholders: %r" % row)
    check("\n  - in PRIVATE, SHARED, PSS (4 processes): %s\n" % why in text,
          "the legend line:\n%s" % text)
    threads = [t for t in r["tasks"] if t["kind"] == "thread"]
    check(len(threads) == 3 and all(t["memory"]["stack_resident_missing"] == "short_lived" and
                                    t["memory"]["stack_resident_bytes"] is None for t in threads),
          "threads: %s" % [t["memory"] for t in threads])
    check("\n  - in RESIDENT (7 threads): %s\n" % why in text, "stacks' legend:\n%s" % text)
    check("+ stack ? resident" in text and
          "\n  ? in stack resident (3 threads): %s\n" % why in text,
          "the marginal line's ? said why:\n%s" % text)
    # Without sampling at all: said so, and nothing else.
    text, r = record_and_report(load, ["--interval", "0"])
    check(not unexplained(text), "--interval 0: %s" % unexplained(text))
    check("\n  - in PRIVATE, SHARED, PSS (4 processes): not sampled: --interval 0\n" in text and
          why not in text, "--interval 0's legend:\n%s" % text)
    check(all(p["memory"]["smaps_missing"] == "interval_off" for p in r["processes"]),
          "interval_off: %s" % [p["memory"]["smaps_missing"] for p in r["processes"]])


@test
def bench_cites_its_articles_by_title():
    titles = ('[1] "Understanding Process vs Thread from the Ground Up", by Vijay',
              '[2] "Threads vs. Processes"')
    p = run([PVTRACE, "bench", "--quick", "--runs", "1", "-s", "memory"], timeout=600)
    check(p.returncode == 0, "bench: %s" % p.stderr.decode())
    out = p.stdout.decode()
    for t in titles:
        check("\n  " + t in out, "%r cited:\n%s" % (t, out))
    check("docs/" not in out and "shared/" not in out, "a path instead of a citation:\n%s" % out)
    # each seed range and claim names its article; each "-" said why under its table
    refs = re.findall(r"\d+-\d+ KiB \[(\d)\]", out)
    check(refs and set(refs) == {"2"}, "memory's ranges cite [2]: %s" % refs)
    check("3-minute" in out and re.search(r"x  \[2\] kernel memory", out), "the claim cites [2]")
    lines = out.splitlines()
    dashes = sum(1 for l in lines if l.startswith("  memory.") and l.split()[6:8] == ["-", "-"])
    m = re.search(r"\n  - in seed, verdict \((\d+) results?\): the articles give no figure "
                  r"for it\n", out)
    check(dashes and m and int(m.group(1)) == dashes, "%d results without a seed figure, said: %s"
          % (dashes, m and m.group()))
    h = run([PVTRACE, "bench", "--help"])
    check(h.returncode == 0 and all(t[4:] in h.stdout.decode() for t in titles),
          "--help names the articles: %s" % h.stdout.decode())
    check("shared/" not in h.stdout.decode(), "--help points to no path of the articles")


if __name__ == "__main__":
    import sys
    from helpers import precondition
    from testlib import main
    sys.exit(main("kernel", precondition))
