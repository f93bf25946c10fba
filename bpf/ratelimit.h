/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ratelimit.h - token buckets for answers XDP sends on its own (RSTs for
 * invalid cookie ACKs, SYN-ACKs), so that a flood cannot turn the host into
 * a reflector, and the bucket arithmetic the per-source SYN limit
 * (srclimit.h) shares. Rates come from map sg_limits (struct sg_limits,
 * written only by `protect`), index enum sg_rl_id.
 *
 * Two kinds of state, one rate table:
 * - sg_rl_allow(): one bucket per (limiter, CPU), no atomics, no shared
 *   cache line; the cap is per CPU (the RST cap, as documented). Tokens are
 *   kept in nano-tokens (1e9 per packet) so that refill needs no division:
 *   tokens += elapsed_ns * rate, capped at one second's worth (the burst).
 * - sg_rl_allow_shared(): one bucket per limiter for all CPUs, a GCRA
 *   (sg_gcra()) on one 64-bit word moved by compare-and-swap. Used where the
 *   rate is promised per interface (the SYN-ACK cap): per-CPU buckets give
 *   up to ncpus x the rate once RSS spreads a flood over the queues.
 */
#ifndef SG_BPF_RATELIMIT_H
#define SG_BPF_RATELIMIT_H

#include "synguard.h"

#define SG_RL_NS_PER_TOKEN	1000000000ULL
/* caps elapsed * rate below 2^64 for rates up to 2^32 - 1 */
#define SG_RL_MAX_ELAPSED	(1ULL << 31)
/* compare-and-swap attempts before a contended shared bucket says no: the
 * other CPU just took a token, so "no" errs on the side of the cap */
#define SG_GCRA_TRIES		3

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

/* Shared bucket state, written only by XDP: one GCRA word per limiter */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_RL_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sg_rl_shared SEC(".maps");

static __always_inline struct sg_limits *sg_get_limits(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sg_limits, &zero);
}

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

/*
 * GCRA (the "virtual scheduling" form of a token bucket): *tat is the time
 * at which the bucket would be full again. A packet is allowed if that time
 * is at most tau ahead of now; it then moves by one interval. Equivalent to
 * a bucket of rate 1/interval and burst tau/interval + 1, but one word, so
 * that all CPUs can share it with a compare-and-swap. 1: allowed.
 */
static __always_inline int sg_gcra(__u64 *tat, __u64 now, __u64 interval, __u64 tau)
{
	__u64 old = *(volatile __u64 *)tat, base, cur;

	for (int i = 0; i < SG_GCRA_TRIES; i++) {
		base = old > now ? old : now;
		if (base - now > tau)
			return 0;
		cur = __sync_val_compare_and_swap(tat, old, base + interval);
		if (cur == old)
			return 1;
		old = cur;
	}
	return 0;
}

/* 1 if limiter id may send one more packet now, counted over all CPUs;
 * burst: a 1/SG_SYNACK_BURST_DIV second's worth. Rate 0: no cap (1). now:
 * sg_policy_now(). */
static __always_inline int sg_rl_allow_shared(const struct sg_limits *lim, enum sg_rl_id id,
					      __u64 now)
{
	__u32 key = id & (SG_RL_MAX - 1);
	__u64 interval = lim->rl_interval_ns[key];
	__u64 *tat;

	if (!interval)
		return 1;
	tat = bpf_map_lookup_elem(&sg_rl_shared, &key);
	if (!tat)
		return 0;
	return sg_gcra(tat, now, interval, 1000000000ULL / SG_SYNACK_BURST_DIV);
}

/* The clock of the shared buckets, read once per packet, and only when a
 * shared limit is configured (0 otherwise: no check looks at it). */
static __always_inline __u64 sg_policy_now(const struct sg_limits *lim)
{
	if (!lim->src_interval_ns && !lim->rl_interval_ns[SG_RL_SYNACK])
		return 0;
	return bpf_ktime_get_coarse_ns();
}

#endif
