// SPDX-License-Identifier: GPL-2.0-only
/* acl_index.c - the hashes and buckets of the lists; see acl_index.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include "acl_index.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524	/* the kernel's "operation not supported" (no batch ops) */
#endif

static size_t key_size(int family)
{
	return family == AF_INET6 ? sizeof(struct sg_acl_key6) : sizeof(struct sg_acl_key4);
}

static size_t bucket_size(int family)
{
	return family == AF_INET6 ? sizeof(struct sg_acl_bucket6) : sizeof(struct sg_acl_bucket4);
}

static int push(struct sg_acl_ent **v, size_t *n, size_t *cap, int family, const void *key,
		const struct sg_acl_val *val)
{
	struct sg_acl_ent *e;

	if (*n == *cap) {
		size_t nc = *cap ? 2 * *cap : 1024;
		struct sg_acl_ent *nv = realloc(*v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	e = &(*v)[(*n)++];
	memset(e, 0, sizeof(*e));
	e->p.family = (__u8)family;
	e->verdict = val->verdict;
	e->flags = val->flags;
	if (family == AF_INET6) {
		const struct sg_acl_key6 *k = key;

		e->p.len = (__u8)k->prefixlen;
		memcpy(e->p.addr, k->addr, 16);
	} else {
		const struct sg_acl_key4 *k = key;

		e->p.len = (__u8)k->prefixlen;
		memcpy(e->p.addr, &k->addr, 4);
	}
	return 0;
}

/* One by one, for kernels without batch lookups on hashes. */
static int entries_iter(int fd, int family, struct sg_acl_ent **v, size_t *n, size_t *cap)
{
	union { struct sg_acl_key4 k4; struct sg_acl_key6 k6; } key, next;
	struct sg_acl_val val;
	void *prev = NULL;
	int err;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &val))
			continue;	/* deleted meanwhile (we hold the lock: not by us) */
		if ((err = push(v, n, cap, family, &key, &val)))
			return err;
	}
	return errno == ENOENT ? 0 : -errno;
}

int sg_acl_entries(int fd, int family, struct sg_acl_ent **v, size_t *n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	size_t ksz = key_size(family), cap = 0, chunk = 8192;
	struct sg_acl_val *vals = NULL;
	__u32 in = 0, out = 0, cnt;
	bool first = true;
	char *keys = NULL;
	int err = 0;

	*v = NULL;
	*n = 0;
	for (;;) {
		if (!keys) {
			keys = malloc(chunk * ksz);
			vals = malloc(chunk * sizeof(*vals));
			if (!keys || !vals) {
				err = -ENOMEM;
				break;
			}
		}
		cnt = (__u32)chunk;
		err = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys, vals, &cnt, &opts);
		if (err && errno == ENOSPC) {
			/* one hash bucket holds more than chunk entries */
			free(keys);
			free(vals);
			keys = NULL;
			vals = NULL;
			chunk *= 4;
			continue;
		}
		if (err && first && (errno == EINVAL || errno == ENOTSUPP || errno == EOPNOTSUPP)) {
			err = entries_iter(fd, family, v, n, &cap);
			break;
		}
		if (err && errno != ENOENT) {
			err = -errno;
			break;
		}
		bool last = err;	/* ENOENT: that was the last batch */

		err = 0;
		for (__u32 i = 0; i < cnt && !err; i++)
			err = push(v, n, &cap, family, keys + i * ksz, &vals[i]);
		if (err || last)
			break;
		first = false;
		in = out;
	}
	free(keys);
	free(vals);
	if (err) {
		free(*v);
		*v = NULL;
		*n = 0;
	}
	return err;
}

/* The bucket of an address: its top SG_ACL_BUCKET_BITS bits. */
static __u32 bucket_of(const __u8 *addr)
{
	return ((__u32)addr[0] << 8 | addr[1]) >> (16 - SG_ACL_BUCKET_BITS);
}

__u32 sg_acl_bucket_of(const struct sg_prefix *p)
{
	return bucket_of(p->addr);
}

bool sg_acl_bucket_dense(int family, const void *b, __u32 idx)
{
	int n;

	if (family == AF_INET6) {
		const struct sg_acl_bucket6 *b6 = (const struct sg_acl_bucket6 *)b + idx;

		n = __builtin_popcountll(b6->lens[0]) + __builtin_popcountll(b6->lens[1]);
	} else {
		n = __builtin_popcount(((const struct sg_acl_bucket4 *)b + idx)->lens);
	}
	return n > SG_ACL_PROBES;	/* as bpf/acl.h decides */
}

static void set_len(int family, void *b, __u8 len)
{
	if (family == AF_INET6) {
		struct sg_acl_bucket6 *b6 = b;

		if (len <= 80)
			b6->lens[0] |= 1ULL << (len - 17);
		else
			b6->lens[1] |= 1ULL << (len - 81);
	} else {
		((struct sg_acl_bucket4 *)b)->lens |= 1U << (len - 17);
	}
}

