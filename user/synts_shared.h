/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * synts_shared.h - the one SYN-arrival map (sg_synts) of a network namespace.
 *
 * Every `protect` in a network namespace reuses the sg_synts map of an
 * interface protected there already, so all protected interfaces record SYN
 * arrivals into one map and a tracer reads just that one. Interfaces protected
 * by an older synguard may still have a map of their own: sg_synts_pick()
 * then chooses the map most interfaces share.
 *
 * Who needs arrivals recorded: any attached BPF program, other than
 * synguard's own sg_xdp/sg_tc, that uses the map (a tracer reuses it with
 * bpf_map__reuse_fd). sg_trace.syn_times stays set while such a reader exists,
 * so that two tracers never turn each other's arrivals off.
 */
#ifndef SG_SYNTS_SHARED_H
#define SG_SYNTS_SHARED_H

#include <stdbool.h>
#include <linux/types.h>

#include "defense_maps.h"

/* Id of the BPF map behind fd, 0 on error. */
__u32 sg_map_id_of_fd(int fd);

/*
 * Among list[0..n), the index of the first interface whose sg_synts is the
 * map shared by the most interfaces (ties: lowest ifindex), or -1 if none has
 * one. *map_id gets its id, *others the number of interfaces whose synts map is
 * a different one (not shared with the chosen map).
 */
int sg_synts_pick(const struct sg_defense *list, int n, __u32 *map_id, int *others);

/* Attached BPF programs (bpf_links), other than synguard's defense programs,
 * that use the map map_id: > 0 while a tracer reads it. >= 0, or -errno. */
int sg_synts_readers(__u32 map_id);

/* Set or clear sg_trace.syn_times on every protected interface of the current
 * network namespace whose sg_synts is map_id (sg_trace, written by tracers
 * only; shared with sg_synts).
 * Returns the number of interfaces changed, or -errno. */
int sg_synts_set_trace(__u32 map_id, bool on);

#endif
