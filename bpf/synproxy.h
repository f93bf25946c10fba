/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * synproxy.h - the 6.0-6.8 defense with nftables SYNPROXY (SG_CFG_SYNPROXY,
 * docs/design.md "Kernels 6.0-6.8"). XDP answers SYNs to a listener as in
 * the handoff design (same checks, same planner, so MSS, window scale, SACK,
 * timestamps and ECN are what the kernel would announce for that listener),
 * but with the kernel's own cookie (bpf_tcp_raw_gen_syncookie_*, the
 * kernel's secret) and, with timestamps, the kernel's TS cookie layout: the
 * client's window scale, SACK and ECN in the low 6 bits of our TSval, which
 * is where nf_synproxy_core's synproxy_check_timestamp_cookie() reads them.
 *
 * The final ACK finds only the listener; XDP checks its cookie
 * (bpf_tcp_raw_check_syncookie_*, kcookie.h), drops it if invalid, else
 * tags it with one metadata word. sg_tc_spx turns the tag into the skb mark
 * SG_SPX_MARK, and the rule of synguard's nft table (user/nft_synproxy.c)
 * hands exactly those packets to the kernel's synproxy, which checks the
 * cookie again, opens the connection to the listener with the client's
 * options (from the cookie and the TS bits) and translates sequence numbers
 * and timestamps through conntrack for the connection's life.
 *
 * Why a mark and not the `ct state invalid` of the kernel selftest
 * xdp_synproxy: conntrack cannot tell a cookie ACK from a packet of a
 * connection it never saw (one established before protect, or with
 * nf_conntrack_tcp_loose on, picked up mid-stream); XDP can, by the socket
 * lookup it makes anyway. So no sysctl is changed and no established
 * connection is touched by the rule; established packets pay no conntrack
 * lookup in XDP (the socket lookup answers), only conntrack itself in the
 * stack, which seqadj needs.
 */
#ifndef SG_BPF_SYNPROXY_H
#define SG_BPF_SYNPROXY_H

#include "parse.h"
#include "synack.h"
#include "kcookie.h"
#include "verdict.h"

/* The kernel's TS cookie (net/ipv4/syncookies.c, TS_OPT_*): the low 6 bits
 * of our TSval are the client's window scale (0xf: none), SACK, ECN. */
#define SG_SPX_TS_BITS		6
#define SG_SPX_TS_WS_NONE	0xfU
#define SG_SPX_TS_SACK		(1U << 4)
#define SG_SPX_TS_ECN		(1U << 5)
#define SG_SPX_MAX_WSCALE	14

/* What bpf_tcp_raw_gen_syncookie_*() reads: the addresses, the ports, the
 * client's ISN and its MSS option. Built here rather than pointing the
 * helper at the SYN: its TCP length argument must be a constant the
 * verifier can check against the memory, and the SYN's own length varies
 * (the kernel selftest grows every packet to 60 bytes of TCP for that). */
struct sg_spx_hdrs {
	union {
		struct iphdr v4;
		struct ipv6hdr v6;
	} ip;
	struct tcphdr th;
	__be32 mss_opt;
};

/* per CPU: the SYN path's stack is at its limit (synack.h) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_spx_hdrs);
} sg_spx_scratch SEC(".maps");

/*
 * Turn the plan of synack.h (s) into the synproxy design's SYN-ACK: the
 * kernel's cookie as our ISN and, with timestamps, the kernel's TS cookie
 * bits. Without timestamps the kernel's cookie carries only the MSS class,
 * so window scaling, SACK and ECN are not offered (as the kernel's own
 * cookies do). Global: verified once, in and s opaque. 0 or -1.
 */
__noinline int sg_spx_synack(const struct sg_syn_in *in, struct sg_synack *s)
{
	struct sg_spx_hdrs *h;
	__u32 zero = 0, ts;
	__u16 mss;
	__s64 v;

	if (!in || !s)
		return -1;
	h = bpf_map_lookup_elem(&sg_spx_scratch, &zero);
	if (!h)
		return -1;
	__builtin_memset(h, 0, sizeof(*h));
	/* the MSS the kernel would encode: the client's, clamped by the
	 * listener's TCP_MAXSEG (tcp_parse_options' mss_clamp); the helper
	 * falls back to 536 itself only without an option */
	mss = in->o.mss ? in->o.mss : 536;
	if (in->l.user_mss && in->l.user_mss < mss)
		mss = in->l.user_mss;
	h->th.source = in->sport;
	h->th.dest = in->dport;
	h->th.seq = bpf_htonl(in->isn);
	h->th.doff = sizeof(struct tcphdr) / 4 + 1;
	h->th.syn = 1;
	h->mss_opt = bpf_htonl(0x02040000U | mss);
	if (in->p.ipv6) {
		__builtin_memcpy(&h->ip.v6.saddr, in->p.saddr, 16);
		__builtin_memcpy(&h->ip.v6.daddr, in->p.daddr, 16);
		h->ip.v6.version = 6;
		h->ip.v6.nexthdr = IPPROTO_TCP;
		v = bpf_tcp_raw_gen_syncookie_ipv6(&h->ip.v6, &h->th, sizeof(h->th) + 4);
	} else {
		h->ip.v4.saddr = in->p.saddr[0];
		h->ip.v4.daddr = in->p.daddr[0];
		h->ip.v4.version = 4;
		h->ip.v4.ihl = 5;
		h->ip.v4.protocol = IPPROTO_TCP;
		v = bpf_tcp_raw_gen_syncookie_ipv4(&h->ip.v4, &h->th, sizeof(h->th) + 4);
	}
	if (v < 0)
		return -1;
	s->cookie = (__u32)v;
	if (!s->ts) {
		s->wscale = SG_WSCALE_NONE;
		s->sack = 0;
		s->ecn = 0;
		return 0;
	}
	/* window scaling offered (the planner's choice) <=> the client sent
	 * one; the kernel clamps the client's to 14 (tcp_parse_options) */
	if (s->wscale != SG_WSCALE_NONE)
		ts = in->o.wscale < SG_SPX_MAX_WSCALE ? in->o.wscale : SG_SPX_MAX_WSCALE;
	else
		ts = SG_SPX_TS_WS_NONE;
	if (s->sack)
		ts |= SG_SPX_TS_SACK;
	if (s->ecn)
		ts |= SG_SPX_TS_ECN;
	/* any clock will do (synproxy keeps the offset to the listener's
	 * TSval per connection); a millisecond one, like the kernel's */
	s->tsval = ((__u32)(bpf_ktime_get_ns() / 1000000) & ~((1U << SG_SPX_TS_BITS) - 1)) | ts;
	return 0;
}

