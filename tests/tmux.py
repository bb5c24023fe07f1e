"""Drive a full-screen program in tmux, for tests (tests/kernel: the live view; tests/install:
a shell completing pvtrace's command lines): start it in a detached session of a known size
on a private tmux server, send keys, read the screen, wait for text, resize, and read how it
exited.

The program runs under a small shell that, once it exits, prints "[exit STATUS]" and the
terminal's modes ("[stty ...]", from stty -a) and then waits: so a test can check that the
program gave the terminal back (canonical mode and echo on, the alternate screen left).

    need_tmux()                     # Skip without tmux (a failure under CI=true)
    with Screen([PROG, "-d", "0.3"]) as s:
        s.wait_for("PID")
        s.send("c")                 # tmux key names: "Enter", "C-c", "BSpace", "Up"...
        s.type("beta")              # literal text
        scr = s.wait_for(lambda scr: "beta" in scr.splitlines()[4])
        status, modes = s.exited()
"""
import os
import re
import shutil
import subprocess
import time
import uuid

from testlib import Skip, check

WAIT = 10  # seconds: generous, the machine may be loaded

# The shell survives the terminal's Ctrl-C (a handler, not SIG_IGN: the program gets the default).
_SHELL = ('trap : INT; "$@"; st=$?; printf "\\n[exit %d]\\n" "$st"; '
          'printf "[stty %s]\\n" "$(stty -a | tr "\\n" " ")"; exec sleep 3600')


def need_tmux():
    """Skip the test without tmux; under CI=true a missing tmux is a failure."""
    if shutil.which("tmux"):
        return
    if os.environ.get("CI") == "true":
        raise AssertionError("tmux is not installed (scripts/deps.sh installs it)")
    raise Skip("tmux is not installed")


class Screen:
    """A program in its own tmux server and session (-L: no other tmux is touched)."""

    def __init__(self, argv, width=120, height=40, env=None):
        self.argv = list(argv)
        self.width, self.height = width, height
        self.env = env
        self.sock = "pvt-%d-%s" % (os.getpid(), uuid.uuid4().hex[:8])

    def tmux(self, *args, check_rc=True):
        p = subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null", *args],
                           capture_output=True, timeout=WAIT, env=self.env)
        if check_rc and p.returncode:
            raise AssertionError("tmux %s: %s" % (" ".join(args), p.stderr.decode().strip()))
        return p.stdout.decode(errors="replace")

    def start(self):
        self.tmux("new-session", "-d", "-s", "main", "-x", str(self.width), "-y",
                  str(self.height), "--", "sh", "-c", _SHELL, "sh", *self.argv)
        return self

    def close(self):
        self.tmux("kill-server", check_rc=False)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def send(self, *keys):
        """Keys by tmux's names ("q", "Enter", "C-c", "BSpace", "Up", "Space")."""
        self.tmux("send-keys", "-t", "main", *keys)

    def type(self, text):
        """Literal text, each character a key."""
        self.tmux("send-keys", "-t", "main", "-l", text)

    def screen(self, joined=False):
        """The visible screen, one string, lines without trailing blanks (joined: lines
        the terminal wrapped joined back, blanks kept)."""
        return self.tmux("capture-pane", "-p", *(["-J"] if joined else []), "-t", "main")

    def resize(self, width, height):
        self.tmux("resize-window", "-t", "main", "-x", str(width), "-y", str(height))
        self.width, self.height = width, height

    def wait_for(self, cond, timeout=WAIT, what=None):
        """Wait until cond (a string on the screen, or a function of the screen) holds;
        return the screen.  Fails with the last screen shown."""
        test = (lambda s: cond in s) if isinstance(cond, str) else cond
        deadline = time.time() + timeout
        scr = ""
        while True:
            scr = self.screen()
            try:
                if test(scr):
                    return scr
            except (IndexError, ValueError, KeyError, StopIteration):
                pass  # a screen half drawn
            if time.time() > deadline:
                raise AssertionError("waited %gs for %s; the screen:\n%s"
                                     % (timeout, what or repr(cond), scr))
            time.sleep(0.05)

    def exited(self, timeout=WAIT):
        """Wait for the program to end: (its exit status, the terminal's modes after it)."""
        self.wait_for(lambda s: "[stty " in s, timeout, "the program to exit")
        scr = self.screen(joined=True)
        joined = scr.replace("\n", "")
        st = re.search(r"\[exit (\d+)\]", joined)
        modes = re.search(r"\[stty (.*?)\]", joined)
        check(st and modes, "no exit status on the screen:\n%s" % scr)
        return int(st.group(1)), modes.group(1)


def assert_terminal_restored(modes):
    """stty -a after the program: canonical mode, echo, signals and CR-to-NL back on."""
    words = modes.split()
    for m in ("icanon", "echo", "isig", "icrnl"):
        check(m in words, "terminal not restored: %s missing in %r" % (m, modes))
