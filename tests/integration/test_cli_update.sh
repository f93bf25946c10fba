#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `protect` on a protected interface updates the configuration in place: the
# same programs stay attached (no re-attach, no gap), ports/TTL change, the
# key changes only with --key-file, `since` stays. A lost tc filter is
# re-attached by the next protect. unprotect leaves nothing behind.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
. "$SG_TOP/tests/lib/cli.sh"
. "$SG_TOP/tests/lib/defense.sh"

T=cli_update
sg_require_root $T
sg_def_require_handoff $T	# its checks are about the tc handoff
[ -x "$SG_BIN" ] || { sg_skip $T "$SG_BIN not built (run make)"; exit 0; }
sg_mount_fs
sg_lab || { sg_fail $T "cannot build the lab"; exit 1; }
sg_cli_unprotect_on_exit "$NS_S" "$IF_S"
TMP=$(mktemp -d /tmp/sg-cliupd.XXXXXX)
sg_on_exit "rm -rf $TMP"
PIN=/sys/fs/bpf/synguard/netns-$(stat -L -c %i /run/netns/"$NS_S")/$IF_S
S() { sg_in "$NS_S" "$SG_BIN" "$@"; }
# cfg: the sg_config map value through the pin, as bpftool JSON
cfg() { bpftool -j map lookup pinned "$PIN/sg_config" key 0 0 0 0; }
cfg_field() { cfg | python3 -c "import json,sys; print(json.load(sys.stdin)['formatted']['value']['$1'])"; }

sg_expect_rc ${T}_protect 0 S protect "$IF_S" --ports 80,443 -j
st1=$(S status "$IF_S" -j)
x1=$(sg_json_get "$st1" 'd["interfaces"][0]["xdp_prog_id"]')
t1=$(sg_json_get "$st1" 'd["interfaces"][0]["tc_prog_id"]')
since1=$(sg_json_get "$st1" 'd["interfaces"][0]["since_unix"]')
key1=$(cfg_field key_fp)
magic1=$(cfg_field meta_magic)
[ "$(sg_json_get "$st1" 'd["interfaces"][0]["ports"]')" = "[80, 443]" ] &&
	sg_pass ${T}_ports_initial || sg_fail ${T}_ports_initial "$st1"
# the key itself is in the sg_keys map; its fingerprint is here
[ -n "$key1" ] && [ "$key1" != 0 ] && sg_pass ${T}_random_key ||
	sg_fail ${T}_random_key "key fingerprint $key1"
[ -n "$magic1" ] && [ "$magic1" != 0 ] && sg_pass ${T}_meta_magic_nonzero ||
	sg_fail ${T}_meta_magic_nonzero "meta_magic $magic1"
# ACTIVE alone; in a libxdp dispatcher that refuses the default build
# (6.12.y/6.13+), the fixed-length build's NO_XDP_META | FIXED_LEN too
f=$(cfg_field flags)
[ "$f" = 1 ] || { [ "$f" = $((1 | 4 | 256)) ] &&
	[ "$(sg_json_get "$st1" 'd["interfaces"][0]["xdp_build"]')" = fixed_len ]; } &&
	sg_pass ${T}_flags_active || sg_fail ${T}_flags_active "flags $f"
r=$(cfg_field rmem_max); want=$(ip netns exec "$NS_S" sysctl -n net.core.rmem_max)
[ "$r" = "$want" ] && sg_pass ${T}_rmem_max || sg_fail ${T}_rmem_max "$r, sysctl says $want"
# clock_adj_ns = REALTIME - MONOTONIC, within a second of ours
m=$(cfg_field clock_adj_ns)
ours=$(python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_REALTIME) - time.clock_gettime_ns(time.CLOCK_MONOTONIC))')
python3 -c "import sys; sys.exit(abs($m - $ours) > 10**9)" && sg_pass ${T}_mono_to_real ||
	sg_fail ${T}_mono_to_real "$m vs $ours"

sleep 1.1 # so that updated_unix moves
sg_expect_rc ${T}_update 0 S protect "$IF_S" --ports 22,8000-8002 --ttl 99 -j
[ "$(sg_json_get "$SG_OUT" 'd["action"]')" = updated ] && sg_pass ${T}_update_reported ||
	sg_fail ${T}_update_reported "$SG_OUT"
st2=$(S status "$IF_S" -j)
x2=$(sg_json_get "$st2" 'd["interfaces"][0]["xdp_prog_id"]')
t2=$(sg_json_get "$st2" 'd["interfaces"][0]["tc_prog_id"]')
[ -n "$x1" ] && [ "$x1" = "$x2" ] && [ "$t1" = "$t2" ] && [ "$x2" = "$(sg_sg_prog_id "$NS_S" "$IF_S")" ] &&
	sg_pass ${T}_prog_ids_unchanged || sg_fail ${T}_prog_ids_unchanged "xdp $x1->$x2 tc $t1->$t2"
[ "$(sg_json_get "$st2" 'd["interfaces"][0]["ports"]')" = "[22, 8000, 8001, 8002]" ] &&
	[ "$(sg_json_get "$st2" 'd["interfaces"][0]["ttl"]')" = 99 ] &&
	sg_pass ${T}_ports_ttl_changed || sg_fail ${T}_ports_ttl_changed "$st2"
