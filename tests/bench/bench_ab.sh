#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A/B microbenchmark against the base commit (issue 12: "today" = 1a12dd8):
# builds that commit's bench_xdp in a git worktree beside this tree
# (build/base-BASE, only the bench binary; tests/bench/base-BASE.patch adds
# its -6 option), then runs base and new alternately, ROUNDS rounds, each a
# fresh process with -n 1, in three configurations: IPv4 frames, IPv6 frames,
# IPv4 with a tracer's SYN arrival recording on (SG_BENCH_TRACE_SYN=1).
# Prints per path: base and new min/median/max ns, and new/base (median of
# the per-round ratios, and their min-max). Only the ratios carry over
# between runs on a loaded machine.
# Usage: tests/bench/bench_ab.sh [ROUNDS (7)] [REPEAT (300000)]
set -euo pipefail
cd "$(dirname "$0")/../.."
BASE=1a12dd8
ROUNDS=${1:-7} REPEAT=${2:-300000}
for v in "$ROUNDS" "$REPEAT"; do
	[[ $v =~ ^[0-9]+$ ]] && [ "$v" -ge 1 ] ||
		{ echo "bench_ab: usage: $0 [ROUNDS] [REPEAT]: whole numbers >= 1" >&2; exit 2; }
done
if [ "$(id -u)" -ne 0 ]; then
	echo "bench_ab: needs root (network namespaces, BPF)" >&2
	exit 4
fi
BDIR=build/base-$BASE
NEW=build/tests/bench/bench_xdp
[ -x "$NEW" ] || { echo "bench_ab: $NEW missing: run make first" >&2; exit 1; }
if [ ! -x "$BDIR/build/tests/bench/bench_xdp" ]; then
	git rev-parse -q --verify "$BASE^{commit}" >/dev/null ||
		{ echo "bench_ab: commit $BASE is not in this repository's history" >&2; exit 1; }
	echo "bench_ab: building $BASE's bench_xdp in $BDIR"
	git worktree prune
	[ -d "$BDIR" ] || git worktree add -q --detach "$BDIR" "$BASE"
	git -C "$BDIR" checkout -q -- tests/bench/bench_xdp.c
	git -C "$BDIR" apply "$PWD/tests/bench/base-$BASE.patch"
	make -s -C "$BDIR" -j2 build/tests/bench/bench_xdp >"$BDIR.log" 2>&1 ||
		{ echo "bench_ab: build of $BASE failed, see $BDIR.log" >&2; exit 1; }
fi
OLD=$BDIR/build/tests/bench/bench_xdp
CPU=$(( $(nproc) > 1 ? 1 : 0 ))
OUT=$(mktemp /tmp/sg-bench-ab.XXXXXX)
trap 'rm -f "$OUT"' EXIT

# one run: prints "CONF WHO ROUND KEY NS" per path (KEY: the path's short name)
one() { # CONF WHO ROUND BIN ARGS...
	local conf=$1 who=$2 round=$3 bin=$4 env=()
	shift 4
	[ "$conf" = v4trace ] && env=(SG_BENCH_TRACE_SYN=1)
	env "${env[@]}" "$bin" -r "$REPEAT" -n 1 -c "$CPU" "$@" 2>&1 |
	awk -v c="$conf" -v w="$who" -v r="$round" '
		{ n = substr($0, 1, 20); sub(/ +$/, "", n); split(substr($0, 21), f, " ") }
		n == "floor (XDP_PASS)" { k = "floor" }
		n == "SYN -> SYN-ACK" { k = "syn" }
		n == "valid cookie ACK" { k = "ack_valid" }
		n == "invalid cookie ACK" || n == "invalid ACK, no RST" { k = "ack_invalid" }
		n == "established ACK" { k = "established" }
		n == "UDP (non-TCP)" { k = "udp" }
		k != "" && f[1] ~ /^[0-9.]+$/ { print c, w, r, k, f[1] }
		/bench_xdp:|failed|want/ { print "bench_ab: " w " " c ": " $0 > "/dev/stderr" }
		{ k = "" }'
}
echo "bench_ab: base $BASE vs this tree, $ROUNDS rounds x repeat $REPEAT, CPU $CPU," \
	"load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
	for conf in v4 v6 v4trace; do
		a=(); [ "$conf" = v6 ] && a=(-6)
		# alternate who goes first, so that drift within a round hits both
		if [ $((r % 2)) -eq 1 ]; then
			one "$conf" base "$r" "$OLD" "${a[@]}" >>"$OUT"
			one "$conf" new "$r" "$NEW" "${a[@]}" >>"$OUT"
		else
			one "$conf" new "$r" "$NEW" "${a[@]}" >>"$OUT"
			one "$conf" base "$r" "$OLD" "${a[@]}" >>"$OUT"
		fi
	done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
awk '
	# insertion sort of a split list (mawk has no asort)
	function srt(s, a,   n, i, j, t) { n = split(s, a, " ")
		for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
		return n }
	function med(s,   a, n) { n = srt(s, a); return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
	function mn(s,   a, n) { n = srt(s, a); return a[1] }
	function mx(s,   a, n) { n = srt(s, a); return a[n] }
	{ v[$1, $2, $4] = v[$1, $2, $4] " " $5; x[$1, $2, $3, $4] = $5 }
	END {
		split("v4 v6 v4trace", C, " "); split("floor syn ack_valid ack_invalid established udp", K, " ")
		printf "%-8s %-12s %22s %22s %7s %13s\n", "frames", "path", "base min/med/max", "new min/med/max", "new/base", "ratio min-max"
		for (i = 1; i <= 3; i++) for (j = 1; j <= 6; j++) {
			c = C[i]; k = K[j]
			if (c == "v4trace" && k != "syn") continue
			if (!((c, "base", k) in v) || !((c, "new", k) in v)) { printf "%-8s %-12s (not measured)\n", c, k; continue }
			rs = ""
			for (r = 1; r <= 1000; r++) if ((c, "base", r, k) in x && (c, "new", r, k) in x && x[c, "base", r, k] > 0)
				rs = rs " " x[c, "new", r, k] / x[c, "base", r, k]
			b = v[c, "base", k]; n = v[c, "new", k]
			printf "%-8s %-12s %22s %22s %7.2f %13s\n", c, k,
				sprintf("%d/%d/%d", mn(b), med(b), mx(b)), sprintf("%d/%d/%d", mn(n), med(n), mx(n)),
				med(rs), sprintf("%.2f-%.2f", mn(rs), mx(rs))
		}
	}' "$OUT"
echo "frames: v4/v6 = IPv4/IPv6; v4trace = IPv4 SYN while a tracer records arrivals." \
	"ns per packet (kernel-reported); new/base = median of per-round ratios"
