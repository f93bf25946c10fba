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

static int hash_of(const struct sg_acl_fds *m, int family)
{
	return family == AF_INET6 ? m->h6 : m->h4;
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

/* Which list holds exactly p (SG_ACL_NONE: neither): the hash has every
 * entry under its own length. */
static enum sg_acl_verdict exact(const struct sg_acl_fds *m, const struct sg_prefix *p)
{
	union { struct sg_acl_key4 k4; struct sg_acl_key6 k6; } key;
	struct sg_acl_val v;

	memset(&key, 0, sizeof(key));
	to_key(p, &key);
	if (bpf_map_lookup_elem(hash_of(m, p->family), &key, &v) || v.prefixlen != p->len)
		return SG_ACL_NONE;
	return (enum sg_acl_verdict)v.verdict;
}

/* Insert (BPF_NOEXIST) or delete the prefixes v[0..n) of one family, in a
 * batch where the kernel has batch operations for tries, else one by one.
 * *done: how many took effect (the first *done). 0 or -errno. */
static int apply_family(int fd, bool insert, enum sg_acl_verdict list,
			const struct sg_prefix *v, size_t n, size_t *done)
{
	/* batches take no BPF_NOEXIST (EINVAL); the caller checked that no
	 * entry exists, under the interface lock */
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	size_t ksz = v && n && v[0].family == AF_INET6 ? sizeof(struct sg_acl_key6) :
							   sizeof(struct sg_acl_key4);
	struct sg_acl_val *vals = NULL;
	char *keys;
	__u32 cnt;
	int err = 0;

	*done = 0;
	if (!n)
		return 0;
	keys = malloc(n * ksz);
	if (insert)
		vals = calloc(n, sizeof(*vals));
	if (!keys || (insert && !vals)) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		to_key(&v[i], keys + i * ksz);
		if (insert) {
			vals[i].verdict = (__u8)list;
			vals[i].prefixlen = v[i].len;
		}
	}
	cnt = (__u32)n;
	if (insert)
		err = bpf_map_update_batch(fd, keys, vals, &cnt, &opts);
	else
		err = bpf_map_delete_batch(fd, keys, &cnt, &opts);
	if (!err) {
		*done = n;
	} else if (errno == ENOTSUPP || errno == EOPNOTSUPP) {
		/* no batch operations on tries here: one by one */
		err = 0;
		for (size_t i = 0; i < n && !err; i++) {
			if (insert)
				err = bpf_map_update_elem(fd, keys + i * ksz, &vals[i], BPF_NOEXIST);
			else
				err = bpf_map_delete_elem(fd, keys + i * ksz);
			if (err)
				err = -errno;
			else
				(*done)++;
		}
	} else {
		err = -errno;
		*done = cnt;
	}
	free(keys);
	free(vals);
	return err;
}

/* v sorted by family: the IPv4 part, then the IPv6 part. */
static size_t v4_count(const struct sg_prefix *v, size_t n)
{
	size_t i = 0;

	while (i < n && v[i].family == AF_INET)
		i++;
	return i;
}

/* Insert or delete v[0..n) (one family) in its trie and its hash, undoing a
 * partial change on failure. */
static int apply_entries(int trie_fd, int hash_fd, bool insert, enum sg_acl_verdict list,
			 const struct sg_prefix *v, size_t n)
{
	size_t dt = 0, dh = 0, x;
	int err;

	err = apply_family(trie_fd, insert, list, v, n, &dt);
	if (!err)
		err = apply_family(hash_fd, insert, list, v, n, &dh);
	if (err) {
		apply_family(trie_fd, !insert, list, v, dt, &x);
		apply_family(hash_fd, !insert, list, v, dh, &x);
	}
	return err;
}

/* Insert or delete all of v (sorted), undoing a partial change on failure.
 * Only the entries: the buckets follow in sync_index(). */
static int apply_all(const struct sg_acl_fds *m, bool insert, enum sg_acl_verdict list,
		     const struct sg_prefix *v, size_t n)
{
	size_t n4 = v4_count(v, n);
	int err;

	err = apply_entries(m->fd4, m->h4, insert, list, v, n4);
	if (!err) {
		err = apply_entries(m->fd6, m->h6, insert, list, v + n4, n - n4);
		if (err)
			apply_entries(m->fd4, m->h4, !insert, list, v, n4);
	}
	return err;
}

/* The buckets of the families that v[0..n) (sorted) touches, rewritten
 * from their hashes: after the entries of an addition are in, after those
 * of a deletion are gone (include/acl_defs.h, "Live updates"). */
static int sync_families(const struct sg_acl_fds *m, bool v4, bool v6)
{
	int err = 0;

	if (v4)
		err = sg_acl_index_sync(m->h4, m->b4, AF_INET, NULL);
	if (!err && v6)
		err = sg_acl_index_sync(m->h6, m->b6, AF_INET6, NULL);
	return err;
}

static int sync_index(const struct sg_acl_fds *m, const struct sg_prefix *v, size_t n)
{
	size_t n4 = v4_count(v, n);

	return sync_families(m, n4 > 0, n > n4);
}

/* Entries and then buckets; on failure the entries are undone and the
 * buckets rewritten to match them again. */
