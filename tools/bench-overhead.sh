#!/usr/bin/env bash
# bench-overhead.sh - pvtrace's overhead, as ratios against untraced runs, in one table.
#
# Method
#   Rows (workloads), grouped; BENCH_ROWS selects the groups:
#     pipe   pipe-processes, pipe-threads: `taskset -c 0 perf bench sched pipe -l LOOPS`
#            (and -T): two tasks pinned to one CPU ping-pong a byte through two pipes,
#            so nearly every operation is a context switch - the worst case for a
#            tracer on scheduler tracepoints.  Measure: perf bench's own usecs/op (or
#            "Total time" / LOOPS).
#     churn  churn-threads: `.output/pvload churn --threads=N` (default 10000),
#            churn-procs: `.output/pvload churn --procs=M` (default 2000): short-lived
#            tasks, the cost of following creations and exits.  Measure: pvload's own
#            ns_per_task.
#     redis  redis-set, redis-get: a real server.  The traced command is
#            `redis-server --bind 127.0.0.1 --port P --save '' --appendonly no`
#            (P a free port, no config file), started in the background under the
#            variant; once `redis-cli ping` answers, an untraced
#            `redis-benchmark -h 127.0.0.1 -p P -n REQS -c 50 -t set,get -q` runs, then
#            `redis-cli shutdown nosave` ends the server and the script waits for the
#            variant's command to exit.  One run gives both rows.  Measure: requests
#            per second (a throughput: higher is better).
#   In every case the measure is the workload's own figure, so tracer start-up and
#   report writing are not counted, only the workload's speed while traced.
#
#   Columns (variants), each run on every row:
#     untraced           the bare command
#     pvtrace            ./pvtrace run --no-status -o /dev/null -- CMD (default options)
#     sc-always          the same with --syscall-costs=always (raw_syscalls hooks for the
#                        whole trace)
#     no-sc              pvtrace --no-syscall-costs: no programs on raw_syscalls
#                        sys_enter/sys_exit, which every syscall on the machine pays for
#                        while they are attached
#     empty, empty-no-sc pvtrace --null-programs [--no-syscall-costs]: empty BPF programs
#                        on the same tracepoints, the cost of the tracing mechanism itself
#                        (the floors for pvtrace)
#     no-sampling        pvtrace --interval 0: no periodic memory sampling
#     attach             tools/bench-watch.sh attach -- CMD: `pvtrace attach --cgroup CG`
#                        started first, CMD moving itself into CG (registered as it
#                        joins, its tasks followed from their creation)
#     top                tools/bench-watch.sh top -- CMD: `pvtrace top --batch -d 1` on
#                        the whole machine (every task tracked) while CMD runs untraced
#     record             ./pvtrace record -o TMP/pvtrace.data -- CMD: every scheduling event
#                        kept; below the table, its file's bytes per switch beside perf's
#     perf-sched         perf sched record -o TMP/perf.data -- CMD (a point of comparison;
#                        left out, with the reason, if it cannot run)
#
#   One warm-up repetition (not counted) is followed by REPS repetitions.  Within a
#   repetition every row runs every variant once, back to back, the variant order
#   rotated from one repetition to the next, so that machine noise (other tenants,
#   frequency changes) hits all variants alike.  Each cell of the table is the median
#   over repetitions of the ratio variant/untraced, against that repetition's own
#   untraced run.  For time measures (pipe, churn: "time" rows) a ratio above 1 means
#   slower; for redis ("tput" rows) the ratio is throughput traced/untraced, so a ratio
#   below 1 means slower.  The untraced column shows the median raw figure.
#
#   Below the table: derived figures with their targets (default pipe ratio minus the
#   empty-program floor without syscall hooks, paired per repetition; what memory
#   sampling adds; redis throughput), then the BPF time per program: one extra run of
#   each workload (not counted in the ratios) under
#   `./pvtrace run --bpf-stats -f json -o FILE -- CMD` (tracer.bpf_programs in the
#   report: the kernel's bpf_stats, enabled by pvtrace for the run).  Counts cover the whole trace (the
#   raw_syscalls and scheduler programs fire machine-wide, filtered inside).  For
#   churn rows, "BPF time per task lifecycle" is the run time of the creation, switch,
#   rename, exit and wakeup_new programs divided by the tasks pvload created (the
#   target's definition), printed again with the wakeup, migration, syscall-hook and
#   signal programs added.
#
#   The script never asserts on timing (machines are shared and noisy): it exits
#   non-zero only if a run fails, or if it is not run as root.  Targets are printed
#   beside measured values, nothing more.
#
# Environment
#   BENCH_ROWS="pipe churn redis"  row groups to run (default all three)
#   BENCH_REPS=N           counted repetitions (default 5)
#   BENCH_LOOPS=N          perf bench sched pipe -l N (default 200000)
#   BENCH_CHURN_THREADS=N  pvload churn --threads=N (default 10000)
#   BENCH_CHURN_PROCS=N    pvload churn --procs=N (default 2000)
#   BENCH_REDIS_REQUESTS=N redis-benchmark -n N (default 200000)
#   BENCH_BPF_STATS=0      skip the per-program BPF time runs
#   BENCH_STARTUP_RUNS=N   runs of `pvtrace run -- true` timed for the start-up line (default 15)
#   BENCH_JSON=FILE        also write the results as JSON (schema pvtrace.bench-overhead/2)
#
# Run from the repo root (make bench does so), after `make`.  The redis rows need
# redis-server and redis-tools (scripts/deps.sh installs them); without them those
# rows are left out with a note.

