#!/bin/sh
# version.sh - print pvtrace's version: the file VERSION, and in a git checkout of this
# tree what git adds to it.  The Makefile compiles it into the binaries (PVTRACE_VERSION)
# and make deb makes it the package's version, so it must be a valid Debian version
# (native package: no hyphen).
#
#   VERSION at a clean commit tagged vVERSION:   0.1.0
#   any other commit:                            0.1.0+N.gHASH   (N commits since the newest
#                                                tag v*, or since the first commit if none)
#   uncommitted changes:                         0.1.0+N.gHASH.dirty
#   not a git checkout (a copy, a tarball):      VERSION as it is (make deb writes the
#                                                whole version into its copy's VERSION)
#
# N makes successive builds of one VERSION sort in order (dpkg --compare-versions).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd -P)

base=$(sed -n '1{s/[[:space:]]*$//;p;q}' VERSION 2>/dev/null) || base=
case "$base" in
"" | [!0-9]* | *[!0-9A-Za-z.+~]*)
	echo "version.sh: VERSION must hold a version that starts with a digit and has only" \
		"letters, digits and . + ~ (found \"$base\")" >&2
	exit 1 ;;
esac

# Only this tree's own repository: a copy inside another checkout (make deb builds in
# .output/deb/) is no checkout of its own.  safe.directory: under sudo (make install as root
# in a user's tree) git would refuse the tree, and the version would lose its git part; root
# runs that tree's Makefile anyway, its git configuration adds nothing.
g() { git -C "$top" -c safe.directory="$top" --no-optional-locks "$@"; }
if ! command -v git >/dev/null 2>&1 ||
	[ "$(g rev-parse --show-toplevel 2>/dev/null)" != "$top" ]; then
	echo "$base"
	exit 0
fi

hash=$(g rev-parse --short=7 HEAD)
if desc=$(g describe --tags --long --match 'v[0-9]*' --abbrev=7 HEAD 2>/dev/null); then
	tag=${desc%-*-g*}
	n=${desc#"$tag"-}
	n=${n%%-*}
else
	tag=
	n=$(g rev-list --count HEAD)
fi
# (status: the index refreshed in memory only, not written)
dirty=
[ -z "$(g status --porcelain --untracked-files=no)" ] || dirty=.dirty

if [ "$tag" = "v$base" ] && [ "$n" = 0 ] && [ -z "$dirty" ]; then
	echo "$base"
else
	echo "$base+$n.g$hash$dirty"
fi
