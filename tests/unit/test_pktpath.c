// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_pktpath.c - the packet path hardening (issue 8, items 1, 2, 7, 8, 9):
 *  local_*   SYNs/ACKs to an address this netns does not own pass untouched
 *            (bridged/routed guests), our own addresses are answered;
 *  rst_*     an invalid cookie ACK gets the kernel's RST (seq = their ack,
 *            RST only, window 0, no options), under the per-CPU cap of
 *            sg_limits; over it, or with the cap 0, it is dropped;
 *  opts_*    every real stack's SYN option layout is read fully;
 *  martian_*, csum_*  martian sources and bad checksums are dropped;
 *  bypass_*  long IPv6 extension chains are walked, first fragments of
 *            SYNs/cookie ACKs are dropped.
 * SG_XDP_OBJ=/work/wt/base/build/synguard.bpf.o runs it against the landed
 * code, where these checks fail.
 */
#include <linux/bpf.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <bpf/bpf.h>

#include "csum.h"
#include "synack.h"
#include "testlib.h"
#include "features.h"
#include "xdp_env.h"

#define PORT		8080	/* wildcard listeners, protected */
#define PORT_LO		8081	/* loopback listeners with a connection, protected */
#define PORT_OPEN	9090	/* not protected */

#define HOST4	"10.9.0.1"	/* ours (on lo) */
#define GUEST4	"10.9.0.2"	/* not ours: a guest behind a bridge */
#define PEER4	"10.9.0.50"
#define HOST6	"fd09::1"
#define GUEST6	"fd09::2"
#define PEER6	"fd09::50"

static int dummy_ifindex;

static void syn(struct pkt_spec *s, bool v6, const char *src, const char *dst, uint16_t dport)
{
	pkt_spec_init(s);
	if (v6)
		pkt_set_v6(s, src, dst);
	else
		pkt_set_v4(s, src, dst);
	s->sport = 40000;
	s->dport = dport;
	s->seq = 0x1000;
	s->flags = PKT_SYN;
	pkt_linux_syn_opts(s, 1460, 12345);
}

/* the no-TS period the program sees (main() sets it from the env) */
static const struct xdp_env *g_env;

/* An ACK with no cookie of ours, whose echoed time (the no-TS period bits
 * of ack - 1) is outside every accepted window (period + 3: after the
 * window for any skew tolerance, handshake.h), so that it is judged
 * invalid (an RST, or ack_cookie_invalid) and not "maybe ours". */
static void ack(struct pkt_spec *s, bool v6, const char *src, const char *dst, uint16_t dport)
{
	syn(s, v6, src, dst, dport);
	s->flags = PKT_ACK;
	s->seq = 0x1001;
	/* the period of the program's clock now, not at the start: a slow
	 * guest (qemu TCG) spends several periods in this test, and a fixed
	 * period + 3 then falls into the window */
	uint32_t now_p = sg_hs_period(xenv_now_ns(g_env));

	s->ack = (0xabcd0000U | (((now_p + 3) & SG_HS_NOTS_CTR_MASK) << SG_HS_NOTS_CTR_SHIFT)) + 1;
	memset(&s->opt, 0, sizeof(s->opt));
}

