/* SPDX-License-Identifier: GPL-2.0-only */
/* cookie_bpf.h - the cookie of a parsed packet: clock and hash glue around
 * include/cookie.h (which the tests share). */
#ifndef SG_BPF_COOKIE_H
#define SG_BPF_COOKIE_H

#include "cookie.h"
#include "parse.h"
#include "maps.h"

/* The coarse monotonic clock (jiffies resolution, the cheapest clock) moved
 * to CLOCK_REALTIME by the offset `protect` measured, so that hosts sharing
 * a key agree on the period. */
static __always_inline __u32 sg_period_now(const struct sg_config *cfg, __u64 mono)
{
	return sg_cookie_period(mono + cfg->mono_to_real_ns);
}

/* SipHash as global functions: verified once, instead of once for each of
 * the many option/listener branch combinations that reach it (each boolean
 * is a branch in BPF, and the paths differ in stack slot types, so they do
 * not prune). For IPv4, key and message go in registers, which saves a
 * stack struct and a second config lookup on the hot path. */
__noinline __u64 sg_hash_words4(__u64 k0, __u64 k1, __u64 m0, __u64 m1, __u64 tail)
{
	const __u64 key[2] = { k0, k1 };
	const __u64 m[SG_COOKIE_WORDS4] = { m0, m1 };

	return sg_siphash24_tail(key, m, SG_COOKIE_WORDS4, tail, SG_COOKIE_LEN4);
}

/* a struct, because a global function's pointer argument gives access to
 * exactly sizeof(*arg) bytes */
struct sg_msg6 {
	__u64 m[SG_COOKIE_WORDS6];
	__u64 tail;
};

__noinline __u64 sg_hash_words6(const struct sg_msg6 *msg)
{
	struct sg_config *cfg = sg_get_config();

	if (!cfg || !msg)
		return 0;
	return sg_siphash24_tail(cfg->key, msg->m, SG_COOKIE_WORDS6, msg->tail,
				 SG_COOKIE_LEN6);
}

/* Hash of the client's tuple as the packet carries it (client -> server). */
static __always_inline __u64 sg_pkt_hash(const struct sg_config *cfg,
					 const struct sg_pkt *p, __u16 sport,
					 __u16 dport, __u32 isn, __u32 period,
					 __u32 data)
{
	struct sg_msg6 msg;

	if (p->ipv6) {
		sg_cookie_msg6(msg.m, p->saddr, p->daddr, sport, dport, isn);
		msg.tail = sg_cookie_tail(period, data, 6);
		return sg_hash_words6(&msg);
	}
	sg_cookie_msg4(msg.m, p->saddr[0], p->daddr[0], sport, dport, isn);
	return sg_hash_words4(cfg->key[0], cfg->key[1], msg.m[0], msg.m[1],
			      sg_cookie_tail(period, data, 4));
}

#endif
