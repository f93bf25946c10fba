# SPDX-License-Identifier: GPL-2.0-only
# The SYN-flood lab, shared by the demo (tests/lab/demo.sh), the end-to-end
# benchmark (tests/bench/bench_e2e.sh) and its short test
# (tests/integration/test_lab_short.sh). Source it after tests/lib/lib.sh and
# tests/lib/defense.sh (lib.sh's EXIT trap undoes everything registered here).
#
#   server ns  sg_server on LAB_PORT (listen backlog LAB_BACKLOG), veth sgs0
#   client ns  sg_client (legitimate clients, pinned to LAB_CLI_CPU) and
#              sg_flood (the attacker, pinned to LAB_GEN_CPU), veth sgc0 with
#              bpf/lab_sink.bpf.c (drops what the server sends to the
#              spoofed sources LAB_SPOOF4)
#
# lab_phase runs one measured phase and writes a JSON object (see
# lab_phase_json) with the flood offered, what was answered, the legitimate
# clients' results and the CPU attributed to the receive path.
#
# CPU attribution (docs/BENCHMARKS.md, "End to end"): on veth the receiver's
# softirq work runs on the sender's CPU. The generator is pinned to one CPU;
# the receive path is charged with the softirq time of all CPUs (from
# /proc/stat) plus the server process's user+system time (/proc/PID/stat).
# The generator's own cost is its CPU's user+system time (tick accounting
# charges softirq ticks to the interrupted task too, so its getrusage, also
# recorded, includes receive work); it is reported apart and never charged.

LAB_PORT=${LAB_PORT:-8080}
LAB_BACKLOG=${LAB_BACKLOG:-64}
LAB_SPOOF4=10.77.128.0/17	# keep in step with bpf/lab_sink.bpf.c
LAB_BYTES=${LAB_BYTES:-1K}	# each legitimate connection sends and receives this
LAB_CLIENTS=${LAB_CLIENTS:-4}	# parallel legitimate clients
LAB_CLIENT_INTERVAL=${LAB_CLIENT_INTERVAL:-0.005}	# pause between a client's connections
# 3 s: a legitimate client whose SYN or SYN-ACK is lost in the flood gets one
# kernel retransmission (at 1 s), as a real client would; how many needed it
# is reported separately (legit_within_1s_pct)
LAB_CONNECT_TIMEOUT=${LAB_CONNECT_TIMEOUT:-3}
# Flood rate in packets/s (0 = as fast as the generator and the receiver go)
# and frames per sendmmsg: with a rate, small batches keep the bursts well
# below the veth's 256-frame ring, which a real NIC's deeper rings would
# absorb anyway.
LAB_RATE=${LAB_RATE:-0}
LAB_BATCH=${LAB_BATCH:-}	# default: 32 with a rate, 256 without
_lab_ncpu=$(nproc)
LAB_GEN_CPU=${LAB_GEN_CPU:-$((_lab_ncpu - 1))}
LAB_CLI_CPU=${LAB_CLI_CPU:-0}
LAB_CLK_TCK=$(getconf CLK_TCK)
LAB_PROTECTED=0
LAB_SERVER_PID=
LAB_BG=()	# background processes of the running phase, killed on exit

