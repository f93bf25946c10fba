// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_truncation.c - sg_xdp on broken input: every test frame cut at every
 * byte offset, malformed headers, and random byte mutations (seeded, the
 * seed is printed). Every run must succeed, count exactly one reason, and
 * answer only PASS or DROP, except XDP_TX of a well-formed SYN-ACK when all
 * headers of the SYN are present, or of a well-formed RST (second round,
 * with RSTs on). Half the mutations get their checksums fixed, so that they
 * also reach past the checksum check.
 */
#include <linux/bpf.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "csum.h"
#include "testlib.h"
#include "xdp_env.h"

#define PORT 8080

/* An XDP_TX frame must at least be a well-formed SYN-ACK back to the sender. */
static int sane_tx(const uint8_t *in, int inlen, const struct xres *r, char *err, int errlen)
{
	struct pkt_info q, a;
	char e2[128];

	if (pkt_parse(r->data, r->len, &a, err, errlen))
		return -1;
	/* a frame cut in its payload does not parse (IP length); then only the
	 * reply itself is judged */
	if (!pkt_parse(in, inlen, &q, e2, sizeof(e2)) &&
	    (a.sport != q.dport || a.dport != q.sport)) {
		snprintf(err, errlen, "XDP_TX with ports that are not the SYN's, swapped");
		return -1;
	}
	if (a.proto != 6 || a.flags != (PKT_SYN | PKT_ACK | (a.flags & PKT_ECE)) ||
	    a.payload_off != r->len) {
		snprintf(err, errlen, "XDP_TX of something that is not our SYN-ACK");
		return -1;
	}
	if (!a.ipv6 && csum_ipv4_hdr(r->data + a.l3_off, a.ihl * 4)) {
		snprintf(err, errlen, "XDP_TX with a bad IPv4 checksum");
		return -1;
	}
	if ((a.ipv6 ? csum_l4_v6(a.saddr, a.daddr, 6, r->data + a.l4_off, a.l4_len)
		    : csum_l4_v4(a.saddr, a.daddr, 6, r->data + a.l4_off, a.l4_len))) {
		snprintf(err, errlen, "XDP_TX with a bad TCP checksum");
		return -1;
	}
	return 0;
}

/* An XDP_TX RST must be the kernel's RST to the sender: RST only, 20-byte
 * header, no payload, right checksums, ports swapped. */
static int sane_rst(const uint8_t *in, int inlen, const struct xres *r, char *err, int errlen)
{
	struct pkt_info q, a;
	char e2[128];

	if (pkt_parse(r->data, r->len, &a, err, errlen))
		return -1;
	if (!pkt_parse(in, inlen, &q, e2, sizeof(e2)) &&
	    (a.sport != q.dport || a.dport != q.sport || a.seq != q.ack)) {
		snprintf(err, errlen, "RST with ports or seq that are not the ACK's");
		return -1;
	}
	if (a.proto != 6 || a.flags != PKT_RST || a.doff != 20 || a.payload_off != r->len ||
	    a.window || a.ack) {
		snprintf(err, errlen, "XDP_TX of something that is not our RST");
		return -1;
	}
	if ((!a.ipv6 && csum_ipv4_hdr(r->data + a.l3_off, a.ihl * 4)) ||
	    (a.ipv6 ? csum_l4_v6(a.saddr, a.daddr, 6, r->data + a.l4_off, a.l4_len)
		    : csum_l4_v4(a.saddr, a.daddr, 6, r->data + a.l4_off, a.l4_len))) {
		snprintf(err, errlen, "RST with a bad checksum");
		return -1;
	}
	return 0;
}

/* One run on a broken frame; hdrs: bytes of headers the frame must have for
 * XDP_TX to be allowed (0: never). Returns 0 if sane, else -1 with err. */
