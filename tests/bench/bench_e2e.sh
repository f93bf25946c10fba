#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# End-to-end defense benchmark on the SYN-flood lab (tests/lab/lab.sh):
# synguard against the kernel's own SYN cookies (tcp_syncookies=1, listen
# backlog 64), in one run, ROUNDS times, interleaved:
#   max   flood as fast as sg_flood and the receiver go (spoofed SYNs, then
#         forged ACKs with random cookies): the rate absorbed and the rate
#         absorbed per second of server CPU (softirq of all CPUs + the server
#         process; the generator is pinned to its own CPU and not charged)
#   rate  spoofed SYNs at RATE/s: the legitimate clients' success rate and
#         connect latency under a flood of a given size
#   floors the full-speed SYN flood against bpf/lab_reflect.bpf.c (swap the
#         addresses, XDP_TX) and bpf/lab_drop.bpf.c (XDP_DROP) on the server
#         veth: SYNs per server CPU-second, ratio synguard/floor
# Each phase lasts SECONDS. Prints a table (medians over rounds; success
# rates summed over rounds) and writes every phase's JSON to
# build/bench_e2e.json. Method and recorded results: docs/BENCHMARKS.md.
# Usage: tests/bench/bench_e2e.sh [ROUNDS (3)] [SECONDS (8)] [RATE (250000)]
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/lib.sh
. tests/lib/defense.sh
. tests/lab/lab.sh

ROUNDS=${1:-3} SECS=${2:-8} RATE=${3:-250000}
for v in "$ROUNDS" "$SECS" "$RATE"; do
	[[ $v =~ ^[0-9]+$ ]] && [ "$v" -ge 1 ] ||
		{ echo "bench_e2e: usage: $0 [ROUNDS] [SECONDS] [RATE]: whole numbers >= 1" >&2; exit 2; }
done
LAB_STRICT=1 lab_require bench_e2e
OUT=$(mktemp -d /tmp/sg-bench-e2e.XXXXXX)
sg_on_exit "rm -rf $OUT"
lab_setup "$OUT" || { echo "bench_e2e: cannot set up the lab" >&2; exit 1; }
echo "bench_e2e: $ROUNDS rounds, ${SECS} s per phase, fixed-rate flood $RATE SYN/s;" \
	"generator on CPU $LAB_GEN_CPU, clients on CPU $LAB_CLI_CPU; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# phase MODE FLOOD RATE ROUND
phase() {
	local name=$1_$2_$3_r$4
	LAB_RATE=$([ "$3" = max ] && echo 0 || echo "$RATE")
	lab_phase "$name" "$2" "$SECS" || echo "bench_e2e: $name: the generator reported an error" >&2
	jq -r '"  \(.name): offered \(.offered_pps | round)/s, answered \(.answered_pps | round)/s, cpu \(.cpu.attributed_s / .seconds * 100 | round)% -> \(.answered_per_cpu_s // 0 | round)/cpu-s, legit \(.legit.ok // 0)/\(.legit.attempted // 0)"' \
		"$OUT/$name.json"
}
for r in $(seq "$ROUNDS"); do
	echo "round $r"
	# the kernel's forged-ACK phase follows its SYN phase, so that the
	# listener overflowed recently and the kernel really checks each cookie
	phase kernel syn max "$r"; phase kernel ack max "$r"; phase kernel syn rate "$r"
	lab_protect || { echo "bench_e2e: synguard protect failed" >&2; cat "$OUT/protect.log" >&2; exit 1; }
	phase synguard syn max "$r"; phase synguard ack max "$r"; phase synguard syn rate "$r"
	lab_unprotect
	# the floors (issue 12 target 4): what answering (or dropping) a SYN
	# costs at the least, built from bpf/lab_*.bpf.c
	for fl in reflect drop; do
		lab_floor_on "$fl" || { echo "bench_e2e: cannot attach lab_$fl" >&2; exit 1; }
		phase "$fl" syn max "$r"
		lab_floor_off
	done
done

