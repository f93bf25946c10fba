#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Issue 13, item 1: two `protect` runs with different port lists and one
# `unprotect`, started at the same moment on one interface, ROUNDS times
# (default 30), half of them from an unprotected and half from a protected
# interface. After every round:
#   - the commands ran one after the other: some order of the three explains
#     every exit code, every "protected"/"updated" action, every reported
#     program id and the final state (exactly one command's result);
#   - no half state: our XDP program and our tc handoff are both attached or
#     both absent (read with ip/tc), and status agrees;
#   - a real client connects (through synguard's cookies when protected).
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
. "$SG_TOP/tests/lib/cli.sh"
. "$SG_TOP/tests/lib/defense.sh"
. "$(dirname "$0")/../lib/ops.sh"	# new helpers: also when SG_TOP is an older tree

T=ops_race
ROUNDS=${SG_RACE_ROUNDS:-30}
sg_ops_setup $T
HOC=$(sg_def_cookie_counter)	# handoff_ok, or this kernel's design's
PORT=8080 A_PORTS=8080,9001 B_PORTS=8080,9002 START_PORTS=8080,9000

nsenter --net=/run/netns/"$NS_S" "$SG_SERVER" -p $PORT -n 1000 -q >"$TMP/server.log" 2>&1 &
sg_on_exit "kill $!"
sg_wait_port "$NS_S" $PORT || { sg_fail $T "server did not listen"; exit 1; }

# the start state of a round, set up (and checked) outside the race
start_clean() {
	S unprotect "$IF_S" >/dev/null 2>&1
	[ "$(sg_ops_kstate "$NS_S" "$IF_S" "$PIN")" = "xdp=none tc=none pins=no" ]
}
start_protected() {	# an update in place when the last round ended protected
	S protect "$IF_S" --ports $START_PORTS >/dev/null 2>&1 &&
		[ "$(sg_ops_kstate "$NS_S" "$IF_S" "$PIN")" = "xdp=ours tc=ours pins=yes" ]
}

