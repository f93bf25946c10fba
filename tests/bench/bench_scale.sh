#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Two-CPU scaling of the SYN path (issue 12 target 5): the SYN-flood lab
# (tests/lab/lab.sh) on a veth with 2 RX/TX queues, a spoofed SYN flood at
# full speed from one CPU, then from both CPUs at once (one generator pinned
# to each, XPS sending CPU c's frames on TX queue c), ROUNDS times,
# interleaved, for synguard and for the trivial reflector floor
# (bpf/lab_reflect.bpf.c: swap addresses, XDP_TX).
#
# On veth the receiver's XDP runs in the NAPI poll scheduled on the sending
# CPU, so "the flood spread over both CPUs" is two generators, each CPU
# running its generator and its share of the receive path. The figure is the
# SYN-ACKs sent per second (sum of the server veth's rx_queue_N_xdp_tx, the
# same count for both programs; tx errors reported apart) and the ratio
# both-CPUs / one-CPU; the reflector's own ratio, measured in the same run,
# says how much of the machine (generator, veth) scales at all.
# Prints a table of medians and writes every phase's JSON to build/bench_scale.json.
# Usage: tests/bench/bench_scale.sh [ROUNDS (3)] [SECONDS (5)]
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/lib.sh
. tests/lib/defense.sh
. tests/lab/lab.sh

ROUNDS=${1:-3} SECS=${2:-5}
for v in "$ROUNDS" "$SECS"; do
	[[ $v =~ ^[0-9]+$ ]] && [ "$v" -ge 1 ] ||
		{ echo "bench_scale: usage: $0 [ROUNDS] [SECONDS]: whole numbers >= 1" >&2; exit 2; }
done
[ "$(nproc)" -ge 2 ] || { echo "bench_scale: needs 2 CPUs, have $(nproc)" >&2; exit 1; }
LAB_STRICT=1 lab_require bench_scale
OUT=$(mktemp -d /tmp/sg-bench-scale.XXXXXX)
sg_on_exit "rm -rf $OUT"
SG_VETH_QUEUES=2 lab_setup "$OUT" || { echo "bench_scale: cannot set up the lab" >&2; exit 1; }
[ "$(ip -n "$NS_S" -j -d link show "$IF_S" | jq '.[0].num_rx_queues')" = 2 ] ||
	{ echo "bench_scale: the server veth has not 2 RX queues" >&2; exit 1; }
# CPU c sends on TX queue c, which feeds the server's RX queue c
for c in 0 1; do
	ip netns exec "$NS_C" sh -c "echo $((1 << c)) >/sys/class/net/$IF_C/queues/tx-$c/xps_cpus" ||
		{ echo "bench_scale: cannot set XPS on $IF_C" >&2; exit 1; }
done
echo "bench_scale: $ROUNDS rounds, ${SECS} s per phase; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# _xdp_tx: "tx0 tx1 err" of the server veth's queues
_xdp_tx() {
	ip netns exec "$NS_S" ethtool -S "$IF_S" | awk '
		$1 ~ /^rx_queue_[0-9]+_xdp_tx:$/ { split($1, a, "_"); tx[a[3]] = $2 }
		$1 ~ /^rx_queue_[0-9]+_xdp_tx_errors:$/ { err += $2 }
		END { printf "%d %d %d\n", tx[0], tx[1], err }'
}
# _softirq: "s0 s1" softirq+irq ticks of CPUs 0 and 1
_softirq() { awk '$1 == "cpu0" || $1 == "cpu1" { printf "%d ", $7 + $8 } END { print "" }' /proc/stat; }

