/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * run_config.h - libxdp's run configuration of sg_xdp: where it runs in a
 * multi-program dispatcher (priority: lower runs first) and on which of its
 * verdicts the dispatcher goes on to the next program. libxdp reads it from
 * the BTF of the .xdp_run_config section; a legacy (netlink) attach ignores
 * it. `protect --prio` overrides the priority at attach time.
 *
 * Chain-call on XDP_PASS only: what we pass (non-TCP, unprotected ports,
 * established flows, validated cookie ACKs) goes on to later programs (a load
 * balancer, a firewall); our SYN-ACKs (XDP_TX) and drops are final. Packet
 * filters such as xdp-filter run at priority 10, before us.
 */
#ifndef SG_BPF_RUN_CONFIG_H
#define SG_BPF_RUN_CONFIG_H

#include <xdp/xdp_helpers.h>
#include "synguard.h"

struct {
	__uint(priority, SG_XDP_RUN_PRIO);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(sg_xdp);

#endif
