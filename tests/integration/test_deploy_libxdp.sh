#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# synguard beside another XDP program through libxdp's dispatcher, tested
# with xdp-filter (xdp-tools) denying one client address:
# - both orders (xdp-filter first, synguard first): xdp-loader status and
#   synguard status show both programs; the denied client's SYNs are dropped
#   by xdp-filter (synguard never answers them); other clients complete
#   cookie handshakes through synguard (it runs after xdp-filter, which
#   chain-calls on XDP_PASS), IPv4 and IPv6;
# - unprotect leaves xdp-filter working; unloading xdp-filter first leaves
#   synguard working;
# - kill -9 of protect at random points of the attach leaves no dispatcher
#   pinned that is not the one attached, and unprotect afterwards removes
#   everything.
# On a kernel that refuses freplace programs (libxdp's dispatcher is made of
# them; this project's 6.18 development kernel refuses every one with EPERM
# before the verifier runs) libxdp runs xdp-filter alone without a
# dispatcher: then the test checks that protect refuses with exit 6, names
# the program and says why, and skips the coexistence checks with doctor's
# reason. On Linux 6.13+/6.12.y with Debian's libxdp 1.3.1 protect joins the
# dispatcher with its fixed-length build (bpf/fixed_len.h).
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
. "$SG_TOP/tests/lib/defense.sh"

T=deploy_libxdp
sg_require_root $T
sg_def_require $T
for t in xdp-filter xdp-loader python3; do
	command -v $t >/dev/null || { sg_skip $T "$t missing (scripts/deps.sh installs xdp-tools)"; exit 0; }
done
sg_mount_fs
sg_lab || { sg_fail $T "cannot build the lab"; exit 1; }
DENY4=10.77.0.3 DENY6=fd77::3
ip -n "$NS_C" addr add $DENY4/24 dev $IF_C
# deprecated (preferred_lft 0): bound to explicitly, never chosen as the
# source of the other clients' connections (it would be, as the newest
# address of the prefix, and xdp-filter would drop them all)
ip -n "$NS_C" addr add $DENY6/64 dev $IF_C nodad preferred_lft 0
PORT=8092
OUT=$(mktemp -d /tmp/sg-lx.XXXXXX)
sg_on_exit "rm -rf $OUT"
LOOP=$SG_TOOLS/sg_connloop
IFX=$(ip -n "$NS_S" -j link show $IF_S | jq -r '.[0].ifindex')
sg_on_exit "sg_in $NS_S xdp-filter unload $IF_S --all"
sg_on_exit "sg_in $NS_S $SG_BIN unprotect $IF_S"

sg_s() { sg_in "$NS_S" "$@"; }
filter_load() {
	sg_s xdp-filter load $IF_S -m native >"$OUT/xf.log" 2>&1 &&
		sg_s xdp-filter ip $DENY4 -m src >>"$OUT/xf.log" 2>&1 &&
		sg_s xdp-filter ip $DENY6 -m src >>"$OUT/xf.log" 2>&1
}
protect() { sg_s "$SG_BIN" -j protect $IF_S --ports $PORT >"$OUT/protect.json" 2>"$OUT/protect.err"; }
# connect_from SRC DST: "ok" or the error, 1 s timeout
connect_from() {
	sg_in "$NS_C" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[2] else socket.AF_INET)
s.settimeout(1.0)
s.bind((sys.argv[1], 0))
try:
    s.connect((sys.argv[2], int(sys.argv[3]))); print("ok")
except Exception as e:
    print(type(e).__name__)' "$1" "$2" $PORT
}
loader_has() { sg_s xdp-loader status $IF_S 2>&1 | grep -q "$1"; }
stats() { sg_def_stats; }

