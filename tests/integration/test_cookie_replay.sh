#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The replay window of a cookie ACK (issue 8, items 3 and 4), end to end.
# sg_rawhs makes the handshake by hand from the client namespace and holds
# the final ACK back: this kernel has no netem, so a long round trip is a
# client that sends its ACK late, and a replayed captured ACK is the same ACK
# sent later still. The server is a real kernel listener behind synguard
# (random key: no skew tolerance; --max-ack-age 5 by default):
#  - with timestamps, an ACK 3 s after the SYN-ACK is accepted, one 6.5 s
#    after is refused (the echoed TSval's age is bounded);
#  - an ACK without the TS option for a SYN-ACK that announced timestamps is
#    refused (timestamps are bound into the cookie);
#  - without timestamps, 3 s is accepted, 14 s (past the 8.6-12.9 s life of a
#    4.3 s-period cookie) refused.
# SG_REPLAY_DESIGN=synproxy (test_cookie_replay_synproxy.sh): the synproxy
# design's cookie is the kernel's, but our TSval is a clock there too, so
# with timestamps the same bound holds (3 s accepted, 6.5 s refused). The
# kernel's cookie cannot bind timestamps or carry a finer time: an ACK
# without TS, and any no-TS ACK within the kernel's 2 minutes, is accepted
# (docs/design.md); those cases are the handoff design's only.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
. "$SG_TOP/tests/lib/defense.sh"

DESIGN=${SG_REPLAY_DESIGN:-}
T=cookie_replay${DESIGN:+_$DESIGN}
RAW=$SG_TOOLS/sg_rawhs
sg_require_root $T
sg_def_require $T
# the full bound is a property of synguard's own cookie (the handoff
# design); the kernel's cookies (kernel-cookies) live 2 minutes
case $DESIGN in
"") sg_def_require_handoff $T ;;
synproxy) ;;
*) sg_fail $T "unknown SG_REPLAY_DESIGN '$DESIGN'"; exit 1 ;;
esac
[ -x "$RAW" ] || { sg_skip $T "sg_rawhs not built"; exit 0; }
command -v nft >/dev/null || { sg_skip $T "nft not installed"; exit 0; }
sg_mount_fs
sg_lab || { sg_fail $T "cannot build the lab"; exit 1; }
PORT=8080
# the client kernel has no socket for the hand-made handshake: it must not
# answer the SYN-ACK (or the server's data ACK) with a RST
ip netns exec "$NS_C" nft -f - <<'NFT' || { sg_fail $T "cannot install the nft rule"; exit 1; }
table inet sgraw {
	chain out {
		type filter hook output priority 0;
		tcp flags & rst == rst drop
	}
}
NFT
sg_def_protect $PORT ${DESIGN:+--defense $DESIGN} || { sg_fail $T "protect failed"; exit 1; }
nsenter --net=/run/netns/"$NS_S" "$SG_SERVER" -4 -p $PORT -n 6 --io-timeout 60 -q >/dev/null 2>&1 &
srv=$!
sg_on_exit "kill $srv 2>/dev/null"
sg_wait_port "$NS_S" $PORT || { sg_fail $T "no listener"; exit 1; }
DMAC=$(ip -n "$NS_S" -j link show "$IF_S" | jq -r '.[0].address')

sport=41000
# hs NAME WANT(accepted|refused) RAW-ARGS...
hs() {
	local name=$1 want=$2 out before after via; shift 2
	sport=$((sport + 1))
	before=$(sg_def_stats)
	out=$(sg_in "$NS_C" "$RAW" -i "$IF_C" -s $ADDR_C4 -d $ADDR_S4 -p $PORT --dmac "$DMAC" \
		--sport $sport "$@" 2>&1)
	after=$(sg_def_stats)
	via=$(sg_def_delta "$before" "$after" synack_sent)
	if [ -n "$DESIGN" ]; then
		# synproxy: nft SYNPROXY drops the ACK's data (its SYN to the
		# listener carries none), so sg_rawhs never sees it acknowledged;
		# XDP's verdict on the ACK says whether it was accepted
		[ "$(sg_def_delta "$before" "$after" ack_cookie_valid)" -ge 1 ] && out=accepted ||
			out="refused (XDP: ack_cookie_valid +0, rst_sent +$(sg_def_delta "$before" "$after" rst_sent))"
	fi
	case "$out" in
	"$want"*) [ "$via" = 1 ] && sg_pass ${T}_$name ||
		sg_fail ${T}_$name "$out, but $via synguard SYN-ACKs" ;;
	*) sg_fail ${T}_$name "$out, want $want ($*)" ;;
	esac
}
hs ts_prompt accepted
hs ts_rtt_3s accepted --delay-ms 3000
hs ts_replay_6500ms refused --delay-ms 6500
[ -z "$DESIGN" ] && hs ts_omitted refused --ack-no-ts
hs nots_prompt accepted --no-ts
hs nots_rtt_3s accepted --no-ts --delay-ms 3000
[ -z "$DESIGN" ] && hs nots_replay_14s refused --no-ts --delay-ms 14000
exit 0
