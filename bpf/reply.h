/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * reply.h - the part every reply that XDP writes in place of the packet it
 * answers (the SYN-ACK of synack.h, the RST of rst.h) has in common: the
 * frame cut to exactly L2 (VLAN tags kept) + IP (20/40: options and
 * extension headers dropped) + the caller's TCP length (the fixed-length
 * build keeps the frame's length, fixed_len.h), the MACs swapped,
 * and a fresh IPv4 or IPv6 header from us to the sender. The TCP header and
 * its options are the caller's.
 */
#ifndef SG_BPF_REPLY_H
#define SG_BPF_REPLY_H

#include "csum.h"
#include "fixed_len.h"
#include "parse.h"

/* Returns where the TCP header goes (tcplen bytes from there are in the
 * frame only as far as the caller checks them), or NULL if the frame could
 * not be resized. l3 must be bounded (<= 22) by the caller. */
static __always_inline struct tcphdr *sg_reply_start(struct xdp_md *ctx, const struct sg_pkt *p,
						     __u32 l3, __u32 tcplen, __u8 ttl, __u8 tos)
{
	__u32 iplen = p->ipv6 ? 40 : 20;
	void *data, *data_end;
	struct ethhdr *eth;
	__u8 mac[ETH_ALEN];
	long cur;

	/* Verifier workaround (6.1): l3 lives across the helper call below, so
	 * clang spills it; without the barrier it spills the copy from before
	 * the caller's bound check, and 6.1 does not carry a bound checked on
	 * another register. Now the bounded value is what is spilled. */
	asm volatile("" : "+r"(l3));
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	/* Verifier workaround: it refuses 32-bit pointer math, and clang
	 * narrows the subtraction to 32 bits when only an int is needed: the
	 * empty asm makes it materialise the 64-bit difference first. */
	cur = (long)data_end - (long)data;
	asm volatile("" : "+r"(cur));
	cur = (long)(l3 + iplen + tcplen) - cur;
	/* a reply of the request's size (a Linux SYN and its SYN-ACK) is not
	 * resized; the fixed-length build never resizes (fixed_len.h) */
	if (sg_frame_resize(ctx, cur))
		return NULL;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;

	eth = data;
	if ((void *)(eth + 1) > data_end)
		return NULL;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);

	if (p->ipv6) {
		struct ipv6hdr *ip6 = data + l3;
		struct tcphdr *th = (void *)(ip6 + 1);

		if ((void *)(th + 1) > data_end)
			return NULL;
		*(__be32 *)ip6 = bpf_htonl(0x60000000);	/* version, no class/label */
		ip6->payload_len = bpf_htons(tcplen);
		ip6->nexthdr = IPPROTO_TCP;
		ip6->hop_limit = ttl;
		__builtin_memcpy(&ip6->saddr, p->daddr, 16);
		__builtin_memcpy(&ip6->daddr, p->saddr, 16);
		return th;
	} else {
		union { struct iphdr ip; __u32 w[5]; } h = {};
		struct iphdr *ip = data + l3;
		struct tcphdr *th = (void *)(ip + 1);

		if ((void *)(th + 1) > data_end)
			return NULL;
		h.ip.version = 4;
		h.ip.ihl = 5;
		h.ip.tos = tos;
		h.ip.tot_len = bpf_htons(20 + tcplen);
		h.ip.frag_off = bpf_htons(IP_DF);
		h.ip.ttl = ttl;
		h.ip.protocol = IPPROTO_TCP;
		h.ip.saddr = p->daddr[0];
		h.ip.daddr = p->saddr[0];
		h.ip.check = sg_csum_fold(sg_csum_words(h.w, 5));
		*ip = h.ip;
		return th;
	}
}

#endif
