/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * parse.h - Ethernet / VLAN / IPv4 / IPv6 / TCP parsing over direct packet
 * access. Works on (data, data_end) so the XDP and the tc program share it.
 */
#ifndef SG_BPF_PARSE_H
#define SG_BPF_PARSE_H

#include "defs.h"

#define SG_MAX_VLAN	2	/* 802.1Q and 802.1ad (QinQ) */
#define SG_MAX_EXTHDR	8	/* IPv6 extension headers walked inline */
/* ... and in all, the rest by a bpf_loop (sg_ext_walk): past this, drop */
#define SG_MAX_EXTHDR_LONG 64
/* Keeps every packet offset provably small for the verifier (packet pointer
 * arithmetic needs a bounded scalar) while allowing long extension chains. */
#define SG_MAX_L4_OFF	0x3fff

enum sg_parse {
	SG_PARSE_TCP,		/* TCP header (and its options) in bounds */
	SG_PARSE_NOT_TCP,
	SG_PARSE_FRAGMENT,	/* a later fragment: no TCP header in it */
	SG_PARSE_MALFORMED,	/* truncated or inconsistent */
	/* a first fragment (offset 0, more to come) of TCP: l3_off, l4_off,
	 * tcp_len (bytes in this fragment), addresses and ipv6 are set, but
	 * the TCP header may be cut short (sg_frag_path checks) */
	SG_PARSE_FRAG_TCP,
	/* an IPv6 extension header chain longer than SG_MAX_EXTHDR_LONG: the
	 * kernel would walk it, we cannot see what it carries */
	SG_PARSE_UNCHECKED,
};

struct sg_pkt {
	__u32 l3_off;		/* IP header offset: 14 + 4 * VLAN tags */
	__u32 l4_off;		/* TCP header offset */
	__u32 tcp_len;		/* TCP header + payload bytes, from the IP header */
	/* network order; IPv4 in [0] and words 1-3 NOT set (not cleared on
	 * the hot path): read all four only when ipv6 */
	__u32 saddr[4];
	__u32 daddr[4];
	__u8 ipv6;
	__u8 tos;		/* IPv4 TOS / IPv6 traffic class (for ECN) */
	__u8 flags;		/* TCP flags byte */
	__u8 doff;		/* TCP header length in bytes */
};

struct sg_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

enum sg_ext {
	SG_EXT_NEXT,		/* one header skipped: continue */
	SG_EXT_DONE,		/* nh is not an extension header */
	SG_EXT_MALFORMED,
	SG_EXT_LATER_FRAG,	/* a fragment header with a non-zero offset */
};

/* One IPv6 extension header at *off with type *nh: skip it. A fragment
 * header with offset 0 (a first fragment, or an atomic one) is skipped and
 * *first_frag set when more fragments follow. */
static __always_inline enum sg_ext sg_ext_hdr(void *data, void *data_end, __u32 *off,
					      __u8 *nh, __u8 *first_frag)
{
	__u8 *eh;
	__u32 len;

	if (*nh != NEXTHDR_HOP && *nh != NEXTHDR_ROUTING && *nh != NEXTHDR_DEST &&
	    *nh != NEXTHDR_AUTH && *nh != NEXTHDR_FRAGMENT)
		return SG_EXT_DONE;
	if (*off > SG_MAX_L4_OFF)
		return SG_EXT_MALFORMED;
	eh = data + *off;
	if ((void *)(eh + 8) > data_end)
		return SG_EXT_MALFORMED;
	if (*nh == NEXTHDR_FRAGMENT) {
		__u16 fo = eh[2] << 8 | eh[3];

		/* An atomic fragment (offset 0, no M flag) is a whole packet
		 * (RFC 6946): keep going, or it would be a way around
		 * protection. A first fragment is walked too: it carries the
		 * TCP header, which decides what to do with it. */
		if (fo & 0xfff8)
			return SG_EXT_LATER_FRAG;
		if (fo & 1)
			*first_frag = 1;
		len = 8;
	} else if (*nh == NEXTHDR_AUTH) {
		len = (eh[1] + 2) * 4;
	} else {
		len = (eh[1] + 1) * 8;
	}
	*nh = eh[0];
	*off += len;
	if (*off > SG_MAX_L4_OFF)
		return SG_EXT_MALFORMED;
	return SG_EXT_NEXT;
}