/* The age in ms of the SYN-ACK an ACK answers, by the TSval it echoes (ours:
 * milliseconds of CLOCK_MONOTONIC, the low SG_SPX_TS_BITS the cookie's
 * options, sg_spx_synack), or SG_SPX_NO_TS without a timestamp. A TSecr from
 * another clock (a connection this host does not know: another host, or
 * the server's own clock as translated by SYNPROXY, long idle) gives any
 * value, mostly huge. */
#define SG_SPX_NO_TS	0xffffffffU
/* Verifier workaround: a subprogram of its own. Inline, the option walk's
 * struct sat in sg_ack_listener's frame, and sg_xdp -> sg_ack_listener ->
 * sg_rst_write took 528 bytes of stack ("combined stack size ... Too
 * large", the limit is 512). */
static __noinline __u32 sg_spx_ack_age_ms(struct xdp_md *ctx, const struct sg_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 tsval, tsecr;

	if (!p)
		return SG_SPX_NO_TS;
	if (!sg_parse_ts(data, data_end, p, &tsval, &tsecr))
		return SG_SPX_NO_TS;
	return (__u32)(bpf_ktime_get_ns() / 1000000) - (tsecr & ~((1U << SG_SPX_TS_BITS) - 1));
}

/* --max-ack-age in ms (sg_config keeps it in handshake ticks of 2^20 ns) */
static __always_inline __u32 sg_spx_max_age_ms(const struct sg_config *cfg)
{
	return (__u32)(((__u64)cfg->max_age_ticks << SG_HS_TICK_SHIFT) / 1000000);
}

/* A valid kernel cookie ACK that found only a listener, in the synproxy
 * design: tagged for sg_tc_spx, it passes to the nft rule (the caller,
 * sg_ack_listener, decides what else passes, drops or gets an RST). The
 * design needs XDP metadata (protect refuses --no-xdp-meta with it): a
 * driver that refuses bpf_xdp_adjust_meta() at run time leaves valid cookie
 * ACKs unmarked (counted tc_no_meta; the listener answers them with an
 * RST). A tc check of its own, as sg_tc_slow() does for the handoff, is not
 * verifiable on 6.1: its verifier loses the parser's offsets on the skb
 * (R3 offset is outside of the packet), and that is the kernel this design
 * is for. */
static __always_inline int sg_spx_ack(struct xdp_md *ctx, const struct sg_config *cfg)
{
	__u32 *mp;

	if (sg_meta_off(cfg) || sg_meta_push(ctx, (int)sizeof(*mp))) {
		sg_note_meta_broken();
		sg_count(SG_CNT_TC_NO_META);
		sg_count(SG_CNT_PASS_COOKIE_VALID);
		return XDP_PASS;
	}
	mp = (void *)(long)ctx->data_meta;
	if ((void *)(mp + 1) <= (void *)(long)ctx->data)
		*mp = cfg->meta_magic ^ SG_SPX_META_TAG;
	sg_count(SG_CNT_PASS_COOKIE_VALID);
	return XDP_PASS;
}

/* tc ingress of the synproxy design: the tag of XDP becomes the mark that
 * synguard's nft rule matches. Everything else passes untouched. */
static __always_inline int sg_tc_spx_run(struct __sk_buff *skb)
{
	__u32 *mp = (void *)(long)skb->data_meta;
	struct sg_config *cfg = sg_get_config();

	if (!cfg || !(cfg->flags & SG_CFG_SYNPROXY))
		return TC_ACT_OK;
	if ((void *)(mp + 1) <= (void *)(long)skb->data &&
	    *mp == (cfg->meta_magic ^ SG_SPX_META_TAG))
		skb->mark = SG_SPX_MARK;
	return TC_ACT_OK;
}

#endif
