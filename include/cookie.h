/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cookie.h - synguard's SYN cookie: pure arithmetic, no BPF helpers, so the
 * XDP program and the tests that forge or check cookies share one definition.
 * The data bits are documented next to SG_COOKIE_* in synguard.h; how the
 * SYN-ACK and the ACK use this (the handshake contract) is include/handshake.h.
 *
 * The tuple is always taken in the direction of the client's packets:
 * saddr/sport = client, daddr/dport = server, all in network byte order as
 * they sit in the packet. isn is the client's ISN (the SYN's seq, host order).
 */
#ifndef SG_COOKIE_H
#define SG_COOKIE_H

#include "synguard.h"
#include "siphash.h"

/* The hashed message, a real SipHash message of 23 (IPv4) or 47 (IPv6)
 * bytes: the addresses, ports and ISN in whole words, then time, data bits,
 * family and the contract's flags in the 7-byte tail (sg_hs_tail(), in
 * handshake.h), which SipHash folds into its length block.
 * (24 or 48 bytes would cost an extra block: 2 of 12 rounds for IPv4.) */
#define SG_COOKIE_WORDS4	2
#define SG_COOKIE_WORDS6	5
#define SG_COOKIE_LEN4		23
#define SG_COOKIE_LEN6		47

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
					     __u32 isn, __u64 tail)
{
	__u64 m[SG_COOKIE_WORDS4];

	sg_cookie_msg4(m, saddr, daddr, sport, dport, isn);
	return sg_siphash24_tail(key, m, SG_COOKIE_WORDS4, tail, SG_COOKIE_LEN4);
}

static __always_inline __u64 sg_cookie_hash6(const __u64 key[2],
					     const __u32 saddr[4],
					     const __u32 daddr[4], __u16 sport,
					     __u16 dport, __u32 isn, __u64 tail)
{
	__u64 m[SG_COOKIE_WORDS6];

	sg_cookie_msg6(m, saddr, daddr, sport, dport, isn);
	return sg_siphash24_tail(key, m, SG_COOKIE_WORDS6, tail, SG_COOKIE_LEN6);
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
