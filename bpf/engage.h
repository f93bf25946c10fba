/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * engage.h - engagement mode in XDP (protect --engage auto, include/
 * engage_defs.h): per listener port, decide on each SYN whether cookies are
 * engaged, and the check that lets the kernel's own cookie ACKs through.
 *
 * Maps: sg_engage_cfg (written by protect), sg_engage and sg_engage_log
 * (written by XDP only: this file). An interface without auto ports
 * (SG_CFG_ENGAGE_AUTO clear) never looks at them.
 */
#ifndef SG_BPF_ENGAGE_H
#define SG_BPF_ENGAGE_H

#include "engage_defs.h"
#include "maps.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_engage_cfg);
} sg_engage_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_NPORTS);
	__type(key, __u32);
	__type(value, struct sg_engage_port);
} sg_engage SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_engage_log);
} sg_engage_log SEC(".maps");

/* The auto-mode config if port is an auto port, else NULL (always). */
static __always_inline struct sg_engage_cfg *sg_engage_auto(const struct sg_config *cfg,
							   __u16 port)
{
	struct sg_engage_cfg *ec;
	__u32 zero = 0;

	if (!(cfg->flags & SG_CFG_ENGAGE_AUTO))
		return NULL;
	ec = bpf_map_lookup_elem(&sg_engage_cfg, &zero);
	if (!ec || !sg_port_is_set(ec->auto_ports, port))
		return NULL;
	return ec;
}

/* The listener's SYN queue: request sockets waiting for their final ACK
 * (icsk_accept_queue.qlen) and the most the kernel keeps before it turns
 * to its own cookies (sk_max_ack_backlog; the queue is full above it,
 * inet_csk_reqsk_queue_is_full). Read through BTF (CO-RE). */
static __always_inline void sg_engage_queue(struct bpf_sock *skc, __u32 *qlen, __u32 *backlog)
{
	struct tcp_sock *tp = bpf_skc_to_tcp_sock(skc);

	*qlen = 0;
	*backlog = 0;
	if (!tp)
		return;
	*qlen = (__u32)tp->inet_conn.icsk_accept_queue.qlen.counter;
	*backlog = tp->inet_conn.icsk_inet.sk.sk_max_ack_backlog;
}

/* Record a transition in the interface's log (sg_engage_log). */
static __always_inline void sg_engage_log_event(__u16 port, __u8 engaged, __u8 reason,
						__u32 syns, __u32 fill, __u64 now)
{
	struct sg_engage_log *log;
	struct sg_engage_event *e;
	__u32 zero = 0;
	__u64 k;

	log = bpf_map_lookup_elem(&sg_engage_log, &zero);
	if (!log)
		return;
	k = __sync_fetch_and_add(&log->next, 1);
	e = &log->ev[k & (SG_ENGAGE_LOG_SLOTS - 1)];
	e->seq = 0;	/* a reader skips the slot while it is rewritten */
	e->ts_ns = now;
	e->port = port;
	e->engaged = engaged;
	e->reason = reason;
	e->syns = syns;
	e->queue_pct = fill;
	e->seq = k + 1;
}

/*
 * One SYN to auto port `port`, whose listener sk the caller holds: count
 * it, update the port's state, and say whether cookies are engaged (1) or
 * the kernel answers (0). Inline: as a global function (scalars only, the
 * queue read in the caller) an engaged SYN cost 22 ns more than `always`,
 * inline and with the queue read skipped under rate pressure 11 ns.
 */
static __always_inline int sg_engage_step(const struct sg_engage_cfg *ec, __u32 port,
					  struct bpf_sock *sk)
{
	struct sg_engage_port *st;
	__u64 now, win;
	__u32 n, fill, reason = 0, was, qlen, backlog;

