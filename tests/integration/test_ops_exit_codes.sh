#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Exit codes (user/common.h, README "Exit codes", synguard.8 EXIT STATUS) of
# the documented error cases of metrics, apply/unapply, trace/hist, help and
# the global options. protect/unprotect/status/stats are covered by
# test_cli_errors.sh.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
. "$SG_TOP/tests/lib/cli.sh"

T=ops_rc
sg_require_root $T
[ -x "$SG_BIN" ] || { sg_skip $T "$SG_BIN not built (run make)"; exit 0; }
sg_mount_fs
NS=${SG_NS_PREFIX}e
sg_netns "$NS" || { sg_fail $T "cannot create a namespace"; exit 1; }
TMP=$(mktemp -d /tmp/sg-rc.XXXXXX)
chmod 755 "$TMP"
sg_on_exit "rm -rf $TMP"
S() { sg_in "$NS" "$SG_BIN" "$@"; }
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)

# global
sg_expect_rc ${T}_no_command 2 S
sg_expect_rc ${T}_unknown_global_option 2 S --frobnicate status
sg_expect_rc ${T}_version 0 S --version
sg_expect_rc ${T}_help_unknown_command 2 S help frobnicate
for c in protect unprotect status stats trace hist metrics apply unapply; do
	sg_expect_rc ${T}_help_$c 0 S help $c
	a=$SG_OUT
	b=$(S $c --help 2>&1)
	[ "$a" = "$b" ] && [[ $a == *Usage:* ]] && sg_pass ${T}_help_same_$c ||
		sg_fail ${T}_help_same_$c "'help $c' differs from '$c --help'"
done

# metrics: usage errors (2), runtime failure (1), privileges (4)
sg_expect_rc ${T}_metrics_unknown_option 2 S metrics --bogus
sg_expect_rc ${T}_metrics_extra_arg 2 S metrics extra
sg_expect_rc ${T}_metrics_listen_no_port 2 S metrics -l 127.0.0.1
sg_expect_rc ${T}_metrics_listen_bad_port 2 S metrics -l 127.0.0.1:99999
sg_expect_rc ${T}_metrics_listen_bad_addr 2 S metrics -l host.example:9750
sg_expect_rc ${T}_metrics_listen_bad_v6 2 S metrics -l '[::1'
sg_expect_rc ${T}_metrics_listen_missing_value 2 S metrics -l
sg_expect_rc ${T}_metrics_buckets_3 2 S metrics --buckets-per-octave 3
sg_expect_rc ${T}_metrics_buckets_junk 2 S metrics --buckets-per-octave x
sg_expect_rc ${T}_metrics_bad_port 2 S metrics --port 0
sg_expect_rc ${T}_metrics_missing_config 2 S metrics -c "$TMP/nonexistent.conf"
printf '[eth0]\nttl = 1\n' >"$TMP/bad.conf"
sg_expect_rc ${T}_metrics_bad_config 2 S metrics -c "$TMP/bad.conf"
sg_expect_rc ${T}_metrics_perm 4 sg_in "$NS" "${NOBODY[@]}" "$SG_BIN" metrics --no-tracer -l 127.0.0.1:0
# an address this namespace does not have, and a port in use
sg_expect_rc ${T}_metrics_addr_not_here 1 S metrics --no-tracer -l 192.0.2.1:9750
[[ $SG_OUT == *"cannot listen"* ]] || sg_fail ${T}_metrics_addr_not_here_message "$SG_OUT"
sg_in "$NS" python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 19752)); s.listen(1); time.sleep(30)' &
BUSY=$!
sg_on_exit "kill $BUSY"
for i in $(seq 50); do ip netns exec "$NS" ss -Hltn 'sport = :19752' | grep -q LISTEN && break; sleep 0.1; done
sg_expect_rc ${T}_metrics_port_in_use 1 S metrics --no-tracer -l 127.0.0.1:19752
[[ $SG_OUT == *"Address already in use"* ]] || sg_fail ${T}_metrics_port_in_use_message "$SG_OUT"
kill $BUSY

