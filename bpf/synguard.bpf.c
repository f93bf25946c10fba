// SPDX-License-Identifier: GPL-2.0-only
/*
 * synguard.bpf.c - the defense object: sg_xdp answers SYNs to protected ports
 * with SYN-cookie SYN-ACKs and validates cookie ACKs; sg_tc hands validated
 * ACKs to the listener. The rules are in docs/design.md; every packet XDP sees
 * increments exactly one counter (enum sg_counter).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "defs.h"
#include "maps.h"
#include "parse.h"
#include "lookup.h"
#include "synack.h"
#include "ack.h"
#include "handoff.h"
#include "local.h"
#include "verify.h"
#include "ratelimit.h"
#include "srclimit.h"
#include "verdict.h"
#include "rst.h"
#include "kcookie.h"
#include "synproxy.h"
#include "run_config.h"
#include "verdict.h"
#include "acl.h"
#include "engage.h"
#include "recent.h"

static __always_inline int pass(enum sg_counter c)
{
	sg_count(c);
	return XDP_PASS;
}

/* every drop obeys monitor mode (bpf/verdict.h) */
static __always_inline int drop(enum sg_counter c)
{
	return sg_drop(c);
}

/* Remember when the SYN arrived, for the tracer's handshake latency. */
static __always_inline void sg_note_syn(const struct sg_pkt *p, __be16 sport, __be16 dport)
{
	struct sg_flow_key k = {};
	__u64 now = bpf_ktime_get_ns();
	struct sg_synts_slot *sl;
	__u32 slot;

	if (p->ipv6) {
		__builtin_memcpy(k.laddr, p->daddr, 16);
		__builtin_memcpy(k.raddr, p->saddr, 16);
	} else {
		/* only word 0 is set for IPv4 (see struct sg_pkt); the key's
		 * other words must stay zero, as the tracer looks them up */
		k.laddr[0] = p->daddr[0];
		k.raddr[0] = p->saddr[0];
	}
	k.lport = bpf_ntohs(dport);
	k.rport = bpf_ntohs(sport);
	k.family = p->ipv6 ? AF_INET6 : AF_INET;
	slot = sg_flow_slot(&k);
	sl = bpf_map_lookup_elem(&sg_synts, &slot);
	if (sl) {
		sl->key = k;
		sl->ts = now;
	}
}

/*
 * The SYN path is a global function: the verifier checks it once, with the
 * parsed packet as unknown input, instead of once for every parse outcome
 * (VLAN count x IPv6 extension chain x ...), which ran past its 1M
 * instruction budget. It costs a BPF-to-BPF call, and it must bound every
 * offset it takes from p again. (The ACK path, with few branches once the
 * hash of the SYN planner is out of the way, stays inline: see sg_ack_path.)
 */
