// SPDX-License-Identifier: GPL-2.0-only
/* acl_opts.c - protect's list options; see acl_opts.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "acl_opts.h"
#include "common.h"
#include "num_parse.h"

static const char *const opt_names[] = { "--allow", "--allow-file", "--deny", "--deny-file" };

int sg_acl_opt_parse(struct sg_acl_opts *o, enum sg_acl_opt which, const char *arg,
		     char *err, size_t errlen)
{
	int l = which >= SG_ACL_OPT_DENY;
	char msg[512];
	size_t before = o->n[l];
	int rc;

	if (which == SG_ACL_OPT_ALLOW || which == SG_ACL_OPT_DENY)
		rc = sg_prefix_parse_list(arg, &o->v[l], &o->n[l], &o->cap[l], msg, sizeof(msg));
	else
		rc = sg_prefix_read_file(arg, &o->v[l], &o->n[l], &o->cap[l], msg, sizeof(msg));
	if (rc) {
		sg_set_err(err, errlen, "%s: %s", opt_names[which], msg);
		return -1;
	}
	if (o->n[l] == before) {
		sg_set_err(err, errlen, "%s: %s has no prefixes (to empty the list run 'synguard %s "
			   "flush IFACE')", opt_names[which], arg, l ? "deny" : "allow");
		return -1;
	}
	o->given[l] = true;
	return 0;
}

int sg_acl_max_parse(const char *arg, __u32 *out, char *err, size_t errlen)
{
	unsigned long v;

	if (sg_num_parse(arg, 1, SG_ACL_MAX_LIMIT, NULL, &v)) {
		sg_set_err(err, errlen, "bad --acl-max '%s': use 1..%u (prefixes per list and "
			   "family)", arg, SG_ACL_MAX_LIMIT);
		return -1;
	}
	*out = (__u32)v;
	return 0;
}

int sg_acl_opts_check(struct sg_acl_opts *o, char *err, size_t errlen)
{
	char s[64];

	for (int l = 0; l < 2; l++)
		o->n[l] = sg_prefix_dedup(o->v[l], o->n[l]);
	for (size_t i = 0, j = 0; i < o->n[0] && j < o->n[1]; ) {
		int c = sg_prefix_cmp(&o->v[0][i], &o->v[1][j]);

		if (!c) {
			sg_prefix_format(&o->v[0][i], s, sizeof(s));
			sg_set_err(err, errlen, "%s is given for both lists (--allow and --deny): a "
				   "prefix can be in only one", s);
			return -1;
		}
		if (c < 0)
			i++;
		else
			j++;
	}
	return 0;
}

void sg_acl_opts_free(struct sg_acl_opts *o)
{
	for (int l = 0; l < 2; l++) {
		free(o->v[l]);
		o->v[l] = NULL;
		o->n[l] = o->cap[l] = 0;
	}
}

void sg_acl_saved_free(struct sg_acl_saved *s)
{
	for (int l = 0; l < 2; l++) {
		free(s->v[l]);
		s->v[l] = NULL;
		s->taken[l] = false;
	}
}

static enum sg_acl_verdict list_of(int l)
{
	return l ? SG_ACL_DENY : SG_ACL_ALLOW;
}

/* The entries of cur that are also in the sorted want. */
static size_t intersect(struct sg_prefix *cur, size_t ncur, const struct sg_prefix *want,
			size_t nwant)
{
	size_t k = 0;

	for (size_t i = 0; i < ncur; i++)
		if (nwant && bsearch(&cur[i], want, nwant, sizeof(*want), sg_prefix_cmp))
			cur[k++] = cur[i];
	return k;
}

int sg_acl_opts_apply(const struct sg_acl_fds *m, struct sg_acl_opts *o,
		      struct sg_acl_saved *saved, char *err, size_t errlen)
{
	struct sg_acl_result r;
	struct sg_acl_state st;
	int rc, e;

