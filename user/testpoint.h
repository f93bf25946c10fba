/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * testpoint.h - TEST-ONLY: named points between the steps of protect and
 * unprotect where the robustness tests (tests/integration/test_ops_kill.sh)
 * kill the command with SIGKILL, to check that every intermediate state is
 * safe for traffic, reported by status and repaired by the next command.
 * SG_TEST_KILL_AT=POINT in the environment kills the process at POINT;
 * without it a test point costs one getenv(). Points (docs/runbook.md):
 *   protect:after-tc    tc handoff attached, XDP not yet (through libxdp:
 *                       XDP is in the dispatcher already but inactive,
 *                       passing everything, until this point)
 *   protect:after-xdp   both attached (and active), nothing pinned yet
 *   unprotect:after-xdp XDP removed, tc handoff still attached
 *   unprotect:after-tc  both removed, pins still there
 * Never set it in production.
 */
#ifndef SG_TESTPOINT_H
#define SG_TESTPOINT_H

void sg_test_point(const char *point);

#endif
