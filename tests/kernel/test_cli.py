"""The command line: the workload's stdio left alone, the live status line only on a
terminal, and the one-line failures with their exit statuses (127, 126, 2 for usage,
1 for no privileges, no BTF, an output that cannot be written).
"""
import os
import pty
import select
import tempfile

from helpers import PVTRACE
from testlib import check, run, test


@test
def workload_stdio_is_untouched():
    p = run([PVTRACE, "run", "--no-status", "--", "sh", "-c",
             'read x; echo "got $x"; echo to-stderr >&2'], input=b"hello\n")
    check(p.returncode == 0, p.stderr.decode())
    check(p.stdout == b"got hello\n", "stdout %r" % p.stdout)
    err = p.stderr.decode()
    check(err.startswith("to-stderr\n"), "workload stderr first: %r" % err[:80])
    check("verified" in err and "PROCESSES" in err, "report on stderr")


# The live status line: "... tasks alive ... switches/s ...", drawn after a carriage return
# and erased with "\r\x1b[K" (user/status.c).
STATUS_MARKS = (b"tasks alive", b"switches/s")


@test
def live_status_only_on_a_terminal():
    # Not a tty: no status line.  What would show it (asserted present on a tty below) is
    # absent, and so is any carriage return or escape sequence: stderr is the report alone.
    p = run([PVTRACE, "run", "--", "sleep", "1.5"])
    check(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr.decode()))
    check(b"verified" in p.stderr and b"PROCESSES" in p.stderr, "the report: %r" % p.stderr[:300])
    check(not any(m in p.stderr for m in STATUS_MARKS) and b"\r" not in p.stderr and
          b"\x1b" not in p.stderr, "no status when stderr is not a tty: %r" % p.stderr[:300])
    # A tty: the status line is drawn and erased.
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(PVTRACE, [PVTRACE, "run", "--", "sleep", "2.5"])
    buf = b""
    while True:
        rl, _, _ = select.select([fd], [], [], 30)
        if not rl:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
    _, st = os.waitpid(pid, 0)
    check(os.waitstatus_to_exitcode(st) == 0, "exit")
    check(all(m in buf for m in STATUS_MARKS), "status drawn: %r" % buf[:300])
    check(b"\r\x1b[K" in buf, "status erased")


@test
def help_command_shows_a_commands_help():
    # pvtrace help COMMAND prints what pvtrace COMMAND --help prints, for every command
    # pvtrace --help lists; help alone, pvtrace --help; anything else is a usage error.
    top = run([PVTRACE, "--help"])
    check(top.returncode == 0, "pvtrace --help: %d" % top.returncode)
    lines = top.stdout.decode().split("\ncommands:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    names = [l.split()[0] for l in lines if l.strip()]
    check("run" in names and "help" in names, "commands: %s" % names)
    for name in names:
        p = run([PVTRACE, "help", name])
        want = run([PVTRACE, "--help"] if name == "help" else [PVTRACE, name, "--help"])
        check(p.returncode == 0 and p.stdout == want.stdout and p.stdout,
              "pvtrace help %s (exit %d) differs from its --help" % (name, p.returncode))
    p = run([PVTRACE, "help"])
    check(p.returncode == 0 and p.stdout == top.stdout, "pvtrace help alone")
    for args, msg in ((["help", "bogus"], "unknown command 'bogus'"),
                      (["help", "run", "extra"], "unexpected argument 'extra'")):
        p = run([PVTRACE, *args])
        check(p.returncode == 2 and msg in p.stderr.decode() and not p.stdout,
              "%s: exit %d, %r" % (args, p.returncode, p.stderr.decode()))


@test
def missing_command_is_127():
    p = run([PVTRACE, "run", "--", "no-such-command-pvtrace"])
    check(p.returncode == 127, "exit %d" % p.returncode)
    err = p.stderr.decode().strip().splitlines()
    check(len(err) == 1 and "no-such-command-pvtrace" in err[0], "one line: %s" % err)
    p = run([PVTRACE, "run", "--", "/nonexistent/dir/cmd"])
    check(p.returncode == 127, "path: exit %d" % p.returncode)
    err = p.stderr.decode().strip().splitlines()
    check(len(err) == 1 and "/nonexistent/dir/cmd" in err[0], "path: one line: %s" % err)


@test
def not_executable_is_126():
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "script")
        open(f, "w").write("#!/bin/sh\nexit 0\n")
        os.chmod(f, 0o644)
        p = run([PVTRACE, "run", "--", f])
        check(p.returncode == 126, "file: exit %d" % p.returncode)
        check(len(p.stderr.decode().strip().splitlines()) == 1, "one line")
        p = run([PVTRACE, "run", "--", d])
        check(p.returncode == 126, "directory: exit %d" % p.returncode)