# lab_stop PID...: SIGTERM, then SIGKILL whatever still runs after 2 s (a
# server finishing its connections would wait for their I/O timeout)
lab_stop() {
	local p i alive
	[ $# -gt 0 ] || return 0
	kill "$@" 2>/dev/null
	for i in $(seq 20); do
		alive=
		for p in "$@"; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
		[ -z "$alive" ] && return 0
		sleep 0.1
	done
	kill -KILL $alive 2>/dev/null
	return 0
}
_lab_kill_bg() { lab_stop "${LAB_BG[@]}"; LAB_BG=(); }

# lab_require NAME: what the lab needs, or a SKIP line and exit 0 (tests) /
# a message and exit 1 (demo, bench: set LAB_STRICT=1).
lab_require() {
	local t missing=
	for t in "$SG_BIN" "$SG_TOOLS/sg_server" "$SG_TOOLS/sg_client" "$SG_TOOLS/sg_flood" \
		"$SG_TOP/build/lab_sink.bpf.o"; do
		[ -e "$t" ] || missing="$missing $t"
	done
	for t in jq nstat taskset nsenter ethtool; do
		command -v $t >/dev/null || missing="$missing $t"
	done
	[ "$(id -u)" -eq 0 ] || missing="$missing root"
	[ -z "$missing" ] && return 0
	if [ "${LAB_STRICT:-0}" = 1 ]; then
		echo "$1: missing:$missing (run 'make deps all' as root)" >&2
		exit 1
	fi
	sg_skip "$1" "missing:$missing"
	exit 0
}

# lab_setup OUTDIR: namespaces, veth, sysctls, the client's sink, the server.
lab_setup() {
	LAB_OUT=$1
	mkdir -p "$LAB_OUT"
	sg_mount_fs
	sg_lab || return 1
	# registered after the namespaces: runs before they are deleted
	sg_on_exit _lab_kill_bg
	# The client veth receives the server's answers to spoofed sources:
	# drop them at XDP (bpf/lab_sink.bpf.c), replacing lib.sh's XDP_PASS.
	ip -n "$NS_C" -force link set dev "$IF_C" xdpdrv obj "$SG_TOP/build/lab_sink.bpf.o" \
		sec xdp || return 1
	# The server answers spoofed sources through the client's MAC (where
	# the sink drops them): without a route the kernel drops the SYNs
	# before answering (ListenDrops), which would flatter it.
	ip -n "$NS_S" route add "$LAB_SPOOF4" via "$ADDR_C4" dev "$IF_S" || return 1
	LAB_SMAC=$(ip -n "$NS_S" -j link show "$IF_S" | jq -r '.[0].address')
	# The kernel's own defense as a stock host has it: cookies once the SYN
	# queue is full; a small backlog makes them start at once.
	ip netns exec "$NS_S" sysctl -qw net.ipv4.tcp_syncookies=1 \
		net.ipv4.tcp_max_syn_backlog=128
	# Legitimate clients make thousands of connections: reuse TIME_WAIT ports
	ip netns exec "$NS_C" sysctl -qw net.ipv4.tcp_tw_reuse=1 \
		net.ipv4.ip_local_port_range="1024 65535"
	# nsenter execs the server: $! is its pid
	nsenter --net=/run/netns/"$NS_S" "$SG_TOOLS/sg_server" -4 -p "$LAB_PORT" -n "$LAB_BYTES" \
		--backlog "$LAB_BACKLOG" --io-timeout 5 -q >"$LAB_OUT/server.log" 2>&1 &
	LAB_SERVER_PID=$!
	sg_on_exit "lab_stop $LAB_SERVER_PID"
	sg_wait_port "$NS_S" "$LAB_PORT" || { echo "lab: the server did not listen" >&2; return 1; }
	# one connection before anything is measured: ARP resolved, server warm
	sg_in "$NS_C" "$SG_TOOLS/sg_client" -n "$LAB_BYTES" -t 5 -q "$ADDR_S4" "$LAB_PORT" \
		>"$LAB_OUT/warmup.log" 2>&1 || { echo "lab: warm-up connection failed" >&2; return 1; }
}

# lab_floor_on drop|reflect / lab_floor_off: the end-to-end benchmark's
# floors (bpf/lab_drop.bpf.c, bpf/lab_reflect.bpf.c) on the server veth in
# place of lib.sh's XDP_PASS program, and back. Not while protected.
lab_floor_on() {
	ip -n "$NS_S" -force link set dev "$IF_S" xdpdrv obj "$SG_TOP/build/lab_$1.bpf.o" \
		sec xdp || return 1
	LAB_FLOOR=$1
}
lab_floor_off() {
	LAB_FLOOR=
	ip -n "$NS_S" -force link set dev "$IF_S" xdpdrv obj "$SG_TOP/build/xdp_pass.bpf.o" sec xdp
}

# lab_protect / lab_unprotect: synguard on the server veth (defense.sh
# registers the unprotect for exit).
lab_protect() {
	# LAB_PROTECT_ARGS: e.g. "--defense kernel-cookies" (bench on other kernels)
	# shellcheck disable=SC2086
	SG_DEF_LOG=$LAB_OUT/protect.log sg_def_protect "$LAB_PORT" ${LAB_PROTECT_ARGS:-} || return 1
	LAB_PROTECTED=1
}
lab_unprotect() {
	sg_def_unprotect >>"$LAB_OUT/protect.log" 2>&1
	LAB_PROTECTED=0
}

# _lab_cpu: /proc/stat per CPU as JSON {cpuN: {user, system, softirq, irq, idle}}
# in clock ticks, plus the server's utime+stime as "server".
_lab_cpu() {
	local srv=0
	[ -n "$LAB_SERVER_PID" ] && [ -r /proc/$LAB_SERVER_PID/stat ] &&
		srv=$(sed 's/.*) //' /proc/$LAB_SERVER_PID/stat | awk '{ print $12 + $13 }')
	awk -v srv="$srv" '/^cpu[0-9]/ {
		printf "%s\"%s\":{\"user\":%d,\"system\":%d,\"idle\":%d,\"irq\":%d,\"softirq\":%d}",
			n++ ? "," : "{", $1, $2 + $3, $4, $5 + $6, $7, $8 }
		END { printf ",\"server\":%d}\n", srv }' /proc/stat
}

