/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * handshake.h - the handshake contract, in one place: what our SYN-ACK
 * announces (encode: seq cookie and TSval) and what the client's ACK gives
 * back (decode: validity, MSS, window scales, SACK, TS, ECN), used by the
 * SYN-ACK writer (bpf/synack.h), the ACK check (bpf/ack.h), the handoff
 * (bpf/handoff.h, through struct sg_meta) and the tests that forge cookies
 * (tests/lib/synack.c). Pure arithmetic: the caller computes the SipHash
 * (include/cookie.h) over the message and the tail made here.
 *
 * Time. One clock: CLOCK_REALTIME in ns (BPF: coarse CLOCK_MONOTONIC + sg_config
 * .clock_adj_ns), in two units:
 *   TS tick   2^20 ns (~1.05 ms): the time field of our TSval;
 *   period    2^32 ns (~4.29 s): the time of a cookie without timestamps.
 *
 * With timestamps (the SYN-ACK announced TS; the ACK must carry TS):
 *   seq   = hash[0..23] << 8 | data bits
 *   TSval = ts_off + (tick[0..19] << 12 | rcv_wscale << 8 | hash[24..31])
 *   32 hash bits; the tick is hashed in full (reconstructed from its 20 low
 *   bits and now), so its age is authentic: accepted if
 *   -(skew + 1 s) <= now - tick <= max_age + skew.
 * Without timestamps:
 *   seq   = hash[0..20] << 11 | period[0..2] << 8 | data bits
 *   21 hash bits; accepted if the issuing period is now-back .. now+ahead,
 *   ahead = ceil(skew / period) (at most 2), back = 2 + ahead (sg_hs_nots_window).
 * The tail says which of the two the cookie is (bit SG_HS_TAIL_TS), so an
 * ACK without TS for a TS SYN-ACK does not validate, and the reverse.
 * rcv_wscale is carried (hashed, in the TSval) only with timestamps; without
 * them the handoff derives it from the listener as the SYN path did.
 */
#ifndef SG_HANDSHAKE_H
#define SG_HANDSHAKE_H

#include "cookie.h"

#define SG_HS_TICK_SHIFT	20	/* TS tick: 2^20 ns */
#define SG_HS_PERIOD_SHIFT	32	/* period without TS: 2^32 ns */

/* seq layouts */
#define SG_HS_TS_HASH_SHIFT	8	/* with TS: 24 hash bits */
#define SG_HS_TS_SEQ_BITS	24
#define SG_HS_NOTS_CTR_SHIFT	8	/* without TS: 3 bits of period */
#define SG_HS_NOTS_CTR_MASK	0x7U
#define SG_HS_NOTS_HASH_SHIFT	11	/* without TS: 21 hash bits */
#define SG_HS_NOTS_HASH_BITS	21
/* periods accepted without TS: now-back .. now+ahead (back + ahead < 8) */
#define SG_HS_NOTS_AGE_PERIODS	2	/* back without skew: a life of 2-3 periods */
#define SG_HS_NOTS_MAX_AHEAD	2

/* TSval layout (after removing ts_off) */
#define SG_HS_TSV_TICK_SHIFT	12
#define SG_HS_TSV_TICK_BITS	20
#define SG_HS_TSV_WS_SHIFT	8
#define SG_HS_TSV_HASH_BITS	8

/* Grace below zero age for a TS cookie (clock granularity, reordering). */
#define SG_HS_GRACE_TICKS	((1000000000ULL >> SG_HS_TICK_SHIFT) + 1)

/* tail flags (the 7th tail byte) */
#define SG_HS_TAIL_TS		0x10U

/* Defaults for protect (seconds) */
#define SG_HS_DEFAULT_MAX_AGE_S	5
#define SG_HS_DEFAULT_SKEW_S	10	/* with --key-file; 0 with a random key */

/* The no-TS window for a skew tolerance (in TS ticks): ahead | back << 8,
 * as sg_config.nots_window holds it. */
static __always_inline __u32 sg_hs_nots_window(__u32 skew_ticks)
{
	__u64 skew_ns = (__u64)skew_ticks << SG_HS_TICK_SHIFT;
	__u32 ahead = (__u32)((skew_ns + (1ULL << SG_HS_PERIOD_SHIFT) - 1) >> SG_HS_PERIOD_SHIFT);

	if (ahead > SG_HS_NOTS_MAX_AHEAD)
		ahead = SG_HS_NOTS_MAX_AHEAD;
	return ahead | ((SG_HS_NOTS_AGE_PERIODS + ahead) << 8);
}

