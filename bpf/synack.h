/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * synack.h - turn a SYN into our SYN-cookie SYN-ACK, in place.
 *
 * Everything needed is read from the SYN into locals first; then the frame is
 * resized to exactly L2 + IP (20/40, options and extension headers stripped)
 * + TCP (20 + our options, SYN payload dropped) and the headers are written
 * fresh. VLAN tags stay where they are; MACs are swapped.
 */
#ifndef SG_BPF_SYNACK_H
#define SG_BPF_SYNACK_H

#include "csum.h"
#include "fixed_len.h"
#include "reply.h"
#include "cookie_bpf.h"
#include "listener.h"
#include "kcompat.h"


struct sg_synack {
	__u32 cookie;		/* our ISN */
	__u32 isn;		/* client's ISN */
	__u32 tsval;		/* our TSval (if ts) */
	__u32 tsecr;		/* the client's TSval (if ts) */
	__be16 sport;		/* the client's port (as in the SYN) */
	__be16 dport;		/* our port */
	__u16 mss;		/* the MSS we announce */
	__u16 window;
	__u8 ttl;
	__u8 wscale;		/* SG_WSCALE_NONE: no WS option */
	__u8 sack;
	__u8 ts;
	__u8 ecn;
};

/* What the SYN said, for sg_synack_plan(). */
struct sg_syn_in {
	struct sg_pkt p;
	struct sg_synopts o;
	struct sg_lsn l;
	__be16 sport;
	__be16 dport;
	__u32 isn;
};

/* Decide the SYN-ACK's contents as the kernel would for this listener, and
 * encode them with include/handshake.h. Global, like sg_synack_write(): each
 * option and sysctl is a branch, and verified inline their combinations
 * multiply with the caller's. Returns 0, or -1 (without config or key, or
 * for a handshake we cannot hand over as the kernel would make it). */
__noinline int sg_synack_plan(struct xdp_md *ctx, const struct sg_syn_in *in,
			      struct sg_synack *s)
{
	struct sg_config *cfg = sg_get_config();
	const struct sg_synopts *o;
	const struct sg_key_slot *k;
	__u32 slot;
	const struct sg_lsn *l;
	const struct sg_pkt *p;
	struct sg_hs_offer offer;
	__u32 mtu, adv, client_mss, isn;
	int ws_ok, sack_ok, ts_ok, ecn_ok;
	__u64 now, hash;
	__u16 sport, dport;

	if (!in || !s || !cfg)
		return -1;
	slot = sg_key_cur(cfg);
	k = sg_get_key(slot);
	if (!k)
		return -1;
	now = sg_now_ns(cfg);
	p = &in->p;
	o = &in->o;
	l = &in->l;
	sport = in->sport;
	dport = in->dport;
	isn = in->isn;

	/* our MSS: device MTU minus headers (dst_metric_advmss), TCP_MAXSEG.
	 * The MTU is the receiving device's (kcompat.h: no kfunc, so that the
	 * object loads before 6.2). */
	mtu = sg_xdp_dev_mtu(ctx);
	if (mtu == 0)
		mtu = 1500;
	adv = mtu - (p->ipv6 ? 60 : 40);
	if (adv > 0xffff)
		adv = 0xffff;
	if (l->user_mss && l->user_mss < adv)
		adv = l->user_mss;
	/* The child's MSS is the client's clamped by TCP_MAXSEG (handshake.h),
	 * but the kfunc refuses an IPv6 MSS below 1220: such a listener gets
	 * the kernel's own handshake, rather than a child with a larger MSS
	 * than it asked for. */
	if (p->ipv6 && l->user_mss && l->user_mss < SG_MSS6_0)
		return -1;

	ws_ok = o->wscale != SG_WSCALE_NONE && l->ws_on;
	sack_ok = o->sack && l->sack_on;
	ts_ok = o->ts && l->ts_on;
	/* RFC 3168: ECN-setup SYN (ECE+CWR) that is not itself ECT-marked */
	ecn_ok = (p->flags & (TCPF_ECE | TCPF_CWR)) == (TCPF_ECE | TCPF_CWR) &&
		 !(p->tos & 3) && l->ecn_on;

	client_mss = o->mss ? o->mss : (p->ipv6 ? 1220 : 536);
	offer.data = sg_cookie_data(sg_mss_index(p->ipv6, client_mss),
				    ws_ok ? o->wscale : SG_WSCALE_NONE, sack_ok, ecn_ok);
	offer.rcv_wscale = ws_ok ? sg_rcv_wscale(l, cfg->rmem_max) : 0;
	offer.ts = ts_ok;
	hash = sg_pkt_hash(k, slot, p, sport, dport, isn,
			   sg_hs_offer_tail(&offer, now, p->ipv6 ? 6 : 4));

