/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * engage_defs.h - engagement mode (protect --engage always|auto[:PORTS]): the one
 * definition of its maps' values, shared by bpf/engage.h and the CLI.
 *
 * `always`: every SYN to a protected port gets a cookie (the behaviour
 * before this mode existed). `auto`: SYNs to a listener pass to the kernel
 * (its ordinary stateful handshake, TFO, SYN-ACK retransmits) until the
 * port is under pressure: more than `rate` SYNs in the current one-second
 * window, or the listener's SYN queue at least `queue_pct` percent full
 * (icsk_accept_queue.qlen against sk_max_ack_backlog, read through BTF).
 * Then cookies engage for that port; they disengage at the first SYN after
 * `hold_ns` without pressure. docs/design.md "Engagement".
 */
#ifndef SG_ENGAGE_DEFS_H
#define SG_ENGAGE_DEFS_H

#include "synguard.h"

/* Defaults (documented in docs/synguard.8.md and README). */
#define SG_ENGAGE_RATE_DEFAULT	1000U	/* SYNs per second per listener port */
#define SG_ENGAGE_QUEUE_DEFAULT	50U	/* percent of the listener's SYN queue */
#define SG_ENGAGE_HOLD_DEFAULT	10U	/* seconds without pressure before disengaging */
#define SG_ENGAGE_RATE_MAX	100000000U
#define SG_ENGAGE_HOLD_MAX	86400U

/* The rate window: SYNs are counted per port in fixed windows of one second;
 * the port is under rate pressure once its count passes `rate`. */
#define SG_ENGAGE_WINDOW_NS	1000000000ULL

/* Why a port engaged (sg_engage_port.engaged, sg_engage_event.reason). */
#define SG_ENGAGE_BY_RATE	(1U << 0)
#define SG_ENGAGE_BY_QUEUE	(1U << 1)

/* Map sg_engage_cfg (ARRAY, one entry), written only by `protect`/`apply`.
 * Read by XDP only when sg_config.flags has SG_CFG_ENGAGE_AUTO, so an
 * `always` interface pays nothing for it. */
struct sg_engage_cfg {
	__u64 auto_ports[SG_PORT_WORDS];	/* ports in auto mode (a subset of
						 * sg_config.ports); the others: always */
	__u64 hold_ns;		/* --engage-hold, in ns */
	__u32 rate;		/* --engage-rate: SYNs/s per port, 0: no rate trigger */
	__u32 queue_pct;	/* --engage-queue: 1..100, 0: no queue trigger */
	__u32 hold_s;		/* --engage-hold as given, for status */
	__u32 nauto;		/* ports in auto_ports, for status */
};

/* Map sg_engage (ARRAY indexed by the listener port, SG_NPORTS entries),
 * written only by XDP (its SYN path). Times are bpf_ktime_get_coarse_ns()
 * (CLOCK_MONOTONIC_COARSE). Plain counters may lose an increment when two
 * CPUs race; the state itself moves by compare-and-swap, so that each
 * transition is counted once. */
struct sg_engage_port {
	__u64 win_ns;		/* start of the current rate window */
	__u64 hot_ns;		/* last SYN that saw pressure (rate or queue) */
	__u64 change_ns;	/* last engage or disengage; 0: never */
	__u32 win_syns;		/* SYNs to this port in the current window, counted up
				 * to rate + 1 (then only read: no cache-line
				 * writes per SYN under a flood) */
	__u32 prev_syns;	/* ... in the window before (0 if it was not the
				 * one just before) */
	__u32 engaged;		/* 0: disengaged; else SG_ENGAGE_BY_* that engaged it */
	__u32 engages;		/* transitions, this port */
	__u32 disengages;
	__u32 queue_pct;	/* the queue fill the last SYN saw, percent */
};

/* Map sg_engage_log (ARRAY, one entry), written only by XDP: the last
 * SG_ENGAGE_LOG_SLOTS transitions of the interface, for `trace` and
 * `status`. Event k (from 0) is in ev[k % SLOTS] with seq k + 1, written
 * after its fields: a reader polls `next` and takes the events whose seq
 * it has not seen. */
#define SG_ENGAGE_LOG_SLOTS	64	/* a power of two */

struct sg_engage_event {
	__u64 seq;		/* k + 1; 0: slot never written */
	__u64 ts_ns;		/* bpf_ktime_get_coarse_ns() of the transition */
	__u16 port;
	__u8 engaged;		/* 1: engaged, 0: disengaged */
	__u8 reason;		/* SG_ENGAGE_BY_*: what engaged it (for a disengage:
				 * what had engaged it) */
	__u32 syns;		/* SYNs in the rate window at that moment */
	__u32 queue_pct;	/* queue fill at that moment */
	__u32 pad;
};

struct sg_engage_log {
	__u64 next;		/* events written so far */
	struct sg_engage_event ev[SG_ENGAGE_LOG_SLOTS];
};

/* The kernel's own SYN cookies: an ACK that finds only a listener and fails
 * our cookie check may carry one (the kernel answered the SYN while the port
 * was disengaged and its queue overflowed). The kernel accepts its cookie
 * only within TCP_SYNCOOKIE_VALID (120 s) of the listener's last overflow
 * stamp (tcp_synq_no_recent_overflow, in jiffies); HZ is not known in BPF,
 * so the window is taken for HZ = 1000, the largest HZ: at least as long
 * as the kernel's for every HZ, never shorter. */
#define SG_KCOOKIE_WINDOW_JIFFIES	(121U * 1000U)
#define SG_KCOOKIE_EARLY_JIFFIES	1000U	/* the kernel's "last_overflow - HZ" */

#endif /* SG_ENGAGE_DEFS_H */
