/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lab_floor.h - the frame test shared by the end-to-end benchmark's floors
 * (bpf/lab_drop.bpf.c, bpf/lab_reflect.bpf.c): an IPv4 TCP segment with SYN
 * and no ACK, as the lab's flood sends (no IPv4 options). The least parsing
 * any SYN defense must do, so that the floors cost what a defense cannot
 * avoid and nothing more; everything else (the legitimate clients' traffic,
 * ARP) passes to the kernel.
 */
#ifndef SG_LAB_FLOOR_H
#define SG_LAB_FLOOR_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define LAB_ETH_P_IP	0x0800
#define LAB_TCP_SYN	0x02
#define LAB_TCP_ACK	0x10
#define ETH_ALEN	6

/* the TCP header of a flood SYN, or NULL */
static __always_inline struct tcphdr *lab_syn(void *data, void *end, struct ethhdr **eth,
					      struct iphdr **ip)
{
	struct tcphdr *th;
	__u8 *flags;

	*eth = data;
	*ip = data + sizeof(struct ethhdr);
	th = data + sizeof(struct ethhdr) + sizeof(struct iphdr);
	if ((void *)(th + 1) > end || (*eth)->h_proto != bpf_htons(LAB_ETH_P_IP) ||
	    (*ip)->ihl != 5 || (*ip)->protocol != IPPROTO_TCP)
		return NULL;
	flags = (__u8 *)th + 13;
	if ((*flags & (LAB_TCP_SYN | LAB_TCP_ACK)) != LAB_TCP_SYN)
		return NULL;
	return th;
}

#endif