__noinline int sg_syn_path(struct xdp_md *ctx, struct sg_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct sg_config *cfg = sg_get_config();
	struct sg_syn_scratch *sc = sg_get_scratch();
	struct sg_limits *lim = sg_get_limits();
	struct sg_engage_cfg *ec;
	struct bpf_sock *sk;
	struct tcphdr *th;
	__u64 now, netns;

	if (!p || !cfg || !sc || !lim || p->l4_off > SG_MAX_L4_OFF)
		return pass(SG_CNT_PASS_MALFORMED);
	th = data + p->l4_off;
	if ((void *)(th + 1) > data_end)
		return pass(SG_CNT_PASS_MALFORMED);
	sc->in.p = *p;
	sc->in.sport = th->source;
	sc->in.dport = th->dest;
	sc->in.isn = bpf_ntohl(th->seq);

	/* The allow and deny lists come first: before the socket lookup (a
	 * denied flood costs the least), and before every limit, which an
	 * allowed source skips. */
	switch (sg_acl_verdict(p)) {
	case SG_ACL_DENY:
		return sg_policy_drop(cfg, SG_CNT_DROP_DENY_SYN, SG_CNT_WOULD_DROP_DENY_SYN);
	case SG_ACL_ALLOW:
		if (sg_tracing_syn())
			sg_note_syn(p, sc->in.sport, sc->in.dport);
		return pass(SG_CNT_PASS_ALLOW_SYN);
	default:
		break;
	}

	/* Answer only for a listener: a closed port gets the kernel's RST and
	 * a SYN of an existing connection the kernel's challenge ACK. The
	 * listener also tells us the window scale the kernel would choose. */
	sk = sg_lookup(ctx, p, sc->in.sport, sc->in.dport);
	if (!sk)
		return pass(SG_CNT_PASS_SYN_NO_LISTENER);
	if (sk->state != TCP_LISTEN_STATE) {
		bpf_sk_release(sk);
		return pass(SG_CNT_PASS_SYN_EXISTING);
	}
	/* kernels without the handoff kfunc: the kernel answers (kcookie.h) */
	if (cfg->flags & SG_CFG_KERNEL_COOKIES) {
		bpf_sk_release(sk);
		if (!sg_src_allow(lim, p, sg_policy_now(lim)))
			return sg_policy_drop(cfg, SG_CNT_DROP_SYN_LIMITED,
					      SG_CNT_WOULD_DROP_SYN_LIMITED);
		if (sg_tracing_syn())
			sg_note_syn(p, sc->in.sport, sc->in.dport);
		return pass(SG_CNT_PASS_SYN_KERNEL);
	}
	/* --engage auto: while the port is not under pressure the kernel
	 * answers (bpf/engage.h); the lookup above, a queue read and one
	 * state update are all such a SYN costs */
	ec = sg_engage_auto(cfg, bpf_ntohs(sc->in.dport));
	if (ec) {
		if (!sg_engage_step(ec, bpf_ntohs(sc->in.dport), sk)) {
			bpf_sk_release(sk);
			if (!sg_src_allow(lim, p, sg_policy_now(lim)))
				return sg_policy_drop(cfg, SG_CNT_DROP_SYN_LIMITED,
						      SG_CNT_WOULD_DROP_SYN_LIMITED);
			if (sg_tracing_syn())
				sg_note_syn(p, sc->in.sport, sc->in.dport);
			return pass(SG_CNT_PASS_SYN_DISENGAGED);
		}
	}
	if (sg_listener_read(sk, &sc->in.l)) {
		bpf_sk_release(sk);
		return pass(SG_CNT_PASS_SYN_TX_ERROR);
	}
	netns = sg_local_netns(sk);
	bpf_sk_release(sk);
	/* checks the kernel makes before answering, in order of cost; only
	 * SYNs to a listener pay for them */
	if (!sg_dst_is_local(ctx, cfg, p, netns))
		return pass(SG_CNT_PASS_NOT_LOCAL);
	if (sg_martian(ctx, p))
		return drop(SG_CNT_DROP_MARTIAN);
	if (!sg_csum_ok(data, data_end, p))
		return drop(SG_CNT_DROP_BAD_CSUM);
	/* policy: only SYNs that would get a cookie pay for it, the source's
	 * share first (a flooder must not use up everyone's SYN-ACKs) */
	now = sg_policy_now(lim);
	if (!sg_src_allow(lim, p, now))
		return sg_policy_drop(cfg, SG_CNT_DROP_SYN_LIMITED, SG_CNT_WOULD_DROP_SYN_LIMITED);
	if (!sg_rl_allow_shared(lim, SG_RL_SYNACK, now))
		return sg_policy_drop(cfg, SG_CNT_DROP_SYNACK_CAPPED,
				      SG_CNT_WOULD_DROP_SYNACK_CAPPED);

	sg_parse_opts(data, data_end, p, &sc->in.o);
	if (sg_tracing_syn())
		sg_note_syn(p, sc->in.sport, sc->in.dport);
	if (sg_synack_plan(ctx, &sc->in, &sc->out))
		return pass(SG_CNT_PASS_SYN_TX_ERROR);
	/* the synproxy design: the kernel's cookie (synproxy.h) */
	if ((cfg->flags & SG_CFG_SYNPROXY) && sg_spx_synack(&sc->in, &sc->out))
		return pass(SG_CNT_PASS_SYN_TX_ERROR);
	/* monitor mode: not a byte of the SYN is changed */
	if (sg_monitoring(cfg))
		return sg_would(SG_CNT_WOULD_TX_SYNACK);
	if (sg_synack_write(ctx, p, &sc->out))
		return pass(SG_CNT_PASS_SYN_TX_ERROR);
	sg_count(SG_CNT_TX_SYNACK);
	return XDP_TX;
}

/* An invalid cookie ACK: the RST the kernel would send, under the per-CPU
 * cap of sg_limits (--rst-limit); over it, or with RSTs off, a drop. */
