// SPDX-License-Identifier: GPL-2.0-only
/*
 * lab_reflect.bpf.c - the reflector floor of tests/bench/bench_e2e.sh (issue
 * 12: "the cheapest possible XDP responder"): each flood SYN (lab_floor.h) is
 * sent back with MAC and IP addresses and ports swapped and SYN|ACK set, by
 * XDP_TX. No cookie, no options rewritten, no checksum (the lab's sink drops
 * the answer on the client side before any checksum is looked at). What
 * answering a SYN costs the server at the least: parse, touch the headers,
 * transmit.
 */
#include "lab_floor.h"

SEC("xdp")
int lab_reflect(struct xdp_md *ctx)
{
	struct ethhdr *eth;
	struct iphdr *ip;
	struct tcphdr *th;
	unsigned char mac[ETH_ALEN];
	__be32 a;
	__be16 port;

	th = lab_syn((void *)(long)ctx->data, (void *)(long)ctx->data_end, &eth, &ip);
	if (!th)
		return XDP_PASS;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	a = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = a;
	port = th->source;
	th->source = th->dest;
	th->dest = port;
	th->ack_seq = bpf_htonl(bpf_ntohl(th->seq) + 1);
	((__u8 *)th)[13] |= LAB_TCP_ACK;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
