// SPDX-License-Identifier: GPL-2.0-only
/* synack.c - expected SYN-ACK for a SYN and its check (see synack.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>

#include "handshake.h"
#include "csum.h"
#include "synack.h"
#include "testlib.h"

static long sysctl_or(const char *name, long dflt)
{
	long v;

	return xenv_sysctl_get(name, &v) ? dflt : v;
}

static int ilog2_u64(uint64_t v)
{
	int r = -1;

	while (v) {
		v >>= 1;
		r++;
	}
	return r;
}

int synack_expect(const struct xdp_env *e, const struct pkt_spec *s,
		  uint16_t mss_clamp, struct synack_want *w)
{
	long rmem[3] = { 0 };
	uint32_t client_mss = s->opt.mss ? s->opt.mss_val : 536;
	uint64_t space;
	FILE *f;
	int ws;

	memset(w, 0, sizeof(*w));
	/* lo has MTU 1500 in the test namespace (xenv_netns) */
	w->mss = s->ipv6 ? 1440 : 1460;
	if (mss_clamp && mss_clamp < w->mss)
		w->mss = mss_clamp;
	w->ttl = e->cfg.ttl;
	w->sack = s->opt.sack_perm && sysctl_or("net/ipv4/tcp_sack", 1);
	w->ts = s->opt.ts && sysctl_or("net/ipv4/tcp_timestamps", 1);
	w->ws = s->opt.ws && sysctl_or("net/ipv4/tcp_window_scaling", 1);
	/* an ECN-setup SYN carries ECE and CWR (RFC 3168 6.1.1) */
	w->ecn = (s->flags & (PKT_ECE | PKT_CWR)) == (PKT_ECE | PKT_CWR) &&
		 sysctl_or("net/ipv4/tcp_ecn", 2) != 0;
	f = fopen("/proc/sys/net/ipv4/tcp_rmem", "r");
	if (!f || fscanf(f, "%ld %ld %ld", &rmem[0], &rmem[1], &rmem[2]) != 3) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	/* tcp_select_initial_window() for a listener without window clamp */
	space = (uint64_t)rmem[2] > e->cfg.rmem_max ? (uint64_t)rmem[2] : e->cfg.rmem_max;
	ws = ilog2_u64(space) - 15;
	w->wscale = ws < 0 ? 0 : ws > SG_MAX_WSCALE ? SG_MAX_WSCALE : ws;
	w->cookie_data = sg_cookie_data(sg_mss_index(s->ipv6, client_mss),
					w->ws ? (s->opt.ws_val > SG_MAX_WSCALE ?
						 SG_MAX_WSCALE : s->opt.ws_val)
					      : SG_WSCALE_NONE,
					w->sack, w->ecn);
	return 0;
}

uint64_t synack_hash_key(const __u64 key[2], const struct pkt_spec *s, uint32_t isn,
			 uint64_t tail)
{
	__u16 sp = htons(s->sport), dp = htons(s->dport);

	if (!s->ipv6) {
		__u32 sa, da;

		memcpy(&sa, s->saddr, 4);
		memcpy(&da, s->daddr, 4);
		return sg_cookie_hash4(key, sa, da, sp, dp, isn, tail);
	} else {
		__u32 sa[4], da[4];

		memcpy(sa, s->saddr, 16);
		memcpy(da, s->daddr, 16);
		return sg_cookie_hash6(key, sa, da, sp, dp, isn, tail);
	}
}

uint64_t synack_hash(const struct xdp_env *e, const struct pkt_spec *s,
		     uint32_t isn, uint64_t tail)
{
	return synack_hash_key(e->key, s, isn, tail);
}

uint32_t synack_ts_off(const struct sg_key_slot *k, const struct pkt_spec *s)
{
	__u32 sa[4] = { 0 }, da[4] = { 0 };

	if (!s->ipv6) {
		memcpy(sa, s->saddr, 4);
		memcpy(da, s->daddr, 4);
		return sg_hs_ts_off4(k->ts_secret, (__u64)sa[0] | ((__u64)da[0] << 32));
	}
	memcpy(sa, s->saddr, 16);
	memcpy(da, s->daddr, 16);
	return sg_hs_ts_off6(k->ts_secret, (__u64)sa[0] | ((__u64)sa[1] << 32),
			     (__u64)sa[2] | ((__u64)sa[3] << 32),
			     (__u64)da[0] | ((__u64)da[1] << 32),
			     (__u64)da[2] | ((__u64)da[3] << 32));
}

void synack_forge(const __u64 key[2], const struct sg_key_slot *k, const struct pkt_spec *s,
		  uint32_t isn, const struct sg_hs_offer *offer, uint64_t now_ns,
		  uint32_t *cookie, uint32_t *tsval)
{
	uint64_t h = synack_hash_key(key, s, isn,
				     sg_hs_offer_tail(offer, now_ns, s->ipv6 ? 6 : 4));

	*cookie = sg_hs_offer_seq(offer, now_ns, h);
	*tsval = offer->ts ? sg_hs_offer_tsval(offer, now_ns, h, synack_ts_off(k, s)) : 0;
}