bad_serial=0 bad_half=0 bad_client=0 bad_rc=0 bad_setup=0 done=0
# the default lock wait is 10 s; a TCG guest's protect takes 10 s and more
# (6.1: the third command gave up, exit 9), so it waits longer there
WAIT=(); [ "${SG_SLOW_GUEST:-0}" = 1 ] && WAIT=(--wait 300)
for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then start=clean; start_clean; else start=protected; start_protected; fi ||
		{ bad_setup=$((bad_setup + 1)); sg_fail ${T}_round${r}_setup "$(sg_ops_kstate "$NS_S" "$IF_S" "$PIN")"; continue; }
	start_id=$(sg_sg_prog_id "$NS_S" "$IF_S")	# (synguard's own, also inside a dispatcher)
	rm -f "$TMP/go" "$TMP"/r.*; mkfifo "$TMP/go"
	# each waits in open() of the FIFO; the open for writing below releases all three at once
	for c in A B U; do
		case $c in
		A) args=(protect "$IF_S" --ports $A_PORTS) ;;
		B) args=(protect "$IF_S" --ports $B_PORTS) ;;
		U) args=(unprotect "$IF_S") ;;
		esac
		args+=("${WAIT[@]}")
		( : <"$TMP/go"; exec nsenter --net=/run/netns/"$NS_S" "$SG_BIN" -j "${args[@]}" ) \
			>"$TMP/r.$c.out" 2>"$TMP/r.$c.err" &
		eval "pid_$c=$!"
	done
	sleep 0.3
	exec 3>"$TMP/go"; sleep 0.2; exec 3>&-
	for c in A B U; do eval "wait \$pid_$c; echo \$? >$TMP/r.$c.rc"; done

	kstate=$(sg_ops_kstate "$NS_S" "$IF_S")
	S status "$IF_S" -j >"$TMP/r.status" 2>/dev/null; echo $? >"$TMP/r.status.rc"
	xid=$(sg_sg_prog_id "$NS_S" "$IF_S")
	# Is there an order of A, B, U that explains everything we saw?
	verdict=$(python3 - "$TMP" "$start" "${start_id:-0}" "$START_PORTS" "$A_PORTS" "$B_PORTS" \
		"$kstate" "${xid:-0}" <<'EOP'
import itertools, json, sys
tmp, start, start_id, p0, pa, pb, kstate, xid = sys.argv[1:]
ports = lambda s: [int(x) for x in s.split(",")]
def load(c):
    rc = int(open(f"{tmp}/r.{c}.rc").read())
    try: out = json.loads(open(f"{tmp}/r.{c}.out").read() or "null")
    except ValueError: out = None
    return rc, out
res = {c: load(c) for c in "ABU"}
want_ports = {"A": ports(pa), "B": ports(pb)}
st_rc = int(open(f"{tmp}/r.status.rc").read())
try: status = json.loads(open(f"{tmp}/r.status").read() or "null")
except ValueError: status = None
if kstate.startswith("xdp=ours tc=ours"): final = "protected"
elif kstate.startswith("xdp=none tc=none"): final = "clean"
else: print(f"HALF {kstate}"); sys.exit()
def explains(order):
    state = ("P", ports(p0), int(start_id)) if start == "protected" else None
    for c in order:
        rc, out = res[c]
        if c == "U":
            if state is None:
                if rc != 3: return False
            else:
                if rc != 0 or not out or out.get("xdp_prog_id") != state[2]: return False
                state = None
        else:
            if rc != 0 or not out or out.get("ports") != want_ports[c]: return False
            if state is None:
                if out.get("action") != "protected": return False
                state = ("P", want_ports[c], out.get("xdp_prog_id"))
            else:
                if out.get("action") != "updated" or out.get("xdp_prog_id") != state[2]: return False
                state = ("P", want_ports[c], state[2])
    if state is None:
        return final == "clean" and st_rc == 3
    i = (status or {}).get("interfaces") or [{}]
    return (final == "protected" and st_rc == 0 and i[0].get("state") == "protected" and
            i[0].get("ports") == state[1] and i[0].get("xdp_prog_id") == state[2] == int(xid))
orders = ["".join(o) for o in itertools.permutations("ABU") if explains(o)]
rcs = " ".join(f"{c}={res[c][0]}" for c in "ABU")
print(f"OK {final} {orders[0]}" if orders else f"NOORDER {final} {rcs}")
EOP
)
	for c in A B U; do
		rc=$(cat "$TMP/r.$c.rc")
		[ "$rc" = 0 ] || { [ $c = U ] && [ "$rc" = 3 ]; } ||
			{ bad_rc=$((bad_rc + 1)); sg_fail ${T}_round${r}_exit_$c "exit $rc: $(tr '\n' ' ' <"$TMP/r.$c.err")"; }
	done
	case "$verdict" in
	OK*) ;;
	HALF*) bad_half=$((bad_half + 1)); sg_fail ${T}_round${r}_half_state "start $start: $verdict; status: $(cat "$TMP/r.status")" ;;
	*) bad_serial=$((bad_serial + 1)); sg_fail ${T}_round${r}_serialised "start $start: $verdict; outputs: $(cat "$TMP"/r.?.out | tr '\n' ' ')" ;;
	esac
	[[ $verdict == "OK protected"* ]] && before=$(sg_def_stats 2>/dev/null)
	if sg_ops_client $ADDR_S4 $PORT; then
		if [[ $verdict == "OK protected"* ]]; then
			d=$(sg_def_delta "$before" "$(sg_def_stats)" "$HOC")
			[ "$d" != missing ] && [ "$d" -ge 1 ] ||
				{ bad_client=$((bad_client + 1)); sg_fail ${T}_round${r}_client_via_cookie "$HOC delta $d"; }
		fi
	else
		bad_client=$((bad_client + 1))
		sg_fail ${T}_round${r}_client "client failed; state: $kstate ($verdict)"
	fi
	echo "round $r (start $start): $verdict" >&2
	done=$((done + 1))
done

[ $done = "$ROUNDS" ] && sg_pass ${T}_ran_${ROUNDS}_rounds || sg_fail ${T}_ran_${ROUNDS}_rounds "only $done (setup failed)"
[ $bad_rc = 0 ] && sg_pass ${T}_every_command_succeeded || sg_fail ${T}_every_command_succeeded "$bad_rc bad exit codes"
[ $bad_half = 0 ] && sg_pass ${T}_no_half_state || sg_fail ${T}_no_half_state "$bad_half of $ROUNDS rounds"
[ $bad_serial = 0 ] && sg_pass ${T}_one_command_result || sg_fail ${T}_one_command_result "$bad_serial of $ROUNDS rounds"
[ $bad_client = 0 ] && sg_pass ${T}_clients_connect || sg_fail ${T}_clients_connect "$bad_client of $ROUNDS rounds"
ls /run/synguard/netns-"$(stat -L -c %i /run/netns/"$NS_S")".* >/dev/null 2>&1 &&
	sg_fail ${T}_no_lock_file_left "$(ls /run/synguard)" || sg_pass ${T}_no_lock_file_left
exit 0
