// SPDX-License-Identifier: GPL-2.0-only
/* acl_show.c - list sizes for status; see acl_show.h. */
#include <stdio.h>

#include "acl_show.h"

bool sg_acl_fds_of(const struct sg_defense *d, struct sg_acl_fds *m)
{
	m->fd4 = d->acl4_fd;
	m->fd6 = d->acl6_fd;
	m->state_fd = d->acl_fd;
	m->h4 = d->aclx_fd[0];
	m->h6 = d->aclx_fd[1];
	m->b4 = d->aclx_fd[2];
	m->b6 = d->aclx_fd[3];
	/* a build with the tries but not the fast structure (before it) is
	 * an older build too: its lists cannot be kept consistent here */
	return m->fd4 >= 0 && m->fd6 >= 0 && m->state_fd >= 0 && m->h4 >= 0 && m->h6 >= 0 &&
	       m->b4 >= 0 && m->b6 >= 0;
}

void sg_acl_state_fields(struct jw *w, const struct sg_acl_state *st)
{
	jw_uint_field(w, "max", st->max);
	jw_name(w, "allow");
	jw_start_object(w);
	jw_uint_field(w, "ipv4", st->n[SG_ACL_ALLOW4]);
	jw_uint_field(w, "ipv6", st->n[SG_ACL_ALLOW6]);
	jw_end_object(w);
	jw_name(w, "deny");
	jw_start_object(w);
	jw_uint_field(w, "ipv4", st->n[SG_ACL_DENY4]);
	jw_uint_field(w, "ipv6", st->n[SG_ACL_DENY6]);
	jw_end_object(w);
	jw_uint_field(w, "updated_unix", st->updated_unix);
}

void sg_acl_status_json(struct jw *w, const struct sg_defense *d)
{
	struct sg_acl_fds m;
	struct sg_acl_state st;

	jw_name(w, "acl");
	if (!sg_acl_fds_of(d, &m) || sg_acl_read_state(&m, &st)) {
		jw_null(w);
		return;
	}
	jw_start_object(w);
	sg_acl_state_fields(w, &st);
	jw_end_object(w);
}

void sg_acl_status_text(const struct sg_defense *d)
{
	struct sg_acl_fds m;
	struct sg_acl_state st;

	if (!sg_acl_fds_of(d, &m) || sg_acl_read_state(&m, &st)) {
		printf("  lists:    none (a build without allow/deny lists)\n");
		return;
	}
	printf("  allow:    %u IPv4, %u IPv6 prefixes\n", st.n[SG_ACL_ALLOW4], st.n[SG_ACL_ALLOW6]);
	printf("  deny:     %u IPv4, %u IPv6 prefixes (at most %u per list and family)\n",
	       st.n[SG_ACL_DENY4], st.n[SG_ACL_DENY6], st.max);
}