set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
	echo "bench-overhead: needs root (pvtrace loads BPF programs); run as root, e.g. sudo make bench" >&2
	exit 1
fi

REPS=${BENCH_REPS:-5}
LOOPS=${BENCH_LOOPS:-200000}
CHURN_THREADS=${BENCH_CHURN_THREADS:-10000}
CHURN_PROCS=${BENCH_CHURN_PROCS:-2000}
REDIS_REQS=${BENCH_REDIS_REQUESTS:-200000}
ROWS=${BENCH_ROWS:-pipe churn redis}
BPF_STATS=${BENCH_BPF_STATS:-1}
JSON_OUT=${BENCH_JSON:-}
STARTUP_RUNS=${BENCH_STARTUP_RUNS:-15}

die() { echo "bench-overhead: $*" >&2; exit 1; }

for v in REPS LOOPS CHURN_THREADS CHURN_PROCS REDIS_REQS; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
GROUPS_SEL=()
for g in $ROWS; do
	case $g in
	pipe | churn | redis) GROUPS_SEL+=("$g") ;;
	*) die "BENCH_ROWS: unknown row group '$g' (known: pipe churn redis)" ;;
	esac
done
[[ ${#GROUPS_SEL[@]} -gt 0 ]] || die "BENCH_ROWS selects no rows"
has_group() { local g; for g in "${GROUPS_SEL[@]}"; do [[ $g == "$1" ]] && return 0; done; return 1; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -x ./pvtrace ]] || die "./pvtrace not found; run make first"
for tool in perf taskset python3; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
if has_group churn; then
	[[ -x .output/pvload ]] || die ".output/pvload not found; run make first"
fi

tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/pvtrace-bench.XXXXXX")
results=$tmpdir/results.txt   # "row variant rep value"
notes=$tmpdir/notes.txt       # "variant-or-row reason...": what was left out and why
bpfman=$tmpdir/bpfstats.txt   # "unit file tasks"
sizes=$tmpdir/sizes.txt       # "row variant rep bytes": the recordings' sizes
: >"$sizes"
: >"$results"
: >"$notes"
: >"$bpfman"

bg_pid=            # a variant's command running in the background (redis rows)
cleanup() {
	if [[ -n $bg_pid ]] && kill -0 "$bg_pid" 2>/dev/null; then
		kill "$bg_pid" 2>/dev/null || true
		wait "$bg_pid" 2>/dev/null || true
	fi
	rm -rf "$tmpdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

note() { # key reason: print and keep for the JSON
	echo "note: $2"
	echo "$1 $2" >>"$notes"
}

VARIANTS=(untraced pvtrace pvtrace-syscall-costs-always pvtrace-no-syscall-costs empty-programs
	empty-no-syscall-costs pvtrace-no-sampling attach top record perf-sched-record)

# --- what can run --------------------------------------------------------------------
redis_ok=1
if has_group redis; then
	for tool in redis-server redis-cli redis-benchmark; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			redis_ok=0
			note redis "redis rows left out: $tool not found (scripts/deps.sh installs redis-server and redis-tools)"
			break
		fi
	done
fi

perf_sched_ok=1
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
	why=$(grep -v '^\s*$' "$tmpdir/probe.err" | head -n 3 | tr '\n' ' ')
	note perf-sched-record "column perf-sched left out, perf sched record is unavailable: ${why:-exit status non-zero, no message}"
fi
rm -f "$tmpdir/perf.data" "$tmpdir/perf.data.old"

active_variants() {
	local v
	for v in "${VARIANTS[@]}"; do
		[[ $v == perf-sched-record && $perf_sched_ok -eq 0 ]] && continue
		echo "$v"
	done
}

# Run units: one run of a unit gives one row, or two for redis.
UNITS=()
has_group pipe && UNITS+=(pipe-processes pipe-threads)
has_group churn && UNITS+=(churn-threads churn-procs)
has_group redis && [[ $redis_ok -eq 1 ]] && UNITS+=(redis)
[[ ${#UNITS[@]} -gt 0 ]] || die "nothing to run"

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Sets W (the workload command, an array) for a unit; PORT for redis.
workload_cmd() {
	case $1 in
	pipe-processes) W=(taskset -c 0 perf bench sched pipe -l "$LOOPS") ;;
	pipe-threads) W=(taskset -c 0 perf bench sched pipe -T -l "$LOOPS") ;;
	churn-threads) W=(.output/pvload churn --threads="$CHURN_THREADS") ;;
	churn-procs) W=(.output/pvload churn --procs="$CHURN_PROCS") ;;
	redis)
		PORT=$(free_port)
		W=(redis-server --bind 127.0.0.1 --port "$PORT" --save '' --appendonly no
			--daemonize no --loglevel warning) ;;
	esac
}

# Sets C (the full command, an array) for variant $1 around W.
variant_cmd() {
	local -a pv=(./pvtrace run --no-status -o /dev/null)
	case $1 in
	untraced) C=("${W[@]}") ;;
	pvtrace) C=("${pv[@]}" -- "${W[@]}") ;;
	pvtrace-syscall-costs-always) C=("${pv[@]}" --syscall-costs=always -- "${W[@]}") ;;
	pvtrace-no-syscall-costs) C=("${pv[@]}" --no-syscall-costs -- "${W[@]}") ;;
	empty-programs) C=("${pv[@]}" --null-programs -- "${W[@]}") ;;
	empty-no-syscall-costs) C=("${pv[@]}" --null-programs --no-syscall-costs -- "${W[@]}") ;;
	pvtrace-no-sampling) C=("${pv[@]}" --interval 0 -- "${W[@]}") ;;
	attach) C=(tools/bench-watch.sh attach -- "${W[@]}") ;;
	top) C=(tools/bench-watch.sh top -- "${W[@]}") ;;
	record) C=(./pvtrace record --no-status -o "$tmpdir/pvtrace.data" -- "${W[@]}") ;;
	perf-sched-record) C=(perf sched record -o "$tmpdir/perf.data" -- "${W[@]}") ;;
	bpf-stats) C=(./pvtrace run --bpf-stats --no-status -f json -o "$tmpdir/bpf-$2.json" -- "${W[@]}") ;;
	esac
}

