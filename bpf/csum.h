/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * csum.h - Internet checksums (RFC 1071) of headers we build ourselves, and
 * the check of the IPv4 header and TCP checksums of packets we answer.
 * We add 32-bit words as they sit in memory into a 64-bit accumulator and
 * fold: the one's complement sum does not depend on byte order as long as the
 * result is stored back in the same order, so no byte swaps are needed.
 */
#ifndef SG_BPF_CSUM_H
#define SG_BPF_CSUM_H

static __always_inline __u16 sg_csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Sum of n 32-bit words (n a compile-time constant: unrolled). */
static __always_inline __u64 sg_csum_words(const __u32 *w, const int n)
{
	__u64 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < n; i++)
		sum += w[i];
	return sum;
}

/* Pseudo-header sum for TCP; addresses in network order, len in bytes. */
static __always_inline __u64 sg_csum_pseudo(const __u32 *saddr, const __u32 *daddr,
					    int ipv6, __u32 len)
{
	if (!ipv6)
		return (__u64)saddr[0] + daddr[0] + bpf_htonl((IPPROTO_TCP << 16) | len);
	return sg_csum_words(saddr, 4) + sg_csum_words(daddr, 4) +
	       bpf_htonl(len) + bpf_htonl(IPPROTO_TCP);
}

/*
 * Verifying received checksums. XDP gets no checksum state from the driver
 * on this kernel (no CHECKSUM_UNNECESSARY/COMPLETE hint for most drivers),
 * so we cannot skip what the NIC verified: we verify the IPv4 header and the
 * TCP checksum of every SYN and every ACK to a listener that reach their
 * answer (a few words for a SYN), like the kernel does before answering.
 *
 * One exception, on purpose: a segment whose TCP checksum field holds just
 * the folded pseudo-header sum is what a sender on this host with TX
 * checksum offload (CHECKSUM_PARTIAL, e.g. a container's veth) hands over;
 * the kernel trusts those, so do we. A remote sender would have to craft
 * exactly that value, and all it gains is an answer the kernel would also
 * have given it to a valid checksum.
 */
struct sg_csum_walk {
	void *data;
	void *data_end;
	__u32 off;		/* packet offset of the next byte */
	__u32 end;		/* packet offset after the last byte */
	__u64 sum;
};

/* 16 bytes, 4 bytes or the 1-3 byte tail per step, offset as a scalar */
static long sg_csum_step(__u32 i, void *arg)
{
	struct sg_csum_walk *w = arg;
	__u32 off = w->off, rem;
	__u8 *q;

	/* 32K bounds the offset enough for the verifier (ptr + 16 must stay
	 * below its 64K packet limit); XDP frames are at most ~9K */
	if (off >= w->end || off > 0x7fff)
		return 1;
	rem = w->end - off;
	q = w->data + (off & 0x7fff);
	if (rem >= 16) {
		if ((void *)(q + 16) > w->data_end)
			return 1;
		w->sum += (__u64)((__u32 *)q)[0] + ((__u32 *)q)[1] + ((__u32 *)q)[2] +
			  ((__u32 *)q)[3];
		w->off = off + 16;
		return 0;
	}
	if (rem >= 4) {
		if ((void *)(q + 4) > w->data_end)
			return 1;
		w->sum += *(__u32 *)q;
		w->off = off + 4;
		return 0;
	}
	/* the last 1-3 bytes, zero-padded in memory order */
	if ((void *)(q + 3) <= w->data_end && rem == 3)
		w->sum += (__u32)q[0] | (__u32)q[1] << 8 | (__u32)q[2] << 16;
	else if ((void *)(q + 2) <= w->data_end && rem == 2)
		w->sum += (__u32)q[0] | (__u32)q[1] << 8;
	else if ((void *)(q + 1) <= w->data_end)
		w->sum += q[0];
	w->off = w->end;
	return 1;
}

/* Sum of bytes [off, off + len) of the packet (off + len <= 32K). */
static __always_inline __u64 sg_csum_pkt(void *data, void *data_end, __u32 off, __u32 len)
{
	struct sg_csum_walk w = { .data = data, .data_end = data_end,
				  .off = off, .end = off + len };

	/* 16 bytes per step: 4096 steps cover 64K */
	bpf_loop(4096 + 2, sg_csum_step, &w, 0);
	return w.off == w.end ? w.sum : 0xdeadULL;	/* short packet: wrong on purpose */
}

/* The same for a TCP header without payload (len <= 60, a multiple of 4:
 * almost every SYN and ACK): unrolled word sums, no bpf_loop steps. */
static __always_inline __u64 sg_csum_hdr(void *data, void *data_end, __u32 off, __u32 len)
{
	__u64 sum = 0;
	__u32 *w;
	int i;

	if (off > 0x3fff)
		return 0xdeadULL;
	w = data + off;
	if ((void *)(w + 5) > data_end)
		return 0xdeadULL;
	sum = (__u64)w[0] + w[1] + w[2] + w[3] + w[4];
#pragma unroll
	for (i = 5; i < 15; i++) {
		if ((__u32)i < len / 4) {
			if ((void *)(w + i + 1) > data_end)
				return 0xdeadULL;
			sum += w[i];
		}
	}
	return sum;
}

/* 1 if the IPv4 header at l3 (ihl words) sums to 0xffff. */
static __always_inline int sg_ip4_csum_ok(void *data, void *data_end, __u32 l3)
{
	__u32 *w;
	__u64 sum = 0;
	__u32 ihl;
	int i;

	if (l3 > 22)		/* 14 + two VLAN tags */
		return 0;
	w = data + l3;
	if ((void *)(w + 5) > data_end)
		return 0;
	ihl = ((__u8 *)w)[0] & 0xf;
	/* 5 words always, up to 10 of options: no break, so it unrolls */
	sum = (__u64)w[0] + w[1] + w[2] + w[3] + w[4];
#pragma unroll
	for (i = 5; i < 15; i++) {
		if ((__u32)i < ihl) {
			if ((void *)(w + i + 1) > data_end)
				return 0;
			sum += w[i];
		}
	}
	return sg_csum_fold(sum) == 0;
}

#endif
