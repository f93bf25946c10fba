#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Cost of one metrics scrape with a full half-open table: `synguard metrics`
# runs, its tt_halfopen map is filled to ENTRIES (16384, its size) of which
# EXPIRED (4096) are handshakes the kernel gave up (to be deleted by the
# scrape), and one scrape is timed; then a second one (nothing to delete).
# Each binary given runs in turn, so an older build is measured in the same
# run: tests/bench/bench_halfopen.sh [BIN...] (default build/synguard).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/lib.sh
sg_require_root bench_halfopen
sg_mount_fs
for b in bpftool curl python3; do
	command -v $b >/dev/null || { echo "bench_halfopen: $b missing" >&2; exit 1; }
done
ENTRIES=${SG_HALFOPEN_ENTRIES:-16384} EXPIRED=${SG_HALFOPEN_EXPIRED:-4096}
[ $# -gt 0 ] || set -- build/synguard
NS=${SG_NS_PREFIX}ho
sg_netns "$NS" || exit 1
T=$(mktemp -d /tmp/sgbench-ho.XXXXXX)
sg_on_exit "rm -rf $T"
MPORT=19752

# the newest map named tt_halfopen (the metrics server we just started)
halfopen_id() {
	bpftool map show -j | python3 -c '
import json, sys
ids = [m["id"] for m in json.load(sys.stdin) if m.get("name") == "tt_halfopen"]
print(max(ids) if ids else "")'
}

# bpftool batch commands filling map $1: struct sg_flow_key -> struct
# tt_halfopen (include/), times relative to CLOCK_MONOTONIC now. Expired:
# last retransmit 10 s ago after a 1 s handshake (the tracer gives up after
# 1 s + 2 s). Live: last retransmit in the future.
fill_cmds() {
	python3 - "$1" "$ENTRIES" "$EXPIRED" <<'PY'
import struct, sys, time
mid, n, nexp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
now = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
hexs = lambda b: " ".join("%02x" % x for x in b)
for i in range(n):
    laddr = struct.pack("!I", 0x0a4d0001) + bytes(12)
    raddr = struct.pack("!I", 0x0a800000 + i) + bytes(12)
    key = laddr + raddr + struct.pack("=HHHH", 443, 1024 + i % 60000, 2, 0)
    if i < nexp:
        val = struct.pack("=QQII", now - 11 * 10**9, now - 10 * 10**9, 3, 0)
    else:
        val = struct.pack("=QQII", now - 10**9, now + 3600 * 10**9, 1, 0)
    print("map update id %s key hex %s value hex %s" % (mid, hexs(key), hexs(val)))
PY
}

for bin in "$@"; do
	nsenter --net=/run/netns/"$NS" "$bin" metrics -j -l 127.0.0.1:$MPORT >"$T/m.out" 2>"$T/m.err" & mpid=$!
	for i in $(seq 100); do grep -q '"ready"' "$T/m.out" && break; sleep 0.1; done
	grep -q '"ready"' "$T/m.out" || { echo "$bin: metrics did not start: $(cat "$T/m.err")" >&2; kill $mpid; exit 1; }
	id=$(halfopen_id)
	fill_cmds "$id" >"$T/fill.cmds"
	bpftool batch file "$T/fill.cmds" >/dev/null || { echo "fill failed" >&2; kill $mpid; exit 1; }
	n=$(bpftool map dump id "$id" -j | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
	t1=$(sg_in "$NS" curl -s --max-time 600 -o "$T/expo1" -w '%{time_total}' http://127.0.0.1:$MPORT/metrics)
	left=$(bpftool map dump id "$id" -j | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
	t2=$(sg_in "$NS" curl -s --max-time 600 -o "$T/expo2" -w '%{time_total}' http://127.0.0.1:$MPORT/metrics)
	half=$(awk '$1 ~ /^synguard_tcp_half_open\{/ {s += $2} END {print s + 0}' "$T/expo2")
	kill -INT $mpid; wait $mpid || true
	printf 'halfopen %s: table %d (%d expired): first scrape %.3f s (left %d), second %.3f s (half_open %d)\n' \
		"$bin" "$n" "$EXPIRED" "$t1" "$left" "$t2" "$half"
done