/* ---- item 1: only our own addresses ---- */
static void test_local(struct xdp_env *e)
{
	struct pkt_spec s;
	char n[96];
	int v6;

	if (!sg_feature_ok("local_addr_check")) {
		SG_SKIP("local", "local_addr_check unavailable here (synguard status -j says why): "
			"synguard cannot tell its own addresses from a guest's");
		return;
	}
	for (v6 = 0; v6 < 2; v6++) {
		const char *f = v6 ? "v6" : "v4";
		const char *host = v6 ? HOST6 : HOST4, *guest = v6 ? GUEST6 : GUEST4;
		const char *peer = v6 ? PEER6 : PEER4;

		syn(&s, v6, peer, host, PORT);
		snprintf(n, sizeof(n), "local_%s_syn_own_address_answered", f);
		synack_test(e, n, &s, 0);
		syn(&s, v6, peer, guest, PORT);
		snprintf(n, sizeof(n), "local_%s_syn_guest_passes", f);
		xenv_expect_untouched(e, n, &s, XDP_PASS, SG_CNT_PASS_NOT_LOCAL);
		ack(&s, v6, peer, guest, PORT);
		snprintf(n, sizeof(n), "local_%s_ack_guest_passes", f);
		xenv_expect_untouched(e, n, &s, XDP_PASS, SG_CNT_PASS_NOT_LOCAL);
		ack(&s, v6, peer, host, PORT);
		snprintf(n, sizeof(n), "local_%s_ack_own_address_checked", f);
		xenv_expect(e, n, &s, XDP_DROP, SG_CNT_DROP_COOKIE_INVALID, NULL);
		/* a bigger table: 40 more addresses in other buckets */
		syn(&s, v6, peer, v6 ? "fd09::1:27" : "10.9.1.39", PORT);
		snprintf(n, sizeof(n), "local_%s_syn_one_of_many_answered", f);
		synack_test(e, n, &s, 0);
		syn(&s, v6, peer, v6 ? "fd09::1:99" : "10.9.1.99", PORT);
		snprintf(n, sizeof(n), "local_%s_syn_next_to_many_passes", f);
		xenv_expect_untouched(e, n, &s, XDP_PASS, SG_CNT_PASS_NOT_LOCAL);
	}
}

/* ---- item 2: RST for invalid cookie ACKs, capped ---- */
static int set_rst_limit(struct xdp_env *e, uint32_t rate)
{
	int fd = xenv_map_fd(e, "sg_limits"), rfd = xenv_map_fd(e, "sg_rl");
	struct sg_limits l = { 0 };
	struct sg_rl_zero { __u64 w[2]; } *z;
	__u32 zero = 0, k;

	if (fd < 0 || rfd < 0)
		return -1;
	l.rate[SG_RL_RST] = rate;
	if (bpf_map_update_elem(fd, &zero, &l, BPF_ANY))
		return -1;
	/* empty buckets: full again at the next packet */
	z = calloc(e->ncpu, sizeof(*z));
	if (!z)
		return -1;
	for (k = 0; k < SG_RL_MAX; k++)
		bpf_map_update_elem(rfd, &k, z, BPF_ANY);
	free(z);
	return 0;
}

/* Check that r is the RST the kernel sends for ACK s. */
static int rst_check(const struct pkt_spec *s, const struct xres *r, char *err, int errlen)
{
	struct pkt_info pi;

	if (pkt_parse(r->data, r->len, &pi, err, errlen))
		return -1;
#define RCHK(c, ...) do { if (!(c)) { snprintf(err, errlen, __VA_ARGS__); return -1; } } while (0)
	RCHK(!memcmp(pi.dmac, s->smac, 6) && !memcmp(pi.smac, s->dmac, 6), "MACs not swapped");
	RCHK(pi.nvlan == s->nvlan && (!s->nvlan || pi.vlan_tci[0] == s->vlan_tci[0]),
	     "VLAN tags not kept");
	RCHK(pi.ipv6 == s->ipv6, "family changed");
	if (!s->ipv6) {
		RCHK(pi.ihl == 5 && pi.tot_len == 40, "IPv4 ihl %u tot_len %u", pi.ihl, pi.tot_len);
		RCHK(csum_ipv4_hdr(r->data + pi.l3_off, 20) == 0, "bad IPv4 checksum");
		RCHK(pi.frag == 0x4000 && pi.ip_id == 0, "frag %#x id %u", pi.frag, pi.ip_id);
		RCHK(!memcmp(pi.saddr, s->daddr, 4) && !memcmp(pi.daddr, s->saddr, 4),
		     "addresses not swapped");
	} else {
		RCHK(pi.next == 0 && pi.payload_len == 20, "%d ext headers, payload %u", pi.next,
		     pi.payload_len);
		RCHK(!memcmp(pi.saddr, s->daddr, 16) && !memcmp(pi.daddr, s->saddr, 16),
		     "addresses not swapped");
	}
	RCHK(pi.ttl == 64, "TTL %u", pi.ttl);
	RCHK(pi.sport == s->dport && pi.dport == s->sport, "ports not swapped");
	RCHK(pi.flags == PKT_RST, "flags %#x, want RST only", pi.flags);
	RCHK(pi.seq == s->ack, "seq %#x, want the ACK's ack %#x", pi.seq, s->ack);
	RCHK(pi.ack == 0 && pi.window == 0 && pi.urg == 0, "ack %u window %u urg %u", pi.ack,
	     pi.window, pi.urg);
	RCHK(pi.doff == 20 && pi.payload_off == r->len && pi.l4_len == 20,
	     "doff %u, %d bytes after the header", pi.doff, r->len - pi.payload_off);
	RCHK((s->ipv6 ? csum_l4_v6(pi.saddr, pi.daddr, 6, r->data + pi.l4_off, 20)
		      : csum_l4_v4(pi.saddr, pi.daddr, 6, r->data + pi.l4_off, 20)) == 0,
	     "bad TCP checksum");
#undef RCHK
	return 0;
}

