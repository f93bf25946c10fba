/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * verdict.h - verdicts under monitor mode (protect --monitor,
 * SG_CFG_MONITOR): the verdict is computed and counted as its would_*
 * counter, and the packet passes to the kernel untouched. Every drop and
 * every answer written in place goes through here, so that monitor and
 * enforce count the same traffic alike.
 *   - a drop: sg_policy_drop(cfg, DROP, WOULD), or sg_drop(DROP) for the
 *     base reasons (it finds their would_* counter itself);
 *   - an answer written in place (SYN-ACK, RST): check sg_monitoring(cfg)
 *     BEFORE writing a byte, and return sg_would(WOULD) if so.
 */
#ifndef SG_BPF_VERDICT_H
#define SG_BPF_VERDICT_H

#include "maps.h"

static __always_inline int sg_monitoring(const struct sg_config *cfg)
{
	return cfg && (cfg->flags & SG_CFG_MONITOR);
}

/* Count what would have happened; the packet passes untouched. */
static __always_inline int sg_would(enum sg_counter would_c)
{
	sg_count(would_c);
	return XDP_PASS;
}

static __always_inline int sg_policy_drop(const struct sg_config *cfg, enum sg_counter drop_c,
					  enum sg_counter would_c)
{
	if (sg_monitoring(cfg))
		return sg_would(would_c);
	sg_count(drop_c);
	return XDP_DROP;
}

/* The would_* counter of a drop reason (include/synguard.h). A new drop
 * reason adds its would_* counter and a case here (test_monitor checks the
 * base ones; the default is only reached by a reason without one). */
static __always_inline enum sg_counter sg_would_of(enum sg_counter c)
{
	switch (c) {
	case SG_CNT_DROP_COOKIE_INVALID: return SG_CNT_WOULD_DROP_COOKIE_INVALID;
	case SG_CNT_DROP_SYN_FIN: return SG_CNT_WOULD_DROP_SYN_FIN;
	case SG_CNT_DROP_SYN_RST: return SG_CNT_WOULD_DROP_SYN_RST;
	case SG_CNT_DROP_NO_FLAGS: return SG_CNT_WOULD_DROP_NO_FLAGS;
	case SG_CNT_DROP_FIN_PSH_URG: return SG_CNT_WOULD_DROP_FIN_PSH_URG;
	case SG_CNT_DROP_RST_CAPPED: return SG_CNT_WOULD_DROP_RST_CAPPED;
	case SG_CNT_DROP_MARTIAN: return SG_CNT_WOULD_DROP_MARTIAN;
	case SG_CNT_DROP_BAD_CSUM: return SG_CNT_WOULD_DROP_BAD_CSUM;
	case SG_CNT_DROP_FRAGMENT: return SG_CNT_WOULD_DROP_FRAGMENT;
	case SG_CNT_DROP_SYN_LIMITED: return SG_CNT_WOULD_DROP_SYN_LIMITED;
	case SG_CNT_DROP_SYNACK_CAPPED: return SG_CNT_WOULD_DROP_SYNACK_CAPPED;
	/* an invalid cookie ACK, dropped: the same would_* as the others */
	case SG_CNT_DROP_ACK_MAYBE_OURS: return SG_CNT_WOULD_DROP_COOKIE_INVALID;
	default: return SG_CNT_WOULD_DROP_UNCHECKED;
	}
}

/* A base drop: the config is looked up here, so that drops before the
 * config lookup of sg_xdp (parse, fragments) obey monitor mode too. */
static __always_inline int sg_drop(enum sg_counter c)
{
	return sg_policy_drop(sg_get_config(), c, sg_would_of(c));
}

#endif
