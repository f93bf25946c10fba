#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_cookie_replay against the synproxy design (see its header).
SG_REPLAY_DESIGN=synproxy exec "$(dirname "$0")/test_cookie_replay.sh"
