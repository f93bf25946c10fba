#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The defense on a veth pair with 2 RX/TX queues, with traffic sent from both
# CPUs (veth runs the receiver's XDP in the sender's CPU's softirq, on the rx
# queue that the sender's tx queue maps to), native mode:
# - per-CPU counters (read with bpftool, independent of synguard) sum exactly
#   to the SYNs sent, both CPUs and both rx queues carry traffic, and
#   `synguard stats` reports the same sum and `stats --per-cpu` the same
#   per-CPU values;
# - real clients pinned to each CPU all connect through cookie handoffs;
# - a cookie issued on one CPU validates on the other (sg_xcpu sends the SYN
#   from one CPU and the ACK from the other), IPv4 and IPv6, both directions;
# - a spoofed SYN flood from both CPUs at once is answered on both CPUs.
# The client side runs xdp_pass (like a real NIC, which needs no peer): this
# test is about queues and CPUs, test_deploy_container about veth peers.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
. "$SG_TOP/tests/lib/defense.sh"

T=deploy_multiqueue
sg_require_root $T
sg_def_require $T
[ "$(nproc)" -ge 2 ] || { sg_skip $T "needs 2 CPUs, have $(nproc)"; exit 0; }
command -v bpftool >/dev/null || { sg_skip $T "bpftool missing"; exit 0; }
sg_mount_fs
NS_S=${SG_NS_PREFIX}s NS_C=${SG_NS_PREFIX}c IF_S=sgmq0 IF_C=sgmq1
ADDR_S4=10.79.0.1 ADDR_C4=10.79.0.2 ADDR_S6=fd79::1 ADDR_C6=fd79::2
sg_netns "$NS_S" && sg_netns "$NS_C" || { sg_fail $T "netns"; exit 1; }
SG_VETH_QUEUES=2 sg_veth "$NS_S" $IF_S "$NS_C" $IF_C || { sg_fail $T "veth"; exit 1; }
ip -n "$NS_S" addr add $ADDR_S4/24 dev $IF_S; ip -n "$NS_C" addr add $ADDR_C4/24 dev $IF_C
ip -n "$NS_S" addr add $ADDR_S6/64 dev $IF_S nodad; ip -n "$NS_C" addr add $ADDR_C6/64 dev $IF_C nodad
ip netns exec "$NS_S" sysctl -qw net.ipv4.tcp_syncookies=1
sg_xdp_peer "$NS_C" "$IF_C"
PORT=8091
OUT=$(mktemp -d /tmp/sg-mq.XXXXXX)
sg_on_exit "rm -rf $OUT"
LOOP=$SG_TOOLS/sg_connloop XCPU=$SG_TOOLS/sg_xcpu
SMAC=$(ip -n "$NS_S" -j link show $IF_S | jq -r '.[0].address')

if [ "$(ip -n "$NS_S" -j -d link show $IF_S | jq '.[0].num_rx_queues')" = 2 ]; then
	sg_pass ${T}_two_queues; else sg_fail ${T}_two_queues "veth has not 2 rx queues"; exit 1; fi
SG_DEF_LOG=$OUT/protect.log
sg_def_protect $PORT || { sg_fail ${T}_protect "$(tail -n 3 $OUT/protect.log)"; exit 1; }
XID=$(sg_in "$NS_S" "$SG_BIN" status $IF_S -j | jq -r '.interfaces[0].xdp_prog_id')
MAP=$(for m in $(bpftool prog show id "$XID" -j | jq -r '.map_ids[]'); do
	bpftool map show id "$m" -j | jq -r 'select(.name == "sg_stats") | .id'; done)
[ -n "$MAP" ] || { sg_fail $T "no sg_stats map on prog $XID"; exit 1; }

# counter index by name, from the one definition (enum sg_counter)
cidx() {
	awk -v want="$1" '/^enum sg_counter/ { on = 1; n = 0; next } on && /^}/ { exit }
		on && match($0, /^[ \t]*SG_CNT_[A-Z_]+/) { name = substr($0, RSTART, RLENGTH); gsub(/[ \t]/, "", name)
			if (name == "SG_CNT_XDP_MAX") { next } if (name == want) { print n; exit } n++ }' \
		"$SG_TOP/include/synguard.h"
}
I_SYNACK=$(cidx SG_CNT_TX_SYNACK) I_VALID=$(cidx SG_CNT_PASS_COOKIE_VALID) I_HO=$(cidx SG_CNT_TC_HANDOFF_OK)
# what completes a cookie handshake in this kernel's design: the handoff, or
# (synproxy, before 6.9) nft SYNPROXY after XDP's validation
HOC=$(sg_def_cookie_counter)
[ "$HOC" = handoff_ok ] || I_HO=$I_VALID
echo "counter indexes: synack_sent=$I_SYNACK ack_cookie_valid=$I_VALID handoff_ok=$I_HO"
# percpu IDX: "v0 v1" of one counter on CPUs 0 and 1
percpu() {
	bpftool map dump id "$MAP" -j | jq -r --argjson i "$1" \
		'[.[0] | (.formatted.values // .values)[] | select(.cpu < 2) | .value.cnt[$i]] | join(" ")'
}
# dcpu BEFORE AFTER N: the growth on CPU N
dcpu() { local b=($1) a=($2); echo $((a[$3] - b[$3])); }
qpk() { ip netns exec "$NS_S" ethtool -S $IF_S | awk -v q="rx_queue_$1_xdp_packets:" '$1 == q { print $2 }'; }

