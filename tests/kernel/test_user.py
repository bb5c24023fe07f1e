"""Who runs what: --user runs the command as another user (its groups, ids, HOME, USER and
LOGNAME as `runuser -u USER` sets them) while pvtrace keeps its privileges and still traces;
a bad user is a usage error before anything runs; under sudo pvtrace says once that the
command runs as root, and `calibrate -o FILE` gives the file to the sudo user.

sudo is simulated: SUDO_UID, SUDO_GID and SUDO_USER in pvtrace's environment (tests run as
root), naming the `nobody` user.
"""
import os
import pwd
import tempfile

from helpers import PVTRACE, trace
from testlib import Skip, check, run, test


def nobody():
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        raise Skip("no user 'nobody' on this machine")


def env_with(**kw):
    env = dict(os.environ)
    for k in ("SUDO_UID", "SUDO_GID", "SUDO_USER"):
        env.pop(k, None)
    env.update(kw)
    return env


# What the command prints of itself: ids, groups, the environment runuser sets, capabilities.
SELF = ('id -u; id -g; id -G; echo "HOME=$HOME"; echo "USER=$USER"; echo "LOGNAME=$LOGNAME"; '
        'echo "SHELL=$SHELL"; echo "FOO=$FOO"; grep ^CapEff /proc/self/status; exit 5')


@test
def user_runs_the_command_as_that_user():
    pw = nobody()
    env = env_with(HOME="/root", USER="root", LOGNAME="root", SHELL="/bin/pvt-shell", FOO="kept")
    p, r = trace(["sh", "-c", SELF], extra=["--user", "nobody"], env=env)
    out = p.stdout.decode().splitlines()
    check(p.returncode == 5, "exit %d: %s" % (p.returncode, p.stderr.decode()))
    check(len(out) == 9, "the command's output: %s" % out)
    groups = sorted(os.getgrouplist("nobody", pw.pw_gid))
    check(out[0] == str(pw.pw_uid) and out[1] == str(pw.pw_gid), "ids %s" % out[:2])
    check(sorted(int(g) for g in out[2].split()) == groups, "groups %s, want %s" % (out[2], groups))
    # runuser -u nobody: HOME, USER, LOGNAME the user's; SHELL and the rest passed on.
    check(out[3:8] == ["HOME=" + pw.pw_dir, "USER=nobody", "LOGNAME=nobody",
                       "SHELL=/bin/pvt-shell", "FOO=kept"], "environment %s" % out[3:8])
    check(out[8].split() == ["CapEff:", "0000000000000000"], "no capability left: %s" % out[8])
    # pvtrace kept its own privileges: the tree was traced, the report written.
    check(b"note:" not in p.stderr, "no note with --user: %s" % p.stderr.decode())
    check(r["exit"] == {"code": 5, "signal": None}, "report exit %s" % r["exit"])
    comms = [t["comm"] for t in r["tasks"]]
    check(len(r["tasks"]) >= 4 and comms.count("id") >= 3 and "grep" in comms,
          "the task tree traced: %s" % comms)
    check(all(t["kernel"] is None or t["kernel"]["exact"] for t in r["tasks"]), "exact")


@test
def user_by_uid_and_as_root():
    pw = nobody()
    p, _ = trace(["id", "-un"], extra=["-u", str(pw.pw_uid)])
    check(p.returncode == 0 and p.stdout == b"nobody\n", "by uid: %r %s" % (p.stdout, p.stderr))
    # --user root: HOME root's; USER and LOGNAME left alone, as runuser does.
    env = env_with(HOME="/tmp", USER="someone", LOGNAME="someone")
    p, _ = trace(["sh", "-c", 'id -u; echo "$HOME $USER $LOGNAME"'], extra=["--user", "root"],
                 env=env)
    check(p.stdout.decode().splitlines() == ["0", "%s someone someone" % pwd.getpwuid(0).pw_dir],
          "as root: %r" % p.stdout)


@test
def user_cannot_execute_what_it_may_not():
    nobody()
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "rootonly")
        with open(f, "w") as fh:
            fh.write("#!/bin/sh\necho ran\n")
        os.chmod(f, 0o700)
        # Root may run it; nobody may not: the identity was taken before exec.
        p = run([PVTRACE, "run", "--no-status", "-o", "/dev/null", "--", f])
        check(p.returncode == 0 and p.stdout == b"ran\n", "as root: %d %r" % (p.returncode, p.stdout))
        p = run([PVTRACE, "run", "--no-status", "--user", "nobody", "--", f])
        err = p.stderr.decode().strip().splitlines()
        check(p.returncode == 126 and p.stdout == b"", "as nobody: exit %d" % p.returncode)
        check(len(err) == 1 and "rootonly" in err[0] and "ermission denied" in err[0],
              "one line: %s" % err)


