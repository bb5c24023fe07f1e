"""Signals to pvtrace reach the command (user/sigfwd.c): a Ctrl-C on the terminal reaches it
once, whether it stayed in pvtrace's process group (the terminal's own signal, not a second
one) or left it (setsid: pvtrace passes it on); the report is still written; the third
signal stops pvtrace itself.

The terminal is a real one: pvtrace runs on a pseudo-terminal (pty.fork: pvtrace leads the
session and its foreground process group), and b"\\x03" written to the master is the line
discipline's SIGINT to that group, with si_code SI_KERNEL as from a keyboard.
"""
import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

from helpers import PVTRACE
from testlib import check, run, test

# The command: SIGINT blocked and waited for; it prints "ready PID PGID", then each SIGINT's
# si_code and sender for half a second after the first, and exits 7.  With "setsid" it first
# leaves pvtrace's session and process group.
WAITER = r"""
import os, signal, sys
if sys.argv[1] == "setsid":
    os.setsid()
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
print("ready %d %d" % (os.getpid(), os.getpgrp()), flush=True)
got = [signal.sigwaitinfo({signal.SIGINT})]
while True:
    i = signal.sigtimedwait({signal.SIGINT}, 0.5)
    if i is None:
        break
    got.append(i)
print("got " + " ".join("%d:%d" % (i.si_code, i.si_pid) for i in got), flush=True)
sys.exit(7)
"""
SI_USER, SI_KERNEL = 0, 0x80


def ctrl_c_on_a_terminal(mode):
    """pvtrace on a pty runs WAITER; Ctrl-C once it is ready.  Returns (pvtrace's pid, its
    exit code or None if it did not end, the pty output, the report or None)."""
    fd_rep, rep = tempfile.mkstemp(suffix=".json")
    os.close(fd_rep)
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execv(PVTRACE, [PVTRACE, "run", "--no-status", "-f", "json", "-o", rep, "--",
                               sys.executable, "-c", WAITER, mode])
        finally:
            os._exit(127)
    buf, code, cmd, sent = b"", None, None, None
    deadline = time.time() + 60
    try:
        while time.time() < deadline:
            rl, _, _ = select.select([fd], [], [], 0.1)
            if rl:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    chunk = b""
                buf += chunk
            if sent is None and b"ready" in buf and b"\n" in buf[buf.index(b"ready"):]:
                cmd = int(buf[buf.index(b"ready"):].split()[1])
                os.write(fd, b"\x03")  # the terminal's Ctrl-C
                sent = time.time()
                deadline = sent + 30  # generous: a loaded machine
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(st)
                break
    finally:
        if code is None:
            # Old behaviour: the command never heard of the Ctrl-C.  Stop both.
            for p in (pid, cmd):
                if p:
                    try:
                        os.kill(p, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            os.waitpid(pid, 0)
        os.close(fd)
    try:
        with open(rep) as f:
            text = f.read()
        report = json.loads(text) if text else None
    finally:
        os.unlink(rep)
    return pid, code, buf.decode(errors="replace"), report


def received(out):
    """The command's "got CODE:PID ..." line (after the terminal's echo of ^C)."""
    m = re.search(r"got ((?:\d+:\d+ ?)+)", out)
    check(m, "the command got no SIGINT: %r" % out[-600:])
    return [tuple(int(x) for x in g.split(":")) for g in m.group(1).split()]


@test
def ctrl_c_reaches_a_command_that_left_the_process_group():
    pid, code, out, report = ctrl_c_on_a_terminal("setsid")
    check(code is not None, "pvtrace still running 30 s after Ctrl-C (the command, in a "
          "session of its own, never got it): %r" % out[-600:])
    got = received(out)
    # Once, from pvtrace (the terminal's went to pvtrace's group, which it had left).
    check(got == [(SI_USER, pid)], "SIGINTs got (si_code:si_pid): %s, want [(0, %d)]"
          % (got, pid))
    check(code == 7, "pvtrace's exit %s: %r" % (code, out[-600:]))
    check(report is not None and report["exit"] == {"code": 7, "signal": None},
          "report: %s" % (report and report["exit"]))


@test
def ctrl_c_reaches_a_command_in_the_group_once():
    pid, code, out, report = ctrl_c_on_a_terminal("stay")
    check(code == 7, "pvtrace's exit %s: %r" % (code, out[-600:]))
    got = received(out)
    # The terminal's own, not a second one from pvtrace.
    check(got == [(SI_KERNEL, 0)], "SIGINTs got (si_code:si_pid): %s" % got)
    check(report is not None and report["exit"] == {"code": 7, "signal": None},
          "report: %s" % (report and report["exit"]))


def wait_handled(pid, sig, timeout=30):
    """Until @sig sent to process @pid is no longer pending: its handler has run (a second
    one sent before that would merge with it)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with open("/proc/%d/status" % pid) as f:
                pend = [int(l.split()[1], 16) for l in f if l.startswith(("SigPnd", "ShdPnd"))]
        except OSError:
            return
        if not any(m & (1 << (sig - 1)) for m in pend):
            return
        time.sleep(0.01)


@test
def third_signal_stops_pvtrace():
    # The command ignores SIGTERM: the first two are passed on and pvtrace waits on; the third
    # stops pvtrace itself (and is passed on too).
    with tempfile.TemporaryDirectory() as d:
        pidfile = os.path.join(d, "pid")
        p = subprocess.Popen([PVTRACE, "run", "--no-status", "-o", os.path.join(d, "report"),
                              "--", "sh", "-c", 'trap "" TERM; echo $$ > "$1"; '
                              'while :; do sleep 0.1; done', "sh", pidfile],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
        cmd = None
        try:
            deadline = time.time() + 20
            while cmd is None and time.time() < deadline:
                try:
                    cmd = int(open(pidfile).read())
                except (OSError, ValueError):
                    time.sleep(0.05)
            check(cmd, "the command did not start")
            for n in (1, 2):
                p.send_signal(signal.SIGTERM)
                wait_handled(p.pid, signal.SIGTERM)
                time.sleep(0.2)
                check(p.poll() is None, "pvtrace stopped at signal %d" % n)
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            check(p.returncode == -signal.SIGTERM, "the third signal: pvtrace %s"
                  % ("still running" if p.returncode is None else "exit %d" % p.returncode))
            check(os.path.exists("/proc/%d" % cmd), "the command (ignoring SIGTERM) runs on")
        finally:
            if cmd:
                try:
                    os.kill(cmd, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if p.poll() is None:
                p.kill()
            p.communicate()


if __name__ == "__main__":
    from helpers import precondition
    from testlib import main
    sys.exit(main("kernel", precondition))
