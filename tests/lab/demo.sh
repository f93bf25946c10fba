#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make demo`: synguard's SYN-flood lab in under two minutes.
#
# Two network namespaces joined by veth: a server (sg_server on port 8080)
# and a client side with legitimate clients (sg_client, connecting again and
# again, 3 s connect timeout: one SYN retransmission) and an attacker (sg_flood: spoofed SYNs, then
# ACKs with random cookies) pinned to its own CPU.
#   phase 1: without synguard; the kernel defends itself with its own SYN
#            cookies (net.ipv4.tcp_syncookies=1, as on a stock host)
#   phase 2: the same attack with `synguard protect`, showing
#            `synguard stats --interval 1` live and `synguard hist` at the end
# For each flood it prints the rate offered, what was answered, the
# legitimate clients' success rate and connect latency, and the server-side
# CPU (softirq of all CPUs + the server process; the attacker's own CPU time
# is shown apart; see docs/BENCHMARKS.md). Everything is removed on exit,
# Ctrl-C or failure.
#
# Usage: tests/lab/demo.sh [--seconds N] [--rate PPS] [--no-ack]
#   --seconds N  length of each SYN flood (default 15; the ACK flood: N/2)
#   --rate PPS   flood rate asked from the generator (default 300000; 0 = as
#                fast as it goes, which saturates the receiver in both phases)
#   --no-ack     skip the forged-ACK floods
# Colours only on a terminal, and never with CI set or TERM=dumb.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/lib.sh
. tests/lib/defense.sh
. tests/lab/lab.sh

SECS=15 ACK=1
LAB_RATE=300000
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) SECS=${2:-}; shift 2 ;;
	--rate) LAB_RATE=${2:-}; shift 2 ;;
	--no-ack) ACK=0; shift ;;
	-h|--help) sed -n '2,/^set /p' "$0" | sed -e '/^set /d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
[[ $SECS =~ ^[0-9]+$ ]] && [ "$SECS" -ge 2 ] && [ "$SECS" -le 600 ] ||
	{ echo "demo: --seconds needs a whole number from 2 to 600" >&2; exit 2; }
[[ $LAB_RATE =~ ^[0-9]+$ ]] || { echo "demo: --rate needs packets per second (0 = max)" >&2; exit 2; }
ACK_SECS=$(( SECS / 2 > 2 ? SECS / 2 : 2 ))

