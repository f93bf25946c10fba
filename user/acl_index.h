/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * acl_index.h - the fast structure of the allow and deny lists (the hashes
 * sg_acl4h/sg_acl6h and the buckets sg_acl4b/sg_acl6b, include/acl_defs.h):
 * reading every entry of a family back, and rewriting the buckets from them.
 * Called only by acl_maps.c, the one writer of the lists.
 */
#ifndef SG_ACL_INDEX_H
#define SG_ACL_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#include "acl_defs.h"
#include "prefix.h"

/* One entry of either list. */
struct sg_acl_ent {
	struct sg_prefix p;
	__u8 verdict;		/* enum sg_acl_verdict */
	__u8 flags;		/* SG_ACL_F_* of its hash value */
};

/* Every entry of the family's hash (both lists), unsorted, malloc'ed into
 * *v. 0 or -errno. */
int sg_acl_entries(int hash_fd, int family, struct sg_acl_ent **v, size_t *n);

/* The buckets of a family as the entries v[0..n) make them (entries of the
 * other family and with verdict SG_ACL_NONE are skipped). b is
 * SG_ACL_BUCKETS of struct sg_acl_bucket4 (AF_INET) or sg_acl_bucket6.
 * 0 or -ENOMEM. */
int sg_acl_buckets_compute(int family, const struct sg_acl_ent *v, size_t n, void *b);

/* Whether bucket idx of b (as computed above) is dense: XDP asks the trie
 * for it. */
bool sg_acl_bucket_dense(int family, const void *b, __u32 idx);

/* The bucket of a prefix (its top SG_ACL_BUCKET_BITS bits). */
__u32 sg_acl_bucket_of(const struct sg_prefix *p);

/* Rewrite the family's buckets (bucket_fd) to want (SG_ACL_BUCKETS of them,
 * as computed above), writing only those that differ. 0 or -errno. */
int sg_acl_buckets_write(int bucket_fd, int family, const void *want, size_t *written);

/* Rewrite the family's buckets (bucket_fd) from the entries now in its
 * hash (recovery after a failed change). Call after the entries of a change
 * are written (add) or deleted (del): a length bit is then set only once
 * its entries exist, and cleared only once the last of them is gone.
 * *written: buckets rewritten (may be NULL). 0 or -errno. */
int sg_acl_index_sync(int hash_fd, int bucket_fd, int family, size_t *written);

#endif
