#!/bin/bash
# deb.sh - build pvtrace's Debian package (make deb): .output/deb/pvtrace_VERSION_amd64.deb
# (and pvtrace-dbgsym_VERSION_amd64.deb, the debug symbols).
#
# dpkg-buildpackage -b runs in a copy of the tree (.output/deb/src/pvtrace-VERSION/: the
# files git knows, tracked or not ignored, as they are in the working tree; no build
# output), so the package never holds what an earlier build left here.  VERSION is
# scripts/version.sh's: the copy's VERSION file gets it, and when it is not the version of
# debian/changelog's first entry (a build between releases: 0.1.0+N.gHASH[.dirty]), an
# entry for it is added on top of the copy's changelog.  The committed changelog's first
# entry is the release in VERSION (tests/install/test_package.py checks it).  Then lintian
# on the .deb, when installed: its tags, for information.
#
#   DEB_BUILD_OPTIONS   passed on; parallel=2 when it sets no parallel= itself
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sh scripts/version.sh)
out=.output/deb
src=$out/src/pvtrace-$version

for t in dpkg-buildpackage dpkg-parsechangelog dh; do
	command -v "$t" >/dev/null 2>&1 ||
		{ echo "deb: $t is missing (scripts/deps.sh installs dpkg-dev and debhelper)" >&2; exit 1; }
done

# (safe.directory: as in scripts/version.sh, for sudo make deb in a user's tree)
top=$(pwd -P)
g() { git -C "$top" -c safe.directory="$top" --no-optional-locks "$@"; }
ingit=
command -v git >/dev/null 2>&1 && [ "$(g rev-parse --show-toplevel 2>/dev/null)" = "$top" ] && ingit=1

rm -rf "$out/src"
mkdir -p "$src"
if [ -n "$ingit" ]; then
	# (a tracked file deleted in the working tree is left out)
	g ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
		done | tar -c --null -T - -f - | tar -x -C "$src" -f -
else
	tar -c --exclude=./.output --exclude=./pvtrace -f - . | tar -x -C "$src" -f -
fi
echo "$version" > "$src/VERSION"

released=$(dpkg-parsechangelog -l debian/changelog -S Version)
if [ "$released" != "$version" ]; then
	maint=$(sed -n 's/^Maintainer:[[:space:]]*//p' debian/control)
	if [ -n "$ingit" ]; then
		what="git commit $(g rev-parse --short=12 HEAD)"
		when=$(g log -1 --format=%ct HEAD)
	else
		what="a tree without git"
		when=$(date +%s)
	fi
	case "$version" in
	*.dirty) what="$what with uncommitted changes"; when=$(date +%s) ;;
	esac
	{
		printf 'pvtrace (%s) unstable; urgency=medium\n\n' "$version"
		printf '  * Build of %s (VERSION %s).\n\n' "$what" "$(cat VERSION)"
		printf ' -- %s  %s\n\n' "$maint" "$(LC_ALL=C date -R -d "@$when")"
		cat debian/changelog
	} > "$src/debian/changelog"
fi

case " ${DEB_BUILD_OPTIONS:-} " in
*" parallel="*) ;;
*) export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }parallel=2" ;;
esac
echo "deb: building pvtrace $version in $src (DEB_BUILD_OPTIONS=$DEB_BUILD_OPTIONS)"
(cd "$src" && dpkg-buildpackage -b -us -uc)

# Only this build's packages in .output/deb/ (apt install ./.output/deb/pvtrace_*.deb).
rm -f "$out"/pvtrace_*.deb "$out"/pvtrace-dbgsym_*.deb
shopt -s nullglob
debs=("$out"/src/pvtrace_"$version"_*.deb "$out"/src/pvtrace-dbgsym_"$version"_*.deb)
[ ${#debs[@]} -gt 0 ] || { echo "deb: dpkg-buildpackage left no pvtrace_${version}_*.deb" >&2; exit 1; }
mv "${debs[@]}" "$out"/
rm -rf "$out/src"
for d in "${debs[@]}"; do echo "deb: $out/${d##*/}"; done
# What lintian says, for information (the package's test fails on its errors and warnings).
if command -v lintian >/dev/null 2>&1; then
	echo "deb: lintian $out/pvtrace_${version}_amd64.deb:"
	lintian "$out/pvtrace_${version}_amd64.deb" 2>&1 | grep -v '^running with root privileges' || true
fi
