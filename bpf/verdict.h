/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * verdict.h - policy drops under monitor mode (protect --monitor,
 * SG_CFG_MONITOR): the verdict is computed and counted as its would_*
 * counter, and the packet passes to the kernel untouched. Every policy drop
 * (the per-source SYN limit, the SYN-ACK cap, ...) goes through here, so
 * that monitor and enforce count the same traffic alike.
 */
#ifndef SG_BPF_VERDICT_H
#define SG_BPF_VERDICT_H

#include "maps.h"

static __always_inline int sg_policy_drop(const struct sg_config *cfg, enum sg_counter drop_c,
					  enum sg_counter would_c)
{
	if (cfg->flags & SG_CFG_MONITOR) {
		sg_count(would_c);
		return XDP_PASS;
	}
	sg_count(drop_c);
	return XDP_DROP;
}

#endif