	memset(saved, 0, sizeof(*saved));
	if (!o->given[0] && !o->given[1])
		return 0;
	if ((e = sg_acl_read_state(m, &st))) {
		sg_set_err(err, errlen, "cannot read the lists: %s", strerror(-e));
		return SG_EXIT_ERROR;
	}
	for (int l = 0; l < 2; l++) {
		if (!o->given[l])
			continue;
		if ((e = sg_acl_dump(m, list_of(l), &saved->v[l], &saved->n[l]))) {
			sg_set_err(err, errlen, "cannot read the %s list: %s",
				   sg_acl_list_name(list_of(l)), strerror(-e));
			sg_acl_saved_free(saved);
			return SG_EXIT_ERROR;
		}
		saved->taken[l] = true;
	}
	/* checks first: a prefix of the other list that stays there (that
	 * list not given) is a conflict; sizes */
	for (int l = 0; l < 2; l++) {
		size_t n4 = 0;

		if (!o->given[l])
			continue;
		for (size_t i = 0; i < o->n[l]; i++)
			n4 += o->v[l][i].family == AF_INET;
		if (n4 > st.max || o->n[l] - n4 > st.max) {
			sg_set_err(err, errlen, "the %s list would hold %zu %s prefixes, more than its "
				   "%u (protect --acl-max)", sg_acl_list_name(list_of(l)),
				   n4 > st.max ? n4 : o->n[l] - n4, n4 > st.max ? "IPv4" : "IPv6",
				   st.max);
			sg_acl_saved_free(saved);
			return SG_EXIT_USAGE;
		}
		if (o->given[!l])
			continue;
		if (!saved->taken[!l]) {
			if ((e = sg_acl_dump(m, list_of(!l), &saved->v[!l], &saved->n[!l]))) {
				sg_set_err(err, errlen, "cannot read the lists: %s", strerror(-e));
				sg_acl_saved_free(saved);
				return SG_EXIT_ERROR;
			}
		}
		for (size_t i = 0; i < saved->n[!l]; i++) {
			if (o->n[l] && bsearch(&saved->v[!l][i], o->v[l], o->n[l], sizeof(o->v[l][0]),
					       sg_prefix_cmp)) {
				char s[64];

				sg_prefix_format(&saved->v[!l][i], s, sizeof(s));
				sg_set_err(err, errlen, "%s is in the %s list: a prefix can be in only one "
					   "list (delete it there first, or give both lists)", s,
					   sg_acl_list_name(list_of(!l)));
				sg_acl_saved_free(saved);
				return SG_EXIT_USAGE;
			}
		}
		free(saved->v[!l]);
		saved->v[!l] = NULL;
		saved->n[!l] = 0;
	}
	/* deletions of both lists, then additions */
	for (int l = 0; l < 2; l++) {
		struct sg_prefix *keep;
		size_t nk;

		if (!o->given[l])
			continue;
		keep = malloc((saved->n[l] ? saved->n[l] : 1) * sizeof(*keep));
		if (!keep) {
			rc = SG_EXIT_ERROR;
			sg_set_err(err, errlen, "out of memory");
			goto undo;
		}
		memcpy(keep, saved->v[l], saved->n[l] * sizeof(*keep));
		nk = intersect(keep, saved->n[l], o->v[l], o->n[l]);
		rc = sg_acl_replace(m, list_of(l), keep, nk, &r, err, errlen);
		free(keep);
		if (rc)
			goto undo;
	}
	for (int l = 0; l < 2; l++) {
		if (!o->given[l])
			continue;
		rc = sg_acl_replace(m, list_of(l), o->v[l], o->n[l], &r, err, errlen);
		if (rc)
			goto undo;
	}
	return 0;
undo:
	sg_acl_opts_restore(m, saved);
	sg_acl_saved_free(saved);
	return rc;
}

void sg_acl_opts_restore(const struct sg_acl_fds *m, struct sg_acl_saved *s)
{
	struct sg_acl_result r;
	char err[256];

	/* shrink both to what they had in common with before, then refill */
	for (int l = 0; l < 2; l++)
		if (s->taken[l])
			sg_acl_replace(m, list_of(l), NULL, 0, &r, err, sizeof(err));
	for (int l = 0; l < 2; l++)
		if (s->taken[l] && sg_acl_replace(m, list_of(l), s->v[l], s->n[l], &r, err,
						  sizeof(err)))
			sg_warn("could not restore the %s list: %s", sg_acl_list_name(list_of(l)),
				err);
}
