/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xdp_features.h - the XDP features a driver advertises (netdev generic
 * netlink family, Linux 6.3+: NETDEV_A_DEV_XDP_FEATURES). libbpf 1.1 and
 * Debian 12's headers predate it, so the few constants are defined here.
 */
#ifndef SG_XDP_FEATURES_H
#define SG_XDP_FEATURES_H

#include <linux/types.h>

#define SG_XDP_ACT_BASIC	(1ULL << 0)	/* native XDP: ABORTED, DROP, PASS, TX */
#define SG_XDP_ACT_REDIRECT	(1ULL << 1)
#define SG_XDP_ACT_NDO_XMIT	(1ULL << 2)	/* can be the target of XDP_REDIRECT */

/* 0 with *feat set, -EOPNOTSUPP if the kernel has no netdev family,
 * other -errno on failure. */
int sg_xdp_features(int ifindex, __u64 *feat);

#endif
