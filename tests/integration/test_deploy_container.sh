#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The container layout (tests/lib/pods.sh): a host namespace with a bridge,
# pods A and B whose eth0 veths plug into it, and no XDP program anywhere
# (no xdp_pass on any peer) until synguard puts one there. The server in pod
# A is protected by `synguard protect eth0` run inside pod A (ip netns exec,
# as `docker exec` / `kubectl exec` would). Clients in pod B and in the host
# namespace connect over IPv4 and IPv6: every handshake completes through a
# cookie handoff with connect p99 under 10 ms (x20 in a slow TCG guest), also during a spoofed SYN
# flood, and unprotect from inside the pod leaves no XDP program behind.
# (Native XDP_TX on such a veth stalls: the peer runs no XDP program, so
# veth_xdp_flush never kicks its NAPI; kernel-facts.md.)
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
. "$SG_TOP/tests/lib/defense.sh"
. "$SG_TOP/tests/lib/pods.sh"

T=deploy_container
sg_require_root $T
sg_def_require $T
sg_mount_fs
sg_pods || { sg_fail $T "cannot build the container layout"; exit 1; }
PORT=8090
# 200: the p99 is then not simply the slowest connection
CONNS=${SG_POD_CONNS:-200}
P99_US=10000
# a TCG guest (tests/vm) runs kernel code 5-20x slower: the bound scales,
# the stall it catches (seconds, or timeouts) does not
if [ -n "${SG_SLOW_GUEST:-}" ]; then P99_US=$((P99_US * ${SG_SLOW_FACTOR:-20})); echo "slow guest: p99 bound $P99_US us"; fi
OUT=$(mktemp -d /tmp/sg-pods.XXXXXX)
sg_on_exit "rm -rf $OUT"
LOOP=$SG_TOOLS/sg_connloop
[ -x "$LOOP" ] || { sg_skip $T "$LOOP not built"; exit 0; }

in_a() { ip netns exec "$NS_A" "$@"; }
stats_a() {
	in_a "$SG_BIN" stats eth0 -j | jq -c '(.interfaces // [.])[0] | (. + (.counters // {}))'
}
delta() { jq -rn --argjson a "$2" --argjson b "$1" --arg n "$3" '($a[$n] // 0) - ($b[$n] // 0)'; }

# nothing attaches XDP in this layout but synguard
if [ -z "$(sg_pods_xdp_ids)" ]; then sg_pass ${T}_no_xdp_before; else
	sg_fail ${T}_no_xdp_before "$(sg_pods_xdp_ids | tr '\n' ' ')"; fi

sg_on_exit "ip netns exec $NS_A $SG_BIN unprotect eth0"
in_a "$SG_BIN" -j protect eth0 --ports $PORT >"$OUT/protect.json" 2>"$OUT/protect.err"
rc=$?
cat "$OUT/protect.json" "$OUT/protect.err"
if [ $rc -eq 0 ]; then sg_pass ${T}_protect_in_pod; else
	sg_fail ${T}_protect_in_pod "rc=$rc: $(tail -n 2 "$OUT/protect.err" | tr '\n' ' ')"; exit 1; fi
# protect says which mode it chose and why (the peer has no XDP program)
if jq -e '.mode == "skb" and (.mode_reason | test("veth")) and (.attach_reason | length > 0)' \
	"$OUT/protect.json" >/dev/null; then
	sg_pass ${T}_mode_and_reason
else
	sg_fail ${T}_mode_and_reason "$(jq -c '{mode, mode_reason, attach, attach_reason}' "$OUT/protect.json")"
fi
# the attached program: synguard's, or libxdp's dispatcher holding it
XID=$(in_a "$SG_BIN" status eth0 -j |
	jq -r '.interfaces[0] | if (.dispatcher_prog_id // 0) > 0 then .dispatcher_prog_id else .xdp_prog_id end')
ids=$(sg_pods_xdp_ids)
if [ "$(echo "$ids" | wc -l)" -eq 1 ] && [ "$ids" = "$NS_A eth0 $XID" ]; then
	sg_pass ${T}_only_synguard_xdp
else
	sg_fail ${T}_only_synguard_xdp "XDP programs in the layout: $(echo "$ids" | tr '\n' ';') (synguard: $XID)"
fi

# servers in pod A, one per family
for a in $ADDR_A4 $ADDR_A6; do
	nsenter --net=/run/netns/"$NS_A" "$LOOP" --server -a "$a" -p $PORT >"$OUT/srv-$a" 2>&1 &
	sg_on_exit "kill $!"
done
sg_wait_port "$NS_A" $PORT || { sg_fail $T "servers did not listen"; exit 1; }
sleep 0.2

