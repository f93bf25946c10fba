#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install from Debian whatever synguard needs to build, test and demo.
# Used by `make test`, `make demo` and `make bench`; quick when all is there.
set -euo pipefail

PKGS=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev gcc make pkg-config
      iproute2 ethtool curl python3 netsniff-ng hping3 nftables tcpdump
      libmicrohttpd-dev prometheus libbpf-tools xdp-tools libxdp-dev util-linux
      go-md2man man-db jq)
# `scripts/deps.sh --vm`: also what tests/vm/run.sh needs (qemu, busybox for
# its initramfs, cpio/xz to build it). The kernels themselves are extracted
# by tests/vm/run.sh, never installed.
if [ "${1:-}" = "--vm" ]; then
	PKGS+=(qemu-system-x86 busybox-static cpio xz-utils kmod)
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]}; run as root to install them" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts a prometheus service on install; tests run their own.
if systemctl is-active --quiet prometheus 2>/dev/null; then systemctl stop prometheus || true; fi