/* The rest of a long extension chain, as a bpf_loop callback with the
 * offset a scalar in this struct (kernel-facts.md: a pointer walked in a
 * callback makes the verifier give up). Chains this long are not seen in
 * practice, but a flood built of them must not pass unchecked. */
struct sg_ext_walk {
	void *data;
	void *data_end;
	__u32 off;
	__u8 nh;
	__u8 first_frag;
	__u8 res;		/* enum sg_ext of the last step */
};

static long sg_ext_step(__u32 i, void *arg)
{
	struct sg_ext_walk *w = arg;
	__u32 off = w->off;
	__u8 nh = w->nh, ff = w->first_frag;

	w->res = sg_ext_hdr(w->data, w->data_end, &off, &nh, &ff);
	w->off = off;
	w->nh = nh;
	w->first_frag = ff;
	return w->res != SG_EXT_NEXT;
}

/* Parse up to the TCP header. On SG_PARSE_TCP the TCP header (doff bytes,
 * options included) is inside [data, data_end). */
static __always_inline enum sg_parse sg_parse(void *data, void *data_end,
					      struct sg_pkt *p)
{
	struct ethhdr *eth = data;
	struct tcphdr *th;
	/* Lengths from IP headers are compared as scalars: data + 64K could
	 * exceed the verifier's maximum packet offset. */
	__u64 pkt_len = (__u64)(data_end - data);
	__u32 off = sizeof(*eth);
	__u16 proto;
	int i;

	if ((void *)(eth + 1) > data_end)
		return SG_PARSE_MALFORMED;
	proto = eth->h_proto;

#pragma unroll
	for (i = 0; i < SG_MAX_VLAN; i++) {
		struct sg_vlan_hdr *vh;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		vh = data + off;
		if ((void *)(vh + 1) > data_end)
			return SG_PARSE_MALFORMED;
		proto = vh->proto;
		off += sizeof(*vh);
	}
	p->l3_off = off;

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data + off;
		__u32 ihl, tot;

		if ((void *)(ip + 1) > data_end)
			return SG_PARSE_MALFORMED;
		if (ip->protocol != IPPROTO_TCP)
			return SG_PARSE_NOT_TCP;
		ihl = ip->ihl * 4;
		tot = bpf_ntohs(ip->tot_len);
		if (ip->version != 4 || ihl < sizeof(*ip) || off + tot > pkt_len)
			return SG_PARSE_MALFORMED;
		/* a later fragment has no TCP header: the kernel reassembles
		 * it, and without its first fragment it never completes */
		if (ip->frag_off & bpf_htons(IP_OFFSET))
			return SG_PARSE_FRAGMENT;
		if (tot < ihl)
			return SG_PARSE_MALFORMED;
		p->ipv6 = 0;
		p->tos = ip->tos;
		p->saddr[0] = ip->saddr;
		p->daddr[0] = ip->daddr;
		p->tcp_len = tot - ihl;
		off += ihl;
		if (ip->frag_off & bpf_htons(IP_MF)) {
			if (off > SG_MAX_L4_OFF)
				return SG_PARSE_MALFORMED;
			p->l4_off = off;
			return SG_PARSE_FRAG_TCP;
		}
		if (tot < ihl + sizeof(*th))
			return SG_PARSE_MALFORMED;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + off;
		enum sg_ext res;
		__u32 end;
		__u8 nh, ff;

		if ((void *)(ip6 + 1) > data_end)
			return SG_PARSE_MALFORMED;
		if (ip6->version != 6)
			return SG_PARSE_MALFORMED;
		end = off + sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
		if (end > pkt_len)
			return SG_PARSE_MALFORMED;
		nh = ip6->nexthdr;
		off += sizeof(*ip6);

