// SPDX-License-Identifier: GPL-2.0-only
/* acl_maps.c - the writer of the allow and deny lists; see acl_maps.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include "acl_index.h"
#include "acl_maps.h"
#include "common.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524	/* the kernel's "operation not supported" (no batch ops) */
#endif

const char *sg_acl_list_name(enum sg_acl_verdict list)
{
	return list == SG_ACL_DENY ? "deny" : "allow";
}

static int slot(enum sg_acl_verdict list, int family)
{
	if (list == SG_ACL_DENY)
		return family == AF_INET6 ? SG_ACL_DENY6 : SG_ACL_DENY4;
	return family == AF_INET6 ? SG_ACL_ALLOW6 : SG_ACL_ALLOW4;
}

static const char *fam_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

/* A trie key from a prefix; returns its size. */
static size_t to_key(const struct sg_prefix *p, void *key)
{
	if (p->family == AF_INET6) {
		struct sg_acl_key6 *k = key;

		k->prefixlen = p->len;
		memcpy(k->addr, p->addr, 16);
		return sizeof(*k);
	}
	struct sg_acl_key4 *k = key;

	k->prefixlen = p->len;
	memcpy(&k->addr, p->addr, 4);
	return sizeof(*k);
}

int sg_acl_read_state(const struct sg_acl_fds *m, struct sg_acl_state *st)
{
	__u32 zero = 0;

	memset(st, 0, sizeof(*st));
	if (bpf_map_lookup_elem(m->state_fd, &zero, st))
		return -errno;
	if (!st->max) {
		struct bpf_map_info mi = {};
		__u32 len = sizeof(mi);

		if (bpf_obj_get_info_by_fd(m->fd4, &mi, &len))
			return -errno;
		st->max = mi.max_entries / 2;
	}
	return 0;
}

static int write_state(const struct sg_acl_fds *m, struct sg_acl_state *st)
{
	__u32 zero = 0;

	st->gen++;
	st->updated_unix = sg_now_real_ns() / 1000000000ULL;
	return bpf_map_update_elem(m->state_fd, &zero, st, BPF_ANY) ? -errno : 0;
}

int sg_acl_init(const struct sg_acl_fds *m, __u32 max)
{
	struct sg_acl_state st = { .max = max };
	__u32 zero = 0;

	return bpf_map_update_elem(m->state_fd, &zero, &st, BPF_ANY) ? -errno : 0;
}

/* Every entry of both lists with its hash flags, read once per change (one
 * batch read of each family's hash touched, rather than a lookup per
 * prefix), sorted by prefix in v[0..sorted). A change marks its deletions
 * SG_ACL_NONE (acl_index.c skips those) and appends its additions. */
struct snap {
	struct sg_acl_ent *v;
	size_t n, cap, sorted;
};

static int ent_cmp(const void *a, const void *b)
{
	return sg_prefix_cmp(&((const struct sg_acl_ent *)a)->p, &((const struct sg_acl_ent *)b)->p);
}

static int snap_grow(struct snap *s, size_t more)
{
	struct sg_acl_ent *nv;
	size_t nc;

	if (s->n + more <= s->cap)
		return 0;
	nc = s->n + more;
	nv = realloc(s->v, (nc ? nc : 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	s->v = nv;
	s->cap = nc;
	return 0;
}

/* The entries of the families asked for (v4, v6). */
static int snap_load(const struct sg_acl_fds *m, struct snap *s, bool v4, bool v6)
{
	int err = 0;

	memset(s, 0, sizeof(*s));
	for (int f = 0; f < 2 && !err; f++) {
		struct sg_acl_ent *e = NULL;
		size_t ne = 0;

		if (!(f ? v6 : v4))
			continue;
		err = sg_acl_entries(f ? m->h6 : m->h4, f ? AF_INET6 : AF_INET, &e, &ne);
		if (!err && !(err = snap_grow(s, ne))) {
			if (ne)
				memcpy(s->v + s->n, e, ne * sizeof(*e));
			s->n += ne;
		}
		free(e);
	}
	if (err) {
		free(s->v);
		memset(s, 0, sizeof(*s));
		return err;
	}
	s->sorted = s->n;
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), ent_cmp);
	return 0;
}

static struct sg_acl_ent *snap_find(const struct snap *s, const struct sg_prefix *p)
{
	struct sg_acl_ent key = { .p = *p };

