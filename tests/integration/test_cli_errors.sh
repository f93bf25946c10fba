#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Exit codes and clean failure of protect/unprotect/status/stats for every
# documented error case (user/common.h enum sg_exit): nothing may stay
# attached after a refused or failed protect.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
. "$SG_TOP/tests/lib/cli.sh"

T=cli_errors
sg_require_root $T
[ -x "$SG_BIN" ] || { sg_skip $T "$SG_BIN not built (run make)"; exit 0; }
sg_mount_fs
sg_lab || { sg_fail $T "cannot build the lab"; exit 1; }
sg_cli_unprotect_on_exit "$NS_S" "$IF_S"
TMP=$(mktemp -d /tmp/sg-clierr.XXXXXX)
sg_on_exit "rm -rf $TMP"
S() { sg_in "$NS_S" "$SG_BIN" "$@"; }

# --help of every command, and the usage errors of the command line
for c in protect unprotect status stats; do
	sg_expect_rc ${T}_help_$c 0 S $c --help
	[[ $SG_OUT == *Usage:* ]] || sg_fail ${T}_help_${c}_text "no usage text: $SG_OUT"
done
sg_expect_rc ${T}_help_via_help_cmd 0 S help protect
sg_expect_rc ${T}_unknown_command 2 S frobnicate
sg_expect_rc ${T}_unknown_option 2 S protect "$IF_S" --ports 80 --bogus
sg_expect_rc ${T}_missing_iface 2 S protect --ports 80
sg_expect_rc ${T}_missing_ports 2 S protect "$IF_S"
sg_expect_rc ${T}_bad_ttl_0 2 S protect "$IF_S" --ports 80 --ttl 0
sg_expect_rc ${T}_bad_ttl_256 2 S protect "$IF_S" --ports 80 --ttl 256
sg_expect_rc ${T}_bad_rst_limit_word 2 S protect "$IF_S" --ports 80 --rst-limit lots
sg_expect_rc ${T}_bad_rst_limit_negative 2 S protect "$IF_S" --ports 80 --rst-limit -5
sg_expect_rc ${T}_bad_rst_limit_huge 2 S protect "$IF_S" --ports 80 --rst-limit 10000001
sg_expect_rc ${T}_bad_rst_limit_unit 2 S protect "$IF_S" --ports 80 --rst-limit 5/m
sg_expect_rc ${T}_bad_mode 2 S protect "$IF_S" --ports 80 -m turbo
sg_expect_rc ${T}_stats_count_without_interval 2 S stats --count 3
sg_expect_rc ${T}_stats_bad_interval 2 S stats --interval 0

# bad port lists
i=0
for p in 0 65536 abc "" "80," ",80" "10-5" "80;443" "1-2-3" " " "-1"; do
	i=$((i + 1))
	sg_expect_rc "${T}_bad_ports_$i" 2 S protect "$IF_S" --ports "$p"
	[[ $SG_OUT == *port* ]] || sg_fail "${T}_bad_ports_${i}_message" "'$p': $SG_OUT"
done

# unknown interface: every command
sg_expect_rc ${T}_nodev_protect 8 S protect nosuch0 --ports 80
sg_expect_rc ${T}_nodev_unprotect 8 S unprotect nosuch0
sg_expect_rc ${T}_nodev_status 8 S status nosuch0
sg_expect_rc ${T}_nodev_stats 8 S stats nosuch0

# not protected
sg_expect_rc ${T}_status_not_protected 3 S status "$IF_S"
sg_expect_rc ${T}_stats_not_protected 3 S stats "$IF_S"
sg_expect_rc ${T}_unprotect_not_protected 3 S unprotect "$IF_S"
sg_expect_rc ${T}_status_none_is_ok 0 S status
[[ $SG_OUT == *"no interface is protected"* ]] ||
	sg_fail ${T}_status_none_message "$SG_OUT"

