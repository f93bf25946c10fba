#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# JSON output of protect/status/stats/unprotect parses and carries the
# documented fields; the stats totals are consistent with the raw counters;
# counters move with traffic; `stats --interval` prints one JSON object per
# line, stops after --count and on SIGINT.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
. "$SG_TOP/tests/lib/cli.sh"

T=cli_json
sg_require_root $T
[ -x "$SG_BIN" ] || { sg_skip $T "$SG_BIN not built (run make)"; exit 0; }
sg_mount_fs
sg_lab || { sg_fail $T "cannot build the lab"; exit 1; }
sg_cli_unprotect_on_exit "$NS_S" "$IF_S"
TMP=$(mktemp -d /tmp/sg-clijson.XXXXXX)
sg_on_exit "rm -rf $TMP"
S() { sg_in "$NS_S" "$SG_BIN" "$@"; }

# has_fields NAME JSON PYEXPR-OF-OBJECT FIELD...: the object has every field
has_fields() {
	local name=$1 json=$2 obj=$3; shift 3
	local missing
	missing=$(python3 -c '
import json, sys
d = json.loads(sys.argv[1]); o = eval(sys.argv[2])
print(" ".join(f for f in sys.argv[3:] if f not in o))' "$json" "$obj" "$@" 2>&1)
	[ -z "$missing" ] && sg_pass "$name" || sg_fail "$name" "missing: $missing in $json"
}
parses() { # NAME JSON
	echo "$2" | python3 -m json.tool >/dev/null 2>&1 && sg_pass "$1" || sg_fail "$1" "not JSON: $2"
}

out=$(S protect "$IF_S" --ports 80,8000-8001 --ttl 70 -j)
parses ${T}_protect_parses "$out"
has_fields ${T}_protect_fields "$out" d action ifname ifindex mode ports ttl key_source \
	xdp_prog_id tc_prog_id pin_dir
out=$(S -p status)
parses ${T}_status_pretty_parses "$out"
[ "$(echo "$out" | wc -l)" -gt 3 ] && sg_pass ${T}_pretty_is_indented ||
	sg_fail ${T}_pretty_is_indented "$out"
out=$(S status -j)
has_fields ${T}_status_fields "$out" 'd["interfaces"][0]' ifname ifindex ports mode since \
	since_unix ttl xdp_prog_id tc_prog_id pin_dir
[ "$(sg_json_get "$out" 'd["interfaces"][0]["ports"]')" = "[80, 8000, 8001]" ] &&
	[ "$(sg_json_get "$out" 'd["interfaces"][0]["ttl"]')" = 70 ] &&
	[ "$(sg_json_get "$out" 'd["interfaces"][0]["mode"]')" = native ] &&
	sg_pass ${T}_status_values || sg_fail ${T}_status_values "$out"
since=$(sg_json_get "$out" 'd["interfaces"][0]["since"]')
[[ $since =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] &&
	sg_pass ${T}_since_iso || sg_fail ${T}_since_iso "$since"

# traffic through the protected device: SYNs to a closed, unprotected port
# (each passes XDP, the kernel answers RST)
knock() { ip netns exec "$NS_C" timeout 1 bash -c "echo >/dev/tcp/$ADDR_S4/9" 2>/dev/null; }
for i in 1 2 3 4 5; do knock; done
out=$(S stats "$IF_S" -j)
parses ${T}_stats_parses "$out"
has_fields ${T}_stats_fields "$out" 'd["interfaces"][0]' ifname ifindex syn synack_sent \
	ack_cookie_valid ack_cookie_invalid established_pass pass drop drops pass_non_tcp \
	drop_syn_fin handoff_ok handoff_fail
chk=$(python3 -c '
import json, sys
o = json.loads(sys.argv[1])["interfaces"][0]
names = ["pass_non_tcp","pass_unprotected","pass_fragment","pass_malformed",
	"pass_syn_no_listener","pass_syn_existing","pass_syn_tx_error","pass_ack_no_socket",
	"established_pass","ack_cookie_valid","pass_other","pass_not_local",
	"would_drop_syn_limited","would_drop_synack_capped",
	"pass_allow_syn","pass_allow_ack","would_drop_deny_syn","would_drop_deny_ack",
	"pass_syn_disengaged","pass_ack_kernel_cookie",
	"pass_ack_recent"]
drops = ["ack_cookie_invalid","drop_syn_fin","drop_syn_rst","drop_no_flags","drop_fin_psh_urg",
	"drop_rst_capped","drop_martian","drop_bad_csum","drop_fragment","drop_unchecked","drop_syn_limited","drop_synack_capped","drop_deny_syn","drop_deny_ack",
	"drop_ack_maybe_ours"]
bad = []
if o["syn"] != o["synack_sent"] + o["pass_syn_no_listener"] + o["pass_syn_existing"] + o["pass_syn_tx_error"] + o.get("pass_syn_kernel", 0) + o["drop_syn_limited"] + o["drop_synack_capped"] + o["would_drop_syn_limited"] + o["would_drop_synack_capped"] + o["pass_allow_syn"] + o["drop_deny_syn"] + o["would_drop_deny_syn"] + o["pass_syn_disengaged"]: bad.append("syn")
if o["pass"] != sum(o[n] for n in names): bad.append("pass")
if o["drop"] != sum(o[n] for n in drops) or o["drop"] != sum(o["drops"].values()): bad.append("drop")
if sorted(o["drops"]) != sorted(drops): bad.append("drops keys")
if not all(isinstance(v, int) for k, v in o.items() if k not in ("ifname", "drops", "engaged_ports")): bad.append("ints")
if o["pass"] < 5: bad.append("pass=%d after 5 SYNs" % o["pass"])
print(" ".join(bad))' "$out" 2>&1)
[ -z "$chk" ] && sg_pass ${T}_stats_consistent || sg_fail ${T}_stats_consistent "$chk: $out"
S stats "$IF_S" | grep -qE '^pass +[1-9]' && sg_pass ${T}_stats_text_table ||
	sg_fail ${T}_stats_text_table "$(S stats "$IF_S")"

# --interval --count: N lines, each a JSON object with deltas and rates
( while :; do knock; sleep 0.05; done ) >/dev/null 2>&1 &
PP=$!
sg_on_exit "kill $PP"
# a slow guest (tests/vm, SG_SLOW_GUEST=1) needs longer than 0.3 s per knock
IV=0.3; [ "${SG_SLOW_GUEST:-0}" = 1 ] && IV=1.5
S stats "$IF_S" -j --interval $IV --count 3 >"$TMP/iv" 2>"$TMP/iv.err"
rc=$?
n=$(wc -l <"$TMP/iv")
[ $rc = 0 ] && [ "$n" = 3 ] && sg_pass ${T}_interval_count || sg_fail ${T}_interval_count "rc $rc, $n lines: $(cat "$TMP/iv" "$TMP/iv.err")"
chk=$(python3 -c '
import json, sys
bad = []
for line in open(sys.argv[1]):
	o = json.loads(line)
	i = o["interfaces"][0]
	for k in ("deltas", "rates"):
		if "syn" not in i[k] or "drop" not in i[k] or "drops" not in i[k]: bad.append(k)
	iv = float(sys.argv[2])
	if not (iv * 0.66 < o["interval_s"] < iv * 5): bad.append("interval_s=%s" % o["interval_s"])
	r = i["rates"]["pass"]; dl = i["deltas"]["pass"]
	if abs(r * o["interval_s"] - dl) > 0.01 * max(dl, 1): bad.append("rate %s vs delta %s" % (r, dl))
print(" ".join(bad))' "$TMP/iv" $IV 2>&1)
[ -z "$chk" ] && sg_pass ${T}_interval_json || sg_fail ${T}_interval_json "$chk"
grep -q '"pass":[1-9]' "$TMP/iv" && sg_pass ${T}_interval_deltas_move ||
	sg_fail ${T}_interval_deltas_move "no interval saw traffic: $(head -c 400 "$TMP/iv")"
kill $PP 2>/dev/null

# SIGINT stops a running --interval cleanly (exit 0, whole lines)
# (nsenter execs synguard, so $! is synguard itself, not a subshell)
nsenter --net=/run/netns/"$NS_S" "$SG_BIN" stats "$IF_S" --interval 0.2 >"$TMP/sig" 2>&1 &
SP=$!
sg_on_exit "kill $SP"
# SIGINT only once it runs (its first line is out): a background job of a
# script starts with SIGINT ignored until synguard installs its handler,
# which a slow guest (tests/vm) may not have done after a fixed 0.9 s
for _ in $(seq 100); do [ -s "$TMP/sig" ] && break; sleep 0.1; done
sleep 0.5
kill -INT $SP
t0=$(date +%s%N)
wait $SP; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
LIM=1000; [ "${SG_SLOW_GUEST:-0}" = 1 ] && LIM=5000	# TCG guest: 5-20x slower
[ $rc = 0 ] && [ $ms -lt $LIM ] && grep -q SYN/s "$TMP/sig" && sg_pass ${T}_sigint_stops ||
	sg_fail ${T}_sigint_stops "rc $rc after ${ms} ms: $(cat "$TMP/sig")"

out=$(S unprotect "$IF_S" -j)
parses ${T}_unprotect_parses "$out"
has_fields ${T}_unprotect_fields "$out" d ifname was_protected xdp_prog_id tc_prog_id pin_dir
out=$(S status -j)
[ "$(sg_json_get "$out" 'd["interfaces"]')" = "[]" ] && sg_pass ${T}_status_empty_json ||
	sg_fail ${T}_status_empty_json "$out"
sg_check ${T}_nothing_left sg_nothing_attached "$NS_S" "$IF_S"
exit 0
