/* SPDX-License-Identifier: GPL-2.0-only */
/* limits_show.h - the policy limits of a protected interface (map
 * sg_limits, table sg_src) for `status`, as text and JSON. */
#ifndef SG_LIMITS_SHOW_H
#define SG_LIMITS_SHOW_H

#include <linux/types.h>

#include "defense_maps.h"
#include "json.h"

struct sg_limits_view {
	bool known;		/* the maps were readable */
	struct sg_limits l;
	__u32 table;		/* sg_src entries max */
};

void sg_limits_view_read(const struct sg_defense *d, struct sg_limits_view *v);
/* "limits": {...} into an open object */
void sg_limits_view_json(struct jw *w, const struct sg_limits_view *v);
/* "  syn: ...", "  synack: ...", "  rst: ..." lines */
void sg_limits_view_text(const struct sg_limits_view *v);

#endif
