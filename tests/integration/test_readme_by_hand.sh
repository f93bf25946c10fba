#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# README.md "Try it by hand", run as written: the first code block of that
# section, one line at a time from the top of the tree (a person typing:
# half a second between lines), with nothing attached to the client's veth
# by hand. Checks what the block's comments promise: doctor warns about the
# peer without XDP, protect picks skb mode and says why, curl gets 200,
# stats shows the counters the comment names, unprotect detaches.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"

T=readme_by_hand
sg_require_root $T
[ -x "$SG_BIN" ] || { sg_skip $T "$SG_BIN not built (run make)"; exit 0; }
command -v curl >/dev/null || { sg_skip $T "no curl (scripts/deps.sh installs it)"; exit 0; }
command -v python3 >/dev/null || { sg_skip $T "no python3"; exit 0; }
# the block names its namespaces srv and cli: never touch a user's
for ns in srv cli; do
	[ -e /run/netns/$ns ] && { sg_skip $T "a network namespace '$ns' exists already (the README's names)"; exit 0; }
done
sg_mount_fs
OUT=$(mktemp -d)
sg_on_exit "rm -rf $OUT"
# whatever the block left behind if it stopped half-way
sg_on_exit "ip netns exec srv $SG_BIN unprotect veth-s >/dev/null 2>&1; ip netns pids srv 2>/dev/null | xargs -r kill; ip netns del srv 2>/dev/null; ip netns del cli 2>/dev/null"

awk '/^## Try it by hand/ { sec = 1; next }
     sec && /^## / { exit }
     sec && /^```/ { if (inb) exit; inb = 1; next }
     inb { print }' "$SG_TOP/README.md" >"$OUT/block"
[ "$(grep -c . "$OUT/block")" -ge 8 ] ||
	{ sg_fail $T "no code block under 'Try it by hand' in README.md"; exit 1; }

# one line at a time, in one shell (the block's `&` and `kill %1` need it),
# each line's output marked with the line
{
	echo 'cd "$SG_TOP"; PATH=$PATH'
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		[ -n "${line// /}" ] || continue
		printf 'echo "@@ %d"\n%s\nsleep 0.5\n' "$n" "$line"
	done <"$OUT/block"
	echo 'echo "@@ end"'
} >"$OUT/script"
timeout 120 bash "$OUT/script" >"$OUT/log" 2>&1
rc=$?
grep -q '^@@ end' "$OUT/log" && [ $rc = 0 ] && sg_pass ${T}_runs ||
	sg_fail ${T}_runs "rc=$rc: $(tail -n 5 "$OUT/log")"

# the output of the block's line that contains PATTERN
out_of() {
	local n
	n=$(grep -n -F -- "$1" "$OUT/block" | head -n 1 | cut -d: -f1)
	[ -n "$n" ] || return 1
	awk -v n="$n" '$0 == "@@ " n { on = 1; next } /^@@ / { on = 0 } on' "$OUT/log"
}
d=$(out_of "synguard doctor")
[[ $d == *veth-c* && $d =~ [Nn]o\ XDP|runs\ no\ XDP ]] && sg_pass ${T}_doctor_warns_peer ||
	sg_fail ${T}_doctor_warns_peer "$(echo "$d" | head -c 600)"
p=$(out_of "synguard protect")
[[ $p == *skb* && $p == *veth-c* ]] && sg_pass ${T}_protect_says_skb_and_why ||
	sg_fail ${T}_protect_says_skb_and_why "$(echo "$p" | head -c 600)"
c=$(out_of "curl ")
[ "$(echo "$c" | grep -c "^200$")" = 1 ] && sg_pass ${T}_curl_200 ||
	sg_fail ${T}_curl_200 "curl printed: $(echo "$c" | head -c 300)"
s=$(out_of "synguard stats")
want=$(grep -F "synguard stats" "$OUT/block" | sed 's/.*#//' | tr ',' '\n' | sed 's/^ *//;s/ *$//')
bad=""
# handoff_ok counts the 6.9+ design's handoffs (before 6.9 protect picks
# synproxy or kernel-cookies, and the README says so)
best=$("$SG_BIN" status -j 2>/dev/null | jq -r '.kernel.best_defense')
while read -r name val _; do
	[ -n "$name" ] || continue
	[ "$name" = handoff_ok ] && [ "$best" != handoff ] && continue
	echo "$s" | grep -Eq "^$name +$val( |\$)" || bad="$bad $name!=$val"
done <<<"$want"
[ -n "$want" ] && [ -z "$bad" ] && sg_pass ${T}_stats_as_commented ||
	sg_fail ${T}_stats_as_commented "${bad:-the comment names no counter}: $(echo "$s" | grep -E 'synack|cookie|handoff' | head -c 400)"
[ ! -e /run/netns/srv ] && [ ! -e /run/netns/cli ] && sg_pass ${T}_cleans_up ||
	sg_fail ${T}_cleans_up "namespaces left: $(ip netns list | grep -Ew 'srv|cli')"
exit 0