# run_cmd OUT ERR: runs C for the current unit; for redis, drives the server and puts
# redis-benchmark's output in OUT.  Returns the command's exit status (or 1 if the
# server never answered).
run_cmd() {
	local out=$1 err=$2 rc=0
	if [[ $unit != redis ]]; then
		"${C[@]}" >"$out" 2>"$err" || rc=$?
		return $rc
	fi
	"${C[@]}" >"$tmpdir/server.out" 2>"$err" &
	bg_pid=$!
	local i up=0
	for ((i = 0; i < 300; i++)); do
		if [[ $(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null) == PONG ]]; then
			up=1
			break
		fi
		kill -0 "$bg_pid" 2>/dev/null || break
		sleep 0.1
	done
	if [[ $up -eq 0 ]]; then
		kill "$bg_pid" 2>/dev/null || true
		wait "$bg_pid" 2>/dev/null || true
		bg_pid=
		echo "redis-server did not answer ping on 127.0.0.1:$PORT within 30 s" >>"$err"
		cat "$tmpdir/server.out" >>"$err"
		return 1
	fi
	redis-benchmark -h 127.0.0.1 -p "$PORT" -n "$REDIS_REQS" -c 50 -t set,get -q \
		>"$out" 2>>"$err" || rc=$?
	redis-cli -h 127.0.0.1 -p "$PORT" shutdown nosave >/dev/null 2>&1 || true
	for ((i = 0; i < 300; i++)); do
		kill -0 "$bg_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$bg_pid" 2>/dev/null; then
		echo "redis-server did not exit within 30 s of shutdown nosave; killing it" >>"$err"
		kill "$bg_pid" 2>/dev/null || true
		rc=1
	fi
	local src=0
	wait "$bg_pid" || src=$?
	bg_pid=
	[[ $rc -ne 0 ]] && return $rc
	return $src
}

