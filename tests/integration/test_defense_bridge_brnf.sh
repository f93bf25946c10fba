#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_defense_bridge with br_netfilter on (bridge-nf-call-ip(6)tables=1,
# the kernel's default when br_netfilter is loaded) and synguard on the
# bridge device (generic XDP), the setup docs/cli-defense.md asks for there:
# on a bridge port br_netfilter orphans the handed-off ACK and the kernel
# resets the host's own connections (see test_defense_bridge.sh).
export SG_BR_PROTECT=br0 SG_BR_T=defense_bridge_brnf
exec "$(dirname "$0")/test_defense_bridge.sh"
