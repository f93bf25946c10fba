/* SPDX-License-Identifier: GPL-2.0-only */
/* cookie_bpf.h - the cookie of a parsed packet: clock, key ring and hash glue
 * around include/handshake.h and include/cookie.h (which the tests share). */
#ifndef SG_BPF_COOKIE_H
#define SG_BPF_COOKIE_H

#include "handshake.h"
#include "parse.h"
#include "maps.h"

/* CLOCK_REALTIME as the cookie clock, so that hosts sharing a key agree on
 * it up to their skew: the coarse monotonic clock (jiffies; the cheapest
 * clock) plus clock_adj_ns, REALTIME - MONOTONIC as protect measured it
 * (plus --clock-offset). bpf_ktime_get_tai_ns() would follow wall-clock steps
 * by itself but cost ~50 ns per packet on the bench VM (a TSC read); a step
 * is followed instead by re-running protect, which re-measures the offset
 * (deploy/synguard-clock.timer: OnClockChange). */
static __always_inline __u64 sg_now_ns(const struct sg_config *cfg)
{
	return bpf_ktime_get_coarse_ns() + cfg->clock_adj_ns;
}

/* The key ring (sg_config.keyring): the current slot, and the previous one
 * while it is still accepted after a rotation. */
static __always_inline __u32 sg_key_cur(const struct sg_config *cfg)
{
	__u32 c = (__u32)(cfg->keyring & SG_KEYRING_CUR_MASK);

	return c < SG_KEY_SLOTS ? c : 0;
}

static __always_inline __u32 sg_key_prev(__u32 cur)
{
	return cur ? cur - 1 : SG_KEY_SLOTS - 1;
}

static __always_inline int sg_key_prev_ok(const struct sg_config *cfg, __u64 now_ns)
{
	return sg_hs_tick(now_ns) < (cfg->keyring >> SG_KEYRING_UNTIL_SHIFT);
}

/* SipHash as global functions: verified once, instead of once for each of
 * the many option/listener branch combinations that reach it (each boolean
 * is a branch in BPF, and the paths differ in stack slot types, so they do
 * not prune). For IPv4, key and message go in registers, which saves a
 * stack struct on the hot path. */
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
	__u32 slot;		/* the key slot (looked up here: less stack) */
	__u32 pad;
};

__noinline __u64 sg_hash_words6(const struct sg_msg6 *msg)
{
	struct sg_key_slot *k;

	if (!msg)
		return 0;
	k = sg_get_key(msg->slot);
	if (!k)
		return 0;
	return sg_siphash24_tail(k->key, msg->m, SG_COOKIE_WORDS6, msg->tail,
				 SG_COOKIE_LEN6);
}

/* Hash of the client's tuple as the packet carries it (client -> server). */
static __always_inline __u64 sg_pkt_hash(const struct sg_key_slot *k, __u32 slot,
					 const struct sg_pkt *p, __u16 sport,
					 __u16 dport, __u32 isn, __u64 tail)
{
	struct sg_msg6 msg;

	if (p->ipv6) {
		sg_cookie_msg6(msg.m, p->saddr, p->daddr, sport, dport, isn);
		msg.tail = tail;
		msg.slot = slot;
		msg.pad = 0;
		return sg_hash_words6(&msg);
	}
	sg_cookie_msg4(msg.m, p->saddr[0], p->daddr[0], sport, dport, isn);
	return sg_hash_words4(k->key[0], k->key[1], msg.m[0], msg.m[1], tail);
}

/* The TS offset of the packet's address pair (handshake.h). */
static __always_inline __u32 sg_pkt_ts_off(const struct sg_key_slot *k,
					   const struct sg_pkt *p)
{
	if (p->ipv6)
		return sg_hs_ts_off6(k->ts_secret,
				     (__u64)p->saddr[0] | ((__u64)p->saddr[1] << 32),
				     (__u64)p->saddr[2] | ((__u64)p->saddr[3] << 32),
				     (__u64)p->daddr[0] | ((__u64)p->daddr[1] << 32),
				     (__u64)p->daddr[2] | ((__u64)p->daddr[3] << 32));
	return sg_hs_ts_off4(k->ts_secret, (__u64)p->saddr[0] | ((__u64)p->daddr[0] << 32));
}

#endif
