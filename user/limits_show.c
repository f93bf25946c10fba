// SPDX-License-Identifier: GPL-2.0-only
/* limits_show.c - show the policy limits; see limits_show.h. */
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>

#include "limits_show.h"

void sg_limits_view_read(const struct sg_defense *d, struct sg_limits_view *v)
{
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi), zero = 0;

	memset(v, 0, sizeof(*v));
	if (d->limits_fd < 0 || bpf_map_lookup_elem(d->limits_fd, &zero, &v->l))
		return;
	if (d->src_fd >= 0 && !bpf_obj_get_info_by_fd(d->src_fd, &mi, &len))
		v->table = mi.max_entries;
	v->known = true;
}

void sg_limits_view_json(struct jw *w, const struct sg_limits_view *v)
{
	jw_name(w, "limits");
	if (!v->known) {
		jw_null(w);
		return;
	}
	jw_start_object(w);
	jw_uint_field(w, "rst_limit", v->l.rate[SG_RL_RST]);
	jw_uint_field(w, "synack_limit", v->l.rate[SG_RL_SYNACK]);
	jw_name(w, "syn_limit");
	if (v->l.src_interval_ns) {
		jw_start_object(w);
		jw_uint_field(w, "rate", v->l.src_rate);
		jw_uint_field(w, "burst", v->l.src_burst);
		jw_uint_field(w, "prefix4", v->l.src_plen4);
		jw_uint_field(w, "prefix6", v->l.src_plen6);
		jw_end_object(w);
	} else {
		jw_null(w);
	}
	jw_uint_field(w, "syn_limit_table", v->table);
	jw_end_object(w);
}

void sg_limits_view_text(const struct sg_limits_view *v)
{
	if (!v->known)
		return;
	if (v->l.src_interval_ns)
		printf("  syn:      at most %u/s per source prefix (/%u IPv4, /%u IPv6), burst %u, "
		       "%u prefixes tracked\n", v->l.src_rate, v->l.src_plen4, v->l.src_plen6,
		       v->l.src_burst, v->table);
	else
		printf("  syn:      no per-source limit\n");
	if (v->l.rate[SG_RL_SYNACK])
		printf("  synack:   at most %u/s (all CPUs)\n", v->l.rate[SG_RL_SYNACK]);
	else
		printf("  synack:   no cap\n");
	if (v->l.rate[SG_RL_RST])
		printf("  rst:      at most %u/s per CPU\n", v->l.rate[SG_RL_RST]);
	else
		printf("  rst:      off\n");
}
