/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * siphash.h - SipHash-2-4 (Aumasson & Bernstein) over whole 64-bit words.
 *
 * sg_siphash24(key, m, n) is SipHash-2-4 of the 8*n byte message whose bytes
 * are the words m[0..n-1] stored little-endian, exactly as in the reference
 * implementation; sg_siphash24_tail() adds up to 7 trailing bytes.
 * tests/unit/test_siphash.c checks both against the published test vectors. Shared by the XDP program and by the tests that craft cookies,
 * so n must be a compile-time constant in BPF (the loop is unrolled).
 */
#ifndef SG_SIPHASH_H
#define SG_SIPHASH_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define SG_ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

#define SG_SIPROUND(v0, v1, v2, v3)				\
	do {							\
		v0 += v1; v1 = SG_ROTL64(v1, 13); v1 ^= v0;	\
		v0 = SG_ROTL64(v0, 32);				\
		v2 += v3; v3 = SG_ROTL64(v3, 16); v3 ^= v2;	\
		v0 += v3; v3 = SG_ROTL64(v3, 21); v3 ^= v0;	\
		v2 += v1; v1 = SG_ROTL64(v1, 17); v1 ^= v2;	\
		v2 = SG_ROTL64(v2, 32);				\
	} while (0)

/* SipHash-2-4 of a len-byte message: n whole words m[0..n-1], then the
 * len - 8n (< 8) remaining bytes in the low bytes of tail (little-endian, the
 * rest zero), exactly as the reference pads its last block. */
static __always_inline __u64 sg_siphash24_tail(const __u64 key[2], const __u64 *m,
					       const int n, __u64 tail, __u32 len)
{
	__u64 v0 = 0x736f6d6570736575ULL ^ key[0];
	__u64 v1 = 0x646f72616e646f6dULL ^ key[1];
	__u64 v2 = 0x6c7967656e657261ULL ^ key[0];
	__u64 v3 = 0x7465646279746573ULL ^ key[1];
	__u64 b = ((__u64)len << 56) | tail;
	int i;

#ifdef __clang__
#pragma unroll
#endif
	for (i = 0; i < n; i++) {
		v3 ^= m[i];
		SG_SIPROUND(v0, v1, v2, v3);
		SG_SIPROUND(v0, v1, v2, v3);
		v0 ^= m[i];
	}
	v3 ^= b;
	SG_SIPROUND(v0, v1, v2, v3);
	SG_SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	SG_SIPROUND(v0, v1, v2, v3);
	SG_SIPROUND(v0, v1, v2, v3);
	SG_SIPROUND(v0, v1, v2, v3);
	SG_SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* SipHash-2-4 of the 8n-byte message m[0..n-1]. */
static __always_inline __u64 sg_siphash24(const __u64 key[2], const __u64 *m,
					  const int n)
{
	return sg_siphash24_tail(key, m, n, 0, 8 * n);
}

#endif /* SG_SIPHASH_H */
