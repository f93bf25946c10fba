#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `synguard doctor [IFACE]`: every check that a namespace can break is broken
# once and must then report fail (or warn) with a fix, and exit 10 on fail;
# healthy, it must report ok and exit 0. Checks whose failing condition is
# global (kernel features, freplace, bpffs, clock) are only checked for their
# presence and a valid status here, with a SKIP for the failing case.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"

T=doctor
sg_require_root $T
command -v jq >/dev/null || { sg_skip $T "jq missing"; exit 0; }
sg_mount_fs
NS=${SG_NS_PREFIX}d NS_P=${SG_NS_PREFIX}e
sg_netns $NS && sg_netns $NS_P || { sg_fail $T "netns"; exit 1; }
sg_veth $NS sgd0 $NS_P sgd1 || { sg_fail $T "veth"; exit 1; }
ip netns exec $NS sysctl -qw net.ipv4.tcp_syncookies=1 net.ipv4.conf.all.rp_filter=0 \
	net.ipv4.conf.sgd0.rp_filter=0
sg_on_exit "sg_in $NS $SG_BIN unprotect sgd0"
OUT=$(mktemp -d /tmp/sg-doc.XXXXXX)
sg_on_exit "rm -rf $OUT"

doc() { sg_in $NS "$SG_BIN" -j doctor "$@" >"$OUT/doc.json" 2>"$OUT/doc.err"; echo $? >"$OUT/rc"; }
st() { jq -r --arg n "$1" '.checks[] | select(.name == $n) | .status' "$OUT/doc.json"; }
fix() { jq -r --arg n "$1" '.checks[] | select(.name == $n) | .fix // ""' "$OUT/doc.json"; }
rc() { cat "$OUT/rc"; }
# expect NAME CHECK STATUS RC [FIX-REGEX]
expect() {
	local name=$1 check=$2 want=$3 wrc=$4 fre=${5:-}
	local got=$(st "$check") f=$(fix "$check")
	if [ "$got" = "$want" ] && [ "$(rc)" = "$wrc" ] && { [ -z "$fre" ] || echo "$f" | grep -Eq "$fre"; }; then
		sg_pass ${T}_$name
	else
		sg_fail ${T}_$name "check $check: status '$got' (want $want), exit $(rc) (want $wrc), fix '$f': $(jq -c --arg n "$check" '.checks[] | select(.name == $n)' "$OUT/doc.json" 2>/dev/null) $(cat "$OUT/doc.err")"
	fi
}

# healthy namespace, interface a veth whose peer has no XDP
doc sgd0
ALL="privileges kernel libxdp bpffs syncookies rp_filter conntrack driver veth_peer xdp_programs protection nftables clock"
missing=""
for c in $ALL; do [[ $(st $c) =~ ^(ok|warn|fail|skip)$ ]] || missing+=" $c"; done
if [ -z "$missing" ] && [ "$(rc)" = 0 ]; then sg_pass ${T}_every_check_reported; else
	sg_fail ${T}_every_check_reported "missing:$missing rc=$(rc) $(cat "$OUT/doc.err")"; fi
expect healthy_syncookies syncookies ok 0
expect healthy_xdp_programs xdp_programs ok 0
expect veth_peer_without_xdp_warns veth_peer warn 0 'generic'
# text output: one line per check, fixes on the non-ok ones
sg_in $NS "$SG_BIN" doctor sgd0 >"$OUT/doc.txt" 2>&1
n=$(grep -cE '^(ok|warn|fail|skip) ' "$OUT/doc.txt")
if [ "$n" -eq "$(echo $ALL | wc -w)" ] && grep -E '^warn +veth_peer .* -- fix: ' "$OUT/doc.txt" >/dev/null; then
	sg_pass ${T}_text_one_line_per_check
else
	sg_fail ${T}_text_one_line_per_check "$n check lines: $(head -c 600 "$OUT/doc.txt")"
fi

# net.ipv4.tcp_syncookies=0
ip netns exec $NS sysctl -qw net.ipv4.tcp_syncookies=0
doc sgd0
expect syncookies_off_fails syncookies fail 10 'tcp_syncookies=1'
ip netns exec $NS sysctl -qw net.ipv4.tcp_syncookies=1

