// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_parse.c - sg_xdp parses every encapsulation it claims to: Ethernet with
 * 0, 1 or 2 VLAN tags (802.1Q, 802.1ad), IPv4 with and without options, IPv6
 * with hop-by-hop, routing, destination options and AH headers, alone and
 * chained (also past the 8 headers walked inline). A SYN through each must come back as a correct SYN-ACK (tags kept,
 * options and extension headers stripped), and an ACK of a real connection
 * through each must pass untouched.
 */
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "synack.h"
#include "testlib.h"
#include "xdp_env.h"

#define PORT 8080

struct l3_variant {
	const char *name;
	bool v6;
	int ip4_optlen;
	int next;
	uint8_t ext[PKT_MAX_EXT];
};

static const struct l3_variant l3v[] = {
	{ "v4", false, 0, 0, { 0 } },
	{ "v4_opt4", false, 4, 0, { 0 } },
	{ "v4_opt20", false, 20, 0, { 0 } },
	{ "v4_opt40", false, 40, 0, { 0 } },
	{ "v6", true, 0, 0, { 0 } },
	{ "v6_hop", true, 0, 1, { PKT_EXT_HOP } },
	{ "v6_routing", true, 0, 1, { PKT_EXT_ROUTING } },
	{ "v6_dest", true, 0, 1, { PKT_EXT_DEST } },
	{ "v6_auth", true, 0, 1, { PKT_EXT_AUTH } },
	{ "v6_hop_dest_routing", true, 0, 3,
	  { PKT_EXT_HOP, PKT_EXT_DEST, PKT_EXT_ROUTING } },
	{ "v6_hop_dest_routing_dest", true, 0, 4,
	  { PKT_EXT_HOP, PKT_EXT_DEST, PKT_EXT_ROUTING, PKT_EXT_DEST } },
	/* longer than the inline walk (8): the rest is walked by bpf_loop */
	{ "v6_9dest", true, 0, 9, { PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST,
				   PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST,
				   PKT_EXT_DEST } },
	{ "v6_hop_12dest_auth", true, 0, 14,
	  { PKT_EXT_HOP, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST,
	    PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST, PKT_EXT_DEST,
	    PKT_EXT_DEST, PKT_EXT_AUTH } },
};

struct l2_variant {
	const char *name;
	int nvlan;
	uint16_t tpid[2];
};

static const struct l2_variant l2v[] = {
	{ "eth", 0, { 0, 0 } },
	{ "vlan", 1, { PKT_ETH_P_8021Q, 0 } },
	{ "qinq", 2, { PKT_ETH_P_8021AD, PKT_ETH_P_8021Q } },
	{ "2x8021q", 2, { PKT_ETH_P_8021Q, PKT_ETH_P_8021Q } },
};

static void frame(struct pkt_spec *s, const struct l2_variant *l2,
		  const struct l3_variant *l3)
{
	xenv_spec_lo(s, l3->v6, 0, PORT);	/* the caller sets sport */
	s->nvlan = l2->nvlan;
	s->vlan_tpid[0] = l2->tpid[0];
	s->vlan_tpid[1] = l2->tpid[1];
	s->vlan_tci[0] = 0x2064;	/* PCP 1, VID 100 */
	s->vlan_tci[1] = 0x00c8;	/* VID 200 */
	s->ip4_optlen = l3->ip4_optlen;
	s->next = l3->next;
	memcpy(s->ext, l3->ext, sizeof(s->ext));
}

int main(void)
{
	struct xdp_env e;
	int rc = xenv_setup(&e, "parse");
	struct xenv_flows f;
	unsigned i, j;
	char n[128];

	if (rc >= 0)
		return rc;
	if (xenv_flows_open(&f, "parse", PORT))
		return 1;
	xenv_protect(&e, PORT);
	xenv_write_config(&e);

	for (i = 0; i < sizeof(l2v) / sizeof(l2v[0]); i++) {
		for (j = 0; j < sizeof(l3v) / sizeof(l3v[0]); j++) {
			struct pkt_spec s;
			struct xres r;

			frame(&s, &l2v[i], &l3v[j]);
			s.sport = 41000;
			s.seq = 1000 + i * 100 + j;
			s.flags = PKT_SYN;
			pkt_linux_syn_opts(&s, 1400, 777);
			snprintf(n, sizeof(n), "parse_syn_%s_%s", l2v[i].name, l3v[j].name);
			synack_test(&e, n, &s, 0);

			/* ACK on the real connection: established, untouched */
			frame(&s, &l2v[i], &l3v[j]);
			s.sport = f.cport[l3v[j].v6];
			s.seq = 5;
			s.ack = 6;
			s.flags = PKT_ACK;
			snprintf(n, sizeof(n), "parse_ack_est_%s_%s", l2v[i].name, l3v[j].name);
			if (!xenv_expect(&e, n, &s, XDP_PASS, SG_CNT_PASS_ESTABLISHED, &r)) {
				uint8_t buf[PKT_MAX];
				int len = pkt_build(&s, buf);

				snprintf(n, sizeof(n), "parse_ack_untouched_%s_%s", l2v[i].name,
					 l3v[j].name);
				SG_EXPECT(n, r.len == len && !memcmp(r.data, buf, len) && !r.meta_len,
					  "frame changed (len %d -> %d, meta %d)", len, r.len,
					  r.meta_len);
			}
		}
	}
	xenv_flows_close(&f);
	xenv_close(&e);
	return sg_test_failures ? 1 : 0;
}
