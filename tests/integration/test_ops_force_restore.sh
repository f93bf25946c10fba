#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Issue 8, item 13: a `protect --force` that fails after it removed the
# foreign XDP program must put that program back, in its mode. Two real
# failures on a veth pair of the server netns, foreign program
# build/xdp_pass.bpf.o attached with ip link:
#   1. same mode (native): our program replaces it atomically, then pinning
#      fails (a directory sits where the "xdp" pin goes) -> exit 7;
#   2. other mode (foreign in skb mode, protect -m native): the foreign one
#      is detached first, then native XDP is refused because the peer's MTU
#      is too large for XDP on veth (ERANGE) -> exit 1.
# Afterwards the very same foreign program (same id, same mode) is attached,
# and nothing of ours is left. A --force that succeeds still replaces it.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
. "$SG_TOP/tests/lib/cli.sh"
. "$(dirname "$0")/../lib/ops.sh"	# new helpers: also when SG_TOP is an older tree

T=ops_force_restore
sg_require_root $T
[ -x "$SG_BIN" ] || { sg_skip $T "$SG_BIN not built (run make)"; exit 0; }
PASSO=$SG_TOP/build/xdp_pass.bpf.o
[ -f "$PASSO" ] || { sg_skip $T "$PASSO not built (run make)"; exit 0; }
sg_mount_fs
NS=${SG_NS_PREFIX}f A=sgfa B=sgfb
sg_netns "$NS" || { sg_fail $T "cannot create $NS"; exit 1; }
ip -n "$NS" link add $A type veth peer name $B && ip -n "$NS" link set $A up && ip -n "$NS" link set $B up ||
	{ sg_fail $T "cannot create the veth pair"; exit 1; }
ip netns exec "$NS" sysctl -qw net.ipv4.tcp_syncookies=1
sg_on_exit "sg_in $NS $SG_BIN unprotect $A"
PIN=/sys/fs/bpf/synguard/netns-$(stat -L -c %i /run/netns/"$NS")/$A
sg_on_exit "rmdir $PIN/xdp $PIN $(dirname "$PIN")"
S() { sg_in "$NS" "$SG_BIN" "$@"; }
# xdp_of: "MODE ID NAME" of the XDP program on A (mode 1 native, 2 skb)
xdp_of() { ip -n "$NS" -j -d link show dev $A | jq -r '.[0].xdp | if . == null then "none" else "\(.mode) \(.prog.id) \(.prog.name)" end'; }
ours_left() {
	local left=""
	[ -n "$(sg_tc_filters "$NS" $A)" ] && left+="tc-filter "
	sg_has_clsact "$NS" $A && left+="clsact "
	[ -e "$PIN/tc" ] || [ -e "$PIN/sg_config" ] && left+="pins "
	echo "$left"
}

# 1. same mode, pinning fails after the atomic replace
ip -n "$NS" link set dev $A xdpdrv obj "$PASSO" sec xdp || { sg_fail $T "cannot attach xdp_pass"; exit 1; }
before=$(xdp_of)
mkdir -p "$PIN/xdp"
sg_expect_rc ${T}_same_mode_fails 7 S protect $A --ports 80 -m native --force
[ "$(xdp_of)" = "$before" ] && sg_pass ${T}_same_mode_foreign_restored ||
	sg_fail ${T}_same_mode_foreign_restored "before '$before', after '$(xdp_of)'"
[[ $SG_OUT == *"restored XDP program 'xdp_pass'"* ]] && sg_pass ${T}_same_mode_says_restored ||
	sg_fail ${T}_same_mode_says_restored "$SG_OUT"
[ -z "$(ours_left)" ] && sg_pass ${T}_same_mode_nothing_of_ours_left ||
	sg_fail ${T}_same_mode_nothing_of_ours_left "$(ours_left)"
rmdir "$PIN/xdp" 2>/dev/null

# 2. other mode: detached first, then native XDP refused (peer MTU too large)
ip -n "$NS" link set dev $A xdpdrv off
ip -n "$NS" link set dev $B mtu 9000
ip -n "$NS" link set dev $A xdpgeneric obj "$PASSO" sec xdp || { sg_fail $T "cannot attach xdp_pass (skb)"; exit 1; }
before=$(xdp_of)
sg_expect_rc ${T}_other_mode_fails 1 S protect $A --ports 80 -m native --force
[ "$(xdp_of)" = "$before" ] && [[ $before == "2 "* ]] && sg_pass ${T}_other_mode_foreign_restored ||
	sg_fail ${T}_other_mode_foreign_restored "before '$before', after '$(xdp_of)'"
[ -z "$(ours_left)" ] && sg_pass ${T}_other_mode_nothing_of_ours_left ||
	sg_fail ${T}_other_mode_nothing_of_ours_left "$(ours_left)"

# 3. when nothing fails, --force replaces the foreign program as before
ip -n "$NS" link set dev $B mtu 1500
sg_expect_rc ${T}_force_succeeds 0 S protect $A --ports 80 -m native --force
[[ $(xdp_of) == "1 "*" sg_xdp" ]] && [ "$(sg_ops_kstate "$NS" $A "$PIN")" = "xdp=ours tc=ours pins=yes" ] &&
	sg_pass ${T}_force_replaced || sg_fail ${T}_force_replaced "$(xdp_of) / $(sg_ops_kstate "$NS" $A "$PIN")"
sg_expect_rc ${T}_unprotect 0 S unprotect $A
exit 0
