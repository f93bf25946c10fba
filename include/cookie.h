/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cookie.h - synguard's SYN cookie: pure arithmetic, no BPF helpers, so the
 * XDP program and the tests that forge or check cookies share one definition.
 * The layout is documented next to SG_COOKIE_* in synguard.h.
 *
 * The tuple is always taken in the direction of the client's packets:
 * saddr/sport = client, daddr/dport = server, all in network byte order as
 * they sit in the packet. isn is the client's ISN (the SYN's seq, host order).
 */
#ifndef SG_COOKIE_H
#define SG_COOKIE_H

#include "synguard.h"
#include "siphash.h"

/* The cookie period that a (CLOCK_REALTIME) time in ns falls into. */
static __always_inline __u32 sg_cookie_period(__u64 real_ns)
{
	return (__u32)(real_ns >> SG_COOKIE_PERIOD_SHIFT);
}

/* The hashed message, a real SipHash message of 23 (IPv4) or 47 (IPv6)
 * bytes: the addresses, ports and ISN in whole words, then period, data bits
 * and family in the 7-byte tail, which SipHash folds into its length block.
 * (24 or 48 bytes would cost an extra block: 2 of 12 rounds for IPv4.) */
#define SG_COOKIE_WORDS4	2
#define SG_COOKIE_WORDS6	5
#define SG_COOKIE_LEN4		23
#define SG_COOKIE_LEN6		47

static __always_inline __u64 sg_cookie_tail(__u32 period, __u32 data, __u32 family)
{
	return (__u64)period | ((__u64)(data & SG_COOKIE_DATA_MASK) << 32) |
	       ((__u64)family << 40);
}

static __always_inline void sg_cookie_msg4(__u64 m[SG_COOKIE_WORDS4], __u32 saddr,
					   __u32 daddr, __u16 sport, __u16 dport,
					   __u32 isn)
{
	m[0] = (__u64)saddr | ((__u64)daddr << 32);
	m[1] = (__u64)sport | ((__u64)dport << 16) | ((__u64)isn << 32);
}

static __always_inline void sg_cookie_msg6(__u64 m[SG_COOKIE_WORDS6],
					   const __u32 saddr[4], const __u32 daddr[4],
					   __u16 sport, __u16 dport, __u32 isn)
{
	m[0] = (__u64)saddr[0] | ((__u64)saddr[1] << 32);
	m[1] = (__u64)saddr[2] | ((__u64)saddr[3] << 32);
	m[2] = (__u64)daddr[0] | ((__u64)daddr[1] << 32);
	m[3] = (__u64)daddr[2] | ((__u64)daddr[3] << 32);
	m[4] = (__u64)sport | ((__u64)dport << 16) | ((__u64)isn << 32);
}

static __always_inline __u64 sg_cookie_hash4(const __u64 key[2], __u32 saddr,
					     __u32 daddr, __u16 sport, __u16 dport,
					     __u32 isn, __u32 period, __u32 data)
{
	__u64 m[SG_COOKIE_WORDS4];

	sg_cookie_msg4(m, saddr, daddr, sport, dport, isn);
	return sg_siphash24_tail(key, m, SG_COOKIE_WORDS4,
				 sg_cookie_tail(period, data, 4), SG_COOKIE_LEN4);
}

static __always_inline __u64 sg_cookie_hash6(const __u64 key[2],
					     const __u32 saddr[4],
					     const __u32 daddr[4], __u16 sport,
					     __u16 dport, __u32 isn, __u32 period,
					     __u32 data)
{
	__u64 m[SG_COOKIE_WORDS6];

	sg_cookie_msg6(m, saddr, daddr, sport, dport, isn);
	return sg_siphash24_tail(key, m, SG_COOKIE_WORDS6,
				 sg_cookie_tail(period, data, 6), SG_COOKIE_LEN6);
}

/* The SYN-ACK's seq for a hash computed over (.., period, data). */
static __always_inline __u32 sg_cookie_make(__u64 hash, __u32 period, __u32 data)
{
	return ((__u32)(hash & ((1U << SG_COOKIE_HASH_BITS) - 1))
		<< SG_COOKIE_HASH_SHIFT) |
	       ((period & 1) ? SG_COOKIE_PARITY : 0) | (data & SG_COOKIE_DATA_MASK);
}

/* The extra hash bits carried in the low byte of our TSval. */
static __always_inline __u32 sg_cookie_ts_bits(__u64 hash)
{
	return (__u32)(hash >> SG_COOKIE_HASH_BITS) & ((1U << SG_TS_HASH_BITS) - 1);
}

/* Which period a cookie claims, given the current one: the parity bit picks
 * the current period or the previous one; anything older fails the hash. */
static __always_inline __u32 sg_cookie_claimed_period(__u32 cookie, __u32 now)
{
	__u32 parity = (cookie & SG_COOKIE_PARITY) ? 1 : 0;

	return ((now & 1) == parity) ? now : now - 1;
}

/* Does the cookie's hash field match? (TS bits are checked by the caller.) */
static __always_inline int sg_cookie_hash_ok(__u32 cookie, __u64 hash)
{
	return (cookie >> SG_COOKIE_HASH_SHIFT) ==
	       (__u32)(hash & ((1U << SG_COOKIE_HASH_BITS) - 1));
}

static __always_inline __u32 sg_cookie_data(__u32 mss_idx, __u32 wscale,
					    int sack, int ecn)
{
	return ((mss_idx & SG_COOKIE_MSS_MASK) << SG_COOKIE_MSS_SHIFT) |
	       ((wscale & SG_COOKIE_WS_MASK) << SG_COOKIE_WS_SHIFT) |
	       (sack ? SG_COOKIE_SACK : 0) | (ecn ? SG_COOKIE_ECN : 0);
}

static __always_inline __u32 sg_cookie_data_mss_idx(__u32 data)
{
	return (data >> SG_COOKIE_MSS_SHIFT) & SG_COOKIE_MSS_MASK;
}

static __always_inline __u32 sg_cookie_data_wscale(__u32 data)
{
	return (data >> SG_COOKIE_WS_SHIFT) & SG_COOKIE_WS_MASK;
}

/* MSS tables: index of the largest entry <= the client's MSS, and back.
 * Written as comparisons with constants: a table selected between two stack
 * arrays turns into pointer arithmetic that the BPF verifier refuses. */
static __always_inline __u32 sg_mss_index(int ipv6, __u32 mss)
{
	if (ipv6)
		return mss >= SG_MSS6_3 ? 3 : mss >= SG_MSS6_2 ? 2 : mss >= SG_MSS6_1 ? 1 : 0;
	return mss >= SG_MSS4_3 ? 3 : mss >= SG_MSS4_2 ? 2 : mss >= SG_MSS4_1 ? 1 : 0;
}

static __always_inline __u16 sg_mss_value(int ipv6, __u32 idx)
{
	switch (idx & 3) {
	case 0: return ipv6 ? SG_MSS6_0 : SG_MSS4_0;
	case 1: return ipv6 ? SG_MSS6_1 : SG_MSS4_1;
	case 2: return ipv6 ? SG_MSS6_2 : SG_MSS4_2;
	default: return ipv6 ? SG_MSS6_3 : SG_MSS4_3;
	}
}

#endif /* SG_COOKIE_H */
