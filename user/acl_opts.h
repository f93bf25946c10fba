/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * acl_opts.h - the list options of `protect`/`apply`: --allow P[,P...],
 * --allow-file F, --deny ..., --deny-file F (each repeatable), --acl-max N.
 *
 * A list given on protect becomes exactly what was given (the prefixes of
 * all its --allow/--allow-file options together), replacing what `allow add`
 * put there; a list not given is left as it is (a fresh protection starts
 * with both empty). So `apply` with "allow-file = F" in the config file,
 * and `systemctl reload`, make the allow list F's contents.
 */
#ifndef SG_ACL_OPTS_H
#define SG_ACL_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "acl_maps.h"

struct sg_acl_opts {
	struct sg_prefix *v[2];		/* [0] allow, [1] deny */
	size_t n[2], cap[2];
	bool given[2];
	__u32 max;			/* --acl-max, 0: SG_ACL_MAX_DEFAULT */
	bool max_given;
};

enum sg_acl_opt { SG_ACL_OPT_ALLOW, SG_ACL_OPT_ALLOW_FILE, SG_ACL_OPT_DENY,
		  SG_ACL_OPT_DENY_FILE };

/* One option's value: 0, or -1 with a message naming the option in err. */
int sg_acl_opt_parse(struct sg_acl_opts *o, enum sg_acl_opt which, const char *arg,
		     char *err, size_t errlen);
/* --acl-max N: 1..SG_ACL_MAX_LIMIT */
int sg_acl_max_parse(const char *arg, __u32 *out, char *err, size_t errlen);
/* After all options: the same prefix in both lists is refused. */
int sg_acl_opts_check(struct sg_acl_opts *o, char *err, size_t errlen);
void sg_acl_opts_free(struct sg_acl_opts *o);

/* What the lists were before sg_acl_opts_apply(), to put them back. */
struct sg_acl_saved {
	struct sg_prefix *v[2];
	size_t n[2];
	bool taken[2];
};

/* Make the given lists what o says: deletions of both lists first, then
 * additions, so that a prefix may move from one list to the other in one
 * call. Everything is checked before the first change. 0 or an exit code
 * with a message in err; *saved filled for sg_acl_opts_restore(). */
int sg_acl_opts_apply(const struct sg_acl_fds *m, struct sg_acl_opts *o,
		      struct sg_acl_saved *saved, char *err, size_t errlen);
/* Put the lists back (best effort, after a later step of protect failed). */
void sg_acl_opts_restore(const struct sg_acl_fds *m, struct sg_acl_saved *saved);
void sg_acl_saved_free(struct sg_acl_saved *saved);

#endif