	return s->sorted ? bsearch(&key, s->v, s->sorted, sizeof(*s->v), ent_cmp) : NULL;
}

/* Which list holds exactly p (SG_ACL_NONE: neither). */
static enum sg_acl_verdict exact(const struct snap *s, const struct sg_prefix *p)
{
	const struct sg_acl_ent *e = snap_find(s, p);

	return e ? (enum sg_acl_verdict)e->verdict : SG_ACL_NONE;
}

/* v sorted by family: the IPv4 part, then the IPv6 part. */
static size_t v4_count(const struct sg_prefix *v, size_t n)
{
	size_t i = 0;

	while (i < n && v[i].family == AF_INET)
		i++;
	return i;
}

static size_t key_size(int family)
{
	return family == AF_INET6 ? sizeof(struct sg_acl_key6) : sizeof(struct sg_acl_key4);
}

/* Write e[0..n) (one family) into a trie or hash, BPF_ANY: in a batch where
 * the kernel has batch operations for the map type, else one by one. */
static int put(int fd, int family, const struct sg_acl_ent *e, size_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	size_t ksz = key_size(family);
	struct sg_acl_val *vals;
	char *keys;
	__u32 cnt;
	int err = 0;

	if (!n)
		return 0;
	keys = malloc(n * ksz);
	vals = calloc(n, sizeof(*vals));
	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		to_key(&e[i].p, keys + i * ksz);
		vals[i].verdict = e[i].verdict;
		vals[i].prefixlen = e[i].p.len;
		vals[i].flags = e[i].flags;
	}
	cnt = (__u32)n;
	if (bpf_map_update_batch(fd, keys, vals, &cnt, &opts)) {
		err = -errno;
		if (err == -ENOTSUPP || err == -EOPNOTSUPP || err == -EINVAL) {
			err = 0;
			for (size_t i = 0; i < n && !err; i++)
				if (bpf_map_update_elem(fd, keys + i * ksz, &vals[i], BPF_ANY))
					err = -errno;
		}
	}
	free(keys);
	free(vals);
	return err;
}

/* Delete v[0..n) (one family); with missing_ok an absent key is no error. */
static int del(int fd, int family, const struct sg_prefix *v, size_t n, bool missing_ok)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	size_t ksz = key_size(family), i = 0;
	__u32 cnt;
	char *keys;
	int err = 0;

	if (!n)
		return 0;
	keys = malloc(n * ksz);
	if (!keys)
		return -ENOMEM;
	for (size_t j = 0; j < n; j++)
		to_key(&v[j], keys + j * ksz);
	cnt = (__u32)n;
	if (bpf_map_delete_batch(fd, keys, &cnt, &opts)) {
		err = -errno;
		if (err == -ENOTSUPP || err == -EOPNOTSUPP || err == -EINVAL)
			cnt = 0;	/* no batches: from the start, one by one */
		if (err == -ENOTSUPP || err == -EOPNOTSUPP || err == -EINVAL ||
		    (err == -ENOENT && missing_ok)) {
			err = 0;
			for (i = cnt; i < n && !err; i++)
				if (bpf_map_delete_elem(fd, keys + i * ksz) &&
				    !(errno == ENOENT && missing_ok))
					err = -errno;
		}
	}
	free(keys);
	return err;
}

static int trie_of(const struct sg_acl_fds *m, int f)
{
	return f ? m->fd6 : m->fd4;
}

static int hash_of(const struct sg_acl_fds *m, int f)
{
	return f ? m->h6 : m->h4;
}

static int buckets_of(const struct sg_acl_fds *m, int f)
{
	return f ? m->b6 : m->b4;
}

/* What one family's part of a change writes, in this order (include/
 * acl_defs.h, "Live updates"): */
struct fam_change {
	struct sg_prefix *trie_del;	/* 1. deleted entries that may be in the trie */
	size_t ntrie_del;
	const struct sg_prefix *del;	/* 2. deleted entries (hash) */
	size_t ndel;
	struct sg_acl_ent *hash_put;	/* 3. new entries, and old ones newly flagged */
	size_t nhash_put;
	struct sg_acl_ent *trie_put;	/* 4. entries the trie must hold now */
	size_t ntrie_put;
	void *want;			/* 5. the buckets */
};

