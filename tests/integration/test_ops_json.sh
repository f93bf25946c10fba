#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# -j and -p on every command: the output parses, -p indents, and every field
# name a command prints is documented in docs/json.md (so the schema page
# cannot fall behind). The man page documents every option of every
# command's --help.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
. "$SG_TOP/tests/lib/cli.sh"

T=ops_json
sg_require_root $T
[ -x "$SG_BIN" ] || { sg_skip $T "$SG_BIN not built (run make)"; exit 0; }
command -v python3 >/dev/null || { sg_skip $T "python3 missing"; exit 0; }
sg_mount_fs
sg_lab || { sg_fail $T "cannot build the lab"; exit 1; }
sg_cli_unprotect_on_exit "$NS_S" "$IF_S"
TMP=$(mktemp -d /tmp/sg-ojson.XXXXXX)
sg_on_exit "rm -rf $TMP"
S() { sg_in "$NS_S" "$SG_BIN" "$@"; }
DOC=$SG_TOP/docs/json.md

# check NAME FILE: FILE holds JSON values (one per line with -j, or a stream
# of indented ones with -p); all parse; every key is in docs/json.md
check() {
	local name=$1 file=$2 out
	out=$(python3 - "$file" "$DOC" <<'PY' 2>&1
import json, re, sys
text = open(sys.argv[1]).read()
doc = open(sys.argv[2]).read()
dec = json.JSONDecoder(); i = 0; vals = []
while True:
    while i < len(text) and text[i].isspace(): i += 1
    if i >= len(text): break
    v, i = dec.raw_decode(text, i); vals.append(v)
if not vals: print("no JSON output"); sys.exit(1)
keys = set()
def walk(o, parent=""):
    if isinstance(o, dict):
        for k, v in o.items():
            # drops: reason -> count; keyed by counter names (documented)
            keys.add(k); walk(v, k)
    elif isinstance(o, list):
        for v in o: walk(v, parent)
for v in vals: walk(v)
# documented: as `name` in a table or list, or as "name" in a JSON sketch
missing = sorted(k for k in keys if "`%s`" % k not in doc and '"%s"' % k not in doc)
if missing: print("fields not in docs/json.md: " + " ".join(missing)); sys.exit(1)
PY
)
	[ $? = 0 ] && sg_pass "$name" || sg_fail "$name" "$out: $(head -c 300 "$file")"
}
# indented NAME FILE: -p output spans lines and is indented
indented() {
	[ "$(wc -l <"$2")" -gt 3 ] && grep -q '^  "' "$2" && sg_pass "$1" || sg_fail "$1" "$(head -c 200 "$2")"
}

S -j --version >"$TMP/version"; check ${T}_version "$TMP/version"
S protect "$IF_S" --ports 80 -p >"$TMP/protect"; check ${T}_protect_p "$TMP/protect"; indented ${T}_protect_indented "$TMP/protect"
S status -p >"$TMP/status"; check ${T}_status_p "$TMP/status"; indented ${T}_status_indented "$TMP/status"
S status "$IF_S" -j >"$TMP/status1"; check ${T}_status_iface "$TMP/status1"
S stats -p >"$TMP/stats"; check ${T}_stats_p "$TMP/stats"; indented ${T}_stats_indented "$TMP/stats"
S stats "$IF_S" -j -i 0.2 -c 2 >"$TMP/stats_iv"; check ${T}_stats_interval "$TMP/stats_iv"
[ "$(wc -l <"$TMP/stats_iv")" = 2 ] && sg_pass ${T}_stats_interval_lines || sg_fail ${T}_stats_interval_lines "$(cat "$TMP/stats_iv")"

# trace and hist with a few connections to see events and histograms
P=$((20000 + $$ % 20000))
# a slow guest (tests/vm, TCG) takes seconds to load the tracer
TD=3 TW=1; [ "${SG_SLOW_GUEST:-0}" = 1 ] && TD=20 TW=12
S trace -j --port $P --duration $TD >"$TMP/trace" 2>"$TMP/trace.err" &
TR=$!
S hist -p --port $P --duration $TD >"$TMP/hist" 2>"$TMP/hist.err" &
HI=$!
sleep $TW
nsenter --net=/run/netns/"$NS_S" "$SG_TOOLS/sg_server" -4 -p $P --accept-only -c 3 -t 10 -q >/dev/null 2>&1 &
SV=$!
sg_wait_port "$NS_S" $P
sg_in "$NS_C" "$SG_TOOLS/sg_client" -4 -n 0 -c 3 -q "$ADDR_S4" $P >/dev/null 2>&1
wait $SV; wait $TR; wait $HI
check ${T}_trace_j "$TMP/trace"
grep -q '"kind":"handshake"' "$TMP/trace" && grep -q '"summary":true' "$TMP/trace" &&
	sg_pass ${T}_trace_has_events || sg_fail ${T}_trace_has_events "$(head -c 300 "$TMP/trace") $(cat "$TMP/trace.err")"
