/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * acl.h - the allow and deny lists on the fast path (include/acl_defs.h has the
 * layout). Only SYNs to a protected port and ACKs that found only a listener
 * pay for sg_acl_verdict(); with no entry for the packet's family it costs
 * one array lookup and two loads, with entries one more array lookup (the
 * source's /16 bucket) and one hash lookup per prefix length in use in that
 * /16, longest first; the LPM trie only for a /16 with more lengths than
 * SG_ACL_PROBES.
 */
#ifndef SG_BPF_ACL_H
#define SG_BPF_ACL_H

#include "acl_defs.h"
#include "parse.h"

/* Both lists of one family; written only by user/acl_maps.c. max_entries is
 * the default, protect --acl-max changes it before load (the hashes too).
 * XDP reads them only for a dense bucket (sg_acl_lookup4/6). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 2 * SG_ACL_MAX_DEFAULT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_acl_key4);
	__type(value, struct sg_acl_val);
} sg_acl4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 2 * SG_ACL_MAX_DEFAULT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_acl_key6);
	__type(value, struct sg_acl_val);
} sg_acl6 SEC(".maps");

/* The fast structure (include/acl_defs.h): every entry again, keyed like
 * the tries, and the buckets; written only by user/acl_maps.c. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * SG_ACL_MAX_DEFAULT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_acl_key4);
	__type(value, struct sg_acl_val);
} sg_acl4h SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * SG_ACL_MAX_DEFAULT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_acl_key6);
	__type(value, struct sg_acl_val);
} sg_acl6h SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_ACL_BUCKETS);
	__type(key, __u32);
	__type(value, struct sg_acl_bucket4);
} sg_acl4b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_ACL_BUCKETS);
	__type(key, __u32);
	__type(value, struct sg_acl_bucket6);
} sg_acl6b SEC(".maps");

/* Entry counts: an empty family skips its lookup. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_acl_state);
} sg_acl SEC(".maps");

/* The highest set bit of x != 0 (BPF has no count-leading-zeros). */
static __always_inline __u32 sg_acl_fls64(__u64 x)
{
	__u32 r = 0;

	if (x >> 32) {
		x >>= 32;
		r += 32;
	}
	if (x >> 16) {
		x >>= 16;
		r += 16;
	}
	if (x >> 8) {
		x >>= 8;
		r += 8;
	}
	if (x >> 4) {
		x >>= 4;
		r += 4;
	}
	if (x >> 2) {
		x >>= 2;
		r += 2;
	}
	return r + (__u32)(x >> 1);
}

/* The network-order mask of a 32-bit word holding bits of a prefix of
 * length bits (any value: <= 0 none, >= 32 all). */
static __always_inline __u32 sg_acl_mask32(int bits)
{
	if (bits <= 0)
		return 0;
	if (bits >= 32)
		return 0xffffffff;
	return bpf_htonl(0xffffffffU << (32 - bits));
}

/* One bucket's bitmap words read once each: user space rewrites a bucket
 * in place, and the argument of include/acl_defs.h holds per bit only if
 * every bit is tested in the value it had at one load. */
#define SG_ACL_ONCE(x) (*(volatile typeof(x) *)&(x))

static __always_inline enum sg_acl_verdict sg_acl_trie4(__u32 addr)
{
	struct sg_acl_key4 k4 = { .prefixlen = 32, .addr = addr };
	struct sg_acl_val *v = bpf_map_lookup_elem(&sg_acl4, &k4);

	return v ? (enum sg_acl_verdict)v->verdict : SG_ACL_NONE;
}

static __always_inline enum sg_acl_verdict sg_acl_trie6(const __u32 *addr)
{
	struct sg_acl_key6 k6;
	struct sg_acl_val *v;

	k6.prefixlen = 128;
	__builtin_memcpy(k6.addr, addr, sizeof(k6.addr));
	v = bpf_map_lookup_elem(&sg_acl6, &k6);
	return v ? (enum sg_acl_verdict)v->verdict : SG_ACL_NONE;
}

static __always_inline enum sg_acl_verdict sg_acl_lookup4(__u32 addr)
{
	__u32 idx = bpf_ntohl(addr) >> (32 - SG_ACL_BUCKET_BITS), m;
	struct sg_acl_bucket4 *b;
	struct sg_acl_key4 k4;
	struct sg_acl_val *v;
	__u8 verdict;

	b = bpf_map_lookup_elem(&sg_acl4b, &idx);
	if (!b)
		return SG_ACL_NONE;
	m = SG_ACL_ONCE(b->lens);
	verdict = SG_ACL_ONCE(b->verdict);
	if (!m)
		return (enum sg_acl_verdict)verdict;
	if (__builtin_popcount(m) > SG_ACL_PROBES)
		return sg_acl_trie4(addr);
	for (int i = 0; i < SG_ACL_PROBES && m; i++) {
		__u32 bit = sg_acl_fls64(m);

		m &= ~(1U << bit);
		k4.prefixlen = bit + 17;
		k4.addr = addr & sg_acl_mask32((int)k4.prefixlen);
		v = bpf_map_lookup_elem(&sg_acl4h, &k4);
		if (v)
			return (enum sg_acl_verdict)v->verdict;
	}
	return (enum sg_acl_verdict)verdict;
}

static __always_inline enum sg_acl_verdict sg_acl_lookup6(const __u32 *addr)
{
	__u32 idx = bpf_ntohl(addr[0]) >> (32 - SG_ACL_BUCKET_BITS);
	struct sg_acl_bucket6 *b;
	struct sg_acl_key6 k6;
	struct sg_acl_val *v;
	__u64 m0, m1;
	__u8 verdict;

	b = bpf_map_lookup_elem(&sg_acl6b, &idx);
	if (!b)
		return SG_ACL_NONE;
	m0 = SG_ACL_ONCE(b->lens[0]);
	m1 = SG_ACL_ONCE(b->lens[1]);
	verdict = SG_ACL_ONCE(b->verdict);
	if (!(m0 | m1))
		return (enum sg_acl_verdict)verdict;
	if (__builtin_popcountll(m0) + __builtin_popcountll(m1) > SG_ACL_PROBES)
		return sg_acl_trie6(addr);
	for (int i = 0; i < SG_ACL_PROBES && (m0 | m1); i++) {
		__u32 len;
		int bits;

		if (m1) {
			__u32 bit = sg_acl_fls64(m1);

			m1 &= ~(1ULL << bit);
			len = bit + 81;
		} else {
			__u32 bit = sg_acl_fls64(m0);

			m0 &= ~(1ULL << bit);
			len = bit + 17;
		}
		k6.prefixlen = len;
		bits = (int)len;
		k6.addr[0] = addr[0] & sg_acl_mask32(bits);
		k6.addr[1] = addr[1] & sg_acl_mask32(bits - 32);
		k6.addr[2] = addr[2] & sg_acl_mask32(bits - 64);
		k6.addr[3] = addr[3] & sg_acl_mask32(bits - 96);
		v = bpf_map_lookup_elem(&sg_acl6h, &k6);
		if (v)
			return (enum sg_acl_verdict)v->verdict;
	}
	return (enum sg_acl_verdict)verdict;
}

/* The list the packet's source is in (longest prefix over both lists). */
static __always_inline enum sg_acl_verdict sg_acl_verdict(const struct sg_pkt *p)
{
	struct sg_acl_state *st;
	__u32 zero = 0;

	st = bpf_map_lookup_elem(&sg_acl, &zero);
	if (!st)
		return SG_ACL_NONE;
	if (p->ipv6) {
		if (!(st->n[SG_ACL_ALLOW6] | st->n[SG_ACL_DENY6]))
			return SG_ACL_NONE;
		return sg_acl_lookup6(p->saddr);
	}
	if (!(st->n[SG_ACL_ALLOW4] | st->n[SG_ACL_DENY4]))
		return SG_ACL_NONE;
	return sg_acl_lookup4(p->saddr[0]);
}

#endif
