# SPDX-License-Identifier: GPL-2.0-only
# Helpers for the CLI tests (tests/integration/test_cli_*.sh). Source after
# lib.sh. They look at the kernel's state with ip/tc, never through synguard,
# so that a synguard bug cannot hide itself.

# sg_expect_rc NAME WANT CMD...: PASS if CMD exits with WANT. The output of
# CMD is kept in $SG_OUT for further checks.
sg_expect_rc() {
	local name=$1 want=$2; shift 2
	local rc
	SG_OUT=$("$@" 2>&1); rc=$?
	if [ "$rc" -eq "$want" ]; then
		sg_pass "$name"
	else
		sg_fail "$name" "exit $rc, want $want: $(echo "$SG_OUT" | tail -n 3 | tr '\n' ' ')"
	fi
	return 0
}

# sg_xdp_id NS IF: id of the XDP program on IF (any mode), empty if none
sg_xdp_id() {
	ip -n "$1" -d link show dev "$2" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -n 1
}
# sg_xdp_name NS IF: name of the XDP program on IF, empty if none. In
# libxdp's dispatcher (protect's default where the kernel allows freplace:
# Debian's 6.1 and 6.12, not the 6.18 development kernel) with synguard in
# it: sg_xdp, as when alone.
sg_xdp_name() {
	local n
	n=$(ip -n "$1" -d link show dev "$2" | sed -n 's/.*prog\/xdp id [0-9]* name \([^ ]*\).*/\1/p' | head -n 1)
	if [ "$n" = xdp_dispatcher ] && [ "$(sg_sg_attach "$1" "$2")" = libxdp ]; then n=sg_xdp; fi
	echo "$n"
}
# sg_sg_attach NS IF: how synguard is attached to IF (libxdp, netlink), empty if not
sg_sg_attach() {
	nsenter --net=/run/netns/"$1" "$SG_BIN" status "$2" -j 2>/dev/null |
		jq -r '.interfaces[0].attach // empty' 2>/dev/null
}
# sg_sg_prog_id NS IF: the id of synguard's own XDP program on IF (the
# attached one, or the one in libxdp's dispatcher)
sg_sg_prog_id() {
	local id
	id=$(nsenter --net=/run/netns/"$1" "$SG_BIN" status "$2" -j 2>/dev/null |
		jq -r '.interfaces[0] | select(.attach == "libxdp") | .xdp_prog_id' 2>/dev/null)
	if [ -n "$id" ]; then echo "$id"; else sg_xdp_id "$1" "$2"; fi
}
# sg_tc_filters NS IF: the ingress filter lines (empty if none or no clsact)
sg_tc_filters() { ip netns exec "$1" tc filter show dev "$2" ingress 2>/dev/null; }
# sg_has_clsact NS IF: is there a clsact qdisc?
sg_has_clsact() { ip netns exec "$1" tc qdisc show dev "$2" | grep -q clsact; }

# sg_nothing_attached NS IF: no XDP, no tc filter, no clsact (prints what is left)
sg_nothing_attached() {
	local left=""
	[ -n "$(sg_xdp_id "$1" "$2")" ] && left+="xdp "
	[ -n "$(sg_tc_filters "$1" "$2")" ] && left+="tc-filter "
	sg_has_clsact "$1" "$2" && left+="clsact "
	[ -z "$left" ] || { echo "left behind: $left"; return 1; }
}

# sg_build_foreign_xdp DIR: a tiny XDP_PASS program named foreign_xdp, built
# with clang, as DIR/foreign.o. Returns non-zero if it cannot be built.
sg_build_foreign_xdp() {
	cat >"$1/foreign.c" <<'EOC'
__attribute__((section("xdp"), used)) int foreign_xdp(void *ctx) { return 2; /* XDP_PASS */ }
char _license[] __attribute__((section("license"), used)) = "GPL";
EOC
	clang -O2 -target bpf -c "$1/foreign.c" -o "$1/foreign.o"
}

# sg_build_foreign_tc DIR: a tiny tc program (TC_ACT_OK) named foreign_tc, as
# DIR/foreign_tc.o (only cls_bpf is available on some kernels: no matchall).
sg_build_foreign_tc() {
	cat >"$1/foreign_tc.c" <<'EOC'
__attribute__((section("tc"), used)) int foreign_tc(void *ctx) { return 0; /* TC_ACT_OK */ }
char _license[] __attribute__((section("license"), used)) = "GPL";
EOC
	clang -O2 -target bpf -c "$1/foreign_tc.c" -o "$1/foreign_tc.o"
}

# sg_json_get JSON PYEXPR: evaluate PYEXPR with d = the parsed JSON ("" on error)
sg_json_get() {
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null
}

# sg_cli_unprotect_on_exit NS IF: unprotect at exit (before the netns goes)
sg_cli_unprotect_on_exit() { sg_on_exit "sg_in $1 $SG_BIN unprotect $2"; }
