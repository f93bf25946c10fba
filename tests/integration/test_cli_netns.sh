#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Protection found from the netlink attachment alone, whichever way the
# commands enter the network namespace:
#   - `ip netns exec` (private mount namespace: no pins survive) for protect,
#     then status/stats/unprotect through `ip netns exec` and nsenter;
#   - nsenter (host bpffs): pins under /sys/fs/bpf/synguard/netns-INODE/IF,
#     gone after unprotect;
#   - the initial netns (a veth pair that carries no traffic): pins under
#     /sys/fs/bpf/synguard/IF.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
. "$SG_TOP/tests/lib/cli.sh"

T=cli_netns
sg_require_root $T
[ -x "$SG_BIN" ] || { sg_skip $T "$SG_BIN not built (run make)"; exit 0; }
sg_mount_fs
sg_lab || { sg_fail $T "cannot build the lab"; exit 1; }
sg_cli_unprotect_on_exit "$NS_S" "$IF_S"
PIN=/sys/fs/bpf/synguard/netns-$(stat -L -c %i /run/netns/"$NS_S")/$IF_S
X() { ip netns exec "$NS_S" "$SG_BIN" "$@"; }
N() { sg_in "$NS_S" "$SG_BIN" "$@"; }

# 1) protect through ip netns exec
sg_expect_rc ${T}_protect_ip_netns_exec 0 X protect "$IF_S" --ports 80,443
xid=$(sg_sg_prog_id "$NS_S" "$IF_S")
# (the kernel-cookies defense, picked before Linux 6.9, has no tc filter)
[ "$(sg_xdp_name "$NS_S" "$IF_S")" = sg_xdp ] &&
	{ [ -n "$(sg_tc_filters "$NS_S" "$IF_S")" ] ||
	  [ "$("$SG_BIN" status -j | jq -r '.kernel.best_defense')" = kernel-cookies ]; } &&
	sg_pass ${T}_attached_after_exit ||
	sg_fail ${T}_attached_after_exit "xdp '$(sg_xdp_name "$NS_S" "$IF_S")', tc '$(sg_tc_filters "$NS_S" "$IF_S")'"
[ -e "$PIN" ] && sg_fail ${T}_no_host_pins "$PIN exists (pinned on the host bpffs?)" ||
	sg_pass ${T}_no_host_pins
for via in X N; do
	sg_expect_rc ${T}_status_$via 0 $via status "$IF_S"
	[[ $SG_OUT == *"80,443"* && $SG_OUT == *"id $xid"* ]] ||
		sg_fail ${T}_status_${via}_content "want ports 80,443 and xdp id $xid: $SG_OUT"
	sg_expect_rc ${T}_status_all_$via 0 $via -j status
	n=$(sg_json_get "$SG_OUT" 'len(d["interfaces"])')
	[ "$n" = 1 ] && sg_pass ${T}_status_lists_one_$via || sg_fail ${T}_status_lists_one_$via "$SG_OUT"
	sg_expect_rc ${T}_stats_$via 0 $via stats "$IF_S" -j
	v=$(sg_json_get "$SG_OUT" 'd["interfaces"][0]["ifname"]')
	[ "$v" = "$IF_S" ] && sg_pass ${T}_stats_found_$via || sg_fail ${T}_stats_found_$via "$SG_OUT"
done
# the host netns (where this script runs) does not see the lab's interface
sg_expect_rc ${T}_status_host_nodev 8 "$SG_BIN" status "$IF_S"
sg_expect_rc ${T}_unprotect_ip_netns_exec 0 X unprotect "$IF_S"
sg_check ${T}_unprotect_ip_netns_exec_clean sg_nothing_attached "$NS_S" "$IF_S"

# 2) protect through nsenter: pins on the host bpffs
sg_expect_rc ${T}_protect_nsenter 0 N protect "$IF_S" --ports 8000-8010 -m skb
xid=$(sg_sg_prog_id "$NS_S" "$IF_S")
# no tc pin for the kernel-cookies defense (no tc program)
tcpin=$PIN/tc; [ "$("$SG_BIN" status -j | jq -r '.kernel.best_defense')" = kernel-cookies ] && tcpin=$PIN/xdp
if [ -e "$PIN/xdp" ] && [ -e "$tcpin" ] && [ -e "$PIN/sg_config" ] && [ -e "$PIN/sg_stats" ]; then
	pid=$(bpftool -j prog show pinned "$PIN/xdp" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	[ "$pid" = "$xid" ] && sg_pass ${T}_pins_exist || sg_fail ${T}_pins_exist "pinned id $pid, attached $xid"
else
	sg_fail ${T}_pins_exist "$(ls -la "$PIN" 2>&1)"
fi
sg_expect_rc ${T}_status_nsenter_pins 0 N status "$IF_S" -j
[ "$(sg_json_get "$SG_OUT" 'd["interfaces"][0]["pin_dir"]')" = "$PIN" ] &&
	[ "$(sg_json_get "$SG_OUT" 'd["interfaces"][0]["mode"]')" = skb ] &&
	sg_pass ${T}_status_pin_dir_mode || sg_fail ${T}_status_pin_dir_mode "$SG_OUT"
# from ip netns exec the pins are not reachable, the protection is
sg_expect_rc ${T}_status_exec_after_nsenter 0 X status "$IF_S" -j
[ "$(sg_json_get "$SG_OUT" 'd["interfaces"][0]["pin_dir"]')" = None ] &&
	sg_pass ${T}_status_exec_no_pin_dir || sg_fail ${T}_status_exec_no_pin_dir "$SG_OUT"
sg_expect_rc ${T}_unprotect_nsenter 0 N unprotect "$IF_S"
[ -e "$PIN" ] && sg_fail ${T}_pins_gone "$(ls -la "$PIN")" || sg_pass ${T}_pins_gone
[ -e "$(dirname "$PIN")" ] && sg_fail ${T}_netns_pin_dir_gone "$(dirname "$PIN") left" ||
	sg_pass ${T}_netns_pin_dir_gone
sg_check ${T}_unprotect_nsenter_clean sg_nothing_attached "$NS_S" "$IF_S"

# 3) the initial netns: a veth pair of our own, no addresses, no traffic
HA=sgh$$a HB=sgh$$b
if ip link add "$HA" type veth peer name "$HB" 2>/dev/null; then
	sg_on_exit "ip link del $HA"
	sg_on_exit "$SG_BIN unprotect $HA"
	ip link set "$HA" up
	[ "$(sysctl -n net.ipv4.tcp_syncookies)" != 0 ] || EN=--enable-syncookies
	sg_expect_rc ${T}_protect_init_netns 0 "$SG_BIN" protect "$HA" --ports 80 ${EN:-}
	[ -e "/sys/fs/bpf/synguard/$HA/xdp" ] && sg_pass ${T}_init_netns_pins ||
		sg_fail ${T}_init_netns_pins "no /sys/fs/bpf/synguard/$HA/xdp"
	sg_expect_rc ${T}_unprotect_init_netns 0 "$SG_BIN" unprotect "$HA"
	[ -e "/sys/fs/bpf/synguard/$HA" ] && sg_fail ${T}_init_netns_pins_gone "left" ||
		sg_pass ${T}_init_netns_pins_gone
	[ -z "$(ip -d link show dev "$HA" | grep prog/xdp)" ] && [ -z "$(tc filter show dev "$HA" ingress)" ] &&
		sg_pass ${T}_init_netns_clean || sg_fail ${T}_init_netns_clean "something left on $HA"
else
	sg_skip ${T}_init_netns "cannot create a veth pair in the initial netns"
fi
exit 0