# parse OUT: prints "row value" lines for the current unit; nothing if not found.
parse() {
	case $unit in
	pipe-*)
		awk -v loops="$LOOPS" -v row="$unit" '
			/usecs\/op/ && !u { u = $1 }
			/Total time:/ && !t { for (i = 1; i <= NF; i++) if ($i == "time:") t = $(i + 1) }
			END {
				if (u != "") printf "%s %s\n", row, u
				else if (t != "") printf "%s %.6f\n", row, t * 1e6 / loops
			}' "$1" ;;
	churn-*)
		awk -v row="$unit" '$1 == "churn" {
			for (i = 1; i <= NF; i++) if ($i ~ /^ns_per_task=/) { sub(/^ns_per_task=/, "", $i); print row, $i; exit }
		}' "$1" ;;
	redis)
		tr '\r' '\n' <"$1" | awk '
			$1 == "SET:" && $3 == "requests" { print "redis-set", $2 }
			$1 == "GET:" && $3 == "requests" { print "redis-get", $2 }' ;;
	esac
}

expected_rows() { [[ $unit == redis ]] && echo 2 || echo 1; }

# run_one REP VARIANT: one run of the current unit; records "row variant rep value"
# unless REP is 0.
run_one() {
	local rep=$1 variant=$2
	local out=$tmpdir/run.out err=$tmpdir/run.err rc=0
	workload_cmd "$unit"
	variant_cmd "$variant"
	run_cmd "$out" "$err" || rc=$?
	# the files' sizes, for bytes per switch (pipe rows: 2 switches per loop)
	if [[ $rc -eq 0 && $rep -gt 0 && $unit == pipe-* ]]; then
		[[ $variant == record ]] && echo "$unit record $rep $(stat -c %s "$tmpdir/pvtrace.data")" >>"$sizes"
		[[ $variant == perf-sched-record ]] && echo "$unit perf-sched-record $rep $(stat -c %s "$tmpdir/perf.data")" >>"$sizes"
	fi
	rm -f "$tmpdir/perf.data" "$tmpdir/perf.data.old" "$tmpdir/pvtrace.data"
	if [[ $rc -ne 0 ]]; then
		if [[ $variant == perf-sched-record ]]; then
			echo
			note perf-sched-record "perf sched record failed (exit $rc) in repetition $rep, $unit; column perf-sched left out from then on"
			sed 's/^/    /' "$err" | tail -n 5
			perf_sched_ok=0
			sed -i '/ perf-sched-record /d' "$results"
			return 0
		fi
		echo
		echo "bench-overhead: run failed (exit $rc): ${C[*]}" >&2
		sed 's/^/    /' "$err" "$out" | tail -n 20 >&2
		exit 1
	fi
	local parsed
	parsed=$(parse "$out")
	if [[ $(grep -c . <<<"$parsed") -ne $(expected_rows) ]]; then
		echo "bench-overhead: no measure found in the output of: ${C[*]}" >&2
		sed 's/^/    /' "$out" | tail -n 20 >&2
		exit 1
	fi
	if [[ $rep -gt 0 ]]; then
		while read -r row value; do
			echo "$row $variant $rep $value" >>"$results"
		done <<<"$parsed"
	fi
	return 0
}

