#!/bin/bash
# Regenerate vmlinux/<arch>/vmlinux.h from the running kernel's BTF.
# CO-RE relocations make the result portable to other kernels of the arch.
set -euo pipefail
cd "$(dirname "$0")"
arch=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
btf=${BTF:-/sys/kernel/btf/vmlinux}
[ -r "$btf" ] || { echo "gen.sh: $btf not readable: need a kernel with CONFIG_DEBUG_INFO_BTF=y" >&2; exit 1; }
mkdir -p "$arch"
bpftool btf dump file "$btf" format c > "$arch/vmlinux.h.tmp"
mv "$arch/vmlinux.h.tmp" "$arch/vmlinux.h"
echo "wrote vmlinux/$arch/vmlinux.h from $btf ($(uname -r))"