if [ -t 1 ] && [ -z "${CI:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
	B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'
else
	B= G= R= N=
fi
say() { echo "${B}$*${N}"; }
LAB_STRICT=1 lab_require demo
LAB_OUT=$(mktemp -d /tmp/synguard-demo.XXXXXX)
sg_on_exit "rm -rf $LAB_OUT"
HIST_PID=

rate_txt() { [ "$LAB_RATE" = 0 ] && echo "as fast as it goes" || echo "$((LAB_RATE / 1000))k packets/s asked"; }
say "synguard demo: a SYN flood against a TCP server, without and with synguard"
echo "Lab: namespaces ${SG_NS_PREFIX}s (server 10.77.0.1:$LAB_PORT) and ${SG_NS_PREFIX}c (clients 10.77.0.2,"
echo "attacker spoofing $LAB_SPOOF4) over veth; attacker pinned to CPU $LAB_GEN_CPU, clients to CPU $LAB_CLI_CPU."
echo "Attack: $(rate_txt); $LAB_CLIENTS legitimate clients connect in a loop (${LAB_CONNECT_TIMEOUT} s connect timeout)."
lab_setup "$LAB_OUT" || { echo "${R}demo: cannot set up the lab${N}" >&2; exit 1; }
sg_on_exit 'lab_stop $HIST_PID'
PIN_DIR=$(sg_def_pin_dir)

# run_step NAME FLOOD SECS: one flood with the live view chosen by the caller
run_step() {
	echo
	say "-- $4: $([ "$2" = syn ] && echo "spoofed SYN flood" || echo "forged-ACK flood (random cookies)") for $3 s"
	lab_phase "$1" "$2" "$3" || echo "${R}(the flood generator reported an error: $(tail -n 1 "$LAB_OUT/$1.flood"))${N}"
	echo
	lab_fmt_phase "$LAB_OUT/$1.json"
}

echo
say "== Phase 1: without synguard (the kernel's own SYN cookies, tcp_syncookies=1)"
LAB_LIVE_CMD="lab_kernel_live $SECS"
run_step k_syn syn "$SECS" "phase 1"
if [ $ACK = 1 ]; then
	LAB_LIVE_CMD="lab_kernel_live $ACK_SECS"
	run_step k_ack ack "$ACK_SECS" "phase 1"
fi

echo
say "== Phase 2: with synguard protect $IF_S --ports $LAB_PORT"
lab_protect || { echo "${R}demo: synguard protect failed:${N}" >&2; cat "$LAB_OUT/protect.log" >&2; exit 1; }
sed 's/^/  /' "$LAB_OUT/protect.log"
# hist runs through phase 2, with synguard's XDP SYN arrival times: the
# server handshake histogram then starts at the SYN's arrival (recording an
# arrival costs the XDP SYN path ~70 ns; docs/BENCHMARKS.md).
nsenter --net=/run/netns/"$NS_S" "$SG_BIN" hist --port "$LAB_PORT" \
	>"$LAB_OUT/hist.txt" 2>&1 &
HIST_PID=$!
sleep 1		# hist loads and attaches
STATS="exec nsenter --net=/run/netns/$NS_S $SG_BIN stats $IF_S --interval 1 --count"
LAB_LIVE_CMD="$STATS $SECS"
run_step g_syn syn "$SECS" "phase 2"
if [ $ACK = 1 ]; then
	LAB_LIVE_CMD="$STATS $ACK_SECS"
	run_step g_ack ack "$ACK_SECS" "phase 2"
fi
kill -INT $HIST_PID 2>/dev/null; wait $HIST_PID 2>/dev/null; HIST_PID=
echo
say "-- synguard hist --port $LAB_PORT (during phase 2; client connect and server handshake histograms, totals)"
# the connect and handshake histograms (empty buckets left out) and the
# totals; the full report has close phases, lifetimes and more
awk 'BEGIN { RS = ""; FS = "\n" }
	$1 ~ /^(connect|handshake)(_failed)?, / { for (i = 1; i <= NF; i++) if ($i !~ /: 0 +\|/) print $i; print "" }
	/^(client|server) port|^lost:/ { print }' "$LAB_OUT/hist.txt"

# side by side
echo
say "== Summary (the same attack, $(rate_txt))"
row() {	# row LABEL JQ-EXPR
	local a b
	a=$(jq -r "$2" "$LAB_OUT/k_$3.json" 2>/dev/null || echo -)
	b=$(jq -r "$2" "$LAB_OUT/g_$3.json" 2>/dev/null || echo -)
	printf '  %-34s %18s %18s\n' "$1" "$a" "$b"
}
for f in syn $([ $ACK = 1 ] && echo ack); do
	printf '  %-34s %18s %18s\n' "$([ $f = syn ] && echo "SYN flood" || echo "forged-ACK flood")" "kernel cookies" "synguard"
	row "offered (packets/s)" '.offered_pps | round' $f
	row "$([ $f = syn ] && echo "answered (SYN-ACKs/s)" || echo "refused (ACKs/s)")" '.answered_pps | round' $f
	row "legit clients ok" '"\(.legit.ok // 0)/\(.legit.attempted // 0)"' $f
	row "legit success" '"\(.legit_success_pct // 0 | . * 100 | floor / 100)%"' $f
	row "  within 1 s" '"\(.legit_within_1s_pct // 0 | . * 100 | floor / 100)%"' $f
	row "connect p50 / p99 (ms)" '"\((.legit.connect_p50_us // 0) / 1000 | . * 100 | round / 100) / \((.legit.connect_p99_us // 0) / 1000 | . * 100 | round / 100)"' $f
	row "server-side CPU (% of a core)" '.cpu.attributed_s / .seconds * 100 | round' $f
	row "handled per server CPU-second" '.answered_per_cpu_s // 0 | round' $f
	echo
done
r=$(jq -rn --slurpfile k "$LAB_OUT/k_syn.json" --slurpfile g "$LAB_OUT/g_syn.json" \
	'if ($k[0].answered_per_cpu_s // 0) > 0 then ($g[0].answered_per_cpu_s / $k[0].answered_per_cpu_s * 10 | round / 10) else "n/a" end')
echo "  SYNs answered per server CPU-second: synguard / kernel = ${G}${r}x${N}"
echo "  (a 2-core VM shared with other work: expect some noise; 'make bench' repeats and reports medians)"

# Tear down now and prove it: no namespace, pin or program of ours is left
echo
_sg_run_cleanups
left=$(ip netns list | grep -c "^${SG_NS_PREFIX}[sc]\b" || true)
if [ "$left" = 0 ] && [ ! -e "$PIN_DIR" ]; then
	echo "Cleaned up: namespaces deleted (with them the veth and its XDP/tc programs), synguard unprotected, pins removed."
else
	echo "${R}demo: left behind: $left namespace(s) ${SG_NS_PREFIX}*; pins: $(ls -d "$PIN_DIR" 2>/dev/null)${N}" >&2
	exit 1
fi