static void test_rst(struct xdp_env *e)
{
	struct pkt_spec s;
	struct xres r;
	char n[96], err[256];
	int v6, i, tx, capped;

	if (set_rst_limit(e, 1000)) {
		SG_FAIL("rst_limits_map", "no sg_limits/sg_rl map in the object");
		return;
	}
	SG_PASS("rst_limits_map");
	for (v6 = 0; v6 < 2; v6++) {
		const char *f = v6 ? "v6" : "v4";
		int variant;

		for (variant = 0; variant < 3; variant++) {
			static const char *const vn[] = { "plain", "vlan_ts_payload", "ipopt_ext" };

			ack(&s, v6, v6 ? PEER6 : PEER4, v6 ? HOST6 : HOST4, PORT);
			if (variant == 1) {
				s.nvlan = 1;
				s.vlan_tci[0] = 0x0064;
				s.opt.ts = true;
				s.opt.tsval = 7;
				/* a TSecr whose tick is 9 min old: not ours now */
				s.opt.tsecr = synack_stale_tsecr(e, &s);
				s.payload_len = 100;
				s.flags |= PKT_PSH;
			} else if (variant == 2) {
				if (v6) {
					s.next = 2;
					s.ext[0] = PKT_EXT_HOP;
					s.ext[1] = PKT_EXT_DEST;
				} else {
					s.ip4_optlen = 8;
				}
			}
			snprintf(n, sizeof(n), "rst_%s_%s_sent", f, vn[variant]);
			if (xenv_run_spec(e, &s, &r) || r.ret != XDP_TX || r.counter != SG_CNT_TX_RST) {
				SG_FAIL(n, "%s with %s, want XDP_TX with rst_sent", xenv_verdict(r.ret),
					xenv_counter_name(r.counter));
				continue;
			}
			SG_PASS(n);
			snprintf(n, sizeof(n), "rst_%s_%s_as_the_kernel", f, vn[variant]);
			if (rst_check(&s, &r, err, sizeof(err)))
				SG_FAIL(n, "%s", err);
			else
				SG_PASS(n);
		}
		/* martians never get one (no reflection to a forged broadcast) */
		ack(&s, v6, v6 ? "ff02::1" : "255.255.255.255", v6 ? HOST6 : HOST4, PORT);
		snprintf(n, sizeof(n), "rst_%s_not_to_martians", f);
		xenv_expect(e, n, &s, XDP_DROP, SG_CNT_DROP_MARTIAN, NULL);
		/* an ACK with a bad checksum is no reason to answer */
		ack(&s, v6, v6 ? PEER6 : PEER4, v6 ? HOST6 : HOST4, PORT);
		s.bad_l4_csum = true;
		snprintf(n, sizeof(n), "rst_%s_not_for_bad_checksum", f);
		xenv_expect(e, n, &s, XDP_DROP, SG_CNT_DROP_BAD_CSUM, NULL);
		ack(&s, v6, v6 ? "::" : "0.0.0.0", v6 ? HOST6 : HOST4, PORT);
		snprintf(n, sizeof(n), "rst_%s_not_to_unspecified", f);
		xenv_expect(e, n, &s, XDP_DROP, SG_CNT_DROP_MARTIAN, NULL);
		if (!v6) {
			ack(&s, false, PEER4, HOST4, PORT);
			s.bad_ip_csum = true;
			xenv_expect(e, "rst_v4_not_for_bad_ip_header", &s, XDP_DROP,
				    SG_CNT_DROP_BAD_CSUM, NULL);
		}
	}

	/* the cap: 5 per second per CPU, a burst of 5; stay on one CPU */
	{
		cpu_set_t cs;

		CPU_ZERO(&cs);
		CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &cs);
		sched_setaffinity(0, sizeof(cs), &cs);
	}
	set_rst_limit(e, 5);
	tx = capped = 0;
	for (i = 0; i < 50; i++) {
		ack(&s, false, PEER4, HOST4, PORT);
		s.ack += (uint32_t)i << 12;	/* hash bits only: the period bits stay out */
		if (xenv_run_spec(e, &s, &r))
			break;
		if (r.ret == XDP_TX && r.counter == SG_CNT_TX_RST)
			tx++;
		else if (r.ret == XDP_DROP && r.counter == SG_CNT_DROP_RST_CAPPED)
			capped++;
	}
	/* 50 runs take far less than a second: 5 of the burst, at most one
	 * more token if a clock tick adds it */
	SG_EXPECT("rst_cap_5_per_s", tx >= 5 && tx <= 6 && tx + capped == 50,
		  "%d RSTs, %d capped of 50 (want 5-6 RSTs, the rest capped)", tx, capped);
	set_rst_limit(e, 0);
	ack(&s, false, PEER4, HOST4, PORT);
	xenv_expect(e, "rst_limit_0_drops_silently", &s, XDP_DROP, SG_CNT_DROP_COOKIE_INVALID,
		    NULL);
}

