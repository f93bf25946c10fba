/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * payload.h - the deterministic byte stream that sg_client and sg_server
 * exchange. Byte i of a stream depends on i and on the direction, so a lost,
 * duplicated, reordered or reflected chunk is detected, not just a short count.
 */
#ifndef SG_PAYLOAD_H
#define SG_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#define SG_PAYLOAD_C2S 0x636c69656e74ULL	/* client -> server stream */
#define SG_PAYLOAD_S2C 0x736572766572ULL	/* server -> client stream */

/* Fill buf with len bytes of stream `dir` starting at stream offset off. */
void sg_payload_fill(uint64_t dir, uint64_t off, unsigned char *buf, size_t len);
/* Offset (relative to buf) of the first byte that differs, or -1 if all match. */
long sg_payload_check(uint64_t dir, uint64_t off, const unsigned char *buf, size_t len);

#endif
