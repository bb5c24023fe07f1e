"""pvtrace record and report: a recording's report equals the report run wrote for the same
trace (every figure, the JSON compared whole); the recording's size per switch; files cut
short, corrupted, of another version or not recordings at all get one line and exit 1; the
files record refuses to replace; a recording killed mid-way is a readable prefix.
"""
import json
import os
import signal
import subprocess
import time

from helpers import PVLOAD, PVTRACE, assert_consistent, assert_exact, record, tmp
from testlib import check, run, test


def report(data, *args):
    return run([PVTRACE, "report", "-i", data, *args], timeout=120)


@test
def report_of_a_recording_equals_runs_report():
    p, data, r = record([PVLOAD, "mixed", "--quiet"])
    try:
        assert_exact(r)
        assert_consistent(r)
        q = report(data, "-f", "json")
        check(q.returncode == 0, "report exit %d: %s" % (q.returncode, q.stderr.decode()))
        r2 = json.loads(q.stdout.decode())
        bad = [k for k in set(r) | set(r2) if r.get(k) != r2.get(k)]
        check(not bad, "the report from the recording differs in %s" % bad)
        check(r2 == r, "equal reports")
        # the text report too, and another --top (the same figures, fewer rows)
        q = report(data, "--top", "3")
        check(q.returncode == 0 and "TASKS by switches (3 of" in q.stdout.decode(),
              "text report: %s" % q.stderr.decode())
        check("recorded" in p.stderr.decode() and "no event lost" in p.stderr.decode(),
              "record's summary: %r" % p.stderr.decode())
    finally:
        os.unlink(data)


@test
def a_recording_takes_at_most_8_bytes_per_switch():
    for kind in ("--threads", "--procs"):
        p, data, r = record([PVLOAD, "pingpong", kind, "--pin", "0", "--rounds", "50000", "--quiet"])
        try:
            size = os.path.getsize(data)
            sw = r["tracer"]["switches_seen"]
            check(sw >= 100000, "the ping-pong switched: %d" % sw)
            check(size <= 8 * sw, "%s: %d bytes for %d switches (%.2f each)" %
                  (kind, size, sw, size / sw))
        finally:
            os.unlink(data)


def one_line_exit_1(data, what):
    for args in ((), ("-f", "json")):
        q = report(data, *args)
        err = q.stderr.decode()
        check(q.returncode == 1 and err.count("\n") == 1 and what in err and not q.stdout,
              "%s: exit %d, %r" % (what, q.returncode, err))


@test
def broken_recordings_get_one_line_and_exit_1():
    _, data, _ = record([PVLOAD, "pingpong", "--rounds", "20000", "--quiet"])
    bad = tmp(".data")
    try:
        with open(data, "rb") as f:
            whole = f.read()
        with open(bad, "wb") as f:
            f.write(whole[:len(whole) // 2])
        one_line_exit_1(bad, "truncated")
        with open(bad, "wb") as f:  # a flipped byte in the middle: a chunk fails its checksum
            mid = len(whole) // 2
            f.write(whole[:mid] + bytes([whole[mid] ^ 0x40]) + whole[mid + 1:])
        one_line_exit_1(bad, "corrupt")
        with open(bad, "wb") as f:
            f.write(whole[:8] + (99).to_bytes(4, "little") + whole[12:])
        one_line_exit_1(bad, "version 99")
        one_line_exit_1("/etc/passwd", "not a pvtrace recording")
        with open(bad, "wb") as f:
            pass
        one_line_exit_1(bad, "not a pvtrace recording")
        one_line_exit_1("/nonexistent/x.data", "No such file")
    finally:
        os.unlink(data)
        os.unlink(bad)


@test
def record_replaces_only_recordings():
    path = tmp(".data")
    try:
        with open(path, "w") as f:
            f.write("precious\n")
        p = run([PVTRACE, "record", "-o", path, "--", "true"])
        err = p.stderr.decode()
        check(p.returncode == 1 and "not a pvtrace recording" in err and "--force" in err,
              "refused: %d %r" % (p.returncode, err))
        check(open(path).read() == "precious\n", "left alone")
        p = run([PVTRACE, "record", "--force", "-o", path, "--", "true"])
        check(p.returncode == 0 and report(path).returncode == 0, "--force: %s" % p.stderr.decode())
        p = run([PVTRACE, "record", "-o", path, "--", "true"])  # a recording: replaced
        check(p.returncode == 0, "a recording is replaced: %s" % p.stderr.decode())
        link = path + ".link"
        os.symlink(path, link)
        try:
            p = run([PVTRACE, "record", "--force", "-o", link, "--", "true"])
            check(p.returncode == 1 and "symbolic link" in p.stderr.decode(), "link refused")
        finally:
            os.unlink(link)
    finally:
        os.unlink(path)


@test
def a_recording_killed_midway_is_a_readable_prefix():
    data = tmp(".data")
    p = subprocess.Popen([PVTRACE, "record", "--no-status", "-o", data, "--", PVLOAD, "pingpong",
                          "--rounds", "100000000", "--quiet"], stderr=subprocess.PIPE)
    try:
        time.sleep(2.5)  # chunks are written out every second
        kids = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True).stdout.split()
        p.send_signal(signal.SIGKILL)
        p.wait()
        for k in kids:
            try:
                os.kill(int(k), signal.SIGKILL)
            except ProcessLookupError:
                pass
        check(os.path.getsize(data) > 10000, "a prefix was written: %d bytes" % os.path.getsize(data))
        one_line_exit_1(data, "truncated")
    finally:
        os.unlink(data)


@test
def record_of_a_running_process_reports_as_attach():
    from test_attach import pingpong_process
    w = pingpong_process()
    data, rep = tmp(".data"), tmp(".json")
    try:
        p = run([PVTRACE, "record", "--no-status", "-o", data, "--report=" + rep, "-f", "json",
                 "-p", str(w.pid), "-d", "0.5"], timeout=60)
        check(p.returncode == 0, "record -p: %s" % p.stderr.decode()[-2000:])
        with open(rep) as f:
            r = json.load(f)
        q = report(data, "-f", "json")
        check(q.returncode == 0, "report: %s" % q.stderr.decode())
        r2 = json.loads(q.stdout.decode())
        check(r2 == r, "the report from the recording differs in %s" %
              [k for k in set(r) | set(r2) if r.get(k) != r2.get(k)])
        check(r["mode"] == "attach" and r["attach"]["pids"] == [w.pid] and
              r["verified"]["exact"] == r["verified"]["tasks"] == 3, "attach report %s" % r["verified"])
    finally:
        w.kill()
        w.wait()
        for f in (data, rep):
            if os.path.exists(f):
                os.unlink(f)
    for args, what in ((["-p", "1", "--", "true"], "not both"), (["-d", "1", "--", "true"], "--duration"),
                       (["-p", "1", "--cgroup", "/"], "cannot be combined")):
        q = run([PVTRACE, "record", *args])
        check(q.returncode == 2 and what in q.stderr.decode(), "%s: %r" % (args, q.stderr.decode()))