/* ---- item 7: option layouts of real stacks ----
 * From p0f 3's fingerprint database (p0f.fp, [tcp:request]):
 *   Linux 3.x+          mss,sok,ts,nop,ws
 *   Windows 7/8/10      mss,nop,ws,nop,nop,sok
 *   Windows (TS on)     mss,nop,ws,sok,ts       (e.g. Server 2019, "win:7 or 8")
 *   Mac OS X / iOS      mss,nop,ws,nop,nop,ts,sok,eol+1
 *   FreeBSD 9+          mss,nop,ws,sok,ts
 *   TS first (Solaris)  nop,nop,ts,mss,nop,ws,sok(,eol)
 *   OpenBSD             mss,nop,nop,sok,nop,ws,nop,nop,ts
 */
struct layout {
	const char *name;
	uint8_t o[40];
	int len;
	bool ts, ws, sack;
};

#define MSS_1400	2, 4, 0x05, 0x78
#define WS_9		3, 3, 9
#define SOK		4, 2
#define TS_X		8, 10, 0, 0, 0x30, 0x39, 0, 0, 0, 0	/* TSval 12345 */

static const struct layout layouts[] = {
	{ "linux", { MSS_1400, SOK, TS_X, 1, WS_9 }, 20, true, true, true },
	{ "windows", { MSS_1400, 1, WS_9, 1, 1, SOK }, 12, false, true, true },
	{ "windows_ts", { MSS_1400, 1, WS_9, SOK, TS_X }, 20, true, true, true },
	{ "macos", { MSS_1400, 1, WS_9, 1, 1, TS_X, SOK, 0 }, 24, true, true, true },
	{ "freebsd", { MSS_1400, 1, WS_9, SOK, TS_X }, 20, true, true, true },
	{ "ts_first", { 1, 1, TS_X, MSS_1400, 1, WS_9, 1, 1, SOK }, 24, true, true, true },
	{ "ts_first_eol", { 1, 1, TS_X, MSS_1400, 1, WS_9, SOK, 0 }, 24, true, true, true },
	{ "openbsd", { MSS_1400, 1, 1, SOK, 1, WS_9, 1, 1, TS_X }, 24, true, true, true },
	{ "ts_first_no_sack", { 1, 1, TS_X, MSS_1400, 1, WS_9 }, 20, true, true, false },
};