start_s=$SECONDS
echo "bench-overhead: $REPS repetitions (+1 warm-up) of: ${UNITS[*]}"
echo "  (pipe -l $LOOPS; churn --threads=$CHURN_THREADS, --procs=$CHURN_PROCS; redis -n $REDIS_REQS -c 50)"
for ((rep = 0; rep <= REPS; rep++)); do
	if [[ $rep -eq 0 ]]; then
		printf '  warm-up ...'
	else
		printf '  rep %d/%d ...' "$rep" "$REPS"
	fi
	for unit in "${UNITS[@]}"; do
		mapfile -t vs < <(active_variants)
		n=${#vs[@]}
		for ((i = 0; i < n; i++)); do
			run_one "$rep" "${vs[$(((i + rep) % n))]}"
		done
		printf ' %s' "$unit"
	done
	printf ' done (%ds)\n' $((SECONDS - start_s))
done

# --- per-program BPF time: one extra run of each unit ---------------------------------
if [[ $BPF_STATS != 0 ]]; then
	echo "  bpf_stats runs (pvtrace run --bpf-stats) ..."
	for unit in "${UNITS[@]}"; do
		workload_cmd "$unit"
		out=$tmpdir/bpf-$unit.out err=$tmpdir/bpf-$unit.err rc=0
		variant_cmd bpf-stats "$unit"
		run_cmd "$out" "$err" || rc=$?
		file=$tmpdir/bpf-$unit.json
		if [[ $rc -ne 0 || ! -s $file ]]; then
			echo "bench-overhead: BPF time run failed (exit $rc): ${C[*]}" >&2
			sed 's/^/    /' "$err" | tail -n 20 >&2
			exit 1
		fi
		# the tasks a churn run created; the requests of a redis run; pipe ops
		case $unit in
		churn-*) tasks=$(awk '$1 == "churn" { for (i = 1; i <= NF; i++) if ($i ~ /^n=/) { sub(/^n=/, "", $i); print $i; exit } }' "$out") ;;
		redis) tasks=$((2 * REDIS_REQS)) ;;
		pipe-*) tasks=$LOOPS ;;
		esac
		echo "$unit $file ${tasks:-0}" >>"$bpfman"
	done
fi
# --- start-up: pvtrace run -- true, wall time (load, attach, report, exit) -------------
echo "  start-up runs (pvtrace run -- true, x$STARTUP_RUNS) ..."
startup=$tmpdir/startup.txt
: >"$startup"
for ((i = 0; i < STARTUP_RUNS; i++)); do
	t0=$(date +%s%N)
	./pvtrace run --no-status -o /dev/null -- true || die "pvtrace run -- true failed"
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000)) >>"$startup"
done
elapsed=$((SECONDS - start_s))
echo

cpu_model=$(awk -F': *' '/^(model name|Hardware|cpu model|Processor)[ \t]*:/ { print $2; exit }' /proc/cpuinfo)
KERNEL=$(uname -r) NPROC=$(nproc) CPU_MODEL=${cpu_model:-unknown} ELAPSED=$elapsed \
LOOPS=$LOOPS REPS=$REPS CHURN_THREADS=$CHURN_THREADS CHURN_PROCS=$CHURN_PROCS \
REDIS_REQS=$REDIS_REQS JSON_OUT=$JSON_OUT \
	SIZES=$sizes python3 - "$results" "$notes" "$bpfman" "$startup" <<'EOF'