# run_clients NS ADDR TAG: CONNS connections one after the other (one client
# thread: the latency of each handshake, not of the machine's run queue),
# latency lines in OUT/TAG
run_clients() {
	# warm-up: neighbour discovery and route lookups of the first packet
	# are not the handshake's latency
	nsenter --net=/run/netns/"$1" "$LOOP" --client -a "$2" -p $PORT -c 1 -n 1 \
		--timeout-ms 3000 >/dev/null 2>&1
	nsenter --net=/run/netns/"$1" "$LOOP" --client -a "$2" -p $PORT -c 1 -n $CONNS \
		--latency --timeout-ms 3000 >"$OUT/$3" 2>&1
}
# run_clients_retry NS ADDR TAG: as run_clients, and once more if the p99
# missed the bound (one bounded retry against a loaded machine; the stall
# this test is about fails both runs: seconds, or timeouts)
run_clients_retry() {
	run_clients "$@"
	local p99=$(sg_p99 "$OUT/$3")
	if [ "$p99" = none ] || ! awk -v p="$p99" -v m=$P99_US 'BEGIN { exit !(p < m) }'; then
		echo "$3: p99 $p99 us over the bound, once more"
		mv "$OUT/$3" "$OUT/$3.first"
		run_clients "$@"
	fi
}
# check_clients TAG BEFORE AFTER: all connected, p99 under the bound, and
# each connection went through a cookie handoff (or this kernel's design)
HOC=$(sg_def_cookie_counter)
check_clients() {
	local tag=$1 ok ok1 p99 ho
	ok=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' "$OUT/$tag" | tail -n 1)
	p99=$(sg_p99 "$OUT/$tag")
	ho=$(delta "$2" "$3" $HOC)
	echo "$tag: $(tail -n 1 "$OUT/$tag") p99_us=$p99 $HOC+$ho"
	# a first run that was retried for its p99 must still have connected all
	if [ -e "$OUT/$tag.first" ]; then
		ok1=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' "$OUT/$tag.first" | tail -n 1)
		[ "${ok1:-0}" -eq "$CONNS" ] || ok="${ok1:-0} (first run)"
	fi
	if [ "${ok:-0}" = "$CONNS" ]; then sg_pass ${T}_${tag}_all_connect; else
		sg_fail ${T}_${tag}_all_connect "ok=$ok of $CONNS: $(tail -n 1 "$OUT/$tag")"; fi
	if [ "$p99" != none ] && awk -v p="$p99" -v m=$P99_US 'BEGIN { exit !(p < m) }'; then
		sg_pass ${T}_${tag}_p99_bound
	else
		sg_fail ${T}_${tag}_p99_bound "connect p99 ${p99} us (limit $P99_US us)"
	fi
	if [[ $ho =~ ^[0-9]+$ ]] && [ "$ho" -ge "$CONNS" ]; then sg_pass ${T}_${tag}_cookie_handoffs; else
		sg_fail ${T}_${tag}_cookie_handoffs "$HOC grew by $ho for $CONNS connections"; fi
}

for src in B H; do
	for fam in 4 6; do
		ns_var=NS_$src; addr_var=ADDR_A$fam
		tag=from_${src,,}_v$fam
		before=$(stats_a)
		run_clients_retry "${!ns_var}" "${!addr_var}" $tag
		sleep 0.3
		after=$(stats_a)
		check_clients $tag "$before" "$after"
	done
done

# a spoofed SYN flood from pod B while host-namespace clients connect
AMAC=$(ip -n "$NS_A" -j link show eth0 | jq -r '.[0].address')
for fam in 4 6; do
	if [ $fam = 4 ]; then dst=$ADDR_A4 src=10.78.128.0/17; else dst=$ADDR_A6 src=fd78:8000::/65; fi
	before=$(stats_a)
	k0=$(sg_def_kstats "$NS_A")
	nsenter --net=/run/netns/"$NS_B" "$SG_FLOOD" -i eth0 --mode syn --dst "$dst" --dport $PORT \
		--src "$src" --dst-mac "$AMAC" -d 3 >"$OUT/flood$fam" 2>&1 &
	FPID=$!
	sleep 0.5
	run_clients_retry "$NS_H" "$dst" flood_v$fam
	wait $FPID; rcf=$?
	sleep 0.3
	after=$(stats_a)
	k1=$(sg_def_kstats "$NS_A")
	sent=$(tail -n 1 "$OUT/flood$fam" | jq -r '.sent // 0' 2>/dev/null)
	syn=$(delta "$before" "$after" synack_sent)
	rxd=$(ip -n "$NS_A" -s -j link show eth0 | jq -r '.[0].stats64.rx.dropped')
	echo "flood v$fam: $(tail -n 1 "$OUT/flood$fam") synack_sent+$syn eth0_rx_dropped=$rxd"
	check_clients flood_v$fam "$before" "$after"
	if [ "$rcf" -eq 0 ] && [ "${sent:-0}" -gt 0 ] && [ "$syn" -ge "$sent" ]; then
		sg_pass ${T}_flood_synacks_from_xdp_v$fam
	else
		sg_fail ${T}_flood_synacks_from_xdp_v$fam "flood sent ${sent:-?} (rc=$rcf), synack_sent grew by $syn"
	fi
	kc=$(sg_def_kdelta "$k0" "$k1" TcpExtSyncookiesSent TcpExtListenDrops TcpExtTCPReqQFullDrop TcpExtListenOverflows)
	if [ "$kc" -eq 0 ]; then sg_pass ${T}_flood_kernel_untouched_v$fam; else
		sg_fail ${T}_flood_kernel_untouched_v$fam "kernel cookie/drop counters grew by $kc"; fi
done

# unprotect from inside the pod: no XDP program left in the layout
in_a "$SG_BIN" unprotect eth0 >"$OUT/unprotect" 2>&1
rc=$?
if [ $rc -eq 0 ] && [ -z "$(sg_pods_xdp_ids)" ]; then sg_pass ${T}_unprotect_in_pod; else
	sg_fail ${T}_unprotect_in_pod "rc=$rc, left: $(sg_pods_xdp_ids | tr '\n' ' ')"; fi
exit 0
