/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ratelimit.h - per-CPU token buckets for answers XDP sends on its own
 * (RSTs for invalid cookie ACKs now, SYN-ACKs later), so that a flood cannot
 * turn the host into a reflector. One bucket per (limiter, CPU): no atomics,
 * no shared cache line; the cap is therefore per CPU, as documented.
 *
 * Rates come from map sg_limits (struct sg_limits, written only by
 * `protect`), tokens are kept in nano-tokens (1e9 per packet) so that refill
 * needs no division: tokens += elapsed_ns * rate, capped at one second's
 * worth (the burst). Rate 0: never allowed.
 */
#ifndef SG_BPF_RATELIMIT_H
#define SG_BPF_RATELIMIT_H

#include "synguard.h"

#define SG_RL_NS_PER_TOKEN	1000000000ULL
/* caps elapsed * rate below 2^64 for rates up to 2^32 - 1 */
#define SG_RL_MAX_ELAPSED	(1ULL << 31)

struct sg_rl_state {
	__u64 last_ns;		/* bpf_ktime_get_coarse_ns() of the last refill */
	__u64 tokens;		/* nano-tokens */
};

/* Limits, written only by protect (one entry) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_limits);
} sg_limits SEC(".maps");

/* Bucket state, written only by XDP: one per limiter, per CPU */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SG_RL_MAX);
	__type(key, __u32);
	__type(value, struct sg_rl_state);
} sg_rl SEC(".maps");

/* 1 if limiter id may send one more packet now on this CPU, else 0. */
static __always_inline int sg_rl_allow(enum sg_rl_id id)
{
	__u32 zero = 0, key = id;
	struct sg_limits *lim = bpf_map_lookup_elem(&sg_limits, &zero);
	struct sg_rl_state *st = bpf_map_lookup_elem(&sg_rl, &key);
	__u64 now, elapsed, cap, rate;

	if (!lim || !st || key >= SG_RL_MAX)
		return 0;
	rate = lim->rate[key & (SG_RL_MAX - 1)];
	if (!rate)
		return 0;
	cap = rate * SG_RL_NS_PER_TOKEN;
	now = bpf_ktime_get_coarse_ns();
	elapsed = now - st->last_ns;
	if (elapsed > SG_RL_MAX_ELAPSED)
		elapsed = SG_RL_MAX_ELAPSED;
	st->last_ns = now;
	st->tokens += elapsed * rate;
	if (st->tokens > cap)
		st->tokens = cap;
	if (st->tokens < SG_RL_NS_PER_TOKEN)
		return 0;
	st->tokens -= SG_RL_NS_PER_TOKEN;
	return 1;
}

#endif
