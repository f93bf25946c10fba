// SPDX-License-Identifier: GPL-2.0-only
/*
 * lab_sink.bpf.c - XDP program for the client side of the SYN-flood lab
 * (tests/lab/lab.sh): drops frames addressed to the flood's spoofed source
 * ranges and passes everything else.
 *
 * Why: on veth the peer's receive work runs on the sender's CPU, inside the
 * same softirq as the server's. The SYN-ACKs (or RSTs) that the server sends
 * to spoofed addresses would otherwise climb the client namespace's whole
 * stack before being dropped as "not for me", and that cost would be charged
 * to the server's receive path in the lab's CPU accounting. On a real network
 * those frames leave through the NIC and cost the server nothing more. An
 * early XDP drop keeps the leftover cost small and equal for every
 * configuration measured. Having an XDP program here also gives the veth
 * NAPI, which XDP_TX frames need (see xdp_pass.bpf.c).
 *
 * The ranges are the lab's (tests/lab/lab.sh: LAB_SPOOF4/LAB_SPOOF6):
 * 10.77.128.0/17 and fd77:8000::/65. They are fixed here because `ip link
 * set ... xdp obj` cannot set read-only data.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD

SEC("xdp")
int lab_sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end)
			return XDP_PASS;
		/* 10.77.128.0/17 */
		if ((bpf_ntohl(ip->daddr) & 0xffff8000U) == 0x0a4d8000U)
			return XDP_DROP;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		__u32 w0, w1, w2;

		if ((void *)(ip6 + 1) > end)
			return XDP_PASS;
		/* fd77:8000::/65: the first 64 bits, then the top bit of the third word */
		w0 = bpf_ntohl(ip6->daddr.in6_u.u6_addr32[0]);
		w1 = bpf_ntohl(ip6->daddr.in6_u.u6_addr32[1]);
		w2 = bpf_ntohl(ip6->daddr.in6_u.u6_addr32[2]);
		if (w0 == 0xfd778000U && w1 == 0 && !(w2 & 0x80000000U))
			return XDP_DROP;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