import json, os, statistics, sys

env = os.environ
loops, reps = int(env["LOOPS"]), int(env["REPS"])
runs = {}  # (row, variant) -> {rep: value}
for line in open(sys.argv[1]):
    row, variant, rep, value = line.split()
    runs.setdefault((row, variant), {})[int(rep)] = float(value)
notes = []
for line in open(sys.argv[2]):
    key, _, reason = line.rstrip("\n").partition(" ")
    notes.append({"about": key, "note": reason})

ROWS = [  # row, measure, unit label, ratio kind
    ("pipe-processes", "usecs_per_op", "us/op", "time"),
    ("pipe-threads", "usecs_per_op", "us/op", "time"),
    ("churn-threads", "ns_per_task", "ns/task", "time"),
    ("churn-procs", "ns_per_task", "ns/task", "time"),
    ("redis-set", "requests_per_sec", "req/s", "tput"),
    ("redis-get", "requests_per_sec", "req/s", "tput"),
]
COLS = [  # variant, column header
    ("pvtrace", "pvtrace"),
    ("pvtrace-syscall-costs-always", "sc-always"),
    ("pvtrace-no-syscall-costs", "no-sc"),
    ("empty-programs", "empty"),
    ("empty-no-syscall-costs", "empty-no-sc"),
    ("pvtrace-no-sampling", "no-sampling"),
    ("attach", "attach"),
    ("top", "top"),
    ("record", "record"),
    ("perf-sched-record", "perf-sched"),
]
rows = [r for r in ROWS if (r[0], "untraced") in runs]
cols = [c for c in COLS if any((r[0], c[0]) in runs for r in rows)]

def ratios(row, variant):
    base, r = runs.get((row, "untraced"), {}), runs.get((row, variant), {})
    return {k: v / base[k] for k, v in r.items() if base.get(k)}

def med(xs):
    return statistics.median(xs) if xs else None

results = []
print("pvtrace overhead: median over repetitions of variant/untraced from the same repetition")
print(f"({reps} reps; pipe -l {loops}, churn {env['CHURN_THREADS']} threads / {env['CHURN_PROCS']} procs, "
      f"redis -n {env['REDIS_REQS']} -c 50)")
hdr = f"{'row':<15} {'untraced':>16} {'ratio':<5}" + "".join(f" {h:>11}" for _, h in cols)
print(hdr)
print("-" * len(hdr))
for row, measure, label, kind in rows:
    base = runs[(row, "untraced")]
    bm = med(list(base.values()))
    shown = f"{bm:.3f} {label}" if bm < 1000 else f"{bm:.0f} {label}"
    line = f"{row:<15} {shown:>16} {kind:<5}"
    results.append({"row": row, "variant": "untraced", "measure": measure,
                    "value_median": round(bm, 4), "ratio_kind": kind, "ratio_median": 1.0,
                    "n": len(base)})
    for variant, _ in cols:
        r = runs.get((row, variant))
        if not r:
            line += f" {'-':>11}"
            continue
        rs = ratios(row, variant)
        rm = med(list(rs.values()))
        line += f" {rm:11.3f}" if rm is not None else f" {'-':>11}"
        results.append({"row": row, "variant": variant, "measure": measure,
                        "value_median": round(med(list(r.values())), 4), "ratio_kind": kind,
                        "ratio_median": round(rm, 4) if rm is not None else None, "n": len(rs)})
    print(line)
print("ratio: time = variant time / untraced time (>1: slower); "
      "tput = variant throughput / untraced throughput (<1: slower)")
print("columns: pvtrace = default options; sc-always = --syscall-costs=always; "
      "no-sc = --no-syscall-costs;")
print("  empty, empty-no-sc = --null-programs [--no-syscall-costs] (floors); "
      "no-sampling = --interval 0;")
