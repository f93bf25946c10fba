#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Invalid cookie ACKs get an RST (hardening item 2).
#  1. A real connection whose server side is lost without a word (its
#     socket destroyed with `ss -K` while the server's egress is blocked, as
#     after a reboot or a flow moved by anycast; a listener is still there):
#     the client's next send must get an RST within 1 s (ECONNRESET), as it
#     would from the kernel without synguard, not retransmit for minutes.
#     IPv4 and IPv6. The connection is older than the cookie's life
#     (--max-ack-age 1 here): a younger one echoes a time within the cookie
#     bounds, and such ACKs may be a real client's whose final ACK is lost
#     (docs/design.md, "Invalid ACKs that may be ours"), so they are dropped
#     (drop_ack_maybe_ours) until that time is over:
#  1b. the same, lost right after its handshake: ECONNRESET within
#     max-ack-age + 2 s (not minutes), drop_ack_maybe_ours counted.
#  2. A forged-ACK flood at full speed: RSTs leave at no more than the cap
#     (--rst-limit, per CPU per second; counted on the client veth), the rest
#     are counted as drop_rst_capped (or drop_ack_maybe_ours for the few
#     whose random TSecr falls within the cookie bounds), and rst_sent
#     matches what the client received.
#  SG_RST_DESIGN=kernel-cookies (test_defense_rst_kcookie.sh): the same
#  against the kernel-cookies design (Linux 6.0-6.8's best without nftables
#  synproxy): the kernel's cookie carries no time XDP can read, so a lost
#  connection gets its RST at once, young or old, as from the kernel.
#  SG_RST_DESIGN=synproxy (test_defense_rst_synproxy.sh): the synproxy
#  design (Linux 6.0-6.8's default): as for the handoff, by the time the
#  client's TSecr echoes (our TSval, translated by SYNPROXY afterwards).
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
. "$SG_TOP/tests/lib/defense.sh"

DESIGN=${SG_RST_DESIGN:-}
case $DESIGN in kernel-cookies) T=defense_rst_kcookie ;; "") T=defense_rst ;; *) T=defense_rst_$DESIGN ;; esac
PORT=8087
CAP=200
MAXAGE=1
N=${SG_FLOOD_COUNT:-60000}
sg_require_root $T
sg_def_require $T
case $DESIGN in
"") sg_def_require_handoff $T ;;	# before 6.9: test_defense_rst_kcookie
kernel-cookies|synproxy) ;;
*) sg_fail $T "unknown SG_RST_DESIGN '$DESIGN'"; exit 1 ;;
esac
sg_mount_fs
sg_lab || { sg_fail $T "cannot build the lab"; exit 1; }
OUT=$(mktemp -d /tmp/sg-rst.XXXXXX)
sg_on_exit "rm -rf $OUT"
SMAC=$(ip -n "$NS_S" -j link show "$IF_S" | jq -r '.[0].address')
NCPU=$(nproc)

SG_DEF_LOG=$OUT/protect.log
# SG_RST_PROTECT_ARGS="" runs it against a build without --rst-limit
if ! sg_def_protect $PORT ${SG_RST_PROTECT_ARGS---rst-limit $CAP --max-ack-age $MAXAGE} \
	${DESIGN:+--defense $DESIGN}; then
	sg_fail ${T}_protect "synguard protect failed: $(tail -n 3 "$SG_DEF_LOG" | tr '\n' ' ')"; exit 1
fi
sg_pass ${T}_protect

# a listener that accepts and keeps its connections open
cat >"$OUT/srv.py" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1]))); s.listen(16)
keep = []
while True:
    c, _ = s.accept(); keep.append(c)
EOF
# connect, say hello, wait for GO, then send every 20 ms until an error
cat >"$OUT/cli.py" <<'EOF'
import errno, json, os, socket, sys, time
addr, port, ready, go = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
c = socket.socket(fam); c.settimeout(5)
c.connect((addr, port)); c.sendall(b"hello")
open(ready, "w").close()
while not os.path.exists(go): time.sleep(0.01)
t0 = time.monotonic(); err = None
while time.monotonic() - t0 < 5:
    try:
        c.sendall(b"x")
    except OSError as e:
        err = errno.errorcode.get(e.errno, str(e.errno)); break
    time.sleep(0.02)