# kill9_check: kill -9 protect at random points of its attach, 8 times,
# with xdp-filter loaded: no dispatcher stays pinned that is not the one
# attached, and xdp-filter stays; unprotect afterwards removes synguard
kill9_check() {
	orphans() {
		local cur d id
		cur=$(ip -n "$NS_S" -j link show $IF_S | jq -r '.[0].xdp.prog.id // .[0].xdp.attached[0].prog.id // 0')
		for d in /sys/fs/bpf/xdp/dispatch-$IFX-*; do
			[ -e "$d" ] || continue
			id=${d##*-}
			[ "$id" = "$cur" ] || echo "$d"
		done
	}
	sg_s xdp-filter unload $IF_S --all >/dev/null 2>&1
	filter_load
	bad=0
	for i in $(seq 8); do
		# not through sg_s: $! must be protect itself (nsenter execs
		# it), not a subshell that would die alone
		nsenter --net=/run/netns/"$NS_S" "$SG_BIN" protect $IF_S --ports $PORT >/dev/null 2>&1 &
		p=$!
		sleep "0.$((RANDOM % 30))"
		kill -9 $p 2>/dev/null; wait $p 2>/dev/null
		# the attach finishes in its child (user/attach_child.c): wait
		# for it (two loads of the program in a slow guest take a while)
		for _ in $(seq 300); do
			pgrep -f -- "$SG_BIN protect $IF_S" >/dev/null || break
			sleep 0.2
		done
		o=$(orphans)
		[ -z "$o" ] || { bad=1; echo "round $i: orphan: $o"; }
		sg_s "$SG_BIN" unprotect $IF_S >/dev/null 2>&1
	done
	o=$(orphans)
	if [ $bad -eq 0 ] && [ -z "$o" ] && loader_has xdpfilt && ! loader_has sg_xdp; then
		sg_pass ${T}_kill9_no_orphan_dispatcher
	else
		sg_fail ${T}_kill9_no_orphan_dispatcher "orphans: $o $(sg_s xdp-loader status $IF_S 2>&1 | tr -s ' \n' ' ')"
	fi
}

for a in $ADDR_S4 $ADDR_S6; do
	nsenter --net=/run/netns/"$NS_S" "$LOOP" --server -a "$a" -p $PORT >"$OUT/srv-$a" 2>&1 &
	sg_on_exit "kill $!"
done
sg_wait_port "$NS_S" $PORT || { sg_fail $T "servers did not listen"; exit 1; }

filter_load || { sg_fail ${T}_xdp_filter_load "$(tail -n 3 "$OUT/xf.log")"; exit 1; }
if ! sg_s xdp-loader status $IF_S 2>&1 | grep -q xdp_dispatcher; then
	# libxdp fell back to a lone program: this kernel has no usable freplace
	protect; rc=$?
	cat "$OUT/protect.err"
	if [ $rc -eq 6 ] && grep -q "xdpfilt" "$OUT/protect.err" && grep -q "freplace\|dispatcher" "$OUT/protect.err"; then
		sg_pass ${T}_no_dispatcher_refused_with_reason
	else
		sg_fail ${T}_no_dispatcher_refused_with_reason "rc=$rc: $(tr '\n' ' ' <"$OUT/protect.err")"
	fi
	# (no kill -9 check: without a dispatcher there is nothing to orphan)
	sg_s xdp-filter unload $IF_S --all >/dev/null 2>&1
	# the reason, as doctor finds it (on the 6.18 development kernel: every
	# freplace program refused with EPERM before the verifier runs)
	why=$(sg_s "$SG_BIN" doctor -j 2>/dev/null | jq -r '.checks[] | select(.name == "libxdp") | .detail')
	sg_skip ${T}_coexistence "libxdp runs xdp-filter without a dispatcher on $(uname -r): ${why:-this kernel refuses freplace programs}"
	exit 0
fi

# syns_seen STATS: the SYNs to the port that reached synguard, whatever it
# did with them (answered, passed to the kernel's own handshake, refused)
syns_seen() {
	echo "$1" | jq '[.synack_sent, .pass_syn_kernel, .pass_syn_tx_error, .would_synack_sent,
		.pass_syn_no_listener, .pass_syn_disengaged] | map(. // 0) | add'
}
# check_round TAG: the denied client is dropped before synguard sees it;
# the others complete their handshakes through synguard: cookie handshakes
# handed over in tc (handoff), or the kernel's own (kernel-cookies, 6.0-6.8)
check_round() {
	local tag=$1 before after ho seen denied r4 r6 d4 d6 defense
	defense=$(sg_s "$SG_BIN" status $IF_S -j | jq -r '.interfaces[0].defense')
	before=$(stats)
	sg_in "$NS_C" "$LOOP" --client -a $ADDR_S4 -p $PORT -c 2 -n 10 --timeout-ms 3000 >"$OUT/c4" 2>&1
	sg_in "$NS_C" "$LOOP" --client -a $ADDR_S6 -p $PORT -c 2 -n 10 --timeout-ms 3000 >"$OUT/c6" 2>&1
	sleep 0.2
	after=$(stats)
	d4=$(connect_from $DENY4 $ADDR_S4); d6=$(connect_from $DENY6 $ADDR_S6)
	sleep 0.2
	denied=$(( $(syns_seen "$(stats)") - $(syns_seen "$after") ))
	seen=$(( $(syns_seen "$after") - $(syns_seen "$before") ))
	ho=$(sg_def_delta "$before" "$after" handoff_ok)
	r4=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' "$OUT/c4"); r6=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' "$OUT/c6")
	echo "$tag ($defense): allowed ok v4=$r4 v6=$r6, SYNs seen +$seen, handoff_ok +$ho; denied v4=$d4 v6=$d6 (SYNs seen +$denied)"
	[ "$r4" = 20 ] || echo "IPv4 clients: $(tail -n 3 "$OUT/c4" | tr '\n' ' ')"
	[ "$r6" = 20 ] || echo "IPv6 clients: $(tail -n 3 "$OUT/c6" | tr '\n' ' ')"
	if [ "$defense" = handoff ]; then
		if [ "$r4" = 20 ] && [ "$r6" = 20 ] && [ "$ho" -ge 40 ]; then sg_pass ${T}_${tag}_cookie_handshakes; else
			sg_fail ${T}_${tag}_cookie_handshakes "ok v4=$r4 v6=$r6 of 20, handoff_ok +$ho"; fi
	elif [ "$r4" = 20 ] && [ "$r6" = 20 ] && [ "$seen" -ge 40 ]; then
		sg_pass ${T}_${tag}_handshakes_${defense}
	else
		sg_fail ${T}_${tag}_handshakes_${defense} "ok v4=$r4 v6=$r6 of 20, synguard saw $seen SYNs"
	fi
	if [ "$d4" != ok ] && [ "$d6" != ok ] && [ "$denied" = 0 ]; then sg_pass ${T}_${tag}_denied_dropped; else
		sg_fail ${T}_${tag}_denied_dropped "denied client: v4=$d4 v6=$d6, synguard saw $denied of its SYNs"; fi
}