static void test_options(struct xdp_env *e)
{
	unsigned i;
	int v6;

	for (v6 = 0; v6 < 2; v6++) {
		for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
			const struct layout *l = &layouts[i];
			struct pkt_spec s;
			char n[96];

			syn(&s, v6, v6 ? PEER6 : PEER4, v6 ? HOST6 : HOST4, PORT);
			s.raw_opts = l->o;
			s.raw_optlen = l->len;
			/* what synack_test expects the SYN to have said */
			s.opt = (struct pkt_tcp_opts){ .mss = true, .mss_val = 1400,
						       .sack_perm = l->sack, .ts = l->ts,
						       .tsval = l->ts ? 12345 : 0,
						       .ws = l->ws, .ws_val = 9 };
			snprintf(n, sizeof(n), "opts_%s_%s", v6 ? "v6" : "v4", l->name);
			synack_test(e, n, &s, 0);
		}
	}
}

/* ---- item 8: martian sources, checksums ---- */
static void test_martian(struct xdp_env *e)
{
	static const char *const m4[] = { "224.0.0.5", "239.1.2.3", "255.255.255.255",
					  "0.0.0.0", "0.1.2.3" };
	static const char *const m6[] = { "ff02::1", "ff05::2", "::", "::ffff:10.9.0.50" };
	struct pkt_spec s;
	char n[96];
	unsigned i;

	for (i = 0; i < sizeof(m4) / sizeof(m4[0]); i++) {
		syn(&s, false, m4[i], HOST4, PORT);
		snprintf(n, sizeof(n), "martian_v4_syn_from_%s", m4[i]);
		xenv_expect(e, n, &s, XDP_DROP, SG_CNT_DROP_MARTIAN, NULL);
	}
	for (i = 0; i < sizeof(m6) / sizeof(m6[0]); i++) {
		syn(&s, true, m6[i], HOST6, PORT);
		snprintf(n, sizeof(n), "martian_v6_syn_from_%s", m6[i]);
		xenv_expect(e, n, &s, XDP_DROP, SG_CNT_DROP_MARTIAN, NULL);
	}

	/* loopback addresses are martian off the loopback device only (a veth here) */
	if (dummy_ifindex <= 0) {
		SG_FAIL("martian_dummy_device", "no veth device in the test namespace");
		return;
	}
	e->ifindex = dummy_ifindex;
	syn(&s, false, PEER4, HOST4, PORT);
	synack_test(e, "martian_v4_dummy_control_answered", &s, 0);
	syn(&s, false, "127.0.0.1", HOST4, PORT);
	xenv_expect(e, "martian_v4_loopback_src_off_lo", &s, XDP_DROP, SG_CNT_DROP_MARTIAN, NULL);
	syn(&s, false, PEER4, "127.0.0.1", PORT_LO);
	xenv_expect(e, "martian_v4_loopback_dst_off_lo", &s, XDP_DROP, SG_CNT_DROP_MARTIAN, NULL);
	syn(&s, true, PEER6, HOST6, PORT);
	synack_test(e, "martian_v6_dummy_control_answered", &s, 0);
	syn(&s, true, "::1", HOST6, PORT);
	xenv_expect(e, "martian_v6_loopback_src_off_lo", &s, XDP_DROP, SG_CNT_DROP_MARTIAN, NULL);
	e->ifindex = 0;
	/* on lo they are ordinary */
	syn(&s, false, "127.0.0.1", "127.0.0.1", PORT_LO);
	synack_test(e, "martian_v4_loopback_on_lo_answered", &s, 0);
	syn(&s, true, "::1", "::1", PORT_LO);
	synack_test(e, "martian_v6_loopback_on_lo_answered", &s, 0);
}

