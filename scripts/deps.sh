#!/bin/bash
# deps.sh - install what pvtrace needs to build and test.
#
#   scripts/deps.sh              install everything (Debian/Ubuntu: apt-get)
#   scripts/deps.sh --if-missing install only if a tool or header is missing
#   scripts/deps.sh --list       print the package list and exit
#
# Elsewhere (no apt-get) it prints the packages to install and fails.
set -euo pipefail

# build: clang (BPF), bpftool (skeletons), libbpf/libelf/zlib (userspace), cmocka (unit tests),
#        libncurses-dev (ncursesw: pvtrace top's full-screen view), libmicrohttpd-dev (pvtrace
#        serve's HTTP server)
# test:  python3 (kernel-level tests read the JSON report), util-linux (setpriv, unshare,
#        taskset), procps (pgrep), linux-perf (pvtrace bench's switch is checked against
#        perf bench sched pipe; make bench compares with perf sched; Ubuntu packages perf
#        as linux-tools-<kernel>), tmux (the live view's tests drive it on a terminal),
#        prometheus (prometheus and promtool: pvtrace serve's tests start their own on
#        127.0.0.1; under systemd the package also starts a service of its own on port 9090,
#        which the tests neither use nor touch)
#        protobuf-compiler (protoc: pvtrace perfetto's test decodes the trace against the schema),
#        bash-completion (its main script: the completion's tests load it, as a user's shell
#        would, and call _command_offset through it; the installed package's test: its loader
#        finds the completion), zsh (the zsh completion's tests complete in it)
# docs:  scdoc (make man: man/*.scd into the man pages; make all does not need it), mandoc and
#        man-db (the install tests lint the pages with mandoc -T lint and man --warnings, render
#        them with man -l, and find the installed package's with man -w)
# ship:  dpkg-dev and debhelper (make deb: dpkg-buildpackage, dh; no fakeroot: the package
#        builds with Rules-Requires-Root: no), lintian (the package's test checks the .deb)
# bench: redis-server, redis-tools (redis-cli, redis-benchmark): only for make bench's redis
#        rows (tools/bench-overhead.sh leaves them out if absent), not for the tests, so
#        missing() does not check for them
# fuzz:  libclang-rt-dev (clang's runtimes, libclang_rt.fuzzer among them: Debian's clang
#        only recommends it) for make fuzz; make check needs none of it (its replay of the
#        fuzz seeds is built by gcc), so missing() does not check for it, and where the
#        package does not exist under that name the rest is installed all the same
DEB_PKGS="make gcc libc6-dev clang llvm pkg-config libbpf-dev libelf-dev zlib1g-dev bpftool
libcmocka-dev libjson-c-dev libncurses-dev libmicrohttpd-dev python3 util-linux procps linux-perf
tmux prometheus protobuf-compiler bash-completion zsh scdoc mandoc man-db dpkg-dev debhelper
lintian redis-server redis-tools"
FUZZ_PKGS="libclang-rt-dev"

missing() {
	local t
	for t in make cc clang bpftool pkg-config python3 setpriv pgrep taskset perf tmux prometheus \
		promtool protoc zsh scdoc mandoc man dpkg-buildpackage dh lintian; do
		command -v "$t" >/dev/null 2>&1 || { echo "$t"; return 0; }
	done
	pkg-config --exists libbpf 2>/dev/null || { echo libbpf; return 0; }
	pkg-config --exists libmicrohttpd 2>/dev/null || { echo libmicrohttpd; return 0; }
	for h in /usr/include/gelf.h /usr/include/zlib.h /usr/include/cmocka.h /usr/include/json-c/json.h; do
		[ -e "$h" ] || { echo "$h"; return 0; }
	done
	[ -e /usr/share/bash-completion/bash_completion ] || { echo bash-completion; return 0; }
	[ -e /usr/include/ncursesw/curses.h ] || [ -e /usr/include/ncurses.h ] ||
		{ echo "ncursesw (curses.h)"; return 0; }
	return 1
}

case "${1:-}" in
--list)
	echo $DEB_PKGS $FUZZ_PKGS
	exit 0 ;;
--if-missing)
	what=$(missing) || exit 0
	echo "deps: $what is missing; installing the build dependencies" ;;
"") ;;
*)
	echo "usage: $0 [--if-missing | --list]" >&2
	exit 2 ;;
esac

if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: no apt-get here; install the equivalents of: $DEB_PKGS" >&2
	exit 1
fi
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $DEB_PKGS >/dev/null
echo "deps: installed: $(echo $DEB_PKGS)"
# shellcheck disable=SC2086
if $SUDO apt-get install -y -qq --no-install-recommends $FUZZ_PKGS >/dev/null; then
	echo "deps: installed: $FUZZ_PKGS (make fuzz)"
else
	echo "deps: $FUZZ_PKGS not installed: make fuzz needs clang's libFuzzer runtime" >&2
fi