# without privileges (nobody, no capabilities)
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
sg_expect_rc ${T}_perm_protect 4 sg_in "$NS_S" "${NOBODY[@]}" "$SG_BIN" protect "$IF_S" --ports 80
sg_expect_rc ${T}_perm_unprotect 4 sg_in "$NS_S" "${NOBODY[@]}" "$SG_BIN" unprotect "$IF_S"
sg_expect_rc ${T}_perm_status 4 sg_in "$NS_S" "${NOBODY[@]}" "$SG_BIN" status
sg_expect_rc ${T}_perm_stats 4 sg_in "$NS_S" "${NOBODY[@]}" "$SG_BIN" stats

# bad key files: refused before anything is attached
printf '0011223344556677\n' >"$TMP/short.key"
printf '00112233445566778899aabbccddeeffaa\n' >"$TMP/long.key"
printf '00112233445566778899aabbccddeeZZ\n' >"$TMP/junk.key"
for k in short long junk missing; do
	sg_expect_rc ${T}_bad_key_$k 2 S protect "$IF_S" --ports 80 --key-file "$TMP/$k.key"
	[[ $SG_OUT == *key* ]] || sg_fail ${T}_bad_key_${k}_message "$SG_OUT"
done
sg_check ${T}_bad_key_nothing_attached sg_nothing_attached "$NS_S" "$IF_S"

# tcp_syncookies=0: refused, nothing attached, sysctl untouched ...
ip netns exec "$NS_S" sysctl -qw net.ipv4.tcp_syncookies=0
sg_expect_rc ${T}_syncookies_off 5 S protect "$IF_S" --ports 80
[[ $SG_OUT == *tcp_syncookies* ]] || sg_fail ${T}_syncookies_off_message "$SG_OUT"
sg_check ${T}_syncookies_off_nothing_attached sg_nothing_attached "$NS_S" "$IF_S"
v=$(ip netns exec "$NS_S" sysctl -n net.ipv4.tcp_syncookies)
[ "$v" = 0 ] && sg_pass ${T}_syncookies_untouched || sg_fail ${T}_syncookies_untouched "now $v"
# ... unless --enable-syncookies, which sets it and says so
sg_expect_rc ${T}_syncookies_enable 0 S protect "$IF_S" --ports 80 --enable-syncookies
[[ $SG_OUT == *"tcp_syncookies=1"* ]] || sg_fail ${T}_syncookies_enable_message "$SG_OUT"
v=$(ip netns exec "$NS_S" sysctl -n net.ipv4.tcp_syncookies)
[ "$v" = 1 ] && sg_pass ${T}_syncookies_now_on || sg_fail ${T}_syncookies_now_on "now $v"
# (alone, or in libxdp's dispatcher where the kernel allows freplace)
case $(sg_xdp_name "$NS_S" "$IF_S") in sg_xdp|xdp_dispatcher) true ;; *) false ;; esac &&
	sg_pass ${T}_syncookies_enable_attached ||
	sg_fail ${T}_syncookies_enable_attached "XDP on $IF_S: '$(sg_xdp_name "$NS_S" "$IF_S")'"

# changing the XDP mode of a protected interface would leave a gap: refused
id1=$(sg_xdp_id "$NS_S" "$IF_S")
sg_expect_rc ${T}_mode_change_refused 6 S protect "$IF_S" --ports 80 -m skb
[[ $SG_OUT == *unprotect* ]] || sg_fail ${T}_mode_change_message "$SG_OUT"
id2=$(sg_xdp_id "$NS_S" "$IF_S")
[ -n "$id1" ] && [ "$id1" = "$id2" ] && sg_pass ${T}_mode_change_kept ||
	sg_fail ${T}_mode_change_kept "xdp id $id1 -> $id2"
sg_expect_rc ${T}_unprotect_after_enable 0 S unprotect "$IF_S"
sg_check ${T}_unprotect_clean sg_nothing_attached "$NS_S" "$IF_S"