print("  attach = pvtrace attach --cgroup on a cgroup the workload joins (tools/bench-watch.sh);")
print("  top = pvtrace top --batch -d 1 on the whole machine beside the untraced workload;")
print("  record = pvtrace record -o FILE (every scheduling event kept);")
print("  perf-sched = perf sched record")
for n in notes:
    print(f"note: {n['note']}")
print()

# Derived figures, each a median of per-repetition paired values, beside its target.
derived = []
def paired(row, a, b):
    ra, rb = ratios(row, a), ratios(row, b)
    return [ra[k] - rb[k] for k in ra if k in rb]
print("targets (printed, never asserted):")
for row in ("pipe-processes", "pipe-threads"):
    d = paired(row, "pvtrace", "empty-no-syscall-costs")
    if d:
        m = med(d)
        print(f"  {row:<15} pvtrace - empty-no-sc floor   {m:+.3f}   (target <= +0.020)")
        derived.append({"row": row, "figure": "pvtrace_minus_empty_no_syscall_floor",
                        "value": round(m, 4), "target": "<= 0.02"})
for row in ("pipe-processes", "pipe-threads"):
    d = paired(row, "pvtrace", "pvtrace-no-sampling")
    if d:
        m = med(d)
        print(f"  {row:<15} memory sampling adds          {m:+.3f}   (target <= +0.010)")
        derived.append({"row": row, "figure": "sampling_added", "value": round(m, 4),
                        "target": "<= 0.01"})
for row in ("pipe-processes", "pipe-threads"):
    rm = med(list(ratios(row, "pvtrace").values()))
    if rm is not None:
        print(f"  {row:<15} pvtrace time ratio            {rm:.3f}   (target <= 1.10)")
sizes = {}
for line in open(os.environ["SIZES"]):
    row, variant, rep, b = line.split()
    sizes.setdefault((row, variant), []).append(int(b))
for row in ("pipe-processes", "pipe-threads"):
    rm = med(list(ratios(row, "record").values()))
    if rm is not None:
        print(f"  {row:<15} record time ratio             {rm:.3f}   (target <= 1.30)")
        derived.append({"row": row, "figure": "record_time_ratio", "value": round(rm, 4),
                        "target": "<= 1.30"})
    for variant, label in (("record", "pvtrace record"), ("perf-sched-record", "perf sched record")):
        if (row, variant) in sizes:
            b = med(sizes[(row, variant)])
            per = b / (2 * loops)
            print(f"  {row:<15} {label + ' file':<29} {b / 1048576:.1f} MiB, {per:.1f} bytes per switch"
                  + ("   (target <= 8)" if variant == "record" else ""))
            derived.append({"row": row, "figure": variant + "_bytes_per_switch",
                            "value": round(per, 2), "target": "<= 8" if variant == "record" else None})
for row in ("redis-set", "redis-get"):
    rm = med(list(ratios(row, "pvtrace").values()))
    if rm is not None:
        print(f"  {row:<15} pvtrace throughput ratio      {rm:.3f}   (target >= 0.98)")
        derived.append({"row": row, "figure": "pvtrace_throughput_ratio", "value": round(rm, 4),
                        "target": ">= 0.98"})
print()

# Per-program BPF time.
# A task's own lifecycle: its creation, switches, rename, exit (the target's definition).
LIFECYCLE_CORE = {"pvt_sched_process_fork", "pvt_sched_switch", "pvt_task_rename",
                  "pvt_sched_process_exit", "pvt_sched_wakeup_new"}
# Everything else it makes run: wakeups, migrations, the syscall hooks, signals.
LIFECYCLE = LIFECYCLE_CORE | {"pvt_sched_wakeup", "pvt_sys_enter", "pvt_sys_exit",
                              "pvt_sched_migrate_task"}
