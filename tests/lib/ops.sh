# SPDX-License-Identifier: GPL-2.0-only
# Helpers for the concurrency and robustness tests (tests/integration/test_ops_race.sh,
# test_ops_kill.sh, test_ops_lock.sh): the kernel's view of synguard's state
# on an interface, read with ip/tc/ls (never through synguard), and a client
# check. Source after lib.sh, cli.sh and sg_lab.

# sg_ops_kstate NS IF [PIN_DIR]: "xdp=ours|foreign|none tc=ours|foreign|none pins=yes|no"
sg_ops_kstate() {
	local x t p=no name
	name=$(sg_xdp_name "$1" "$2")
	case "$name" in sg_xdp) x=ours ;; "") x=none ;; *) x=foreign ;; esac
	t=$(sg_tc_filters "$1" "$2" | sed -n 's/.* name \([^ ]*\).*/\1/p' | head -n 1)
	# (sg_tc_spx: the synproxy design's tc program)
	case "$t" in sg_tc|sg_tc_spx) t=ours ;; "") t=none ;; *) t=foreign ;; esac
	[ -n "${3:-}" ] && [ -e "$3" ] && p=yes
	echo "xdp=$x tc=$t pins=$p"
}

# sg_ops_lock_file NS IF: the lock file synguard uses for IF in NS (lock.h)
sg_ops_lock_file() {
	echo "/run/synguard/netns-$(stat -L -c %i /run/netns/"$1").if-$(ip -n "$1" -j link show dev "$2" | jq '.[0].ifindex').lock"
}

# sg_ops_client ADDR PORT: one short real TCP exchange from the client netns
sg_ops_client() { sg_in "$NS_C" "$SG_CLIENT" -n 1000 -t 5 -q "$1" "$2" >/dev/null 2>&1; }

# sg_ops_setup NAME: the common start of the ops tests, in the test's own
# shell (its clean-ups must be registered there): root, tools, bpffs, the
# lab with synguard removed on exit, a scratch dir in TMP, S to run synguard
# in the server namespace, PIN for the server veth's pin directory.
sg_ops_setup() {
	sg_require_root "$1"
	sg_def_require "$1"
	sg_mount_fs
	sg_lab || { sg_fail "$1" "cannot build the lab"; exit 1; }
	sg_cli_unprotect_on_exit "$NS_S" "$IF_S"
	TMP=$(mktemp -d "/tmp/sg-$1.XXXXXX")
	sg_on_exit "rm -rf $TMP"
	PIN=$(sg_def_pin_dir)
}
S() { sg_in "$NS_S" "$SG_BIN" "$@"; }

# sg_ops_cfg_clear_flag PIN_DIR MASK: clears MASK (e.g. 1 = SG_CFG_ACTIVE)
# in the flags of the pinned sg_config, as a protect killed before it
# activated its program leaves them; the offset comes from the map's BTF
sg_ops_cfg_clear_flag() {
	local m="$1/sg_config" off val
	off=$(bpftool -j btf dump map pinned "$m" value | jq '[.types[] | select(.name == "sg_config") |
		.members[] | select(.name == "flags") | .bits_offset][0] / 8') || return 1
	val=$(bpftool -j map lookup pinned "$m" key 0 0 0 0 | python3 -c "
import json, sys
v = [int(b, 16) for b in json.load(sys.stdin)['value']]
o = $off
f = int.from_bytes(bytes(v[o:o + 4]), 'little') & ~$2
v[o:o + 4] = list(f.to_bytes(4, 'little'))
print(' '.join(str(b) for b in v))") || return 1
	# shellcheck disable=SC2086
	bpftool map update pinned "$m" key 0 0 0 0 value $val
}
