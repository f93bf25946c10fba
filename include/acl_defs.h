/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * acl_defs.h - the allow and deny lists (issue 11): what BPF (bpf/acl.h) and the
 * CLI (user/acl_maps.c) share.
 *
 * One LPM trie per address family (sg_acl4, sg_acl6) holds both lists: each
 * entry's value says which list it is in, so one lookup answers both, and a
 * source matching an allowed and a denied prefix gets the verdict of the
 * longer one (longest-prefix match across both lists). The same prefix in
 * both lists is refused by the CLI. The value also carries the prefix
 * length, so that user space can tell an exact entry from a covering one
 * with one lookup.
 *
 * sg_acl (ARRAY, one entry) counts the entries per list and family: XDP skips
 * the lookup of a family whose counts are both zero, so the no-policy SYN
 * path pays one array lookup. Every one of the three maps is written only by
 * user/acl_maps.c (commands allow, deny; protect --allow/--deny), under the
 * interface lock.
 */
#ifndef SG_ACL_DEFS_H
#define SG_ACL_DEFS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Per list (allow or deny) and family, unless protect --acl-max says
 * otherwise; the tries hold twice that (both lists), allocated as used
 * (BPF_F_NO_PREALLOC, which LPM tries require anyway). */
#define SG_ACL_MAX_DEFAULT	131072
#define SG_ACL_MAX_LIMIT	(1U << 24)	/* protect --acl-max upper bound */

struct sg_acl_key4 {
	__u32 prefixlen;	/* 0..32 */
	__u32 addr;		/* network order */
};

struct sg_acl_key6 {
	__u32 prefixlen;	/* 0..128 */
	__u32 addr[4];		/* network order */
};

enum sg_acl_verdict {
	SG_ACL_NONE = 0,	/* in neither list */
	SG_ACL_ALLOW = 1,
	SG_ACL_DENY = 2,
};

struct sg_acl_val {
	__u8 verdict;		/* enum sg_acl_verdict */
	__u8 prefixlen;		/* the entry's own length (user space's exact-match test) */
	__u16 pad;
};

/* index of sg_acl_state.n[] */
enum sg_acl_slot {
	SG_ACL_ALLOW4,
	SG_ACL_ALLOW6,
	SG_ACL_DENY4,
	SG_ACL_DENY6,
	SG_ACL_NSLOTS,
};

struct sg_acl_state {
	__u32 n[SG_ACL_NSLOTS];	/* entries per list and family */
	__u32 max;		/* per list and family (the tries hold 2 * max) */
	__u32 gen;		/* changes so far */
	__u64 updated_unix;	/* last change (seconds), 0: never */
};

#endif /* SG_ACL_DEFS_H */
