/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * handoff.h - give a validated cookie ACK to its listener with
 * bpf_sk_assign_tcp_reqsk() (tc ingress only, kernel >= 6.9), so that the
 * kernel builds an ordinary child socket from what the cookie carried.
 */
#ifndef SG_BPF_HANDOFF_H
#define SG_BPF_HANDOFF_H

#include "listener.h"
#include "lookup.h"
#include "handshake.h"

/* __weak: on a kernel without it (before 6.9) libbpf leaves it unresolved
 * instead of failing the whole object, and protect does not load sg_tc
 * (bpf_program__set_autoload), so that sg_xdp still loads (user/features.c). */
extern int bpf_sk_assign_tcp_reqsk(struct __sk_buff *skb, struct sock *sk,
				   struct bpf_tcp_req_attrs *attrs,
				   int attrs__sz) __ksym __weak;

/* Returns a TC_ACT_* verdict and counts the outcome. */
static __always_inline int sg_handoff(struct __sk_buff *skb, const struct sg_config *cfg,
				      const struct sg_pkt *p, __be16 sport,
				      __be16 dport, const struct sg_meta *m)
{
	struct bpf_tcp_req_attrs attrs = {};
	struct bpf_sock *skc;
	struct sock *sk;
	struct sg_lsn l;
	int ret;

	skc = sg_lookup(skb, p, sport, dport);
	if (!skc) {
		/* listener closed since XDP saw it: the kernel answers RST */
		sg_count(SG_CNT_TC_NO_LISTENER);
		return TC_ACT_OK;
	}
	if (skc->state != TCP_LISTEN_STATE) {
		/* a duplicate ACK already created the child: normal path */
		bpf_sk_release(skc);
		return TC_ACT_OK;
	}
	/* the kfunc wants the full socket; same reference as skc */
	sk = (struct sock *)bpf_skc_to_tcp_sock(skc);
	if (!sk || sg_listener_read(skc, &l)) {
		bpf_sk_release(skc);
		sg_count(SG_CNT_TC_HANDOFF_FAIL);
		return TC_ACT_SHOT;
	}

	/* the listener's TCP_MAXSEG clamps the client's MSS, as the kernel
	 * does when it parses a SYN (handshake.h) */
	attrs.mss = sg_hs_child_mss(m->mss, l.user_mss, p->ipv6);
	if (m->snd_wscale != SG_WSCALE_NONE) {
		/* wscale_ok means the client sent WS and we answered with ours:
		 * the cookie only says so when both held (see synack.h). Our
		 * scale is what the SYN-ACK announced (carried in the TSval);
		 * without timestamps it is not carried, and derived from the
		 * listener as the SYN path did. */
		attrs.wscale_ok = 1;
		attrs.snd_wscale = m->snd_wscale;
		attrs.rcv_wscale = m->rcv_wscale <= SG_MAX_WSCALE ? m->rcv_wscale :
				   sg_rcv_wscale(&l, cfg->rmem_max);
	}
	attrs.sack_ok = !!(m->opts & SG_META_SACK);
	/* a TS option in the ACK alone is not enough: the kfunc refuses
	 * tstamp_ok when the sysctl is off, and then we never echoed one */
	attrs.tstamp_ok = (m->opts & SG_META_TS) && l.ts_on;
	attrs.ecn_ok = !!(m->opts & SG_META_ECN);
	attrs.rcv_tsval = m->tsval;
	attrs.rcv_tsecr = m->tsecr;

	ret = bpf_sk_assign_tcp_reqsk(skb, sk, &attrs, sizeof(attrs));
	bpf_sk_release(skc);
	if (ret) {
		sg_count(SG_CNT_TC_HANDOFF_FAIL);
		return TC_ACT_SHOT;
	}
	sg_count(SG_CNT_TC_HANDOFF_OK);
	return TC_ACT_OK;
}

#endif
