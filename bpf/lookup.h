/* SPDX-License-Identifier: GPL-2.0-only */
/* lookup.h - socket lookup for a parsed packet (XDP and tc alike). */
#ifndef SG_BPF_LOOKUP_H
#define SG_BPF_LOOKUP_H

#include "parse.h"

/* The socket the packet belongs to: established, time-wait or request socket
 * first, then a listener (bpf_skc_lookup_tcp). Must be released. The tuple's
 * source is the remote end, as in the packet. */
static __always_inline struct bpf_sock *sg_lookup(void *ctx, const struct sg_pkt *p,
						  __be16 sport, __be16 dport)
{
	struct bpf_sock_tuple t = {};

	if (p->ipv6) {
		__builtin_memcpy(t.ipv6.saddr, p->saddr, 16);
		__builtin_memcpy(t.ipv6.daddr, p->daddr, 16);
		t.ipv6.sport = sport;
		t.ipv6.dport = dport;
		return bpf_skc_lookup_tcp(ctx, &t, sizeof(t.ipv6), BPF_F_CURRENT_NETNS, 0);
	}
	t.ipv4.saddr = p->saddr[0];
	t.ipv4.daddr = p->daddr[0];
	t.ipv4.sport = sport;
	t.ipv4.dport = dport;
	return bpf_skc_lookup_tcp(ctx, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
}

#endif