check ${T}_hist_p "$TMP/hist"; indented ${T}_hist_indented "$TMP/hist"
grep -q '"histograms"' "$TMP/hist" && grep -q '"buckets"' "$TMP/hist" && sg_pass ${T}_hist_has_histograms ||
	sg_fail ${T}_hist_has_histograms "$(head -c 300 "$TMP/hist")"
S trace -p --port $P --duration 0.3 >"$TMP/trace_p"; check ${T}_trace_p "$TMP/trace_p"; indented ${T}_trace_indented "$TMP/trace_p"

# metrics: ready and stopped lines
nsenter --net=/run/netns/"$NS_S" "$SG_BIN" metrics -j --no-tracer -l 127.0.0.1:0 >"$TMP/metrics" 2>&1 &
MP=$!
sg_on_exit "kill $MP"
for i in $(seq 50); do grep -q ready "$TMP/metrics" && break; sleep 0.1; done
kill -TERM $MP; wait $MP
check ${T}_metrics_j "$TMP/metrics"
grep -q '"event":"stopped"' "$TMP/metrics" && sg_pass ${T}_metrics_stopped_line || sg_fail ${T}_metrics_stopped_line "$(cat "$TMP/metrics")"

# apply / unapply
printf '[%s]\nports = 80,443\n' "$IF_S" >"$TMP/c.conf"
S apply --check -p -c "$TMP/c.conf" >"$TMP/check"; check ${T}_apply_check_p "$TMP/check"; indented ${T}_apply_check_indented "$TMP/check"
S apply -j -c "$TMP/c.conf" >"$TMP/apply"; check ${T}_apply_j "$TMP/apply"
[ "$(sg_json_get "$(cat "$TMP/apply")" 'd["interfaces"][0]["result"]["ports"]')" = "[80, 443]" ] &&
	sg_pass ${T}_apply_embeds_protect || sg_fail ${T}_apply_embeds_protect "$(cat "$TMP/apply")"
S apply -p -c "$TMP/c.conf" >"$TMP/apply_p"; check ${T}_apply_p "$TMP/apply_p"; indented ${T}_apply_indented "$TMP/apply_p"
S unapply -j -c "$TMP/c.conf" >"$TMP/unapply"; check ${T}_unapply_j "$TMP/unapply"
S unprotect "$IF_S" -j >"$TMP/unprotect" 2>/dev/null; check ${T}_unprotect_not_protected_j "$TMP/unprotect"

# the man page: built, renders, and names every option of every command
MAN=$SG_TOP/build/synguard.8
if [ ! -f "$MAN" ]; then
	sg_fail ${T}_man_built "build/synguard.8 missing (go-md2man not installed? make deps)"
else
	sg_pass ${T}_man_built
	if command -v man >/dev/null; then
		txt=$(MANWIDTH=200 man -l "$MAN" 2>/dev/null | col -b)
	else
		txt=$(cat "$MAN")
	fi
	[[ $txt == *"EXIT STATUS"* ]] && sg_pass ${T}_man_renders || sg_fail ${T}_man_renders "$(echo "$txt" | head -5)"
	for c in protect unprotect status stats trace hist metrics apply unapply; do
		miss=""
		for o in $("$SG_BIN" $c --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
			grep -qF -- "$o" <<<"$txt" || miss+="$o "
		done
		grep -qE "^ *$c( |$)" <<<"$txt" || miss+="(section) "
		[ -z "$miss" ] && sg_pass ${T}_man_documents_$c || sg_fail ${T}_man_documents_$c "missing: $miss"
	done
	# every exit code of user/common.h is in the man page
	miss=""
	for code in $(sed -n 's/.*SG_EXIT_[A-Z_]* = \([0-9]*\),.*/\1/p' "$SG_TOP/user/common.h"); do
		grep -qE "^ +$code +[a-z]" <<<"$txt" || miss+="$code "
	done
	[ -z "$miss" ] && sg_pass ${T}_man_exit_codes || sg_fail ${T}_man_exit_codes "missing: $miss"
fi
exit 0
