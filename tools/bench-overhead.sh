#!/usr/bin/env bash
# bench-overhead.sh - pvtrace's overhead on a context-switch-heavy workload.
#
# Method
#   The workload is `taskset -c 0 perf bench sched pipe -l LOOPS`: two tasks pinned
#   to one CPU ping-pong a byte through a pair of pipes, so nearly every operation is
#   a context switch - the worst case for a tracer hooked on scheduler tracepoints.
#   It is run in two modes: processes (default) and threads (-T).
#
#   Each mode is run under seven variants:
#     untraced           the bare command
#     pvtrace            ./pvtrace run --no-status -o /dev/null -- CMD
#     empty-programs     ./pvtrace run --null-programs --no-status -o /dev/null -- CMD
#                        (empty BPF programs on the same tracepoints: the cost of the
#                        tracing mechanism itself, a floor for pvtrace)
#     pvtrace-no-syscall-costs, empty-no-syscall-costs
#                        the same two with --no-syscall-costs: no programs on
#                        raw_syscalls sys_enter/sys_exit, which every syscall on the
#                        machine pays for once they are attached (the price of
#                        created.syscall_ns and exec_ns)
#     pvtrace-no-sampling
#                        pvtrace with --interval 0: no periodic memory sampling (the
#                        BPF task iterator and /proc/PID/smaps every 100 ms); the
#                        difference of its ratio to pvtrace's is what sampling adds
#                        (printed below the table, target <= 0.01)
#     perf-sched-record  perf sched record -o TMP/perf.data -- CMD
#                        (a point of comparison; skipped, with the reason, if it cannot run)
#
#   The measurement of a run is the figure perf bench prints itself ("usecs/op", or
#   failing that "Total time: X [sec]" / LOOPS), so tracer start-up and report writing
#   are not counted, only the workload's own speed while traced.
#
#   One warm-up repetition (not counted) is followed by REPS repetitions.  Within a
#   repetition every mode runs every variant once, back to back, with the variant
#   order rotated from one repetition to the next, so that machine noise (other
#   tenants, frequency changes) hits all variants alike.  For each repetition the
#   ratio variant/untraced is computed from that repetition's own untraced run;
#   the table shows the median usecs/op and the median of those per-repetition
#   ratios.
#
#   The script never asserts on timing (machines are shared and noisy): it exits
#   non-zero only if a run fails (perf bench or pvtrace exit non-zero), or if it is
#   not run as root.
#
# Environment
#   BENCH_REPS=N    counted repetitions (default 7)
#   BENCH_LOOPS=N   perf bench sched pipe -l N (default 200000)
#   BENCH_JSON=FILE also write the results as JSON (schema pvtrace.bench-overhead/1)
#
# Run from the repo root (make bench does so), after `make`.

set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
	echo "bench-overhead: needs root (pvtrace loads BPF programs); run as root, e.g. sudo make bench" >&2
	exit 1
fi

REPS=${BENCH_REPS:-7}
LOOPS=${BENCH_LOOPS:-200000}
JSON_OUT=${BENCH_JSON:-}

die() { echo "bench-overhead: $*" >&2; exit 1; }

[[ $REPS =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPS must be a positive integer (got '$REPS')"
[[ $LOOPS =~ ^[1-9][0-9]*$ ]] || die "BENCH_LOOPS must be a positive integer (got '$LOOPS')"

cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -x ./pvtrace ]] || die "./pvtrace not found; run make first"
for tool in perf taskset python3; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done

tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/pvtrace-bench.XXXXXX")
trap 'rm -rf "$tmpdir"' EXIT
results=$tmpdir/results.txt
: >"$results"

MODES=(processes threads)
VARIANTS=(untraced pvtrace empty-programs pvtrace-no-syscall-costs empty-no-syscall-costs
	pvtrace-no-sampling perf-sched-record)

mode_args() { # mode -> extra perf bench arguments
	case $1 in
	processes) ;;
	threads) echo "-T" ;;
	esac
}

