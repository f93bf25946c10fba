#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `synguard metrics` under clients that connect and never finish a request
# (issue 13 item 3): 500 idle and then 500 slowloris connections (one header
# byte every 200 ms, reconnecting when closed), first all from one source
# address, then from 20. Meanwhile real scrapes (curl --max-time 1, from
# another address and from an attacking one) must each be answered with 200
# within 1 s; the server must hold no more connections than its documented
# limits; its RSS must stay bounded; the header timeout must close slow and
# idle clients; and the endpoint must work afterwards.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"

T=metrics_abuse
sg_require_root $T
[ -x "$SG_BIN" ] || { sg_skip $T "$SG_BIN not built (run make)"; exit 0; }
HOLD=$SG_TOOLS/sg_hold
[ -x "$HOLD" ] || HOLD=$(dirname "$0")/../../build/tests/tools/sg_hold
[ -x "$HOLD" ] || { sg_skip $T "sg_hold not built (run make)"; exit 0; }
for b in curl python3 ss; do
	command -v $b >/dev/null || { sg_skip $T "$b not installed"; exit 0; }
done
sg_mount_fs
NS_S=${SG_NS_PREFIX}as NS_C=${SG_NS_PREFIX}ac
sg_netns "$NS_S" && sg_netns "$NS_C" && sg_veth "$NS_S" sgas0 "$NS_C" sgac0 ||
	{ sg_fail $T "cannot build the namespaces"; exit 1; }
ip -n "$NS_S" addr add 10.79.0.1/24 dev sgas0
ip -n "$NS_C" addr add 10.79.0.2/24 dev sgac0		# the scraper
for i in $(seq 10 31); do ip -n "$NS_C" addr add 10.79.0.$i/24 dev sgac0; done
ip -n "$NS_S" addr add fd79::1/64 dev sgas0 nodad
for i in 2 10 11 12 13; do ip -n "$NS_C" addr add fd79::$i/64 dev sgac0 nodad; done
TMP=$(mktemp -d /tmp/sg-mabuse.XXXXXX)
sg_on_exit "rm -rf $TMP"
MPORT=19771
URL=http://10.79.0.1:$MPORT/metrics
# the documented defaults (docs/synguard.8.md, metrics)
PER_SOURCE=32 MAX_CONNS=128

# nsenter execs the program: $! is synguard itself (its RSS, its exit code)
# SG_ABUSE_TRACER=1: with the handshake tracer, tracing the metrics port
# itself (every attacking connection is an event: the worst case)
TRACER_OPT=(--no-tracer)
[ -n "${SG_ABUSE_TRACER:-}" ] && TRACER_OPT=(--port $MPORT)
nsenter --net=/run/netns/"$NS_S" "$SG_BIN" metrics "${TRACER_OPT[@]}" -l 10.79.0.1:$MPORT >"$TMP/out" 2>"$TMP/err" &
MPID=$!
sg_on_exit "kill $MPID"
for i in $(seq 100); do grep -qs serving "$TMP/out" && break; sleep 0.1; done
grep -q serving "$TMP/out" && sg_pass ${T}_ready || { sg_fail ${T}_ready "$(cat "$TMP/out" "$TMP/err")"; exit 1; }

