/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * synack.h - what a correct synguard SYN-ACK looks like for a given SYN, and
 * a field-by-field check of a reply against it (checksums recomputed with
 * csum.c, the cookie recomputed with include/cookie.h).
 */
#ifndef SG_TEST_SYNACK_H
#define SG_TEST_SYNACK_H

#include <stdbool.h>
#include <stdint.h>

#include "pkt.h"
#include "xdp_env.h"
#include "handshake.h"

struct synack_want {
	uint16_t mss;		/* our advertised MSS */
	bool sack, ts, ws, ecn;	/* negotiated by the SYN-ACK */
	uint8_t wscale;		/* our window scale, if ws */
	uint8_t ttl;
	uint32_t cookie_data;	/* SG_COOKIE_* data bits */
};

/* Expectations for SYN s to a default listener in this namespace (sysctls,
 * MTU 1500 on lo, e->cfg). mss_clamp: the listener's TCP_MAXSEG, or 0. */
int synack_expect(const struct xdp_env *e, const struct pkt_spec *s,
		  uint16_t mss_clamp, struct synack_want *w);

/* Check reply (out, len) to SYN s. Returns 0, or -1 with the first
 * discrepancy in err. *cookie gets the reply's seq, *tsval its TSval. */
int synack_check(const struct xdp_env *e, const struct pkt_spec *s,
		 const struct synack_want *w, const uint8_t *out, int len,
		 uint32_t *cookie, uint32_t *tsval, char *err, int errlen);

/* The cookie hash for a client tuple (taken from spec s, client -> server)
 * under key, with the tail from include/handshake.h. */
uint64_t synack_hash_key(const __u64 key[2], const struct pkt_spec *s, uint32_t isn,
			 uint64_t tail);
/* ... under the current key of e */
uint64_t synack_hash(const struct xdp_env *e, const struct pkt_spec *s,
		     uint32_t isn, uint64_t tail);
/* The TS offset of spec s's address pair under a key slot (handshake.h). */
uint32_t synack_ts_off(const struct sg_key_slot *k, const struct pkt_spec *s);

/* Forge what the SYN-ACK for s (ISN isn) would have carried at the
 * program's time now_ns under the key slot k (handshake.h's encode, test
 * side): seq cookie and, if offer->ts, our TSval. */
void synack_forge(const __u64 key[2], const struct sg_key_slot *k, const struct pkt_spec *s,
		  uint32_t isn, const struct sg_hs_offer *offer, uint64_t now_ns,
		  uint32_t *cookie, uint32_t *tsval);



/* The counter of ACK s (to a listener, with an invalid cookie, RSTs off)
 * as the program must count it: drop_ack_maybe_ours if the time it echoes
 * is within the cookie bounds under e's current key (include/handshake.h's
 * decode: the same rule as the program), else ack_cookie_invalid. */
int synack_refusal(const struct xdp_env *e, const struct pkt_spec *s);

/* A TSecr for an ACK of s that decodes (under e's current key) to a tick
 * 2^19 ticks (~9 min) from now: outside the cookie bounds. */
uint32_t synack_stale_tsecr(const struct xdp_env *e, const struct pkt_spec *s);

/* One test: run SYN s, expect XDP_TX + synack_sent and a correct SYN-ACK.
 * Prints PASS/FAIL name; returns 0 on pass. */
int synack_test(struct xdp_env *e, const char *name, const struct pkt_spec *s,
		uint16_t mss_clamp);
#endif