static int sane_run(struct xdp_env *e, const uint8_t *f, int len, int hdrs, char *err,
		    int errlen)
{
	struct xres r;

	if (xenv_run(e, f, len, &r)) {
		snprintf(err, errlen, "test run failed: %s", strerror(-r.err));
		return -1;
	}
	if (r.nmoved != 1 || r.counter < 0) {
		snprintf(err, errlen, "%d counters moved", r.nmoved);
		return -1;
	}
	if (r.ret == XDP_PASS || r.ret == XDP_DROP) {
		if (sg_counter_is_drop(r.counter) != (r.ret == XDP_DROP)) {
			snprintf(err, errlen, "%s counted as %s", xenv_verdict(r.ret),
				 xenv_counter_name(r.counter));
			return -1;
		}
		return 0;
	}
	if (r.ret == XDP_TX && hdrs && len >= hdrs && r.counter == SG_CNT_TX_SYNACK)
		return sane_tx(f, len, &r, err, errlen);
	if (r.ret == XDP_TX && r.counter == SG_CNT_TX_RST)
		return sane_rst(f, len, &r, err, errlen);
	snprintf(err, errlen, "%s (counter %s)", xenv_verdict(r.ret), xenv_counter_name(r.counter));
	return -1;
}

static void spec(struct pkt_spec *s, bool v6, uint8_t flags)
{
	xenv_spec_lo(s, v6, 46000, PORT);
	s->seq = 1;
	s->ack = (flags & PKT_ACK) ? 0x12345678 : 0;
	s->flags = flags;
	if (flags & PKT_SYN)
		pkt_linux_syn_opts(s, 1460, 9);
	else
		s->opt.ts = true;
}

#define NFRAMES 14

static const char *round_sfx = "";	/* "_rst" in the round with RSTs on */

/* The frames to cut: name, spec */
static int frames(struct pkt_spec *s, const char **names)
{
	int n = 0;

	names[n] = "syn_v4"; spec(&s[n++], false, PKT_SYN);
	names[n] = "syn_v4_opt40_qinq"; spec(&s[n], false, PKT_SYN);
	s[n].ip4_optlen = 40; s[n].nvlan = 2; s[n++].vlan_tpid[0] = PKT_ETH_P_8021AD;
	names[n] = "syn_v4_payload"; spec(&s[n], false, PKT_SYN); s[n++].payload_len = 30;
	names[n] = "syn_v6"; spec(&s[n++], true, PKT_SYN);
	names[n] = "syn_v6_ext_vlan"; spec(&s[n], true, PKT_SYN);
	s[n].next = 4; s[n].ext[0] = PKT_EXT_HOP; s[n].ext[1] = PKT_EXT_DEST;
	s[n].ext[2] = PKT_EXT_ROUTING; s[n].ext[3] = PKT_EXT_AUTH; s[n++].nvlan = 1;
	names[n] = "syn_v6_payload"; spec(&s[n], true, PKT_SYN); s[n++].payload_len = 30;
	names[n] = "ack_v4_ts"; spec(&s[n++], false, PKT_ACK);
	names[n] = "ack_v6_ts_hop"; spec(&s[n], true, PKT_ACK);
	s[n].next = 1; s[n++].ext[0] = PKT_EXT_HOP;
	names[n] = "syn_fin_v4"; spec(&s[n++], false, PKT_SYN | PKT_FIN);
	names[n] = "udp_v4"; spec(&s[n], false, 0); s[n].l4 = IPPROTO_UDP; s[n++].payload_len = 10;
	names[n] = "icmp6"; spec(&s[n], true, 0); s[n++].l4 = IPPROTO_ICMPV6;
	names[n] = "frag_v6"; spec(&s[n], true, PKT_SYN);
	s[n].next = 1; s[n].ext[0] = PKT_EXT_FRAG; s[n++].mf = true;
	names[n] = "frag_v4"; spec(&s[n], false, PKT_SYN); s[n++].mf = true;
	names[n] = "arp"; spec(&s[n], false, 0); s[n++].ethertype = PKT_ETH_P_ARP;
	return n;
}

