// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_flags.c - flag combinations to a protected port: the invalid ones are
 * dropped, each under its own counter (SYN+FIN, SYN+RST, no flags, FIN+PSH+URG
 * without ACK); the rest (RST, SYN+ACK, FIN, ...) pass; to an unprotected
 * port nothing is dropped.
 */
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"
#include "xdp_env.h"

#define PORT		8080	/* protected, listener */
#define PORT_OPEN	9090	/* not protected */

struct fcase {
	const char *name;
	uint8_t flags;
	uint32_t verdict;
	int counter;
};

static const struct fcase cases[] = {
	{ "syn_fin", PKT_SYN | PKT_FIN, XDP_DROP, SG_CNT_DROP_SYN_FIN },
	{ "syn_fin_psh", PKT_SYN | PKT_FIN | PKT_PSH, XDP_DROP, SG_CNT_DROP_SYN_FIN },
	{ "syn_fin_ack", PKT_SYN | PKT_FIN | PKT_ACK, XDP_DROP, SG_CNT_DROP_SYN_FIN },
	{ "syn_rst", PKT_SYN | PKT_RST, XDP_DROP, SG_CNT_DROP_SYN_RST },
	{ "syn_rst_ack", PKT_SYN | PKT_RST | PKT_ACK, XDP_DROP, SG_CNT_DROP_SYN_RST },
	{ "no_flags", 0, XDP_DROP, SG_CNT_DROP_NO_FLAGS },
	{ "fin_psh_urg", PKT_FIN | PKT_PSH | PKT_URG, XDP_DROP, SG_CNT_DROP_FIN_PSH_URG },
	{ "rst", PKT_RST, XDP_PASS, SG_CNT_PASS_OTHER },
	{ "rst_ack", PKT_RST | PKT_ACK, XDP_PASS, SG_CNT_PASS_OTHER },
	{ "syn_ack", PKT_SYN | PKT_ACK, XDP_PASS, SG_CNT_PASS_OTHER },
	{ "fin", PKT_FIN, XDP_PASS, SG_CNT_PASS_OTHER },
	{ "psh", PKT_PSH, XDP_PASS, SG_CNT_PASS_OTHER },
	{ "urg", PKT_URG, XDP_PASS, SG_CNT_PASS_OTHER },
	{ "fin_psh", PKT_FIN | PKT_PSH, XDP_PASS, SG_CNT_PASS_OTHER },
};

static void frame(struct pkt_spec *s, bool v6, uint16_t sport, uint16_t dport, uint8_t flags)
{
	xenv_spec_lo(s, v6, sport, dport);
	s->seq = 0x10000;
	s->ack = (flags & PKT_ACK) ? 0x20000 : 0;
	s->flags = flags;
	if (flags & PKT_SYN)
		pkt_linux_syn_opts(s, 1460, 1);
}

static void per_family(struct xdp_env *e, bool v6, uint16_t est_port)
{
	const char *f = v6 ? "v6" : "v4";
	struct pkt_spec s;
	char n[96];
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		frame(&s, v6, 44000, PORT, cases[i].flags);
		snprintf(n, sizeof(n), "flags_%s_%s", f, cases[i].name);
		xenv_expect(e, n, &s, cases[i].verdict, cases[i].counter, NULL);

		/* the same to an unprotected port: never dropped */
		frame(&s, v6, 44000, PORT_OPEN, cases[i].flags);
		snprintf(n, sizeof(n), "flags_%s_%s_unprotected", f, cases[i].name);
		xenv_expect(e, n, &s, XDP_PASS, SG_CNT_PASS_UNPROTECTED, NULL);
	}
	/* SYN+FIN+RST: either SYN rule may claim it, but it is one drop */
	{
		struct xres r;

		frame(&s, v6, 44000, PORT, PKT_SYN | PKT_FIN | PKT_RST);
		snprintf(n, sizeof(n), "flags_%s_syn_fin_rst", f);
		if (xenv_run_spec(e, &s, &r))
			SG_FAIL(n, "test run failed");
		else
			SG_EXPECT(n, r.ret == XDP_DROP && r.nmoved == 1 &&
				     (r.counter == SG_CNT_DROP_SYN_FIN ||
				      r.counter == SG_CNT_DROP_SYN_RST),
				  "%s with %s", xenv_verdict(r.ret), xenv_counter_name(r.counter));
	}
	/* FIN+PSH+URG with ACK is a legitimate segment of a connection */
	frame(&s, v6, est_port, PORT, PKT_FIN | PKT_PSH | PKT_URG | PKT_ACK);
	snprintf(n, sizeof(n), "flags_%s_fin_psh_urg_ack_established", f);
	xenv_expect(e, n, &s, XDP_PASS, SG_CNT_PASS_ESTABLISHED, NULL);
}

int main(void)
{
	struct xdp_env e;
	struct xenv_flows f;
	int rc = xenv_setup(&e, "flags");

	if (rc >= 0)
		return rc;
	if (xenv_flows_open(&f, "flags", PORT))
		return 1;
	xenv_protect(&e, PORT);
	xenv_write_config(&e);
	per_family(&e, false, f.cport[0]);
	per_family(&e, true, f.cport[1]);
	xenv_flows_close(&f);
	xenv_close(&e);
	return sg_test_failures ? 1 : 0;
}