bpf = {}
for line in open(sys.argv[3]):
    unit, path, tasks = line.split()
    tasks = int(tasks)
    doc = json.load(open(path))
    progs = [(p["name"], int(p["run_count"]), int(p["run_time_ns"]))
             for p in doc["tracer"]["bpf_programs"]]
    progs.sort(key=lambda p: -p[2])
    print(f"BPF time per program, {unit} (one extra run, pvtrace run --bpf-stats):")
    print(f"  {'program':<26} {'runs':>10} {'ns/run':>9} {'total ms':>10}")
    entry = {"programs": []}
    total = 0
    for name, cnt, ns in progs:
        total += ns
        per = f"{ns / cnt:9.0f}" if cnt else f"{'-':>9}"
        print(f"  {name:<26} {cnt:10d} {per} {ns / 1e6:10.2f}")
        entry["programs"].append({"name": name, "run_count": cnt, "run_time_ns": ns})
    print(f"  {'all':<26} {sum(p[1] for p in progs):10d} {'':>9} {total / 1e6:10.2f}")
    if unit.startswith("churn-") and tasks > 0:
        core = sum(ns for name, _, ns in progs if name in LIFECYCLE_CORE) / tasks
        life = sum(ns for name, _, ns in progs if name in LIFECYCLE or name.startswith("pvt_signal_"))
        per_task = life / tasks
        fork = [(c, ns) for name, c, ns in progs if name == "pvt_sched_process_fork"]
        print(f"  BPF time per task lifecycle (fork, switches, rename, exit, wakeup_new): "
              f"{core / 1000:.2f} us over {tasks} tasks (target <= 2 us)")
        print(f"  with the syscall hooks, wakeups, migrations, signals: {per_task / 1000:.2f} us")
        entry["tasks"] = tasks
        entry["lifecycle_core_ns_per_task"] = round(core, 1)
        entry["lifecycle_ns_per_task"] = round(per_task, 1)
        if fork and fork[0][0]:
            fpc = fork[0][1] / fork[0][0]
            print(f"  pvt_sched_process_fork per call: {fpc / 1000:.2f} us (target <= 1 us)")
            entry["fork_ns_per_call"] = round(fpc, 1)
    elif unit == "redis" and tasks > 0:
        print(f"  BPF time per request (all programs): {total / tasks:.0f} ns over {tasks} requests")
        entry["requests"] = tasks
        entry["ns_per_request"] = round(total / tasks, 1)
    elif unit.startswith("pipe-") and tasks > 0:
        print(f"  BPF time per pipe op (all programs): {total / tasks:.0f} ns over {tasks} ops")
        entry["ops"] = tasks
        entry["ns_per_op"] = round(total / tasks, 1)
    bpf[unit] = entry
    print()

su = sorted(int(l) for l in open(sys.argv[4]) if l.strip())
startup = None
if su:
    startup = {"runs": len(su), "median_us": statistics.median(su), "min_us": su[0], "max_us": su[-1]}
    print(f"start-up: pvtrace run -- true, wall, median of {len(su)}: "
          f"{startup['median_us'] / 1000:.1f} ms (min {su[0] / 1000:.1f}, max {su[-1] / 1000:.1f}; "
          f"target <= 120 ms)")
print(f"machine: kernel {env['KERNEL']}, {env['NPROC']} CPUs, {env['CPU_MODEL']}; "
      f"runs took {env['ELAPSED']} s")

out = env.get("JSON_OUT")
if out:
    doc = {"schema": "pvtrace.bench-overhead/2", "reps": reps,
           "workloads": {"pipe_loops": loops, "churn_threads": int(env["CHURN_THREADS"]),
                         "churn_procs": int(env["CHURN_PROCS"]),
                         "redis_requests": int(env["REDIS_REQS"]), "redis_clients": 50},
           "machine": {"kernel": env["KERNEL"], "nproc": int(env["NPROC"]),
                       "cpu_model": env["CPU_MODEL"]},
           "elapsed_s": int(env["ELAPSED"]),
           "results": results, "derived": derived, "bpf_stats": bpf, "startup": startup,
           "notes": notes}
    with open(out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    print(f"JSON written to {out}")
EOF
