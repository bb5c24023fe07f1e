#!/bin/bash
# run.sh - the whole test suite: the cmocka unit tests given as arguments, then
# the kernel-level tests (tests/kernel/run_tests.py: every tests/kernel/test_*.py,
# one summary), then pvtrace bench's (tests/bench/run_tests.py).  Prints every result and
# ends with one line: "N passed, N failed, N skipped".  Exit status 0 only if
# nothing failed (and, under CI=true, nothing was skipped).
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0 failed=0 skipped=0

# Started in the background by a non-interactive shell (`make check &`), this script runs
# with SIGINT and SIGQUIT ignored, which bash cannot undo, and every test would inherit
# that: the tests that send them (signal forwarding) would wait in vain.  Each test
# program starts with them as a foreground suite has them.
dfl() { env --default-signal=INT,QUIT "$@"; }

for bin in "$@"; do
	out=$(dfl "$bin" 2>&1)
	rc=$?
	echo "$out"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
	p=${p:-0} f=${f:-0} s=${s:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "unit: $bin exited $rc without a failure count: counted as one failure"
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done

# The Python runners: kernel-level tests (root), pvtrace bench's (no root), then the
# shipped pvtrace's (man pages, completion, install, the Debian package).
for runner in tests/kernel/run_tests.py tests/bench/run_tests.py tests/install/run_tests.py; do
	kout=$(mktemp)
	dfl python3 "$runner" --summary-file "$kout"
	krc=$?
	if read -r kp kf ks < "$kout" 2>/dev/null && [ -n "${ks:-}" ]; then
		passed=$((passed + kp)) failed=$((failed + kf)) skipped=$((skipped + ks))
	else
		echo "$runner exited $krc without a summary: counted as one failure"
		failed=$((failed + 1))
	fi
	rm -f "$kout"
done

if [ "${CI:-}" = true ] && [ "$skipped" -gt 0 ]; then
	echo "CI=true: $skipped skipped test(s) count as failures"
	failed=$((failed + skipped))
	skipped=0
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
