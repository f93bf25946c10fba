/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * synts_map.h - the SYN-arrival map (see struct sg_synts_slot), defined once:
 * the defense object writes it, the tracer object reads it through
 * bpf_map__reuse_fd(), which needs the two definitions to match exactly.
 */
#ifndef SG_BPF_SYNTS_MAP_H
#define SG_BPF_SYNTS_MAP_H

#include "synguard.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_SYNTS_ENTRIES);
	__type(key, __u32);
	__type(value, struct sg_synts_slot);
} sg_synts SEC(".maps");

#endif
