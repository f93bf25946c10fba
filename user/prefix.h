/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * prefix.h - strict IPv4/IPv6 CIDR prefixes for the allow and deny lists.
 *
 * Accepted: "A.B.C.D/N" (N 0..32), "IPV6/N" (N 0..128), and a bare address
 * (a host: /32 or /128). Refused, with a message naming the problem: a
 * length past the family's bits (/33, /129), a length with a sign, leading
 * zeros or other text, an address inet_pton() refuses (so no zone ids, no
 * short IPv4 forms), host bits set beyond the length ("10.1.2.3/8": a typo
 * or a misunderstanding, and silently widening or narrowing it would
 * change what the operator meant; the message gives the network form), and
 * IPv4-mapped IPv6 addresses (XDP sees those sources as IPv4: the entry
 * would never match; the message gives the IPv4 form).
 */
#ifndef SG_PREFIX_H
#define SG_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct sg_prefix {
	__u8 family;		/* AF_INET or AF_INET6 */
	__u8 len;		/* prefix length */
	__u8 addr[16];		/* network order; IPv4 in the first 4 bytes, rest zero */
};

/* 0, or -1 with a message in err. */
int sg_prefix_parse(const char *s, struct sg_prefix *out, char *err, size_t errlen);

/* "10.0.0.0/8", "2001:db8::/32" (always with the length). */
void sg_prefix_format(const struct sg_prefix *p, char *buf, size_t len);

/* Same family, length and address. */
bool sg_prefix_eq(const struct sg_prefix *a, const struct sg_prefix *b);

/* Order for sorting and de-duplicating: family, address, length. */
int sg_prefix_cmp(const void *a, const void *b);

/*
 * A list of prefixes from a file: one per line, '#' starts a comment (also
 * after a prefix), blank lines are skipped, spaces around a prefix are
 * ignored. Lines longer than SG_PREFIX_LINE_MAX, files over
 * SG_PREFIX_FILE_MAX bytes or with a NUL byte are refused. Appends to
 * the vector v, n, cap (realloc'ed). 0, or -1 with "FILE:LINE: what" in err.
 */
#define SG_PREFIX_LINE_MAX	256
#define SG_PREFIX_FILE_MAX	(64 << 20)
int sg_prefix_read_file(const char *path, struct sg_prefix **v, size_t *n, size_t *cap,
			char *err, size_t errlen);
/* Parse text (the same format; source names it in messages). */
int sg_prefix_parse_text(const char *text, size_t textlen, const char *source,
			 struct sg_prefix **v, size_t *n, size_t *cap, char *err, size_t errlen);
/* "P[,P...]" (no spaces), appended as above. */
int sg_prefix_parse_list(const char *csv, struct sg_prefix **v, size_t *n, size_t *cap,
			 char *err, size_t errlen);
/* Append one prefix, growing the vector. 0 or -ENOMEM. */
int sg_prefix_push(struct sg_prefix **v, size_t *n, size_t *cap, const struct sg_prefix *p);
/* Sort and drop exact duplicates; returns the new count. */
size_t sg_prefix_dedup(struct sg_prefix *v, size_t n);

#endif
