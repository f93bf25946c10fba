#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `synguard trace` and `hist` on connections whose outcome we choose, between
# two network namespaces: successful connects over IPv4 and IPv6 with
# client-first and server-first closes, refused connects (RST), timed-out SYNs
# (nftables drop), half-open handshakes (final ACK dropped), and the classic
# tracepoint fallback. Counts and state sequences must match exactly.
# Latency tolerance: the tracer's SYN_SENT->ESTABLISHED must not exceed the
# time the client measured around connect() + 0.05 ms, for every connection;
# and the median tracer latency must be >= the median client latency minus
# (0.3 ms + 20%) (the client's clock also counts its own scheduling delays).
. "$(dirname "$0")/../lib/lib.sh"
sg_require_root test_trace_states
sg_mount_fs
command -v python3 >/dev/null || { sg_skip test_trace_states "python3 missing"; exit 0; }
command -v nft >/dev/null || { sg_skip test_trace_states "nft missing"; exit 0; }
sg_lab || { sg_fail lab "cannot create namespaces"; exit 1; }
# the nft table lives in the server namespace and goes with it

T=$(mktemp -d /tmp/sgtrace.XXXXXX)
sg_on_exit "rm -rf $T"
BASE=$((20000 + $$ % 20000))
LOOP=$SG_TOOLS/sg_connloop
CHECK=$T/check.py

# Python checker: check.py TRACE_JSON SCENARIO ARGS... prints problems, exits 1 on any
cat >"$CHECK" <<'PY'
import json, os, sys
f, scen = sys.argv[1], sys.argv[2]
args = sys.argv[3:]
ev, summ = [], None
for line in open(f):
    line = line.strip()
    if not line:
        continue
    o = json.loads(line)
    if o.get("summary"):
        summ = o
    else:
        ev.append(o)
bad = []
def want(cond, msg):
    if not cond:
        bad.append(msg)
want(summ is not None, "no summary line")
if summ:
    want(summ["lost"]["unaccounted"] == 0, "unaccounted %d" % summ["lost"]["unaccounted"])
def pick(side, kind):
    return [e for e in ev if e["side"] == side and e["kind"] == kind]
def seqs(lst):
    return sorted(",".join(e["states"]) for e in lst)
