#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# An interface name with bytes that are not UTF-8 (\xff\xfe), a double quote
# and a backslash (Linux allows any byte but '/' and NUL): protect, status,
# stats and unprotect with -j must print strict JSON (valid UTF-8, parsed by
# python3's json and by jq) whose ifname reads as escape.h documents; their
# text output must be valid UTF-8 with the name escaped (\xff); the metrics
# exposition must pass `promtool check metrics` and carry the label escaped.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"

T=cli_escape
sg_require_root $T
[ -x "$SG_BIN" ] || { sg_skip $T "$SG_BIN not built (run make)"; exit 0; }
for b in jq python3 curl promtool; do
	command -v $b >/dev/null || { sg_skip $T "$b not installed (scripts/deps.sh)"; exit 0; }
done
sg_mount_fs
NS=${SG_NS_PREFIX}e
sg_netns "$NS" || { sg_fail $T "cannot create a namespace"; exit 1; }
TMP=$(mktemp -d /tmp/sg-esc.XXXXXX)
sg_on_exit "rm -rf $TMP"
NAME=$(printf 'sg\xff\xfe"\\q')		# 7 bytes: s g 0xff 0xfe " \ q
ip -n "$NS" link add "$NAME" type veth peer name sgep0 || { sg_fail ${T}_iface "cannot create it"; exit 1; }
ip -n "$NS" link set "$NAME" up && ip -n "$NS" link set sgep0 up
sg_on_exit "sg_in $NS $SG_BIN unprotect $(printf '%q' "$NAME")"
S() { sg_in "$NS" "$SG_BIN" "$@"; }

