/* SPDX-License-Identifier: GPL-2.0-only */
/* acl_show.h - the allow and deny list sizes in status (and the list reports). */
#ifndef SG_ACL_SHOW_H
#define SG_ACL_SHOW_H

#include "acl_maps.h"
#include "defense_maps.h"
#include "json.h"

/* The list fds of a protected interface; false for a build without lists. */
bool sg_acl_fds_of(const struct sg_defense *d, struct sg_acl_fds *m);

/* status: "acl": {...} (null without lists), or the text lines. */
void sg_acl_status_json(struct jw *w, const struct sg_defense *d);
void sg_acl_status_text(const struct sg_defense *d);

/* The counts as JSON fields: max, allow {ipv4, ipv6}, deny {...}, updated_unix. */
void sg_acl_state_fields(struct jw *w, const struct sg_acl_state *st);

#endif