static void test_csum(struct xdp_env *e, const struct xenv_flows *f)
{
	struct pkt_spec s;
	char n[96];
	int v6, pl;

	for (v6 = 0; v6 < 2; v6++) {
		const char *fam = v6 ? "v6" : "v4";
		const char *peer = v6 ? PEER6 : PEER4, *host = v6 ? HOST6 : HOST4;

		syn(&s, v6, peer, host, PORT);
		s.bad_l4_csum = true;
		snprintf(n, sizeof(n), "csum_%s_syn_bad_tcp_dropped", fam);
		xenv_expect(e, n, &s, XDP_DROP, SG_CNT_DROP_BAD_CSUM, NULL);
		/* with RSTs off an invalid ACK is dropped whatever its checksum
		 * (with RSTs on: rst_*_not_for_bad_checksum) */
		ack(&s, v6, peer, host, PORT);
		s.bad_l4_csum = true;
		snprintf(n, sizeof(n), "csum_%s_ack_bad_tcp_no_answer", fam);
		xenv_expect(e, n, &s, XDP_DROP, SG_CNT_DROP_COOKIE_INVALID, NULL);
		/* a local sender's CHECKSUM_PARTIAL segment is trusted, as by the kernel */
		syn(&s, v6, peer, host, PORT);
		s.partial_l4_csum = true;
		snprintf(n, sizeof(n), "csum_%s_syn_partial_answered", fam);
		synack_test(e, n, &s, 0);
		/* payloads of every length mod 4, up to more than one step */
		for (pl = 1; pl <= 19; pl += 6) {
			syn(&s, v6, peer, host, PORT);
			s.payload_len = pl;
			snprintf(n, sizeof(n), "csum_%s_syn_payload_%d_answered", fam, pl);
			synack_test(e, n, &s, 0);
			s.bad_l4_csum = true;
			snprintf(n, sizeof(n), "csum_%s_syn_payload_%d_bad_dropped", fam, pl);
			xenv_expect(e, n, &s, XDP_DROP, SG_CNT_DROP_BAD_CSUM, NULL);
		}
		syn(&s, v6, peer, host, PORT);
		s.payload_len = 1000;
		snprintf(n, sizeof(n), "csum_%s_syn_payload_1000_answered", fam);
		synack_test(e, n, &s, 0);
		/* established traffic is not checked (costs nothing) */
		xenv_spec_lo(&s, v6, f->cport[v6], PORT_LO);
		s.flags = PKT_ACK;
		s.seq = 5;
		s.ack = 6;
		s.bad_l4_csum = true;
		snprintf(n, sizeof(n), "csum_%s_established_not_checked", fam);
		xenv_expect(e, n, &s, XDP_PASS, SG_CNT_PASS_ESTABLISHED, NULL);
	}
	syn(&s, false, PEER4, HOST4, PORT);
	s.bad_ip_csum = true;
	xenv_expect(e, "csum_v4_syn_bad_ip_header_dropped", &s, XDP_DROP, SG_CNT_DROP_BAD_CSUM,
		    NULL);
	syn(&s, false, PEER4, HOST4, PORT);
	s.ip4_optlen = 12;
	s.bad_ip_csum = true;
	xenv_expect(e, "csum_v4_syn_options_bad_ip_header_dropped", &s, XDP_DROP,
		    SG_CNT_DROP_BAD_CSUM, NULL);
	s.bad_ip_csum = false;
	synack_test(e, "csum_v4_syn_options_good_ip_header_answered", &s, 0);
}

/* ---- item 9: no bypass through long chains or fragments ---- */
static void chain(struct pkt_spec *s, int n)
{
	int i;

	s->next = n;
	for (i = 0; i < n; i++)
		s->ext[i] = PKT_EXT_DEST;
}

