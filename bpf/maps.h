/* SPDX-License-Identifier: GPL-2.0-only */
/* maps.h - the maps of the defense object (synguard.bpf.c). */
#ifndef SG_BPF_MAPS_H
#define SG_BPF_MAPS_H

#include "synguard.h"

/* Every map has one writer (docs/design.md "Who writes which map"). */

/* Configuration, written by `protect` only; one entry so one inlined lookup. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_config);
} sg_config SEC(".maps");

/* The key ring, written by `protect` only; not pinned (docs/design.md: who
 * can read the key). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_KEY_SLOTS);
	__type(key, __u32);
	__type(value, struct sg_key_slot);
} sg_keys SEC(".maps");

/* The tracers' request for SYN arrival times, written by tracers only. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_trace);
} sg_trace SEC(".maps");

/* What XDP learnt about the driver, written by XDP only. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_state);
} sg_state SEC(".maps");

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

static __always_inline struct sg_key_slot *sg_get_key(__u32 slot)
{
	return bpf_map_lookup_elem(&sg_keys, &slot);
}

static __always_inline struct sg_trace *sg_get_trace(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sg_trace, &zero);
}

static __always_inline struct sg_state *sg_get_state(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sg_state, &zero);
}

/* Metadata off: by protect --no-xdp-meta, or because XDP saw the driver
 * refuse it. Two writers, two maps. */
static __always_inline int sg_meta_off(const struct sg_config *cfg)
{
	struct sg_state *st;

	if (cfg->flags & SG_CFG_NO_XDP_META)
		return 1;
	st = sg_get_state();
	return st && st->meta_broken;
}

/* XDP's one write to its own map: the driver refused metadata. */
static __always_inline void sg_note_meta_broken(void)
{
	struct sg_state *st = sg_get_state();

	if (st && !st->meta_broken)
		st->meta_broken = 1;
}

/* Does a tracer want SYN arrival times? */
static __always_inline int sg_tracing_syn(void)
{
	struct sg_trace *t = sg_get_trace();

	return t && t->syn_times;
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
