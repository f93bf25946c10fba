#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A real Prometheus (Debian's /usr/bin/prometheus) scrapes `synguard metrics`
# every second while the test makes N connections through synguard's XDP
# cookie path. Prometheus' HTTP API must then return the defense counters
# with the values `synguard stats -j` reports, and the handshake histograms
# and per-port counters with exactly N connections; `promtool check metrics`
# must accept the exposition.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
. "$SG_TOP/tests/lib/defense.sh"

T=metrics_prom
sg_require_root $T
sg_def_require $T
sg_def_require_handoff $T
for b in prometheus promtool curl; do
	command -v $b >/dev/null || { sg_skip $T "$b not installed (scripts/deps.sh installs it)"; exit 0; }
done
sg_mount_fs
sg_lab || { sg_fail $T "cannot build the lab"; exit 1; }
TMP=$(mktemp -d /tmp/sg-prom.XXXXXX)
sg_on_exit "rm -rf $TMP"
# the tracer sees every namespace: a port no other test uses
PORT=$((20000 + $$ % 20000)) N=${SG_PROM_CONNS:-40}
# a fresh namespace has nothing listening: fixed ports inside it are free
MPORT=19750 PPORT=19090

SG_DEF_LOG=$TMP/protect.log sg_def_protect $PORT || { sg_fail ${T}_protect "$(cat "$TMP/protect.log")"; exit 1; }

# metrics inside the server namespace (it sees that namespace's interfaces)
nsenter --net=/run/netns/"$NS_S" "$SG_BIN" metrics -j -l 127.0.0.1:$MPORT >"$TMP/metrics.out" 2>"$TMP/metrics.err" &
MPID=$!
sg_on_exit "kill $MPID"
for i in $(seq 100); do grep -q '"ready"' "$TMP/metrics.out" && break; sleep 0.1; done
grep -q '"ready"' "$TMP/metrics.out" && sg_pass ${T}_metrics_ready ||
	{ sg_fail ${T}_metrics_ready "$(cat "$TMP/metrics.out" "$TMP/metrics.err")"; exit 1; }
[ "$(jq -r .syn_arrival_ifname "$TMP/metrics.out" | head -n 1)" = "$IF_S" ] &&
	sg_pass ${T}_tracer_uses_xdp_arrivals ||
	sg_fail ${T}_tracer_uses_xdp_arrivals "$(head -n 1 "$TMP/metrics.out")"

cat >"$TMP/prometheus.yml" <<EOC
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: synguard
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
EOC
nsenter --net=/run/netns/"$NS_S" prometheus --config.file="$TMP/prometheus.yml" \
	--storage.tsdb.path="$TMP/tsdb" --web.listen-address=127.0.0.1:$PPORT \
	--log.level=warn >"$TMP/prometheus.log" 2>&1 &
PROM=$!
sg_on_exit "kill $PROM; wait $PROM"

# q EXPR: the API's result vector as JSON (queried from inside the namespace)
q() {
	sg_in "$NS_S" curl -s --max-time 5 -G "http://127.0.0.1:$PPORT/api/v1/query" \
		--data-urlencode "query=$1"
}
# qv EXPR: the value of a one-series result ("" if none)
qv() { q "$1" | jq -r 'if .data.result | length == 1 then .data.result[0].value[1] else "" end'; }

up=""
for i in $(seq 60); do
	up=$(qv 'up{job="synguard"}')
	[ "$up" = 1 ] && break
	sleep 0.5
done
[ "$up" = 1 ] && sg_pass ${T}_prometheus_scrapes ||
	{ sg_fail ${T}_prometheus_scrapes "up=$up: $(tail -n 5 "$TMP/prometheus.log")"; exit 1; }

# the traffic: N connections to the protected port, each through a cookie
nsenter --net=/run/netns/"$NS_S" "$SG_SERVER" -4 -p $PORT --accept-only -c $N -t 60 -q \
	>"$TMP/server.out" 2>&1 &
SPID=$!
sg_on_exit "kill $SPID"
sg_wait_port "$NS_S" $PORT || { sg_fail ${T}_server "did not listen"; exit 1; }
sg_in "$NS_C" "$SG_CLIENT" -4 -n 0 -c $N -P 4 -q "$ADDR_S4" $PORT >"$TMP/client.out" 2>&1
rc=$?
wait $SPID
[ $rc = 0 ] && sg_pass ${T}_traffic || sg_fail ${T}_traffic "client rc $rc: $(cat "$TMP/client.out")"

stats=$(sg_def_stats)
synack=$(sg_def_counter "$stats" synack_sent)
valid=$(sg_def_counter "$stats" ack_cookie_valid)
hok=$(sg_def_counter "$stats" handoff_ok)
echo "stats: synack_sent=$synack ack_cookie_valid=$valid handoff_ok=$hok"
[ "$hok" -ge "$N" ] 2>/dev/null && sg_pass ${T}_cookie_path_used ||
	sg_fail ${T}_cookie_path_used "handoff_ok=$hok after $N connections: $stats"

# wait until Prometheus has a scrape from after the traffic
got=""
for i in $(seq 40); do
	got=$(qv "synguard_synack_sent_total{ifname=\"$IF_S\"}")
	[ "$got" = "$synack" ] && break
	sleep 0.5
done
[ "$got" = "$synack" ] && sg_pass ${T}_synack_sent_matches_stats ||
	sg_fail ${T}_synack_sent_matches_stats "prometheus $got, stats $synack"