int synack_refusal(const struct xdp_env *e, const struct pkt_spec *s)
{
	struct sg_hs_ack a;
	uint32_t off = s->opt.ts ? synack_ts_off(&e->slot, s) : 0;

	return sg_hs_ack_begin(&a, s->ack - 1, s->opt.ts, s->opt.tsecr, off, xenv_now_ns(e),
			       e->cfg.max_age_ticks, e->cfg.skew_ticks, e->cfg.nots_window,
			       s->ipv6 ? 6 : 4) ?
	       SG_CNT_DROP_ACK_MAYBE_OURS : SG_CNT_DROP_COOKIE_INVALID;
}

uint32_t synack_stale_tsecr(const struct xdp_env *e, const struct pkt_spec *s)
{
	uint32_t tick = (uint32_t)sg_hs_tick(xenv_now_ns(e)) + (1U << (SG_HS_TSV_TICK_BITS - 1));

	return synack_ts_off(&e->slot, s) + (tick << SG_HS_TSV_TICK_SHIFT);
}

#define CHK(cond, ...) do { if (!(cond)) { snprintf(err, errlen, __VA_ARGS__); return -1; } } while (0)

/* Every byte of the options area must be an option or a NOP (no EOL, no
 * leftovers of the client's options). */
static int opts_strict(const uint8_t *o, int n, char *err, int errlen)
{
	int i = 0;

	while (i < n) {
		if (o[i] == 1) {
			i++;
			continue;
		}
		CHK(o[i] == 2 || o[i] == 3 || o[i] == 4 || o[i] == 8,
		    "unexpected option byte %u at %d", o[i], i);
		CHK(i + 1 < n && o[i + 1] >= 2 && i + o[i + 1] <= n,
		    "option %u at %d overruns the header", o[i], i);
		i += o[i + 1];
	}
	return 0;
}