static void truncation(struct xdp_env *e)
{
	struct pkt_spec s[NFRAMES];
	const char *names[NFRAMES];
	int n = frames(s, names), i;

	for (i = 0; i < n; i++) {
		uint8_t f[PKT_MAX];
		int len = pkt_build(&s[i], f), hdrs = pkt_hdr_len(&s[i]), cut, bad = 0;
		char name[96], err[256];

		snprintf(name, sizeof(name), "truncate_%s%s", names[i], round_sfx);
		/* BPF_PROG_TEST_RUN refuses frames shorter than an Ethernet header */
		for (cut = 14; cut < len && !bad; cut++)
			if (sane_run(e, f, cut, (s[i].flags & PKT_SYN) ? hdrs : 0, err,
				     sizeof(err))) {
				SG_FAIL(name, "cut at %d of %d bytes: %s", cut, len, err);
				bad = 1;
			}
		if (!bad)
			SG_PASS(name);
	}
}

/* Broken headers with every length intact: name, frame edit */
struct bad {
	const char *name;
	int v6;
	int off;		/* from the start of L3 (-1: TCP option area) */
	uint8_t val;
	uint8_t mask;		/* bits of the byte to replace */
	int tcp;		/* off counts from the TCP header instead */
};

static const struct bad bads[] = {
	{ "ipv4_ihl_4", 0, 0, 0x04, 0x0f, 0 },
	{ "ipv4_ihl_15", 0, 0, 0x0f, 0x0f, 0 },
	{ "ipv4_version_6", 0, 0, 0x60, 0xf0, 0 },
	{ "ipv4_totlen_small", 0, 3, 0x10, 0xff, 0 },
	{ "ipv4_totlen_huge", 0, 2, 0xff, 0xff, 0 },
	{ "ipv6_version_4", 1, 0, 0x40, 0xf0, 0 },
	{ "ipv6_paylen_small", 1, 5, 0x08, 0xff, 0 },
	{ "ipv6_paylen_huge", 1, 4, 0xff, 0xff, 0 },
	{ "ipv6_nexthdr_unknown", 1, 6, 0xfd, 0xff, 0 },
	{ "tcp_doff_4_v4", 0, 12, 0x40, 0xf0, 1 },
	{ "tcp_doff_15_v4", 0, 12, 0xf0, 0xf0, 1 },
	{ "tcp_doff_0_v6", 1, 12, 0x00, 0xf0, 1 },
	{ "tcp_opt_len0_v4", 0, 21, 0x00, 0xff, 1 },	/* MSS length 0: a loop trap */
	{ "tcp_opt_len1_v4", 0, 21, 0x01, 0xff, 1 },
	{ "tcp_opt_len_overrun_v4", 0, 21, 0x28, 0xff, 1 },
	{ "tcp_opt_mss_len5_v6", 1, 21, 0x05, 0xff, 1 },
	{ "tcp_opt_ws_len2_v4", 0, 37, 0x02, 0xff, 1 },	/* NOP WS: WS length at 37 */
	{ "tcp_opt_ts_len9_v6", 1, 25, 0x09, 0xff, 1 },
	{ "tcp_opt_eol_first_v4", 0, 20, 0x00, 0xff, 1 },
	{ "tcp_opt_all_nop_v4", 0, -1, 0x01, 0xff, 1 },
	{ "tcp_opt_unknown_kind_v6", 1, 20, 0xfe, 0xff, 1 },
};

static void malformed(struct xdp_env *e)
{
	unsigned i;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];
		struct pkt_spec s;
		uint8_t f[PKT_MAX];
		int len, at, hdrs;
		char name[96], err[256];

		spec(&s, b->v6, PKT_SYN);
		len = pkt_build(&s, f);
		hdrs = pkt_hdr_len(&s);
		at = 14 + (b->tcp ? (b->v6 ? 40 : 20) : 0) + b->off;
		if (b->off < 0) {
			memset(f + hdrs - 20, 1, 20);	/* options: 20 NOPs */
		} else {
			f[at] = (uint8_t)((f[at] & ~b->mask) | (b->val & b->mask));
		}
		snprintf(name, sizeof(name), "malformed_%s", b->name);
		/* the checksums stay as built: a program that checks them must
		 * not be the only reason these pass */
		if (sane_run(e, f, len, hdrs, err, sizeof(err)))
			SG_FAIL(name, "%s", err);
		else
			SG_PASS(name);
	}
	/* a chain of IPv6 extension headers longer than any parser walks */
	{
		struct pkt_spec s;
		uint8_t f[PKT_MAX];
		char err[256];
		int len;

		spec(&s, true, PKT_SYN);
		s.next = PKT_MAX_EXT;
		memset(s.ext, PKT_EXT_DEST, sizeof(s.ext));
		len = pkt_build(&s, f);
		if (sane_run(e, f, len, pkt_hdr_len(&s), err, sizeof(err)))
			SG_FAIL("malformed_ipv6_long_ext_chain", "%s", err);
		else
			SG_PASS("malformed_ipv6_long_ext_chain");
	}
}