/* What the SYN-ACK announces, decided by the SYN path. */
struct sg_hs_offer {
	__u32 data;		/* SG_COOKIE_* data bits (MSS idx, client WS, SACK, ECN) */
	__u32 rcv_wscale;	/* our window scale (if the client sent WS), else 0 */
	__u32 ts;		/* timestamps negotiated */
};

/* What the ACK gave back, decoded before and after the hash. */
struct sg_hs_ack {
	__u32 cookie;		/* ack_seq - 1 */
	__u32 ts;		/* the ACK carries a TS option */
	__u32 data;		/* data bits */
	__u32 rcv_wscale;	/* from the TSval (TS), else SG_WSCALE_NONE */
	__u32 tsv_hash;		/* hash bits echoed in the TSecr (TS) */
	__u64 tail;		/* the hash tail to check against */
};

static __always_inline __u64 sg_hs_tail(__u32 time, __u32 data, __u32 family, __u32 flags)
{
	return (__u64)time | ((__u64)(data & SG_COOKIE_DATA_MASK) << 32) |
	       ((__u64)family << 40) | ((__u64)(flags & 0xff) << 48);
}

static __always_inline __u64 sg_hs_tick(__u64 now_ns)
{
	return now_ns >> SG_HS_TICK_SHIFT;
}

static __always_inline __u32 sg_hs_period(__u64 now_ns)
{
	return (__u32)(now_ns >> SG_HS_PERIOD_SHIFT);
}

/* The TS offset: a keyed mix of the address pair (the words of the cookie
 * message: 1 for IPv4, 4 for IPv6) under ts_secret, which protect derives
 * from the key with SipHash. Hosts sharing a key give a client the same
 * offset; the TSval carries no uptime. Not a PRF: see docs/design.md.
 * Word by word, without an array: the SYN path's stack is at its limit. */