print(json.dumps({"error": err, "seconds": round(time.monotonic() - t0, 3)}))
EOF
nsenter --net=/run/netns/"$NS_S" python3 "$OUT/srv.py" $PORT >"$OUT/srv.log" 2>&1 &
SPID=$!
sg_on_exit "kill $SPID"
sg_wait_port "$NS_S" $PORT || { sg_fail $T "server did not listen"; exit 1; }

for run in old young; do
for fam in 4 6; do
	[ $fam = 4 ] && addr=$ADDR_S4 || addr=$ADDR_S6
	# old: lost after the cookie's life (RST at once); young: at once
	if [ $run = old ] || [ "$DESIGN" = kernel-cookies ]; then limit=1.0; else limit=$((MAXAGE + 2)); fi
	if [ $run = old ]; then n=lost_v$fam; else n=lost_young_v$fam; fi
	rm -f "$OUT/ready" "$OUT/go"
	sg_in "$NS_C" python3 "$OUT/cli.py" "$addr" $PORT "$OUT/ready" "$OUT/go" >"$OUT/cli$fam" 2>&1 &
	cpid=$!
	for i in $(seq 100); do [ -e "$OUT/ready" ] && break; sleep 0.05; done
	if [ ! -e "$OUT/ready" ]; then
		sg_fail ${T}_$n "client did not connect: $(cat "$OUT/cli$fam")"
		kill $cpid 2>/dev/null; wait $cpid 2>/dev/null
		continue
	fi
	[ $run = old ] && sleep $((MAXAGE + 1))
	# lose the server side silently: its RST must not reach the client
	if ! ip netns exec "$NS_S" nft add table inet sgrst ||
	   ! ip netns exec "$NS_S" nft add chain inet sgrst out \
		'{ type filter hook output priority 0; }' ||
	   ! ip netns exec "$NS_S" nft add rule inet sgrst out tcp sport $PORT drop; then
		sg_fail ${T}_$n "cannot block the server's output (nft)"
		kill $cpid 2>/dev/null; wait $cpid 2>/dev/null
		continue
	fi
	ip netns exec "$NS_S" ss -K -tn state established "( sport = :$PORT )" >/dev/null 2>&1
	left=$(ip netns exec "$NS_S" ss -Htn state established "( sport = :$PORT )" | wc -l)
	ip netns exec "$NS_S" nft delete table inet sgrst
	before=$(sg_def_stats)
	touch "$OUT/go"
	wait $cpid
	after=$(sg_def_stats)
	res=$(tail -n 1 "$OUT/cli$fam")
	err=$(echo "$res" | jq -r '.error // "none"' 2>/dev/null)
	secs=$(echo "$res" | jq -r '.seconds // 99' 2>/dev/null)
	rst=$(sg_def_delta "$before" "$after" rst_sent)
	maybe=$(sg_def_delta "$before" "$after" drop_ack_maybe_ours)
	echo "$n: client $res, rst_sent +$rst, drop_ack_maybe_ours +$maybe"
	if [ "$left" != 0 ]; then
		sg_fail ${T}_$n "ss -K left $left server sockets (no INET_DIAG_DESTROY?)"
	elif [ "$err" = ECONNRESET ] && awk -v s="$secs" -v l=$limit 'BEGIN { exit !(s < l) }'; then
		sg_pass ${T}_$n
	else
		sg_fail ${T}_$n "client: $res (want ECONNRESET within $limit s), rst_sent +$rst"
	fi
	[[ $rst =~ ^[0-9]+$ ]] && [ "$rst" -ge 1 ] && sg_pass ${T}_${n/lost/lost_counted} ||
		sg_fail ${T}_${n/lost/lost_counted} "rst_sent +$rst"
	# (a TCG guest's client resends past the 1 s --max-ack-age: out of
	# the bounds by then, so RST without a drop first)
	if [ $run = young ] && [ "$DESIGN" != kernel-cookies ] && sg_timing_sensitive ${T}_lost_young_dropped_v$fam; then
		[[ $maybe =~ ^[0-9]+$ ]] && [ "$maybe" -ge 1 ] && sg_pass ${T}_lost_young_dropped_v$fam ||
			sg_fail ${T}_lost_young_dropped_v$fam "drop_ack_maybe_ours +$maybe (want >= 1)"
	fi
done
done

# the flood: forged ACKs as fast as sg_flood goes
before=$(sg_def_stats)
rx0=$(sg_def_link_stat "$NS_C" "$IF_C" rx packets)
sg_in "$NS_C" "$SG_FLOOD" -i "$IF_C" --mode ack --dst "$ADDR_S4" --dport $PORT \
	--src "$ADDR_C4/32" --dst-mac "$SMAC" -c "$N" >"$OUT/flood" 2>&1
