#!/usr/bin/env python3
"""Tests of pvtrace as it is shipped: the man pages, the shell completion, `make install`
and `make uninstall`, the Debian package.  Each concern in its own test_*.py here (every
one of them run: this runner finds them).  Tests that install on the machine or run the
installed pvtrace need root (skipped without it; run.sh counts a skip as a failure under
CI=true).  Prints one line per test and writes "passed failed skipped" to --summary-file.

    python3 tests/install/run_tests.py [-k SUBSTRING] [--summary-file F]
"""
import glob
import importlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import testlib  # noqa: E402


def load_tests():
    """Import every test_*.py here; names must be unique, or -k could not tell them apart."""
    for path in sorted(glob.glob(os.path.join(HERE, "test_*.py"))):
        importlib.import_module(os.path.basename(path)[:-3])
    names = [fn.__name__ for fn in testlib.TESTS]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise SystemExit("install tests defined twice: %s" % ", ".join(dup))


if __name__ == "__main__":
    load_tests()
    sys.exit(testlib.main("install"))