# strict NAME FILE PYEXPR: FILE is valid UTF-8, strict JSON for python3 and
# jq, and PYEXPR (of the parsed d) is the name as JSON shows it
WANT_JSON=$'sg\u00ff\u00fe"\\q'
strict() {
	local name=$1 file=$2 expr=$3 got
	got=$(python3 -c '
import json, sys
raw = open(sys.argv[1], "rb").read()
d = json.loads(raw.decode("utf-8"))	# strict: invalid UTF-8 raises
v = eval(sys.argv[2])
sys.stdout.write(v)' "$file" "$expr" 2>&1)
	if [ "$got" != "$WANT_JSON" ]; then
		sg_fail "$name" "python3: $(echo "$got" | tail -n 1) ($(od -c "$file" | head -n 3 | tr -s ' \n' ' '))"
		return
	fi
	jq -e . "$file" >/dev/null 2>&1 && sg_pass "$name" || sg_fail "$name" "jq refused it"
}
# text NAME FILE: valid UTF-8, with the name escaped and no raw 0xff/0xfe
WANT_TEXT='sg\xff\xfe"\\q'
text() {
	local name=$1 file=$2
	if ! python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$file" 2>/dev/null; then
		sg_fail "$name" "not UTF-8: $(od -c "$file" | head -n 2 | tr -s ' \n' ' ')"
	elif ! grep -qF -- "$WANT_TEXT" "$file"; then
		sg_fail "$name" "no '$WANT_TEXT' in: $(head -n 3 "$file")"
	else
		sg_pass "$name"
	fi
}

S protect "$NAME" --ports 80 -m skb -j >"$TMP/protect.json" 2>"$TMP/err" ||
	{ sg_fail ${T}_protect "exit $?: $(cat "$TMP/err")"; exit 1; }
strict ${T}_protect_json "$TMP/protect.json" 'd["ifname"]'
grep -q '"pin_dir"' "$TMP/protect.json" && [ "$(jq -r .pin_dir "$TMP/protect.json")" != null ] &&
	{ python3 -c '
import json, sys
d = json.loads(open(sys.argv[1], "rb").read().decode())
assert d["pin_dir"].endswith(sys.argv[2]), d["pin_dir"]' "$TMP/protect.json" "$WANT_JSON" 2>"$TMP/perr" &&
	sg_pass ${T}_protect_json_pin_dir || sg_fail ${T}_protect_json_pin_dir "$(tail -n 1 "$TMP/perr")"; }
S status -j >"$TMP/status.json" 2>"$TMP/err"
strict ${T}_status_json "$TMP/status.json" 'd["interfaces"][0]["ifname"]'
S stats "$NAME" -j >"$TMP/stats.json" 2>"$TMP/err"
strict ${T}_stats_json "$TMP/stats.json" 'd["interfaces"][0]["ifname"]'
S stats -j >"$TMP/stats_all.json" 2>"$TMP/err"
strict ${T}_stats_all_json "$TMP/stats_all.json" 'd["interfaces"][0]["ifname"]'
S stats -j --interval 0.2 --count 1 >"$TMP/stats_iv.json" 2>"$TMP/err"
strict ${T}_stats_interval_json "$TMP/stats_iv.json" 'd["interfaces"][0]["ifname"]'

# the text forms
S protect "$NAME" --ports 80,81 -m skb >"$TMP/protect.txt" 2>&1
text ${T}_protect_text "$TMP/protect.txt"
S status >"$TMP/status.txt" 2>&1
text ${T}_status_text "$TMP/status.txt"
S stats "$NAME" >"$TMP/stats.txt" 2>&1
text ${T}_stats_text "$TMP/stats.txt"
S stats --interval 0.2 --count 1 >"$TMP/stats_iv.txt" 2>&1
text ${T}_stats_interval_text "$TMP/stats_iv.txt"

# the exposition: promtool accepts it, the label is the name as escape.h says
MPORT=19761
nsenter --net=/run/netns/"$NS" "$SG_BIN" metrics --no-tracer -l 127.0.0.1:$MPORT >"$TMP/m.out" 2>"$TMP/m.err" &
MPID=$!
sg_on_exit "kill $MPID"
for i in $(seq 100); do grep -q serving "$TMP/m.out" && break; sleep 0.1; done
sg_in "$NS" curl -s --max-time 10 -o "$TMP/expo" http://127.0.0.1:$MPORT/metrics
if ! python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$TMP/expo" 2>/dev/null; then
	sg_fail ${T}_metrics_utf8 "exposition is not UTF-8: $(grep -a 'ifname=' "$TMP/expo" | head -n 1 | od -c | head -n 2 | tr -s ' \n' ' ')"
else
	sg_pass ${T}_metrics_utf8
fi
promtool check metrics <"$TMP/expo" >"$TMP/promtool" 2>&1
# lint warnings are not ours to judge here; a parse error is
if grep -qi 'error' "$TMP/promtool" || [ ! -s "$TMP/expo" ]; then
	sg_fail ${T}_metrics_promtool "$(grep -i error "$TMP/promtool" | head -n 2)"
else
	sg_pass ${T}_metrics_promtool
fi
WANT_LABEL='ifname="sg'$'\u00ff\u00fe''\"\\q"'
grep -qF -- "$WANT_LABEL" "$TMP/expo" && sg_pass ${T}_metrics_label ||
	sg_fail ${T}_metrics_label "$(grep -a -m1 'synguard_protected{' "$TMP/expo")"
kill $MPID; wait $MPID 2>/dev/null

S unprotect "$NAME" -j >"$TMP/unprotect.json" 2>"$TMP/err"
strict ${T}_unprotect_json "$TMP/unprotect.json" 'd["ifname"]'
S protect "$NAME" --ports 80 -m skb >/dev/null 2>&1
S unprotect "$NAME" >"$TMP/unprotect.txt" 2>&1
text ${T}_unprotect_text "$TMP/unprotect.txt"
# messages on stderr quote the name too: exit 3, and no raw invalid bytes
S unprotect "$NAME" >/dev/null 2>"$TMP/unprotect.err"; rc=$?
[ $rc = 3 ] && python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$TMP/unprotect.err" 2>/dev/null &&
	grep -qF -- 'sg\xff\xfe' "$TMP/unprotect.err" && sg_pass ${T}_message_escaped ||
	sg_fail ${T}_message_escaped "exit $rc: $(od -c "$TMP/unprotect.err" | head -n 2 | tr -s ' \n' ' ')"
exit 0