static void fam_free(struct fam_change *c)
{
	free(c->trie_del);
	free(c->hash_put);
	free(c->trie_put);
	free(c->want);
	memset(c, 0, sizeof(*c));
}

/* Plan family f's part: s already has the deletions marked and additions
 * appended (flags 0); d[0..nd) the deleted prefixes, their old flags in
 * dflags. Sets SG_ACL_F_TRIE in s on every entry the trie must hold: all of
 * length <= 16, and all of a bucket that is dense after the change. */
static int plan(struct snap *s, int f, const struct sg_prefix *d, size_t nd,
		const __u8 *dflags, struct fam_change *c)
{
	int family = f ? AF_INET6 : AF_INET;
	size_t bsz = f ? sizeof(struct sg_acl_bucket6) : sizeof(struct sg_acl_bucket4);
	int err;

	memset(c, 0, sizeof(*c));
	c->del = d;
	c->ndel = nd;
	c->want = malloc(SG_ACL_BUCKETS * bsz);
	c->trie_del = malloc((nd ? nd : 1) * sizeof(*c->trie_del));
	c->hash_put = malloc((s->n ? s->n : 1) * sizeof(*c->hash_put));
	c->trie_put = malloc((s->n ? s->n : 1) * sizeof(*c->trie_put));
	if (!c->want || !c->trie_del || !c->hash_put || !c->trie_put)
		return -ENOMEM;
	for (size_t i = 0; i < nd; i++)
		if (dflags[i] & SG_ACL_F_TRIE)
			c->trie_del[c->ntrie_del++] = d[i];
	if ((err = sg_acl_buckets_compute(family, s->v, s->n, c->want)))
		return err;
	for (size_t i = 0; i < s->n; i++) {
		struct sg_acl_ent *e = &s->v[i];
		bool added = i >= s->sorted;

		if (e->p.family != family || e->verdict == SG_ACL_NONE)
			continue;
		if (!(e->flags & SG_ACL_F_TRIE) &&
		    (e->p.len <= SG_ACL_BUCKET_BITS ||
		     sg_acl_bucket_dense(family, c->want, sg_acl_bucket_of(&e->p)))) {
			e->flags |= SG_ACL_F_TRIE;
			c->trie_put[c->ntrie_put++] = *e;
			if (!added)
				c->hash_put[c->nhash_put++] = *e;	/* the flag */
		}
		if (added)
			c->hash_put[c->nhash_put++] = *e;
	}
	return 0;
}

static int fam_apply(const struct sg_acl_fds *m, int f, const struct fam_change *c)
{
	int family = f ? AF_INET6 : AF_INET, err;

	if ((err = del(trie_of(m, f), family, c->trie_del, c->ntrie_del, true)) ||
	    (err = del(hash_of(m, f), family, c->del, c->ndel, false)) ||
	    (err = put(hash_of(m, f), family, c->hash_put, c->nhash_put)) ||
	    (err = put(trie_of(m, f), family, c->trie_put, c->ntrie_put)))
		return err;
	return sg_acl_buckets_write(buckets_of(m, f), family, c->want, NULL);
}

/* Undo a change that failed or was taken back (best effort): the deleted
 * entries back (flagged, and in the trie), the added ones out of both,
 * the buckets from the hash. */
static void rollback(const struct sg_acl_fds *m, enum sg_acl_verdict list,
		     const struct sg_prefix *add, size_t nadd, const struct sg_prefix *d, size_t nd)
{
	size_t a4 = v4_count(add, nadd), d4 = v4_count(d, nd);

	for (int f = 0; f < 2; f++) {
		const struct sg_prefix *fd = f ? d + d4 : d, *fa = f ? add + a4 : add;
		size_t nfd = f ? nd - d4 : d4, nfa = f ? nadd - a4 : a4;
		int family = f ? AF_INET6 : AF_INET;
		struct sg_acl_ent *e;

		if (!nfd && !nfa)
			continue;
		e = calloc(nfd ? nfd : 1, sizeof(*e));
		for (size_t i = 0; e && i < nfd; i++) {
			e[i].p = fd[i];
			e[i].verdict = (__u8)list;
			e[i].flags = SG_ACL_F_TRIE;
		}
		if (e) {
			put(trie_of(m, f), family, e, nfd);
			put(hash_of(m, f), family, e, nfd);
		}
		free(e);
		del(hash_of(m, f), family, fa, nfa, true);
		del(trie_of(m, f), family, fa, nfa, true);
		sg_acl_index_sync(hash_of(m, f), buckets_of(m, f), family, NULL);
	}
}

