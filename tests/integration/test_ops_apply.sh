#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The boot path: /etc/synguard.conf -> `synguard apply` / `unapply`, and the
# systemd units that call them. The units pass `systemd-analyze verify`, and
# their Exec lines (binary and file paths rewritten to the build and a test
# file) are run as systemd would run them, so the test exercises exactly the
# code path of a boot, a reload and a stop.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
. "$SG_TOP/tests/lib/cli.sh"

T=ops_apply
sg_require_root $T
[ -x "$SG_BIN" ] || { sg_skip $T "$SG_BIN not built (run make)"; exit 0; }
sg_mount_fs
sg_lab || { sg_fail $T "cannot build the lab"; exit 1; }
sg_cli_unprotect_on_exit "$NS_S" "$IF_S"
sg_on_exit "sg_in $NS_S $SG_BIN unprotect lo"
TMP=$(mktemp -d /tmp/sg-apply.XXXXXX)
chmod 755 "$TMP"	# --check runs as nobody below
sg_on_exit "rm -rf $TMP"
S() { sg_in "$NS_S" "$SG_BIN" "$@"; }
DEPLOY=$SG_TOP/deploy
CONF=$TMP/synguard.conf
cat >"$CONF" <<EOC
# test configuration
[$IF_S]
ports = 80, 8000-8001
ttl = 70

[lo]
ports = 9
mode = skb
EOC

# --check: valid, prints the protect commands, needs no privileges
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
sg_expect_rc ${T}_check_ok 0 "${NOBODY[@]}" "$SG_BIN" apply --check -c "$CONF"
[[ $SG_OUT == *"synguard protect $IF_S --ports 80, 8000-8001 --ttl 70"* &&
   $SG_OUT == *"synguard protect lo --ports 9 --mode skb"* ]] && sg_pass ${T}_check_prints_commands ||
	sg_fail ${T}_check_prints_commands "$SG_OUT"
sg_expect_rc ${T}_example_conf_valid 0 "$SG_BIN" apply --check -c "$DEPLOY/synguard.conf.example"

# a bad file changes nothing, and names the line
printf '[%s]\nports = 80\n[lo]\nports = 9\nttl = 300\n' "$IF_S" >"$TMP/bad.conf"
sg_expect_rc ${T}_bad_conf 2 S apply -c "$TMP/bad.conf"
[[ $SG_OUT == *"bad.conf:5:"*ttl* ]] && sg_pass ${T}_bad_conf_message || sg_fail ${T}_bad_conf_message "$SG_OUT"
sg_check ${T}_bad_conf_nothing_attached sg_nothing_attached "$NS_S" "$IF_S"
printf '[%s]\nports = 80\n[lo]\nports = 9\nmode = skb\nkey-file = %s/missing.key\n' "$IF_S" "$TMP" >"$TMP/nokey.conf"
sg_expect_rc ${T}_missing_key_check 2 S apply --check -c "$TMP/nokey.conf"
sg_expect_rc ${T}_missing_key_apply 2 S apply -c "$TMP/nokey.conf"
sg_check ${T}_missing_key_nothing_attached sg_nothing_attached "$NS_S" "$IF_S"
sg_check ${T}_missing_key_nothing_attached_lo sg_nothing_attached "$NS_S" lo

# apply: both interfaces protected as the file says
sg_expect_rc ${T}_apply 0 S apply -c "$CONF"
[[ $SG_OUT == *"applied $CONF: 2 of 2 interfaces protected"* ]] && sg_pass ${T}_apply_summary ||
	sg_fail ${T}_apply_summary "$SG_OUT"
st=$(S status -j)
[ "$(sg_json_get "$st" '[(i["ifname"], i["ports"], i["ttl"], i["mode"]) for i in d["interfaces"]]')" = \
  "[('lo', [9], 64, 'skb'), ('$IF_S', [80, 8000, 8001], 70, 'native')]" ] && sg_pass ${T}_apply_state ||
	sg_fail ${T}_apply_state "$st"
sg_expect_rc ${T}_status_iface_protected 0 S status "$IF_S"
id1=$(sg_xdp_id "$NS_S" "$IF_S")