for c in ack_cookie_valid handoff_ok established_pass pass_non_tcp; do
	want=$(sg_def_counter "$stats" $c)
	v=$(qv "synguard_${c}_total{ifname=\"$IF_S\"}")
	# established_pass/pass_non_tcp may still move (Prometheus' own traffic
	# is on lo, not on the veth, but neighbour traffic is): at least as large
	if [ "$v" = "$want" ] || { [[ $c == established_pass || $c == pass_non_tcp ]] &&
		[ "${v:-0}" -ge "$want" ] 2>/dev/null; }; then
		sg_pass ${T}_${c}_matches
	else
		sg_fail ${T}_${c}_matches "prometheus '$v', stats $want"
	fi
done
v=$(qv "sum(synguard_xdp_packets_total{ifname=\"$IF_S\",action=\"tx\"})")
[ "$v" = "$synack" ] && sg_pass ${T}_packets_by_action ||
	sg_fail ${T}_packets_by_action "tx $v, synack_sent $synack"
v=$(qv "synguard_protected{ifname=\"$IF_S\"}")
[ "$v" = 1 ] && sg_pass ${T}_protected_gauge || sg_fail ${T}_protected_gauge "'$v'"
v=$(qv "synguard_interface_info{ifname=\"$IF_S\",ports=\"$PORT\",mode=\"native\"}")
[ "$v" = 1 ] && sg_pass ${T}_interface_info || sg_fail ${T}_interface_info "'$v': $(q 'synguard_interface_info')"

# the histograms: every connection once on each side. Server handshakes are
# timed from the XDP SYN arrival or, when the tracer has none for a
# connection, from the kernel's SYN-ACK RTT ("basis"): count both.
H=synguard_tcp_handshake_duration_seconds
v=$(qv "sum(${H}_count{port=\"$PORT\"})")
[ "$v" = "$N" ] && sg_pass ${T}_handshake_count || sg_fail ${T}_handshake_count "'$v', want $N: $(q "${H}_count")"
q "${H}_count{port=\"$PORT\"}" | jq -c '.data.result[] | {basis: .metric.basis, n: .value[1]}'
v=$(qv "sum(${H}_bucket{port=\"$PORT\",le=\"+Inf\"})")
[ "$v" = "$N" ] && sg_pass ${T}_handshake_inf_bucket || sg_fail ${T}_handshake_inf_bucket "'$v', want $N"
v=$(qv "synguard_tcp_connect_duration_seconds_count{port=\"$PORT\"}")
[ "$v" = "$N" ] && sg_pass ${T}_connect_count || sg_fail ${T}_connect_count "'$v', want $N"
v=$(qv "synguard_tcp_handshake_ok_total{side=\"server\",port=\"$PORT\"}")
[ "$v" = "$N" ] && sg_pass ${T}_handshake_ok_total || sg_fail ${T}_handshake_ok_total "'$v', want $N"
v=$(qv "synguard_tcp_connect_ok_total{side=\"client\",port=\"$PORT\"}")
[ "$v" = "$N" ] && sg_pass ${T}_connect_ok_total || sg_fail ${T}_connect_ok_total "'$v', want $N"
# buckets: cumulative, monotone in le, ending at the count
chk=$(q "sum by (le) (${H}_bucket{port=\"$PORT\"})" | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
b = sorted((float(s["metric"]["le"]), int(s["value"][1])) for s in r)
bad = []
if len(b) < 10: bad.append("only %d buckets" % len(b))
if any(b[i][1] > b[i + 1][1] for i in range(len(b) - 1)): bad.append("not monotone")
if b and b[-1][1] != int(sys.argv[1]): bad.append("+Inf %d" % b[-1][1])
if b and b[0][1] == b[-1][1]: bad.append("everything below the first bound")
print(" ".join(bad))' "$N" 2>&1)
[ -z "$chk" ] && sg_pass ${T}_buckets_cumulative || sg_fail ${T}_buckets_cumulative "$chk"
# PromQL on them works: a median between 1 us and 1 s
v=$(qv "histogram_quantile(0.5, sum by (le) (${H}_bucket{port=\"$PORT\"}))")
python3 -c 'import sys; v = float(sys.argv[1]); sys.exit(0 if 1e-6 <= v <= 1 else 1)' "$v" 2>/dev/null &&
	sg_pass ${T}_histogram_quantile || sg_fail ${T}_histogram_quantile "median '$v'"
v=$(qv 'synguard_tracer_up')
[ "$v" = 1 ] && sg_pass ${T}_tracer_up || sg_fail ${T}_tracer_up "'$v'"
v=$(q 'synguard_tracer_lost_total' | jq '.data.result | length')
[ "${v:-0}" -ge 5 ] && sg_pass ${T}_loss_counters || sg_fail ${T}_loss_counters "$v series"

# the exposition itself passes promtool's lint
sg_in "$NS_S" curl -s --max-time 5 "http://127.0.0.1:$MPORT/metrics" >"$TMP/expo.txt"
if out=$(promtool check metrics <"$TMP/expo.txt" 2>&1); then
	sg_pass ${T}_promtool_check
else
	sg_fail ${T}_promtool_check "$(echo "$out" | head -n 5 | tr '\n' ' ')"
fi

# SIGTERM: clean exit, and the tracer's programs go with it
kill -TERM $MPID
wait $MPID; rc=$?
[ $rc = 0 ] && grep -q '"stopped"' "$TMP/metrics.out" && sg_pass ${T}_sigterm_clean ||
	sg_fail ${T}_sigterm_clean "rc $rc: $(tail -n 3 "$TMP/metrics.out" "$TMP/metrics.err")"
exit 0
