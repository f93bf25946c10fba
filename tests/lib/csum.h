/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * csum.h - Internet checksums (RFC 1071) computed independently of the BPF
 * program, so that tests can verify the headers it writes.
 */
#ifndef SG_TEST_CSUM_H
#define SG_TEST_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* One's-complement sum of buf folded to 16 bits, starting from sum (host
 * order arithmetic over big-endian 16-bit words; odd byte padded with zero). */
uint32_t csum_partial_be(const void *buf, size_t len, uint32_t sum);
/* Fold a 32-bit accumulator and complement it: the value to put in a header. */
uint16_t csum_fold_be(uint32_t sum);

/* Checksum of an IPv4 header (its checksum field included). A header whose
 * checksum is right gives 0 here. */
uint16_t csum_ipv4_hdr(const void *iph, size_t ihl_bytes);

/* TCP/UDP checksum over the pseudo-header and the segment (its checksum field
 * included): 0 means correct. Addresses in network byte order as in the packet. */
uint16_t csum_l4_v4(const void *saddr4, const void *daddr4, uint8_t proto,
		    const void *seg, size_t len);
uint16_t csum_l4_v6(const void *saddr16, const void *daddr16, uint8_t proto,
		    const void *seg, size_t len);

#endif
