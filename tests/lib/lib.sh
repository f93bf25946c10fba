# SPDX-License-Identifier: GPL-2.0-only
# Shell helpers for synguard's tests: result lines, namespaces, clean-up.
# Source it; it installs an EXIT trap that undoes everything registered with
# sg_on_exit (last registered runs first), also when the test fails.

SG_TOP=${SG_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SG_BIN=${SG_BIN:-$SG_TOP/build/synguard}
SG_TOOLS=$SG_TOP/build/tests/tools
_sg_cleanups=()
_sg_failed=0

sg_pass() { echo "PASS $1"; }
sg_fail() { echo "FAIL $1: ${2:-}"; _sg_failed=1; }
sg_skip() { echo "SKIP $1: ${2:-}"; }
# sg_check NAME CMD...: PASS when CMD succeeds, FAIL with its output otherwise
sg_check() {
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then sg_pass "$name"; else sg_fail "$name" "$(echo "$out" | tail -n 3 | tr '\n' ' ')"; fi
}

# sg_timing_sensitive NAME: for checks that compare latencies or rates.
# Returns 0 where they can run; on a slow guest (SG_SLOW_GUEST=1, set by
# tests/vm/run.sh for a TCG guest) prints SKIP NAME with the reason and
# returns 1. Use: `if sg_timing_sensitive NAME; then ...check...; fi`
sg_timing_sensitive() {
	[ "${SG_SLOW_GUEST:-0}" = 1 ] || return 0
	sg_skip "$1" "timing-sensitive, skipped on a slow guest (SG_SLOW_GUEST=1: ${SG_VM_KERNEL:-a VM} under qemu TCG)"
	return 1
}

sg_on_exit() { _sg_cleanups+=("$*"); }
_sg_run_cleanups() {
	local i
	# Only the test's own shell cleans up: a background subshell (cmd &)
	# killed with TERM can run the inherited trap, and must not tear the
	# lab down under the running test.
	[ "${BASHPID:-$$}" = "$$" ] || return 0
	for ((i = ${#_sg_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_sg_cleanups[$i]}" >/dev/null 2>&1 || true
	done
	_sg_cleanups=()
}
trap _sg_run_cleanups EXIT
trap 'exit 130' INT TERM

# bpffs and tracefs, mounted if missing (the machine may boot without them)
sg_mount_fs() {
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
}

# A unique prefix so parallel or leftover runs never collide.
SG_NS_PREFIX=${SG_NS_PREFIX:-sg$$}

# sg_netns NAME: create a namespace (lo up) and register its deletion.
sg_netns() {
	ip netns add "$1" || return 1
	sg_on_exit "ip netns del $1"
	ip -n "$1" link set lo up
}

# sg_veth NS1 IF1 NS2 IF2: a veth pair between two namespaces, up, with TX
# checksum offload off (else SYNs carry partial checksums) and GRO on (else an
# XDP_TX frame is not delivered to a peer without XDP; see kernel-facts.md).
# SG_VETH_QUEUES=N: N RX/TX queues on both ends (default: the kernel's one)
sg_veth() {
	local ns1=$1 if1=$2 ns2=$3 if2=$4 q=()
	[ -n "${SG_VETH_QUEUES:-}" ] && q=(numtxqueues "$SG_VETH_QUEUES" numrxqueues "$SG_VETH_QUEUES")
	ip link add "$if1" netns "$ns1" "${q[@]}" type veth \
		peer name "$if2" netns "$ns2" "${q[@]}" || return 1
	for x in "$ns1 $if1" "$ns2 $if2"; do
		set -- $x
		ip -n "$1" link set "$2" up
		ip netns exec "$1" ethtool -K "$2" tx off >/dev/null 2>&1
		ip netns exec "$1" ethtool -K "$2" gro on >/dev/null 2>&1
	done
}

# sg_lab: namespaces ${SG_NS_PREFIX}s (server) and ${SG_NS_PREFIX}c (client)
# joined by veth sgs0 <-> sgc0, with 10.77.0.1/24 + fd77::1/64 on the server
# and 10.77.0.2/24 + fd77::2/64 on the client. Sets NS_S, NS_C, IF_S, IF_C,
# ADDR_S4, ADDR_C4, ADDR_S6, ADDR_C6.
sg_lab() {
	NS_S=${SG_NS_PREFIX}s NS_C=${SG_NS_PREFIX}c IF_S=sgs0 IF_C=sgc0
	ADDR_S4=10.77.0.1 ADDR_C4=10.77.0.2 ADDR_S6=fd77::1 ADDR_C6=fd77::2
	sg_netns "$NS_S" && sg_netns "$NS_C" && sg_veth "$NS_S" "$IF_S" "$NS_C" "$IF_C" || return 1
	ip -n "$NS_S" addr add $ADDR_S4/24 dev $IF_S
	ip -n "$NS_C" addr add $ADDR_C4/24 dev $IF_C
	ip -n "$NS_S" addr add $ADDR_S6/64 dev $IF_S nodad
	ip -n "$NS_C" addr add $ADDR_C6/64 dev $IF_C nodad
	# synguard's handoff needs the syncookie machinery on in the server ns
	ip netns exec "$NS_S" sysctl -qw net.ipv4.tcp_syncookies=1
	sg_xdp_peer "$NS_C" "$IF_C"
}

# sg_xdp_peer NS IF: a trivial XDP program on the veth that receives our
# XDP_TX frames: veth kicks the peer's NAPI for XDP_TX only when the peer has
# an XDP program, so without it SYN-ACKs stall (see bpf/xdp_pass.bpf.c).
sg_xdp_peer() {
	ip -n "$1" link set dev "$2" xdpdrv obj "$SG_TOP/build/xdp_pass.bpf.o" sec xdp
}

# sg_in NS CMD...: run CMD in NS's network namespace with the host's mounts
# (unlike `ip netns exec`, which gives CMD a private mount namespace).
sg_in() { local ns=$1; shift; nsenter --net=/run/netns/"$ns" "$@"; }

sg_require_root() {
	[ "$(id -u)" -eq 0 ] || { sg_skip "${1:-$(basename "$0")}" "needs root"; exit 0; }
}

# sg_wait_port NS PORT: wait until something listens on PORT in NS
sg_wait_port() {
	local i
	for i in $(seq 100); do
		ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q LISTEN && return 0
		sleep 0.05
	done
	return 1
}