# apply again (systemctl reload): updated in place, same program
sed -i 's/^ttl = 70/ttl = 71/' "$CONF"
out=$(S apply -j -c "$CONF"); rc=$?
[ $rc = 0 ] && [ "$(sg_json_get "$out" '[i["result"]["action"] for i in d["interfaces"]] + [d["ok"], d["exit_code"]]')" = \
  "['updated', 'updated', True, 0]" ] && sg_pass ${T}_reapply_updates || sg_fail ${T}_reapply_updates "rc $rc: $out"
[ "$(sg_xdp_id "$NS_S" "$IF_S")" = "$id1" ] && sg_pass ${T}_reapply_same_program ||
	sg_fail ${T}_reapply_same_program "xdp id $id1 -> $(sg_xdp_id "$NS_S" "$IF_S")"
[ "$(sg_json_get "$(S status "$IF_S" -j)" 'd["interfaces"][0]["ttl"]')" = 71 ] &&
	sg_pass ${T}_reapply_ttl || sg_fail ${T}_reapply_ttl "$(S status "$IF_S" -j)"

# an interface that is missing: the others are still applied, exit 8
printf '[nosuch0]\nports = 80\n[%s]\nports = 81\n' "$IF_S" >"$TMP/partial.conf"
sg_expect_rc ${T}_partial_exit_nodev 8 S apply -c "$TMP/partial.conf"
[ "$(sg_json_get "$(S status "$IF_S" -j)" 'd["interfaces"][0]["ports"]')" = "[81]" ] &&
	sg_pass ${T}_partial_others_applied || sg_fail ${T}_partial_others_applied "$(S status "$IF_S" -j)"

# unapply: all gone; a second unapply is fine too
sg_expect_rc ${T}_unapply 0 S unapply -c "$CONF"
sg_check ${T}_unapply_clean sg_nothing_attached "$NS_S" "$IF_S"
sg_check ${T}_unapply_clean_lo sg_nothing_attached "$NS_S" lo
sg_expect_rc ${T}_unapply_idempotent 0 S unapply -c "$CONF"
sg_expect_rc ${T}_status_after_unapply 3 S status "$IF_S"

# ---- the systemd units ----
# unit_exec UNIT KEY: the command lines of KEY= in a unit, rewritten to run
# the build against the test's file
unit_exec() {
	sed -n "s/^$2=//p" "$DEPLOY/$1" |
		sed -e "s#/usr/local/sbin/synguard#$SG_BIN#" -e "s#/etc/synguard.conf#$CONF#"
}
for u in synguard.service synguard-metrics.service; do
	grep -q "^ExecStart=/usr/local/sbin/synguard " "$DEPLOY/$u" && sg_pass ${T}_${u}_execstart ||
		sg_fail ${T}_${u}_execstart "$(grep ^Exec "$DEPLOY/$u")"
done
if command -v systemd-analyze >/dev/null; then
	# verify needs the binary at the path the unit names, and the man page
	# of Documentation= (the build's, through MANPATH)
	mkdir -p "$TMP/units" "$TMP/man/man8"
	for u in synguard.service synguard-metrics.service; do
		sed "s#/usr/local/sbin/synguard#$SG_BIN#" "$DEPLOY/$u" >"$TMP/units/$u"
	done
	if [ -f "$SG_TOP/build/synguard.8" ]; then
		cp "$SG_TOP/build/synguard.8" "$TMP/man/man8/"
		man_opt=()
	else
		man_opt=(--man=no)
		sg_fail ${T}_man_page_built "build/synguard.8 missing (go-md2man: make deps)"
	fi
	for u in synguard.service synguard-metrics.service; do
		out=$(cd "$TMP/units" && MANPATH=$TMP/man systemd-analyze verify "${man_opt[@]}" "$u" 2>&1)
		rc=$?
		[ $rc = 0 ] && [ -z "$out" ] && sg_pass ${T}_verify_$u || sg_fail ${T}_verify_$u "rc $rc: $out"
	done