# _lab_kstats: the server namespace's kernel counters we use, as JSON
_lab_kstats() {
	sg_def_kstats "$NS_S" | awk '
		$1 ~ /^(TcpExtSyncookiesSent|TcpExtSyncookiesRecv|TcpExtSyncookiesFailed|TcpOutRsts|TcpExtListenOverflows|TcpExtListenDrops|TcpExtTCPReqQFullDoCookies|TcpExtTCPReqQFullDrop|TcpPassiveOpens|TcpRetransSegs)$/ {
			printf "%s\"%s\":%d", n++ ? "," : "{", $1, $2 }
		END { if (!n) printf "{"; print "}" }'
}
_lab_sgstats() { if [ "$LAB_PROTECTED" = 1 ]; then sg_def_stats; else echo '{}'; fi; }

# lab_phase NAME syn|ack SECONDS: one measured phase. Writes
# $LAB_OUT/NAME.json. Runs LAB_LIVE_CMD (if set) in the background for the
# phase's duration, its output to the terminal. Returns non-zero if a tool
# failed to run (not if clients failed to connect: that is a result).
lab_phase() {
	local name=$1 flood=$2 secs=$3 fpid cpid lpid= cli_secs
	local cpu0 cpu1 k0 k1 s0 s1 mode=kernel
	[ "$LAB_PROTECTED" = 1 ] && mode=synguard
	# LAB_FLOOR=drop|reflect: a floor program is on the server veth
	# (lab_floor_on), it answers (or drops) every flood SYN
	[ -n "${LAB_FLOOR:-}" ] && mode=$LAB_FLOOR
	cli_secs=$(awk -v s="$secs" 'BEGIN { print (s > 1 ? s - 0.5 : s / 2) }')
	k0=$(_lab_kstats); s0=$(_lab_sgstats); cpu0=$(_lab_cpu)
	taskset -c "$LAB_GEN_CPU" nsenter --net=/run/netns/"$NS_C" "$SG_TOOLS/sg_flood" \
		-i "$IF_C" --mode "$flood" --dst "$ADDR_S4" --dport "$LAB_PORT" \
		--src "$LAB_SPOOF4" --dst-mac "$LAB_SMAC" -d "$secs" \
		--rate "$LAB_RATE" --batch "${LAB_BATCH:-$([ "$LAB_RATE" = 0 ] && echo 256 || echo 32)}" \
		>"$LAB_OUT/$name.flood" 2>&1 &
	fpid=$!
	LAB_BG=($fpid)
	if [ -n "${LAB_LIVE_CMD:-}" ]; then
		# the command should exec its program, so that $! is the program
		eval "$LAB_LIVE_CMD" &
		lpid=$!
		LAB_BG+=($lpid)
	fi
	sleep 0.25
	# -c: room for every connection the clients can make in the phase
	taskset -c "$LAB_CLI_CPU" nsenter --net=/run/netns/"$NS_C" "$SG_TOOLS/sg_client" -4 \
		-n "$LAB_BYTES" -c 2000000 -P "$LAB_CLIENTS" --interval "$LAB_CLIENT_INTERVAL" \
		--connect-timeout "$LAB_CONNECT_TIMEOUT" -t 2 --duration "$cli_secs" -q \
		"$ADDR_S4" "$LAB_PORT" >"$LAB_OUT/$name.clients" 2>&1 &
	cpid=$!
	LAB_BG+=($cpid)
	wait $cpid
	wait $fpid
	local rcf=$?
	cpu1=$(_lab_cpu); k1=$(_lab_kstats); s1=$(_lab_sgstats)
	[ -n "$lpid" ] && { kill $lpid 2>/dev/null; wait $lpid 2>/dev/null; }
	LAB_BG=()
	lab_phase_json "$name" "$mode" "$flood" "$cpu0" "$cpu1" "$k0" "$k1" "$s0" "$s1" \
		>"$LAB_OUT/$name.json" || return 1
	[ $rcf -eq 0 ]
}

