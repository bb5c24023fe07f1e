"""The files pvtrace writes and reads (user/output.c, user/calibrate.c; README "Files pvtrace
creates and reads"): the command inherits none of pvtrace's descriptors; -o - is stdout and
holds the report alone; a report replaces its file only once whole, so a failed run leaves the
old one and no temporary file; symbolic links are refused, /dev/null works; under sudo the
files are the invoking user's; a calibration file that is not a regular file, too large, or
out of range is refused with one line, without hanging.
"""
import json
import os
import signal
import subprocess
import tempfile
import time

from helpers import PVTRACE
from testlib import check, run, test


def lines(path):
    with open(path, "rb") as f:
        return f.read().splitlines()


@test
def workload_inherits_only_stdio():
    # -o FILE and --events=FILE are open in pvtrace while the command runs; the command must
    # see neither (the report once held what it wrote to fd 3).  subprocess starts pvtrace
    # with only 0, 1, 2 (close_fds), so anything more would be pvtrace's.
    with tempfile.TemporaryDirectory() as d:
        rep, ev = os.path.join(d, "report"), os.path.join(d, "events")
        script = 'ls /proc/$$/fd; echo JUNK >&3; echo JUNK >&4; echo JUNK >&5; true'
        p = run([PVTRACE, "run", "--no-status", "--bpf-stats", "-o", rep, "--events=" + ev,
                 "--", "sh", "-c", script])
        check(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr.decode()))
        fds = sorted(int(x) for x in p.stdout.split())
        check(fds == [0, 1, 2], "the command's descriptors: %s" % fds)
        check(b"JUNK" not in lines(rep) and b"JUNK" not in lines(ev),
              "what the command wrote to fd 3/4/5 is in no output")
        check(b"Bad file descriptor" in p.stderr or b"bad file" in p.stderr.lower(),
              "fd 3 was not open in the command: %r" % p.stderr)
        check(any(x.startswith(b"pvtrace ") for x in lines(rep)), "the report is whole")


@test
def report_on_stdout_is_the_report_alone():
    # -o -: stdout is exactly the JSON report; the command's stderr and pvtrace's own
    # warnings (here: a missing calibration file) go to stderr.  (The command writes only to
    # stderr: its stdout would be the same stream as the report, like perf record -o -.)
    with tempfile.TemporaryDirectory() as d:
        p = run([PVTRACE, "run", "--no-status", "-f", "json", "-o", "-", "--calibration",
                 os.path.join(d, "missing.json"), "--", "sh", "-c", "echo oops$((6*7)) >&2"], cwd=d)
        check(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr.decode()))
        check(not os.path.exists(os.path.join(d, "-")), "no file named '-'")
        try:
            r = json.loads(p.stdout)
        except ValueError as e:
            raise AssertionError("stdout is not the JSON report (%s): %r" % (e, p.stdout[:300]))
        check(r["schema"] == "pvtrace.report/1", "schema %r" % r.get("schema"))
        # (the command line, in the report, has "oops$((6*7))"; what it printed is "oops42")
        check(b"oops42" not in p.stdout and b"warning" not in p.stdout, "stdout: report only")
        err = p.stderr.decode()
        check("oops42\n" in err and "warning: no switch-cost estimates" in err,
              "the command's stderr and the warning on stderr: %r" % err)
        # --events=- is stdout too; the text report still goes to stderr.
        p = run([PVTRACE, "run", "--no-status", "--events=-", "--", "true"], cwd=d)
        check(p.returncode == 0 and b"exec" in p.stdout and b"exit" in p.stdout and
              b"PROCESSES" in p.stderr and b"PROCESSES" not in p.stdout,
              "--events=-: %r / %r" % (p.stdout[:200], p.stderr[:200]))


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


