#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The per-interface lock (user/lock.h): a command that changes an interface
# whose lock is held waits at most --wait seconds, then exits 9 naming the
# interface and the holder; the lock file is the same under `ip netns exec`
# (private mount namespace) and nsenter; it is per (netns, ifindex); it is
# gone when no command runs. The holder here is flock(1) on the documented
# path, so the test also pins the file name down.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
. "$SG_TOP/tests/lib/cli.sh"
. "$(dirname "$0")/../lib/ops.sh"	# new helpers: also when SG_TOP is an older tree

T=ops_lock
sg_require_root $T
[ -x "$SG_BIN" ] || { sg_skip $T "$SG_BIN not built (run make)"; exit 0; }
command -v flock >/dev/null || { sg_skip $T "flock(1) not installed"; exit 0; }
sg_mount_fs
sg_lab || { sg_fail $T "cannot build the lab"; exit 1; }
sg_cli_unprotect_on_exit "$NS_S" "$IF_S"
sg_on_exit "sg_in $NS_C $SG_BIN unprotect lo"
TMP=$(mktemp -d /tmp/sg-lock.XXXXXX)
sg_on_exit "rm -rf $TMP"
S() { sg_in "$NS_S" "$SG_BIN" "$@"; }
X() { ip netns exec "$NS_S" "$SG_BIN" "$@"; }
mkdir -p /run/synguard && chmod 700 /run/synguard
LF=$(sg_ops_lock_file "$NS_S" "$IF_S")
sg_on_exit "rm -f $LF"

