// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_siphash.c - sg_siphash24() (include/siphash.h) against the published
 * SipHash-2-4 test vectors (key 00..0f, message 00 01 02 ..), for the message
 * lengths our word-wise function can express: 0, 8, .., 56 bytes; and
 * sg_siphash24_tail() for the two lengths the cookie hashes: 23 and 47.
 */
#include <stdint.h>
#include <stdio.h>

#include "siphash.h"
#include "testlib.h"

/* 64-bit outputs of the reference implementation (vectors_sip64, read as
 * little-endian), for message length 8*i */
static const uint64_t expect[8] = {
	0x726fdb47dd0e0e31ULL, 0x93f5f5799a932462ULL, 0x3f2acc7f57c29bdbULL,
	0xb8ad50c6f649af94ULL, 0x7127512f72f27cceULL, 0x0e3ea96b5304a7d0ULL,
	0xe612a3cb9ecba951ULL, 0xb78dbfaf3a8d83bdULL,
};

/* bytes b[8w..8w+7] as the little-endian word the reference loads */
static uint64_t le_word(int w)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | (uint64_t)(8 * w + i);
	return v;
}

/* n must be a constant for the BPF side; mirror that with a switch */
static uint64_t hash_n(const __u64 key[2], const __u64 *m, int n)
{
	switch (n) {
	case 0: return sg_siphash24(key, m, 0);
	case 1: return sg_siphash24(key, m, 1);
	case 2: return sg_siphash24(key, m, 2);
	case 3: return sg_siphash24(key, m, 3);
	case 4: return sg_siphash24(key, m, 4);
	case 5: return sg_siphash24(key, m, 5);
	case 6: return sg_siphash24(key, m, 6);
	case 7: return sg_siphash24(key, m, 7);
	}
	return 0;
}

int main(void)
{
	const __u64 key[2] = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
	__u64 m[8];
	char name[64];
	int n;

	for (n = 0; n < 8; n++)
		m[n] = le_word(n);
	for (n = 0; n < 8; n++) {
		uint64_t h = hash_n(key, m, n);

		snprintf(name, sizeof(name), "siphash24_len%d", 8 * n);
		SG_EXPECT(name, h == expect[n], "got %016llx, want %016llx",
			  (unsigned long long)h, (unsigned long long)expect[n]);
	}
	/* the cookie's message lengths (include/cookie.h): whole words + tail */
	{
		/* vectors_sip64[23] and [47] of the reference, little-endian */
		const uint64_t want23 = 0xa80c038ccd5ccec8ULL, want47 = 0xd06c98cd5c0975ebULL;
		/* tails: bytes 16..22 and 40..46 of 00 01 02 .. */
		uint64_t t23 = le_word(2) & 0x00ffffffffffffffULL;
		uint64_t t47 = le_word(5) & 0x00ffffffffffffffULL;
		uint64_t h23 = sg_siphash24_tail(key, m, 2, t23, 23);
		uint64_t h47 = sg_siphash24_tail(key, m, 5, t47, 47);

		SG_EXPECT("siphash24_len23_tail", h23 == want23, "got %016llx, want %016llx",
			  (unsigned long long)h23, (unsigned long long)want23);
		SG_EXPECT("siphash24_len47_tail", h47 == want47, "got %016llx, want %016llx",
			  (unsigned long long)h47, (unsigned long long)want47);
	}
	/* a key byte changed must change the result (the key is used at all) */
	{
		const __u64 k2[2] = { key[0] ^ 1, key[1] };

		SG_EXPECT("siphash24_key_matters", hash_n(k2, m, 3) != hash_n(key, m, 3),
			  "same hash under two keys");
	}
	return sg_test_failures ? 1 : 0;
}