# lab_phase_json NAME MODE FLOOD CPU0 CPU1 K0 K1 S0 S1: the phase's result.
#   flood:    the generator's JSON (sent, pps, seconds, cpu_user_s, cpu_sys_s)
#   answered: SYNs answered (syn flood) or forged ACKs checked and refused
#             (ack flood), by the kernel (MODE kernel) or by synguard
#   legit:    sg_client's summary (attempted, ok, connect_p50_us, ...)
#   cpu:      seconds per CPU of softirq/system/user/busy, the server's, the
#             attributed total (softirq of all CPUs + server), and the
#             generator's CPU's time not explained by the generator or softirq
#   answered_per_cpu_s: answered / attributed CPU seconds
lab_phase_json() {
	local name=$1 mode=$2 flood=$3
	local fl cl
	fl=$(grep '^{' "$LAB_OUT/$name.flood" | tail -n 1); [ -n "$fl" ] || fl='{}'
	cl=$(grep '"summary"' "$LAB_OUT/$name.clients" | tail -n 1); [ -n "$cl" ] || cl='{}'
	jq -n --arg name "$name" --arg mode "$mode" --arg flood "$flood" \
		--argjson c0 "$4" --argjson c1 "$5" --argjson k0 "$6" --argjson k1 "$7" \
		--argjson s0 "$8" --argjson s1 "$9" --argjson fl "$fl" --argjson cl "$cl" \
		--argjson hz "$LAB_CLK_TCK" --argjson rate "$LAB_RATE" --arg gencpu "cpu$LAB_GEN_CPU" '
		def kd($n): (($k1[$n] // 0) - ($k0[$n] // 0));
		def sd($n): (($s1[$n] // 0) - ($s0[$n] // 0));
		def cd($c; $f): (($c1[$c][$f] - $c0[$c][$f]) / $hz);
		($c1 | keys | map(select(startswith("cpu")))) as $cpus
		| ($cpus | map({key: ., value: {user: cd(.; "user"), system: cd(.; "system"),
			softirq: (cd(.; "softirq") + cd(.; "irq")), idle: cd(.; "idle")}}) | from_entries) as $per
		| ([$per[] | .softirq] | add) as $soft
		| ((($c1.server - $c0.server) / $hz)) as $srv
		| ($per[$gencpu]) as $g
		| ($g.user + $g.system) as $gen
		| (if $mode == "drop" or $mode == "reflect" then ($fl.sent // 0)
		   elif $flood == "syn" then
			# synguard with --defense kernel-cookies: the kernel answers
			(if $mode == "synguard" then sd("synack_sent") + kd("TcpExtSyncookiesSent")
			 else kd("TcpExtSyncookiesSent") end)
		   else
			(if $mode == "synguard" then sd("ack_cookie_invalid") + sd("rst_sent") + sd("drop_rst_capped") + sd("drop_ack_maybe_ours") else kd("TcpExtSyncookiesFailed") end)
		   end) as $ans
		| ($soft + $srv) as $attr
		| {name: $name, mode: $mode, flood: $flood,
		   seconds: ($fl.seconds // 0), rate_asked: $rate,
		   offered: ($fl.sent // 0), offered_pps: ($fl.pps // 0),
		   answered: $ans,
		   answered_pps: (if ($fl.seconds // 0) > 0 then $ans / $fl.seconds else 0 end),
		   legit: ($cl | del(.summary)),
		   legit_success_pct: (if ($cl.attempted // 0) > 0 then 100 * $cl.ok / $cl.attempted else null end),
		   legit_within_1s_pct: (if ($cl.attempted // 0) > 0 then 100 * ($cl.connected_within_1s // 0) / $cl.attempted else null end),
		   cpu: {per_cpu: $per, softirq_s: $soft, server_s: $srv, attributed_s: $attr,
			 generator_s: $gen, generator_cpu: $gencpu,
			 generator_rusage_s: (($fl.cpu_user_s // 0) + ($fl.cpu_sys_s // 0))},
		   answered_per_cpu_s: (if $attr > 0 then $ans / $attr else null end),
		   kernel: ($k1 | with_entries(.value -= ($k0[.key] // 0))),
		   synguard: (if $mode == "synguard" then ($s1 | with_entries(select(.value | type == "number") | .value -= ($s0[.key] // 0)) | with_entries(select(.value != 0))) else null end),
		   flood_tool: $fl}'
}

# lab_fmt_phase FILE: a few human lines for one phase's JSON
lab_fmt_phase() {
	jq -r '
		def r: . * 10 | round / 10;
		def k: if . >= 1000000 then "\((. / 100000 | round) / 10)M"
			elif . >= 1000 then "\((. / 100 | round) / 10)k" else "\(round)" end;
		(if .flood == "syn" then "SYNs" else "forged ACKs" end) as $what
		| (if .flood == "syn" then "answered" else "checked and refused" end) as $verb
		| "  flood offered:        \(.offered_pps | k) \($what)/s (\(.offered | k) in \(.seconds | r) s)",
		  "  \($what) \($verb):\(" " * (19 - ($what + $verb | length)))\(.answered_pps | k)/s by \(if .mode == "synguard" then "synguard (XDP)" else "the kernel (SYN cookies)" end)",
		  "  legitimate clients:   \(.legit.ok // 0)/\(.legit.attempted // 0) connected (\(.legit_success_pct // 0 | . * 1000 | floor / 1000)%; within 1 s: \(.legit_within_1s_pct // 0 | . * 1000 | floor / 1000)%), connect p50 \((.legit.connect_p50_us // 0) / 1000 | . * 100 | round / 100) ms, p99 \((.legit.connect_p99_us // 0) / 1000 | . * 100 | round / 100) ms",
		  "  server-side CPU:      \(.cpu.attributed_s / .seconds * 100 | round)% of a core (softirq \(.cpu.softirq_s | . * 100 | round / 100) s + server process \(.cpu.server_s | . * 100 | round / 100) s), attacker \(.cpu.generator_s | . * 100 | round / 100) s",
		  "  efficiency:           \(.answered_per_cpu_s // 0 | k) \($what) per server CPU-second"' "$1"
}

# lab_kernel_live SECONDS: what the kernel's own defense does, once a second
# (the counterpart of `synguard stats --interval 1` for the unprotected phase)
lab_kernel_live() {
	local i k0 k1 c0 c1
	printf '%-8s %12s %12s %12s %12s\n' TIME COOKIES/s COOKIE_OK/s BAD_ACK/s SOFTIRQ%
	k0=$(_lab_kstats); c0=$(_lab_cpu)
	for ((i = 0; i < $1; i++)); do
		sleep 1
		k1=$(_lab_kstats); c1=$(_lab_cpu)
		jq -rn --argjson k0 "$k0" --argjson k1 "$k1" --argjson c0 "$c0" --argjson c1 "$c1" \
			--argjson hz "$LAB_CLK_TCK" --arg t "$(date +%T)" '
			def kd($n): (($k1[$n] // 0) - ($k0[$n] // 0));
			([$c1 | keys[] | select(startswith("cpu"))] | map(($c1[.].softirq + $c1[.].irq) - ($c0[.].softirq + $c0[.].irq)) | add) as $soft
			| "\($t) \(kd("TcpExtSyncookiesSent") | tostring | " " * (12 - length) + .) \(kd("TcpExtSyncookiesRecv") | tostring | " " * (12 - length) + .) \(kd("TcpExtSyncookiesFailed") | tostring | " " * (12 - length) + .) \($soft / $hz * 100 | round | tostring | " " * (12 - length) + .)"'
		k0=$k1; c0=$c1
	done
}