static __always_inline int sg_ack_invalid(struct xdp_md *ctx, struct sg_config *cfg,
					  struct sg_pkt *p, struct tcphdr *th)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct sg_limits *lim;
	struct sg_rst r = {};
	__u32 zero = 0;

	/* RSTs off (the default): the verdict of a forged-ACK flood, before
	 * the limiter's per-CPU bucket and clock are touched. */
	lim = bpf_map_lookup_elem(&sg_limits, &zero);
	if (!lim || !lim->rate[SG_RL_RST])
		return drop(SG_CNT_DROP_COOKIE_INVALID);
	/* then the cap: under a flood, the cheapest verdict. A token spent
	 * on a packet the checks below then refuse is simply not used. */
	if (!sg_rl_allow(SG_RL_RST))
		return drop(SG_CNT_DROP_RST_CAPPED);
	/* what the kernel checks before it answers */
	if (sg_martian(ctx, p))
		return drop(SG_CNT_DROP_MARTIAN);
	if (!sg_csum_ok(data, data_end, p))
		return drop(SG_CNT_DROP_BAD_CSUM);
	/* monitor mode: the RST is not written */
	if (sg_monitoring(cfg))
		return sg_would(SG_CNT_WOULD_TX_RST);
	r.sport = th->source;
	r.dport = th->dest;
	r.seq = th->ack_seq;
	r.ttl = cfg->ttl;
	r.tos = p->ipv6 ? 0 : p->tos & ~3;
	if (sg_rst_write(ctx, p, &r))
		return drop(SG_CNT_DROP_COOKIE_INVALID);
	sg_count(SG_CNT_TX_RST);
	return XDP_TX;
}

/* An ACK whose cookie failed although the time it echoes is within the
 * cookie bounds. A later segment of a handshake that a pure ACK validated
 * just before passes to the kernel, which gets that ACK first and so has
 * the child (include/recent_defs.h). Any other is dropped, never reset: it
 * may be a real client's first flight whose handshake ACK was lost (a ring
 * overflowing under a flood) or has not reached the stack yet; the client
 * retransmits, from its ISN + 1 if need be, which validates. An RST here
 * killed real clients under a SYN flood. */
static __always_inline int sg_ack_maybe_ours(const struct sg_pkt *p, const struct tcphdr *th)
{
	if (sg_recent_hit(p, th) == SG_RECENT_PASS)
		return pass(SG_CNT_PASS_ACK_RECENT);
	return drop(SG_CNT_DROP_ACK_MAYBE_OURS);
}

/* An ACK that is neither our cookie nor the kernel's, to a listener that
 * sent kernel cookies recently (the kernel accepts their ACKs for 2
 * minutes). A later segment of a handshake whose kernel-cookie ACK XDP
 * passed in the same receive batch fails both checks (its seq is past the
 * client's ISN + 1, which the kernel's cookie hashes), as a later segment of
 * one of ours does (include/recent_defs.h): it passes (validated by a pure
 * ACK) or drops (by data). Any other is dropped, not reset: one whose final
 * ACK and first data segment were both lost before XDP (a ring overflowing
 * under the flood that made the kernel send cookies) looks like a forgery,
 * and the kernel's cookie carries no time XDP can read to tell them apart
 * (an RST here reset real clients: test_policy_engage 1 of 100,
 * test_defense_kcookie 1 of 10). The client retransmits; the RST comes once
 * the listener stopped sending cookies. */
static __always_inline int sg_ack_after_kcookie(const struct sg_pkt *p, const struct tcphdr *th)
{
	enum sg_recent_verdict v = sg_recent_hit(p, th);

	if (v == SG_RECENT_PASS)
		return pass(SG_CNT_PASS_ACK_RECENT);
	if (v == SG_RECENT_HELD)
		return drop(SG_CNT_DROP_ACK_MAYBE_OURS);
	return drop(SG_CNT_DROP_COOKIE_INVALID);
}

/* An ACK that found only a listener: it can only be the last ACK of a
 * handshake that we answered, so it must carry a valid cookie. Global: the
 * checks and the RST writer would multiply the inline ACK path's states;
 * established ACKs never get here. */
