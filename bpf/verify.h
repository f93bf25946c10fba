/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * verify.h - what the kernel checks before it answers a SYN or an ACK, and
 * we must check too before answering from XDP: martian addresses and the
 * IPv4 header and TCP checksums. Run only on SYNs and ACKs that found a
 * listener, so established and non-TCP traffic pays nothing.
 */
#ifndef SG_BPF_VERIFY_H
#define SG_BPF_VERIFY_H

#include "csum.h"
#include "parse.h"

/* The loopback device has ifindex 1 in every network namespace
 * (LOOPBACK_IFINDEX, net/core/dev.c); read from the context, this needs no
 * kfunc (bpf_cast_to_kern_ctx() is 6.2+), so the object loads on 6.1. */
#define SG_LOOPBACK_IFINDEX	1

static __always_inline int sg_rx_is_loopback(struct xdp_md *ctx)
{
	return ctx->ingress_ifindex == SG_LOOPBACK_IFINDEX;
}

/*
 * 1 if the kernel would drop p for its addresses:
 * IPv4 (ip_route_input_slow): source multicast, limited broadcast,
 * 0.0.0.0/8 or loopback (the latter, and a loopback destination, only off
 * the loopback device; route_localnet is not looked at: a loopback source
 * from the wire is refused), destination 0.0.0.0/8;
 * IPv6 (ip6_rcv_core, tcp_v6_conn_request): source multicast, unspecified
 * or v4-mapped, loopback source or destination off the loopback device.
 */
static __always_inline int sg_martian(struct xdp_md *ctx, const struct sg_pkt *p)
{
	if (!p->ipv6) {
		__u32 s = bpf_ntohl(p->saddr[0]), d = bpf_ntohl(p->daddr[0]);

		if ((s >> 28) == 0xe || s == 0xffffffff || (s >> 24) == 0 || (d >> 24) == 0)
			return 1;
		if (((s >> 24) == 127 || (d >> 24) == 127) && !sg_rx_is_loopback(ctx))
			return 1;
		return 0;
	}
	if ((bpf_ntohl(p->saddr[0]) >> 24) == 0xff)
		return 1;
	if (!p->saddr[0] && !p->saddr[1]) {
		if (p->saddr[2] == bpf_htonl(0xffff))			/* ::ffff:a.b.c.d */
			return 1;
		if (!p->saddr[2] && (!p->saddr[3] || p->saddr[3] == bpf_htonl(1))) {
			if (!p->saddr[3])				/* :: */
				return 1;
			if (!sg_rx_is_loopback(ctx))			/* ::1 */
				return 1;
		}
	}
	if (!p->daddr[0] && !p->daddr[1] && !p->daddr[2] && p->daddr[3] == bpf_htonl(1) &&
	    !sg_rx_is_loopback(ctx))
		return 1;
	return 0;
}

/* 1 if the IPv4 header (IPv4) and the TCP checksum of p are right, or the
 * TCP checksum is a local sender's partial one (see csum.h). */
static __always_inline int sg_csum_ok(void *data, void *data_end, const struct sg_pkt *p)
{
	struct tcphdr *th;
	__u64 pseudo, sum;
	__u32 l4 = p->l4_off, len = p->tcp_len;

	if (!p->ipv6 && !sg_ip4_csum_ok(data, data_end, p->l3_off))
		return 0;
	if (l4 > SG_MAX_L4_OFF || len > 0xffff)
		return 0;
	th = data + l4;
	if ((void *)(th + 1) > data_end)
		return 0;
	pseudo = sg_csum_pseudo(p->saddr, p->daddr, p->ipv6, len);
	if (len <= 60 && len >= 20 && !(len & 3))
		sum = sg_csum_hdr(data, data_end, l4, len);
	else
		sum = sg_csum_pkt(data, data_end, l4, len);
	if (sg_csum_fold(pseudo + sum) == 0)
		return 1;
	return th->check == (__u16)~sg_csum_fold(pseudo);
}

#endif