rc=$?
sleep 0.3
rx1=$(sg_def_link_stat "$NS_C" "$IF_C" rx packets)
after=$(sg_def_stats)
res=$(tail -n 1 "$OUT/flood")
sent=$(echo "$res" | jq -r '.sent // 0' 2>/dev/null)
secs=$(echo "$res" | jq -r '.seconds // 0' 2>/dev/null)
echo "flood: $res"
rst=$(sg_def_delta "$before" "$after" rst_sent)
capped=$(sg_def_delta "$before" "$after" drop_rst_capped)
maybe=$(sg_def_delta "$before" "$after" drop_ack_maybe_ours)
[[ $rst =~ ^[0-9]+$ ]] || rst=-1	# counter missing (an older build): fail below
[[ $capped =~ ^[0-9]+$ ]] || capped=-1
[[ $maybe =~ ^[0-9]+$ ]] || maybe=-1
rx=$((rx1 - rx0))
# the cap per CPU per second, plus one second's burst per CPU
max=$(awk -v c=$CAP -v n=$NCPU -v s="$secs" 'BEGIN { printf "%d", c * n * (s + 1) + 0.5 }')
echo "flood: sent $sent in ${secs}s, rst_sent +$rst, drop_rst_capped +$capped, drop_ack_maybe_ours +$maybe, client veth rx +$rx, cap $CAP/s x $NCPU CPUs -> at most $max"
if [ $rc -ne 0 ] || [ "${sent:-0}" -ne "$N" ]; then
	sg_fail ${T}_flood_sent "sg_flood rc=$rc: $res"
else
	sg_pass ${T}_flood_sent
fi
[ "$rst" -ge 1 ] && [ "$rst" -le "$max" ] && sg_pass ${T}_flood_rst_capped ||
	sg_fail ${T}_flood_rst_capped "rst_sent +$rst (want 1..$max)"
# random TSecrs: within the bounds (max-ack-age + 1 s of 2^20 ticks) for ~0.2%
[ $((rst + capped + maybe)) = "$sent" ] && [ "$maybe" -le $((sent / 100)) ] &&
	sg_pass ${T}_flood_rest_counted ||
	sg_fail ${T}_flood_rest_counted "rst_sent $rst + drop_rst_capped $capped + drop_ack_maybe_ours $maybe != $sent sent (or maybe_ours over 1%); moved: $(jq -nc --argjson a "$before" --argjson b "$after" '[$b | to_entries[] | select((.value|type)=="number" and .value != ($a[.key] // 0)) | "\(.key)+\(.value - ($a[.key] // 0))"] | join(" ")')"
# what the client received: the RSTs, and perhaps a few ARP/ND frames
[ "$rst" -ge 1 ] && [ "$rx" -ge "$rst" ] && [ "$rx" -le $((rst + 10)) ] && [ "$rx" -le $((max + 10)) ] &&
	sg_pass ${T}_flood_client_received || sg_fail ${T}_flood_client_received \
	"client veth received $rx frames, rst_sent $rst, at most $max"

# --rst-limit 0 on the protected interface (an update in place): no RSTs
if sg_def_protect $PORT --rst-limit 0 ${DESIGN:+--defense $DESIGN}; then
	before=$(sg_def_stats)
	sg_in "$NS_C" "$SG_FLOOD" -i "$IF_C" --mode ack --dst "$ADDR_S4" --dport $PORT \
		--src "$ADDR_C4/32" --dst-mac "$SMAC" -c 100 >"$OUT/flood0" 2>&1
	sleep 0.3
	after=$(sg_def_stats)
	rst=$(sg_def_delta "$before" "$after" rst_sent)
	inv=$(sg_def_delta "$before" "$after" ack_cookie_invalid)
	maybe=$(sg_def_delta "$before" "$after" drop_ack_maybe_ours)
	[ "$rst" = 0 ] && [ $((inv + maybe)) = 100 ] && sg_pass ${T}_limit_0_updated ||
		sg_fail ${T}_limit_0_updated "rst_sent +$rst, ack_cookie_invalid +$inv + drop_ack_maybe_ours +$maybe (want 0, 100)"
else
	sg_fail ${T}_limit_0_updated "protect --rst-limit 0 failed: $(tail -n 2 "$SG_DEF_LOG" | tr '\n' ' ')"
fi