__noinline int sg_ack_listener(struct xdp_md *ctx, struct sg_pkt *p, int kcookies, __u64 netns)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct sg_config *cfg = sg_get_config();
	enum sg_acl_verdict acl;
	struct sg_meta m, *mp;
	struct tcphdr *th;
	int r;

	if (!p || !cfg || p->l4_off > SG_MAX_L4_OFF)
		return pass(SG_CNT_PASS_MALFORMED);
	th = data + p->l4_off;
	if ((void *)(th + 1) > data_end)
		return pass(SG_CNT_PASS_MALFORMED);
	acl = sg_acl_verdict(p);
	if (acl == SG_ACL_DENY)
		return sg_policy_drop(cfg, SG_CNT_DROP_DENY_ACK, SG_CNT_WOULD_DROP_DENY_ACK);
	if (!sg_dst_is_local(ctx, cfg, p, netns))
		return pass(SG_CNT_PASS_NOT_LOCAL);
	/* The 6.0-6.8 design: the cookie is the kernel's, and the kernel
	 * builds the child itself (no metadata, no tc). */
	if (cfg->flags & SG_CFG_KERNEL_COOKIES) {
		if (acl == SG_ACL_ALLOW)
			return pass(SG_CNT_PASS_ALLOW_ACK);
		if (sg_kernel_cookie_ok(data, data_end, p)) {
			sg_recent_note(p, th);
			return pass(SG_CNT_PASS_COOKIE_VALID);
		}
		if (kcookies)
			return sg_ack_after_kcookie(p, th);
		/* no cookie of the kernel's in flight: the kernel would reset
		 * it (its listener answers a lone ACK with an RST), so do we,
		 * under the --rst-limit cap */
		goto invalid;
	}
	/* The synproxy design: the kernel's cookie, nft SYNPROXY completes.
	 * With timestamps our TSval is a clock (synproxy.h): a cookie ACK
	 * older than --max-ack-age is refused (a replay; the kernel's cookie
	 * alone lives 2 minutes), and an invalid ACK echoing a time within
	 * it may be a real client's later segment (its final ACK lost or
	 * still on its way): dropped, the client retransmits. Any other
	 * invalid ACK is not of a handshake in flight: the kernel would reset
	 * it, so do we (--rst-limit). Without timestamps XDP cannot tell:
	 * dropped. */
	if (cfg->flags & SG_CFG_SYNPROXY) {
		__u32 age = sg_spx_ack_age_ms(ctx, p);
		/* no timestamp, or one within the bound */
		int may_be_ours = age == SG_SPX_NO_TS ||
				  age <= sg_spx_max_age_ms(cfg) + (1U << SG_SPX_TS_BITS);

		if (may_be_ours && sg_kernel_cookie_ok(data, data_end, p))
			return sg_spx_ack(ctx, cfg);
		if (acl == SG_ACL_ALLOW)
			return pass(SG_CNT_PASS_ALLOW_ACK);
		if (may_be_ours)
			return drop(SG_CNT_DROP_ACK_MAYBE_OURS);
		goto invalid;
	}
	/* A valid cookie ACK goes on to the kernel, which checks its
	 * addresses and checksum itself (routing, tcp_v4_rcv()); only an ACK
	 * we answer (RST) needs our checks, in sg_ack_invalid(). */
	r = sg_cookie_ack_check(data, data_end, cfg, p, &m);
	if (r != SG_ACK_VALID) {
		/* an allowed source's handshake is the kernel's (its SYN
		 * passed): its ACK may carry the kernel's own cookie. One with
		 * ours, from before it was allowed, goes on below. */
		if (acl == SG_ACL_ALLOW)
			return pass(SG_CNT_PASS_ALLOW_ACK);
		/* the kernel answered this SYN (an --engage auto port while
		 * disengaged, or any SYN passed to it) and, its queue full,
		 * with a cookie of its own: the kernel checks it again */
		if (kcookies && sg_kernel_cookie_ok(data, data_end, p)) {
			sg_recent_note(p, th);
			return pass(SG_CNT_PASS_ACK_KERNEL_COOKIE);
		}
		if (r == SG_ACK_IN_TIME)
			return sg_ack_maybe_ours(p, th);
		if (kcookies)
			return sg_ack_after_kcookie(p, th);
		goto invalid;
	}
	/* its later segments may reach us before the kernel has the child */
	sg_recent_note(p, th);

	/* Without metadata (the driver refused it once, or `protect
	 * --no-xdp-meta`), tc validates pure ACKs to protected ports itself. */
	if (sg_meta_off(cfg) || sg_meta_push(ctx, (int)sizeof(m))) {
		sg_note_meta_broken();
		sg_count(SG_CNT_TC_NO_META);
		return pass(SG_CNT_PASS_COOKIE_VALID);
	}
	mp = (void *)(long)ctx->data_meta;
	if ((void *)(mp + 1) > (void *)(long)ctx->data)
		return pass(SG_CNT_PASS_COOKIE_VALID);
	*mp = m;
	return pass(SG_CNT_PASS_COOKIE_VALID);

	/* one copy of the RST path for every design */
