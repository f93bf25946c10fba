/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stats_read.h - the defense counters (map sg_stats, per CPU) summed over
 * CPUs, and the totals derived from them. Shared by `stats` and `metrics`.
 */
#ifndef SG_STATS_READ_H
#define SG_STATS_READ_H

#include <linux/types.h>

#include "synguard.h"

struct sg_counters {
	__u64 cnt[SG_CNT_MAX];
};

struct sg_totals {
	__u64 syn;		/* SYNs to protected ports: synack_sent + pass_syn_* */
	__u64 synack_sent;
	__u64 ack_cookie_valid;
	__u64 ack_cookie_invalid;
	__u64 established_pass;
	__u64 pass;		/* XDP reasons that are neither drop nor synack_sent */
	__u64 drop;		/* all drop reasons */
};

/* Sum the per-CPU values of map stats_fd. 0 or -errno. */
int sg_stats_read(int stats_fd, struct sg_counters *out);
void sg_stats_totals(const struct sg_counters *c, struct sg_totals *t);
/* out = now - before, counter by counter (a counter never decreases; a
 * smaller value means the map was replaced: treat it as restarted). */
void sg_stats_delta(const struct sg_counters *now, const struct sg_counters *before,
		    struct sg_counters *out);

#endif
