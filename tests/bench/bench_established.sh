#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# What established traffic pays for each defense: one TCP connection moving
# MBYTES each way between the lab's namespaces (sg_client -> sg_server over
# the veth pair, server side protected), for the kernel alone and for each
# defense named, ROUNDS times each, interleaved. The synproxy defense adds
# conntrack (and its sequence translation) to every packet of the server's
# netns; handoff and kernel-cookies add XDP's socket lookup.
# Prints per configuration the median MB/s and MB per busy CPU-second (all
# CPUs' non-idle time from /proc/stat: sender, receiver and softirq are all
# on this machine), and the server netns' conntrack entries.
# Usage: tests/bench/bench_established.sh [MBYTES (100)] [ROUNDS (3)] [DEFENSE...]
#        (defenses default: the ones this kernel supports)
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/lib.sh
. tests/lib/defense.sh

MB=${1:-100} ROUNDS=${2:-3}
shift $(( $# >= 2 ? 2 : $# ))
for v in "$MB" "$ROUNDS"; do
	[[ $v =~ ^[0-9]+$ ]] && [ "$v" -ge 1 ] ||
		{ echo "bench_established: usage: $0 [MBYTES] [ROUNDS] [DEFENSE...]" >&2; exit 2; }
done
if [ $# -gt 0 ]; then
	DEFS=("$@")
else
	DEFS=()
	for d in handoff synproxy kernel_cookies; do
		[ "$("$SG_BIN" status -j | jq -r --arg n "defense_$d" '.kernel.features[] | select(.name == $n) | .ok')" = true ] &&
			DEFS+=("${d/_/-}")
	done
fi
sg_require_root bench_established
sg_def_require bench_established
sg_mount_fs
sg_lab || { echo "bench_established: cannot build the lab" >&2; exit 1; }
PORT=8087
OUT=$(mktemp -d /tmp/sg-bench-est.XXXXXX)
sg_on_exit "rm -rf $OUT"
BYTES=$((MB * 1048576))

busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
# one exchange: "MB/s MB-per-busy-CPU-s"
one() {
	local t0 t1 b0 b1 hz
	hz=$(getconf CLK_TCK)
	nsenter --net=/run/netns/"$NS_S" "$SG_SERVER" -p $PORT -n "$BYTES" -c 1 -t 300 -q >"$OUT/srv" 2>&1 &
	local spid=$!
	sg_wait_port "$NS_S" $PORT || { kill $spid; echo "- -"; return; }
	b0=$(busy); t0=$(date +%s.%N)
	sg_in "$NS_C" "$SG_CLIENT" -n "$BYTES" -t 300 -q "$ADDR_S4" $PORT >"$OUT/cli" 2>&1
	local rc=$?
	t1=$(date +%s.%N); b1=$(busy)
	wait $spid
	[ $rc -eq 0 ] || { echo "- -"; return; }
	awk -v mb=$((2 * MB)) -v t0="$t0" -v t1="$t1" -v c="$(( b1 - b0 ))" -v hz="$hz" \
		'BEGIN { printf "%.1f %.1f\n", mb / (t1 - t0), (c > 0 ? mb / (c / hz) : 0) }'
}

declare -A RES
CONFS=(kernel "${DEFS[@]}")
echo "bench_established: $MB MiB each way, $ROUNDS rounds; configurations: ${CONFS[*]}; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
	for c in "${CONFS[@]}"; do
		if [ "$c" != kernel ]; then
			SG_DEF_LOG=$OUT/protect.log sg_def_protect $PORT --defense "$c" ||
				{ echo "bench_established: protect --defense $c failed: $(tail -n 2 "$OUT/protect.log")" >&2; exit 1; }
		fi
		res=$(one)
		ct=$(ip netns exec "$NS_S" cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null || echo -)
		echo "  round $r $c: $res (MB/s, MB per busy CPU-s), conntrack entries $ct"
		RES[$c]+="$res;"
		[ "$c" = kernel ] || sg_def_unprotect >/dev/null 2>&1
	done
done
echo
printf '%-15s %10s %18s\n' config "MB/s" "MB/busy-CPU-s"
for c in "${CONFS[@]}"; do
	med() { echo "${RES[$c]}" | tr ';' '\n' | awk -v f="$1" 'NF == 2 && $1 != "-" { print $f }' | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }
	printf '%-15s %10s %18s\n' "$c" "$(med 1)" "$(med 2)"
done