# apply / unapply
sg_expect_rc ${T}_apply_unknown_option 2 S apply --bogus
sg_expect_rc ${T}_apply_extra_arg 2 S apply extra
sg_expect_rc ${T}_unapply_no_check 2 S unapply --check
sg_expect_rc ${T}_apply_missing_file 2 S apply -c "$TMP/nonexistent.conf"
sg_expect_rc ${T}_apply_bad_file 2 S apply -c "$TMP/bad.conf"
sg_expect_rc ${T}_unapply_bad_file 2 S unapply -c "$TMP/bad.conf"
printf '[nosuch0]\nports = 80\n' >"$TMP/nodev.conf"
sg_expect_rc ${T}_apply_check_nodev_ok 0 S apply --check -c "$TMP/nodev.conf"
[[ $SG_OUT == *"not present"* ]] || sg_fail ${T}_apply_check_nodev_note "$SG_OUT"
sg_expect_rc ${T}_apply_nodev 8 S apply -c "$TMP/nodev.conf"
sg_expect_rc ${T}_unapply_nodev_ok 0 S unapply -c "$TMP/nodev.conf"
sg_expect_rc ${T}_apply_perm 4 sg_in "$NS" "${NOBODY[@]}" "$SG_BIN" apply -c "$TMP/nodev.conf"
sg_expect_rc ${T}_unapply_perm 4 sg_in "$NS" "${NOBODY[@]}" "$SG_BIN" unapply -c "$TMP/nodev.conf"
sg_expect_rc ${T}_apply_check_unprivileged 0 sg_in "$NS" "${NOBODY[@]}" "$SG_BIN" apply --check -c "$TMP/nodev.conf"
# lo has no native XDP: protect's runtime failure (1) comes through apply
printf '[lo]\nports = 80\nmode = native\n' >"$TMP/lo.conf"
sg_expect_rc ${T}_apply_attach_fails 1 S apply -c "$TMP/lo.conf"
sg_check ${T}_apply_attach_fails_clean sg_nothing_attached "$NS" lo
# tcp_syncookies=0 without enable-syncookies: 5, with it: 0
ip netns exec "$NS" sysctl -qw net.ipv4.tcp_syncookies=0
printf '[lo]\nports = 80\nmode = skb\n' >"$TMP/lo_skb.conf"
sg_expect_rc ${T}_apply_syncookies_off 5 S apply -c "$TMP/lo_skb.conf"
printf 'enable-syncookies = yes\n' >>"$TMP/lo_skb.conf"
sg_expect_rc ${T}_apply_enable_syncookies 0 S apply -c "$TMP/lo_skb.conf"
sg_on_exit "sg_in $NS $SG_BIN unprotect lo"
# a foreign XDP program: 6 (conflict), named
if sg_build_foreign_xdp "$TMP" >/dev/null 2>&1; then
	ip link add sgrc$$ netns "$NS" type veth peer name sgrp$$ netns "$NS"
	ip -n "$NS" link set sgrc$$ up; ip -n "$NS" link set sgrp$$ up
	ip -n "$NS" link set dev sgrc$$ xdpgeneric obj "$TMP/foreign.o" sec xdp
	printf '[sgrc%s]\nports = 80\nmode = skb\n' $$ >"$TMP/conflict.conf"
	sg_expect_rc ${T}_apply_conflict 6 S apply -c "$TMP/conflict.conf"
	[[ $SG_OUT == *foreign_xdp* ]] || sg_fail ${T}_apply_conflict_named "$SG_OUT"
	sg_expect_rc ${T}_unapply_foreign_not_protected 0 S unapply -c "$TMP/conflict.conf"
	[ "$(sg_xdp_name "$NS" sgrc$$)" = foreign_xdp ] && sg_pass ${T}_unapply_leaves_foreign ||
		sg_fail ${T}_unapply_leaves_foreign "XDP now '$(sg_xdp_name "$NS" sgrc$$)'"
else
	sg_skip ${T}_apply_conflict "cannot build a test XDP program"
fi

# trace / hist
for c in trace hist; do
	sg_expect_rc ${T}_${c}_unknown_option 2 S $c --bogus
	sg_expect_rc ${T}_${c}_bad_port 2 S $c --port 70000
	sg_expect_rc ${T}_${c}_bad_duration 2 S $c --duration -1
	sg_expect_rc ${T}_${c}_extra_arg 2 S $c extra
	sg_expect_rc ${T}_${c}_perm 4 sg_in "$NS" "${NOBODY[@]}" "$SG_BIN" $c --duration 0.1
done
sg_expect_rc ${T}_trace_interval_refused 2 S trace --interval 1
sg_expect_rc ${T}_hist_count_refused 2 S hist --count 1
sg_expect_rc ${T}_trace_short_run 0 S trace --duration 0.2
sg_expect_rc ${T}_hist_short_run 0 S hist --duration 0.2
exit 0