/* The one way the lists change: delete d[0..nd) and add add[0..nadd) (both
 * sorted, of list; additions new, deletions present, as checked against
 * s, the snapshot of the families they touch). 0 or -errno, the change
 * undone on failure. */
static int commit(const struct sg_acl_fds *m, struct snap *s, enum sg_acl_verdict list,
		  const struct sg_prefix *add, size_t nadd, const struct sg_prefix *d, size_t nd)
{
	size_t a4 = v4_count(add, nadd), d4 = v4_count(d, nd);
	__u8 *dflags = malloc(nd ? nd : 1);
	struct fam_change c[2] = {};
	int err = 0;

	if (!dflags || snap_grow(s, nadd)) {
		free(dflags);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nd; i++) {
		struct sg_acl_ent *e = snap_find(s, &d[i]);

		dflags[i] = e ? e->flags : SG_ACL_F_TRIE;
		if (e)
			e->verdict = SG_ACL_NONE;
	}
	for (size_t i = 0; i < nadd; i++) {
		memset(&s->v[s->n], 0, sizeof(s->v[s->n]));
		s->v[s->n].p = add[i];
		s->v[s->n++].verdict = (__u8)list;
	}
	for (int f = 0; f < 2 && !err; f++) {
		size_t nfa = f ? nadd - a4 : a4, nfd = f ? nd - d4 : d4;

		if (!nfa && !nfd)
			continue;
		err = plan(s, f, f ? d + d4 : d, nfd, f ? dflags + d4 : dflags, &c[f]);
		if (!err)
			err = fam_apply(m, f, &c[f]);
	}
	if (err)
		rollback(m, list, add, nadd, d, nd);
	fam_free(&c[0]);
	fam_free(&c[1]);
	free(dflags);
	return err;
}

static void count_families(const struct sg_prefix *v, size_t n, size_t *n4, size_t *n6)
{
	*n4 = v4_count(v, n);
	*n6 = n - *n4;
}

static int capacity(const struct sg_acl_state *st, enum sg_acl_verdict list, size_t n4,
		    size_t n6, char *err, size_t errlen)
{
	if (n4 > st->max || n6 > st->max) {
		sg_set_err(err, errlen, "the %s list would hold %zu %s prefixes, more than its %u "
			   "(protect --acl-max)", sg_acl_list_name(list), n4 > st->max ? n4 : n6,
			   fam_name(n4 > st->max ? AF_INET : AF_INET6), st->max);
		return SG_EXIT_USAGE;
	}
	return 0;
}

static int map_fail(int e, char *err, size_t errlen)
{
	sg_set_err(err, errlen, "cannot update the lists: %s (nothing was changed)", strerror(-e));
	return SG_EXIT_ERROR;
}

static int conflict(const struct sg_prefix *p, enum sg_acl_verdict list, char *err, size_t errlen)
{
	char s[64];

	sg_prefix_format(p, s, sizeof(s));
	sg_set_err(err, errlen, "%s is in the %s list: a prefix can be in only one list (delete "
		   "it there first)", s, sg_acl_list_name(list == SG_ACL_ALLOW ? SG_ACL_DENY :
									  SG_ACL_ALLOW));
	return SG_EXIT_USAGE;
}

/* A few prefixes added: up to this many take the small path. */
#define SMALL_ADD	256

/* The hash's own answer for exactly p (SG_ACL_NONE: in neither list). */
static enum sg_acl_verdict exact_hash(const struct sg_acl_fds *m, const struct sg_prefix *p,
				      __u8 *flags)
{
	union { struct sg_acl_key4 k4; struct sg_acl_key6 k6; } key;
	struct sg_acl_val val;

	to_key(p, &key);
	if (bpf_map_lookup_elem(hash_of(m, p->family == AF_INET6), &key, &val) ||
	    val.prefixlen != p->len)
		return SG_ACL_NONE;
	if (flags)
		*flags = val.flags;
	return (enum sg_acl_verdict)val.verdict;
}

/* One bucket a small addition touches: as it is and as it will be. */
struct touched {
	int f;
	__u32 idx;
	union { struct sg_acl_bucket4 b4; struct sg_acl_bucket6 b6; } old, new;
};

