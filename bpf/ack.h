/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ack.h - validate the cookie in an ACK that reached a listener, and decode
 * what the cookie carries into struct sg_meta (what the tc handoff needs),
 * with the decode half of include/handshake.h. Shared by XDP (the normal
 * path) and tc (the fallback when the driver cannot carry XDP metadata).
 */
#ifndef SG_BPF_ACK_H
#define SG_BPF_ACK_H

#include "cookie_bpf.h"

/* What the cookie check says about an ACK that reached a listener. */
enum sg_ack_verdict {
	SG_ACK_INVALID = 0,	/* not ours: the time it echoes is outside the bounds */
	SG_ACK_VALID = 1,	/* a cookie we issued, m filled in */
	/* the time it echoes is within the bounds under some key, the hash
	 * is not ours: a forgery that guessed the time, a connection lost
	 * within the cookie's life, or a real client's later segment whose
	 * handshake ACK is not through yet (lost, or still on its way to the
	 * kernel): its seq is no longer the ISN + 1 the cookie hashes */
	SG_ACK_IN_TIME = 2,
};

/* One key: time bounds first (no hash for an expired TS cookie), then the
 * hash. SG_ACK_VALID if the cookie was made with key k, SG_ACK_IN_TIME if
 * only its time is within the bounds. */
static __always_inline int sg_ack_try_key(const struct sg_config *cfg,
					  const struct sg_key_slot *k, __u32 slot,
					  const struct sg_pkt *p, __u16 sport, __u16 dport,
					  __u32 cookie, __u32 isn, int ts, __u32 tsecr,
					  __u64 now, struct sg_hs_ack *a)
{
	__u32 off = ts ? sg_pkt_ts_off(k, p) : 0;
	__u64 hash;

	if (!sg_hs_ack_begin(a, cookie, ts, tsecr, off, now, cfg->max_age_ticks,
			     cfg->skew_ticks, cfg->nots_window, p->ipv6 ? 6 : 4))
		return SG_ACK_INVALID;
	/* IPv4 inline here (the hottest validation path; only a few parse
	 * states reach it, so the verifier copes), global function elsewhere */
	if (p->ipv6)
		hash = sg_pkt_hash(k, slot, p, sport, dport, isn, a->tail);
	else
		hash = sg_cookie_hash4(k->key, p->saddr[0], p->daddr[0], sport, dport, isn,
				       a->tail);
	return sg_hs_ack_hash_ok(a, hash) ? SG_ACK_VALID : SG_ACK_IN_TIME;
}

/* SG_ACK_VALID if the ACK carries a cookie we issued within the time
 * bounds, under the current key or (for a while after a rotation) the
 * previous one, with m filled in; else SG_ACK_IN_TIME if its time was
 * within the bounds under one of them, SG_ACK_INVALID if not.
 *
 * Verifier workaround: a static (not global) non-inlined function. Inlined,
 * its locals joined sg_xdp's stack frame, and the SYN path's call chain
 * below sg_xdp (syn path -> planner -> IPv6 hash) then passed the 512-byte
 * limit; static, it is still verified with the caller's precise argument
 * types (packet pointers allowed), at the cost of one BPF-to-BPF call. */
static __noinline int sg_cookie_ack_check(void *data, void *data_end,
					       const struct sg_config *cfg,
					       const struct sg_pkt *p,
					       struct sg_meta *m)
{
	struct tcphdr *th = data + p->l4_off;
	__u32 cookie, isn, tsval = 0, tsecr = 0, cur;
	struct sg_key_slot *k;
	struct sg_hs_ack a;
	__u16 sport, dport;
	__u64 now;
	int ts, i, r, in_time = 0;

	if (p->l4_off > SG_MAX_L4_OFF || (void *)(th + 1) > data_end)
		return SG_ACK_INVALID;
	cookie = bpf_ntohl(th->ack_seq) - 1;
	isn = bpf_ntohl(th->seq) - 1;
	sport = th->source;
	dport = th->dest;
	ts = sg_parse_ts(data, data_end, p, &tsval, &tsecr);
	now = sg_now_ns(cfg);
	cur = sg_key_cur(cfg);

	/* the current key, then (only for a while after a rotation) the
	 * previous one: a loop, not two inlined copies, because each copy
	 * of the check took its own stack, and the SYN path's call chain
	 * below sg_xdp is at the 512-byte limit (a verifier constraint) */
	for (i = 0; i < 2; i++) {
		if (i) {
			if (!sg_key_prev_ok(cfg, now))
				return in_time ? SG_ACK_IN_TIME : SG_ACK_INVALID;
			cur = sg_key_prev(cur);
		}
		k = sg_get_key(cur);
		if (!k)
			return SG_ACK_INVALID;
		r = sg_ack_try_key(cfg, k, cur, p, sport, dport, cookie, isn, ts, tsecr, now,
				   &a);
		if (r == SG_ACK_VALID)
			break;
		in_time |= r == SG_ACK_IN_TIME;
		if (i)
			return in_time ? SG_ACK_IN_TIME : SG_ACK_INVALID;
	}
	m->magic = cfg->meta_magic;
	sg_hs_ack_meta(&a, p->ipv6, tsval, tsecr, m);
	return SG_ACK_VALID;
}

#endif