# hold VIA SECONDS: flock(1) holds LF for SECONDS, entered via "exec" or
# "nsenter" (both exec flock: $! is its pid). -o: its sleep does not inherit
# the lock, so that unhold (killing flock and its sleep) really releases it.
HOLDER=
HOLD_S=5 HOLD_SHORT=2
[ "${SG_SLOW_GUEST:-0}" = 1 ] && HOLD_S=30 HOLD_SHORT=9	# the command's start takes ~6 s there
hold() {
	if [ "$1" = exec ]; then
		ip netns exec "$NS_S" flock -o "$LF" sleep "$2" &
	else
		nsenter --net=/run/netns/"$NS_S" flock -o "$LF" sleep "$2" &
	fi
	HOLDER=$!
	sg_on_exit "unhold"
	for _ in $(seq 100); do flock -n "$LF" true || return 0; sleep 0.05; done
	return 1
}
unhold() {
	[ -n "$HOLDER" ] || return 0
	kill $(cat /proc/$HOLDER/task/*/children 2>/dev/null) $HOLDER 2>/dev/null
	wait $HOLDER 2>/dev/null
	HOLDER=
}
# busy NAME VIA CMD...: with the lock held (via VIA), CMD exits 9 after about
# its --wait (1 s), says why, and changes nothing
busy() {
	local name=$1 via=$2 t0 ms; shift 2
	# (a TCG guest's command takes seconds before it reaches the lock:
	# a longer hold there, and the wait's bounds not timed)
	hold "$via" $HOLD_S || { sg_fail ${name}_hold "flock did not take $LF"; return; }
	t0=$(date +%s%N)
	sg_expect_rc ${name}_exit_busy 9 "$@"
	ms=$((($(date +%s%N) - t0) / 1000000))
	if sg_timing_sensitive ${name}_bounded_wait; then
		[ $ms -ge 900 ] && [ $ms -lt 4500 ] && sg_pass ${name}_bounded_wait || sg_fail ${name}_bounded_wait "$ms ms"
	fi
	[[ $SG_OUT == *"$IF_S is busy"*"flock"* ]] && sg_pass ${name}_message ||
		sg_fail ${name}_message "$SG_OUT"
	[ "$(sg_ops_kstate "$NS_S" "$IF_S")" = "${BUSY_WANT:-xdp=none tc=none pins=no}" ] &&
		sg_pass ${name}_nothing_changed || sg_fail ${name}_nothing_changed "$(sg_ops_kstate "$NS_S" "$IF_S")"
	unhold
}

# the same lock file whichever way the command enters the netns
[ "$(ip netns exec "$NS_S" stat -c %d:%i /run/synguard)" = "$(stat -c %d:%i /run/synguard)" ] &&
	sg_pass ${T}_same_dir_under_ip_netns_exec || sg_fail ${T}_same_dir_under_ip_netns_exec "different /run/synguard"
busy ${T}_held_exec_cmd_nsenter exec S protect "$IF_S" --ports 80 --wait 1
busy ${T}_held_nsenter_cmd_exec nsenter X protect "$IF_S" --ports 80 --wait 1
printf '[%s]\nports = 80\n' "$IF_S" >"$TMP/c.conf"
busy ${T}_apply nsenter S apply -c "$TMP/c.conf" --wait 1
S protect "$IF_S" --ports 80 >/dev/null 2>&1
BUSY_WANT="xdp=ours tc=ours pins=no"	# (pins not looked at here)
busy ${T}_unprotect exec S unprotect "$IF_S" --wait 1
busy ${T}_unapply nsenter S unapply -c "$TMP/c.conf" --wait 1
busy ${T}_update exec S protect "$IF_S" --ports 81 --wait 1
[ "$(sg_json_get "$(S status "$IF_S" -j)" 'd["interfaces"][0]["ports"]')" = "[80]" ] &&
	sg_pass ${T}_update_not_applied || sg_fail ${T}_update_not_applied "$(S status "$IF_S" -j)"

# the default wait (10 s) outlasts a short holder: the command then runs, and says it waited
hold exec $HOLD_SHORT
t0=$(date +%s%N)
sg_expect_rc ${T}_waits_then_runs 0 S protect "$IF_S" --ports 82
ms=$((($(date +%s%N) - t0) / 1000000))
[ $ms -ge 1000 ] && sg_pass ${T}_waited_for_holder || sg_fail ${T}_waited_for_holder "$ms ms"
[[ $SG_OUT == *"waiting up to 10 s"*"$IF_S"* ]] && sg_pass ${T}_says_it_waits || sg_fail ${T}_says_it_waits "$SG_OUT"
[ "$(sg_json_get "$(S status "$IF_S" -j)" 'd["interfaces"][0]["ports"]')" = "[82]" ] &&
	sg_pass ${T}_ran_after_wait || sg_fail ${T}_ran_after_wait "$(S status "$IF_S" -j)"
unhold

# status never waits, and names a change in progress
hold nsenter 3
sg_expect_rc ${T}_status_while_held 0 S status "$IF_S" -j
[ "$(sg_json_get "$SG_OUT" 'd["interfaces"][0]["busy_pid"]')" -gt 0 ] 2>/dev/null &&
	sg_pass ${T}_status_busy_pid || sg_fail ${T}_status_busy_pid "$SG_OUT"
# the lock is per interface and per network namespace: lo here, lo there
sg_expect_rc ${T}_other_iface_not_blocked 0 S protect lo --ports 9 -m skb --wait 0
sg_expect_rc ${T}_other_iface_unprotect 0 S unprotect lo --wait 0
sg_expect_rc ${T}_other_netns_not_blocked 0 sg_in "$NS_C" "$SG_BIN" protect lo --ports 9 -m skb --enable-syncookies --wait 0
sg_expect_rc ${T}_other_netns_unprotect 0 sg_in "$NS_C" "$SG_BIN" unprotect lo --wait 0
unhold
rm -f "$LF"

# --wait values
sg_expect_rc ${T}_wait_negative 2 S protect "$IF_S" --ports 80 --wait -1
sg_expect_rc ${T}_wait_garbage 2 S unprotect "$IF_S" --wait soon
sg_expect_rc ${T}_wait_apply_garbage 2 S apply -c "$TMP/c.conf" --wait 1e9
sg_expect_rc ${T}_wait_fraction 0 S protect "$IF_S" --ports 80 --wait 0.5

# nothing left behind: no lock file once the commands are done; the directory is private
[ -e "$LF" ] && sg_fail ${T}_lock_file_removed "$LF left" || sg_pass ${T}_lock_file_removed
[ "$(stat -c %a /run/synguard)" = 700 ] && sg_pass ${T}_lock_dir_private || sg_fail ${T}_lock_dir_private "$(stat -c %a /run/synguard)"
exit 0
