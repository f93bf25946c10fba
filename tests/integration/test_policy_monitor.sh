#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Monitor mode (issue 11 item 2) end to end, with the kernel's own counters
# of the server namespace as the witness:
#  - the same fixed traffic (sg_flood with a fixed count and rate: spoofed
#    SYNs over IPv4 and IPv6, forged ACKs, SYN+FIN, SYN+RST, no flags,
#    FIN+PSH+URG) is sent once under --monitor and once under enforce;
#    every would_* counter of the monitor run equals its counter of the
#    enforce run and the frames sent of its kind (exact: the traffic is
#    fixed and each frame takes one path);
#  - under --monitor the kernel sees every segment (TcpInSegs grows by the
#    frames sent, it answers the flood with its own cookies: SyncookiesSent),
#    nothing is dropped or answered by XDP (drop_*, synack_sent unchanged);
#    under enforce the kernel sees none of it;
#  - monitor -> enforce -> monitor are live (protect --enforce/--monitor on
#    the protected interface, the same XDP program id), and the verdicts
#    change with them;
#  - the deny list in monitor mode: would_drop_deny_syn/_ack count, the
#    SYNs pass and a real client from a denied address connects; in enforce
#    the same are drop_deny_* and the client fails;
#  - the per-source SYN limit and the SYN-ACK cap in both modes: these
#    depend on time, so the split is bounded (rate x the flood's own
#    duration + burst), the sum exact, and the two modes within the bound
#    of each other.
# (That every passed frame is byte-identical is tests/unit/test_monitor.)
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
. "$SG_TOP/tests/lib/cli.sh"
. "$SG_TOP/tests/lib/defense.sh"

T=policy_monitor
sg_require_root $T
sg_def_require $T
sg_def_require_handoff $T
command -v python3 >/dev/null || { sg_skip $T "needs python3"; exit 0; }
command -v nstat >/dev/null || { sg_skip $T "needs nstat (iproute2)"; exit 0; }
sg_mount_fs
sg_lab || { sg_fail $T "cannot build the lab"; exit 1; }
PORT=8090
OUT=$(mktemp -d /tmp/sg-mon.XXXXXX)
sg_on_exit "rm -rf $OUT"
S() { sg_in "$NS_S" "$SG_BIN" "$@"; }
SMAC=$(ip -n "$NS_S" -j link show "$IF_S" | jq -r '.[0].address')

# The spoofed sources (10.78/16, 10.79/16, fd78::/64, fd79::/64) route back
# through the client: the kernel answers them in monitor mode (its SYN-ACKs
# and RSTs die in the client namespace, which does not forward), and a
# strict rp_filter lets them in.
ip -n "$NS_S" route add 10.78.0.0/15 via "$ADDR_C4"
ip -n "$NS_S" -6 route add fd78::/15 via "$ADDR_C6"
DENIED_CLIENT=10.77.0.66
ip -n "$NS_C" addr add $DENIED_CLIENT/24 dev "$IF_C"

nsenter --net=/run/netns/"$NS_S" "$SG_SERVER" -p $PORT --accept-only -t 600 -q \
	>"$OUT/server.log" 2>&1 &
SRV=$!
sg_on_exit "kill $SRV"
sg_wait_port "$NS_S" $PORT || { sg_fail $T "server did not listen"; exit 1; }

# conn SRC: one connect from SRC to the server's IPv4 address, 0 if accepted within 2 s
conn() {
	sg_in "$NS_C" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(2)
s.bind((sys.argv[1], 0))
try:
    s.connect((sys.argv[2], int(sys.argv[3])))
except OSError:
    sys.exit(1)
s.close()' "$1" "$ADDR_S4" $PORT
}