		/* Walk the extension headers so that no header we know can hide
		 * a SYN from us: the usual few inline (unrolled: as a bpf_loop
		 * callback holding packet pointers it took the verifier 10x
		 * longer), a longer chain in a bpf_loop. */
		ff = 0;
		res = SG_EXT_DONE;
#pragma unroll
		for (i = 0; i < SG_MAX_EXTHDR; i++) {
			res = sg_ext_hdr(data, data_end, &off, &nh, &ff);
			if (res != SG_EXT_NEXT)
				break;
		}
		if (res == SG_EXT_NEXT) {
			struct sg_ext_walk w = { .data = data, .data_end = data_end,
						 .off = off, .nh = nh, .first_frag = ff,
						 .res = SG_EXT_NEXT };

			bpf_loop(SG_MAX_EXTHDR_LONG - SG_MAX_EXTHDR, sg_ext_step, &w, 0);
			if (w.res == SG_EXT_NEXT)
				return SG_PARSE_UNCHECKED;
			res = w.res;
			off = w.off;
			nh = w.nh;
			ff = w.first_frag;
		}
		if (res == SG_EXT_LATER_FRAG)
			return SG_PARSE_FRAGMENT;
		if (res == SG_EXT_MALFORMED)
			return SG_PARSE_MALFORMED;
		if (nh != IPPROTO_TCP)
			return SG_PARSE_NOT_TCP;
		if (off > SG_MAX_L4_OFF || end < off)
			return SG_PARSE_MALFORMED;
		if (ff) {
			p->ipv6 = 1;
			__builtin_memcpy(p->saddr, &ip6->saddr, 16);
			__builtin_memcpy(p->daddr, &ip6->daddr, 16);
			p->tcp_len = end - off;
			p->l4_off = off;
			return SG_PARSE_FRAG_TCP;
		}
		if (end < off + sizeof(*th))
			return SG_PARSE_MALFORMED;
		p->ipv6 = 1;
		p->tos = (ip6->priority << 4) | (ip6->flow_lbl[0] >> 4);
		__builtin_memcpy(p->saddr, &ip6->saddr, 16);
		__builtin_memcpy(p->daddr, &ip6->daddr, 16);
		p->tcp_len = end - off;
	} else {
		return SG_PARSE_NOT_TCP;
	}

	/* the verifier needs a provable bound on the offset (see SG_MAX_L4_OFF) */
	if (off > SG_MAX_L4_OFF)
		return SG_PARSE_MALFORMED;
	th = data + off;
	if ((void *)(th + 1) > data_end)
		return SG_PARSE_MALFORMED;
	p->doff = th->doff * 4;
	if (p->doff < sizeof(*th) || p->doff > p->tcp_len ||
	    (void *)th + p->doff > data_end)
		return SG_PARSE_MALFORMED;
	p->l4_off = off;
	p->flags = ((__u8 *)th)[13];
	return SG_PARSE_TCP;
}

/* TCP options we care about. */
struct sg_synopts {
	__u32 tsval;
	__u32 tsecr;
	__u16 mss;		/* 0: none sent */
	__u8 wscale;		/* SG_WSCALE_NONE: none sent */
	__u8 sack;
	__u8 ts;
};

#define SG_MAX_OPTS 40	/* bpf_loop steps: enough for 40 NOPs */

/* State of the generic option walk. The walk runs as a bpf_loop callback
 * with the offset kept as a scalar in this struct: an open-coded loop (or one
 * that advances a pointer) makes the verifier explore every combination of
 * option layouts and give up at 1M instructions. */
struct sg_optwalk {
	__u8 *opt;		/* first option byte */
	void *data_end;
	__u32 off;
	__u32 optlen;
	struct sg_synopts o;
};

/* One option per step, like tcp_parse_options(): stop at EOL or at a bad
 * length, and keep what was parsed until then. */
static long sg_optwalk_step(__u32 i, void *arg)
{
	struct sg_optwalk *w = arg;
	__u32 off = w->off;
	__u8 *q;
	__u8 kind, len;

	if (off >= w->optlen || off >= 40)
		return 1;
	q = w->opt + (off & 0x3f);	/* the mask bounds the offset for the verifier */
	if ((void *)(q + 1) > w->data_end)
		return 1;
	kind = q[0];
	if (kind == TCPOPT_EOL)
		return 1;
	if (kind == TCPOPT_NOP) {
		w->off = off + 1;
		return 0;
	}
	if ((void *)(q + 2) > w->data_end)
		return 1;
	len = q[1];
	if (len < 2 || off + len > w->optlen)
		return 1;
	if (kind == TCPOPT_MSS && len == 4) {
		if ((void *)(q + 4) > w->data_end)
			return 1;
		w->o.mss = (q[2] << 8) | q[3];
	} else if (kind == TCPOPT_WINDOW && len == 3) {
		if ((void *)(q + 3) > w->data_end)
			return 1;
		/* RFC 7323: a shift above 14 is used as 14 */
		w->o.wscale = q[2] > SG_MAX_WSCALE ? SG_MAX_WSCALE : q[2];
	} else if (kind == TCPOPT_SACK_PERM && len == 2) {
		w->o.sack = 1;
	} else if (kind == TCPOPT_TIMESTAMP && len == 10) {
		if ((void *)(q + 10) > w->data_end)
			return 1;
		w->o.ts = 1;
		w->o.tsval = bpf_ntohl(*(__be32 *)(q + 2));
		w->o.tsecr = bpf_ntohl(*(__be32 *)(q + 6));
	}
	w->off = off + len;
	return 0;
}

