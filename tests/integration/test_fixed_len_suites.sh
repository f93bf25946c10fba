#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The packet-path unit tests (BPF_PROG_TEST_RUN on crafted frames) against
# the fixed-length build of sg_xdp (build/synguard_fixed.bpf.o,
# bpf/fixed_len.h), the one protect loads into a libxdp dispatcher whose
# slots do not change packet data. The suites know that build
# (tests/lib/xdp_env.h fixed_len): its replies are checked as the datagram
# the IP length describes, without XDP metadata. Each suite is one check
# here; its own failures are printed below it.
set -uo pipefail
. "$(dirname "$0")/../lib/lib.sh"

T=fixed_len_suites
sg_require_root $T
OBJ=$SG_TOP/build/synguard_fixed.bpf.o
[ -f "$OBJ" ] || { sg_fail $T "$OBJ not built (run make)"; exit 1; }
for s in test_synack test_cookie_ack test_pktpath test_truncation test_flags test_monitor \
	 test_limits_path test_parse; do
	bin=$SG_TOP/build/tests/unit/$s
	[ -x "$bin" ] || { sg_fail ${T}_$s "$bin not built"; continue; }
	out=$(SG_XDP_OBJ=$OBJ "$bin" 2>&1)
	np=$(grep -c '^PASS' <<<"$out"); nf=$(grep -c '^FAIL' <<<"$out")
	if [ "$nf" -eq 0 ] && [ "$np" -gt 0 ]; then
		sg_pass "${T}_$s"
		echo "  $s: $np passed against the fixed-length build"
	else
		sg_fail "${T}_$s" "$nf of $((np + nf)) failed against the fixed-length build"
		grep '^FAIL' <<<"$out" | head -n 10 | sed 's/^/  /'
	fi
done
exit 0
