/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * acl_defs.h - the allow and deny lists (issue 11): what BPF (bpf/acl.h) and the
 * CLI (user/acl_maps.c) share.
 *
 * Per address family both lists are held together: each
 * entry's value says which list it is in, so one lookup answers both, and a
 * source matching an allowed and a denied prefix gets the verdict of the
 * longer one (longest-prefix match across both lists). The same prefix in
 * both lists is refused by the CLI. The value also carries the prefix
 * length, so that user space can tell an exact entry from a covering one
 * with one lookup.
 *
 * sg_acl (ARRAY, one entry) counts the entries per list and family: XDP skips
 * the lookup of a family whose counts are both zero, so the no-policy SYN
 * path pays one array lookup.
 *
 * The trie costs ~110-130 ns a lookup with 200,000 entries (one node per
 * bit level), so XDP asks it only as a fallback. The fast structure, per
 * family:
 *   - sg_acl4b / sg_acl6b (ARRAY, SG_ACL_BUCKETS): one bucket per /16 of
 *     the source (its top 16 bits, either family). A bucket holds the
 *     verdict of the longest prefix of length <= 16 covering it, and a
 *     bitmap of the lengths > 16 of the prefixes inside it;
 *   - sg_acl4h / sg_acl6h (HASH): every entry, keyed like the trie (length,
 *     address masked to it), value as the trie's;
 *   - sg_acl4 / sg_acl6 (LPM trie): the entries a dense bucket needs (see
 *     SG_ACL_F_TRIE); a list without dense buckets keeps only its prefixes
 *     of length <= 16 there, so a load writes little more than the hash.
 * XDP reads the source's bucket; for each length in its bitmap, longest
 * first, it looks up the source masked to that length in the hash and takes
 * the first hit; no hit: the bucket's verdict. A bucket with more than
 * SG_ACL_PROBES lengths asks the trie instead. That is the longest match
 * over both lists, as the trie answers it. A source in a bucket without
 * prefixes costs one array lookup.
 *
 * Live updates: the entries (hash, and trie where needed) are written
 * first, the buckets after (recomputed from the whole list and rewritten
 * where they differ); a bucket turns dense only once the trie holds all it
 * needs;
 * a length bit is set after its entries exist and cleared only when the
 * last entry of that length in the bucket is gone. A reader that sees a
 * bucket half-written sees each bit and the verdict byte either old or new,
 * so a source whose longest match is not being changed keeps its verdict
 * throughout (docs/design.md, "Allow and deny lists").
 *
 * Every one of these maps is written only by user/acl_maps.c (commands
 * allow, deny; protect --allow/--deny), under the interface lock.
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
	__u8 flags;		/* SG_ACL_F_*: user space's bookkeeping, XDP ignores them */
	__u8 pad;
};

/* In the hash: the entry may be in the trie too (set before it is put
 * there). The trie holds every prefix of length <= 16 and the longer ones
 * of every /16 that is or was dense (more than SG_ACL_PROBES lengths) since
 * they were added: a /16 that stops being dense keeps its entries there, as
 * XDP may have read the bucket just before; a deleted entry leaves both. */
#define SG_ACL_F_TRIE		1

/* The first level: one bucket per /16 of the source (sg_acl4b, sg_acl6b). */
#define SG_ACL_BUCKET_BITS	16
#define SG_ACL_BUCKETS		(1U << SG_ACL_BUCKET_BITS)
/* Hash lookups per source at most: a bucket with more lengths in use asks
 * the trie (bench_xdp: one hash probe ~15-20 ns, the trie ~110-130 ns). */
#define SG_ACL_PROBES		6

struct sg_acl_bucket4 {
	__u32 lens;		/* bit L - 17: a prefix of length L (17..32) lies in this /16 */
	__u8 verdict;		/* of the longest prefix of length <= 16 covering it */
	__u8 pad[3];
};

struct sg_acl_bucket6 {
	__u64 lens[2];		/* [0] bit L - 17 for L 17..80, [1] bit L - 81 for L 81..128 */
	__u8 verdict;		/* of the longest prefix of length <= 16 covering it */
	__u8 pad[7];
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
