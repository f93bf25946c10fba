/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stats_percpu.h - `synguard stats --per-cpu`: the counters of each CPU, to
 * see how a multi-queue NIC spreads the load (and a flood) over CPUs.
 */
#ifndef SG_STATS_PERCPU_H
#define SG_STATS_PERCPU_H

#include "defense_maps.h"

/* Print the per-CPU table (or JSON) of each interface. 0 or an exit code. */
int sg_stats_print_percpu(const struct sg_defense *list, int n);

#endif
