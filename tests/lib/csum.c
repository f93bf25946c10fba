// SPDX-License-Identifier: GPL-2.0-only
/* csum.c - RFC 1071 checksums, written from the RFC (not from the program). */
#include "csum.h"

uint32_t csum_partial_be(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	/* fold to 16 bits so that callers can add a few more terms safely */
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

uint16_t csum_fold_be(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t csum_ipv4_hdr(const void *iph, size_t ihl_bytes)
{
	return csum_fold_be(csum_partial_be(iph, ihl_bytes, 0));
}

static uint32_t pseudo_tail(uint8_t proto, size_t len)
{
	/* zero, protocol, and the 16-bit (v4) / 32-bit (v6) length */
	return (uint32_t)proto + (uint32_t)(len & 0xffff) + (uint32_t)(len >> 16);
}

uint16_t csum_l4_v4(const void *saddr4, const void *daddr4, uint8_t proto,
		    const void *seg, size_t len)
{
	uint32_t s = csum_partial_be(saddr4, 4, 0);

	s = csum_partial_be(daddr4, 4, s);
	s += pseudo_tail(proto, len);
	return csum_fold_be(csum_partial_be(seg, len, s));
}

uint16_t csum_l4_v6(const void *saddr16, const void *daddr16, uint8_t proto,
		    const void *seg, size_t len)
{
	uint32_t s = csum_partial_be(saddr16, 16, 0);

	s = csum_partial_be(daddr16, 16, s);
	s += pseudo_tail(proto, len);
	return csum_fold_be(csum_partial_be(seg, len, s));
}
