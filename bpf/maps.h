/* SPDX-License-Identifier: GPL-2.0-only */
/* maps.h - the maps of the defense object (synguard.bpf.c). */
#ifndef SG_BPF_MAPS_H
#define SG_BPF_MAPS_H

#include "synguard.h"

/* Configuration written by `protect`; one entry so one inlined lookup. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_config);
} sg_config SEC(".maps");

/* One counter per verdict reason (enum sg_counter), per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_stats);
} sg_stats SEC(".maps");

/* SYN arrival times for the tracer, written only while it asks for them */
#include "synts_map.h"

static __always_inline struct sg_config *sg_get_config(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sg_config, &zero);
}

static __always_inline void sg_count(enum sg_counter c)
{
	__u32 zero = 0;
	struct sg_stats *s = bpf_map_lookup_elem(&sg_stats, &zero);

	/* PERCPU_ARRAY index 0 always exists; the check is for the verifier */
	if (s && c < SG_CNT_MAX)
		s->cnt[c]++;
}

#endif