invalid:
	return sg_ack_invalid(ctx, cfg, p, th);
}

/* Inline, unlike the SYN path: the lookup is all that established ACKs
 * pay, and the call cost shows on the ACK benchmarks. */
static __always_inline int sg_ack_path(struct xdp_md *ctx, struct sg_config *cfg,
				       struct sg_pkt *p, __be16 sport, __be16 dport)
{
	struct bpf_sock *sk;
	__u64 netns;
	int kcookies;

	sk = sg_lookup(ctx, p, sport, dport);
	if (!sk)
		return pass(SG_CNT_PASS_ACK_NO_SOCKET);
	if (sk->state != TCP_LISTEN_STATE) {
		bpf_sk_release(sk);
		return pass(SG_CNT_PASS_ESTABLISHED);
	}
	/* read while we hold the listener (bpf/engage.h) */
	kcookies = sg_kcookies_recent(sk);
	netns = sg_local_netns(sk);
	bpf_sk_release(sk);
	return sg_ack_listener(ctx, p, kcookies, netns);
}

/*
 * A first fragment of TCP. The kernel would reassemble it and answer, but we
 * cannot check a fragmented SYN or cookie ACK (no stack fragments those; a
 * flood can). To a protected port: a SYN, an ACK that would reach only a
 * listener, or a header too short to tell, is dropped; other segments (data
 * of an established connection through a fragmenting path) pass. Later
 * fragments pass: without their first they never reassemble.
 */
__noinline int sg_frag_path(struct xdp_md *ctx, struct sg_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct sg_config *cfg = sg_get_config();
	struct bpf_sock *sk;
	__u8 *th;
	__u8 f;

	if (!p || !cfg || p->l4_off > SG_MAX_L4_OFF)
		return pass(SG_CNT_PASS_MALFORMED);
	th = data + p->l4_off;
	/* 4 bytes for the ports: less is a fragment attack (RFC 1858) */
	if ((void *)(th + 4) > data_end || p->tcp_len < 4)
		return drop(SG_CNT_DROP_FRAGMENT);
	if (!(cfg->flags & SG_CFG_ACTIVE) ||
	    !sg_port_is_set(cfg->ports, bpf_ntohs(*(__be16 *)(th + 2))))
		return pass(SG_CNT_PASS_FRAGMENT);
	if ((void *)(th + 20) > data_end || p->tcp_len < 20)
		return drop(SG_CNT_DROP_FRAGMENT);
	f = th[13];
	if ((f & (TCPF_SYN | TCPF_RST | TCPF_ACK)) != TCPF_ACK)
		return (f & TCPF_SYN) ? drop(SG_CNT_DROP_FRAGMENT) : pass(SG_CNT_PASS_FRAGMENT);
	sk = sg_lookup(ctx, p, *(__be16 *)th, *(__be16 *)(th + 2));
	if (!sk)
		return pass(SG_CNT_PASS_FRAGMENT);
	if (sk->state != TCP_LISTEN_STATE) {
		bpf_sk_release(sk);
		return pass(SG_CNT_PASS_FRAGMENT);
	}
	bpf_sk_release(sk);
	return drop(SG_CNT_DROP_FRAGMENT);
}