	s->cookie = sg_hs_offer_seq(&offer, now, hash);
	s->sport = sport;
	s->dport = dport;
	s->ttl = cfg->ttl;
	s->isn = isn;
	s->mss = adv;
	s->window = sg_synack_window(l, adv - (ts_ok ? 12 : 0));
	s->wscale = ws_ok ? offer.rcv_wscale : SG_WSCALE_NONE;
	s->sack = sack_ok;
	s->ts = ts_ok;
	s->tsval = ts_ok ? sg_hs_offer_tsval(&offer, now, hash, sg_pkt_ts_off(k, p)) : 0;
	s->tsecr = o->tsval;
	s->ecn = ecn_ok;
	return 0;
}

/* Our options, in network order, and their number of 32-bit words.
 * Layout as Linux: MSS, [SACK_PERM|NOP NOP] TS, [NOP NOP SACK_PERM], NOP WS. */
static __always_inline int sg_synack_opts(const struct sg_synack *s, __u32 w[5])
{
	int n = 1;

	w[0] = bpf_htonl(0x02040000 | s->mss);
	if (s->ts) {
		w[1] = bpf_htonl(s->sack ? 0x0402080a : 0x0101080a);
		w[2] = bpf_htonl(s->tsval);
		w[3] = bpf_htonl(s->tsecr);
		n = 4;
	} else if (s->sack) {
		w[1] = bpf_htonl(0x01010402);
		n = 2;
	}
	if (s->wscale != SG_WSCALE_NONE) {
		/* fixed indices per case: variable-offset stack writes are
		 * harder on the verifier than three branches */
		__u32 ws = bpf_htonl(0x01030300 | s->wscale);

		if (n == 4)
			w[4] = ws;
		else if (n == 2)
			w[2] = ws;
		else
			w[1] = ws;
		n++;
	}
	return n;
}

/* Rewrite the SYN described by p into the SYN-ACK s. Returns 0 (send it with
 * XDP_TX) or -1 (frame could not be resized: leave it to the kernel).
 *
 * A global function on purpose: the number of option words decides packet
 * offsets, so the verifier tracks it precisely, and that precision flows back
 * into every ts/sack/wscale/listener branch of the caller, which then cannot
 * be pruned (1M instructions). Verified on its own, s is opaque input. */
__noinline int sg_synack_write(struct xdp_md *ctx, const struct sg_pkt *p,
			       const struct sg_synack *s)
{
	union { struct tcphdr th; __u32 w[5]; } t = {};
	__u32 opt[5] = {};
	__u32 l3, tcplen, i;
	struct tcphdr *th;
	void *data_end;
	__u32 *ow;
	__u64 sum;
	int nopt;

	if (!p || !s)
		return -1;
	l3 = p->l3_off;
	if (l3 > 22)	/* 14 + two VLAN tags; bounds l3 for the verifier */
		return -1;
	nopt = sg_synack_fit(ctx, l3, p->ipv6 ? 40 : 20, sg_synack_opts(s, opt), opt);
	if (nopt < 0)
		return -1;
	tcplen = 20 + nopt * 4;

	/* the TCP header, then its checksum over our own words */
	t.th.source = s->dport;
	t.th.dest = s->sport;
	t.th.seq = bpf_htonl(s->cookie);
	t.th.ack_seq = bpf_htonl(s->isn + 1);
	t.th.doff = tcplen / 4;
	t.th.syn = 1;
	t.th.ack = 1;
	t.th.ece = s->ecn;
	t.th.window = bpf_htons(s->window);
	sum = sg_csum_pseudo(p->daddr, p->saddr, p->ipv6, tcplen) +
	      sg_csum_words(t.w, 5) + sg_csum_words(opt, 5);
	t.th.check = sg_csum_fold(sum);

	th = sg_reply_start(ctx, p, l3, tcplen, s->ttl, 0);
	if (!th)
		return -1;
	*th = t.th;
	ow = (void *)(th + 1);
	data_end = (void *)(long)ctx->data_end;

	/* options: one bounds check per word, since their count varies (a
	 * bounded loop: clang cannot unroll it because of the break) */
	for (i = 0; i < 5; i++) {
		if (i >= (__u32)nopt)
			break;
		if ((void *)(ow + i + 1) > data_end)
			return -1;
		ow[i] = opt[i];
	}
	return 0;
}

/* Scratch of the SYN path, per CPU: on the stack it pushed the call chain
 * main -> SYN path -> plan -> hash past the 512-byte stack limit. */
struct sg_syn_scratch {
	struct sg_syn_in in;
	struct sg_synack out;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_syn_scratch);
} sg_scratch SEC(".maps");

static __always_inline struct sg_syn_scratch *sg_get_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sg_scratch, &zero);
}

#endif