static bool dense_one(int f, const void *b)
{
	return sg_acl_bucket_dense(f ? AF_INET6 : AF_INET, b, 0);
}

/*
 * The small path of an addition (the common live change: a few sources
 * blocked or trusted), without reading the whole list back: each prefix's
 * own hash lookup for the checks, and only the buckets it lies in, read and
 * OR-ed with its length bit (an addition only sets bits). Only prefixes
 * longer than /16 whose buckets do not turn dense by it: -EAGAIN (before any
 * change) sends the rest to the full path. Same order as commit(): hash,
 * trie (a bucket already dense asks the trie, so the entry goes there too,
 * flagged first), buckets. 0 or an exit code as sg_acl_add().
 */
static int add_small(const struct sg_acl_fds *m, enum sg_acl_verdict list, struct sg_prefix *v,
		     size_t n, struct sg_acl_state *st, struct sg_acl_result *r, char *err,
		     size_t errlen)
{
	struct touched t[SMALL_ADD];
	struct sg_acl_ent e[SMALL_ADD];
	struct sg_prefix w[SMALL_ADD];	/* the new ones (v stays as given) */
	size_t k = 0, nt = 0, n4, n6, a4, present = 0;
	int rc;

	if (n > SMALL_ADD)
		return -EAGAIN;
	for (size_t i = 0; i < n; i++)
		if (v[i].len <= SG_ACL_BUCKET_BITS)
			return -EAGAIN;
	for (size_t i = 0; i < n; i++) {
		enum sg_acl_verdict in = exact_hash(m, &v[i], NULL);

		if (in == list) {
			present++;
			continue;
		}
		if (in != SG_ACL_NONE)
			return conflict(&v[i], list, err, errlen);
		w[k++] = v[i];
	}
	v = w;
	count_families(v, k, &n4, &n6);
	if ((rc = capacity(st, list, st->n[slot(list, AF_INET)] + n4,
			   st->n[slot(list, AF_INET6)] + n6, err, errlen)))
		return rc;
	for (size_t i = 0; i < k; i++) {
		int f = v[i].family == AF_INET6;
		__u32 idx = sg_acl_bucket_of(&v[i]), j;
		__u8 len = v[i].len;

		for (j = 0; j < nt && (t[j].f != f || t[j].idx != idx); j++)
			;
		if (j == nt) {
			memset(&t[nt], 0, sizeof(t[nt]));
			t[nt].f = f;
			t[nt].idx = idx;
			if (bpf_map_lookup_elem(buckets_of(m, f), &idx, &t[nt].old))
				return map_fail(-errno, err, errlen);
			t[nt].new = t[nt].old;
			nt++;
		}
		if (!f)
			t[j].new.b4.lens |= 1U << (len - 17);
		else if (len <= 80)
			t[j].new.b6.lens[0] |= 1ULL << (len - 17);
		else
			t[j].new.b6.lens[1] |= 1ULL << (len - 81);
		memset(&e[i], 0, sizeof(e[i]));
		e[i].p = v[i];
		e[i].verdict = (__u8)list;
		/* the trie answers a dense bucket: the entry goes there too */
		e[i].flags = dense_one(f, &t[j].old) ? SG_ACL_F_TRIE : 0;
	}
	for (size_t j = 0; j < nt; j++)
		if (dense_one(t[j].f, &t[j].new) && !dense_one(t[j].f, &t[j].old))
			return -EAGAIN;	/* turns dense: its entries go to the trie first */
	a4 = v4_count(v, k);
	for (int f = 0; f < 2; f++) {
		const struct sg_acl_ent *fe = f ? e + a4 : e;
		size_t nf = f ? k - a4 : a4, nd = 0;
		struct sg_acl_ent *d = calloc(nf ? nf : 1, sizeof(*d));
		int x = d ? 0 : -ENOMEM;

		for (size_t i = 0; d && i < nf; i++)
			if (fe[i].flags & SG_ACL_F_TRIE)
				d[nd++] = fe[i];
		if (!x)
			x = put(hash_of(m, f), f ? AF_INET6 : AF_INET, fe, nf);
		if (!x)
			x = put(trie_of(m, f), f ? AF_INET6 : AF_INET, d, nd);
		free(d);
		if (x) {
			rollback(m, list, v, k, NULL, 0);
			return map_fail(x, err, errlen);
		}
	}
	for (size_t j = 0; j < nt; j++) {
		if (!memcmp(&t[j].new, &t[j].old, sizeof(t[j].new)))
			continue;
		if (bpf_map_update_elem(buckets_of(m, t[j].f), &t[j].idx, &t[j].new, BPF_ANY)) {
			rc = -errno;
			rollback(m, list, v, k, NULL, 0);
			return map_fail(rc, err, errlen);
		}
	}
	st->n[slot(list, AF_INET)] += (__u32)n4;
	st->n[slot(list, AF_INET6)] += (__u32)n6;
	if ((rc = write_state(m, st))) {
		rollback(m, list, v, k, NULL, 0);
		return map_fail(rc, err, errlen);
	}
	r->added = k;
	r->present = present;
	return 0;
}