static void test_bypass(struct xdp_env *e, const struct xenv_flows *f)
{
	static const int lens[] = { 8, 9, 12, 30, 63 };
	struct pkt_spec s;
	struct xres r;
	char n[96];
	unsigned i;
	int v6;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		syn(&s, true, PEER6, HOST6, PORT);
		chain(&s, lens[i]);
		snprintf(n, sizeof(n), "bypass_v6_syn_%d_destopts_answered", lens[i]);
		synack_test(e, n, &s, 0);
		ack(&s, true, PEER6, HOST6, PORT);
		chain(&s, lens[i]);
		snprintf(n, sizeof(n), "bypass_v6_ack_%d_destopts_checked", lens[i]);
		xenv_expect(e, n, &s, XDP_DROP, SG_CNT_DROP_COOKIE_INVALID, NULL);
	}
	xenv_spec_lo(&s, true, f->cport[1], PORT_LO);
	s.flags = PKT_ACK;
	s.seq = 5;
	s.ack = 6;
	chain(&s, 12);
	xenv_expect(e, "bypass_v6_established_12_destopts_passes", &s, XDP_PASS,
		    SG_CNT_PASS_ESTABLISHED, NULL);
	syn(&s, true, PEER6, HOST6, PORT);
	chain(&s, 70);
	xenv_expect(e, "bypass_v6_syn_70_destopts_dropped", &s, XDP_DROP, SG_CNT_DROP_UNCHECKED,
		    NULL);

	for (v6 = 0; v6 < 2; v6++) {
		const char *fam = v6 ? "v6" : "v4";
		const char *peer = v6 ? PEER6 : PEER4, *host = v6 ? HOST6 : HOST4;

#define FRAG(sp) do { if (v6) { (sp)->ext[(sp)->next++] = PKT_EXT_FRAG; } (sp)->mf = true; } while (0)
		syn(&s, v6, peer, host, PORT);
		FRAG(&s);
		snprintf(n, sizeof(n), "bypass_%s_first_fragment_syn_dropped", fam);
		xenv_expect(e, n, &s, XDP_DROP, SG_CNT_DROP_FRAGMENT, NULL);
		syn(&s, v6, peer, host, PORT_OPEN);
		FRAG(&s);
		snprintf(n, sizeof(n), "bypass_%s_first_fragment_unprotected_passes", fam);
		xenv_expect(e, n, &s, XDP_PASS, SG_CNT_PASS_FRAGMENT, NULL);
		ack(&s, v6, peer, host, PORT);
		FRAG(&s);
		snprintf(n, sizeof(n), "bypass_%s_first_fragment_cookie_ack_dropped", fam);
		xenv_expect(e, n, &s, XDP_DROP, SG_CNT_DROP_FRAGMENT, NULL);
		xenv_spec_lo(&s, v6, f->cport[v6], PORT_LO);
		s.flags = PKT_ACK | PKT_PSH;
		s.seq = 5;
		s.ack = 6;
		s.payload_len = 200;
		FRAG(&s);
		snprintf(n, sizeof(n), "bypass_%s_first_fragment_established_passes", fam);
		xenv_expect(e, n, &s, XDP_PASS, SG_CNT_PASS_FRAGMENT, NULL);
		syn(&s, v6, peer, host, PORT);
		FRAG(&s);
		s.frag_off = 3;
		snprintf(n, sizeof(n), "bypass_%s_later_fragment_passes", fam);
		xenv_expect(e, n, &s, XDP_PASS, SG_CNT_PASS_FRAGMENT, NULL);
		if (v6) {
			syn(&s, v6, peer, host, PORT);
			chain(&s, 9);
			FRAG(&s);
			xenv_expect(e, "bypass_v6_first_fragment_after_9_destopts_dropped", &s,
				    XDP_DROP, SG_CNT_DROP_FRAGMENT, NULL);
		}
	}
	/* a first fragment too short to hold the TCP flags (RFC 1858) */
	{
		uint8_t buf[PKT_MAX];
		int len, ihl;

		syn(&s, false, PEER4, HOST4, PORT);
		s.mf = true;
		len = pkt_build(&s, buf);
		ihl = 20;
		len = 14 + ihl + 8;
		pkt_put16(buf + 14 + 2, (uint16_t)(ihl + 8));
		pkt_put16(buf + 14 + 10, 0);
		pkt_put16(buf + 14 + 10, csum_ipv4_hdr(buf + 14, ihl));
		if (xenv_run(e, buf, len, &r))
			SG_FAIL("bypass_v4_tiny_first_fragment_dropped", "test run failed");
		else
			SG_EXPECT("bypass_v4_tiny_first_fragment_dropped",
				  r.ret == XDP_DROP && r.counter == SG_CNT_DROP_FRAGMENT,
				  "%s with %s", xenv_verdict(r.ret), xenv_counter_name(r.counter));
	}
}

