#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `synguard metrics` as an HTTP server: paths and methods (200/404/405, HEAD),
# concurrent scrapes that all get a complete exposition, clients that
# disconnect mid-request or mid-response, send garbage or stall, and a clean
# stop on SIGINT. The server keeps serving through all of it.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"

T=metrics_http
sg_require_root $T
[ -x "$SG_BIN" ] || { sg_skip $T "$SG_BIN not built (run make)"; exit 0; }
for b in curl python3; do
	command -v $b >/dev/null || { sg_skip $T "$b not installed"; exit 0; }
done
sg_mount_fs
NS=${SG_NS_PREFIX}h
sg_netns "$NS" || { sg_fail $T "cannot create a namespace"; exit 1; }
TMP=$(mktemp -d /tmp/sg-mhttp.XXXXXX)
sg_on_exit "rm -rf $TMP"
MPORT=19751
URL=http://127.0.0.1:$MPORT

nsenter --net=/run/netns/"$NS" "$SG_BIN" metrics -l 127.0.0.1:$MPORT >"$TMP/out" 2>"$TMP/err" &
MPID=$!
sg_on_exit "kill $MPID"
for i in $(seq 100); do grep -q serving "$TMP/out" && break; sleep 0.1; done
grep -q "serving metrics on $URL/metrics" "$TMP/out" && sg_pass ${T}_ready ||
	{ sg_fail ${T}_ready "$(cat "$TMP/out" "$TMP/err")"; exit 1; }

C() { sg_in "$NS" curl -s --max-time 10 "$@"; }
code() { C -o /dev/null -w '%{http_code}' "$@"; }

# paths and methods
[ "$(code "$URL/metrics")" = 200 ] && sg_pass ${T}_get_200 || sg_fail ${T}_get_200 "$(code "$URL/metrics")"
ct=$(C -o /dev/null -w '%{content_type}' "$URL/metrics")
[[ $ct == "text/plain; version=0.0.4"* ]] && sg_pass ${T}_content_type || sg_fail ${T}_content_type "'$ct'"
[ "$(code "$URL/")" = 200 ] && C "$URL/" | grep -q '/metrics' && sg_pass ${T}_index ||
	sg_fail ${T}_index "$(C "$URL/")"
for p in /nope /metrics/ /metricsx "/metrics?x=1/../y" /favicon.ico; do
	c=$(code "$URL$p")
	# a query string does not change the path: /metrics?... is /metrics
	want=404; [[ $p == "/metrics?"* ]] && want=200
	[ "$c" = $want ] && sg_pass "${T}_path_${want}_$(echo "$p" | tr -c 'a-z0-9' _)" ||
		sg_fail "${T}_path_${want}_$(echo "$p" | tr -c 'a-z0-9' _)" "$p: $c"
done
for m in POST PUT DELETE PATCH OPTIONS; do
	hdrs=$(C -X $m -d 'x=1' -D - -o /dev/null "$URL/metrics")
	c=$(echo "$hdrs" | head -n 1 | awk '{print $2}')
	[ "$c" = 405 ] && echo "$hdrs" | grep -qi '^Allow: GET, HEAD' && sg_pass ${T}_${m}_405 ||
		sg_fail ${T}_${m}_405 "$(echo "$hdrs" | head -n 3 | tr '\r\n' '  ')"
done
[ "$(code -X POST "$URL/")" = 405 ] && sg_pass ${T}_post_index_405 || sg_fail ${T}_post_index_405 "$(code -X POST "$URL/")"
[ "$(code -X POST "$URL/nope")" = 404 ] && sg_pass ${T}_post_unknown_404 || sg_fail ${T}_post_unknown_404 ""
h=$(C -I "$URL/metrics")
len=$(echo "$h" | tr -d '\r' | sed -n 's/^Content-Length: //Ip')
[[ $(echo "$h" | head -n 1) == *200* ]] && [ "${len:-0}" -gt 1000 ] && sg_pass ${T}_head ||
	sg_fail ${T}_head "$h"

# concurrent scrapes: 16 clients x 8 scrapes, every body complete
for c in $(seq 16); do
	( for k in $(seq 8); do
		C -o "$TMP/body.$c.$k" -w '%{http_code}\n' "$URL/metrics"
	done ) >"$TMP/codes.$c" &