# strict rp_filter
ip netns exec $NS sysctl -qw net.ipv4.conf.all.rp_filter=1
doc sgd0
expect rp_filter_strict_warns rp_filter warn 0 'rp_filter=2'
ip netns exec $NS sysctl -qw net.ipv4.conf.all.rp_filter=0

# a foreign XDP program attached alone
ip -n $NS link set dev sgd0 xdpdrv obj "$SG_TOP/build/xdp_pass.bpf.o" sec xdp
doc sgd0
expect foreign_xdp_fails xdp_programs fail 10 'force|xdp-loader'
ip -n $NS link set dev sgd0 xdpdrv off

# the peer runs XDP: native works
sg_xdp_peer $NS_P sgd1
doc sgd0
expect veth_peer_with_xdp_ok veth_peer ok 0
# protected in native mode, then the peer's program goes: handshakes stall
sg_in $NS "$SG_BIN" protect sgd0 --ports 8093 -m native >/dev/null 2>&1 || sg_fail ${T}_protect "protect failed"
ip -n $NS_P link set dev sgd1 xdpdrv off
doc sgd0
expect native_veth_peer_gone_fails veth_peer fail 10 'unprotect|peer'
expect protected_ok protection ok 10
# the tc handoff removed behind synguard's back
ip netns exec $NS tc qdisc del dev sgd0 clsact
doc sgd0
expect tc_missing_fails protection fail 10 'protect'
sg_in $NS "$SG_BIN" unprotect sgd0 >/dev/null 2>&1

# nftables: a rule that drops what conntrack saw no SYN for, and one on the port
if command -v nft >/dev/null; then
	ip netns exec $NS nft add table inet sgdoc
	ip netns exec $NS nft add chain inet sgdoc in '{ type filter hook input priority 0; }'
	ip netns exec $NS nft add rule inet sgdoc in ct state invalid drop
	doc sgd0
	expect nft_ct_invalid_drop_fails nftables fail 10 'accept'
	ip netns exec $NS nft flush chain inet sgdoc in
	ip netns exec $NS nft add rule inet sgdoc in tcp dport 8093 drop
	doc sgd0 --ports 8093
	expect nft_port_drop_fails nftables fail 10
	doc sgd0 --ports 8094
	expect nft_other_port_ok nftables ok 0
	ip netns exec $NS nft delete table inet sgdoc
else
	sg_skip ${T}_nft "nft not installed"
fi

# conntrack that refuses mid-stream pickup (conntrack is loaded by the nft
# ct rules above; its sysctls exist per namespace once it is)
modprobe nf_conntrack 2>/dev/null
if ip netns exec $NS sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0 2>/dev/null; then
	doc sgd0
	expect conntrack_not_loose_fails conntrack fail 10 'tcp_loose=1'
	ip netns exec $NS sysctl -qw net.netfilter.nf_conntrack_tcp_loose=1
	doc sgd0
	expect conntrack_loose_ok conntrack ok 0
else
	sg_skip ${T}_conntrack "nf_conntrack not available"
fi

# a device without native XDP (a bridge); the veth has it
if ip -n $NS link add sgdd0 type bridge 2>/dev/null; then
	ip -n $NS link set sgdd0 up
	doc sgdd0
	if [ "$(st driver)" = skip ]; then
		sg_skip ${T}_driver "the kernel does not report XDP features: $(jq -r '.checks[] | select(.name == "driver") | .detail' "$OUT/doc.json")"
	else
		expect driver_without_xdp_warns driver warn 0 'native XDP'
		doc sgd0
		expect veth_driver_ok driver ok 0
	fi
else
	sg_skip ${T}_driver "cannot create a bridge"
fi

# no such interface
sg_in $NS "$SG_BIN" doctor nosuchif0 >/dev/null 2>&1; r=$?
if [ $r -eq 8 ]; then sg_pass ${T}_no_such_interface_exit_8; else sg_fail ${T}_no_such_interface_exit_8 "exit $r"; fi

sg_skip ${T}_global_failures "kernel, libxdp (freplace), bpffs and clock depend on the host, not on a namespace: reported here as $(for c in kernel libxdp bpffs clock; do printf '%s=%s ' $c "$(st $c)"; done)"
exit 0