# --- order 1: xdp-filter first, then synguard
protect; rc=$?
cat "$OUT/protect.json" "$OUT/protect.err"
if [ $rc -ne 0 ] && grep -q "changes packet data" "$OUT/protect.err"; then
	# Linux 6.13+ (and 6.12.y) refuse an extension that changes packet data
	# in a dispatcher slot that does not; libxdp before xdp-tools PR #509
	# (Debian's 1.3.1) builds such dispatchers. protect must say so, change
	# nothing, and alone on an interface fall back to netlink.
	d4=$(connect_from $DENY4 $ADDR_S4); a4=$(connect_from $ADDR_C4 $ADDR_S4)
	if [ $rc -eq 6 ] && loader_has xdpfilt && ! loader_has sg_xdp && [ "$d4" != ok ] && [ "$a4" = ok ]; then
		sg_pass ${T}_old_dispatcher_refused_nothing_changed
	else
		sg_fail ${T}_old_dispatcher_refused_nothing_changed "rc=$rc denied=$d4 allowed=$a4"
	fi
	sg_s xdp-filter unload $IF_S --all >/dev/null 2>&1
	protect; rc=$?
	if [ $rc -eq 0 ] && jq -e '.attach == "netlink" and (.attach_reason | test("dispatcher"))' "$OUT/protect.json" >/dev/null; then
		sg_pass ${T}_alone_falls_back_to_netlink
	else
		sg_fail ${T}_alone_falls_back_to_netlink "rc=$rc $(jq -c '{attach, attach_reason}' "$OUT/protect.json" 2>/dev/null) $(cat "$OUT/protect.err")"
	fi
	sg_s "$SG_BIN" unprotect $IF_S >/dev/null 2>&1
	kill9_check
	sg_s xdp-filter unload $IF_S --all >/dev/null 2>&1
	sg_skip ${T}_coexistence "this libxdp's dispatcher cannot hold synguard on this kernel ($(uname -r)): it changes packet data, the dispatcher's slots do not"
	exit 0
fi
if [ $rc -eq 0 ] && jq -e '.attach == "libxdp"' "$OUT/protect.json" >/dev/null; then
	echo "xdp build: $(jq -r '.xdp_build + " " + (.xdp_build_reason // "")' "$OUT/protect.json")"
	sg_pass ${T}_protect_joins_dispatcher
else
	sg_fail ${T}_protect_joins_dispatcher "rc=$rc $(jq -c '{attach, attach_reason}' "$OUT/protect.json" 2>/dev/null) $(tail -n 2 "$OUT/protect.err")"
	exit 1
