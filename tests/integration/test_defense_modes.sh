#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End to end in the two other ways synguard can run:
#   - generic XDP (`protect -m skb`): SYN-ACKs from XDP, XDP metadata to tc;
#   - without XDP metadata (`protect --no-xdp-meta`, what synguard falls back
#     to by itself when a driver refuses metadata): tc validates the cookie of
#     every pure ACK to a protected port on its own.
# In each mode real clients connect over IPv4 and IPv6 and move 1 MiB each
# way (payload checked by sg_server), every connection goes through the
# cookie path (synack_sent, ack_cookie_valid, handoff_ok grow by exactly the
# number of connections; handoff_no_meta too without metadata), and a burst
# of forged ACKs is still dropped in XDP without reaching the listener.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
. "$SG_TOP/tests/lib/defense.sh"

T=defense_modes
sg_require_root $T
sg_def_require $T
sg_def_require_handoff $T
sg_mount_fs
sg_lab || { sg_fail $T "cannot build the lab"; exit 1; }
PORT=8083
NCONN=2		# per family
FORGED=2000
OUT=$(mktemp -d /tmp/sg-defmodes.XXXXXX)
sg_on_exit "rm -rf $OUT"
SG_DEF_LOG=$OUT/protect.log
SMAC=$(ip -n "$NS_S" -j link show "$IF_S" | jq -r '.[0].address')

# one_mode NAME PROTECT-ARGS... : protect, connect, check, unprotect
one_mode() {
	local m=$1; shift
	local before after d want spid fam

	if ! sg_def_protect $PORT "$@"; then
		sg_fail ${T}_${m}_protect "protect $*: $(tail -n 3 "$SG_DEF_LOG" | tr '\n' ' ')"
		return
	fi
	nsenter --net=/run/netns/"$NS_S" "$SG_SERVER" -p $PORT -n 1M -c $((2 * NCONN)) -t 30 -q \
		>"$OUT/srv_$m" 2>&1 &
	spid=$!
	sg_wait_port "$NS_S" $PORT || { sg_fail ${T}_${m} "server did not listen"; kill $spid; return; }
	before=$(sg_def_stats)
	for fam in 4 6; do
		local addr=$ADDR_S4
		[ $fam = 6 ] && addr=$ADDR_S6
		if ip netns exec "$NS_C" "$SG_CLIENT" -$fam -n 1M -c $NCONN -t 30 -q "$addr" $PORT \
			>"$OUT/cli_${m}_$fam" 2>&1; then
			sg_pass ${T}_${m}_clients_v$fam
		else
			sg_fail ${T}_${m}_clients_v$fam "$(tail -n 1 "$OUT/cli_${m}_$fam")"
		fi
	done
	if wait $spid; then
		sg_pass ${T}_${m}_server_transfers
	else
		sg_fail ${T}_${m}_server_transfers "sg_server: $(tail -n 1 "$OUT/srv_$m")"
	fi
	after=$(sg_def_stats)
	want=$((2 * NCONN))
	for c in synack_sent ack_cookie_valid handoff_ok; do
		d=$(sg_def_delta "$before" "$after" $c)
		if [ "$d" = "$want" ]; then sg_pass ${T}_${m}_$c; else sg_fail ${T}_${m}_$c "grew by $d, want $want"; fi
	done
	want=0
	[ "$m" = nometa ] && want=$((2 * NCONN))
	# the fixed-length build (in libxdp's dispatcher on 6.12.y/6.13+)
	# carries no metadata either: tc validates every cookie ACK
	[ "$(sg_in "$NS_S" "$SG_BIN" status "$IF_S" -j 2>/dev/null |
		jq -r '.interfaces[0].xdp_build')" = fixed_len ] && want=$((2 * NCONN))
	d=$(sg_def_delta "$before" "$after" handoff_no_meta)
	if [ "$d" = "$want" ]; then sg_pass ${T}_${m}_handoff_no_meta; else
		sg_fail ${T}_${m}_handoff_no_meta "grew by $d, want $want"; fi

	# forged ACKs: dropped in XDP whatever the handoff mode, none handed off
	nsenter --net=/run/netns/"$NS_S" "$SG_SERVER" -p $PORT --accept-only -t 5 -q \
		>"$OUT/acc_$m" 2>&1 &
	spid=$!
	sg_wait_port "$NS_S" $PORT
	before=$(sg_def_stats)
	sg_in "$NS_C" "$SG_FLOOD" -i "$IF_C" --mode ack --dst "$ADDR_S4" --dport $PORT \
		--src "$ADDR_C4/32" --dst-mac "$SMAC" -c $FORGED --ts-percent 100 >"$OUT/flood_$m" 2>&1
	sleep 0.3
	after=$(sg_def_stats)
	kill $spid 2>/dev/null
	wait $spid 2>/dev/null
	d=$(sg_def_invalid_delta "$before" "$after")
	local h
	h=$(sg_def_delta "$before" "$after" handoff_ok)
	if [ "$d" = "$FORGED" ] && [ "$h" = 0 ]; then sg_pass ${T}_${m}_forged_dropped; else
		sg_fail ${T}_${m}_forged_dropped "invalid cookie ACKs +$d (want $FORGED), handoff_ok +$h (want 0)"; fi

	sg_def_unprotect >/dev/null 2>&1
}

one_mode skb -m skb
one_mode nometa --no-xdp-meta
exit 0