/* Make the checksums of a mutated frame right again where it parses, so
 * that mutations also reach what lies behind synguard's checksum check. */
static void fix_csums(uint8_t *m, int len)
{
	struct pkt_info pi;
	char err[128];

	if (pkt_parse(m, len, &pi, err, sizeof(err)) || pi.proto != 6)
		return;
	if (!pi.ipv6) {
		pkt_put16(m + pi.l3_off + 10, 0);
		pkt_put16(m + pi.l3_off + 10, csum_ipv4_hdr(m + pi.l3_off, pi.ihl * 4));
	}
	if (pi.l4_len < 20 || pi.l4_off + pi.l4_len > len)
		return;
	pkt_put16(m + pi.l4_off + 16, 0);
	pkt_put16(m + pi.l4_off + 16,
		  pi.ipv6 ? csum_l4_v6(pi.saddr, pi.daddr, 6, m + pi.l4_off, pi.l4_len)
			  : csum_l4_v4(pi.saddr, pi.daddr, 6, m + pi.l4_off, pi.l4_len));
}

/* RSTs on (a cap no test run reaches), so their frames are judged too */
static void rst_on(struct xdp_env *e)
{
	int fd = xenv_map_fd(e, "sg_limits");
	struct sg_limits l = { 0 };
	__u32 zero = 0;

	l.rate[SG_RL_RST] = 1000000000U;
	if (fd >= 0)
		bpf_map_update_elem(fd, &zero, &l, BPF_ANY);
}

static void mutation(struct xdp_env *e, unsigned seed)
{
	struct pkt_spec s[NFRAMES];
	const char *names[NFRAMES];
	int n = frames(s, names), i, k;

	srandom(seed);
	printf("# mutation seed %u (rerun with SG_SEED=%u)\n", seed, seed);
	for (i = 0; i < n; i++) {
		uint8_t f[PKT_MAX], m[PKT_MAX];
		int len = pkt_build(&s[i], f), bad = 0;
		char name[96], err[256];

		snprintf(name, sizeof(name), "mutate_%s%s", names[i], round_sfx);
		for (k = 0; k < 1500 && !bad; k++) {
			int nflip = 1 + (int)(random() % 4), j;

			memcpy(m, f, len);
			for (j = 0; j < nflip; j++)
				m[random() % len] = (uint8_t)random();
			if (k & 1)
				fix_csums(m, len);
			if (sane_run(e, m, len, pkt_hdr_len(&s[i]), err, sizeof(err))) {
				SG_FAIL(name, "mutation %d: %s", k, err);
				bad = 1;
			}
		}
		if (!bad)
			SG_PASS(name);
	}
}

int main(void)
{
	struct xdp_env e;
	int rc = xenv_setup(&e, "truncation"), l4, l6;
	const char *seed_env = getenv("SG_SEED");
	unsigned seed = seed_env ? (unsigned)strtoul(seed_env, NULL, 0)
				 : (unsigned)time(NULL) ^ (unsigned)getpid();

	if (rc >= 0)
		return rc;
	l4 = xenv_listen("127.0.0.1", PORT);
	l6 = xenv_listen("::1", PORT);
	if (l4 < 0 || l6 < 0) {
		SG_FAIL("truncation", "cannot open listeners");
		return 1;
	}
	xenv_protect(&e, PORT);
	xenv_write_config(&e);
	truncation(&e);
	malformed(&e);
	mutation(&e, seed);
	/* again with RSTs for invalid cookie ACKs on */
	rst_on(&e);
	round_sfx = "_rst";
	truncation(&e);
	mutation(&e, seed + 1);
	close(l4);
	close(l6);
	xenv_close(&e);
	return sg_test_failures ? 1 : 0;
}