if scen in ("success", "success6"):
    n, fam, first, lat_file, hooks = int(args[0]), int(args[1]), args[2], args[3], args[4]
    want(summ and summ["hooks"] == hooks, "hooks %s, want %s" % (summ and summ["hooks"], hooks))
    for side in ("client", "server"):
        hs = pick(side, "handshake")
        want(len(hs) == n, "%s handshakes: %d, want %d" % (side, len(hs), n))
        want(all(e["family"] == fam for e in hs), "%s family not %d" % (side, fam))
        s0 = "SYN_SENT" if side == "client" else "SYN_RECV"
        want(seqs(hs) == [s0 + ",ESTABLISHED"] * n, "%s handshake states %s" % (side, seqs(hs)[:2]))
    closer = "client" if first == "client" else "server"
    other = "server" if closer == "client" else "client"
    cl = pick(closer, "close"); ot = pick(other, "close")
    want(len(cl) == n and len(ot) == n, "closes: %d/%d, want %d" % (len(cl), len(ot), n))
    want(seqs(cl) == ["ESTABLISHED,FIN_WAIT1,FIN_WAIT2,CLOSE"] * n, "%s close states %s" % (closer, seqs(cl)[:2]))
    want(seqs(ot) == ["ESTABLISHED,CLOSE_WAIT,LAST_ACK,CLOSE"] * n, "%s close states %s" % (other, seqs(ot)[:2]))
    want(all(e.get("closed_first") == "local" for e in cl), "closer not closed_first=local")
    want(all(e.get("closed_first") == "remote" for e in ot), "other not closed_first=remote")
    want(all(e.get("basis") == "synack_rtt" for e in pick("server", "handshake")), "server basis not synack_rtt")
    want(all(e.get("pid") for e in pick("client", "handshake")), "client handshake without pid")
    meas = {}
    for line in open(lat_file):
        p = line.split()
        if len(p) == 2 and p[0].isdigit():
            meas[int(p[0])] = float(p[1])
    want(len(meas) == n, "client measured %d latencies" % len(meas))
    # Upper bound per connection: the kernel's SYN_SENT->ESTABLISHED lies
    # inside the client's connect() call. Lower bound on the medians: the
    # client's own clock also counts its wake-up after the SYN-ACK, which on
    # a loaded 2-CPU VM can add milliseconds to a single connect (seen:
    # tracer 48 us, client 16.4 ms), so one descheduled client is not a
    # tracer error, but a tracer that under-reports across the board is.
    pairs = []
    for e in pick("client", "handshake"):
        m = meas.get(e["lport"])
        if m is None:
            bad.append("no client measurement for port %d" % e["lport"]); continue
        t = e["latency_us"]
        pairs.append((t, m))
        if t > m + 50:
            bad.append("port %d: tracer %.1f us > client %.1f us + 50" % (e["lport"], t, m))
    # (a timing bound: not on a slow guest, see sg_timing_sensitive below)
    if pairs and os.environ.get("SG_SLOW_GUEST") != "1":
        mt = sorted(t for t, _ in pairs)[len(pairs) // 2]
        mm = sorted(m for _, m in pairs)[len(pairs) // 2]
        if mt < mm - (300 + 0.2 * mm):
            bad.append("median tracer %.1f us < median client %.1f us - (300 us + 20%%)" % (mt, mm))
elif scen == "refused":
    n = int(args[0])
    fl = pick("client", "failed")
    want(len(fl) == n, "failed: %d, want %d" % (len(fl), n))
    want(seqs(fl) == ["SYN_SENT,CLOSE"] * n, "states %s" % seqs(fl)[:2])
    want(all(e.get("cause") == "reset" for e in fl), "cause not reset: %s" % [e.get("cause") for e in fl])
    want(not pick("client", "handshake"), "unexpected handshakes")
elif scen == "timeout":
    n, lo, hi = int(args[0]), float(args[1]), float(args[2])
    fl = pick("client", "failed")
    want(len(fl) == n, "failed: %d, want %d" % (len(fl), n))
    want(seqs(fl) == ["SYN_SENT,CLOSE"] * n, "states %s" % seqs(fl)[:2])
    want(all(e.get("cause") == "timeout" for e in fl), "cause not timeout")
    want(all(lo <= e["latency_us"] / 1e6 <= hi for e in fl),
         "SYN_SENT->CLOSE %s s, want %g-%g" % ([round(e["latency_us"] / 1e6, 3) for e in fl], lo, hi))
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY

# HIST CHECK: histcheck.py HIST_JSON SCENARIO ARGS
cat >"$T/histcheck.py" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); scen = sys.argv[2]; a = sys.argv[3:]
bad = []
def want(c, m):
    if not c: bad.append(m)
H = {(h["metric"], h["port"]): h for h in d["histograms"]}
C = {(c["side"], c["port"]): c for c in d["counters"]}
for h in d["histograms"]:
    want(sum(b["count"] for b in h["buckets"]) == h["count"], "%s buckets do not sum to count" % h["metric"])
    want(h["unit"] == "us" and h["p50"] <= h["p90"] <= h["p99"] <= h["max"] * 1.07 + 1, "%s percentiles out of order" % h["metric"])
want("lost" in d and "recursion_misses" in d["lost"], "no lost object")
if scen == "success":
    port, n = int(a[0]), int(a[1])
    for m in ("connect", "handshake", "close", "lifetime"):
        h = H.get((m, port))
        want(h is not None, "no %s histogram" % m)
        if h is None: continue
        want(h["count"] == (2 * n if m in ("close", "lifetime") else n), "%s count %d" % (m, h["count"]))
    want(C.get(("client", port), {}).get("connect_ok") == n, "connect_ok")
    want(C.get(("server", port), {}).get("handshake_ok") == n, "handshake_ok")
    want(C.get(("client", port), {}).get("closed_local_first") == n, "closed_local_first")
elif scen == "refused":
    port, n = int(a[0]), int(a[1])
    want(C.get(("client", port), {}).get("connect_failed_reset") == n, "connect_failed_reset %s" % C.get(("client", port)))
    # before Linux 6.10 the kernel does not trace a RST without a socket:
    # the tracer must then say so (absent) instead of reporting 0
    if any("rst_sent" in x["metrics"] for x in d.get("absent", [])):
        want(C.get(("server", port), {}).get("rst_sent", 0) == 0, "rst_sent %s although absent" % C.get(("server", port)))
    else:
        want(C.get(("server", port), {}).get("rst_sent") == n, "rst_sent %s" % C.get(("server", port)))
elif scen == "halfopen":
    port, n = int(a[0]), int(a[1])
    c = C.get(("server", port), {})
    want(c.get("synack_retrans") == n, "synack_retrans %s, want %d" % (c.get("synack_retrans"), n))
    want(c.get("half_open") == n, "half_open %s, want %d" % (c.get("half_open"), n))
    want(c.get("handshake_ok", 0) == 0, "handshake_ok %s" % c.get("handshake_ok"))
    h = H.get(("half_open_age", port))
    want(h is not None and h["count"] == n and h["p50"] >= 900000, "half_open_age %s" % ((h["count"], h["p50"]) if h else None,))
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY

# start_trace NAME ARGS...: background trace -j into $T/NAME.json
start_trace() {
	local name=$1; shift
	"$SG_BIN" trace -j "$@" >"$T/$name.json" 2>"$T/$name.err" &
	TPID=$!
	sg_on_exit "kill $TPID"
	sleep 1.5	# load + attach
}
stop_trace() { kill -INT "$TPID"; wait "$TPID"; }
start_server() {	# start_server ADDR PORT CLOSE
	# nsenter directly (not the sg_in function, whose subshell would get
	# the kill and leave the server running)
	nsenter --net=/run/netns/"$NS_S" "$LOOP" --server -a "$1" -p "$2" --close "$3" \
		--linger-ms 200 >/dev/null 2>&1 &
	sg_on_exit "kill $!"
	sg_wait_port "$NS_S" "$2"
}
check() {	# check NAME FILE SCEN ARGS...
	local name=$1; shift
	local out
	if out=$(python3 "$CHECK" "$@" 2>&1); then sg_pass "$name"; else sg_fail "$name" "$(echo "$out" | head -n 4 | tr '\n' ';')"; fi
}
hcheck() {
	local name=$1; shift
	local out
	if out=$(python3 "$T/histcheck.py" "$@" 2>&1); then sg_pass "$name"; else sg_fail "$name" "$(echo "$out" | head -n 4 | tr '\n' ';')"; fi
}

# 1. IPv4, client closes first; hist runs alongside
P=$BASE N=5
start_server 0.0.0.0 $P client
"$SG_BIN" hist -j --port $P --duration 6 >"$T/h1.json" 2>"$T/h1.err" & HPID=$!; sg_on_exit "kill $HPID"
start_trace t1 --port $P
sg_in "$NS_C" "$LOOP" --client -a $ADDR_S4 -p $P -n $N --close client --latency >"$T/lat1" 2>&1
sleep 0.5; stop_trace
check trace_ipv4_client_first "$T/t1.json" success $N 4 client "$T/lat1" tp_btf
wait $HPID
hcheck hist_ipv4_counts "$T/h1.json" success $P $N

# 2. IPv6, server closes first
P=$((BASE + 1))
start_server :: $P server
start_trace t2 --port $P
sg_in "$NS_C" "$LOOP" --client -a $ADDR_S6 -p $P -n $N --close server --latency >"$T/lat2" 2>&1
sleep 0.5; stop_trace
check trace_ipv6_server_first "$T/t2.json" success6 $N 6 server "$T/lat2" tp_btf
sg_timing_sensitive trace_latency_median_lower_bound || true	# checked inside check() otherwise

# 3. refused: nothing listens
P=$((BASE + 2)) N=3
"$SG_BIN" hist -j --port $P --duration 4 >"$T/h3.json" 2>"$T/h3.err" & HPID=$!; sg_on_exit "kill $HPID"
start_trace t3 --port $P
sg_in "$NS_C" "$LOOP" --client -a $ADDR_S4 -p $P -n $N >/dev/null 2>&1
sleep 0.3; stop_trace
check trace_refused_rst "$T/t3.json" refused $N
wait $HPID
hcheck hist_refused_counts "$T/h3.json" refused $P $N

# 4. timed-out SYNs: the server drops them; the client gives up after 1 retry
P=$((BASE + 3)) N=2
ip netns exec "$NS_S" nft -f - <<NFT || sg_fail nft_rule "cannot add the SYN drop rule"
table inet sgtrace {
	chain sgin {
		type filter hook input priority 0; policy accept;
		tcp dport $P tcp flags syn drop
	}
}
NFT
ip netns exec "$NS_C" sysctl -qw net.ipv4.tcp_syn_retries=1
start_trace t4 --port $P
sg_in "$NS_C" "$LOOP" --client -a $ADDR_S4 -p $P -c $N -n 1 >/dev/null 2>&1
sleep 0.3; stop_trace
# SYN at 0, retry at 1 s, give up at 1 + 2 s
check trace_syn_timeout "$T/t4.json" timeout $N 2.9 3.6

# 5. half-open: the server never gets the final ACK (nor anything else but SYNs)
P=$((BASE + 4)) N=3
start_server 0.0.0.0 $P client
ip netns exec "$NS_S" nft add rule inet sgtrace sgin tcp dport $P tcp flags \& \(syn \| ack\) == ack drop
"$SG_BIN" hist -j --port $P >"$T/h5.json" 2>"$T/h5.err" & HPID=$!; sg_on_exit "kill $HPID"
sleep 1.5
sg_in "$NS_C" "$LOOP" --client -a $ADDR_S4 -p $P -c $N -n 1 >/dev/null 2>&1
# SYN-ACK retransmitted once at ~1 s, next at ~3 s: stop in between, timed
# from the connects (not from hist's start: loading is slow in a TCG guest)
sleep 2
kill -INT $HPID; wait $HPID
hcheck hist_half_open "$T/h5.json" halfopen $P $N
ip netns exec "$NS_S" nft delete table inet sgtrace

# 6. classic tracepoint fallback, same checks as 1
P=$((BASE + 5)) N=3
start_server 0.0.0.0 $P client
start_trace t6 --port $P --classic
sg_in "$NS_C" "$LOOP" --client -a $ADDR_S4 -p $P -n $N --close client --latency >"$T/lat6" 2>&1
sleep 0.5; stop_trace
check trace_classic_fallback "$T/t6.json" success $N 4 client "$T/lat6" tracepoint

# 7. bad input: clear message, usage exit code
"$SG_BIN" trace --port 0 >/dev/null 2>"$T/bad.err"; rc=$?
if [ $rc -eq 2 ] && grep -q "port" "$T/bad.err"; then sg_pass trace_bad_port; else sg_fail trace_bad_port "rc=$rc $(cat "$T/bad.err")"; fi
"$SG_BIN" hist --interval x >/dev/null 2>"$T/bad.err"; rc=$?
if [ $rc -eq 2 ]; then sg_pass hist_bad_interval; else sg_fail hist_bad_interval "rc=$rc"; fi

# 8. nothing of ours stays loaded: no process this test started still holds
# a BPF program (other tracers may run on this host meanwhile, so a program
# named tt_* alone proves nothing; bpftool here cannot name the owners)
sleep 0.3
left=$(python3 - $$ <<'PY'
import os, sys
for pid in os.listdir("/proc"):
    try:
        if not pid.isdigit() or open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()[1] != sys.argv[1]:
            continue
        for fd in os.listdir("/proc/%s/fdinfo" % pid):
            if "prog_id:" in open("/proc/%s/fdinfo/%s" % (pid, fd)).read():
                print(pid, open("/proc/%s/comm" % pid).read().strip()); break
    except OSError:
        pass
PY
)
if [ -n "$left" ]; then
	sg_fail detached "processes still holding BPF programs: $(echo "$left" | tr '\n' ';')"
else
	sg_pass detached
fi
exit $_sg_failed