	port &= SG_NPORTS - 1;
	st = bpf_map_lookup_elem(&sg_engage, &port);
	if (!st)
		return 1;	/* cannot tell: cookies, as `always` */
	now = bpf_ktime_get_coarse_ns();
	win = st->win_ns;
	/* a new window: one CPU wins the swap and restarts the count (SYNs
	 * another CPU counts meanwhile may be lost: a rate, not a ledger) */
	if (now - win >= SG_ENGAGE_WINDOW_NS &&
	    __sync_val_compare_and_swap(&st->win_ns, win, now) == win) {
		st->prev_syns = now - win < 2 * SG_ENGAGE_WINDOW_NS ? st->win_syns : 0;
		st->win_syns = 0;
	}
	/* A window past the rate is not counted further: under a flood from
	 * many CPUs every SYN would write this cache line; this way they only
	 * read it until the window ends (its count shows the rate reached). */
	n = st->win_syns;
	if (!ec->rate || n <= ec->rate)
		n = __sync_fetch_and_add(&st->win_syns, 1) + 1;
	if (ec->rate && n > ec->rate)
		reason |= SG_ENGAGE_BY_RATE;
	/* the queue only when the rate does not already say "pressure" (a
	 * rate-triggered flood then skips the listener read) */
	if (ec->queue_pct && !reason) {
		sg_engage_queue(sk, &qlen, &backlog);
		/* listen(fd, 0) keeps one request: the queue is full above it */
		if (!backlog)
			backlog = 1;
		fill = qlen >= backlog ? 100 : qlen * 100 / backlog;
		if (fill >= ec->queue_pct)
			reason |= SG_ENGAGE_BY_QUEUE;
		if (st->queue_pct != fill)
			st->queue_pct = fill;
	}
	fill = st->queue_pct;
	/* the coarse clock moves once a tick: one write per tick, not per SYN */
	if (reason && st->hot_ns != now)
		st->hot_ns = now;
	was = st->engaged;
	if (!was) {
		if (!reason)
			return 0;
		/* the CPU that wins the swap counts and logs the transition */
		if (__sync_val_compare_and_swap(&st->engaged, 0, reason) == 0) {
			st->change_ns = now;
			st->engages++;
			sg_count(SG_CNT_ENGAGE);
			sg_engage_log_event(port, 1, reason, n, fill, now);
		}
		return 1;
	}
	/* engaged: stay so while pressure was seen within the hold time */
	if (reason || now - st->hot_ns <= ec->hold_ns)
		return 1;
	if (__sync_val_compare_and_swap(&st->engaged, was, 0) == was) {
		st->change_ns = now;
		st->disengages++;
		sg_count(SG_CNT_DISENGAGE);
		sg_engage_log_event(port, 0, was, n, fill, now);
	}
	return 0;
}

/* 1 if the stamp (jiffies) lies where the kernel still accepts cookies
 * made after it, for any HZ (SG_KCOOKIE_WINDOW_JIFFIES). 0 stamps: never. */
static __always_inline int sg_kcookie_stamp_recent(__u32 stamp, __u32 now)
{
	__u32 d = now - stamp;

	if (!stamp)
		return 0;
	return d <= SG_KCOOKIE_WINDOW_JIFFIES || -d <= SG_KCOOKIE_EARLY_JIFFIES;
}

/*
 * Did the listener send SYN cookies of the kernel's recently? The kernel
 * stamps the listener (tcp_synq_overflow(): rx_opt.ts_recent_stamp, or its
 * reuseport group's synq_overflow_ts) each time it sends one, and accepts
 * a cookie ACK only near that stamp. Both stamps are read (the kernel
 * uses one of them): a superset of what the kernel accepts. Cheap: no
 * stamp, no clock read.
 */
static __always_inline int sg_kcookies_recent(struct bpf_sock *skc)
{
	struct tcp_sock *tp = bpf_skc_to_tcp_sock(skc);
	struct sock_reuseport *reuse;
	__u32 own, group = 0, now;

	if (!tp)
		return 0;
	own = (__u32)tp->rx_opt.ts_recent_stamp;
	reuse = tp->inet_conn.icsk_inet.sk.sk_reuseport_cb;
	if (reuse)
		group = reuse->synq_overflow_ts;
	if (!own && !group)
		return 0;
	now = (__u32)bpf_jiffies64();
	return sg_kcookie_stamp_recent(own, now) || sg_kcookie_stamp_recent(group, now);
}

#endif