@test
def failed_run_keeps_the_old_report():
    with tempfile.TemporaryDirectory() as d:
        rep = os.path.join(d, "r.json")
        with open(rep, "w") as f:
            f.write("old report\n")
        # The command cannot be executed (its interpreter is missing): exit 127 after the
        # outputs were opened.
        script = os.path.join(d, "script")
        with open(script, "w") as f:
            f.write("#!/nonexistent/interpreter\n")
        os.chmod(script, 0o755)
        p = run([PVTRACE, "run", "--no-status", "-f", "json", "-o", rep, "--", script])
        check(p.returncode == 127, "exit %d: %s" % (p.returncode, p.stderr.decode()))
        check(open(rep).read() == "old report\n", "the old report is intact")
        check(sorted(os.listdir(d)) == ["r.json", "script"], "no temporary file: %s"
              % os.listdir(d))
        # pvtrace killed outright while the command runs: the old report, nothing else.
        pv = subprocess.Popen([PVTRACE, "run", "--no-status", "-o", rep, "--", "sleep", "30"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kids, t0 = [], time.time()
        while time.time() - t0 < 30 and not kids:
            time.sleep(0.1)
            kids = children(pv.pid)
        time.sleep(0.3)
        pv.kill()
        pv.wait()
        for k in kids:
            try:
                os.kill(k, signal.SIGKILL)
            except ProcessLookupError:
                pass
        check(kids, "the command was started")
        check(open(rep).read() == "old report\n", "killed: the old report is intact")
        check(sorted(os.listdir(d)) == ["r.json", "script"], "killed: no temporary file: %s"
              % os.listdir(d))
        # And a run that works replaces it.
        p = run([PVTRACE, "run", "--no-status", "-f", "json", "-o", rep, "--", "true"])
        check(p.returncode == 0 and json.load(open(rep))["schema"] == "pvtrace.report/1",
              "replaced: exit %d: %s" % (p.returncode, p.stderr.decode()))
        check(sorted(os.listdir(d)) == ["r.json", "script"], "no temporary file: %s"
              % os.listdir(d))


@test
def symlinks_refused_devices_written():
    with tempfile.TemporaryDirectory() as d:
        target, link = os.path.join(d, "target"), os.path.join(d, "link")
        with open(target, "w") as f:
            f.write("precious\n")
        os.symlink(target, link)
        for opt in (["-o", link], ["--events=" + link]):
            p = run([PVTRACE, "run", "--no-status", *opt, "--", "true"])
            err = p.stderr.decode().strip().splitlines()
            check(p.returncode == 1 and len(err) == 1 and "symbolic link" in err[0],
                  "%s: exit %d, %s" % (opt, p.returncode, err))
            check(open(target).read() == "precious\n", "%s: the link's target untouched" % opt)
            check(os.path.islink(link), "%s: the link is still a link" % opt)
        # /dev/null: written as it is, not replaced
        p = run([PVTRACE, "run", "--no-status", "-o", "/dev/null", "--events=/dev/null", "--",
                 "true"])
        check(p.returncode == 0 and p.stderr == b"", "/dev/null: exit %d: %r"
              % (p.returncode, p.stderr))
        check(os.path.exists("/dev/null") and not os.path.isfile("/dev/null"),
              "/dev/null is still a device")


@test
def sudo_user_owns_the_files():
    # As sudo leaves them: SUDO_UID and SUDO_GID, euid 0.
    with tempfile.TemporaryDirectory() as d:
        rep, ev = os.path.join(d, "r.json"), os.path.join(d, "events")
        env = dict(os.environ, SUDO_UID="65534", SUDO_GID="65534")
        p = run([PVTRACE, "run", "--no-status", "-o", rep, "--events=" + ev, "--", "true"],
                env=env)
        check(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr.decode()))
        for path in (rep, ev):
            st = os.stat(path)
            check((st.st_uid, st.st_gid) == (65534, 65534), "%s owned by %d:%d"
                  % (os.path.basename(path), st.st_uid, st.st_gid))


@test
def untrusted_calibration_files():
    # What a calibration file can do: the run ends at once, one line says why, and no
    # estimate is made from it.  A FIFO once blocked pvtrace after the command had ended.
    with tempfile.TemporaryDirectory() as d:
        fifo, big, huge = (os.path.join(d, n) for n in ("fifo", "big.json", "huge.json"))
        os.mkfifo(fifo)
        with open(big, "wb") as f:
            f.write(b" " * (2 << 20))
        cal = {"schema": "pvtrace.calibration/1", "created": "2026-01-01T00:00:00Z",
               "machine": {"hostname": "h", "kernel": "k", "cpu_model": "c"},
               "results": [{"name": n, "roundtrip_ns": 3000} for n in
                           ("pipe_threads", "pipe_processes", "futex_threads",
                            "futex_processes")],
               "switch_cost_ns": {"same_address_space": 1e300, "address_space_change": 2000}}
        with open(huge, "w") as f:
            json.dump(cal, f)
        for path, why in ((fifo, "a FIFO"), (d, "a directory"), ("/dev/zero", "a character device"),
                          (big, "larger than"), (huge, "out of range")):
            t0 = time.time()
            p = run([PVTRACE, "run", "--no-status", "-f", "json", "-o", "-", "--calibration",
                     path, "--", "true"], timeout=60)
            err = p.stderr.decode()
            check(p.returncode == 0, "%s: exit %d: %s" % (why, p.returncode, err))
            check(why in err and "no switch-cost estimates" in err, "%s: %r" % (why, err))
            r = json.loads(p.stdout)
            check(r["calibration"] is None and r["tasks"] and
                  all(t["switch_cost"]["estimated_ns"] is None for t in r["tasks"]),
                  "%s: no estimate" % why)
            check(time.time() - t0 < 30, "%s: took %.1fs" % (why, time.time() - t0))


if __name__ == "__main__":
    import sys
    from helpers import precondition
    from testlib import main
    sys.exit(main("kernel", precondition))