int sg_acl_buckets_compute(int family, const struct sg_acl_ent *v, size_t n, void *b)
{
	size_t bsz = bucket_size(family);
	signed char *best = malloc(SG_ACL_BUCKETS);	/* length of the bucket's verdict */
	char *base = b;

	if (!best)
		return -ENOMEM;
	memset(b, 0, SG_ACL_BUCKETS * bsz);
	memset(best, -1, SG_ACL_BUCKETS);
	for (size_t i = 0; i < n; i++) {
		const struct sg_acl_ent *e = &v[i];
		__u32 first = bucket_of(e->p.addr);

		if (e->p.family != family || e->verdict == SG_ACL_NONE)
			continue;	/* the other family; an entry being deleted */

		if (e->p.len > SG_ACL_BUCKET_BITS) {
			set_len(family, base + first * bsz, e->p.len);
			continue;
		}
		/* a short prefix covers 2^(16 - len) whole buckets: the longest
		 * such prefix decides them (distinct prefixes of one length are
		 * disjoint, so this paints at most 17 x SG_ACL_BUCKETS) */
		__u32 cnt = 1U << (SG_ACL_BUCKET_BITS - e->p.len);

		for (__u32 j = first; j < first + cnt; j++) {
			if (best[j] >= (signed char)e->p.len)
				continue;
			best[j] = (signed char)e->p.len;
			if (family == AF_INET6)
				((struct sg_acl_bucket6 *)(base + j * bsz))->verdict = e->verdict;
			else
				((struct sg_acl_bucket4 *)(base + j * bsz))->verdict = e->verdict;
		}
	}
	free(best);
	return 0;
}

/* The buckets in the map now, into cur (batch lookup, else one by one). */
static int read_buckets(int fd, int family, void *cur)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	size_t bsz = bucket_size(family);
	__u32 *keys = malloc(SG_ACL_BUCKETS * sizeof(*keys)), out = 0, cnt = SG_ACL_BUCKETS;
	int err;

	if (!keys)
		return -ENOMEM;
	err = bpf_map_lookup_batch(fd, NULL, &out, keys, cur, &cnt, &opts);
	if ((!err || errno == ENOENT) && cnt == SG_ACL_BUCKETS) {
		/* an array's batch gives the keys in order: check */
		for (__u32 i = 0; i < cnt; i++)
			if (keys[i] != i)
				goto one_by_one;
		free(keys);
		return 0;
	}
one_by_one:
	free(keys);
	for (__u32 i = 0; i < SG_ACL_BUCKETS; i++)
		if (bpf_map_lookup_elem(fd, &i, (char *)cur + i * bsz))
			return -errno;
	return 0;
}

int sg_acl_buckets_write(int bucket_fd, int family, const void *want_v, size_t *written)
{
	size_t bsz = bucket_size(family), w = 0;
	const char *want = want_v;
	char *cur = malloc(SG_ACL_BUCKETS * bsz);
	int err;

	if (written)
		*written = 0;
	if (!cur)
		return -ENOMEM;
	__u32 *keys = malloc(SG_ACL_BUCKETS * sizeof(*keys)), cnt;
	char *vals = malloc(SG_ACL_BUCKETS * bsz);
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	if ((err = read_buckets(bucket_fd, family, cur)))
		goto out;
	/* the ones that differ, in one batch (a spread list touches most of
	 * the 65536), one by one where arrays have no batch updates */
	for (__u32 i = 0; i < SG_ACL_BUCKETS; i++) {
		if (!memcmp(want + i * bsz, cur + i * bsz, bsz))
			continue;
		keys[w] = i;
		memcpy(vals + w * bsz, want + i * bsz, bsz);
		w++;
	}
	cnt = (__u32)w;
	if (w && bpf_map_update_batch(bucket_fd, keys, vals, &cnt, &opts)) {
		err = -errno;
		if (err == -ENOTSUPP || err == -EOPNOTSUPP || err == -EINVAL) {
			err = 0;
			for (size_t i = 0; i < w && !err; i++)
				if (bpf_map_update_elem(bucket_fd, &keys[i], vals + i * bsz, BPF_ANY))
					err = -errno;
		}
	}
	if (written && !err)
		*written = w;
out:
	free(keys);
	free(vals);
	free(cur);
	return err;
}

int sg_acl_index_sync(int hash_fd, int bucket_fd, int family, size_t *written)
{
	struct sg_acl_ent *v = NULL;
	void *want = malloc(SG_ACL_BUCKETS * bucket_size(family));
	size_t n = 0;
	int err = want ? sg_acl_entries(hash_fd, family, &v, &n) : -ENOMEM;

	if (!err)
		err = sg_acl_buckets_compute(family, v, n, want);
	if (!err)
		err = sg_acl_buckets_write(bucket_fd, family, want, written);
	free(v);
	free(want);
	return err;
}
