#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Smoke test of `make bench`'s microbenchmark binary (tests/bench/bench_xdp.c):
# a tiny run with IPv4 and with IPv6 frames (-6) and with the tracer's SYN
# recording on must finish, with every path's verdict and counter checked by
# the binary itself, and print a figure for each path (the policy cases of
# issue 11 included: limits, 100k + 100k lists, engagement). No timing is
# asserted.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"

T=bench_smoke
BIN=$SG_TOP/build/tests/bench/bench_xdp
sg_require_root $T
[ -x "$BIN" ] || { sg_fail $T "bench_xdp not built"; exit 1; }
for mode in v4 v6 v4trace; do
	args=(-r 200 -n 1)
	env=()
	[ $mode = v6 ] && args+=(-6)
	[ $mode = v4trace ] && env=(SG_BENCH_TRACE_SYN=1)
	out=$(env "${env[@]}" "$BIN" "${args[@]}" 2>&1)
	rc=$?
	missing=""
	for p in "SYN -> SYN-ACK" "valid cookie ACK" "invalid ACK, no RST" "established ACK" "UDP (non-TCP)" \
		"SYN, limits" "SYN, lists+limits" "SYN, all policies" "cookie ACK, lists" "established, lists"; do
		# (a figure may come out negative at -r 200 when a preemption hits
		# the wrapper's own run: no timing is asserted here)
		grep -q "^$p  *-\?[0-9]" <<<"$out" || missing+=" [$p]"
	done
	if [ $rc -eq 0 ] && [ -z "$missing" ]; then
		sg_pass "$T $mode: every path measured and checked"
	else
		sg_fail "$T $mode" "rc $rc, missing:$missing; output: $(tail -5 <<<"$out" | tr '\n' '|')"
	fi
done

# The two-CPU scaling benchmark (tests/bench/bench_scale.sh), one short round:
# both programs answered SYNs from one CPU and from both, on both queues.
if [ "$(nproc)" -lt 2 ]; then
	sg_skip "$T scale" "needs 2 CPUs, have $(nproc)"
else
	out=$(SG_NS_PREFIX=${SG_NS_PREFIX}sc "$SG_TOP/tests/bench/bench_scale.sh" 1 1 2>&1)
	rc=$?
	j=$SG_TOP/build/bench_scale.json
	if [ $rc -eq 0 ] && [ -s "$j" ] &&
	   jq -e 'length == 4 and all(.[]; .answered > 0) and
		all(.[] | select(.cpus == 2); .answered_per_queue | all(. > 0))' "$j" >/dev/null; then
		sg_pass "$T scale: one and two CPUs measured, both queues answered"
	else
		sg_fail "$T scale" "rc $rc: $(tail -5 <<<"$out" | tr '\n' '|')"
	fi
fi

# sg_tc with and without XDP metadata (tests/bench/bench_tc.c), a short run:
# every path measured, or skipped where sg_tc cannot load (before 6.9)
out=$("$SG_TOP/build/tests/bench/bench_tc" -r 1000 -n 1 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q "^bench_tc: skipped" <<<"$out"; then
	sg_skip "$T tc" "$(grep '^bench_tc: skipped' <<<"$out")"
elif [ $rc -eq 0 ] && [ "$(grep -cE '^(established ACK|listener ACK, cookie check|UDP) +[0-9]+ +[0-9]+' <<<"$out")" = 3 ]; then
	sg_pass "$T tc: every path measured with and without metadata"
else
	sg_fail "$T tc" "rc $rc: $(tail -5 <<<"$out" | tr '\n' '|')"
fi
