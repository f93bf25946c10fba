#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Issue 13, item 2: half states and commands killed with SIGKILL.
#   1. half states made by hand (XDP removed, tc removed, both removed, pins
#      removed): status reports each one (exit 3, "partial", what is
#      missing), the next protect repairs it, the next unprotect cleans it;
#   2. protect and unprotect killed at each step boundary (the TEST-ONLY
#      SG_TEST_KILL_AT points of user/testpoint.h): the state left is the
#      safe one of that step, status reports it, the lock is not stuck, the
#      next command repairs or cleans;
#   3. protect and unprotect killed with SIGKILL after a random 0-200 ms,
#      ROUNDS times: never XDP without tc, status matches the kernel's view,
#      and a following protect/unprotect always ends in a clean state.
# The kernel's view is read with ip/tc/ls (tests/lib/ops.sh).
# SG_KILL_DEFENSE=synproxy (or kernel-cookies) runs it with that defense,
# e.g. on a host where protect would pick the kfunc's.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
. "$SG_TOP/tests/lib/cli.sh"
. "$SG_TOP/tests/lib/defense.sh"
. "$(dirname "$0")/../lib/ops.sh"	# new helpers: also when SG_TOP is an older tree

T=ops_kill
ROUNDS=${SG_KILL_ROUNDS:-20}
sg_ops_setup $T
PORT=8080
K() { sg_ops_kstate "$NS_S" "$IF_S" "$PIN"; }
FULL="xdp=ours tc=ours pins=yes" CLEAN="xdp=none tc=none pins=no"
DEF=(${SG_KILL_DEFENSE:+--defense "$SG_KILL_DEFENSE"})

nsenter --net=/run/netns/"$NS_S" "$SG_SERVER" -p $PORT -n 1000 -q >"$TMP/server.log" 2>&1 &
sg_on_exit "kill $!"
sg_wait_port "$NS_S" $PORT || { sg_fail $T "server did not listen"; exit 1; }

# status_says NAME WANT_RC STATE MISSING: `status IF -j` exits WANT_RC and
# shows IF with state STATE and missing MISSING (python list); STATE "none":
# IF is not listed at all. Also checks `status -j` (every interface).
status_says() {
	local name=$1 rc=$2 state=$3 missing=$4 got all
	sg_expect_rc ${name}_status_rc "$rc" S status "$IF_S" -j
	got=$(S status "$IF_S" -j 2>/dev/null)
	all=$(S status -j 2>/dev/null)
	if [ "$state" = none ]; then
		[ -z "$got" ] && [ "$(sg_json_get "$all" 'len(d["interfaces"])')" = 0 ] &&
			sg_pass ${name}_status_shows || sg_fail ${name}_status_shows "$got / $all"
		return
	fi
	[ "$(sg_json_get "$got" '(d["interfaces"][0]["state"], d["interfaces"][0]["missing"])')" = "('$state', $missing)" ] &&
	[ "$(sg_json_get "$all" '[(i["ifname"], i["state"], i["missing"]) for i in d["interfaces"]]')" = "[('$IF_S', '$state', $missing)]" ] &&
		sg_pass ${name}_status_shows || sg_fail ${name}_status_shows "$got / all: $all"
}

# client_ok NAME: a real client connects, through synguard's cookies
client_ok() {
	local before d ctr
	ctr=$(sg_def_cookie_counter "$(S status "$IF_S" -j 2>/dev/null | jq -r '.interfaces[0].defense // empty')")
	before=$(sg_def_stats)
	if sg_ops_client $ADDR_S4 $PORT; then
		d=$(sg_def_delta "$before" "$(sg_def_stats)" "$ctr")
		[ "$d" != missing ] && [ "$d" -ge 1 ] && sg_pass ${1}_client || sg_fail ${1}_client "$ctr delta $d"
	else
		sg_fail ${1}_client "client could not connect; $(K)"
	fi
}
protect_ok() {
	sg_expect_rc ${1}_protect 0 S protect "$IF_S" "${DEF[@]}" --ports $PORT
	[ "$(K)" = "$FULL" ] && sg_pass ${1}_protect_full || sg_fail ${1}_protect_full "$(K)"
	client_ok "$1"
}
unprotect_ok() {
	sg_expect_rc ${1}_unprotect 0 S unprotect "$IF_S"
	[ "$(K)" = "$CLEAN" ] && sg_pass ${1}_unprotect_clean || sg_fail ${1}_unprotect_clean "$(K)"
}
fresh() { S unprotect "$IF_S" >/dev/null 2>&1; S protect "$IF_S" "${DEF[@]}" --ports $PORT >/dev/null 2>&1; }

