/* SPDX-License-Identifier: GPL-2.0-only */
/* cookie_bpf.h - the cookie of a parsed packet: clock and hash glue around
 * include/cookie.h (which the tests share). */
#ifndef SG_BPF_COOKIE_H
#define SG_BPF_COOKIE_H

#include "cookie.h"
#include "parse.h"

/* The coarse monotonic clock (jiffies resolution, the cheapest clock) moved
 * to CLOCK_REALTIME by the offset `protect` measured, so that hosts sharing
 * a key agree on the period. */
static __always_inline __u32 sg_period_now(const struct sg_config *cfg, __u64 mono)
{
	return sg_cookie_period(mono + cfg->mono_to_real_ns);
}

struct sg_hashin {
	__u64 key[2];
	__u64 m[SG_COOKIE_WORDS6];
};

/* SipHash as global functions: verified once, instead of once for each of
 * the many option/listener branch combinations that reach it (each boolean
 * is a branch in BPF, and the paths differ in stack slot types, so they do
 * not prune). */
__noinline __u64 sg_hash_words4(const struct sg_hashin *in)
{
	if (!in)
		return 0;
	return sg_siphash24(in->key, in->m, SG_COOKIE_WORDS4);
}

__noinline __u64 sg_hash_words6(const struct sg_hashin *in)
{
	if (!in)
		return 0;
	return sg_siphash24(in->key, in->m, SG_COOKIE_WORDS6);
}

/* Hash of the client's tuple as the packet carries it (client -> server). */
static __always_inline __u64 sg_pkt_hash(const struct sg_config *cfg,
					 const struct sg_pkt *p, __u16 sport,
					 __u16 dport, __u32 isn, __u32 period,
					 __u32 data)
{
	struct sg_hashin in;

	in.key[0] = cfg->key[0];
	in.key[1] = cfg->key[1];
	if (p->ipv6) {
		sg_cookie_msg6(in.m, p->saddr, p->daddr, sport, dport, isn, period, data);
		return sg_hash_words6(&in);
	}
	sg_cookie_msg4(in.m, p->saddr[0], p->daddr[0], sport, dport, isn, period, data);
	in.m[3] = in.m[4] = in.m[5] = 0;	/* global funcs read the whole struct */
	return sg_hash_words4(&in);
}

#endif