[ "$(sg_json_get "$st2" 'd["interfaces"][0]["since_unix"]')" = "$since1" ] &&
	[ "$(sg_json_get "$st2" 'd["interfaces"][0]["updated_unix"]')" -gt "$since1" ] &&
	sg_pass ${T}_since_kept_updated_moved || sg_fail ${T}_since_kept_updated_moved "since $since1: $st2"
[ "$(cfg_field key_fp)" = "$key1" ] && [ "$(cfg_field meta_magic)" = "$magic1" ] &&
	sg_pass ${T}_key_kept_without_key_file || sg_fail ${T}_key_kept_without_key_file "key changed"
S status "$IF_S" | grep -q "ports: *22,8000-8002" && sg_pass ${T}_status_text_folded ||
	sg_fail ${T}_status_text_folded "$(S status "$IF_S")"

# --key-file replaces the key in place (SipHash byte order: k0 little-endian)
(umask 077; printf '000102030405060708090a0b0c0d0e0f\n' >"$TMP/k")
sg_expect_rc ${T}_update_key 0 S protect "$IF_S" --ports 22 --key-file "$TMP/k"
# a rotation: new fingerprint, slot 1 current, generation 1
[ "$(cfg_field key_fp)" != "$key1" ] && [ "$(cfg_field key_gen)" = 1 ] &&
	[ $(( $(cfg_field keyring) & 3 )) = 1 ] &&
	sg_pass ${T}_key_from_file || sg_fail ${T}_key_from_file "fp $(cfg_field key_fp) gen $(cfg_field key_gen)"
[ "$(sg_sg_prog_id "$NS_S" "$IF_S")" = "$x1" ] && sg_pass ${T}_key_update_no_reattach ||
	sg_fail ${T}_key_update_no_reattach "xdp id now $(sg_sg_prog_id "$NS_S" "$IF_S")"

# the tc handoff vanishes (someone deletes clsact): status says so (a half
# state is not protected: exit 3), protect repairs
ip netns exec "$NS_S" tc qdisc del dev "$IF_S" clsact
sg_expect_rc ${T}_status_unhealthy 3 S status "$IF_S" -j
[ "$(sg_json_get "$SG_OUT" 'd["interfaces"][0]["healthy"]')" = False ] &&
	sg_pass ${T}_status_reports_missing_tc || sg_fail ${T}_status_reports_missing_tc "$SG_OUT"
sg_expect_rc ${T}_repair 0 S protect "$IF_S" --ports 22 -j
[ "$(sg_json_get "$SG_OUT" 'd["tc_repaired"]')" = True ] && [ -n "$(sg_tc_filters "$NS_S" "$IF_S")" ] &&
	[ "$(sg_sg_prog_id "$NS_S" "$IF_S")" = "$x1" ] && sg_pass ${T}_tc_repaired ||
	sg_fail ${T}_tc_repaired "$SG_OUT / $(sg_tc_filters "$NS_S" "$IF_S")"
# the repaired tc program shares the maps of the XDP program
tcid=$(sg_json_get "$SG_OUT" 'd["tc_prog_id"]')
xm=$(bpftool -j prog show id "$x1" | python3 -c 'import json,sys; print(sorted(json.load(sys.stdin)["map_ids"]))')
# (less its read-only constants, .rodata: one per load, never shared)
tm=$(for m in $(bpftool -j prog show id "$tcid" | jq -r '.map_ids[]'); do
	bpftool -j map show id "$m" | jq -r 'select(.name | endswith(".rodata") | not) | .id'
     done | jq -sc 'sort')
python3 -c "import sys; x=set($xm); t=set($tm); sys.exit(not t or not t <= x)" &&
	sg_pass ${T}_tc_repair_shares_maps || sg_fail ${T}_tc_repair_shares_maps "xdp maps $xm, tc maps $tm"

# a foreign clsact filter survives unprotect, and so does its qdisc
if sg_build_foreign_tc "$TMP" >"$TMP/clang.log" 2>&1 &&
	ip netns exec "$NS_S" tc filter add dev "$IF_S" ingress prio 1 bpf da obj "$TMP/foreign_tc.o" sec tc; then
	sg_expect_rc ${T}_unprotect_keeps_foreign_tc 0 S unprotect "$IF_S"
	f=$(sg_tc_filters "$NS_S" "$IF_S")
	[[ $f == *foreign_tc* && $f != *sg_tc* ]] && sg_pass ${T}_foreign_filter_kept ||
		sg_fail ${T}_foreign_filter_kept "filters now: $f"
	ip netns exec "$NS_S" tc qdisc del dev "$IF_S" clsact
else
	sg_skip ${T}_foreign_filter_kept "cannot add a foreign tc filter: $(tail -n 2 "$TMP/clang.log")"
	sg_expect_rc ${T}_unprotect 0 S unprotect "$IF_S"
fi
sg_check ${T}_nothing_left sg_nothing_attached "$NS_S" "$IF_S"
[ -e "$PIN" ] && sg_fail ${T}_no_pins_left "$(ls "$PIN")" || sg_pass ${T}_no_pins_left
exit 0