int sg_acl_add(const struct sg_acl_fds *m, enum sg_acl_verdict list, struct sg_prefix *v,
	       size_t n, struct sg_acl_result *r, char *err, size_t errlen)
{
	struct sg_acl_state st;
	size_t k = 0, n4, n6;
	struct snap sn;
	int e, rc = 0;

	memset(r, 0, sizeof(*r));
	if ((e = sg_acl_read_state(m, &st)))
		return map_fail(e, err, errlen);
	n = sg_prefix_dedup(v, n);
	if ((rc = add_small(m, list, v, n, &st, r, err, errlen)) != -EAGAIN)
		return rc;
	rc = 0;
	if ((e = snap_load(m, &sn, v4_count(v, n) > 0, v4_count(v, n) < n)))
		return map_fail(e, err, errlen);
	/* keep only the new ones, refusing conflicts before any change */
	for (size_t i = 0; i < n; i++) {
		enum sg_acl_verdict in = exact(&sn, &v[i]);

		if (in == list) {
			r->present++;
			continue;
		}
		if (in != SG_ACL_NONE) {
			rc = conflict(&v[i], list, err, errlen);
			goto out;
		}
		v[k++] = v[i];
	}
	count_families(v, k, &n4, &n6);
	if ((rc = capacity(&st, list, st.n[slot(list, AF_INET)] + n4,
			   st.n[slot(list, AF_INET6)] + n6, err, errlen)))
		goto out;
	if ((e = commit(m, &sn, list, v, k, NULL, 0))) {
		rc = map_fail(e, err, errlen);
		goto out;
	}
	st.n[slot(list, AF_INET)] += (__u32)n4;
	st.n[slot(list, AF_INET6)] += (__u32)n6;
	if ((e = write_state(m, &st))) {
		rollback(m, list, v, k, NULL, 0);
		rc = map_fail(e, err, errlen);
		goto out;
	}
	r->added = k;
out:
	free(sn.v);
	return rc;
}

int sg_acl_del(const struct sg_acl_fds *m, enum sg_acl_verdict list, struct sg_prefix *v,
	       size_t n, struct sg_acl_result *r, char *err, size_t errlen)
{
	struct sg_acl_state st;
	size_t n4, n6;
	struct snap sn;
	char s[64];
	int e, rc = 0;

	memset(r, 0, sizeof(*r));
	if ((e = sg_acl_read_state(m, &st)))
		return map_fail(e, err, errlen);
	n = sg_prefix_dedup(v, n);
	if ((e = snap_load(m, &sn, v4_count(v, n) > 0, v4_count(v, n) < n)))
		return map_fail(e, err, errlen);
	for (size_t i = 0; i < n; i++) {
		enum sg_acl_verdict in = exact(&sn, &v[i]);

		if (in == list)
			continue;
		sg_prefix_format(&v[i], s, sizeof(s));
		if (in == SG_ACL_NONE)
			sg_set_err(err, errlen, "%s is not in the %s list (nothing was deleted)", s,
				   sg_acl_list_name(list));
		else
			sg_set_err(err, errlen, "%s is in the %s list, not in the %s list (nothing "
				   "was deleted)", s, sg_acl_list_name(in), sg_acl_list_name(list));
		rc = SG_EXIT_USAGE;
		goto out;
	}
	if ((e = commit(m, &sn, list, NULL, 0, v, n))) {
		rc = map_fail(e, err, errlen);
		goto out;
	}
	count_families(v, n, &n4, &n6);
	st.n[slot(list, AF_INET)] -= (__u32)n4 <= st.n[slot(list, AF_INET)] ?
				     (__u32)n4 : st.n[slot(list, AF_INET)];
	st.n[slot(list, AF_INET6)] -= (__u32)n6 <= st.n[slot(list, AF_INET6)] ?
				      (__u32)n6 : st.n[slot(list, AF_INET6)];
	if ((e = write_state(m, &st))) {
		rollback(m, list, NULL, 0, v, n);
		rc = map_fail(e, err, errlen);
		goto out;
	}
	r->removed = n;
out:
	free(sn.v);
	return rc;
}