for a in $ADDR_S4 $ADDR_S6; do
	nsenter --net=/run/netns/"$NS_S" "$LOOP" --server -a "$a" -p $PORT >"$OUT/srv-$a" 2>&1 &
	sg_on_exit "kill $!"
done
sg_wait_port "$NS_S" $PORT || { sg_fail $T "servers did not listen"; exit 1; }

# 1. exact sums: N0 SYNs from CPU 0, then N1 from CPU 1 (spoofed sources,
# random ports: they hash over both tx queues)
N0=3000 N1=2000
s0=$(percpu $I_SYNACK); st0=$(sg_def_stats); q00=$(qpk 0); q10=$(qpk 1)
for c in 0 1; do
	n=N$c
	sg_in "$NS_C" taskset -c $c "$SG_FLOOD" -i $IF_C --mode syn --dst $ADDR_S4 --dport $PORT \
		--src 10.79.128.0/17 --dst-mac "$SMAC" -c ${!n} --rate 20000 >"$OUT/f$c" 2>&1
done
sleep 0.3
s1=$(percpu $I_SYNACK); st1=$(sg_def_stats); q01=$(qpk 0); q11=$(qpk 1)
sent0=$(tail -n 1 "$OUT/f0" | jq -r .sent) sent1=$(tail -n 1 "$OUT/f1" | jq -r .sent)
d0=$(dcpu "$s0" "$s1" 0) d1=$(dcpu "$s0" "$s1" 1) dst=$(sg_def_delta "$st0" "$st1" synack_sent)
echo "sent $sent0 from CPU 0, $sent1 from CPU 1; synack_sent per CPU +$d0 +$d1, stats +$dst;" \
	"rx queue xdp packets +$((q01 - q00)) +$((q11 - q10))"
if [ "$sent0" = $N0 ] && [ "$sent1" = $N1 ] && [ $((d0 + d1)) -eq $((N0 + N1)) ]; then
	sg_pass ${T}_percpu_sum_exact
else
	sg_fail ${T}_percpu_sum_exact "sent $sent0+$sent1, per-CPU synack_sent +$d0 +$d1"
fi
if [ "$d0" -eq $N0 ] && [ "$d1" -eq $N1 ]; then sg_pass ${T}_percpu_follows_sender_cpu; else
	sg_fail ${T}_percpu_follows_sender_cpu "CPU 0 +$d0 (sent $N0), CPU 1 +$d1 (sent $N1)"; fi
if [ "$dst" = $((N0 + N1)) ]; then sg_pass ${T}_stats_sum_exact; else
	sg_fail ${T}_stats_sum_exact "synguard stats synack_sent +$dst, sent $((N0 + N1))"; fi
if [ $((q01 - q00)) -gt 0 ] && [ $((q11 - q10)) -gt 0 ]; then sg_pass ${T}_both_rx_queues; else
	sg_fail ${T}_both_rx_queues "rx queue 0 +$((q01 - q00)), rx queue 1 +$((q11 - q10))"; fi

# synguard's own per-CPU view agrees with bpftool's
mine=$(sg_in "$NS_S" "$SG_BIN" stats $IF_S --per-cpu -j | jq -r '[.interfaces[0].per_cpu[] | select(.cpu < 2) | .synack_sent] | join(" ")')
if [ -n "$mine" ] && [ "$mine" = "$(percpu $I_SYNACK)" ]; then sg_pass ${T}_stats_per_cpu; else
	sg_fail ${T}_stats_per_cpu "stats --per-cpu: '$mine', bpftool: '$(percpu $I_SYNACK)'"; fi
sg_in "$NS_S" "$SG_BIN" stats $IF_S --per-cpu

# 2. real clients pinned to each CPU, both families at once
CONNS=40
v0=$(percpu $I_VALID); st0=$(sg_def_stats)
pids=()
for c in 0 1; do
	for a in $ADDR_S4 $ADDR_S6; do
		sg_in "$NS_C" taskset -c $c "$LOOP" --client -a $a -p $PORT -c 2 -n $((CONNS / 2)) \
			--timeout-ms 3000 >"$OUT/cli-$c-$a" 2>&1 &
		pids+=($!)
	done
done
okall=0
for p in "${pids[@]}"; do wait $p; done
for f in "$OUT"/cli-*; do
	ok=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' "$f" | tail -n 1); okall=$((okall + ${ok:-0}))
