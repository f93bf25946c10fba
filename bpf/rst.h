/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rst.h - answer an ACK that carries no valid cookie with the RST the kernel
 * would send for a segment without a socket (tcp_v4_send_reset(),
 * tcp_v6_send_reset()): since the ACK flag is set, seq = their ack_seq, no
 * ACK flag, window 0, no options, no payload. Written in place (reply.h):
 * L2 + IP + 20 bytes of TCP, then sent with XDP_TX.
 */
#ifndef SG_BPF_RST_H
#define SG_BPF_RST_H

#include "reply.h"

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
	struct tcphdr *th;
	__u32 l3;

	if (!p || !r)
		return -1;
	l3 = p->l3_off;
	if (l3 > 22)		/* 14 + two VLAN tags; bounds l3 for the verifier */
		return -1;

	t.th.source = r->dport;
	t.th.dest = r->sport;
	t.th.seq = r->seq;
	t.th.doff = 5;
	t.th.rst = 1;
	t.th.check = sg_csum_fold(sg_csum_pseudo(p->daddr, p->saddr, p->ipv6, 20) +
				  sg_csum_words(t.w, 5));
	th = sg_reply_start(ctx, p, l3, 20, r->ttl, r->tos);
	if (!th)
		return -1;
	*th = t.th;
	return 0;
}

#endif
