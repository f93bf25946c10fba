#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The cookie key (issue 8, items 10 and 11):
#  - `protect --key-file` refuses a key file that group or others may read
#    (or write), or that root does not own: clear message, exit 2;
#  - the key sits only in its own map (sg_keys, not pinned), and an
#    unprivileged user (created here, removed after) can read no pin and no
#    map of the defense;
#  - rotation: `protect --key-file` with a new key every second while 2,000
#    real connections run through the cookie path: no connection fails, and
#    every rotation was applied in place (same XDP program).
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
. "$SG_TOP/tests/lib/defense.sh"
. "$SG_TOP/tests/lib/cli.sh"

T=cookie_keys
sg_require_root $T
sg_def_require $T
command -v bpftool >/dev/null || { sg_skip $T "bpftool not installed"; exit 0; }
sg_mount_fs
sg_lab || { sg_fail $T "cannot build the lab"; exit 1; }
sg_cli_unprotect_on_exit "$NS_S" "$IF_S"
TMP=$(mktemp -d /tmp/sg-keys.XXXXXX)
chmod 755 "$TMP"
sg_on_exit "rm -rf $TMP"
S() { sg_in "$NS_S" "$SG_BIN" "$@"; }
PORT=8080
KEYHEX=00112233445566778899aabbccddeeff
# the key bytes as bpftool prints them (hex bytes) and as two u64 (json)
KEYBYTES="00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff"

# ---- key file permissions (item 10) ----
mk_key() { (umask 077; echo "$2" >"$1"); }
mk_key "$TMP/ok.key" $KEYHEX
cp -p "$TMP/ok.key" "$TMP/world.key"; chmod 644 "$TMP/world.key"
cp -p "$TMP/ok.key" "$TMP/group.key"; chmod 640 "$TMP/group.key"
cp -p "$TMP/ok.key" "$TMP/gw.key"; chmod 620 "$TMP/gw.key"
cp -p "$TMP/ok.key" "$TMP/nobody.key"; chown nobody "$TMP/nobody.key"
for k in world group gw; do
	sg_expect_rc ${T}_refuse_mode_$k 2 S protect "$IF_S" --ports $PORT --key-file "$TMP/$k.key"
	echo "$SG_OUT" | grep -q "group or others" && sg_pass ${T}_refuse_mode_${k}_message ||
		sg_fail ${T}_refuse_mode_${k}_message "$SG_OUT"
done
sg_expect_rc ${T}_refuse_owner 2 S protect "$IF_S" --ports $PORT --key-file "$TMP/nobody.key"
echo "$SG_OUT" | grep -q "not by root" && sg_pass ${T}_refuse_owner_message ||
	sg_fail ${T}_refuse_owner_message "$SG_OUT"
sg_nothing_attached "$NS_S" "$IF_S" && sg_pass ${T}_refused_nothing_attached ||
	sg_fail ${T}_refused_nothing_attached "something attached after a refused key file"

# ---- the key is not readable by a non-root user (item 10) ----
# (root, with CAP_SYS_ADMIN, can open any map by id: the key ring is no
# secret from root, see docs/design.md)
sg_expect_rc ${T}_protect_key 0 S protect "$IF_S" --ports $PORT -m native --key-file "$TMP/ok.key"
xid=$(sg_sg_prog_id "$NS_S" "$IF_S")
mids=$(bpftool prog show id "$xid" -j | jq -r '.map_ids[]')
names=$(for m in $mids; do bpftool map show id "$m" -j | jq -r .name; done | sort | tr '\n' ' ')
# (synguard.rodata: read-only constants set before load, sg_local_probe; no secret)
[ "$names" = "sg_acl sg_acl4 sg_acl4b sg_acl4h sg_acl6 sg_acl6b sg_acl6h sg_config sg_engage sg_engage_cfg sg_engage_log sg_keys sg_limits sg_recent sg_rl sg_rl_shared sg_scratch sg_spx_scratch sg_src sg_state sg_stats sg_synts sg_trace synguard.rodata " ] &&
	sg_pass ${T}_maps_split || sg_fail ${T}_maps_split "maps: $names"

