/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * listener.h - what the kernel would announce for a listener: its window
 * scale, its SYN-ACK window and MSS clamp, and its netns' TCP sysctls.
 * Mirrors tcp_openreq_init_rwin() and tcp_select_initial_window() so that a
 * connection looks the same with and without synguard.
 */
#ifndef SG_BPF_LISTENER_H
#define SG_BPF_LISTENER_H

#include "defs.h"
#include "kcompat.h"

#define SG_TCP_RMEM_TO_WIN_SCALE 8	/* include/net/tcp.h */

struct sg_lsn {
	__u32 full_space;	/* tcp_full_space(listener) */
	__u32 clamp;		/* rsk_window_clamp as tcp_openreq_init_rwin sets it */
	__u32 rmem2;		/* net.ipv4.tcp_rmem[2] */
	__u16 user_mss;		/* TCP_MAXSEG on the listener, 0 if unset */
	__u8 ws_on;		/* net.ipv4.tcp_window_scaling */
	__u8 sack_on;		/* net.ipv4.tcp_sack */
	__u8 ts_on;		/* net.ipv4.tcp_timestamps */
	__u8 ecn_on;		/* net.ipv4.tcp_ecn != 0 */
};

/* Read the listener through BTF. Returns 0, or -1 if it is not a TCP sock. */
static __always_inline int sg_listener_read(struct bpf_sock *skc, struct sg_lsn *l)
{
	struct tcp_sock *tp = bpf_skc_to_tcp_sock(skc);
	struct sock *sk;
	struct net *net;
	__u32 rcvbuf;

	if (!tp)
		return -1;
	sk = &tp->inet_conn.icsk_inet.sk;
	net = sk->__sk_common.skc_net.net;

	rcvbuf = sk->sk_rcvbuf;
	l->full_space = sg_tcp_full_space(tp, net, rcvbuf, SG_TCP_RMEM_TO_WIN_SCALE);
	l->clamp = tp->window_clamp;
	/* a user-locked (SO_RCVBUF) buffer limits the window (tcp_openreq_init_rwin) */
	if ((sg_sk_userlocks(sk) & SOCK_RCVBUF_LOCK) &&
	    (l->clamp > l->full_space || l->clamp == 0))
		l->clamp = l->full_space;
	if (l->clamp == 0)
		l->clamp = 0xffffU << SG_MAX_WSCALE;
	l->user_mss = tp->rx_opt.user_mss;
	l->rmem2 = net->ipv4.sysctl_tcp_rmem[2];
	l->ws_on = net->ipv4.sysctl_tcp_window_scaling;
	l->sack_on = net->ipv4.sysctl_tcp_sack;
	l->ts_on = net->ipv4.sysctl_tcp_timestamps;
	l->ecn_on = net->ipv4.sysctl_tcp_ecn != 0;
	return 0;
}

static __always_inline __u32 sg_ilog2(__u32 v)
{
	__u32 r = 0;

	/* no clz instruction in BPF: binary search */
	if (v >= 1U << 16) { v >>= 16; r += 16; }
	if (v >= 1U << 8) { v >>= 8; r += 8; }
	if (v >= 1U << 4) { v >>= 4; r += 4; }
	if (v >= 1U << 2) { v >>= 2; r += 2; }
	if (v >= 1U << 1) r += 1;
	return r;
}

/* tcp_select_initial_window(): the receive window scale for this listener. */
static __always_inline __u32 sg_rcv_wscale(const struct sg_lsn *l, __u32 rmem_max)
{
	__u32 space = l->full_space < l->clamp ? l->full_space : l->clamp;
	int ws;

	if (space < l->rmem2)
		space = l->rmem2;
	if (space < rmem_max)
		space = rmem_max;
	if (space > l->clamp)
		space = l->clamp;
	ws = (int)sg_ilog2(space) - 15;
	if (ws < 0)
		ws = 0;
	if (ws > SG_MAX_WSCALE)
		ws = SG_MAX_WSCALE;
	return ws;
}

/* The unscaled window of the SYN-ACK: min(space rounded down to the MSS, 64K). */
static __always_inline __u32 sg_synack_window(const struct sg_lsn *l, __u32 mss)
{
	__u32 space = l->full_space < l->clamp ? l->full_space : l->clamp;

	if (mss && space > mss)
		space -= space % mss;
	if (space > 0xffff)
		space = 0xffff;
	if (space == 0)
		space = 0xffff;	/* never announce a zero window */
	return space;
}

#endif
