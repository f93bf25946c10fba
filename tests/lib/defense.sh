# SPDX-License-Identifier: GPL-2.0-only
# Helpers for the end-to-end defense tests (tests/integration/test_defense_*.sh):
# protect/unprotect the lab's server veth, read synguard's counters, run one
# sg_server/sg_client exchange and compare what the two handshakes negotiated.
# Source after lib.sh and sg_lab.

SG_SERVER=$SG_TOOLS/sg_server
SG_CLIENT=$SG_TOOLS/sg_client
SG_FLOOD=$SG_TOOLS/sg_flood
_sg_def_cleanup_registered=0

# sg_def_require: skip the whole test if the tools or the CLI are missing.
sg_def_require() {
	local t
	for t in "$SG_BIN" "$SG_SERVER" "$SG_CLIENT" "$SG_FLOOD"; do
		[ -x "$t" ] || { sg_skip "$1" "$t not built (run make)"; exit 0; }
	done
	command -v jq >/dev/null || { sg_skip "$1" "jq not installed"; exit 0; }
}

# sg_def_require_handoff NAME: skip the whole test (with the reason) where
# protect cannot pick the handoff defense: its checks (XDP SYN-ACKs, tc
# handoffs) do not apply there; test_defense_kcookie covers such kernels.
sg_def_require_handoff() {
	local best
	best=$("$SG_BIN" status -j 2>/dev/null | jq -r '.kernel.best_defense // empty')
	case $best in kernel-cookies|synproxy) ;; *) return 0 ;; esac
	sg_skip "$1" "kernel lacks the kfunc bpf_sk_assign_tcp_reqsk (Linux 6.9+): protect picks the $best defense here, see test_defense_kcookie and test_defense_synproxy"
	exit 0
}

# sg_def_cookie_counter [DESIGN]: the counter that grows once per handshake
# synguard carried, in DESIGN (default: the one protect picks on this
# kernel): handoff_ok (the kfunc
# handoff, 6.9+), ack_cookie_valid (synproxy: XDP validated the cookie, nft
# SYNPROXY completes), pass_syn_kernel (kernel-cookies: the kernel answers
# the SYN itself)
sg_def_cookie_counter() {
	case ${1:-$("$SG_BIN" status -j 2>/dev/null | jq -r '.kernel.best_defense // empty')} in
	synproxy) echo ack_cookie_valid ;;
	kernel-cookies) echo pass_syn_kernel ;;
	*) echo handoff_ok ;;
	esac
}

# sg_def_cookie_count_ok GOT WANT [COUNTER]: GOT handshakes counted by COUNTER (default
# sg_def_cookie_counter) for WANT connections: exactly WANT, or with synproxy
# up to 2 x WANT (a client's first data segment validates too when it reaches
# XDP before the proxied connection exists)
sg_def_cookie_count_ok() {
	[[ $1 =~ ^[0-9]+$ ]] || return 1
	[ "$1" = "$2" ] && return 0
	[ "${3:-$(sg_def_cookie_counter)}" = ack_cookie_valid ] && [ "$1" -ge "$2" ] && [ "$1" -le $(($2 * 2)) ]
}

# sg_def_protect PORTS [ARGS...]: protect the server veth (native XDP unless
# ARGS say otherwise), from the server netns with the host's bpffs, and make
# sure the EXIT trap unprotects it before the namespaces go away (else pins
# under /sys/fs/bpf/synguard/netns-* would outlive the test). Call it in the
# test's own shell, not in $(...): a subshell's sg_on_exit is lost. Its
# output goes to SG_DEF_LOG (default: stderr).
sg_def_protect() {
	local ports=$1; shift
	if [ $_sg_def_cleanup_registered -eq 0 ]; then
		sg_on_exit "sg_in $NS_S $SG_BIN unprotect $IF_S"
		_sg_def_cleanup_registered=1
	fi
	sg_in "$NS_S" "$SG_BIN" protect "$IF_S" --ports "$ports" -m native "$@" \
		>>"${SG_DEF_LOG:-/dev/stderr}" 2>&1
}
sg_def_unprotect() { sg_in "$NS_S" "$SG_BIN" unprotect "$IF_S"; }

# sg_def_pin_dir: where synguard pins for the server veth of this lab
sg_def_pin_dir() {
	echo "/sys/fs/bpf/synguard/netns-$(stat -L -c %i /run/netns/"$NS_S")/$IF_S"
}

