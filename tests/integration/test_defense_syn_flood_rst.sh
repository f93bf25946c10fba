#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_defense_syn_flood with RSTs for invalid cookie ACKs pinned on
# (--rst-limit 1000, the default since issue 8 item 2), so that it keeps
# testing them if the default changes. Before the fix, 1 to 17 of 20 real
# clients per family were reset in most runs: their segments reached XDP
# before their connection existed (the final ACK lost in the flooded ring,
# or still on its way to the stack) and failed the cookie check.
export SG_FLOOD_PROTECT_ARGS="--rst-limit 1000" SG_FLOOD_T=defense_syn_flood_rst
exec "$(dirname "$0")/test_defense_syn_flood.sh"