done
sleep 0.3
v1=$(percpu $I_VALID); st1=$(sg_def_stats)
ho=$(sg_def_delta "$st0" "$st1" $HOC)
vd0=$(dcpu "$v0" "$v1" 0) vd1=$(dcpu "$v0" "$v1" 1)
echo "clients: $okall connected, $HOC +$ho, ack_cookie_valid per CPU +$vd0 +$vd1"
if [ $okall -eq $((4 * CONNS)) ] && [ "$ho" -ge $((4 * CONNS)) ]; then sg_pass ${T}_clients_both_cpus; else
	sg_fail ${T}_clients_both_cpus "$okall of $((4 * CONNS)) connected, $HOC +$ho: $(tail -q -n 2 "$OUT"/cli-* | tr '\n' ' ')"; fi
if [ "$vd0" -gt 0 ] && [ "$vd1" -gt 0 ] && [ $((vd0 + vd1)) -eq "$(sg_def_delta "$st0" "$st1" ack_cookie_valid)" ]; then
	sg_pass ${T}_cookies_validated_on_both_cpus
else
	sg_fail ${T}_cookies_validated_on_both_cpus "ack_cookie_valid per CPU +$vd0 +$vd1"
fi

# 3. SYN on one CPU, ACK on the other
n=0
for fam in 4 6; do
	for dir in "0 1" "1 0"; do
		set -- $dir
		n=$((n + 1))
		if [ $fam = 4 ]; then src=$ADDR_C4 dst=$ADDR_S4; else src=$ADDR_C6 dst=$ADDR_S6; fi
		sport=$((45000 + n))
		a0=$(percpu $I_SYNACK) b0=$(percpu $I_VALID) h0=$(percpu $I_HO)
		res=$(sg_in "$NS_C" "$XCPU" -i $IF_C --src $src --dst $dst --dport $PORT --sport $sport \
			--dst-mac "$SMAC" --syn-cpu $1 --ack-cpu $2)
		rc=$?
		sleep 0.2
		a1=$(percpu $I_SYNACK) b1=$(percpu $I_VALID) h1=$(percpu $I_HO)
		est=$(ip netns exec "$NS_S" ss -Htn state established "( sport = :$PORT and dport = :$sport )" | wc -l)
		hsum=$(( $(dcpu "$h0" "$h1" 0) + $(dcpu "$h0" "$h1" 1) ))
		echo "v$fam SYN on CPU $1, ACK on CPU $2: $res; synack_sent on CPU $1 +$(dcpu "$a0" "$a1" $1)," \
			"ack_cookie_valid on CPU $2 +$(dcpu "$b0" "$b1" $2), handoff_ok +$hsum, established $est"
		if [ $rc -eq 0 ] && [ "$(echo "$res" | jq -r '"\(.syn_cpu) \(.ack_cpu)"')" = "$1 $2" ] &&
		   [ "$(dcpu "$a0" "$a1" $1)" -eq 1 ] && [ "$(dcpu "$b0" "$b1" $2)" -eq 1 ] &&
		   [ "$hsum" -eq 1 ] && { [ "$est" -eq 1 ] || [ "$HOC" != handoff_ok ]; }; then
			# (synproxy: the raw client's kernel resets what nft
			# SYNPROXY sends it, so no connection stays; the
			# cross-CPU validation is XDP's, checked above)
			sg_pass ${T}_cookie_cpu$1_to_cpu$2_v$fam
		else
			sg_fail ${T}_cookie_cpu$1_to_cpu$2_v$fam "rc=$rc $res, established=$est, handoff +$hsum"
		fi
	done
done

# 4. a flood from both CPUs at once, with clients on both CPUs
s0=$(percpu $I_SYNACK); st0=$(sg_def_stats)
for c in 0 1; do
	sg_in "$NS_C" taskset -c $c "$SG_FLOOD" -i $IF_C --mode syn --dst $ADDR_S4 --dport $PORT \
		--src 10.79.128.0/17 --dst-mac "$SMAC" -d 2 >"$OUT/ff$c" 2>&1 &
	eval FP$c=$!
done
sleep 0.3
okall=0
for c in 0 1; do
	sg_in "$NS_C" taskset -c $c "$LOOP" --client -a $ADDR_S4 -p $PORT -c 2 -n 10 --timeout-ms 3000 \
		>"$OUT/fc$c" 2>&1
	ok=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' "$OUT/fc$c" | tail -n 1); okall=$((okall + ${ok:-0}))
done
wait $FP0; wait $FP1
sleep 0.3
s1=$(percpu $I_SYNACK); st1=$(sg_def_stats)
sent=$(( $(tail -n 1 "$OUT/ff0" | jq -r '.sent // 0') + $(tail -n 1 "$OUT/ff1" | jq -r '.sent // 0') ))
d0=$(dcpu "$s0" "$s1" 0) d1=$(dcpu "$s0" "$s1" 1)
echo "flood: sent $sent, synack_sent per CPU +$d0 +$d1, clients $okall/40"
if [ "$sent" -gt 0 ] && [ $((d0 + d1)) -ge "$sent" ] && [ "$d0" -gt 0 ] && [ "$d1" -gt 0 ] && [ $okall -eq 40 ]; then
	sg_pass ${T}_flood_absorbed_on_both_cpus
else
	sg_fail ${T}_flood_absorbed_on_both_cpus "sent $sent, per CPU +$d0 +$d1, clients $okall/40"
fi
exit 0
