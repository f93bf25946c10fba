/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fixed_len.h - the one place where the two builds of sg_xdp differ.
 *
 * build/synguard.bpf.o (the default) resizes the frame for its replies
 * (bpf_xdp_adjust_tail) and hands validated cookie ACKs to tc in XDP
 * metadata (bpf_xdp_adjust_meta).
 *
 * build/synguard_fixed.bpf.o (-DSG_FIXED_LEN) calls no helper for which the
 * kernel's bpf_helper_changes_pkt_data() is true (net/core/filter.c:
 * bpf_xdp_adjust_head, _tail, _meta; tail calls; the skb helpers). It is
 * what protect loads into a libxdp dispatcher whose slot functions do not
 * change packet data (libxdp before xdp-tools PR #509, e.g. Debian's
 * 1.3.1): since Linux 6.13 (and 6.12.y) the verifier refuses an extension
 * that does in place of a function that does not (bpf_check_attach_target:
 * "Extension program changes packet data, while original does not").
 *
 * How the fixed build answers without resizing:
 * - every reply is written into the received frame at the frame's length.
 *   The IP header's length says where the reply ends; any bytes after it
 *   stay in the frame like Ethernet padding, which the receiver's IP layer
 *   trims (ip_rcv_core(), ipv6_rcv()). A Linux SYN and our SYN-ACK carry
 *   the same option length, so they are the same size; an RST (20 bytes of
 *   TCP) is never longer than the ACK it answers.
 * - a SYN too short for our SYN-ACK: one without options (a crafted SYN on
 *   a link without Ethernet padding, e.g. veth) gets a SYN-ACK without our
 *   MSS option (the client then assumes the default MSS, 536, or 1220
 *   for IPv6: RFC 9293 3.7.1); any other passes to the kernel
 *   (pass_syn_tx_error), which answers it itself.
 * - no metadata: protect sets SG_CFG_NO_XDP_META, so XDP never gets to the
 *   push below and tc validates the cookie of pure ACKs itself (bpf/ack.h).
 */
#ifndef SG_BPF_FIXED_LEN_H
#define SG_BPF_FIXED_LEN_H

/* Make the frame delta bytes longer (shorter if negative). 0 on success. */
static __always_inline int sg_frame_resize(struct xdp_md *ctx, long delta)
{
	if (!delta)
		return 0;
#ifdef SG_FIXED_LEN
	/* shorter: the rest stays behind the IP datagram as padding */
	return delta < 0 ? 0 : -1;
#else
	return bpf_xdp_adjust_tail(ctx, (int)delta) ? -1 : 0;
#endif
}

/* Room for len bytes of metadata in front of the packet. 0 on success. */
static __always_inline int sg_meta_push(struct xdp_md *ctx, int len)
{
#ifdef SG_FIXED_LEN
	return -1;
#else
	return bpf_xdp_adjust_meta(ctx, -len);
#endif
}

/*
 * How many of our nopt option words the SYN-ACK carries: nopt, or in the
 * fixed build what fits behind l3 + iplen in the frame: 0 (opt[0], our MSS,
 * cleared) when only the MSS option does not fit, -1 when more does not
 * (the caller passes the SYN to the kernel).
 */
static __always_inline int sg_synack_fit(struct xdp_md *ctx, __u32 l3, __u32 iplen, int nopt,
					 __u32 *opt)
{
#ifdef SG_FIXED_LEN
	long room = (long)ctx->data_end - (long)ctx->data;

	/* Verifier workaround: keep the 64-bit difference (see reply.h) */
	asm volatile("" : "+r"(room));
	room -= (long)(l3 + iplen + 20);
	if (room >= (long)nopt * 4)
		return nopt;
	if (nopt == 1 && room >= 0) {
		opt[0] = 0;
		return 0;
	}
	return -1;
#else
	return nopt;
#endif
}

#endif