# 1. half states made by hand
fresh; ip -n "$NS_S" link set dev "$IF_S" xdpdrv off
[ "$(K)" = "xdp=none tc=ours pins=yes" ] || sg_fail ${T}_hand_tc_only_setup "$(K)"
status_says ${T}_hand_tc_only 3 partial "['xdp']"
txt=$(S status "$IF_S"); [[ $txt == *"PARTIAL"*"without its XDP program"* ]] && sg_pass ${T}_hand_tc_only_text || sg_fail ${T}_hand_tc_only_text "$txt"
protect_ok ${T}_hand_tc_only
status_says ${T}_hand_tc_only_repaired 0 protected "[]"

fresh; ip netns exec "$NS_S" tc qdisc del dev "$IF_S" clsact
[ "$(K)" = "xdp=ours tc=none pins=yes" ] || sg_fail ${T}_hand_xdp_only_setup "$(K)"
status_says ${T}_hand_xdp_only 3 partial "['tc']"
txt=$(S status "$IF_S"); [[ $txt == *"PARTIAL"*"without its tc "@(handoff|program or nft table)* ]] && sg_pass ${T}_hand_xdp_only_text || sg_fail ${T}_hand_xdp_only_text "$txt"
unprotect_ok ${T}_hand_xdp_only
status_says ${T}_hand_xdp_only_cleaned 3 none ""

fresh; ip -n "$NS_S" link set dev "$IF_S" xdpdrv off
unprotect_ok ${T}_hand_tc_only2

fresh; ip -n "$NS_S" link set dev "$IF_S" xdpdrv off; ip netns exec "$NS_S" tc qdisc del dev "$IF_S" clsact
[ "$(K)" = "xdp=none tc=none pins=yes" ] || sg_fail ${T}_hand_pins_only_setup "$(K)"
status_says ${T}_hand_pins_only 3 partial "['xdp', 'tc']"
unprotect_ok ${T}_hand_pins_only