jq -s '.' "$OUT"/*_r*.json >build/bench_e2e.json
echo
echo "bench_e2e: medians over $ROUNDS rounds of ${SECS} s (legit: totals over rounds)"
jq -r --argjson rate "$RATE" '
	def med: sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
	def k: if . == null then "-" elif . >= 1000 then "\(. / 1000 | . * 10 | round / 10)k" else "\(round)" end;
	def pad($n): tostring | if length < $n then " " * ($n - length) + . else . end;
	def row($m; $f; $r): map(select(.mode == $m and .flood == $f and (.name | contains("_\($r)_")))) as $p
		| ($p | map(.legit.attempted // 0) | add) as $att | ($p | map(.legit.ok // 0) | add) as $ok
		| "\($m | pad(9)) \($f | pad(4)) \((if $r == "max" then "max" else "\($rate / 1000)k" end) | pad(6))"
		  + " \($p | map(.offered_pps) | med | k | pad(9)) \($p | map(.answered_pps) | med | k | pad(9))"
		  + " \($p | map(.cpu.attributed_s / .seconds * 100) | med | round | pad(5))%"
		  + " \($p | map(.answered_per_cpu_s // 0) | med | k | pad(10))"
		  + " \("\($ok)/\($att)" | pad(12)) \((if $att > 0 then 100 * $ok / $att else 0 end) | . * 100 | floor / 100 | pad(7))%"
		  + " \($p | map((.legit.connect_p50_us // 0) / 1000) | med | . * 100 | round / 100 | pad(7))"
		  + " \($p | map((.legit.connect_p99_us // 0) / 1000) | med | . * 100 | round / 100 | pad(8))";
	"     mode flood   rate   offered  answered   cpu  per-cpu-s        legit  success  p50 ms   p99 ms",
	row("kernel"; "syn"; "max"), row("synguard"; "syn"; "max"),
	row("reflect"; "syn"; "max"), row("drop"; "syn"; "max"),
	row("kernel"; "ack"; "max"), row("synguard"; "ack"; "max"),
	row("kernel"; "syn"; "rate"), row("synguard"; "syn"; "rate"),
	"",
	(["syn", "ack"][] as $f
	 | [range(1; 1000) as $i
	    | (map(select(.name == "synguard_\($f)_max_r\($i)"))[0]) as $g
	    | (map(select(.name == "kernel_\($f)_max_r\($i)"))[0]) as $k
	    | select($g != null and $k != null and ($k.answered_per_cpu_s // 0) > 0)
	    | $g.answered_per_cpu_s / $k.answered_per_cpu_s] as $ratios
	 | "ratio synguard/kernel, \($f) absorbed per server CPU-second: \($ratios | med | . * 100 | round / 100)x (rounds: \($ratios | map(. * 100 | round / 100) | join(" ")))"),
	(["reflect", "drop"][] as $m
	 | [range(1; 1000) as $i
	    | (map(select(.name == "synguard_syn_max_r\($i)"))[0]) as $g
	    | (map(select(.name == "\($m)_syn_max_r\($i)"))[0]) as $k
	    | select($g != null and $k != null and ($k.answered_per_cpu_s // 0) > 0)
	    | $g.answered_per_cpu_s / $k.answered_per_cpu_s] as $ratios
	 | "ratio synguard/\($m) floor, SYNs per server CPU-second: \($ratios | med | . * 100 | round / 100)x (rounds: \($ratios | map(. * 100 | round / 100) | join(" ")))\(if $m == "reflect" then " (target >= 0.9x: \(if ($ratios | med // 0) >= 0.9 then "met" else "NOT met" end))" else "" end)"),
	(map(select(.mode == "synguard")) | (map(.legit.ok // 0) | add) as $ok | (map(.legit.attempted // 0) | add) as $att
	 | "legitimate success with synguard, all phases: \($ok)/\($att) = \(if $att > 0 then 100 * $ok / $att | . * 1000 | floor / 1000 else 0 end)% (target >= 99.9%: \(if $att > 0 and $ok * 1000 >= $att * 999 then "met" else "NOT met" end))"),
	(map(select(.mode == "synguard")) | (map(.legit.connected_within_1s // 0) | add) as $f | (map(.legit.attempted // 0) | add) as $att
	 | "  of which connected within 1 s (no SYN retransmission needed): \($f)/\($att) = \(if $att > 0 then 100 * $f / $att | . * 1000 | floor / 1000 else 0 end)%"),
	(map(select(.mode == "kernel")) | (map(.legit.ok // 0) | add) as $ok | (map(.legit.connected_within_1s // 0) | add) as $f | (map(.legit.attempted // 0) | add) as $att
	 | "legitimate success with the kernel cookies, all phases: \($ok)/\($att) = \(if $att > 0 then 100 * $ok / $att | . * 1000 | floor / 1000 else 0 end)%, within 1 s: \(if $att > 0 then 100 * $f / $att | . * 1000 | floor / 1000 else 0 end)%"),
	(map(select(.mode == "synguard" and (.name | contains("_rate_")))) | (map(.legit.ok // 0) | add) as $ok | (map(.legit.attempted // 0) | add) as $att
	 | "legitimate success with synguard at \($rate / 1000)k SYN/s: \($ok)/\($att) = \(if $att > 0 then 100 * $ok / $att | . * 1000 | floor / 1000 else 0 end)% (target >= 99.9%: \(if $att > 0 and $ok * 1000 >= $att * 999 then "met" else "NOT met" end))")
	' build/bench_e2e.json
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); all phases: build/bench_e2e.json"