else
	sg_skip ${T}_verify "systemd-analyze not installed (the Exec lines are run below)"
fi

# boot: ExecStartPre then ExecStart, each must succeed (systemd's rule)
boot_ok=1
while read -r cmd; do
	sg_in "$NS_S" $cmd >>"$TMP/unit.log" 2>&1 || { boot_ok=0; echo "failed: $cmd" >>"$TMP/unit.log"; }
done < <(unit_exec synguard.service ExecStartPre; unit_exec synguard.service ExecStart)
[ $boot_ok = 1 ] && [ "$(sg_xdp_name "$NS_S" "$IF_S")" = sg_xdp ] && [ "$(sg_xdp_name "$NS_S" lo)" = sg_xdp ] &&
	sg_pass ${T}_unit_start_protects || sg_fail ${T}_unit_start_protects "$(tail -n 5 "$TMP/unit.log")"
cmd=$(unit_exec synguard.service ExecReload)
sg_expect_rc ${T}_unit_reload 0 sg_in "$NS_S" $cmd

# the metrics unit's command, beside it: sees both, and an interface the
# file wants but that is not protected is reported as 0
echo "[sgnone0]" >>"$CONF"; echo "ports = 1" >>"$CONF"
cmd=$(unit_exec synguard-metrics.service ExecStart)
nsenter --net=/run/netns/"$NS_S" $cmd >"$TMP/m.out" 2>&1 &
MPID=$!
sg_on_exit "kill $MPID"
for i in $(seq 50); do grep -q serving "$TMP/m.out" && break; sleep 0.1; done
port=$(sed -n 's#.*http://[0-9.]*:\([0-9]*\)/metrics.*#\1#p' "$TMP/m.out")
m=$(sg_in "$NS_S" curl -s --max-time 5 "http://127.0.0.1:$port/metrics")
echo "$m" >"$TMP/expo.txt"
# (here-strings: with pipefail, `echo | grep -q` fails when grep stops early)
grep -qx "synguard_protected{ifname=\"$IF_S\"} 1" <<<"$m" &&
	grep -qx 'synguard_protected{ifname="lo"} 1' <<<"$m" &&
	grep -qx 'synguard_protected{ifname="sgnone0"} 0' <<<"$m" &&
	sg_pass ${T}_metrics_unit_serves || sg_fail ${T}_metrics_unit_serves "port '$port': $(cat "$TMP/m.out") $(grep '^synguard_protected{' <<<"$m")"
kill $MPID; wait $MPID
sed -i '/^\[sgnone0\]/,$d' "$CONF"

cmd=$(unit_exec synguard.service ExecStop)
sg_expect_rc ${T}_unit_stop 0 sg_in "$NS_S" $cmd
sg_check ${T}_unit_stop_clean sg_nothing_attached "$NS_S" "$IF_S"

# the Grafana dashboard: valid JSON, and every synguard_ metric it queries
# exists in the exposition (histograms by their _bucket/_count/_sum series)
if python3 - "$DEPLOY/grafana-dashboard.json" "$TMP/expo.txt" <<'PY' >"$TMP/graf" 2>&1
import json, re, sys
d = json.load(open(sys.argv[1]))
exprs = []
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "expr" and isinstance(v, str): exprs.append(v)
            else: walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
walk(d)
names = set(re.findall(r"synguard_[a-z0-9_]+", " ".join(exprs)))
fams = set(re.findall(r"^# TYPE (\S+)", open(sys.argv[2]).read(), re.M))
def known(n):
    return n in fams or any(n == f + s for f in fams for s in ("_bucket", "_sum", "_count"))
missing = sorted(n for n in names if not known(n))
print("%d queries, %d metric names, %d families exposed" % (len(exprs), len(names), len(fams)))
if len(exprs) < 8: print("too few panels"); sys.exit(1)
if missing: print("not exposed by synguard metrics: " + " ".join(missing)); sys.exit(1)
PY
then
	sg_pass ${T}_grafana_json
else
	sg_fail ${T}_grafana_json "$(cat "$TMP/graf")"
fi
exit 0
