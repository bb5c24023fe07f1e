#!/usr/bin/env bash
# bench-watch.sh attach|top -- CMD [ARGS...]: run CMD while pvtrace watches it from
# outside, for make bench's attach and top columns (tools/bench-overhead.sh):
#   attach  `pvtrace attach --cgroup CG` on a cgroup made for the run (a sleeping holder
#           keeps it populated); CMD moves itself into CG before it execs, so that it is
#           registered when it joins and everything it creates is followed, as in
#           `pvtrace run`
#   top     `pvtrace top --batch` on the whole machine, the snapshots to /dev/null
# pvtrace is started first and CMD only once pvtrace says it has attached; it is
# stopped with SIGINT after CMD exits.  Exits with CMD's status (1 if pvtrace failed).
set -euo pipefail
mode=${1:-}
shift || true
[[ ${1:-} == -- ]] && shift
[[ $mode == attach || $mode == top ]] && [[ $# -gt 0 ]] ||
	{ echo "usage: $0 attach|top -- CMD [ARGS...]" >&2; exit 2; }
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pvtrace-watch.XXXXXX")
cg= holder= pv=
cleanup() {
	[[ -n $pv ]] && kill -INT "$pv" 2>/dev/null && wait "$pv" 2>/dev/null || true
	[[ -n $holder ]] && kill "$holder" 2>/dev/null && wait "$holder" 2>/dev/null || true
	[[ -n $cg ]] && rmdir "$cg" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

if [[ $mode == attach ]]; then
	mnt=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") print $5; break } }' \
		/proc/self/mountinfo | head -n 1)
	[[ -n $mnt ]] || { echo "bench-watch: no cgroup2 mount" >&2; exit 1; }
	cg=$mnt/pvtrace-bench-$$
	mkdir "$cg"
	sleep 100000 &
	holder=$!
	echo "$holder" >"$cg/cgroup.procs"
	./pvtrace attach --no-status --cgroup "$cg" -o /dev/null 2>"$tmp/err" &
	pv=$!
else
	./pvtrace top --batch -d 1 >/dev/null 2>"$tmp/err" &
	pv=$!
fi
for ((i = 0; i < 200; i++)); do
	grep -q "attached to" "$tmp/err" && break
	kill -0 "$pv" 2>/dev/null || { cat "$tmp/err" >&2; pv=; exit 1; }
	sleep 0.05
done
grep -q "attached to" "$tmp/err" || { echo "bench-watch: pvtrace did not attach" >&2; cat "$tmp/err" >&2; exit 1; }
rc=0
if [[ $mode == attach ]]; then
	sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$cg" "$@" || rc=$?
else
	"$@" || rc=$?
fi
kill -INT "$pv"
prc=0
wait "$pv" || prc=$?
pv=
[[ $prc -eq 0 ]] || { echo "bench-watch: pvtrace $mode exited $prc" >&2; cat "$tmp/err" >&2; exit 1; }
exit "$rc"