int synack_check(const struct xdp_env *e, const struct pkt_spec *s,
		 const struct synack_want *w, const uint8_t *out, int len,
		 uint32_t *cookie, uint32_t *tsval, char *err, int errlen)
{
	struct pkt_info pi;
	int optlen, i, l3len;
	uint32_t data;
	uint64_t hash;
	uint8_t want_flags;

	if (pkt_parse(out, len, &pi, err, errlen))
		return -1;
	CHK(!memcmp(pi.dmac, s->smac, 6) && !memcmp(pi.smac, s->dmac, 6), "MACs not swapped");
	CHK(pi.nvlan == s->nvlan, "%d VLAN tags, SYN had %d", pi.nvlan, s->nvlan);
	for (i = 0; i < s->nvlan; i++)
		CHK(pi.vlan_tpid[i] == (s->vlan_tpid[i] ? s->vlan_tpid[i] : PKT_ETH_P_8021Q) &&
		    pi.vlan_tci[i] == s->vlan_tci[i], "VLAN tag %d changed", i);
	CHK(pi.ipv6 == s->ipv6, "address family changed");
	if (!s->ipv6) {
		CHK(pi.ip_ver == 4 && pi.ihl == 5, "version %u ihl %u", pi.ip_ver, pi.ihl);
		CHK(pi.tos == 0, "tos %u", pi.tos);
		CHK(pi.tot_len == len - pi.l3_off, "total length %u, frame carries %d",
		    pi.tot_len, len - pi.l3_off);
		CHK(pi.ip_id == 0, "IP id %u", pi.ip_id);
		CHK(pi.frag == 0x4000, "frag field %#x (want DF only)", pi.frag);
		CHK(csum_ipv4_hdr(out + pi.l3_off, 20) == 0, "bad IPv4 header checksum");
		CHK(!memcmp(pi.saddr, s->daddr, 4) && !memcmp(pi.daddr, s->saddr, 4),
		    "addresses not swapped");
	} else {
		CHK(pi.ip_ver == 6, "version %u", pi.ip_ver);
		CHK(pi.next == 0, "%d extension headers left", pi.next);
		CHK(pi.payload_len == len - pi.l3_off - 40, "payload length %u, frame carries %d",
		    pi.payload_len, len - pi.l3_off - 40);
		CHK(!memcmp(pi.saddr, s->daddr, 16) && !memcmp(pi.daddr, s->saddr, 16),
		    "addresses not swapped");
	}
	CHK(pi.ttl == w->ttl, "TTL/hop limit %u, want %u", pi.ttl, w->ttl);
	CHK(pi.proto == 6, "protocol %u", pi.proto);
	CHK(pi.sport == s->dport && pi.dport == s->sport, "ports %u->%u not swapped",
	    pi.sport, pi.dport);
	CHK(pi.ack == s->seq + 1, "ack %u, want ISN+1 %u", pi.ack, s->seq + 1);
	want_flags = PKT_SYN | PKT_ACK | (w->ecn ? PKT_ECE : 0);
	CHK(pi.flags == want_flags, "flags %#x, want %#x", pi.flags, want_flags);
	CHK(pi.window != 0, "zero window");
	CHK(pi.urg == 0, "urgent pointer %u", pi.urg);
	CHK(pi.payload_off == len, "%d bytes after the TCP header", len - pi.payload_off);
	CHK(pi.l4_len == pi.doff, "IP length covers %d TCP bytes, header is %u", pi.l4_len,
	    pi.doff);
	optlen = pi.doff - 20;
	CHK(optlen % 4 == 0, "options length %d", optlen);
	if (opts_strict(out + pi.l4_off + 20, optlen, err, errlen))
		return -1;
	l3len = pi.l4_len;
	CHK((s->ipv6 ? csum_l4_v6(pi.saddr, pi.daddr, 6, out + pi.l4_off, l3len)
		     : csum_l4_v4(pi.saddr, pi.daddr, 6, out + pi.l4_off, l3len)) == 0,
	    "bad TCP checksum %#x", pi.tcp_csum);
	/* the fixed-length build answers a SYN without options in a frame
	 * without room for it without our MSS option (bpf/fixed_len.h) */
	if (e->fixed_len && !pi.opt.mss && !s->raw_opts && !s->opt.mss && !s->opt.sack_perm &&
	    !s->opt.ts && !s->opt.ws)
		CHK(pi.doff == 20, "options without MSS");
	else
		CHK(pi.opt.mss && pi.opt.mss_val == w->mss, "MSS option %s%u, want %u",
		    pi.opt.mss ? "" : "missing ", pi.opt.mss_val, w->mss);
	CHK(pi.opt.sack_perm == w->sack, "SACK_PERM %s", pi.opt.sack_perm ? "present" : "missing");
	CHK(pi.opt.ts == w->ts, "timestamps %s", pi.opt.ts ? "present" : "missing");
	CHK(pi.opt.ws == w->ws, "window scale %s", pi.opt.ws ? "present" : "missing");
	if (w->ws)
		CHK(pi.opt.ws_val == w->wscale, "window scale %u, want %u", pi.opt.ws_val,
		    w->wscale);
	if (w->ts)
		CHK(pi.opt.tsecr == s->opt.tsval, "TSecr %u, want client TSval %u",
		    pi.opt.tsecr, s->opt.tsval);

	/* the cookie, decoded as the ACK check will (handshake.h), at the
	 * program's clock now: data bits, time within bounds, hash */
	data = pi.seq & SG_COOKIE_DATA_MASK;
	CHK(data == w->cookie_data, "cookie data bits %#x, want %#x", data, w->cookie_data);
	{
		struct sg_hs_ack a;
		uint32_t off = w->ts ? synack_ts_off(&e->slot, s) : 0;

		uint32_t now_p = sg_hs_period(xenv_now_ns(e));
		uint32_t ctr = (pi.seq >> SG_HS_NOTS_CTR_SHIFT) & SG_HS_NOTS_CTR_MASK;

		CHK(sg_hs_ack_begin(&a, pi.seq, w->ts, pi.opt.tsval, off, xenv_now_ns(e),
				    e->cfg.max_age_ticks, e->cfg.skew_ticks, e->cfg.nots_window,
				    s->ipv6 ? 6 : 4),
		    "cookie time out of bounds at once (seq %#x TSval %#x)", pi.seq,
		    pi.opt.tsval);
		hash = synack_hash(e, s, s->seq, a.tail);
		CHK(sg_hs_ack_hash_ok(&a, hash), "cookie %#x / TSval %#x do not match the hash "
		    "%#llx", pi.seq, pi.opt.tsval, (unsigned long long)hash);
		if (w->ts && w->ws)
			CHK(a.rcv_wscale == w->wscale, "TSval carries window scale %u, want %u",
			    a.rcv_wscale, w->wscale);
		/* issued now (or just before a period boundary) */
		if (!w->ts)
			CHK(ctr == (now_p & SG_HS_NOTS_CTR_MASK) ||
			    ctr == ((now_p - 1) & SG_HS_NOTS_CTR_MASK),
			    "cookie names period %u, clock is in %u", ctr, now_p);
	}
	if (cookie)
		*cookie = pi.seq;
	if (tsval)
		*tsval = pi.opt.tsval;
	return 0;
}

int synack_test(struct xdp_env *e, const char *name, const struct pkt_spec *s,
		uint16_t mss_clamp)
{
	struct synack_want w;
	struct xres r;
	char err[256];

	if (xenv_run_spec(e, s, &r)) {
		SG_FAIL(name, "test run failed: %s", strerror(-r.err));
		return -1;
	}
	if (r.ret != XDP_TX || r.counter != SG_CNT_TX_SYNACK) {
		SG_FAIL(name, "%s with counter %s, want XDP_TX with synack_sent",
			xenv_verdict(r.ret), xenv_counter_name(r.counter));
		return -1;
	}
	if (synack_expect(e, s, mss_clamp, &w)) {
		SG_FAIL(name, "cannot read the namespace's sysctls");
		return -1;
	}
	if (synack_check(e, s, &w, r.data, r.len, NULL, NULL, err, sizeof(err))) {
		SG_FAIL(name, "%s", err);
		return -1;
	}
	SG_PASS(name);
	return 0;
}
