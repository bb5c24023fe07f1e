"""What the Python test runners share (tests/kernel, tests/bench): the test
registry, Skip, check, run, and the runner that prints one line per test and
writes "passed failed skipped" to --summary-file for tests/run.sh."""
import argparse
import os
import signal
import subprocess
import time
import traceback

TIMEOUT = 120

# Under sudo, pvtrace notes on stderr that the command runs as root (user/privs.c); the
# tests parse stderr and make sudo's variables themselves where they test that, so
# `sudo make check` runs them as root alone would.
for _var in ("SUDO_UID", "SUDO_GID", "SUDO_USER", "SUDO_COMMAND"):
    os.environ.pop(_var, None)
# A suite started in the background by a non-interactive shell (`make check &`) runs with
# SIGINT and SIGQUIT ignored, and every command it starts would inherit that, as any
# shell's child does (pvtrace keeps a disposition it inherits: so does its command): the
# tests that send them would wait in vain.  Started so, the suite sets them as a
# foreground one has them.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
if signal.getsignal(signal.SIGQUIT) == signal.SIG_IGN:
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


class Skip(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def run(args, timeout=TIMEOUT, **kw):
    return subprocess.run(args, capture_output=True, timeout=timeout, **kw)


def main(label, precondition=None):
    """Run the registered tests; precondition() returns a reason to skip, or None."""
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", default="", help="run tests whose name contains this")
    ap.add_argument("--summary-file")
    args = ap.parse_args()
    passed = failed = skipped = 0
    why_not = precondition() if precondition else None
    for fn in TESTS:
        name = fn.__name__
        if args.k not in name:
            continue
        t0 = time.time()
        try:
            if why_not:
                raise Skip(why_not)
            fn()
            passed += 1
            print("PASS %s (%.1fs)" % (name, time.time() - t0), flush=True)
        except Skip as e:
            skipped += 1
            print("SKIP %s: %s" % (name, e), flush=True)
        except Exception as e:  # noqa: BLE001 - one failing test must not stop the rest
            failed += 1
            print("FAIL %s: %s" % (name, e), flush=True)
            if not isinstance(e, AssertionError):
                traceback.print_exc()
    print("%s: %d passed, %d failed, %d skipped" % (label, passed, failed, skipped))
    if args.summary_file:
        with open(args.summary_file, "w") as f:
            f.write("%d %d %d\n" % (passed, failed, skipped))
    return 1 if failed else 0
