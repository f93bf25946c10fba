#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_defense_survive against the synproxy design (see its header): flow B
# is proxied by nft SYNPROXY and must survive unprotect and re-protect.
SG_SURVIVE_DEFENSE=synproxy exec "$(dirname "$0")/test_defense_survive.sh"