static __always_inline __u32 sg_be32(const __u8 *q)
{
	return bpf_ntohl(*(const __be32 *)q);
}

/* The options of the TCP header of p, into o, whatever their order. Two
 * layouts are read directly, each only when it is the whole option block:
 * Linux's SYN (MSS, SACK_PERM, TS, NOP, WS: 20 bytes) and NOP NOP TS (12
 * bytes); anything else is walked option by option. */
static __always_inline void sg_parse_opts(void *data, void *data_end,
					  const struct sg_pkt *p,
					  struct sg_synopts *o)
{
	struct sg_optwalk w = {};
	__u32 l4 = p->l4_off;
	__u8 *q;

	w.o.wscale = SG_WSCALE_NONE;
	w.optlen = p->doff - sizeof(struct tcphdr);
	/* l4_off comes back from the stack as a 32-bit spill whose bounds
	 * the verifier forgets: bound it again before deriving a pointer */
	if (l4 > SG_MAX_L4_OFF || w.optlen == 0) {
		*o = w.o;
		return;
	}
	q = data + l4 + sizeof(struct tcphdr);

	if (w.optlen == 20 && (void *)(q + 20) <= data_end &&
	    sg_be32(q) >> 16 == 0x0204 && sg_be32(q + 4) == 0x0402080a &&
	    sg_be32(q + 16) >> 8 == 0x010303) {
		w.o.mss = sg_be32(q) & 0xffff;
		w.o.sack = 1;
		w.o.ts = 1;
		w.o.tsval = sg_be32(q + 8);
		w.o.tsecr = sg_be32(q + 12);
		w.o.wscale = q[19] > SG_MAX_WSCALE ? SG_MAX_WSCALE : q[19];
	} else if (w.optlen == 12 && (void *)(q + 12) <= data_end &&
		   sg_be32(q) == 0x0101080a) {
		/* exactly NOP NOP TS: nothing follows. (With more after it,
		 * e.g. a TS-first SYN's MSS, WS and SACK_PERM, the walk
		 * reads them all.) */
		w.o.ts = 1;
		w.o.tsval = sg_be32(q + 4);
		w.o.tsecr = sg_be32(q + 8);
	} else {
		w.opt = q;
		w.data_end = data_end;
		bpf_loop(SG_MAX_OPTS, sg_optwalk_step, &w, 0);
	}
	*o = w.o;
}

/* Only the timestamp option, for ACKs: NOP NOP TS is read directly (no
 * struct to clear and copy), anything else takes the full walk. Returns 1 if
 * a TS option was found. */
static __always_inline int sg_parse_ts(void *data, void *data_end,
				       const struct sg_pkt *p, __u32 *tsval,
				       __u32 *tsecr)
{
	struct sg_synopts o;
	__u32 l4 = p->l4_off;
	__u8 *q;

	if (l4 > SG_MAX_L4_OFF)		/* see sg_parse_opts() */
		return 0;
	q = data + l4 + sizeof(struct tcphdr);
	if (p->doff >= sizeof(struct tcphdr) + 12 && (void *)(q + 12) <= data_end &&
	    sg_be32(q) == 0x0101080a) {
		*tsval = sg_be32(q + 4);
		*tsecr = sg_be32(q + 8);
		return 1;
	}
	if (p->doff == sizeof(struct tcphdr))
		return 0;
	sg_parse_opts(data, data_end, p, &o);
	*tsval = o.tsval;
	*tsecr = o.tsecr;
	return o.ts;
}

#endif
