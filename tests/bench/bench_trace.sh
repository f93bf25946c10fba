#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Overhead of `synguard hist` and `synguard trace` (to /dev/null) on a
# loopback connect/accept/close loop with 4 parallel clients, compared in the
# same run with no tracing and with Debian's libbpf-tools tcpstates.
# Each configuration runs RUNS times, interleaved; the median time counts.
# Usage: tests/bench/bench_trace.sh [CYCLES_PER_CLIENT (20000)] [RUNS (3)]
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/lib.sh
sg_require_root bench_trace
sg_mount_fs
CYC=${1:-20000} RUNS=${2:-3} C=4
SG=build/synguard LOOP=build/tests/tools/sg_connloop
TCPSTATES=$(command -v tcpstates || echo /usr/sbin/tcpstates)
NS=${SG_NS_PREFIX}bench
sg_netns "$NS" || exit 1
T=$(mktemp -d /tmp/sgbench.XXXXXX)
sg_on_exit "rm -rf $T"
port=30000

# run CONFIG: one timed loop with CONFIG's tracer running; prints seconds
run() {
	local cfg=$1 pid=
	port=$((port + 1))
	case $cfg in
	hist)	"$SG" hist -j >"$T/hist.out" 2>/dev/null & pid=$! ;;
	trace)	"$SG" trace >/dev/null 2>"$T/trace.err" & pid=$! ;;
	# tcpstates writes its lines; count them to see what it kept
	tcpstates) "$TCPSTATES" >"$T/tcpstates.out" 2>/dev/null & pid=$! ;;
	esac
	[ -n "$pid" ] && sleep 2	# load + attach
	sg_in "$NS" "$LOOP" -a 127.0.0.1 -p $port -c $C -n "$CYC" --close any \
		--accept-threads 4 >"$T/gen" 2>&1
	[ -n "$pid" ] && { sleep 0.5; kill -INT $pid; wait $pid; }
	sed -n 's/.*elapsed_s=\([0-9.]*\).*/\1/p' "$T/gen"
	case $cfg in
	tcpstates) echo "tcpstates_lines $(grep -c . "$T/tcpstates.out")" >>"$T/notes.$cfg" ;;
	hist) python3 -c "import json,sys; d=json.load(open('$T/hist.out')); print('hist_lost', json.dumps({k:v for k,v in d['lost'].items() if v}))" >>"$T/notes.$cfg" ;;
	esac
}

declare -A times
cfgs=(baseline hist trace tcpstates)
[ -x "$TCPSTATES" ] || { echo "bench_trace: tcpstates not found (apt-get install libbpf-tools); skipping it"; cfgs=(baseline hist trace); }
for r in $(seq "$RUNS"); do
	for cfg in "${cfgs[@]}"; do
		s=$(run "$cfg")
		times[$cfg]+="$s "
		echo "run $r $cfg: ${s}s"
	done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
base=$(echo ${times[baseline]} | median)
echo
echo "bench_trace: loopback connect/accept/close, $C clients x $CYC cycles, median of $RUNS"
printf '%-10s %8s %9s  %s\n' config seconds overhead runs
for cfg in "${cfgs[@]}"; do
	m=$(echo ${times[$cfg]} | median)
	printf '%-10s %8.3f %8.0f%%  %s\n' "$cfg" "$m" "$(echo "($m / $base - 1) * 100" | bc -l)" "${times[$cfg]}"
done
echo "expected state-change lines for tcpstates (approx.): $((C * CYC * 9)) (9 per connection: client 4-5, server 4-5)"
cat "$T"/notes.* 2>/dev/null
grep -h "lost:" "$T/trace.err" 2>/dev/null | tail -n 1 | sed "s/^/trace (last run): /"
