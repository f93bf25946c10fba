// SPDX-License-Identifier: GPL-2.0-only
/* keyring.c - the cookie key ring; see keyring.h and docs/design.md. */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>

#include "handshake.h"
#include "keyring.h"

/* Domain separation: the TS secret and the fingerprint are SipHash values of
 * distinct constants under the key, never the key itself. */
#define SG_DOMAIN_TS_SECRET	0x74736f6666736574ULL	/* "tesffost" */
#define SG_DOMAIN_FP		0x7066676b67737300ULL

static __u64 derive(const __u64 key[2], __u64 domain)
{
	const __u64 m[1] = { domain };

	return sg_siphash24(key, m, 1);
}

void sg_keyring_slot(const __u64 key[2], struct sg_key_slot *s)
{
	memset(s, 0, sizeof(*s));
	s->key[0] = key[0];
	s->key[1] = key[1];
	s->ts_secret = derive(key, SG_DOMAIN_TS_SECRET);
}

__u64 sg_keyring_fp(const __u64 key[2])
{
	return derive(key, SG_DOMAIN_FP);
}

unsigned long long sg_keyring_grace_ns(const struct sg_config *cfg)
{
	/* with TS: max_age + skew; without: back + 1 periods; plus a second */
	unsigned long long ts = ((unsigned long long)cfg->max_age_ticks + cfg->skew_ticks)
				<< SG_HS_TICK_SHIFT;
	unsigned long long nots = (((cfg->nots_window >> 8) & 0xff) + 1ULL) << SG_HS_PERIOD_SHIFT;

	return (ts > nots ? ts : nots) + 1000000000ULL;
}

static int write_slot(int keys_fd, __u32 slot, const __u64 key[2])
{
	struct sg_key_slot s;
	int err = 0;

	sg_keyring_slot(key, &s);
	if (bpf_map_update_elem(keys_fd, &slot, &s, BPF_ANY))
		err = -errno;
	memset(&s, 0, sizeof(s));
	return err;
}

int sg_keyring_init(int keys_fd, struct sg_config *cfg, const __u64 key[2])
{
	int err = write_slot(keys_fd, 0, key);

	if (err)
		return err;
	cfg->keyring = 0;
	cfg->key_fp = sg_keyring_fp(key);
	cfg->key_gen = 0;
	return 0;
}

int sg_keyring_rotate(int keys_fd, struct sg_config *cfg, const __u64 key[2],
		      unsigned long long now_real_ns, bool *rotated)
{
	__u32 cur = (__u32)(cfg->keyring & SG_KEYRING_CUR_MASK), next;
	unsigned long long until;
	__u64 fp = sg_keyring_fp(key);
	int err;

	*rotated = false;
	if (fp == cfg->key_fp)
		return 0;	/* the same key (a reload without change) */
	if (cur >= SG_KEY_SLOTS)
		cur = 0;
	next = (cur + 1) % SG_KEY_SLOTS;	/* neither current nor previous */
	err = write_slot(keys_fd, next, key);
	if (err)
		return err;
	/* the old current becomes the previous slot, (next + 2) % 3 == cur */
	until = (now_real_ns + sg_keyring_grace_ns(cfg)) >> SG_HS_TICK_SHIFT;
	cfg->keyring = (until << SG_KEYRING_UNTIL_SHIFT) | next;
	cfg->key_fp = fp;
	cfg->key_gen++;
	*rotated = true;
	return 0;
}
