#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A port scan must not blind the tracer (issue 8 item 15, issue 13 item 4).
# A client scans SG_SCAN_PORTS (5000) closed ports of the server namespace
# (each connect is refused: a failed connect on the client, a RST without a
# socket on the server) while 20 real handshakes happen on one port. `hist`,
# `trace` and `metrics` run all along. Then:
#  - hist: the real port has exactly 20 client connects and 20 server
#    handshakes (counters and histograms), no table-full loss; the scanned
#    ports are aggregated under "other" (at least 5000 refused connects);
#  - trace: exactly 20 client and 20 server handshake events on the port;
#  - metrics: the exposition has fewer than 5000 lines, a scrape takes less
#    than 100 ms (best of 5; the machine is shared), the server's RSS stays
#    under 64 MB, and the real port's series are exact.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
T=trace_portscan
sg_require_root $T
sg_mount_fs
for b in python3 curl jq; do
	command -v $b >/dev/null || { sg_skip $T "$b missing"; exit 0; }
done
sg_lab || { sg_fail $T "cannot create namespaces"; exit 1; }
D=$(mktemp -d /tmp/sg-portscan.XXXXXX)
sg_on_exit "rm -rf $D"
# the tracer sees every namespace: ports no other test uses
PORT=$((20000 + $$ % 9000)) NSCAN=${SG_SCAN_PORTS:-5000} NREAL=20
SCAN_FROM=$((PORT + 1000)) MPORT=19751
LOOP=$SG_TOOLS/sg_connloop

"$SG_BIN" hist -j >"$D/hist.json" 2>"$D/hist.err" & HPID=$!
sg_on_exit "kill $HPID"
"$SG_BIN" trace -j >"$D/trace.json" 2>"$D/trace.err" & TPID=$!
sg_on_exit "kill $TPID"
# nsenter itself (not the sg_in function's subshell): $! is the server
nsenter --net=/run/netns/"$NS_S" "$SG_BIN" metrics -j -l 127.0.0.1:$MPORT >"$D/metrics.out" 2>"$D/metrics.err" & MPID=$!
sg_on_exit "kill $MPID"
for i in $(seq 100); do grep -q '"ready"' "$D/metrics.out" && break; sleep 0.1; done
grep -q '"ready"' "$D/metrics.out" || { sg_fail ${T}_metrics_ready "$(cat "$D/metrics.err")"; exit 1; }
sleep 2	# hist and trace: load + attach

ip netns exec "$NS_S" "$LOOP" --server -a $ADDR_S4 -p $PORT --close client >"$D/server.out" 2>&1 & SPID=$!
sg_on_exit "kill $SPID"
sg_wait_port "$NS_S" $PORT || { sg_fail ${T}_server "did not listen"; exit 1; }

# scan NSCAN closed ports; the real handshakes start when half is done
cat >"$D/scan.py" <<'PY'
import socket, sys, os
addr, first, n, half = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
refused = 0
for i in range(n):
    if i == n // 2:
        open(half, "w").close()
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect((addr, first + i))
    except ConnectionRefusedError:
        refused += 1
    except OSError:
        pass
    s.close()
print(refused)
PY
sg_in "$NS_C" python3 "$D/scan.py" $ADDR_S4 $SCAN_FROM $NSCAN "$D/half" >"$D/scan.out" 2>&1 & SCPID=$!
for i in $(seq 600); do [ -e "$D/half" ] && break; sleep 0.05; done
sg_in "$NS_C" "$LOOP" --client -a $ADDR_S4 -p $PORT -c 1 -n $NREAL --close client >"$D/client.out" 2>&1
wait $SCPID
refused=$(tail -n 1 "$D/scan.out")
grep -q "ok=$NREAL " "$D/client.out" && [ "$refused" = "$NSCAN" ] && sg_pass ${T}_traffic ||
	sg_fail ${T}_traffic "client: $(tail -n 1 "$D/client.out"); scan refused $refused of $NSCAN"
sleep 1	# the last closes reach the tracer

# metrics first, while everything still runs
scrape() { sg_in "$NS_S" curl -s --max-time 20 -o "$1" -w '%{time_total}\n' "http://127.0.0.1:$MPORT/metrics"; }
best=99
for i in 1 2 3 4 5; do
	t=$(scrape "$D/expo.txt")
	best=$(python3 -c "print(min($best, ${t:-99}))")
done
lines=$(wc -l <"$D/expo.txt")
# $MPID is nsenter, which exec's the server (checked: comm)
spid=$MPID
for i in 1 2 3; do
	[ "$(cat /proc/$spid/comm 2>/dev/null)" = synguard ] && break
	spid=$(pgrep -P $spid | head -n 1)
