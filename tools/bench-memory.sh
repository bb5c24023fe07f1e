#!/usr/bin/env bash
# bench-memory.sh - pvtrace's own peak memory under a churn of short tasks (make bench).
#
# Method
#   Each row runs `./pvtrace run --no-status -f json -o FILE [OPTS] -- CMD` and reads its
#   peak resident set: ru_maxrss from wait4(2) (the kernel's high-water mark of the
#   process, the VmHWM of /proc/PID/status at its end; it also covers the workload, whose
#   own is a few MiB).  ru_maxrss outlives exec, so pvtrace is started by a fresh, small
#   python3 (a child of a large process would start from that process's size).  The
#   report is read back for the tasks it counted, held and folded, and what was lost.
#
#   Rows:
#     baseline   pvtrace run -- true: the fixed cost (binary, libraries, and the ring
#                buffer, mapped twice: 2 x --ringbuf-kb, 16 MiB by default)
#     threads    pvload churn --threads=N (default 1,000,000), 64 alive at a time,
#                default options (--keep-tasks 8192)
#     procs      pvload churn --procs=M (default 100,000; a fork costs ~10x a thread)
#     unbounded  pvload churn --threads=U (default 50,000) with --keep-tasks 0, every
#                record held: the growth per task without the bound, and what the
#                threads row would take without it (extrapolated, linear)
#   Target (issue 13): peak RSS <= 64 MiB for 1,000,000 short tasks.  Printed beside
#   each figure as a ratio; the script asserts nothing (it exits non-zero only if a run
#   fails or it is not run as root).
#
# Environment
#   BENCH_MEM_THREADS=N    threads row size (default 1000000; 0 leaves the row out)
#   BENCH_MEM_PROCS=N      procs row size (default 100000; 0 leaves it out)
#   BENCH_MEM_UNBOUNDED=N  unbounded row size (default 50000; 0 leaves it out)
#
# Run from the repo root (make bench does so), after `make`.

set -euo pipefail

die() { echo "bench-memory: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "needs root (pvtrace loads BPF programs); run as root, e.g. sudo make bench"
THREADS=${BENCH_MEM_THREADS:-1000000}
PROCS=${BENCH_MEM_PROCS:-100000}
UNBOUNDED=${BENCH_MEM_UNBOUNDED:-50000}
for v in THREADS PROCS UNBOUNDED; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "BENCH_MEM_$v must be a number (got '${!v}')"
done
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -x ./pvtrace && -x .output/pvload ]] || die "./pvtrace or .output/pvload not found; run make first"
command -v python3 >/dev/null 2>&1 || die "python3 not found"

tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/pvtrace-bench-mem.XXXXXX")
trap 'rm -rf "$tmpdir"' EXIT
rows=$tmpdir/rows.txt
: >"$rows"

# row NAME TASKS_CREATED [pvtrace options] -- CMD...: one line "name created maxrss_kib secs report"
row() {
	local name=$1 created=$2 report=$tmpdir/$1.json out
	shift 2
	local opts=()
	while [[ $1 != -- ]]; do opts+=("$1"); shift; done
	shift
	echo "  running $name: pvtrace run ${opts[*]} -- $*" >&2
	out=$(python3 - ./pvtrace run --no-status -f json -o "$report" "${opts[@]}" -- "$@" <<'EOF'
import os, sys, time
t = time.monotonic()
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, ru = os.wait4(pid, 0)
rc = os.waitstatus_to_exitcode(status)
if rc:
    sys.exit("pvtrace exited with %d" % rc)
print(ru.ru_maxrss, "%.1f" % (time.monotonic() - t))
EOF
) || die "$name: the run failed"
	echo "$name $created $out $report" >>"$rows"
}

row baseline 0 -- true
[[ $THREADS -gt 0 ]] && row threads "$THREADS" -- .output/pvload churn --threads="$THREADS" --concurrency 64 --quiet
[[ $PROCS -gt 0 ]] && row procs "$PROCS" -- .output/pvload churn --procs="$PROCS" --concurrency 64 --quiet
[[ $UNBOUNDED -gt 0 ]] && row unbounded "$UNBOUNDED" --keep-tasks 0 -- \
	.output/pvload churn --threads="$UNBOUNDED" --concurrency 64 --quiet

python3 - "$rows" "$THREADS" <<'EOF'
import json, sys

TARGET_MIB = 64
rows = [l.split() for l in open(sys.argv[1])]
million = int(sys.argv[2]) or 1000000
print()
print("PVTRACE'S OWN PEAK MEMORY (ru_maxrss; target: <= %d MiB for 1,000,000 short tasks)" % TARGET_MIB)
print("  %-10s %9s %9s %7s %9s %7s %9s %9s %6s %7s" % (
    "row", "created", "tasks", "keep", "peak MiB", "ratio", "held", "folded", "lost", "secs"))
base = None
for name, created, kib, secs, path in rows:
    r = json.load(open(path))
    tr = r["tracer"]
    held = len(r["tasks"])
    mib = int(kib) / 1024
    if name == "baseline":
        base = mib
    lost = tr["tasks_lost"] + r["summary"]["folded"]["out_of_memory"]["records_lost"]
    print("  %-10s %9s %9d %7d %9.1f %7.2f %9d %9d %6d %7s" % (
        name, created, held + tr["tasks_folded"], tr["keep_tasks"], mib, mib / TARGET_MIB,
        held, tr["tasks_folded"], lost, secs))
    if name == "unbounded" and base is not None and int(created):
        per = (mib - base) * 1024 / int(created)
        print("  %-10s without the bound: %.2f KiB per task over the baseline; %d tasks would take"
              " ~%.0f MiB" % ("", per, million, base + per * million / 1024))
print("  ratio: peak / %d MiB (<= 1 meets the target); held: records in the report; folded:"
      % TARGET_MIB)
print("  counted in its sums only (--keep-tasks, docs/METRICS.md \"Folded tasks\")")
EOF