# an unprivileged user: no pin and no map id gives it anything
U=sgkey$$
if useradd -M -s /usr/sbin/nologin "$U" 2>/dev/null; then
	sg_on_exit "userdel $U"
	PIN=$(sg_def_pin_dir)
	leaks=""
	for f in "$PIN"/*; do
		[ -e "$f" ] || continue
		runuser -u "$U" -- bpftool map lookup pinned "$f" key 0 0 0 0 >/dev/null 2>&1 &&
			leaks="$leaks $f"
		runuser -u "$U" -- cat "$f" >/dev/null 2>&1 && leaks="$leaks $f(open)"
	done
	for m in $mids; do
		runuser -u "$U" -- bpftool map lookup id "$m" key 0 0 0 0 >/dev/null 2>&1 &&
			leaks="$leaks id$m"
	done
	[ -n "$(ls "$PIN" 2>/dev/null)" ] || leaks="$leaks (no pins to test under $PIN)"
	[ -z "$leaks" ] && sg_pass ${T}_unprivileged_cannot_read ||
		sg_fail ${T}_unprivileged_cannot_read "readable by $U:$leaks"
	S status "$IF_S" -j >"$TMP/status.json" 2>&1
	grep -qi "$KEYHEX\|0x7766554433221100" "$TMP/status.json" &&
		sg_fail ${T}_status_no_key "status shows the key" || sg_pass ${T}_status_no_key
else
	sg_skip ${T}_unprivileged_cannot_read "useradd failed"
fi

# ---- rotation during 2,000 connections (item 11) ----
# the server closes first and each client lingers 8 ms after its EOF, so
# that the loop lasts seconds and sees several rotations
nsenter --net=/run/netns/"$NS_S" "$SG_TOOLS/sg_connloop" --server -a 0.0.0.0 -p $PORT \
	--close server >/dev/null 2>&1 &
srv=$!
sg_on_exit "kill $srv 2>/dev/null"
sg_wait_port "$NS_S" $PORT || sg_fail ${T}_server "no listener"
before=$(sg_def_stats)
sg_in "$NS_C" "$SG_TOOLS/sg_connloop" --client -a $ADDR_S4 -p $PORT -c 2 -n 1000 \
	--close server --linger-ms 8 --timeout-ms 3000 >"$TMP/loop.out" 2>&1 &
cli=$!
rot=0; rotfail=0
# synproxy and kernel-cookies (Linux < 6.9) use the kernel's secret: protect
# still updates in place under the loop, and warns that the key is unused
KEYED=true; [ "$(sg_def_cookie_counter)" = handoff_ok ] || KEYED=false
while kill -0 $cli 2>/dev/null; do
	mk_key "$TMP/rot.key" "$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
	S protect "$IF_S" --ports $PORT -m native --key-file "$TMP/rot.key" -j >"$TMP/rot.json" 2>"$TMP/rot.err" ||
		rotfail=$((rotfail + 1))
	jq -e --argjson keyed $KEYED '.action == "updated" and
		(if $keyed then .key_source == "file" else .key_source != "file" end)' "$TMP/rot.json" >/dev/null &&
		{ $KEYED || grep -q "no effect" "$TMP/rot.err"; } && rot=$((rot + 1))
	sleep 1
done
wait $cli
after=$(sg_def_stats)
sum=$(tail -1 "$TMP/loop.out")
ok=$(echo "$sum" | sed -n 's/.*ok=\([0-9]*\).*/\1/p')
[ "$ok" = 2000 ] && echo "$sum" | grep -q "refused=0 timeout=0 error=0" &&
	sg_pass ${T}_rotation_2000_ok || sg_fail ${T}_rotation_2000_ok "$sum"
# several rotations during the loop; a TCG guest's protect takes seconds
# (2 rotations in an 18 s loop on 6.12), so one is enough there
want=4; [ "${SG_SLOW_GUEST:-0}" = 1 ] && want=1
[ $rot -ge $want ] && [ $rotfail -eq 0 ] && sg_pass ${T}_rotations_applied ||
	sg_fail ${T}_rotations_applied "$rot rotations applied, $rotfail failed (loop: $sum)"
[ "$(sg_sg_prog_id "$NS_S" "$IF_S")" = "$xid" ] && sg_pass ${T}_rotation_in_place ||
	sg_fail ${T}_rotation_in_place "XDP program changed"
