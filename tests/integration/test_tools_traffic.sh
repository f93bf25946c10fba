#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The test tools themselves, without synguard: sg_server/sg_client exchange
# verified payloads over IPv4 and IPv6, and sg_flood's frames are well formed
# (the server's kernel takes every one of them: TcpInSegs grows by exactly the
# count sent and no checksum error is recorded). The defense tests rely on
# both, so a broken tool shows up here rather than as a synguard failure.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
. "$SG_TOP/tests/lib/defense.sh"

T=tools_traffic
sg_require_root $T
for t in "$SG_SERVER" "$SG_CLIENT" "$SG_FLOOD"; do
	[ -x "$t" ] || { sg_skip $T "$t not built (run make)"; exit 0; }
done
command -v jq >/dev/null || { sg_skip $T "jq not installed"; exit 0; }
sg_lab || { sg_fail $T "cannot build the lab"; exit 1; }
PORT=8090
OUT=$(mktemp -d /tmp/sg-tools.XXXXXX)
sg_on_exit "rm -rf $OUT"
SMAC=$(ip -n "$NS_S" -j link show "$IF_S" | jq -r '.[0].address')

for f in 4:$ADDR_S4 6:$ADDR_S6; do
	fam=${f%%:*}; addr=${f#*:}
	if sg_def_exchange "$OUT/x$fam" "$addr" $PORT && sg_def_transfer_ok "$OUT/x$fam.srv" &&
	   sg_def_transfer_ok "$OUT/x$fam.cli"; then
		sg_pass ${T}_exchange_v$fam
	else
		sg_fail ${T}_exchange_v$fam "$(tail -n 1 "$OUT/x$fam.cli") / $(tail -n 1 "$OUT/x$fam.srv")"
	fi
done

# parallel clients, summary with latency percentiles
nsenter --net=/run/netns/"$NS_S" "$SG_SERVER" -p $PORT -n 64K -c 40 -t 30 -q >"$OUT/psrv" 2>&1 &
spid=$!
sg_wait_port "$NS_S" $PORT
sg_in "$NS_C" "$SG_CLIENT" -n 64K -c 40 -P 8 -q "$ADDR_S4" $PORT >"$OUT/pcli" 2>&1
rc=$?
wait $spid; rcs=$?
if [ $rc -eq 0 ] && [ $rcs -eq 0 ] &&
   jq -e 'select(.summary) | .ok == 40 and .failed == 0 and .connect_p99_us >= .connect_p50_us' "$OUT/pcli" >/dev/null; then
	sg_pass ${T}_parallel_clients
else
	sg_fail ${T}_parallel_clients "client rc=$rc server rc=$rcs: $(cat "$OUT/pcli")"
fi

# a client against a closed port fails cleanly (refused, exit 1)
sg_in "$NS_C" "$SG_CLIENT" -n 1K "$ADDR_S4" $((PORT + 1)) >"$OUT/refused" 2>&1
rc=$?
if [ $rc -eq 1 ] && jq -e 'select(.summary) | .failed == 1' "$OUT/refused" >/dev/null; then
	sg_pass ${T}_client_refused
else
	sg_fail ${T}_client_refused "rc=$rc: $(cat "$OUT/refused")"
fi

# flood frames are accepted by the kernel: ACKs from the client's address
# (answered with RSTs) and SYNs from spoofed, unroutable sources (the
# listener cannot route its SYN-ACK, so nothing comes back to count twice)
nsenter --net=/run/netns/"$NS_S" "$SG_SERVER" -p $PORT --accept-only -t 30 -q >"$OUT/asrv" 2>&1 &
spid=$!
sg_wait_port "$NS_S" $PORT
for f in 4:ack 4:syn 6:ack 6:syn; do
	fam=${f%%:*} mode=${f#*:}
	if [ "$fam" = 4 ]; then dst=$ADDR_S4 src=$ADDR_C4/32; else dst=$ADDR_S6 src=$ADDR_C6/128; fi
	if [ $mode = syn ]; then [ "$fam" = 4 ] && src=10.99.0.0/16 || src=fd99::/64; fi
	k0=$(sg_def_kstats "$NS_S")
	sg_in "$NS_C" "$SG_FLOOD" -i "$IF_C" --mode $mode --dst "$dst" --dport $PORT \
		--src "$src" --dst-mac "$SMAC" -c 2000 --ts-percent 50 >"$OUT/f" 2>&1
	rc=$?
	sleep 0.3
	k1=$(sg_def_kstats "$NS_S")
	sent=$(tail -n 1 "$OUT/f" | jq -r '.sent // 0' 2>/dev/null)
	ins=$(sg_def_kdelta "$k0" "$k1" TcpInSegs)
	errs=$(sg_def_kdelta "$k0" "$k1" TcpInCsumErrors TcpInErrs Ip6InHdrErrors IpInHdrErrors)
	if [ $rc -eq 0 ] && [ "$sent" = 2000 ] && [ "$ins" -eq 2000 ] && [ "$errs" -eq 0 ]; then
		sg_pass ${T}_flood_${mode}_v$fam
	else
		sg_fail ${T}_flood_${mode}_v$fam "rc=$rc sent=$sent kernel TcpInSegs+$ins errors+$errs: $(tail -n 1 "$OUT/f")"
	fi
done
kill -TERM $spid; wait $spid

# the destination MAC is found in the neighbour table when not given
ip netns exec "$NS_C" ping -c 1 -W 1 "$ADDR_S4" >/dev/null 2>&1
if sg_in "$NS_C" "$SG_FLOOD" -i "$IF_C" --dst "$ADDR_S4" --dport $PORT --src "$ADDR_C4" -c 10 >"$OUT/nm" 2>&1; then
	sg_pass ${T}_flood_resolves_mac
else
	sg_fail ${T}_flood_resolves_mac "$(cat "$OUT/nm")"
fi

# bad input: clear message, exit 2
bad=""
for cmd in "$SG_SERVER -p 0" "$SG_SERVER -p 80 -n 1X" "$SG_CLIENT 1.2.3 80" "$SG_CLIENT -6 10.0.0.1 80" \
	   "$SG_FLOOD -i lo --dst 1.2.3.4 --dport 80 --src 1.2.3.4 -c 1 --mode xyz" \
	   "$SG_FLOOD -i lo --dst 1.2.3.4 --dport 80 --src fd00::/64 -c 1" \
	   "$SG_FLOOD -i lo --dst 1.2.3.4 --dport 80 --src 1.2.3.4 -c 1 --dst-mac zz:1"; do
	$cmd >/dev/null 2>"$OUT/err"; rc=$?
	{ [ $rc -eq 2 ] && [ -s "$OUT/err" ]; } || bad="$bad [$cmd: rc=$rc]"
done
if [ -z "$bad" ]; then sg_pass ${T}_bad_input; else sg_fail ${T}_bad_input "$bad"; fi
exit 0