static int lab_addresses(void)
{
	char cmd[256];
	int i;

	if (system("ip addr add " HOST4 "/32 dev lo && ip -6 addr add " HOST6 "/128 dev lo nodad"
		   " && ip link add sgpd0 type veth peer name sgpd1 && ip link set sgpd0 up && ip link set sgpd1 up"))
		return -1;
	for (i = 1; i <= 40; i++) {
		snprintf(cmd, sizeof(cmd), "ip addr add 10.9.1.%d/32 dev lo && "
			 "ip -6 addr add fd09::1:%x/128 dev lo nodad", i, i);
		if (system(cmd))
			return -1;
	}
	dummy_ifindex = (int)if_nametoindex("sgpd0");
	return 0;
}

/* The guest: another netns holding the addresses that are not ours, as a
 * bridged guest's namespace does. Before Linux 6.13 every netns' IPv4
 * addresses sit in one kernel table, so the check must compare the netns
 * too (bpf/local.h). Returns the pid holding it, or -1. */
static pid_t guest_netns(void)
{
	int fds[2];
	char c = 0;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (unshare(CLONE_NEWNET) ||
		    system("ip addr add " GUEST4 "/32 dev lo && ip -6 addr add " GUEST6 "/128 dev lo nodad"
			   " && ip addr add 10.9.1.99/32 dev lo && ip -6 addr add fd09::1:99/128 dev lo nodad"))
			_exit(1);
		c = 1;
		if (write(fds[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], &c, 1) != 1 || c != 1) {
		if (pid > 0)
			kill(pid, SIGKILL);
		pid = -1;
	}
	close(fds[0]);
	return pid;
}

int main(void)
{
	struct xdp_env e;
	struct xenv_flows f;
	int rc = xenv_setup(&e, "pktpath"), l4, l6;
	pid_t guest;

	if (rc >= 0)
		return rc;
	g_env = &e;
	if (lab_addresses()) {
		SG_FAIL("pktpath", "cannot add the test addresses (ip)");
		return 1;
	}
	guest = guest_netns();
	if (guest < 0) {
		SG_FAIL("pktpath", "cannot make the guest's netns");
		return 1;
	}
	l4 = xenv_listen("0.0.0.0", PORT);
	l6 = xenv_listen("::", PORT);
	if (l4 < 0 || l6 < 0 || xenv_flows_open(&f, "pktpath", PORT_LO)) {
		SG_FAIL("pktpath", "cannot open the listeners");
		return 1;
	}
	xenv_protect(&e, PORT);
	xenv_protect(&e, PORT_LO);
	xenv_write_config(&e);

	test_local(&e);
	test_options(&e);
	test_martian(&e);
	test_csum(&e, &f);
	test_bypass(&e, &f);
	test_rst(&e);	/* last: it turns RSTs on */

	xenv_flows_close(&f);
	close(l4);
	close(l6);
	kill(guest, SIGKILL);
	waitpid(guest, NULL, 0);
	xenv_close(&e);
	return sg_test_failures ? 1 : 0;
}