fresh; rm -f "$PIN"/*; rmdir "$PIN"
protect_ok ${T}_hand_no_pins	# protect pins again (FULL includes pins=yes)

# our program attached but never activated: what a protect through libxdp
# leaves when killed before it activates (status must not say protected)
fresh; sg_ops_cfg_clear_flag "$PIN" 1 || sg_fail ${T}_hand_inactive_setup "cannot clear SG_CFG_ACTIVE"
status_says ${T}_hand_inactive 3 partial "['active']"
txt=$(S status "$IF_S"); [[ $txt == *"PARTIAL"*"never activated"* ]] && sg_pass ${T}_hand_inactive_text || sg_fail ${T}_hand_inactive_text "$txt"
protect_ok ${T}_hand_inactive
status_says ${T}_hand_inactive_repaired 0 protected "[]"

# 2. killed at each step boundary
# kill_at NAME POINT CMD... : run CMD with SG_TEST_KILL_AT=POINT, expect SIGKILL (137)
kill_at() {
	local name=$1 point=$2; shift 2
	sg_expect_rc ${name}_killed 137 env SG_TEST_KILL_AT="$point" nsenter --net=/run/netns/"$NS_S" "$SG_BIN" "$@"
}
# not_stuck NAME CMD...: the killed command's lock does not delay CMD
not_stuck() {
	local name=$1 rc; shift
	S "$@" --wait 0 >/dev/null 2>&1; rc=$?
	[ "$rc" != 9 ] && sg_pass ${name}_lock_not_stuck || sg_fail ${name}_lock_not_stuck "exit 9 after SIGKILL of the holder"
	return 0
}

# how protect attaches here: through libxdp's dispatcher our program is in
# it, inactive, before tc (cmd_protect.c), so the state after tc differs
fresh; ATTACH=$(sg_sg_attach "$NS_S" "$IF_S")
S unprotect "$IF_S" >/dev/null 2>&1
kill_at ${T}_kill_protect_after_tc protect:after-tc protect "$IF_S" "${DEF[@]}" --ports $PORT
if [ "$ATTACH" = libxdp ]; then
	[ "$(K)" = "xdp=ours tc=ours pins=no" ] && sg_pass ${T}_kill_protect_after_tc_safe_state ||
		sg_fail ${T}_kill_protect_after_tc_safe_state "$(K)"
	status_says ${T}_kill_protect_after_tc 3 partial "['active']"
	sg_ops_client $ADDR_S4 $PORT && sg_pass ${T}_kill_protect_after_tc_traffic_passes ||
		sg_fail ${T}_kill_protect_after_tc_traffic_passes "$(K)"
else
	[ "$(K)" = "xdp=none tc=ours pins=no" ] && sg_pass ${T}_kill_protect_after_tc_safe_state ||
		sg_fail ${T}_kill_protect_after_tc_safe_state "$(K)"
	status_says ${T}_kill_protect_after_tc 3 partial "['xdp']"
fi
protect_ok ${T}_kill_protect_after_tc

S unprotect "$IF_S" >/dev/null 2>&1
kill_at ${T}_kill_protect_after_xdp protect:after-xdp protect "$IF_S" "${DEF[@]}" --ports $PORT
[ "$(K)" = "xdp=ours tc=ours pins=no" ] && sg_pass ${T}_kill_protect_after_xdp_safe_state ||
	sg_fail ${T}_kill_protect_after_xdp_safe_state "$(K)"
status_says ${T}_kill_protect_after_xdp 0 protected "[]"
client_ok ${T}_kill_protect_after_xdp_works
protect_ok ${T}_kill_protect_after_xdp	# and pins again

fresh
kill_at ${T}_kill_unprotect_after_xdp unprotect:after-xdp unprotect "$IF_S"
[ "$(K)" = "xdp=none tc=ours pins=yes" ] && sg_pass ${T}_kill_unprotect_after_xdp_safe_state ||
	sg_fail ${T}_kill_unprotect_after_xdp_safe_state "$(K)"
status_says ${T}_kill_unprotect_after_xdp 3 partial "['xdp']"
sg_ops_client $ADDR_S4 $PORT && sg_pass ${T}_kill_unprotect_after_xdp_traffic_passes ||
	sg_fail ${T}_kill_unprotect_after_xdp_traffic_passes "$(K)"
not_stuck ${T}_kill_unprotect_after_xdp status "$IF_S"
unprotect_ok ${T}_kill_unprotect_after_xdp

fresh
kill_at ${T}_kill_unprotect_after_tc unprotect:after-tc unprotect "$IF_S"
[ "$(K)" = "xdp=none tc=none pins=yes" ] && sg_pass ${T}_kill_unprotect_after_tc_safe_state ||
	sg_fail ${T}_kill_unprotect_after_tc_safe_state "$(K)"
status_says ${T}_kill_unprotect_after_tc 3 partial "['xdp', 'tc']"
unprotect_ok ${T}_kill_unprotect_after_tc

# the killed holder's lock must not block the next command
S unprotect "$IF_S" >/dev/null 2>&1
kill_at ${T}_kill_lock protect:after-tc protect "$IF_S" "${DEF[@]}" --ports 8081
sg_expect_rc ${T}_kill_lock_next_no_wait 0 S protect "$IF_S" "${DEF[@]}" --ports $PORT --wait 0

# 3. SIGKILL at random moments: within the time each command takes here
# (measured; about 0-200 ms for protect, which spends most of it loading)
ms_of() { local t0=$(date +%s%N); "$@" >/dev/null 2>&1; echo $((($(date +%s%N) - t0) / 1000000)); }
S unprotect "$IF_S" >/dev/null 2>&1
P_MS=$(ms_of S protect "$IF_S" "${DEF[@]}" --ports $PORT)
U_MS=$(ms_of S unprotect "$IF_S")
echo "protect takes $P_MS ms, unprotect $U_MS ms" >&2
bad_harm=0 bad_status=0 bad_next=0 seen=""
for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then
		S unprotect "$IF_S" >/dev/null 2>&1
		args=(protect "$IF_S" "${DEF[@]}" --ports $PORT) range=$((P_MS + P_MS / 5 + 1))
	else
		fresh
		args=(unprotect "$IF_S") range=$((U_MS + U_MS / 5 + 1))
	fi
	ms=$((RANDOM % range))
	nsenter --net=/run/netns/"$NS_S" "$SG_BIN" "${args[@]}" >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	# protect finishes an attach it began in a detached child
	# (user/attach_child.c): the state left is the one after it (on a
	# TCG guest it outlived the kill by seconds)
	for i in $(seq 200); do
		pgrep -f "$SG_BIN ${args[0]} $IF_S" >/dev/null || break
		sleep 0.05
	done
	k=$(K)
	seen+="${args[0]}@${ms}ms:[$k] "
	[[ $k == "xdp=ours tc=none"* ]] && { bad_harm=$((bad_harm + 1)); sg_fail ${T}_random${r}_no_harmful_state "${args[0]} killed after $ms ms: $k"; }
	got=$(S status "$IF_S" -j 2>/dev/null); rc=$?
	st=$(sg_json_get "$got" '(d["interfaces"][0]["state"], d["interfaces"][0]["missing"])')
	case "$k" in
	"xdp=ours tc=ours"*) want_rc=0 want="('protected', [])" ;;
	"xdp=none tc=ours"*) want_rc=3 want="('partial', ['xdp'])" ;;
	"xdp=none tc=none pins=yes") want_rc=3 want="('partial', ['xdp', 'tc'])" ;;
	"xdp=none tc=none pins=no") want_rc=3 want="" ;;
	*) want_rc=x want="?" ;;
	esac
	[ "$rc" = "$want_rc" ] && [ "$st" = "$want" ] ||
		{ bad_status=$((bad_status + 1)); sg_fail ${T}_random${r}_status "kernel $k; status exit $rc: $got"; }
	# the next command, chosen at random, repairs or cleans
	if [ $((RANDOM % 2)) = 0 ]; then
		S protect "$IF_S" "${DEF[@]}" --ports $PORT >"$TMP/next.log" 2>&1; rc=$?
		[ $rc = 0 ] && [ "$(K)" = "$FULL" ] && sg_ops_client $ADDR_S4 $PORT ||
			{ bad_next=$((bad_next + 1)); sg_fail ${T}_random${r}_next_protect "from [$k]: exit $rc, now $(K): $(tail -n 2 "$TMP/next.log")"; }
	else
		S unprotect "$IF_S" >"$TMP/next.log" 2>&1; rc=$?
		{ [ $rc = 0 ] || [ $rc = 3 ]; } && [ "$(K)" = "$CLEAN" ] ||
			{ bad_next=$((bad_next + 1)); sg_fail ${T}_random${r}_next_unprotect "from [$k]: exit $rc, now $(K): $(tail -n 2 "$TMP/next.log")"; }
	fi
done
echo "random kills: $seen" >&2
[ $bad_harm = 0 ] && sg_pass ${T}_random_never_xdp_without_tc || sg_fail ${T}_random_never_xdp_without_tc "$bad_harm of $ROUNDS"
[ $bad_status = 0 ] && sg_pass ${T}_random_status_matches_kernel || sg_fail ${T}_random_status_matches_kernel "$bad_status of $ROUNDS"
[ $bad_next = 0 ] && sg_pass ${T}_random_next_command_cleans || sg_fail ${T}_random_next_command_cleans "$bad_next of $ROUNDS"
exit 0
