/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * srclimit.h - the per-source SYN limit (protect --syn-limit): a GCRA bucket
 * (ratelimit.h sg_gcra) per source prefix, held in an LRU hash so that
 * memory stays bounded whatever a spoofed flood sends; the least recently
 * seen prefixes are evicted (and start over with a full bucket).
 *
 * One shared entry per prefix, not per CPU: RSS spreads one source's SYNs
 * over the queues (its ports vary), and per-CPU buckets would allow ncpus x
 * the rate. The bucket word moves by compare-and-swap (exact); the counters
 * `synguard top` reads (syns, dropped, last_ns) are plain stores, cheaper
 * on the SYN path: two CPUs racing on one prefix may lose an increment,
 * which a rate display can afford.
 */
#ifndef SG_BPF_SRCLIMIT_H
#define SG_BPF_SRCLIMIT_H

#include "synguard.h"
#include "ratelimit.h"

/* Written only by XDP; max_entries set by protect (--syn-limit-table) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SG_SRC_TABLE_DEFAULT);
	__type(key, struct sg_src_key);
	__type(value, struct sg_src_val);
} sg_src SEC(".maps");

/* The network-order mask of word i (0..3) of a plen-bit prefix. */
static __always_inline __u32 sg_prefix_mask(__u32 plen, __u32 i)
{
	__u32 bits = plen > 32 * i ? plen - 32 * i : 0;

	if (bits >= 32)
		return 0xffffffffU;
	if (!bits)
		return 0;
	return bpf_htonl(0xffffffffU << (32 - bits));
}

/* 1 if this SYN is within its source prefix's limit (or no limit is set),
 * 0 if it is over it. Counts the SYN against the prefix either way. now:
 * sg_policy_now(). */
static __always_inline int sg_src_allow(const struct sg_limits *lim, const struct sg_pkt *p,
					__u64 now)
{
	struct sg_src_key k = {};
	struct sg_src_val *v, nv = {};

	if (!lim->src_interval_ns)
		return 1;
	if (p->ipv6) {
		k.family = 6;
		k.plen = lim->src_plen6;
		for (int i = 0; i < 4; i++)
			k.addr[i] = p->saddr[i] & sg_prefix_mask(k.plen, i);
	} else {
		k.family = 4;
		k.plen = lim->src_plen4;
		k.addr[0] = p->saddr[0] & sg_prefix_mask(k.plen, 0);
	}
	v = bpf_map_lookup_elem(&sg_src, &k);
	if (!v) {
		/* a new prefix: its first SYN takes one token of a full bucket */
		nv.tat_ns = now + lim->src_interval_ns;
		nv.syns = 1;
		nv.last_ns = now;
		if (!bpf_map_update_elem(&sg_src, &k, &nv, BPF_NOEXIST))
			return 1;
		/* another CPU inserted it first: count against its entry */
		v = bpf_map_lookup_elem(&sg_src, &k);
		if (!v)
			return 1;	/* evicted at once: the table is thrashing */
	}
	v->syns++;
	if (v->last_ns != now)	/* the coarse clock: mostly the same tick */
		v->last_ns = now;
	if (sg_gcra(&v->tat_ns, now, lim->src_interval_ns, lim->src_tau_ns))
		return 1;
	v->dropped++;
	return 0;
}

#endif
