/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rst.h - answer an ACK that carries no valid cookie with the RST the kernel
 * would send for a segment without a socket (tcp_v4_send_reset(),
 * tcp_v6_send_reset()): since the ACK flag is set, seq = their ack_seq, no
 * ACK flag, window 0, no options, no payload. Written in place: the frame is
 * cut to L2 (VLAN tags kept) + IP (20/40, options and extension headers
 * dropped) + 20 bytes of TCP, MACs swapped, then sent with XDP_TX.
 */
#ifndef SG_BPF_RST_H
#define SG_BPF_RST_H

#include "csum.h"
#include "parse.h"

struct sg_rst {
	__be16 sport;		/* of the ACK (the client's port) */
	__be16 dport;		/* of the ACK (our port) */
	__be32 seq;		/* the ACK's ack_seq: our RST's seq */
	__u8 ttl;
	__u8 tos;		/* the ACK's TOS without ECN bits (IPv4) */
};

/* Rewrite the packet described by p into the RST r. Returns 0 (send it with
 * XDP_TX) or -1 (the frame could not be resized). Global for the same reason
 * as sg_synack_write(): the verifier checks it once, p and r opaque. */
__noinline int sg_rst_write(struct xdp_md *ctx, const struct sg_pkt *p, const struct sg_rst *r)
{
	union { struct tcphdr th; __u32 w[5]; } t = {};
	void *data, *data_end;
	struct ethhdr *eth;
	__u8 mac[ETH_ALEN];
	__u32 l3, iplen;
	long cur;

	if (!p || !r)
		return -1;
	l3 = p->l3_off;
	if (l3 > 22)		/* 14 + two VLAN tags; bounds l3 for the verifier */
		return -1;
	iplen = p->ipv6 ? 40 : 20;

	t.th.source = r->dport;
	t.th.dest = r->sport;
	t.th.seq = r->seq;
	t.th.doff = 5;
	t.th.rst = 1;
	t.th.check = sg_csum_fold(sg_csum_pseudo(p->daddr, p->saddr, p->ipv6, 20) +
				  sg_csum_words(t.w, 5));

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	/* see sg_synack_write() for the empty asm */
	cur = (long)data_end - (long)data;
	asm volatile("" : "+r"(cur));
	cur = (long)(l3 + iplen + 20) - cur;
	if (cur && bpf_xdp_adjust_tail(ctx, (int)cur))
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;

	eth = data;
	if ((void *)(eth + 1) > data_end)
		return -1;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);

	if (p->ipv6) {
		struct ipv6hdr *ip6 = data + l3;
		struct tcphdr *th = (void *)(ip6 + 1);

		if ((void *)(th + 1) > data_end)
			return -1;
		*(__be32 *)ip6 = bpf_htonl(0x60000000);
		ip6->payload_len = bpf_htons(20);
		ip6->nexthdr = IPPROTO_TCP;
		ip6->hop_limit = r->ttl;
		__builtin_memcpy(&ip6->saddr, p->daddr, 16);
		__builtin_memcpy(&ip6->daddr, p->saddr, 16);
		*th = t.th;
	} else {
		union { struct iphdr ip; __u32 w[5]; } h = {};
		struct iphdr *ip = data + l3;
		struct tcphdr *th = (void *)(ip + 1);

		if ((void *)(th + 1) > data_end)
			return -1;
		h.ip.version = 4;
		h.ip.ihl = 5;
		h.ip.tos = r->tos;
		h.ip.tot_len = bpf_htons(40);
		h.ip.frag_off = bpf_htons(IP_DF);
		h.ip.ttl = r->ttl;
		h.ip.protocol = IPPROTO_TCP;
		h.ip.saddr = p->daddr[0];
		h.ip.daddr = p->saddr[0];
		h.ip.check = sg_csum_fold(sg_csum_words(h.w, 5));
		*ip = h.ip;
		*th = t.th;
	}
	return 0;
}

#endif