# fl PHASE KIND ARGS...: one sg_flood run at a fixed rate; appends "KIND SENT SECONDS"
# to $OUT/PHASE.sent
fl() {
	local ph=$1 kind=$2; shift 2
	sg_in "$NS_C" "$SG_FLOOD" -i "$IF_C" --dst-mac "$SMAC" --dport $PORT "$@" \
		>"$OUT/$ph.$kind.json" 2>&1
	echo "$kind $(tail -n 1 "$OUT/$ph.$kind.json" | jq -r '"\(.sent // 0) \(.seconds // 0)"')" \
		>>"$OUT/$ph.sent"
}
sent_of() { awk -v k="$2" '$1 == k { s += $2 } END { print s + 0 }' "$OUT/$1.sent"; }
secs_of() { awk -v k="$2" '$1 == k { print $3 }' "$OUT/$1.sent"; }
total_sent() { awk '{ s += $2 } END { print s + 0 }' "$OUT/$1.sent"; }

RATE=20000
N_SYN=10000 N_SYN6=4000 N_ACK=4000 N_BAD=1000
# the fixed traffic of the comparison (kind: counter in enforce mode)
base_traffic() {
	local ph=$1
	: >"$OUT/$ph.sent"
	fl "$ph" syn --mode syn --dst "$ADDR_S4" --src 10.78.0.0/16 -c $N_SYN --rate $RATE
	fl "$ph" syn6 --mode syn --dst "$ADDR_S6" --src fd78::/64 -c $N_SYN6 --rate $RATE
	fl "$ph" ack --mode ack --dst "$ADDR_S4" --src 10.78.0.0/16 -c $N_ACK --rate $RATE
	fl "$ph" synfin --mode syn --flags syn,fin --dst "$ADDR_S4" --src 10.78.0.0/16 -c $N_BAD --rate $RATE
	fl "$ph" synrst --mode syn --flags syn,rst --dst "$ADDR_S6" --src fd78::/64 -c $N_BAD --rate $RATE
	fl "$ph" noflags --mode ack --flags none --dst "$ADDR_S4" --src 10.78.0.0/16 -c $N_BAD --rate $RATE
	fl "$ph" xmas --mode ack --flags fin,psh,urg --dst "$ADDR_S4" --src 10.78.0.0/16 -c $N_BAD --rate $RATE
}
# KIND ENFORCE-COUNTER MONITOR-COUNTER (syn and syn6 share theirs). A
# spoofed SYN whose random 4-tuple repeats an earlier one's (about 1 run in
# 100 for 10,000 SYNs from a /16) meets the request socket the kernel made
# for it in monitor mode: pass_syn_existing, which enforce mode does too.
PAIRS="syn+syn6:synack_sent+pass_syn_existing:would_synack_sent+pass_syn_existing
ack:ack_cookie_invalid+rst_sent+drop_rst_capped+drop_ack_maybe_ours:would_ack_cookie_invalid+would_rst_sent+would_drop_rst_capped
synfin:drop_syn_fin:would_drop_syn_fin
synrst:drop_syn_rst:would_drop_syn_rst
noflags:drop_no_flags:would_drop_no_flags
xmas:drop_fin_psh_urg:would_drop_fin_psh_urg"
ENFORCE_ONLY="synack_sent ack_cookie_invalid rst_sent drop_syn_fin drop_syn_rst drop_no_flags
drop_fin_psh_urg drop_rst_capped drop_martian drop_bad_csum drop_syn_limited
drop_synack_capped drop_deny_syn drop_deny_ack drop_ack_maybe_ours"
KSTATS="TcpInSegs TcpExtSyncookiesSent TcpExtListenOverflows TcpExtListenDrops"

# snap PHASE before|after: synguard's counters, the kernel's, the device's
snap() {
	sg_def_stats >"$OUT/$1.$2.sg"
	sg_def_kstats "$NS_S" >"$OUT/$1.$2.k"
	sg_def_link_stat "$NS_S" "$IF_S" rx packets >"$OUT/$1.$2.rx"
	sg_def_link_stat "$NS_S" "$IF_S" rx dropped >"$OUT/$1.$2.rxd"
}
# d PHASE NAME[+NAME...]: a counter's growth, or the sum of several (the
# forged ACKs: with RSTs on (the default), answered, capped, or dropped as
# maybe a real client's; ack_cookie_invalid only with --rst-limit 0)
d() {
	local n s=0 v
	for n in ${2//+/ }; do
		v=$(sg_def_delta "$(cat "$OUT/$1.before.sg")" "$(cat "$OUT/$1.after.sg")" "$n")
		[[ $v =~ ^[0-9]+$ ]] || { echo "$v"; return; }
		s=$((s + v))
	done
	echo $s
}
kd() { sg_def_kdelta "$(cat "$OUT/$1.before.k")" "$(cat "$OUT/$1.after.k")" "$2"; }
rxd() { echo $(( $(cat "$OUT/$1.after.$2") - $(cat "$OUT/$1.before.$2") )); }
# run PHASE TRAFFIC-FUNCTION: snapshots around the traffic (the last frames
# of a flood are processed by the sender's own softirq, but give them 0.3 s)
run() {
	snap "$1" before
	"$2" "$1"
	sleep 0.3
	snap "$1" after
	echo "  $1: sent $(awk '{ printf "%s %s ", $1, $2 }' "$OUT/$1.sent");" \
		"kernel $(for k in $KSTATS; do printf '%s +%s ' "$k" "$(kd "$1" "$k")"; done)" \
		"dev rx +$(rxd "$1" rx) dropped +$(rxd "$1" rxd)"
}
# pairs_line PHASE: "counter=delta ..." of both sides of every pair
pairs_line() {
	local p k e m
	for p in $PAIRS; do
		IFS=: read -r k e m <<<"$p"
		printf '%s=%s %s=%s ' "$e" "$(d "$1" "$e")" "$m" "$(d "$1" "$m")"
	done
}
sent_kinds() { local s=0 k; for k in ${1//+/ }; do s=$((s + $(sent_of "$2" "$k"))); done; echo $s; }

SG_DEF_LOG=$OUT/protect.log
sg_def_protect $PORT --monitor || { sg_fail $T "protect --monitor: $(tail -n 3 "$OUT/protect.log")"; exit 1; }
XID=$(sg_xdp_id "$NS_S" "$IF_S")
[ "$(S status "$IF_S" -j | jq -r '.interfaces[0].monitor')" = true ] &&
	sg_pass ${T}_status_monitor || sg_fail ${T}_status_monitor "$(S status "$IF_S" -j | head -c 300)"
same_prog() {	# NAME: the XDP program is the one attached first (no re-attach)
	local id; id=$(sg_xdp_id "$NS_S" "$IF_S")
	[ -n "$XID" ] && [ "$id" = "$XID" ] && sg_pass "${T}_$1" ||
		sg_fail "${T}_$1" "XDP program id $id, was $XID"
}

# ---- 1. the fixed traffic under --monitor ----
run mon base_traffic
echo "  mon: $(pairs_line mon)"
ok=1 why=
for p in $PAIRS; do
	IFS=: read -r k e m <<<"$p"
	want=$(sent_kinds "$k" mon)
	[ "$(d mon "$m")" = "$want" ] || { ok=0; why+="$m +$(d mon "$m") (sent $want) "; }
done
[ $ok = 1 ] && sg_pass ${T}_monitor_would_counts_exact || sg_fail ${T}_monitor_would_counts_exact "$why"
# ... and such repeats stay rare: anything more is a verdict gone wrong
[ "$(d mon pass_syn_existing)" -le 5 ] && sg_pass ${T}_monitor_repeated_tuples_rare ||
	sg_fail ${T}_monitor_repeated_tuples_rare "pass_syn_existing +$(d mon pass_syn_existing)"
ok=1 why=
for c in $ENFORCE_ONLY; do
	[ "$(d mon "$c")" = 0 ] || { ok=0; why+="$c +$(d mon "$c") "; }
done
[ $ok = 1 ] && sg_pass ${T}_monitor_nothing_dropped_or_answered ||
	sg_fail ${T}_monitor_nothing_dropped_or_answered "$why"
# every frame reached TCP in the server's kernel (TcpInSegs counts even
# the malformed ones; nothing else sends TCP to the server meanwhile)
total=$(total_sent mon)
[ "$total" -eq $((N_SYN + N_SYN6 + N_ACK + 4 * N_BAD)) ] && [ "$(kd mon TcpInSegs)" = "$total" ] &&
	sg_pass ${T}_monitor_kernel_sees_every_segment ||
	sg_fail ${T}_monitor_kernel_sees_every_segment "sent $total, TcpInSegs +$(kd mon TcpInSegs)"
[ "$(kd mon TcpExtSyncookiesSent)" -gt 0 ] && sg_pass ${T}_monitor_kernel_answers_the_flood ||
	sg_fail ${T}_monitor_kernel_answers_the_flood "TcpExtSyncookiesSent +$(kd mon TcpExtSyncookiesSent)"

# ---- 2. live switch to enforce: same program, the verdicts change ----
sg_expect_rc ${T}_switch_enforce 0 S protect "$IF_S" --ports $PORT -m native --enforce
same_prog enforce_no_reattach
[ "$(S status "$IF_S" -j | jq -r '.interfaces[0].monitor')" = false ] &&
	sg_pass ${T}_status_enforce || sg_fail ${T}_status_enforce "$(S status "$IF_S" -j | head -c 300)"
run enf base_traffic
echo "  enf: $(pairs_line enf)"
ok=1 why=
for p in $PAIRS; do
	IFS=: read -r k e m <<<"$p"
	want=$(sent_kinds "$k" enf)
	mw=$(tr + '\n' <<<"$m" | grep '^would_' | paste -sd+)	# the would_ ones: none in enforce
	[ "$(d enf "$e")" = "$want" ] && [ "$(d enf "$mw")" = 0 ] ||
		{ ok=0; why+="$e +$(d enf "$e") $mw +$(d enf "$mw") (sent $want) "; }
done
[ $ok = 1 ] && sg_pass ${T}_enforce_counts_exact || sg_fail ${T}_enforce_counts_exact "$why"
# counter by counter: what monitor mode would have done is what enforce did
ok=1 why=
for p in $PAIRS; do
	IFS=: read -r k e m <<<"$p"
	[ "$(d mon "$m")" = "$(d enf "$e")" ] || { ok=0; why+="$m +$(d mon "$m") vs $e +$(d enf "$e") "; }
done
[ $ok = 1 ] && sg_pass ${T}_would_equals_enforce || sg_fail ${T}_would_equals_enforce "$why"
[ "$(kd enf TcpInSegs)" = 0 ] && [ "$(kd enf TcpExtSyncookiesSent)" = 0 ] &&
	sg_pass ${T}_enforce_kernel_sees_none ||
	sg_fail ${T}_enforce_kernel_sees_none "TcpInSegs +$(kd enf TcpInSegs), SyncookiesSent +$(kd enf TcpExtSyncookiesSent)"
conn "$ADDR_C4" && sg_pass ${T}_enforce_client_connects || sg_fail ${T}_enforce_client_connects "connect failed"

# ---- 3. the deny list, monitor then enforce (both switches live) ----
sg_expect_rc ${T}_switch_monitor 0 S protect "$IF_S" --ports $PORT -m native --monitor
same_prog monitor_no_reattach
sg_expect_rc ${T}_deny_add 0 S deny add "$IF_S" 10.79.0.0/16 fd79::/64 10.77.0.64/26
N_DSYN=4000 N_DSYN6=2000 N_DACK=2000
deny_traffic() {
	: >"$OUT/$1.sent"
	fl "$1" syn --mode syn --dst "$ADDR_S4" --src 10.79.0.0/16 -c $N_DSYN --rate $RATE
	fl "$1" syn6 --mode syn --dst "$ADDR_S6" --src fd79::/64 -c $N_DSYN6 --rate $RATE
	fl "$1" ack --mode ack --dst "$ADDR_S4" --src 10.79.0.0/16 -c $N_DACK --rate $RATE
}
deny_check() {	# PHASE DROP-PREFIX (drop_ or would_drop_) OTHER-PREFIX
	local ph=$1 on=$2 off=$3 s a
	s=$((N_DSYN + N_DSYN6)); a=$N_DACK
	echo "  $ph: ${on}deny_syn +$(d "$ph" ${on}deny_syn) ${on}deny_ack +$(d "$ph" ${on}deny_ack)" \
		"${off}deny_syn +$(d "$ph" ${off}deny_syn) ${off}deny_ack +$(d "$ph" ${off}deny_ack)" \
		"synack_sent +$(d "$ph" synack_sent) would_synack_sent +$(d "$ph" would_synack_sent)"
	[ "$(total_sent "$ph")" = $((s + a)) ] && [ "$(d "$ph" ${on}deny_syn)" = $s ] &&
		[ "$(d "$ph" ${on}deny_ack)" = $a ] && [ "$(d "$ph" ${off}deny_syn)" = 0 ] &&
		[ "$(d "$ph" ${off}deny_ack)" = 0 ] && [ "$(d "$ph" synack_sent)" = 0 ] &&
		[ "$(d "$ph" would_synack_sent)" = 0 ]
}
run mdeny deny_traffic
deny_check mdeny would_drop_ drop_ && sg_pass ${T}_monitor_deny_counted ||
	sg_fail ${T}_monitor_deny_counted "sent $(total_sent mdeny)"
[ "$(kd mdeny TcpInSegs)" = "$(total_sent mdeny)" ] && sg_pass ${T}_monitor_deny_passes ||
	sg_fail ${T}_monitor_deny_passes "sent $(total_sent mdeny), TcpInSegs +$(kd mdeny TcpInSegs)"
b=$(sg_def_stats)
conn $DENIED_CLIENT; rc=$?
a=$(sg_def_stats)
[ $rc = 0 ] && [ "$(sg_def_delta "$b" "$a" would_drop_deny_syn)" -ge 1 ] &&
	[ "$(sg_def_delta "$b" "$a" drop_deny_syn)" = 0 ] && sg_pass ${T}_monitor_denied_client_connects ||
	sg_fail ${T}_monitor_denied_client_connects "connect rc $rc, would_drop_deny_syn +$(sg_def_delta "$b" "$a" would_drop_deny_syn)"

sg_expect_rc ${T}_switch_enforce_deny 0 S protect "$IF_S" --ports $PORT -m native --enforce
same_prog enforce_deny_no_reattach
run edeny deny_traffic
deny_check edeny drop_ would_drop_ && sg_pass ${T}_enforce_deny_dropped ||
	sg_fail ${T}_enforce_deny_dropped "sent $(total_sent edeny)"
[ "$(kd edeny TcpInSegs)" = 0 ] && sg_pass ${T}_enforce_deny_kernel_sees_none ||
	sg_fail ${T}_enforce_deny_kernel_sees_none "TcpInSegs +$(kd edeny TcpInSegs)"
[ "$(d mdeny would_drop_deny_syn)" = "$(d edeny drop_deny_syn)" ] &&
	[ "$(d mdeny would_drop_deny_ack)" = "$(d edeny drop_deny_ack)" ] &&
	sg_pass ${T}_deny_would_equals_enforce ||
	sg_fail ${T}_deny_would_equals_enforce "would_drop_deny_syn $(d mdeny would_drop_deny_syn) vs $(d edeny drop_deny_syn)"
b=$(sg_def_stats)
conn $DENIED_CLIENT; rc=$?
a=$(sg_def_stats)
[ $rc != 0 ] && [ "$(sg_def_delta "$b" "$a" drop_deny_syn)" -ge 1 ] && sg_pass ${T}_enforce_denied_client_fails ||
	sg_fail ${T}_enforce_denied_client_fails "connect rc $rc, drop_deny_syn +$(sg_def_delta "$b" "$a" drop_deny_syn)"
S deny flush "$IF_S" >/dev/null

# ---- 4. the per-source limit and the SYN-ACK cap, monitor vs enforce ----
# F1: one source (10.78.5.5) at 3000/s for 1 s against --syn-limit 100
# --syn-burst 200: it gets burst + rate x its duration; F2, 0.5 s later (the
# cap's bucket refilled: its burst is a tenth of a second), 8000 spoofed
# sources at 8000/s against --synack-limit 2000: answered burst (200) +
# 2000 x its duration. Both sums are exact (F1's random source ports
# collide: a SYN on the 4-tuple of a request socket the kernel holds, from
# an earlier SYN of this or the monitor run, goes to the kernel as
# pass_syn_existing, ~3000^2 / 2 / 64512 = 70 per run, so it is in the sum);
# each split is within 5% (plus
# 10 for the edges of a GCRA bucket) of burst + rate x the flood's own
# duration (the sender's CPU runs the XDP program, so its duration is
# XDP's), and the two modes within that of each other.
LIM=(--syn-limit 100 --syn-burst 200 --synack-limit 2000)
lim_traffic() {
	: >"$OUT/$1.sent"
	fl "$1" f1 --mode syn --dst "$ADDR_S4" --src 10.78.5.5/32 -c 3000 --rate 3000
	sleep 0.3
	snap "$1" mid
	sleep 0.2
	fl "$1" f2 --mode syn --dst "$ADDR_S4" --src 10.78.128.0/17 -c 8000 --rate 8000
}
# lim_check PHASE PREFIX ('' or would_): "ok" or why not
lim_check() {
	local ph=$1 w=$2 b m a s1 s2 l1 a1 x1 c2 a2 e1 e2 why=
	b=$(cat "$OUT/$ph.before.sg"); m=$(cat "$OUT/$ph.mid.sg"); a=$(cat "$OUT/$ph.after.sg")
	s1=$(sent_of "$ph" f1); s2=$(sent_of "$ph" f2)
	l1=$(sg_def_delta "$b" "$m" ${w}drop_syn_limited)
	a1=$(sg_def_delta "$b" "$m" ${w}synack_sent)
	x1=$(sg_def_delta "$b" "$m" pass_syn_existing)
	a2=$(sg_def_delta "$m" "$a" ${w}synack_sent)
	c2=$(sg_def_delta "$m" "$a" ${w}drop_synack_capped)
	e1=$(echo "200 + 100 * $(secs_of "$ph" f1)" | bc -l)
	e2=$(echo "200 + 2000 * $(secs_of "$ph" f2)" | bc -l)
	printf '  %s: f1 %s SYNs in %ss: %ssynack_sent +%s (expect %.0f) %sdrop_syn_limited +%s pass_syn_existing +%s; f2 %s in %ss: %ssynack_sent +%s (expect %.0f) %sdrop_synack_capped +%s\n' \
		"$ph" "$s1" "$(secs_of "$ph" f1)" "$w" "$a1" "$e1" "$w" "$l1" "$x1" "$s2" "$(secs_of "$ph" f2)" \
		"$w" "$a2" "$e2" "$w" "$c2" >&2
	[ $((l1 + a1 + x1)) = "$s1" ] || why+="f1: $l1 + $a1 + $x1 != $s1 "
	[ $((c2 + a2)) = "$s2" ] || why+="f2: $c2 + $a2 != $s2 "
	[ "$(echo "$a1 <= $e1 * 1.05 + 10 && $a1 >= $e1 * 0.95 - 10" | bc)" = 1 ] || why+="f1 answered $a1, expect $e1 "
	[ "$(echo "$a2 <= $e2 * 1.05 + 10 && $a2 >= $e2 * 0.95 - 10" | bc)" = 1 ] || why+="f2 answered $a2, expect $e2 "
	echo "${why:-ok} $a1 $a2 $e1 $e2"
}
sg_expect_rc ${T}_switch_monitor_limits 0 S protect "$IF_S" --ports $PORT -m native --monitor "${LIM[@]}"
same_prog monitor_limits_no_reattach
run mlim lim_traffic
mres=$(lim_check mlim would_)
[ "${mres%% *}" = ok ] && sg_pass ${T}_monitor_limits_bounded || sg_fail ${T}_monitor_limits_bounded "$mres"
for c in synack_sent drop_syn_limited drop_synack_capped; do
	[ "$(d mlim $c)" = 0 ] || sg_fail ${T}_monitor_limits_no_drops "$c +$(d mlim $c)"
done
[ "$(kd mlim TcpInSegs)" = "$(total_sent mlim)" ] && sg_pass ${T}_monitor_limits_kernel_sees_all ||
	sg_fail ${T}_monitor_limits_kernel_sees_all "sent $(total_sent mlim), TcpInSegs +$(kd mlim TcpInSegs)"
sg_expect_rc ${T}_switch_enforce_limits 0 S protect "$IF_S" --ports $PORT -m native --enforce "${LIM[@]}"
same_prog enforce_limits_no_reattach
run elim lim_traffic
eres=$(lim_check elim '')
[ "${eres%% *}" = ok ] && sg_pass ${T}_enforce_limits_bounded || sg_fail ${T}_enforce_limits_bounded "$eres"
for c in would_synack_sent would_drop_syn_limited would_drop_synack_capped; do
	[ "$(d elim $c)" = 0 ] || sg_fail ${T}_enforce_limits_no_would "$c +$(d elim $c)"
done
# monitor vs enforce: the answered counts differ by no more than the
# expectations (their durations) differ, plus the 5% + 10 of each bound
read -r _ ma1 ma2 me1 me2 <<<"$mres"
read -r _ ea1 ea2 ee1 ee2 <<<"$eres"
abs() { echo "$1" | sed 's/^-//'; }
near() {	# A-MON A-ENF E-MON E-ENF
	[ "$(echo "$(abs "$(echo "$1 - $2" | bc -l)") <= $(abs "$(echo "$3 - $4" | bc -l)") + 0.05 * ($3 + $4) + 20" | bc -l)" = 1 ]
}
if [ "${mres%% *}" = ok ] && [ "${eres%% *}" = ok ] && near "$ma1" "$ea1" "$me1" "$ee1" &&
   near "$ma2" "$ea2" "$me2" "$ee2"; then
	sg_pass ${T}_limits_would_near_enforce
else
	sg_fail ${T}_limits_would_near_enforce "answered: monitor $ma1/$ma2, enforce $ea1/$ea2 (expected $me1/$me2 and $ee1/$ee2)"
fi
exit $_sg_failed