# sg_def_stats: `synguard stats IF -j` as one JSON object (the interface's
# counters), whatever the outer shape ({"interfaces": [...]}, an object keyed
# by interface, an array of objects naming it, or the counters themselves).
sg_def_stats() {
	sg_in "$NS_S" "$SG_BIN" stats "$IF_S" -j | jq -c --arg i "$IF_S" '
		def pick: if type == "object" and has("interfaces") then (.interfaces | pick)
			elif type == "array" then
				(map(select((.ifname // .interface // .iface // .dev) == $i)) + .)[0]
			elif has($i) then .[$i] else . end;
		pick | if has("counters") then . + .counters else . end'
}
# sg_def_counter JSON NAME: one integer counter from sg_def_stats output
sg_def_counter() { echo "$1" | jq -r --arg n "$2" '.[$n] // "missing"'; }
# sg_def_delta BEFORE AFTER NAME: after - before (or "missing")
sg_def_delta() {
	local a b
	a=$(sg_def_counter "$1" "$3"); b=$(sg_def_counter "$2" "$3")
	[[ $a =~ ^[0-9]+$ && $b =~ ^[0-9]+$ ]] || { echo missing; return; }
	echo $((b - a))
}

# sg_def_changed BEFORE AFTER: the counters that changed, "NAME+DELTA ..."
sg_def_changed() {
	jq -rn --argjson a "$2" --argjson b "$1" \
		'[$a | to_entries[] | select((.value | type) == "number" and .value != $b[.key]) | "\(.key)+\(.value - $b[.key])"] | join(" ")'
}

# sg_def_flood_clients FAM PORT: a spoofed SYN flood (3 s, from 10.77.128.0/17
# or fd77:8000::/65; the server needs routes back) at the server's port
# while $CLIENTS real clients connect, then the check
# ${T}_flood_clients_served_vFAM. Sets for the caller's own checks: before and
# after (sg_def_stats), k0 and k1 (sg_def_kstats), sent and rcf (the flood's
# count and exit code); logs in $OUT/synfloodFAM and $OUT/cliFAM.
sg_def_flood_clients() {
	local fam=$1 port=$2 dst src fpid rcc
	if [ "$fam" = 4 ]; then dst=$ADDR_S4 src=10.77.128.0/17; else dst=$ADDR_S6 src=fd77:8000::/65; fi
	before=$(sg_def_stats)
	k0=$(sg_def_kstats "$NS_S")
	nsenter --net=/run/netns/"$NS_C" "$SG_FLOOD" -i "$IF_C" --mode syn --dst "$dst" --dport "$port" \
		--src "$src" --dst-mac "$SMAC" -d 3 >"$OUT/synflood$fam" 2>&1 &
	fpid=$!
	sleep 0.5
	sg_in "$NS_C" "$SG_CLIENT" -n 64K -c "$CLIENTS" -P 2 -t 30 -q "$dst" "$port" >"$OUT/cli$fam" 2>&1
	rcc=$?
	wait $fpid; rcf=$?
	sleep 0.3
	after=$(sg_def_stats)
	k1=$(sg_def_kstats "$NS_S")
	sent=$(tail -n 1 "$OUT/synflood$fam" | jq -r '.sent // 0' 2>/dev/null)
	echo "SYN flood v$fam: $(tail -n 1 "$OUT/synflood$fam"); clients: $(tail -n 1 "$OUT/cli$fam")"
	echo "counters v$fam: $(sg_def_changed "$before" "$after")"
	if [ $rcc -eq 0 ] && [ "$(jq -r 'select(.summary) | .ok' "$OUT/cli$fam")" = "$CLIENTS" ]; then
		sg_pass "${T}_flood_clients_served_v$fam"
	else
		sg_fail "${T}_flood_clients_served_v$fam" "$(tail -n 1 "$OUT/cli$fam")"
	fi
}

# sg_def_invalid_delta BEFORE AFTER: ACKs with an invalid cookie, however
# answered: dropped (ack_cookie_invalid), RST sent (rst_sent), RST over the
# cap (drop_rst_capped) or dropped as maybe a real client's
# (drop_ack_maybe_ours); "missing" if a counter is
sg_def_invalid_delta() {
	local a b c d
	a=$(sg_def_delta "$1" "$2" ack_cookie_invalid); b=$(sg_def_delta "$1" "$2" rst_sent)
	c=$(sg_def_delta "$1" "$2" drop_rst_capped); d=$(sg_def_delta "$1" "$2" drop_ack_maybe_ours)
	[[ $a =~ ^[0-9]+$ && $b =~ ^[0-9]+$ && $c =~ ^[0-9]+$ && $d =~ ^[0-9]+$ ]] ||
		{ echo missing; return; }
	echo $((a + b + c + d))
}

# sg_def_link_stat NS IF rx|tx packets|dropped: the device counter (ip -s -j)
sg_def_link_stat() {
	ip -n "$1" -s -j link show dev "$2" | jq -r ".[0].stats64.$3.$4"
}

# sg_def_client_sysctls TS SACK WS [ECN]: the client netns' TCP options
# (they apply to IPv6 too).
sg_def_client_sysctls() {
	ip netns exec "$NS_C" sysctl -qw net.ipv4.tcp_timestamps="$1" \
		net.ipv4.tcp_sack="$2" net.ipv4.tcp_window_scaling="$3" \
		net.ipv4.tcp_ecn="${4:-2}"
}

# sg_def_exchange OUT ADDR PORT [SERVER_ARGS...]: one sg_server (one connection,
# 1 MiB each way unless SG_DEF_BYTES, in bytes) and one sg_client to ADDR. Writes
# OUT.srv and OUT.cli (JSON lines; the first is the connection, the last the
# summary) and returns non-zero if either side failed.
sg_def_exchange() {
	local out=$1 addr=$2 port=$3; shift 3
	local bytes=${SG_DEF_BYTES:-1048576} spid rc_c rc_s
	# nsenter execs the server: $! is its pid (sg_in & would be a subshell)
	nsenter --net=/run/netns/"$NS_S" "$SG_SERVER" -p "$port" -n "$bytes" -c 1 -t 30 "$@" \
		>"$out.srv" 2>&1 &
	spid=$!
	if ! sg_wait_port "$NS_S" "$port"; then
		kill "$spid" 2>/dev/null; wait "$spid"
		echo "server did not listen" >"$out.cli"
		return 1
	fi
	sg_in "$NS_C" "$SG_CLIENT" -n "$bytes" -t 20 "$addr" "$port" >"$out.cli" 2>&1
	rc_c=$?
	# the server exits once the client's FIN arrived, or after its -t 30
	wait "$spid"; rc_s=$?
	[ $rc_c -eq 0 ] && [ $rc_s -eq 0 ]
}

# Fields of TCP_INFO that the handshake decides: options, window scales and
# MSS. (rcv_mss is measured from received segments, after 1 MiB it is the
# full segment size on both paths.)
SG_DEF_NEGOTIATED='{ts, sack, wscale, ecn, snd_wscale, rcv_wscale, snd_mss, advmss, rcv_mss, pmtu}'

# sg_def_negotiated FILE: the negotiated fields of the connection line in FILE
sg_def_negotiated() {
	jq -c "select(.tcp_info != null) | .tcp_info | $SG_DEF_NEGOTIATED" "$1" | head -n 1
}

# sg_def_transfer_ok FILE: the connection line says ok, all bytes, payload ok
sg_def_transfer_ok() {
	local n=${SG_DEF_BYTES:-1048576}
	[ "$(jq -r "select(.conn != null) | (.ok and .payload_ok and .bytes_in == $n and .bytes_out == $n)" "$1" | head -n 1)" = true ]
}

# sg_def_kstats NS: the kernel's SNMP/netstat counters of NS as "NAME VALUE"
# lines (absolute values; nstat's history file is shared by all namespaces,
# so never use its deltas here).
sg_def_kstats() { ip netns exec "$1" nstat -asz 2>/dev/null | awk 'NF >= 2 && $1 !~ /^#/ { print $1, $2 }'; }
# sg_def_kdelta BEFORE AFTER NAME...: sum of the growth of the named counters
sg_def_kdelta() {
	local b=$1 a=$2; shift 2
	awk -v names="$*" 'BEGIN { n = split(names, x, " "); for (i = 1; i <= n; i++) want[x[i]] = 1 }
		FNR == NR { if ($1 in want) v[$1] = $2; next }
		($1 in want) { s += $2 - v[$1] } END { print s + 0 }' <(echo "$b") <(echo "$a")
}