inv=$(sg_def_invalid_delta "$before" "$after")
val=$(sg_def_delta "$before" "$after" ack_cookie_valid)
# a SYN that finds the server's TIME_WAIT socket of an earlier connection of
# the same port goes to the kernel (pass_syn_existing); all others are ours
ex=$(sg_def_delta "$before" "$after" pass_syn_existing)
syn=$(sg_def_delta "$before" "$after" synack_sent)
[ "$inv" = 0 ] && [ "$val" != missing ] && [ "$ex" != missing ] && [ "$syn" = "$val" ] &&
	[ $((val + ex)) -ge 2000 ] && [ "$val" -ge 1500 ] &&
	sg_pass ${T}_rotation_all_cookies_valid ||
	sg_fail ${T}_rotation_all_cookies_valid "valid $val invalid $inv; before $before after $after"
echo "  ($rot rotations during: $sum)"

# `synguard apply` (what ExecReload runs on `systemctl reload`) rotates in
# place when the key file changed, and changes nothing when it did not
cfgval() {
	local mid
	for mid in $(bpftool prog show id "$(sg_sg_prog_id "$NS_S" "$IF_S")" -j | jq -r '.map_ids[]'); do
		[ "$(bpftool map show id "$mid" -j | jq -r .name)" = sg_config ] &&
			bpftool -j map lookup id "$mid" key 0 0 0 0 | jq -r ".formatted.value.$1"
	done
}
printf '[%s]\nports = %s\nmode = native\nkey-file = %s\n' "$IF_S" $PORT "$TMP/rot.key" >"$TMP/sg.conf"
g0=$(cfgval key_gen)
sg_in "$NS_S" "$SG_BIN" apply -c "$TMP/sg.conf" >/dev/null 2>&1
g1=$(cfgval key_gen)
mk_key "$TMP/rot.key" "$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
sg_in "$NS_S" "$SG_BIN" apply -c "$TMP/sg.conf" >/dev/null 2>&1
g2=$(cfgval key_gen)
[ -n "$g0" ] && [ "$g1" = "$g0" ] && [ "$g2" = $((g0 + 1)) ] &&
	[ "$(sg_sg_prog_id "$NS_S" "$IF_S")" = "$xid" ] && sg_pass ${T}_apply_rotates_in_place ||
	sg_fail ${T}_apply_rotates_in_place "key_gen $g0 -> $g1 (same file) -> $g2 (new key)"

# a handshake in flight across a rotation: SYN-ACK under the old key, the
# final ACK (held back 2 s by sg_rawhs) after the new key is in place
RAW=$SG_TOOLS/sg_rawhs
if [ "$(sg_def_cookie_counter)" != handoff_ok ]; then
	# synproxy and kernel-cookies use the kernel's secret, not the key
	sg_skip ${T}_rotation_in_flight "the $("$SG_BIN" status -j | jq -r .kernel.best_defense) defense (Linux < 6.9) makes its cookies with the kernel's secret: no synguard key to rotate under a handshake"
elif [ -x "$RAW" ] && command -v nft >/dev/null; then
	printf 'table inet sgraw {\n chain out {\n  type filter hook output priority 0;\n  tcp flags & rst == rst drop\n }\n}\n' |
		ip netns exec "$NS_C" nft -f -
	DMAC=$(ip -n "$NS_S" -j link show "$IF_S" | jq -r '.[0].address')
	for mode in ts nots; do
		extra=""; [ $mode = nots ] && extra=--no-ts
		sg_in "$NS_C" "$RAW" -i "$IF_C" -s $ADDR_C4 -d $ADDR_S4 -p $PORT --dmac "$DMAC" \
			--delay-ms 2000 $extra >"$TMP/raw.$mode" 2>&1 &
		raw=$!
		sleep 0.7
		mk_key "$TMP/rot.key" "$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
		S protect "$IF_S" --ports $PORT -m native --key-file "$TMP/rot.key" >/dev/null 2>&1
		wait $raw
		grep -q '^accepted' "$TMP/raw.$mode" && sg_pass ${T}_rotation_in_flight_$mode ||
			sg_fail ${T}_rotation_in_flight_$mode "$(cat "$TMP/raw.$mode")"
	done
else
	sg_skip ${T}_rotation_in_flight "sg_rawhs or nft missing"
fi
exit 0