SEC("xdp")
int sg_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct sg_config *cfg;
	struct tcphdr *th;
	struct sg_pkt p;
	__u8 f;

	switch (sg_parse(data, data_end, &p)) {
	case SG_PARSE_TCP:
		break;
	case SG_PARSE_NOT_TCP:
		return pass(SG_CNT_PASS_NON_TCP);
	case SG_PARSE_FRAGMENT:
		return pass(SG_CNT_PASS_FRAGMENT);
	case SG_PARSE_FRAG_TCP:
		return sg_frag_path(ctx, &p);
	case SG_PARSE_UNCHECKED:
		return drop(SG_CNT_DROP_UNCHECKED);
	default:
		return pass(SG_CNT_PASS_MALFORMED);
	}
	th = data + p.l4_off;
	if (p.l4_off > SG_MAX_L4_OFF || (void *)(th + 1) > data_end)
		return pass(SG_CNT_PASS_MALFORMED);

	cfg = sg_get_config();
	if (!cfg || !(cfg->flags & SG_CFG_ACTIVE) ||
	    !sg_port_is_set(cfg->ports, bpf_ntohs(th->dest)))
		return pass(SG_CNT_PASS_UNPROTECTED);

	f = p.flags;
	if ((f & (TCPF_SYN | TCPF_FIN)) == (TCPF_SYN | TCPF_FIN))
		return drop(SG_CNT_DROP_SYN_FIN);
	if ((f & (TCPF_SYN | TCPF_RST)) == (TCPF_SYN | TCPF_RST))
		return drop(SG_CNT_DROP_SYN_RST);
	if (!(f & (TCPF_FIN | TCPF_SYN | TCPF_RST | TCPF_PSH | TCPF_ACK | TCPF_URG)))
		return drop(SG_CNT_DROP_NO_FLAGS);
	/* every segment after the SYN carries ACK, so this is never legitimate */
	if ((f & (TCPF_FIN | TCPF_PSH | TCPF_URG | TCPF_ACK)) == (TCPF_FIN | TCPF_PSH | TCPF_URG))
		return drop(SG_CNT_DROP_FIN_PSH_URG);

	if ((f & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN)
		return sg_syn_path(ctx, &p);
	if ((f & (TCPF_SYN | TCPF_RST | TCPF_ACK)) == TCPF_ACK)
		return sg_ack_path(ctx, cfg, &p, th->source, th->dest);
	return pass(SG_CNT_PASS_OTHER);
}

/* Global for the same reason as sg_syn_path(). */
__noinline int sg_tc_handoff(struct __sk_buff *skb, struct sg_pkt *p, struct sg_meta *m)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct sg_config *cfg = sg_get_config();
	struct tcphdr *th;
	struct sg_meta mm;

	if (!p || !m || !cfg || p->l4_off > SG_MAX_L4_OFF)
		return TC_ACT_OK;
	th = data + p->l4_off;
	if ((void *)(th + 1) > data_end)
		return TC_ACT_OK;
	mm = *m;
	return sg_handoff(skb, cfg, p, th->source, th->dest, &mm);
}

/* Fallback when XDP could not attach metadata: validate pure ACKs to
 * protected ports here. Only taken once XDP has seen the driver refuse. */
static __always_inline int sg_tc_slow(struct __sk_buff *skb, struct sg_config *cfg)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct bpf_sock *skc;
	struct tcphdr *th;
	struct sg_pkt p;
	struct sg_meta m;

	if (sg_parse(data, data_end, &p) != SG_PARSE_TCP)
		return TC_ACT_OK;
	th = data + p.l4_off;
	if (p.l4_off > SG_MAX_L4_OFF || (void *)(th + 1) > data_end)
		return TC_ACT_OK;
	if ((p.flags & (TCPF_SYN | TCPF_RST | TCPF_ACK)) != TCPF_ACK ||
	    !sg_port_is_set(cfg->ports, bpf_ntohs(th->dest)))
		return TC_ACT_OK;
	skc = sg_lookup(skb, &p, th->source, th->dest);
	if (!skc)
		return TC_ACT_OK;
	if (skc->state != TCP_LISTEN_STATE) {
		bpf_sk_release(skc);
		return TC_ACT_OK;
	}
	bpf_sk_release(skc);
	if (sg_cookie_ack_check(data, data_end, cfg, &p, &m) != SG_ACK_VALID)
		return TC_ACT_OK;	/* XDP already counted and judged bad ones */
	return sg_tc_handoff(skb, &p, &m);
}

SEC("tc")
int sg_tc(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct sg_meta *mp = (void *)(long)skb->data_meta, m;
	struct sg_config *cfg;
	struct sg_pkt p;

	if ((void *)(mp + 1) > data) {
		/* no metadata: every packet but validated cookie ACKs */
		cfg = sg_get_config();
		if (cfg && sg_meta_off(cfg))
			return sg_tc_slow(skb, cfg);
		return TC_ACT_OK;
	}
	cfg = sg_get_config();
	if (!cfg || mp->magic != cfg->meta_magic)
		return TC_ACT_OK;
	m = *mp;
	if (sg_parse(data, data_end, &p) != SG_PARSE_TCP)
		return TC_ACT_OK;
	return sg_tc_handoff(skb, &p, &m);
}

/* The synproxy design's tc program (synproxy.h): loaded instead of sg_tc
 * there, since it needs no kfunc. */
SEC("tc")
int sg_tc_spx(struct __sk_buff *skb)
{
	return sg_tc_spx_run(skb);
}

char LICENSE[] SEC("license") = "GPL";