@test
def usage_errors_are_2():
    for args in (["run"], ["run", "--"], ["bogus"], [], ["run", "--bogus", "--", "true"],
                 ["run", "-f", "xml", "--", "true"], ["run", "--top", "x", "--", "true"],
                 ["run", "-o"], ["--bogus"], ["run", "--events=", "--", "true"],
                 ["run", "-i", "5", "--", "true"], ["run", "--interval", "x", "--", "true"],
                 ["run", "--interval=-1", "--", "true"], ["run", "--syscall-costs", "sometimes",
                 "--", "true"], ["run", "--syscall-costs"]):
        p = run([PVTRACE, *args])
        check(p.returncode == 2, "%s: exit %d" % (args, p.returncode))
        check(b"usage" in p.stderr or b"Try" in p.stderr, "%s: usage hint" % args)
    # A long option given a value it does not take: named, with no stray byte.
    for args in (["run", "--no-status=1", "--", "true"], ["calibrate", "--quick=3"]):
        p = run([PVTRACE, *args])
        err = p.stderr.decode()
        check(p.returncode == 2 and "'%s'" % args[1].split("=")[0] in err and
              all(c.isprintable() or c == "\n" for c in err), "%s: %r" % (args, err))
    for args in (["--help"], ["run", "--help"], ["help"]):
        p = run([PVTRACE, *args])
        check(p.returncode == 0 and b"usage" in p.stdout, "%s prints help" % args)


@test
def unprivileged_user_gets_one_line():
    p = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
             PVTRACE, "run", "--", "true"])
    check(p.returncode == 1, "exit %d" % p.returncode)
    # One line, pvtrace's own (no libbpf dump before or after it).
    err = p.stderr.decode().strip().splitlines()
    check(len(err) == 1 and err[0].startswith("pvtrace: ") and "root" in err[0] and
          "CAP_BPF" in err[0], "one line: %s" % err)
    check(b"libbpf" not in p.stderr, "no libbpf dump")


@test
def kernel_without_btf_gets_one_line():
    script = "mount --bind /dev/null /sys/kernel/btf/vmlinux && exec %s run -- true" % PVTRACE
    p = run(["unshare", "-m", "--propagation", "private", "sh", "-c", script])
    check(p.returncode == 1, "exit %d: %s" % (p.returncode, p.stderr.decode()))
    err = p.stderr.decode().strip().splitlines()
    check(len(err) == 1 and "BTF" in err[0], "one line: %s" % err)


@test
def unwritable_output_fails_before_running():
    with tempfile.TemporaryDirectory() as d:
        # The command leaves a mark (a file, and "ran" on stdout) if it runs at all.
        mark = os.path.join(d, "ran")
        cmd = ["sh", "-c", 'echo ran; : > "$1"', "sh", mark]
        # The control: with outputs it can write, the command runs and the mark is seen.
        p = run([PVTRACE, "run", "--no-status", "-o", os.path.join(d, "report"),
                 "--events=" + os.path.join(d, "events"), "--", *cmd])
        check(p.returncode == 0 and p.stdout == b"ran\n" and os.path.exists(mark),
              "control run: exit %d, %r: %s" % (p.returncode, p.stdout, p.stderr.decode()))
        os.unlink(mark)
        for opt in (["-o", "/nonexistent/dir/report"], ["--events=/nonexistent/dir/events"]):
            p = run([PVTRACE, "run", *opt, "--", *cmd])
            check(p.returncode == 1, "%s: exit %d" % (opt, p.returncode))
            check(p.stdout == b"" and not os.path.exists(mark), "%s: the command did not run: %r"
                  % (opt, p.stdout))
            err = p.stderr.decode().strip().splitlines()
            check(len(err) == 1 and "/nonexistent/dir" in err[0], "%s: one line: %s" % (opt, err))


if __name__ == "__main__":
    import sys
    from helpers import precondition
    from testlib import main
    sys.exit(main("kernel", precondition))