done
rss=$(awk '/^VmRSS/ {print $2}' /proc/$spid/status 2>/dev/null)
[ "$(cat /proc/$spid/comm 2>/dev/null)" = synguard ] || rss=""
echo "exposition: $lines lines, best scrape ${best}s, metrics RSS ${rss} kB"
[ "$lines" -lt 5000 ] && sg_pass ${T}_metrics_lines || sg_fail ${T}_metrics_lines "$lines lines"
python3 -c "import sys; sys.exit(0 if $best < 0.1 else 1)" && sg_pass ${T}_metrics_scrape_time ||
	sg_fail ${T}_metrics_scrape_time "best of 5: ${best}s"
[ "${rss:-999999}" -lt 65536 ] && sg_pass ${T}_metrics_rss || sg_fail ${T}_metrics_rss "${rss} kB"
mval() { awk -v m="$1" '$1 == m {print $2}' "$D/expo.txt"; }
got="$(mval "synguard_tcp_handshake_ok_total{side=\"server\",port=\"$PORT\"}")"
got="$got $(mval "synguard_tcp_connect_ok_total{side=\"client\",port=\"$PORT\"}")"
got="$got $(mval "synguard_tcp_connect_duration_seconds_count{port=\"$PORT\"}")"
got="$got $(mval "synguard_tcp_handshake_duration_seconds_count{port=\"$PORT\",basis=\"synack_rtt\"}")"
[ "$got" = "$NREAL $NREAL $NREAL $NREAL" ] && sg_pass ${T}_metrics_port_exact ||
	sg_fail ${T}_metrics_port_exact "server ok, client ok, connect count, handshake count: '$got'"
other=$(mval 'synguard_tcp_connect_failed_reset_total{side="client",port="other"}')
[ "${other:-0}" -ge "$NSCAN" ] 2>/dev/null && sg_pass ${T}_metrics_other ||
	sg_fail ${T}_metrics_other "connect_failed_reset of other ports: '$other'"
full=$(grep -E '^synguard_tracer_lost_total\{reason="(count|hist)_table_full"\}' "$D/expo.txt" |
	awk '{s += $2} END {print s + 0}')
[ "$full" = 0 ] && sg_pass ${T}_metrics_no_table_full || sg_fail ${T}_metrics_no_table_full "$full"

kill -INT $HPID $TPID
wait $HPID; hrc=$?
wait $TPID; trc=$?
[ $hrc = 0 ] && [ $trc = 0 ] && sg_pass ${T}_tracers_exit ||
	sg_fail ${T}_tracers_exit "hist rc $hrc, trace rc $trc: $(tail -n 2 "$D/hist.err" "$D/trace.err")"

cat >"$D/check.py" <<'PY'
import json, sys
kind, f, port, n, nscan = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
objs = [json.loads(l) for l in open(f) if l.strip()]
bad = []
if kind == "hist":
    r = objs[-1]
    c = {(x["side"], x["port"]): x for x in r["counters"]}
    cl, sv = c.get(("client", port), {}), c.get(("server", port), {})
    if cl.get("connect_ok") != n: bad.append("client connect_ok %s" % cl.get("connect_ok"))
    if sv.get("handshake_ok") != n: bad.append("server handshake_ok %s" % sv.get("handshake_ok"))
    h = {(x["metric"], x.get("basis"), x["port"]): x["count"] for x in r["histograms"]}
    if h.get(("connect", None, port)) != n: bad.append("connect histogram %s" % h.get(("connect", None, port)))
    if h.get(("handshake", "synack_rtt", port)) != n:
        bad.append("handshake histogram %s" % h.get(("handshake", "synack_rtt", port)))
    for k in ("count_table_full", "hist_table_full"):
        if r["lost"].get(k, -1) != 0: bad.append("%s=%s" % (k, r["lost"].get(k)))
    o = c.get(("client", 0), {})
    if not o.get("other") or o.get("connect_failed_reset", 0) < nscan:
        bad.append("other ports: %s" % o)
else:
    ev = [e for e in objs if not e.get("summary") and e["kind"] == "handshake"]
    ncl = sum(1 for e in ev if e["side"] == "client" and e["rport"] == port)
    nsv = sum(1 for e in ev if e["side"] == "server" and e["lport"] == port)
    if (ncl, nsv) != (n, n): bad.append("handshake events client %d server %d" % (ncl, nsv))
    s = objs[-1]
    if not s.get("summary"): bad.append("no summary")
    elif s["lost"]["ringbuf_full"] or s["lost"]["sock_table_full"]:
        bad.append("lost %s" % s["lost"])
print("; ".join(bad))
sys.exit(1 if bad else 0)
PY
for k in hist trace; do
	out=$(python3 "$D/check.py" $k "$D/$k.json" $PORT $NREAL $NSCAN 2>&1) && sg_pass ${T}_${k}_port_exact ||
		sg_fail ${T}_${k}_port_exact "$out"
done
exit $_sg_failed
