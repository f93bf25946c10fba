/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * acl_maps.h - the one writer of the allow and deny lists (maps sg_acl4,
 * sg_acl6, sg_acl4h, sg_acl6h, sg_acl4b, sg_acl6b, sg_acl; include/acl_defs.h;
 * the hashes and buckets through acl_index.c). Used by `allow`/`deny` and by
 * `protect --allow/--deny` (and so `apply`), always under the interface lock.
 *
 * Every change is checked in full before the maps are touched (syntax was
 * checked by the parser already; here: conflicts with the other list,
 * presence, capacity), and a map failure half-way is rolled back, so a
 * refused change leaves the lists as they were. Rules (README, man page):
 *   - the same prefix in allow and deny: refused (SG_EXIT_USAGE);
 *   - add: a prefix already in that list is skipped (counted as "present");
 *     duplicates in the input count once;
 *   - del: every prefix must be in that list, else nothing is deleted;
 *   - overlapping prefixes of different lengths are fine: the longest
 *     match over both lists decides.
 */
#ifndef SG_ACL_MAPS_H
#define SG_ACL_MAPS_H

#include <stddef.h>

#include "acl_defs.h"
#include "prefix.h"

struct sg_acl_fds {
	int fd4;		/* sg_acl4 (trie) */
	int fd6;		/* sg_acl6 */
	int state_fd;		/* sg_acl */
	int h4, h6;		/* sg_acl4h, sg_acl6h (hashes: every entry) */
	int b4, b6;		/* sg_acl4b, sg_acl6b (buckets) */
};

/* What a change did, for the report. */
struct sg_acl_result {
	size_t added, removed, present;
};

/* "allow" / "deny" */
const char *sg_acl_list_name(enum sg_acl_verdict list);

/* The counts (max filled from the tries' size if never written). */
int sg_acl_read_state(const struct sg_acl_fds *m, struct sg_acl_state *st);
/* protect, on a fresh protection: the per-list capacity. */
int sg_acl_init(const struct sg_acl_fds *m, __u32 max);

/* Each returns 0 or an exit code (common.h) with a message in err. v is
 * sorted and de-duplicated in place. */
int sg_acl_add(const struct sg_acl_fds *m, enum sg_acl_verdict list, struct sg_prefix *v,
	       size_t n, struct sg_acl_result *r, char *err, size_t errlen);
int sg_acl_del(const struct sg_acl_fds *m, enum sg_acl_verdict list, struct sg_prefix *v,
	       size_t n, struct sg_acl_result *r, char *err, size_t errlen);
/* Make the list exactly v (protect --allow/--deny, apply). */
int sg_acl_replace(const struct sg_acl_fds *m, enum sg_acl_verdict list, struct sg_prefix *v,
		   size_t n, struct sg_acl_result *r, char *err, size_t errlen);

/* The entries of one list, sorted (malloc'ed into *v). 0 or -errno. */
int sg_acl_dump(const struct sg_acl_fds *m, enum sg_acl_verdict list, struct sg_prefix **v,
		size_t *n);

#endif
