#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Listen queues (issue 10 item 1): a listener with backlog 2 that never
# accepts gets 8 connections. Where the kernel has fentry or kprobes, `hist`
# must report listen_hooks "fentry"/"kprobe", accept_queue_limit 2,
# accept_queue_max >= 2 and 1..N listen overflows (at most the kernel's
# TcpExtListenOverflows, which also counts SYNs dropped by a full queue).
# Where it has neither (this development VM: fentry EPERM, no kprobes), hist
# must run anyway and name the absent metrics with a reason, in JSON and text.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"
T=trace_listen
sg_require_root $T
sg_mount_fs
command -v python3 >/dev/null || { sg_skip $T "python3 missing"; exit 0; }
sg_lab || { sg_fail $T "cannot create namespaces"; exit 1; }
D=$(mktemp -d /tmp/sg-listen.XXXXXX)
sg_on_exit "rm -rf $D"
PORT=$((29000 + $$ % 1000)) N=8

cat >"$D/server.py" <<'PY'
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(2)
open(sys.argv[3], "w").close()
time.sleep(60)
PY
cat >"$D/client.py" <<'PY'
import socket, sys, time
socks = []
for i in range(int(sys.argv[3])):
    c = socket.socket()
    c.setblocking(False)
    c.connect_ex((sys.argv[1], int(sys.argv[2])))
    socks.append(c)
    time.sleep(0.05)
time.sleep(2)
PY
overflows() { ip netns exec "$NS_S" nstat -az TcpExtListenOverflows | awk '$1 == "TcpExtListenOverflows" {print $2}'; }

"$SG_BIN" hist -j --port $PORT >"$D/hist.json" 2>"$D/hist.err" & HPID=$!
sg_on_exit "kill $HPID"
"$SG_BIN" hist --port $PORT --duration 1 >"$D/hist.txt" 2>&1; trc=$?
sleep 1.5	# load + attach
before=$(overflows)
nsenter --net=/run/netns/"$NS_S" python3 "$D/server.py" $ADDR_S4 $PORT "$D/ready" & SPID=$!
sg_on_exit "kill $SPID"
for i in $(seq 100); do [ -e "$D/ready" ] && break; sleep 0.05; done
sg_in "$NS_C" python3 "$D/client.py" $ADDR_S4 $PORT $N
kmib=$(( $(overflows) - before ))
kill -INT $HPID; wait $HPID; rc=$?
[ $rc = 0 ] && [ $trc = 0 ] && sg_pass ${T}_hist_runs ||
	{ sg_fail ${T}_hist_runs "rc $rc/$trc: $(tail -n 3 "$D/hist.err" "$D/hist.txt")"; exit 1; }

out=$(python3 - "$D/hist.json" $PORT $N "$kmib" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); port, n, kmib = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
bad = []
absent = [a for a in d.get("absent", []) if "listen_overflows" in a["metrics"]]
c = {(x["side"], x["port"]): x for x in d["counters"]}.get(("server", port), {})
if "listen_hooks" not in d:
    bad.append("no listen_hooks field")
elif d["listen_hooks"] is None:
    if not absent or not absent[0]["why"]:
        bad.append("listen hooks missing but not reported absent: %s" % d.get("absent"))
    if "listen_overflows" in c:
        bad.append("absent counter reported: %s" % c)
    print("absent:", absent and absent[0]["why"])
else:
    if absent: bad.append("hooks %s but absent %s" % (d["listen_hooks"], absent))
    if c.get("accept_queue_limit") != 2: bad.append("accept_queue_limit %s" % c.get("accept_queue_limit"))
    if c.get("accept_queue_max", 0) < 2: bad.append("accept_queue_max %s" % c.get("accept_queue_max"))
    ov = c.get("listen_overflows", 0)
    if not 1 <= ov <= max(kmib, 1): bad.append("listen_overflows %d, kernel MIB %d" % (ov, kmib))
    print("hooks %s: %s, kernel ListenOverflows +%d" % (d["listen_hooks"], c, kmib))
print("; ".join(bad))
sys.exit(1 if bad else 0)
PY
) && sg_pass ${T}_listen_queue || sg_fail ${T}_listen_queue "$out"
echo "$out" | head -n 1
# the text report names what is absent too
if grep -q '"listen_hooks": *null\|"listen_hooks":null' "$D/hist.json"; then
	grep -q "absent on this kernel: listen_overflows" "$D/hist.txt" && sg_pass ${T}_text_absent ||
		sg_fail ${T}_text_absent "$(tail -n 3 "$D/hist.txt")"
fi
exit $_sg_failed