static int apply_synced(const struct sg_acl_fds *m, bool insert, enum sg_acl_verdict list,
			const struct sg_prefix *v, size_t n)
{
	int err = apply_all(m, insert, list, v, n);

	if (err)
		return err;
	if ((err = sync_index(m, v, n))) {
		apply_all(m, !insert, list, v, n);
		sync_index(m, v, n);
	}
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

int sg_acl_add(const struct sg_acl_fds *m, enum sg_acl_verdict list, struct sg_prefix *v,
	       size_t n, struct sg_acl_result *r, char *err, size_t errlen)
{
	struct sg_acl_state st;
	size_t k = 0, n4, n6;
	int e;

	memset(r, 0, sizeof(*r));
	if ((e = sg_acl_read_state(m, &st)))
		return map_fail(e, err, errlen);
	n = sg_prefix_dedup(v, n);
	/* keep only the new ones, refusing conflicts before any change */
	for (size_t i = 0; i < n; i++) {
		enum sg_acl_verdict in = exact(m, &v[i]);

		if (in == list) {
			r->present++;
			continue;
		}
		if (in != SG_ACL_NONE)
			return conflict(&v[i], list, err, errlen);
		v[k++] = v[i];
	}
	count_families(v, k, &n4, &n6);
	if ((e = capacity(&st, list, st.n[slot(list, AF_INET)] + n4,
			  st.n[slot(list, AF_INET6)] + n6, err, errlen)))
		return e;
	if ((e = apply_synced(m, true, list, v, k)))
		return map_fail(e, err, errlen);
	st.n[slot(list, AF_INET)] += (__u32)n4;
	st.n[slot(list, AF_INET6)] += (__u32)n6;
	if ((e = write_state(m, &st))) {
		apply_synced(m, false, list, v, k);
		return map_fail(e, err, errlen);
	}
	r->added = k;
	return 0;
}

int sg_acl_del(const struct sg_acl_fds *m, enum sg_acl_verdict list, struct sg_prefix *v,
	       size_t n, struct sg_acl_result *r, char *err, size_t errlen)
{
	struct sg_acl_state st;
	size_t n4, n6;
	char s[64];
	int e;

	memset(r, 0, sizeof(*r));
	if ((e = sg_acl_read_state(m, &st)))
		return map_fail(e, err, errlen);
	n = sg_prefix_dedup(v, n);
	for (size_t i = 0; i < n; i++) {
		enum sg_acl_verdict in = exact(m, &v[i]);

		if (in == list)
			continue;
		sg_prefix_format(&v[i], s, sizeof(s));
		if (in == SG_ACL_NONE)
			sg_set_err(err, errlen, "%s is not in the %s list (nothing was deleted)", s,
				   sg_acl_list_name(list));
		else
			sg_set_err(err, errlen, "%s is in the %s list, not in the %s list (nothing "
				   "was deleted)", s, sg_acl_list_name(in), sg_acl_list_name(list));
		return SG_EXIT_USAGE;
	}
	if ((e = apply_synced(m, false, list, v, n)))
		return map_fail(e, err, errlen);
	count_families(v, n, &n4, &n6);
	st.n[slot(list, AF_INET)] -= (__u32)n4 <= st.n[slot(list, AF_INET)] ?
				     (__u32)n4 : st.n[slot(list, AF_INET)];
	st.n[slot(list, AF_INET6)] -= (__u32)n6 <= st.n[slot(list, AF_INET6)] ?
				      (__u32)n6 : st.n[slot(list, AF_INET6)];
	if ((e = write_state(m, &st))) {
		apply_synced(m, true, list, v, n);
		return map_fail(e, err, errlen);
	}
	r->removed = n;
	return 0;
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
	bool v4, v6;
	int e, rc = 0;

	memset(r, 0, sizeof(*r));
	if ((e = sg_acl_read_state(m, &st)))
		return map_fail(e, err, errlen);
	n = sg_prefix_dedup(v, n);
	count_families(v, n, &n4, &n6);
	if ((e = capacity(&st, list, n4, n6, err, errlen)))
		return e;
	if ((e = sg_acl_dump(m, list, &cur, &ncur)))
		return map_fail(e, err, errlen);
	del = malloc((ncur ? ncur : 1) * sizeof(*del));
	add = malloc((n ? n : 1) * sizeof(*add));
	if (!del || !add) {
		rc = map_fail(-ENOMEM, err, errlen);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (contains(cur, ncur, &v[i])) {
			r->present++;
			continue;
		}
		if (exact(m, &v[i]) != SG_ACL_NONE) {
			rc = conflict(&v[i], list, err, errlen);
			goto out;
		}
		add[nadd++] = v[i];
	}
	for (size_t i = 0; i < ncur; i++)
		if (!contains(v, n, &cur[i]))
			del[ndel++] = cur[i];
	/* deletions first: the tries hold 2 * max, both lists together */
	if ((e = apply_all(m, false, list, del, ndel))) {
		rc = map_fail(e, err, errlen);
		goto out;
	}
	if ((e = apply_all(m, true, list, add, nadd))) {
		apply_all(m, true, list, del, ndel);
		rc = map_fail(e, err, errlen);
		goto out;
	}
	/* the buckets once, after both: a length bit that only moves between
	 * entries of the same length never drops */
	v4 = v4_count(del, ndel) || v4_count(add, nadd);
	v6 = v4_count(del, ndel) < ndel || v4_count(add, nadd) < nadd;
	if ((e = sync_families(m, v4, v6))) {
		apply_all(m, false, list, add, nadd);
		apply_all(m, true, list, del, ndel);
		sync_families(m, v4, v6);
		rc = map_fail(e, err, errlen);
		goto out;
	}
	st.n[slot(list, AF_INET)] = (__u32)n4;
	st.n[slot(list, AF_INET6)] = (__u32)n6;
	if ((e = write_state(m, &st))) {
		apply_all(m, false, list, add, nadd);
		apply_all(m, true, list, del, ndel);
		sync_families(m, v4, v6);
		rc = map_fail(e, err, errlen);
		goto out;
	}
	r->added = nadd;
	r->removed = ndel;
out:
	free(cur);
	free(del);
	free(add);
	return rc;
}
