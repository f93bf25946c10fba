/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * keyring.h - the cookie key ring of a protected interface: three slots in
 * the map sg_keys, the current slot and the previous key's
 * deadline in sg_config.keyring (include/synguard.h). A rotation writes the
 * new key into the slot that is neither current nor previous, then the
 * config: XDP never reads a slot while it is being written, and cookies made
 * under the previous key stay valid for as long as any cookie lives.
 */
#ifndef SG_KEYRING_H
#define SG_KEYRING_H

#include <stdbool.h>
#include <linux/types.h>

#include "synguard.h"

/* The slot a key goes into (its TS secret derived from it). */
void sg_keyring_slot(const __u64 key[2], struct sg_key_slot *s);

/* Fingerprint of a key: SipHash of a constant under the key, so it can be
 * shown and compared without revealing the key. */
__u64 sg_keyring_fp(const __u64 key[2]);

/* How long a cookie lives at most, for the previous key's grace (ns). */
unsigned long long sg_keyring_grace_ns(const struct sg_config *cfg);

/* A fresh protection: key into slot 0 of keys_fd, cfg->keyring/key_fp set.
 * 0 or -errno. */
int sg_keyring_init(int keys_fd, struct sg_config *cfg, const __u64 key[2]);

/* In place: if key differs from the current one, write it into the free slot
 * and make it current in *cfg (the caller then writes cfg); the old key is
 * accepted until now_real_ns + grace. *rotated says whether anything
 * changed. 0 or -errno. */
int sg_keyring_rotate(int keys_fd, struct sg_config *cfg, const __u64 key[2],
		      unsigned long long now_real_ns, bool *rotated);

#endif