fi
sg_s xdp-loader status $IF_S
if loader_has xdpfilt && loader_has sg_xdp; then sg_pass ${T}_xdp_loader_shows_both; else
	sg_fail ${T}_xdp_loader_shows_both "$(sg_s xdp-loader status $IF_S 2>&1 | tr -s ' \n' ' ')"; fi
st=$(sg_s "$SG_BIN" status $IF_S -j)
build=$(jq -r '.xdp_build' "$OUT/protect.json")
if echo "$st" | jq -e --arg b "$build" '.interfaces[0] | .attach == "libxdp" and .xdp_build == $b and
	(.other_programs | map(.name) | any(startswith("xdpfilt")))' >/dev/null; then
	sg_pass ${T}_status_lists_others
else
	sg_fail ${T}_status_lists_others "$st"
fi
check_round filter_first

# unprotect leaves xdp-filter working
sg_s "$SG_BIN" unprotect $IF_S >"$OUT/unp" 2>&1; rc=$?
d4=$(connect_from $DENY4 $ADDR_S4); a4=$(connect_from $ADDR_C4 $ADDR_S4)
if [ $rc -eq 0 ] && loader_has xdpfilt && ! loader_has sg_xdp && [ "$d4" != ok ] && [ "$a4" = ok ]; then
	sg_pass ${T}_unprotect_keeps_filter
else
	sg_fail ${T}_unprotect_keeps_filter "rc=$rc denied=$d4 allowed=$a4 $(sg_s xdp-loader status $IF_S 2>&1 | tr -s ' \n' ' ')"
fi

# --- order 2: synguard first, then xdp-filter; unload xdp-filter first
sg_s xdp-filter unload $IF_S --all >/dev/null 2>&1
protect || { sg_fail ${T}_protect_alone "$(cat "$OUT/protect.err")"; exit 1; }
filter_load || sg_fail ${T}_filter_after_synguard "$(tail -n 3 "$OUT/xf.log")"
if loader_has xdpfilt && loader_has sg_xdp; then sg_pass ${T}_filter_joins_synguard; else
	sg_fail ${T}_filter_joins_synguard "$(sg_s xdp-loader status $IF_S 2>&1 | tr -s ' \n' ' ')"; fi
check_round synguard_first
sg_s xdp-filter unload $IF_S --all >"$OUT/xfu" 2>&1
before=$(stats)
sg_in "$NS_C" "$LOOP" --client -a $ADDR_S4 -p $PORT -c 2 -n 10 --timeout-ms 3000 >"$OUT/c4" 2>&1
sleep 0.2
after=$(stats)
ho=$(sg_def_delta "$before" "$after" handoff_ok)
seen=$(( $(syns_seen "$after") - $(syns_seen "$before") ))
ok4=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' "$OUT/c4")
# handoff: every handshake handed over in tc; kernel-cookies: the kernel's
# own handshakes, every SYN seen by synguard
case $(sg_s "$SG_BIN" status $IF_S -j | jq -r '.interfaces[0].defense') in
handoff) [ "$ho" -ge 20 ]; good=$? ;;
*) [ "$seen" -ge 20 ]; good=$? ;;
esac
if sg_s "$SG_BIN" status $IF_S >/dev/null 2>&1 && [ "$ok4" = 20 ] && [ $good -eq 0 ] && ! loader_has xdpfilt; then
	sg_pass ${T}_filter_unload_keeps_synguard
else
	sg_fail ${T}_filter_unload_keeps_synguard "ok $ok4 of 20, handoff_ok +$ho, SYNs seen +$seen, $(tail -n 1 "$OUT/c4")"
fi
sg_s "$SG_BIN" unprotect $IF_S >/dev/null 2>&1
kill9_check
sg_s xdp-filter unload $IF_S --all >/dev/null 2>&1
if [ -z "$(ls -d /sys/fs/bpf/xdp/dispatch-$IFX-* 2>/dev/null)" ] && \
   [ "$(ip -n "$NS_S" -j link show $IF_S | jq -r '.[0].xdp // "none"')" = none ]; then
	sg_pass ${T}_all_removed
else
	sg_fail ${T}_all_removed "$(ls -d /sys/fs/bpf/xdp/dispatch-$IFX-* 2>/dev/null) $(ip -n "$NS_S" -j link show $IF_S | jq -c '.[0].xdp')"
fi
exit 0