@test
def bad_user_is_a_usage_error_before_anything_runs():
    with tempfile.TemporaryDirectory() as d:
        mark = os.path.join(d, "ran")
        cmd = ["sh", "-c", 'echo ran; : > "$1"', "sh", mark]
        for user in ("pvt-no-such-user", "3999999999"):
            p = run([PVTRACE, "run", "--user", user, "--", *cmd])
            err = p.stderr.decode().strip().splitlines()
            check(p.returncode == 2, "%s: exit %d" % (user, p.returncode))
            check(len(err) == 1 and user in err[0] and "no such user" in err[0],
                  "%s: one line: %s" % (user, err))
            check(p.stdout == b"" and not os.path.exists(mark), "%s: the command ran" % user)
        p = run([PVTRACE, "run", "--user=", "--", *cmd])
        check(p.returncode == 2 and not os.path.exists(mark), "empty: exit %d" % p.returncode)


@test
def user_needs_root_unless_it_is_pvtraces_own():
    nobody()
    p = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
             PVTRACE, "run", "--user", "root", "--", "true"])
    err = p.stderr.decode().strip().splitlines()
    check(p.returncode == 1, "exit %d: %s" % (p.returncode, err))
    check(len(err) == 1 and "--user root" in err[0] and "needs root" in err[0],
          "one line: %s" % err)
    # Its own user is no change: what stops it then is the tracer's own need of root.
    p = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
             PVTRACE, "run", "--user", "nobody", "--", "true"])
    err = p.stderr.decode().strip().splitlines()
    check(p.returncode == 1 and len(err) == 1 and "CAP_BPF" in err[0] and "--user" not in err[0],
          "own user: %d %s" % (p.returncode, err))


def note_lines(stderr):
    return [l for l in stderr.decode().splitlines() if "note:" in l]


@test
def sudo_note_once_when_the_command_runs_as_root():
    nobody()
    sudo = env_with(SUDO_UID="65534", SUDO_GID="65534", SUDO_USER="nobody")
    p, r = trace(["sh", "-c", "id -u; sh -c true"], env=sudo)
    notes = note_lines(p.stderr)
    check(p.returncode == 0 and p.stdout == b"0\n", "runs as root: %r" % p.stdout)
    check(notes == ["pvtrace: note: the command runs as root; --user nobody runs it as you"],
          "one note: %s" % p.stderr.decode())
    # Without SUDO_USER: the uid.
    env = dict(sudo)
    del env["SUDO_USER"]
    p, _ = trace(["true"], env=env)
    check(note_lines(p.stderr) == ["pvtrace: note: the command runs as root; --user 65534 runs "
                                   "it as you"], "by uid: %s" % p.stderr.decode())
    # No note: with --user, without sudo, sudo from root, or when the command does not start.
    for extra, e in ((["--user", "nobody"], sudo), ([], env_with()),
                     ([], env_with(SUDO_UID="0", SUDO_GID="0", SUDO_USER="root"))):
        p, _ = trace(["true"], extra=extra, env=e)
        check(not note_lines(p.stderr), "%s: no note: %s" % (extra, p.stderr.decode()))
    p = run([PVTRACE, "run", "--", "no-such-command-pvtrace"], env=sudo)
    check(p.returncode == 127 and len(p.stderr.decode().strip().splitlines()) == 1,
          "a failure stays one line: %s" % p.stderr.decode())


@test
def calibrate_output_belongs_to_the_sudo_user():
    pw = nobody()
    sudo = env_with(SUDO_UID=str(pw.pw_uid), SUDO_GID=str(pw.pw_gid), SUDO_USER="nobody")
    with tempfile.TemporaryDirectory() as d:
        mine = os.path.join(d, "mine.json")
        p = run([PVTRACE, "calibrate", "--quick", "-o", mine], env=sudo)
        check(p.returncode == 0, "calibrate: %s" % p.stderr.decode())
        st = os.stat(mine)
        check((st.st_uid, st.st_gid) == (pw.pw_uid, pw.pw_gid),
              "-o FILE owned by %d:%d" % (st.st_uid, st.st_gid))
        check(not [f for f in os.listdir(d) if f != "mine.json"], "no temporary file left")
        # The default path (here $PVTRACE_CALIBRATION) is the system's: it stays root's.
        system = os.path.join(d, "system.json")
        p = run([PVTRACE, "calibrate", "--quick"], env=dict(sudo, PVTRACE_CALIBRATION=system))
        check(p.returncode == 0, "calibrate: %s" % p.stderr.decode())
        st = os.stat(system)
        check((st.st_uid, st.st_gid) == (0, 0), "default path owned by %d:%d"
              % (st.st_uid, st.st_gid))


if __name__ == "__main__":
    import sys
    from helpers import precondition
    from testlib import main
    sys.exit(main("kernel", precondition))