rss_kb() { awk '/^VmRSS:/ { print $2 }' /proc/$MPID/status 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' /proc/$MPID/status 2>/dev/null || echo 0; }
# scrape SRC: "CODE SECONDS" of one scrape from SRC, at most 1 s
scrape() {
	sg_in "$NS_C" curl -s -o "$TMP/body" --interface "$1" --max-time 1 \
		-w '%{http_code} %{time_total}\n' "$URL" 2>/dev/null || true
}
# scrapes NAME SRC K [TRIES]: K scrapes 0.3 s apart; every one 200 within
# 1 s, with a complete body. TRIES (default 1) attempts per scrape: for a
# scraper that shares the attackers' address, whose connection a burst of
# that source's reconnects can close before its request arrived (the server
# closes the longest-waiting connection of a source over its limit). On this
# shared 2-CPU machine one scrape per call may be slow (no answer within
# 1 s) without failing the check; a refused or reset scrape always fails it.
# A slow guest (tests/vm, two TCG guests on 2 CPUs) answers some scrapes
# late and counts closing connections for a while: the same checks, with
# slack in the timing only (a refused or reset scrape still fails)
if [ "${SG_SLOW_GUEST:-0}" = 1 ]; then SLOW_OK=3 HELD_SLACK=12 START_TRIES=100 HOLD_S=12
else SLOW_OK=1 HELD_SLACK=4 START_TRIES=30 HOLD_S=4; fi
scrapes() {
	local name=$1 src=$2 k=$3 tries=${4:-1} refused=0 slow=0 all="" r ok was_slow
	for i in $(seq "$k"); do
		was_slow=0
		for j in $(seq "$tries"); do
			r=$(scrape "$src")
			all="$all ${r:-none}"
			ok=0
			[[ $r == "200 "* ]] && grep -q '^synguard_build_info' "$TMP/body" && ok=1
			[ $ok = 1 ] && break
			awk -v t="${r#* }" 'BEGIN { exit !(t >= 0.95) }' && was_slow=1
		done
		if [ $ok = 0 ]; then
			[ $was_slow = 1 ] && slow=$((slow + 1)) || refused=$((refused + 1))
		fi
		sleep 0.3
	done
	echo "$name:$all"
	[ $refused = 0 ] && [ $slow -le $SLOW_OK ] && sg_pass "$name" ||
		sg_fail "$name" "of $k scrapes $refused refused/reset and $slow not answered in 1 s:$all"
}
# held PORT: established connections on PORT, the median of 5 samples 0.1 s
# apart: a reconnecting burst sits in the accept queue (established too) for
# a moment, and a timeout empties the server for a moment; what the server
# keeps holding is the question
held() {
	local i
	for i in 1 2 3 4 5; do
		ip netns exec "$NS_S" ss -Htn state established "( sport = :$1 )" | wc -l
		sleep 0.1
	done | sort -n | sed -n 3p
}
server_conns() { held $MPORT; }
# holders: background sg_hold processes of the current phase
HOLDERS=()
hold() { # LOG ARGS...
	local log=$1; shift
	nsenter --net=/run/netns/"$NS_C" "$HOLD" -a 10.79.0.1 -p $MPORT "$@" >"$log" 2>&1 &
	HOLDERS+=($!)
	sg_on_exit "kill $!"
}
stop_holders() {
	local p
	for p in "${HOLDERS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${HOLDERS[@]}"; do wait "$p" 2>/dev/null; done
	HOLDERS=()
}
last() { tail -n 1 "$1"; }
field() { sed -n "s/.* $2=\([0-9]*\).*/\1/p" <<<"$1"; }

scrapes ${T}_baseline 10.79.0.2 3
RSS0=$(rss_kb)
# peak RSS from here on (start-up, e.g. loading the tracer, is not the question)
echo 5 >/proc/$MPID/clear_refs 2>/dev/null
echo "rss before: $RSS0 kB"

# phase 1: everything from one source
hold "$TMP/idle1" -n 500 -s 10.79.0.10 --mode idle
sleep 2
hold "$TMP/slow1" -n 500 -s 10.79.0.10 --mode slowloris --byte-ms 200
sleep 2
n=$(server_conns); rss1=$(rss_kb)
echo "one source: server holds $n connections, rss $rss1 kB; $(last "$TMP/idle1"); $(last "$TMP/slow1")"
scrapes ${T}_one_source_scrapes_1s 10.79.0.2 6
# best effort for a scraper that shares the attackers' address: its
# connection is that source's newest, closed once 32 more arrived before its
# request did; at least one of 5 tries must be answered within 1 s
scrapes ${T}_one_source_same_address_scrapes_1s 10.79.0.10 1 5
e1=$(field "$(last "$TMP/idle1")" established) e2=$(field "$(last "$TMP/slow1")" established)
[ "${e1:-0}" -ge 500 ] && [ "${e2:-0}" -ge 500 ] && sg_pass ${T}_one_source_attack_real ||
	sg_fail ${T}_one_source_attack_real "connections made: idle ${e1:-?}, slowloris ${e2:-?}"
# the source's connections (plus the scraper's and those closing)
n=$(server_conns)
# (a count at one moment, behind the evictions on a TCG guest: 69 of 32 there)
if sg_timing_sensitive ${T}_one_source_limited; then
[ "$n" -ge $((PER_SOURCE / 2)) ] && [ "$n" -le $((PER_SOURCE + 4)) ] &&
	sg_pass ${T}_one_source_limited || sg_fail ${T}_one_source_limited "server holds $n connections (limit $PER_SOURCE per source)"
fi
stop_holders

# phase 2: 20 sources, 10 idle and 10 slowloris
idle_src=() slow_src=()
for i in $(seq 10 19); do idle_src+=(-s 10.79.0.$i); done
for i in $(seq 20 29); do slow_src+=(-s 10.79.0.$i); done
hold "$TMP/idle2" -n 500 "${idle_src[@]}" --mode idle
sleep 2
hold "$TMP/slow2" -n 500 "${slow_src[@]}" --mode slowloris --byte-ms 200
sleep 2
n=$(server_conns); rss2=$(rss_kb)
echo "20 sources: server holds $n connections, rss $rss2 kB; $(last "$TMP/idle2"); $(last "$TMP/slow2")"
scrapes ${T}_many_sources_scrapes_1s 10.79.0.2 6
scrapes ${T}_many_sources_attacker_address_scrapes_1s 10.79.0.25 1 5
e1=$(field "$(last "$TMP/idle2")" established) e2=$(field "$(last "$TMP/slow2")" established)
[ "${e1:-0}" -ge 500 ] && [ "${e2:-0}" -ge 500 ] && sg_pass ${T}_many_sources_attack_real ||
	sg_fail ${T}_many_sources_attack_real "connections made: idle ${e1:-?}, slowloris ${e2:-?}"
n=$(server_conns)
if sg_timing_sensitive ${T}_many_sources_limited; then
[ "$n" -ge $((MAX_CONNS / 2)) ] && [ "$n" -le $((MAX_CONNS + 8)) ] &&
	sg_pass ${T}_many_sources_limited || sg_fail ${T}_many_sources_limited "server holds $n connections (limit $MAX_CONNS)"
fi
rss3=$(rss_kb)
echo "server CPU so far: $(awk -v hz=$(getconf CLK_TCK) '{ printf "%.2f s", ($14 + $15) / hz }' /proc/$MPID/stat)"
stop_holders
hwm=$(hwm_kb)
for r in $rss1 $rss2 $rss3; do [ "$r" -gt "$hwm" ] && hwm=$r; done	# VmHWM lags
echo "rss: before $RSS0 kB, one source $rss1 kB, 20 sources $rss2/$rss3 kB, peak $hwm kB"
# 128 connections with a 32 KiB MHD pool each are 4 MiB: allow 16 MiB of growth
[ "$hwm" -gt 0 ] && [ "$hwm" -le $((RSS0 + 16384)) ] && sg_pass ${T}_rss_bounded ||
	sg_fail ${T}_rss_bounded "peak RSS $hwm kB, $RSS0 kB before the attack"

# timeouts: 5 slowloris and 5 idle clients (within every limit) are closed
# by the 5 s header timeout, not before 4 s and all by 8 s
hold "$TMP/slow3" -n 5 -s 10.79.0.30 --mode slowloris --byte-ms 200 --reconnect-ms 60000 -d 8
hold "$TMP/idle3" -n 5 -s 10.79.0.31 --mode idle --reconnect-ms 60000 -d 8
sleep 3.5
early_s=$(field "$(last "$TMP/slow3")" closed_by_server) early_i=$(field "$(last "$TMP/idle3")" closed_by_server)
for p in "${HOLDERS[@]}"; do wait "$p" 2>/dev/null; done
HOLDERS=()
ls=$(last "$TMP/slow3") li=$(last "$TMP/idle3")
echo "header timeout: after 3.5 s closed $early_s slowloris, $early_i idle; at the end: $ls / $li"
[ "${early_s:-1}" = 0 ] && [ "$(field "$ls" closed_by_server)" = 5 ] && sg_pass ${T}_header_timeout_slowloris ||
	sg_fail ${T}_header_timeout_slowloris "closed by 3.5 s: ${early_s:-?}, by 8 s: $ls"
if sg_timing_sensitive ${T}_header_timeout_idle; then
[ "${early_i:-1}" = 0 ] && [ "$(field "$li" closed_by_server)" = 5 ] && sg_pass ${T}_header_timeout_idle ||
	sg_fail ${T}_header_timeout_idle "closed by 3.5 s: ${early_i:-?}, by 8 s: $li"
fi

# IPv6: one /64 is one source. 500 slowloris from 4 addresses of fd79::/64;
# a scraper in that /64 still gets through (it evicts the longest waiting)
nsenter --net=/run/netns/"$NS_S" "$SG_BIN" metrics --no-tracer -l "[fd79::1]:$((MPORT + 1))" \
	>"$TMP/out6" 2>"$TMP/err6" &
M6=$!
sg_on_exit "kill $M6"
for i in $(seq 100); do grep -qs serving "$TMP/out6" && break; sleep 0.1; done
nsenter --net=/run/netns/"$NS_C" "$HOLD" -a fd79::1 -p $((MPORT + 1)) -n 500 -s fd79::10 -s fd79::11 \
	-s fd79::12 -s fd79::13 --mode slowloris >"$TMP/slow6" 2>&1 &
HOLDERS+=($!)
sg_on_exit "kill $!"
sleep 3
n6=$(held $((MPORT + 1)))
bad=0 all=""
for i in 1; do
	for j in 1 2 3 4 5; do	# best effort: the scraper shares the attackers' /64
		r=$(sg_in "$NS_C" curl -s -o /dev/null --interface fd79::2 --max-time 1 \
			-w '%{http_code} %{time_total}' "http://[fd79::1]:$((MPORT + 1))/metrics" 2>/dev/null)
		all="$all ${r:-none}"
		[[ $r == "200 "* ]] && break
	done
	[[ $r == "200 "* ]] || bad=$((bad + 1))
	sleep 0.3
done
echo "ipv6: server holds $n6 connections; scrapes:$all; $(last "$TMP/slow6")"
[ $bad = 0 ] && sg_pass ${T}_ipv6_same_64_scrapes_1s || sg_fail ${T}_ipv6_same_64_scrapes_1s "$all"
[ "$n6" -ge $((PER_SOURCE / 2)) ] && [ "$n6" -le $((PER_SOURCE + HELD_SLACK)) ] && sg_pass ${T}_ipv6_64_is_one_source ||
	sg_fail ${T}_ipv6_64_is_one_source "server holds $n6 connections from one /64 (limit $PER_SOURCE)"
stop_holders
kill $M6; wait $M6 2>/dev/null

# the options: --header-timeout 1 closes a slowloris client after ~1 s;
# --idle-timeout 2 closes a kept-alive connection ~2 s after its response
nsenter --net=/run/netns/"$NS_S" "$SG_BIN" metrics --no-tracer -l 10.79.0.1:$((MPORT + 2)) \
	--header-timeout 1 --idle-timeout 2 --max-conns-per-source 4 --max-connections 8 \
	>"$TMP/outo" 2>"$TMP/erro" &
MO=$!
sg_on_exit "kill $MO"
for i in $(seq 100); do grep -qs serving "$TMP/outo" && break; sleep 0.1; done
sg_in "$NS_C" python3 - $((MPORT + 2)) >"$TMP/opts" 2>&1 <<'PY'
import socket, sys, time
port = int(sys.argv[1])
def closed_after(s, limit):
    """seconds until the server closes s (reading what it sends), or -1"""
    t0 = time.monotonic()
    s.settimeout(0.05)
    while time.monotonic() - t0 < limit:
        try:
            s.send(b"X")  # slowloris: one header byte every 50 ms
        except OSError:
            return time.monotonic() - t0
        try:
            if s.recv(65536) == b"":
                return time.monotonic() - t0
        except socket.timeout:
            pass
        except OSError:
            return time.monotonic() - t0
    return -1
s = socket.create_connection(("10.79.0.1", port), source_address=("10.79.0.30", 0))
s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ")
slow = closed_after(s, 4)
# keep-alive: one full request and its response, then silence
k = socket.create_connection(("10.79.0.1", port), source_address=("10.79.0.31", 0))
k.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
k.settimeout(5)
data = b""
while b"synguard_metrics_scrapes_total" not in data:
    chunk = k.recv(65536)
    if not chunk:
        break
    data += chunk
t0 = time.monotonic()
k.settimeout(6)
try:
    r = k.recv(100)
except OSError:
    r = b""
idle = time.monotonic() - t0 if r == b"" else -1
print("slowloris_closed_s=%.2f keepalive_closed_s=%.2f" % (slow, idle))
PY
echo "options: $(cat "$TMP/opts")"
read -r slow idle < <(sed -n 's/slowloris_closed_s=\([-0-9.]*\) keepalive_closed_s=\([-0-9.]*\)/\1 \2/p' "$TMP/opts")
awk -v s="${slow:--1}" 'BEGIN { exit !(s >= 0.8 && s <= 2.5) }' && sg_pass ${T}_option_header_timeout ||
	sg_fail ${T}_option_header_timeout "$(cat "$TMP/opts" "$TMP/erro" | tail -n 3)"
if sg_timing_sensitive ${T}_option_idle_timeout; then
awk -v s="${idle:--1}" 'BEGIN { exit !(s >= 1.5 && s <= 4) }' && sg_pass ${T}_option_idle_timeout ||
	sg_fail ${T}_option_idle_timeout "$(cat "$TMP/opts" "$TMP/erro" | tail -n 3)"
fi
# --max-conns-per-source 4: 50 idle clients from one address leave 4
nsenter --net=/run/netns/"$NS_C" "$HOLD" -a 10.79.0.1 -p $((MPORT + 2)) -n 50 -s 10.79.0.12 \
	--mode idle --reconnect-ms 200 -d $HOLD_S >/dev/null 2>&1 &
HOLDERS+=($!)
for i in $(seq $START_TRIES); do	# until the holder runs (slow to start on a loaded machine)
	[ "$(ip netns exec "$NS_S" ss -Htn state established "( sport = :$((MPORT + 2)) )" | wc -l)" -gt 0 ] && break
	sleep 0.1
done
no=$(held $((MPORT + 2)))
[ "$no" -ge 2 ] && [ "$no" -le 5 ] && sg_pass ${T}_option_per_source ||
	sg_fail ${T}_option_per_source "$no connections held"
for p in "${HOLDERS[@]}"; do wait "$p" 2>/dev/null; done
HOLDERS=()
kill $MO; wait $MO 2>/dev/null

# afterwards: alive, answering, the connections gone
kill -0 $MPID 2>/dev/null && scrapes ${T}_after 10.79.0.2 3
sleep 0.5
n=$(server_conns)
[ "$n" -le 1 ] && sg_pass ${T}_connections_released || sg_fail ${T}_connections_released "$n still established"
kill -INT $MPID
wait $MPID; rc=$?
[ $rc = 0 ] && sg_pass ${T}_clean_exit || sg_fail ${T}_clean_exit "exit $rc: $(tail -n 3 "$TMP/err")"
exit 0