# a failed attach is undone: lo has no native XDP, so tc must be removed again
# (-m native: without -m, protect falls back to skb mode, below)
sg_expect_rc ${T}_native_on_lo_fails 1 S protect lo --ports 80 -m native
[[ $SG_OUT == *"-m skb"* ]] || sg_fail ${T}_native_on_lo_hint "$SG_OUT"
sg_check ${T}_native_on_lo_rolled_back sg_nothing_attached "$NS_S" lo
[ -e "/sys/fs/bpf/synguard/netns-$(stat -L -c %i /run/netns/"$NS_S")/lo" ] &&
	sg_fail ${T}_native_on_lo_no_pins "pin dir left behind" || sg_pass ${T}_native_on_lo_no_pins
# without -m: the driver's refusal makes protect use skb mode, and say why
sg_expect_rc ${T}_auto_on_lo_protects 0 S protect lo --ports 80
[[ $SG_OUT == *"skb (the driver of lo has no native XDP)"* ]] && sg_pass ${T}_auto_on_lo_says_why ||
	sg_fail ${T}_auto_on_lo_says_why "$SG_OUT"
sg_expect_rc ${T}_auto_on_lo_unprotect 0 S unprotect lo

# a foreign XDP program: conflict, named; --force replaces it
if ! sg_build_foreign_xdp "$TMP" >"$TMP/clang.log" 2>&1; then
	sg_skip ${T}_foreign "cannot build a test XDP program: $(tail -n 2 "$TMP/clang.log")"
else
	ip -n "$NS_S" link set dev "$IF_S" xdpdrv obj "$TMP/foreign.o" sec xdp
	fid=$(sg_xdp_id "$NS_S" "$IF_S")
	sg_expect_rc ${T}_foreign_conflict 6 S protect "$IF_S" --ports 80
	[[ $SG_OUT == *foreign_xdp* && $SG_OUT == *"$fid"* ]] ||
		sg_fail ${T}_foreign_conflict_named "message lacks name/id $fid: $SG_OUT"
	[ "$(sg_xdp_id "$NS_S" "$IF_S")" = "$fid" ] && [ -z "$(sg_tc_filters "$NS_S" "$IF_S")" ] &&
		sg_pass ${T}_foreign_untouched ||
		sg_fail ${T}_foreign_untouched "xdp $(sg_xdp_id "$NS_S" "$IF_S") (was $fid), tc: $(sg_tc_filters "$NS_S" "$IF_S")"
	sg_expect_rc ${T}_foreign_status 3 S status "$IF_S"
	sg_expect_rc ${T}_foreign_unprotect 3 S unprotect "$IF_S"
	[ "$(sg_xdp_id "$NS_S" "$IF_S")" = "$fid" ] && sg_pass ${T}_foreign_unprotect_kept ||
		sg_fail ${T}_foreign_unprotect_kept "unprotect removed the foreign program"
	sg_expect_rc ${T}_foreign_force 0 S protect "$IF_S" --ports 80 --force
	[ "$(sg_xdp_name "$NS_S" "$IF_S")" = sg_xdp ] && sg_pass ${T}_foreign_replaced ||
		sg_fail ${T}_foreign_replaced "XDP is '$(sg_xdp_name "$NS_S" "$IF_S")'"
	S unprotect "$IF_S" >/dev/null 2>&1
	# the same with the foreign program in the other (skb) mode
	ip -n "$NS_S" link set dev "$IF_S" xdpgeneric obj "$TMP/foreign.o" sec xdp
	sg_expect_rc ${T}_foreign_skb_conflict 6 S protect "$IF_S" --ports 80
	sg_expect_rc ${T}_foreign_skb_force 0 S protect "$IF_S" --ports 80 --force
	[ "$(sg_xdp_name "$NS_S" "$IF_S")" = sg_xdp ] &&
		! ip -n "$NS_S" -d link show dev "$IF_S" | grep -q xdpgeneric &&
		sg_pass ${T}_foreign_skb_replaced ||
		sg_fail ${T}_foreign_skb_replaced "$(ip -n "$NS_S" -d link show dev "$IF_S" | grep xdp)"
	sg_expect_rc ${T}_foreign_cleanup 0 S unprotect "$IF_S"
	sg_check ${T}_foreign_cleanup_clean sg_nothing_attached "$NS_S" "$IF_S"
fi
exit 0