# Prints the command line for a mode and variant, one word per line (no word has spaces).
variant_cmd() {
	local mode=$1 variant=$2
	local -a bench=(taskset -c 0 perf bench sched pipe)
	local extra
	extra=$(mode_args "$mode")
	[[ -n $extra ]] && bench+=("$extra")
	bench+=(-l "$LOOPS")
	case $variant in
	untraced) printf '%s\n' "${bench[@]}" ;;
	pvtrace) printf '%s\n' ./pvtrace run --no-status -o /dev/null -- "${bench[@]}" ;;
	empty-programs) printf '%s\n' ./pvtrace run --null-programs --no-status -o /dev/null -- "${bench[@]}" ;;
	pvtrace-no-syscall-costs)
		printf '%s\n' ./pvtrace run --no-syscall-costs --no-status -o /dev/null -- "${bench[@]}" ;;
	empty-no-syscall-costs)
		printf '%s\n' ./pvtrace run --null-programs --no-syscall-costs --no-status -o /dev/null \
			-- "${bench[@]}" ;;
	pvtrace-no-sampling)
		printf '%s\n' ./pvtrace run --interval 0 --no-status -o /dev/null -- "${bench[@]}" ;;
	perf-sched-record) printf '%s\n' perf sched record -o "$tmpdir/perf.data" -- "${bench[@]}" ;;
	esac
}

# usecs/op from perf bench's stdout (file $1); empty if neither figure is found.
parse_usecs() {
	awk -v loops="$LOOPS" '
		/usecs\/op/ && !u { u = $1 }
		/Total time:/ && !t { for (i = 1; i <= NF; i++) if ($i == "time:") t = $(i + 1) }
		END {
			if (u != "") printf "%s\n", u
			else if (t != "") printf "%.6f\n", t * 1e6 / loops
		}' "$1"
}

# --- perf sched record: make it available if we can, else leave it out. --------------
perf_sched_ok=1
perf_sched_why=
if ! grep -q ' /sys/kernel/tracing tracefs ' /proc/mounts; then
	if mount -t tracefs nodev /sys/kernel/tracing 2>"$tmpdir/mount.err"; then
		echo "note: /sys/kernel/tracing was not mounted; mounted tracefs there (mount -t tracefs nodev /sys/kernel/tracing) for perf sched record"
	else
		echo "note: /sys/kernel/tracing is not mounted and mounting tracefs failed: $(tr '\n' ' ' <"$tmpdir/mount.err")"
	fi
fi
if ! perf sched record -o "$tmpdir/perf.data" -- taskset -c 0 perf bench sched pipe -l 1000 \
	>"$tmpdir/probe.out" 2>"$tmpdir/probe.err"; then
	perf_sched_ok=0
	perf_sched_why=$(grep -v '^\s*$' "$tmpdir/probe.err" | head -n 3 | tr '\n' ' ')
	echo "note: perf sched record is unavailable, continuing without it: ${perf_sched_why:-exit status non-zero, no message}"
fi
rm -f "$tmpdir/perf.data" "$tmpdir/perf.data.old"

active_variants() {
	local v
	for v in "${VARIANTS[@]}"; do
		[[ $v == perf-sched-record && $perf_sched_ok -eq 0 ]] && continue
		echo "$v"
	done
}

# run_one REP MODE VARIANT: one run; records "mode variant rep usecs" unless REP is 0.
run_one() {
	local rep=$1 mode=$2 variant=$3
	local -a cmd
	mapfile -t cmd < <(variant_cmd "$mode" "$variant")
	local out=$tmpdir/run.out err=$tmpdir/run.err rc=0
	"${cmd[@]}" >"$out" 2>"$err" || rc=$?
	rm -f "$tmpdir/perf.data" "$tmpdir/perf.data.old"
	if [[ $rc -ne 0 ]]; then
		if [[ $variant == perf-sched-record ]]; then
			echo
			echo "note: perf sched record failed (exit $rc) in repetition $rep, $mode; continuing without it:"
			sed 's/^/    /' "$err" | tail -n 5
			perf_sched_ok=0
			sed -i '/ perf-sched-record /d' "$results"
			return 0
		fi
		echo
		echo "bench-overhead: run failed (exit $rc): ${cmd[*]}" >&2
		sed 's/^/    /' "$err" "$out" | tail -n 20 >&2
		exit 1
	fi
	local usecs
	usecs=$(parse_usecs "$out")
	if [[ -z $usecs ]]; then
		echo "bench-overhead: no usecs/op or Total time in perf bench output: ${cmd[*]}" >&2
		sed 's/^/    /' "$out" >&2
		exit 1
	fi
	[[ $rep -gt 0 ]] && echo "$mode $variant $rep $usecs" >>"$results"
	return 0
}