/* One family's entries of list, from its hash. */
static int dump_family(int fd, int family, enum sg_acl_verdict list, struct sg_prefix **v,
		       size_t *n, size_t *cap)
{
	struct sg_acl_ent *e;
	size_t ne;
	int err = sg_acl_entries(fd, family, &e, &ne);

	for (size_t i = 0; i < ne && !err; i++)
		if (e[i].verdict == list && sg_prefix_push(v, n, cap, &e[i].p))
			err = -ENOMEM;
	free(e);
	return err;
}

int sg_acl_dump(const struct sg_acl_fds *m, enum sg_acl_verdict list, struct sg_prefix **v,
		size_t *n)
{
	size_t cap = 0;
	int err;

	*v = NULL;
	*n = 0;
	err = dump_family(m->h4, AF_INET, list, v, n, &cap);
	if (!err)
		err = dump_family(m->h6, AF_INET6, list, v, n, &cap);
	if (err) {
		free(*v);
		*v = NULL;
		*n = 0;
		return err;
	}
	if (*n)
		qsort(*v, *n, sizeof(**v), sg_prefix_cmp);
	return 0;
}

/* In sorted w[0..nw)? */
static bool contains(const struct sg_prefix *w, size_t nw, const struct sg_prefix *p)
{
	return nw && bsearch(p, w, nw, sizeof(*w), sg_prefix_cmp) != NULL;
}

int sg_acl_replace(const struct sg_acl_fds *m, enum sg_acl_verdict list, struct sg_prefix *v,
		   size_t n, struct sg_acl_result *r, char *err, size_t errlen)
{
	struct sg_prefix *cur = NULL, *del = NULL, *add = NULL;
	size_t ncur = 0, ndel = 0, nadd = 0, n4, n6;
	struct sg_acl_state st;
	struct snap sn;
	int e, rc = 0;

	memset(r, 0, sizeof(*r));
	if ((e = sg_acl_read_state(m, &st)))
		return map_fail(e, err, errlen);
	n = sg_prefix_dedup(v, n);
	count_families(v, n, &n4, &n6);
	if ((e = capacity(&st, list, n4, n6, err, errlen)))
		return e;
	if ((e = snap_load(m, &sn, true, true)))
		return map_fail(e, err, errlen);
	/* the list now, sorted as the snapshot is */
	cur = malloc((sn.n ? sn.n : 1) * sizeof(*cur));
	if (cur)
		for (size_t i = 0; i < sn.n; i++)
			if (sn.v[i].verdict == list)
				cur[ncur++] = sn.v[i].p;
	del = malloc((ncur ? ncur : 1) * sizeof(*del));
	add = malloc((n ? n : 1) * sizeof(*add));
	if (!cur || !del || !add) {
		rc = map_fail(-ENOMEM, err, errlen);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (contains(cur, ncur, &v[i])) {
			r->present++;
			continue;
		}
		if (exact(&sn, &v[i]) != SG_ACL_NONE) {
			rc = conflict(&v[i], list, err, errlen);
			goto out;
		}
		add[nadd++] = v[i];
	}
	for (size_t i = 0; i < ncur; i++)
		if (!contains(v, n, &cur[i]))
			del[ndel++] = cur[i];
	/* deletions first within each family (the maps hold 2 * max, both
	 * lists together) */
	if ((e = commit(m, &sn, list, add, nadd, del, ndel))) {
		rc = map_fail(e, err, errlen);
		goto out;
	}
	st.n[slot(list, AF_INET)] = (__u32)n4;
	st.n[slot(list, AF_INET6)] = (__u32)n6;
	if ((e = write_state(m, &st))) {
		rollback(m, list, add, nadd, del, ndel);
		rc = map_fail(e, err, errlen);
		goto out;
	}
	r->added = nadd;
	r->removed = ndel;
out:
	free(sn.v);
	free(cur);
	free(del);
	free(add);
	return rc;
}