done
wait_pids=$(jobs -p | grep -v "^$MPID$")
for p in $wait_pids; do wait "$p"; done
codes=$(cat "$TMP"/codes.* | sort | uniq -c | tr -s ' ')
bad=0
for f in "$TMP"/body.*; do
	tail -n 1 "$f" | grep -q '^synguard_tracer' || { bad=$((bad + 1)); continue; }
	grep -q '^synguard_build_info' "$f" || bad=$((bad + 1))
done
n=$(ls "$TMP"/body.* | wc -l)
[ "$codes" = " 128 200" ] && [ "$n" = 128 ] && [ $bad = 0 ] && sg_pass ${T}_concurrent_scrapes ||
	sg_fail ${T}_concurrent_scrapes "codes: $codes, $n bodies, $bad incomplete"
# the scrape counter counted each one once (serialized, none lost)
s=$(C "$URL/metrics" | sed -n 's/^synguard_metrics_scrapes_total //p')
[ "${s:-0}" -ge 128 ] && sg_pass ${T}_scrapes_counted || sg_fail ${T}_scrapes_counted "'$s'"

# misbehaving clients
sg_in "$NS" python3 - $MPORT >"$TMP/abuse" 2>&1 <<'PY'
import socket, sys, time
port = int(sys.argv[1])
def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s
res = []
# 1. connect and close at once
for _ in range(20):
    conn().close()
# 2. half a request line, then close
for _ in range(20):
    s = conn(); s.sendall(b"GET /met"); s.close()
# 3. a full request, close before reading the (large) response
for _ in range(20):
    s = conn(); s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"); s.close()
# 4. read a little of the response, then reset the connection
for _ in range(10):
    s = conn(); s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"); s.recv(100)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.close()
# 5. garbage: must get an HTTP error, not a crash
s = conn(); s.sendall(b"\x00\xff\xfe garbage \r\n\r\n")
try:
    r = s.recv(100)
except Exception as e:
    r = b""
res.append("garbage:" + (r.split(b"\r\n")[0].decode(errors="replace") if r else "closed"))
s.close()
# 6. a huge header: refused, not buffered forever
s = conn()
try:
    s.sendall(b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 200000 + b"\r\n\r\n")
    r = s.recv(100)
except Exception:
    r = b""
res.append("huge:" + (r.split(b"\r\n")[0].decode(errors="replace") if r else "closed"))
s.close()
# 7. a stalled client holds one connection, the others still get served
stall = conn(); stall.sendall(b"GET /metrics HTTP/1.1\r\n")
s = conn(); s.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
res.append("while_stalled:" + data.split(b"\r\n")[0].decode())
stall.close()
print(" ".join(res))
PY
echo "abuse: $(cat "$TMP/abuse")"
grep -qE 'garbage:(HTTP/1.1 400|closed)' "$TMP/abuse" && sg_pass ${T}_garbage_refused || sg_fail ${T}_garbage_refused "$(cat "$TMP/abuse")"
grep -qE 'huge:(HTTP/1.1 4[0-9][0-9]|closed)' "$TMP/abuse" && sg_pass ${T}_huge_header_refused ||
	sg_fail ${T}_huge_header_refused "$(cat "$TMP/abuse")"
grep -q 'while_stalled:HTTP/1.0 200\|while_stalled:HTTP/1.1 200' "$TMP/abuse" && sg_pass ${T}_stalled_client_no_block ||
	sg_fail ${T}_stalled_client_no_block "$(cat "$TMP/abuse")"
kill -0 $MPID 2>/dev/null && [ "$(code "$URL/metrics")" = 200 ] && sg_pass ${T}_survives_abuse ||
	sg_fail ${T}_survives_abuse "server gone or not answering: $(cat "$TMP/err")"

# SIGINT: clean exit 0, within a second, port closed
kill -INT $MPID
t0=$(date +%s%N)
wait $MPID; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ $rc = 0 ] && [ $ms -lt 3000 ] && grep -q "stopped after" "$TMP/out" && sg_pass ${T}_sigint_clean ||
	sg_fail ${T}_sigint_clean "rc $rc after $ms ms: $(tail -n 2 "$TMP/out" "$TMP/err")"
[ "$(code "$URL/metrics")" = 000 ] && sg_pass ${T}_port_closed || sg_fail ${T}_port_closed "still answering"
exit 0
