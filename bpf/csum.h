/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * csum.h - Internet checksums (RFC 1071) of headers we build ourselves.
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

#endif