# phase MODE CPUS ROUND: a full-speed flood from each CPU in CPUS
phase() {
	local mode=$1 cpus=$2 r=$3 c pids=() t0 t1 q0 q1 sent=0 name
	name=${mode}_$(echo "$cpus" | tr -d ' ')_r$r
	q0=$(_xdp_tx); t0=$(_softirq)
	for c in $cpus; do
		taskset -c "$c" nsenter --net=/run/netns/"$NS_C" "$SG_TOOLS/sg_flood" \
			-i "$IF_C" --mode syn --dst "$ADDR_S4" --dport "$LAB_PORT" \
			--src "$LAB_SPOOF4" --dst-mac "$LAB_SMAC" -d "$SECS" --batch 256 \
			--seed $((r * 10 + c + 1)) >"$OUT/$name.flood$c" 2>&1 &
		pids+=($!)
	done
	LAB_BG=("${pids[@]}")
	for c in "${pids[@]}"; do wait "$c"; done
	LAB_BG=()
	sleep 0.2
	q1=$(_xdp_tx); t1=$(_softirq)
	for c in $cpus; do
		sent=$((sent + $(grep '^{' "$OUT/$name.flood$c" | tail -n 1 | jq -r '.sent // 0')))
	done
	jq -n --arg name "$name" --arg mode "$mode" --arg cpus "$cpus" --argjson secs "$SECS" \
		--argjson sent "$sent" --arg q0 "$q0" --arg q1 "$q1" --arg t0 "$t0" --arg t1 "$t1" \
		--argjson hz "$LAB_CLK_TCK" '
		($q0 | split(" ") | map(tonumber)) as $a | ($q1 | split(" ") | map(tonumber)) as $b
		| ($t0 | split(" ") | map(select(. != "") | tonumber)) as $s | ($t1 | split(" ") | map(select(. != "") | tonumber)) as $u
		| {name: $name, mode: $mode, cpus: ($cpus | split(" ") | length), seconds: $secs,
		   offered: $sent, answered: (($b[0] - $a[0]) + ($b[1] - $a[1])),
		   answered_per_queue: [($b[0] - $a[0]), ($b[1] - $a[1])],
		   tx_errors: ($b[2] - $a[2]),
		   softirq_s: [(($u[0] - $s[0]) / $hz), (($u[1] - $s[1]) / $hz)]}
		| .answered_pps = (.answered / $secs)' >"$OUT/$name.json"
	jq -r '"  \(.name): offered \(.offered), answered \(.answered_pps | round)/s (queues \(.answered_per_queue | join("/")), tx errors \(.tx_errors)), softirq s \(.softirq_s | map(. * 100 | round / 100) | join("/"))"' "$OUT/$name.json"
}

for r in $(seq "$ROUNDS"); do
	echo "round $r"
	lab_protect || { echo "bench_scale: synguard protect failed" >&2; cat "$OUT/protect.log" >&2; exit 1; }
	phase synguard "1" "$r"; phase synguard "0 1" "$r"
	lab_unprotect
	lab_floor_on reflect || { echo "bench_scale: cannot attach lab_reflect" >&2; exit 1; }
	phase reflect "1" "$r"; phase reflect "0 1" "$r"
	lab_floor_off
done

jq -s '.' "$OUT"/*_r*.json >build/bench_scale.json
echo
echo "bench_scale: medians over $ROUNDS rounds of ${SECS} s, SYN-ACKs per second"
jq -r '
	def med: sort | .[(length - 1) / 2 | floor];
	def k: "\(. / 1000 | . * 10 | round / 10)k";
	def one($m; $n): map(select(.mode == $m and .cpus == $n) | .answered_pps);
	def ratios($m): [one($m; 1), one($m; 2)] | transpose | map(.[1] / .[0]);
	"     mode   1 CPU  2 CPUs  ratio (median, min-max over rounds)",
	(("synguard", "reflect") as $m
	 | "\($m | " " * (9 - length) + .) \(one($m; 1) | med | k) \(one($m; 2) | med | k)"
	   + "  \(ratios($m) | med | . * 100 | round / 100) (\(ratios($m) | min | . * 100 | round / 100)-\(ratios($m) | max | . * 100 | round / 100))")
' build/bench_scale.json
