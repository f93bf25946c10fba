// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_misc.c - what sg_xdp must leave to the kernel: non-TCP (UDP, ICMP,
 * ICMPv6, ARP, other ethertypes), later IPv4/IPv6 fragments, TCP to unprotected
 * ports, IPv4 without DF; and that a SYN without DF is still answered.
 */
#include <linux/bpf.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "synack.h"
#include "testlib.h"
#include "xdp_env.h"

#define PORT		8080
#define PORT_OPEN	9090

static void base(struct pkt_spec *s, bool v6, uint8_t flags)
{
	xenv_spec_lo(s, v6, 45000, PORT);
	s->seq = 77;
	s->flags = flags;
	if (flags & PKT_SYN)
		pkt_linux_syn_opts(s, 1460, 5);
}

static void per_family(struct xdp_env *e, bool v6, uint16_t est_port)
{
	const char *f = v6 ? "v6" : "v4";
	struct pkt_spec s;
	char n[96];

#define NAME(x) (snprintf(n, sizeof(n), "misc_%s_%s", f, x), n)
	base(&s, v6, 0);
	s.l4 = IPPROTO_UDP;
	s.payload_len = 32;
	xenv_expect(e, NAME("udp_to_protected_port"), &s, XDP_PASS, SG_CNT_PASS_NON_TCP, NULL);

	base(&s, v6, 0);
	s.l4 = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	s.payload_len = 56;
	xenv_expect(e, NAME("icmp_echo"), &s, XDP_PASS, SG_CNT_PASS_NON_TCP, NULL);

	base(&s, v6, 0);
	s.l4 = IPPROTO_UDP;
	s.nvlan = 2;
	s.vlan_tpid[0] = PKT_ETH_P_8021AD;
	xenv_expect(e, NAME("udp_qinq"), &s, XDP_PASS, SG_CNT_PASS_NON_TCP, NULL);

	/* fragments of a SYN: the first (MF, with the TCP header) cannot be
	 * checked and is dropped (no stack fragments a SYN; hardening item
	 * 9), later ones pass: without their first they never reassemble */
	base(&s, v6, PKT_SYN);
	if (v6) {
		s.next = 1;
		s.ext[0] = PKT_EXT_FRAG;
	}
	s.mf = true;
	xenv_expect(e, NAME("fragment_first"), &s, XDP_DROP, SG_CNT_DROP_FRAGMENT, NULL);
	s.mf = false;
	s.frag_off = 100;
	xenv_expect(e, NAME("fragment_last"), &s, XDP_PASS, SG_CNT_PASS_FRAGMENT, NULL);
	s.mf = true;
	xenv_expect(e, NAME("fragment_middle"), &s, XDP_PASS, SG_CNT_PASS_FRAGMENT, NULL);
	if (v6) {
		/* the fragment header behind other extension headers */
		base(&s, v6, PKT_SYN);
		s.next = 3;
		s.ext[0] = PKT_EXT_HOP;
		s.ext[1] = PKT_EXT_DEST;
		s.ext[2] = PKT_EXT_FRAG;
		s.mf = true;
		xenv_expect(e, NAME("fragment_after_hop_dest"), &s, XDP_DROP,
			    SG_CNT_DROP_FRAGMENT, NULL);
		/* an atomic fragment (offset 0, no MF) is not a fragment: RFC 6946
		 * has it processed as a whole packet, and the kernel does so
		 * (ipv6_frag_rcv), so it is answered like any SYN */
		base(&s, v6, PKT_SYN);
		s.next = 1;
		s.ext[0] = PKT_EXT_FRAG;
		synack_test(e, NAME("atomic_fragment_answered"), &s, 0);
	}

	/* TCP to an unprotected port */
	base(&s, v6, PKT_SYN);
	s.dport = PORT_OPEN;
	xenv_expect(e, NAME("syn_unprotected"), &s, XDP_PASS, SG_CNT_PASS_UNPROTECTED, NULL);
	base(&s, v6, PKT_ACK);
	s.dport = PORT_OPEN;
	xenv_expect(e, NAME("ack_unprotected"), &s, XDP_PASS, SG_CNT_PASS_UNPROTECTED, NULL);
	/* ports are host order in the bitmap: the byte-swapped port is not ours */
	base(&s, v6, PKT_SYN);
	s.dport = (uint16_t)((PORT >> 8) | ((PORT & 0xff) << 8));
	xenv_expect(e, NAME("syn_byteswapped_port"), &s, XDP_PASS, SG_CNT_PASS_UNPROTECTED, NULL);

	if (!v6) {
		/* without DF, in an established flow */
		base(&s, v6, PKT_ACK | PKT_PSH);
		s.sport = est_port;
		s.no_df = true;
		s.payload_len = 100;
		xenv_expect(e, NAME("no_df_established"), &s, XDP_PASS,
			    SG_CNT_PASS_ESTABLISHED, NULL);
		/* a SYN without DF is answered like any other */
		base(&s, v6, PKT_SYN);
		s.no_df = true;
		synack_test(e, NAME("no_df_syn"), &s, 0);
	}
#undef NAME
}

int main(void)
{
	struct xdp_env e;
	struct xenv_flows f;
	int rc = xenv_setup(&e, "misc");
	struct pkt_spec s;

	if (rc >= 0)
		return rc;
	if (xenv_flows_open(&f, "misc", PORT))
		return 1;
	xenv_protect(&e, PORT);
	xenv_write_config(&e);

	pkt_spec_init(&s);
	pkt_set_v4(&s, "127.0.0.2", "127.0.0.1");
	s.ethertype = PKT_ETH_P_ARP;
	xenv_expect(&e, "misc_arp", &s, XDP_PASS, SG_CNT_PASS_NON_TCP, NULL);
	s.nvlan = 1;
	xenv_expect(&e, "misc_arp_vlan", &s, XDP_PASS, SG_CNT_PASS_NON_TCP, NULL);
	s.nvlan = 0;
	s.ethertype = 0x88cc;	/* LLDP */
	xenv_expect(&e, "misc_lldp", &s, XDP_PASS, SG_CNT_PASS_NON_TCP, NULL);

	per_family(&e, false, f.cport[0]);
	per_family(&e, true, f.cport[1]);
	xenv_flows_close(&f);
	xenv_close(&e);
	return sg_test_failures ? 1 : 0;
}
