/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ack.h - validate the cookie in an ACK that reached a listener, and decode
 * what the cookie carries into struct sg_meta (what the tc handoff needs).
 * Shared by XDP (the normal path) and tc (the fallback when the driver cannot
 * carry XDP metadata).
 */
#ifndef SG_BPF_ACK_H
#define SG_BPF_ACK_H

#include "cookie_bpf.h"

/* 1 if the ACK carries a cookie we issued in this or the previous period,
 * with m filled in; 0 if not. */
static __always_inline int sg_cookie_ack_check(void *data, void *data_end,
					       const struct sg_config *cfg,
					       const struct sg_pkt *p,
					       struct sg_meta *m)
{
	struct tcphdr *th = data + p->l4_off;
	__u32 cookie, isn, period, data_bits, tsval = 0, tsecr = 0;
	__u16 sport, dport;
	__u64 hash;
	int ts;

	if (p->l4_off > SG_MAX_L4_OFF || (void *)(th + 1) > data_end)
		return 0;
	cookie = bpf_ntohl(th->ack_seq) - 1;
	isn = bpf_ntohl(th->seq) - 1;
	sport = th->source;
	dport = th->dest;
	ts = sg_parse_ts(data, data_end, p, &tsval, &tsecr);

	period = sg_cookie_claimed_period(cookie, sg_period_now(cfg, bpf_ktime_get_coarse_ns()));
	data_bits = cookie & SG_COOKIE_DATA_MASK;
	/* IPv4 inline here (the hottest validation path; only a few parse
	 * states reach it, so the verifier copes), global function elsewhere */
	if (p->ipv6)
		hash = sg_pkt_hash(cfg, p, sport, dport, isn, period, data_bits);
	else
		hash = sg_cookie_hash4(cfg->key, p->saddr[0], p->daddr[0], sport,
				       dport, isn, period, data_bits);
#ifdef EXP_STOP_HASH
	if (hash != 12345) return 0;
#endif
	if (!sg_cookie_hash_ok(cookie, hash))
		return 0;
	/* with timestamps, our TSval carried 8 more hash bits; TSecr echoes it */
	if (ts && (tsecr & ((1U << SG_TS_HASH_BITS) - 1)) != sg_cookie_ts_bits(hash))
		return 0;

	m->magic = cfg->meta_magic;
	m->tsval = tsval;
	m->tsecr = tsecr;
	m->mss = sg_mss_value(p->ipv6, sg_cookie_data_mss_idx(data_bits));
	m->snd_wscale = sg_cookie_data_wscale(data_bits);
	m->opts = (data_bits & SG_COOKIE_SACK ? SG_META_SACK : 0) |
		  (ts ? SG_META_TS : 0) |
		  (data_bits & SG_COOKIE_ECN ? SG_META_ECN : 0);
	return 1;
}

#endif
