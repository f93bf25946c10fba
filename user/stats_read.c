// SPDX-License-Identifier: GPL-2.0-only
/* stats_read.c - per-CPU counter sums; see stats_read.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "stats_read.h"

int sg_stats_read(int stats_fd, struct sg_counters *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct sg_stats *vals;
	__u32 zero = 0;

	memset(out, 0, sizeof(*out));
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	/* per-CPU values come as ncpu slots of the value size rounded up to
	 * 8 bytes; struct sg_stats is all __u64, so no padding */
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(stats_fd, &zero, vals)) {
		int err = -errno;

		free(vals);
		return err;
	}
	for (int c = 0; c < ncpu; c++)
		for (int i = 0; i < SG_CNT_MAX; i++)
			out->cnt[i] += vals[c].cnt[i];
	free(vals);
	return 0;
}

void sg_stats_totals(const struct sg_counters *c, struct sg_totals *t)
{
	memset(t, 0, sizeof(*t));
	t->synack_sent = c->cnt[SG_CNT_TX_SYNACK];
	t->syn = c->cnt[SG_CNT_TX_SYNACK] + c->cnt[SG_CNT_PASS_SYN_NO_LISTENER] +
		 c->cnt[SG_CNT_PASS_SYN_EXISTING] + c->cnt[SG_CNT_PASS_SYN_TX_ERROR] +
		 c->cnt[SG_CNT_PASS_SYN_KERNEL] + c->cnt[SG_CNT_DROP_SYN_LIMITED] +
		 c->cnt[SG_CNT_DROP_SYNACK_CAPPED] + c->cnt[SG_CNT_WOULD_DROP_SYN_LIMITED] +
		 c->cnt[SG_CNT_WOULD_DROP_SYNACK_CAPPED] +
		 c->cnt[SG_CNT_WOULD_TX_SYNACK] + c->cnt[SG_CNT_PASS_ALLOW_SYN] +
		 c->cnt[SG_CNT_DROP_DENY_SYN] + c->cnt[SG_CNT_WOULD_DROP_DENY_SYN] +
		 c->cnt[SG_CNT_PASS_SYN_DISENGAGED];
	t->ack_cookie_valid = c->cnt[SG_CNT_PASS_COOKIE_VALID];
	t->ack_cookie_invalid = c->cnt[SG_CNT_DROP_COOKIE_INVALID];
	t->established_pass = c->cnt[SG_CNT_PASS_ESTABLISHED];
	for (int i = 0; i < SG_CNT_XDP_MAX; i++) {
		if (sg_counter_is_drop(i))
			t->drop += c->cnt[i];
		else if (i != SG_CNT_TX_SYNACK && i != SG_CNT_TX_RST)
			t->pass += c->cnt[i];
	}
}

void sg_stats_delta(const struct sg_counters *now, const struct sg_counters *before,
		    struct sg_counters *out)
{
	for (int i = 0; i < SG_CNT_MAX; i++)
		out->cnt[i] = now->cnt[i] >= before->cnt[i] ? now->cnt[i] - before->cnt[i]
							     : now->cnt[i];
}
