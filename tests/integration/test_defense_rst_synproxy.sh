#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_defense_rst against the synproxy design (see its header).
SG_RST_DESIGN=synproxy exec "$(dirname "$0")/test_defense_rst.sh"