static __always_inline __u64 sg_hs_mix(__u64 h, __u64 w)
{
	h ^= w;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

static __always_inline __u32 sg_hs_ts_off_end(__u64 h)
{
	h *= 0xbf58476d1ce4e5b9ULL;
	return (__u32)(h >> 32);
}

static __always_inline __u32 sg_hs_ts_off4(__u64 secret, __u64 w0)
{
	return sg_hs_ts_off_end(sg_hs_mix(secret, w0));
}

static __always_inline __u32 sg_hs_ts_off6(__u64 secret, __u64 w0, __u64 w1, __u64 w2,
					   __u64 w3)
{
	return sg_hs_ts_off_end(sg_hs_mix(sg_hs_mix(sg_hs_mix(sg_hs_mix(secret, w0), w1),
						    w2), w3));
}

/* ---- encode (the SYN path) ---- */

/* The hash tail of an offer issued at now_ns. */
static __always_inline __u64 sg_hs_offer_tail(const struct sg_hs_offer *o, __u64 now_ns,
					      __u32 family)
{
	if (o->ts)
		return sg_hs_tail((__u32)sg_hs_tick(now_ns), o->data, family,
				  SG_HS_TAIL_TS | (o->rcv_wscale & 0xf));
	return sg_hs_tail(sg_hs_period(now_ns), o->data, family, 0);
}

/* Our seq (the cookie) for an offer and its hash. */
static __always_inline __u32 sg_hs_offer_seq(const struct sg_hs_offer *o, __u64 now_ns,
					     __u64 hash)
{
	if (o->ts)
		return ((__u32)hash << SG_HS_TS_HASH_SHIFT) | (o->data & SG_COOKIE_DATA_MASK);
	return ((__u32)hash << SG_HS_NOTS_HASH_SHIFT) |
	       ((sg_hs_period(now_ns) & SG_HS_NOTS_CTR_MASK) << SG_HS_NOTS_CTR_SHIFT) |
	       (o->data & SG_COOKIE_DATA_MASK);
}

/* Our TSval (only with o->ts). */
static __always_inline __u32 sg_hs_offer_tsval(const struct sg_hs_offer *o, __u64 now_ns,
					       __u64 hash, __u32 ts_off)
{
	__u32 tick = (__u32)sg_hs_tick(now_ns) & ((1U << SG_HS_TSV_TICK_BITS) - 1);

	return ts_off + ((tick << SG_HS_TSV_TICK_SHIFT) |
			 ((o->rcv_wscale & 0xf) << SG_HS_TSV_WS_SHIFT) |
			 ((__u32)(hash >> SG_HS_TS_SEQ_BITS) & 0xff));
}

/* ---- decode (the ACK check) ---- */

/* Time and layout from the ACK alone, before any hash: returns 1 and fills
 * a->tail if the cookie's time is within bounds, 0 if not (no hash needed).
 * cookie = ack_seq - 1; tsecr and ts_off only count with ts. */
static __always_inline int sg_hs_ack_begin(struct sg_hs_ack *a, __u32 cookie, __u32 ts,
					   __u32 tsecr, __u32 ts_off, __u64 now_ns,
					   __u32 max_age_ticks, __u32 skew_ticks,
					   __u32 nots_window, __u32 family)
{
	a->cookie = cookie;
	a->ts = ts;
	a->data = cookie & SG_COOKIE_DATA_MASK;
	if (ts) {
		__u32 v = tsecr - ts_off, now_t = (__u32)sg_hs_tick(now_ns);
		/* age = now - issue, from the 20 echoed tick bits, signed */
		__s32 age = (__s32)((now_t - (v >> SG_HS_TSV_TICK_SHIFT)) <<
				    (32 - SG_HS_TSV_TICK_BITS)) >> (32 - SG_HS_TSV_TICK_BITS);

		if (age > (__s32)(max_age_ticks + skew_ticks) ||
		    age < -(__s32)(skew_ticks + SG_HS_GRACE_TICKS))
			return 0;
		a->rcv_wscale = (v >> SG_HS_TSV_WS_SHIFT) & 0xf;
		a->tsv_hash = v & 0xff;
		a->tail = sg_hs_tail(now_t - (__u32)age, a->data, family,
				     SG_HS_TAIL_TS | a->rcv_wscale);
	} else {
		__u32 back = (nots_window >> 8) & 0xff, ahead = nots_window & 0xff;
		__u32 first = sg_hs_period(now_ns) - back;
		__u32 ctr = (cookie >> SG_HS_NOTS_CTR_SHIFT) & SG_HS_NOTS_CTR_MASK;
		__u32 d = (ctr - first) & SG_HS_NOTS_CTR_MASK;	/* periods after first */

		if (d > back + ahead)
			return 0;
		a->rcv_wscale = SG_WSCALE_NONE;
		a->tsv_hash = 0;
		a->tail = sg_hs_tail(first + d, a->data, family, 0);
	}
	return 1;
}

/* Does the hash over (message, a->tail) match what the ACK echoed? */
static __always_inline int sg_hs_ack_hash_ok(const struct sg_hs_ack *a, __u64 hash)
{
	if (a->ts)
		return (a->cookie >> SG_HS_TS_HASH_SHIFT) ==
		       ((__u32)hash & ((1U << SG_HS_TS_SEQ_BITS) - 1)) &&
		       a->tsv_hash == ((__u32)(hash >> SG_HS_TS_SEQ_BITS) & 0xff);
	return (a->cookie >> SG_HS_NOTS_HASH_SHIFT) ==
	       ((__u32)hash & ((1U << SG_HS_NOTS_HASH_BITS) - 1));
}

/* What the handoff needs, from a validated ACK (magic set by the caller). */
static __always_inline void sg_hs_ack_meta(const struct sg_hs_ack *a, int ipv6,
					   __u32 tsval, __u32 tsecr, struct sg_meta *m)
{
	m->tsval = a->ts ? tsval : 0;
	m->tsecr = a->ts ? tsecr : 0;
	m->mss = sg_mss_value(ipv6, sg_cookie_data_mss_idx(a->data));
	m->snd_wscale = sg_cookie_data_wscale(a->data);
	m->rcv_wscale = m->snd_wscale == SG_WSCALE_NONE ? SG_WSCALE_NONE : a->rcv_wscale;
	m->opts = (a->data & SG_COOKIE_SACK ? SG_META_SACK : 0) |
		  (a->ts ? SG_META_TS : 0) |
		  (a->data & SG_COOKIE_ECN ? SG_META_ECN : 0);
	m->pad[0] = m->pad[1] = m->pad[2] = 0;
}

/* The MSS of the child: the client's, clamped by the listener's TCP_MAXSEG
 * as tcp_parse_options() does (user_mss), but not below what the kfunc
 * accepts (536 IPv4, 1220 IPv6). */
static __always_inline __u16 sg_hs_child_mss(__u16 mss, __u16 user_mss, int ipv6)
{
	__u16 floor = ipv6 ? 1220 : 536;

	if (user_mss && user_mss < mss)
		mss = user_mss < floor ? floor : user_mss;
	return mss;
}

#endif /* SG_HANDSHAKE_H */