echo "bench-overhead: $REPS repetitions (+1 warm-up) of perf bench sched pipe -l $LOOPS, processes and threads"
for ((rep = 0; rep <= REPS; rep++)); do
	if [[ $rep -eq 0 ]]; then
		printf '  warm-up ...'
	else
		printf '  rep %d/%d ...' "$rep" "$REPS"
	fi
	for mode in "${MODES[@]}"; do
		mapfile -t vs < <(active_variants)
		n=${#vs[@]}
		for ((i = 0; i < n; i++)); do
			v=${vs[$(((i + rep) % n))]}
			run_one "$rep" "$mode" "$v"
		done
	done
	echo " done"
done
echo

cpu_model=$(awk -F': *' '/^(model name|Hardware|cpu model|Processor)[ \t]*:/ { print $2; exit }' /proc/cpuinfo)
KERNEL=$(uname -r) NPROC=$(nproc) CPU_MODEL=${cpu_model:-unknown} \
LOOPS=$LOOPS REPS=$REPS JSON_OUT=$JSON_OUT \
	python3 - "$results" <<'EOF'
import json, os, statistics, sys

loops, reps = int(os.environ["LOOPS"]), int(os.environ["REPS"])
runs = {}  # (mode, variant) -> {rep: usecs}
for line in open(sys.argv[1]):
    mode, variant, rep, usecs = line.split()
    runs.setdefault((mode, variant), {})[int(rep)] = float(usecs)

modes = ["processes", "threads"]
variants = ["untraced", "pvtrace", "empty-programs", "pvtrace-no-syscall-costs",
            "empty-no-syscall-costs", "pvtrace-no-sampling", "perf-sched-record"]
results = []
print(f"pvtrace overhead on taskset -c 0 perf bench sched pipe (-l {loops}, {reps} reps, medians)")
print(f"{'mode':<10} {'variant':<24} {'usecs/op':>8} {'ratio':>8}")
for mode in modes:
    base = runs.get((mode, "untraced"), {})
    for variant in variants:
        r = runs.get((mode, variant))
        if not r:
            continue
        med = statistics.median(r.values())
        ratios = [u / base[k] for k, u in r.items() if k in base and base[k] > 0]
        ratio = statistics.median(ratios) if ratios else None
        note = "   (target <= 1.10)" if variant.startswith("pvtrace") else ""
        rs = f"{ratio:8.3f}" if ratio is not None else f"{'-':>8}"
        print(f"{mode:<10} {variant:<24} {med:8.3f} {rs}{note}")
        results.append({"mode": mode, "variant": variant,
                        "usecs_per_op_median": round(med, 4),
                        "ratio_median": round(ratio, 4) if ratio is not None else None})
print()
# What memory sampling adds: per repetition, ratio(pvtrace) - ratio(pvtrace --interval 0),
# both against that repetition's own untraced run; the median of those differences.
for mode in modes:
    base = runs.get((mode, "untraced"), {})
    a, b = runs.get((mode, "pvtrace"), {}), runs.get((mode, "pvtrace-no-sampling"), {})
    d = [a[k] / base[k] - b[k] / base[k] for k in a if k in b and base.get(k)]
    if d:
        med = statistics.median(d)
        print(f"memory sampling adds {med:+.3f} to the {mode} ratio (median of {len(d)} paired "
              f"differences; target <= +0.010)")
        results.append({"mode": mode, "variant": "sampling-added", "ratio_delta_median": round(med, 4)})
print()
print(f"machine: kernel {os.environ['KERNEL']}, {os.environ['NPROC']} CPUs, {os.environ['CPU_MODEL']}")

out = os.environ.get("JSON_OUT")
if out:
    doc = {"schema": "pvtrace.bench-overhead/1", "loops": loops, "reps": reps,
           "machine": {"kernel": os.environ["KERNEL"], "nproc": int(os.environ["NPROC"]),
                       "cpu_model": os.environ["CPU_MODEL"]},
           "results": results}
    with open(out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    print(f"JSON written to {out}")
EOF
