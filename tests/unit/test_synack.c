// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_synack.c - sg_xdp answers a SYN to a protected port with a listener by
 * rewriting it into a cookie SYN-ACK (XDP_TX); every header field, both
 * checksums, the options and the cookie are checked (tests/lib/synack.c).
 * Also: no listener, existing connection, unprotected port.
 */
#include <linux/bpf.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "synack.h"
#include "testlib.h"
#include "xdp_env.h"

#define PORT		8080	/* protected, with listeners */
#define PORT_MAXSEG	8082	/* protected, listener with TCP_MAXSEG 1000 */
#define PORT_NOLSN	8081	/* protected, no listener */
#define PORT_OPEN	9090	/* not protected, with listeners */

static void syn(struct pkt_spec *s, bool v6, uint16_t dport)
{
	xenv_spec_lo(s, v6, 40000, dport);
	s->seq = 0x11223344;
	s->flags = PKT_SYN;
	pkt_linux_syn_opts(s, v6 ? 1440 : 1460, 0x01020304);
}

static void per_family(struct xdp_env *e, bool v6)
{
	const char *f = v6 ? "v6" : "v4";
	struct pkt_spec s;
	char n[96];
	int i;

#define NAME(x) (snprintf(n, sizeof(n), "synack_%s_%s", f, x), n)
	syn(&s, v6, PORT);
	synack_test(e, NAME("linux_opts"), &s, 0);

	syn(&s, v6, PORT);
	memset(&s.opt, 0, sizeof(s.opt));
	synack_test(e, NAME("no_options"), &s, 0);

	syn(&s, v6, PORT);
	s.opt.sack_perm = s.opt.ts = s.opt.ws = false;
	synack_test(e, NAME("mss_only"), &s, 0);

	syn(&s, v6, PORT);
	s.opt.sack_perm = false;
	synack_test(e, NAME("ts_no_sack"), &s, 0);

	syn(&s, v6, PORT);
	s.opt.ts = false;
	synack_test(e, NAME("sack_no_ts"), &s, 0);

	syn(&s, v6, PORT);
	s.opt.ts = s.opt.sack_perm = false;
	s.opt.ws_val = 14;
	synack_test(e, NAME("ws14_only"), &s, 0);

	syn(&s, v6, PORT);
	s.opt.ws_val = 0;
	synack_test(e, NAME("ws0"), &s, 0);

	/* every MSS table boundary, and values between */
	{
		static const uint16_t m4[] = { 536, 1299, 1300, 1439, 1440, 1459, 1460, 9000 };
		static const uint16_t m6[] = { 1220, 1419, 1420, 1439, 1440, 8939, 8940, 9000 };

		for (i = 0; i < 8; i++) {
			char x[32];

			syn(&s, v6, PORT);
			s.opt.mss_val = v6 ? m6[i] : m4[i];
			snprintf(x, sizeof(x), "client_mss_%u", s.opt.mss_val);
			synack_test(e, NAME(x), &s, 0);
		}
	}

	syn(&s, v6, PORT);
	s.payload_len = 100;
	synack_test(e, NAME("payload_removed"), &s, 0);

	syn(&s, v6, PORT);
	s.tos = 0xb8;
	s.ttl = 3;
	s.sport = 65535;
	s.seq = 0xffffffff;	/* ack = ISN + 1 wraps */
	synack_test(e, NAME("tos_ttl_isn_wrap"), &s, 0);

	syn(&s, v6, PORT);
	s.flags = PKT_SYN | PKT_ECE | PKT_CWR;
	synack_test(e, NAME("ecn_setup"), &s, 0);

	syn(&s, v6, PORT);
	s.flags = PKT_SYN | PKT_ECE;	/* not an ECN-setup SYN: no ECE back */
	synack_test(e, NAME("ece_without_cwr"), &s, 0);

	syn(&s, v6, PORT);
	s.flags = PKT_SYN | PKT_PSH;	/* other flags on a SYN are not invalid */
	synack_test(e, NAME("syn_psh"), &s, 0);

	xenv_sysctl_set("net/ipv4/tcp_ecn", 0);
	syn(&s, v6, PORT);
	s.flags = PKT_SYN | PKT_ECE | PKT_CWR;
	synack_test(e, NAME("ecn_sysctl_off"), &s, 0);
	xenv_sysctl_set("net/ipv4/tcp_ecn", 2);

	xenv_sysctl_set("net/ipv4/tcp_sack", 0);
	syn(&s, v6, PORT);
	synack_test(e, NAME("sack_sysctl_off"), &s, 0);
	xenv_sysctl_set("net/ipv4/tcp_sack", 1);

	xenv_sysctl_set("net/ipv4/tcp_window_scaling", 0);
	syn(&s, v6, PORT);
	synack_test(e, NAME("ws_sysctl_off"), &s, 0);
	xenv_sysctl_set("net/ipv4/tcp_window_scaling", 1);

	xenv_sysctl_set("net/ipv4/tcp_timestamps", 0);
	syn(&s, v6, PORT);
	synack_test(e, NAME("ts_sysctl_off"), &s, 0);
	xenv_sysctl_set("net/ipv4/tcp_timestamps", 1);

	/* the listener's TCP_MAXSEG clamps our MSS, as in the kernel; over
	 * IPv6 a TCP_MAXSEG below 1220 (the kfunc's floor for the child) gets
	 * the kernel's own handshake */
	syn(&s, v6, PORT_MAXSEG);
	if (v6)
		xenv_expect(e, NAME("listener_maxseg_below_1220_to_kernel"), &s, XDP_PASS,
			    SG_CNT_PASS_SYN_TX_ERROR, NULL);
	else
		synack_test(e, NAME("listener_maxseg"), &s, 1000);

	/* a different TTL in the config */
	e->cfg.ttl = 200;
	xenv_write_config(e);
	syn(&s, v6, PORT);
	synack_test(e, NAME("config_ttl"), &s, 0);
	e->cfg.ttl = 64;
	xenv_write_config(e);

	syn(&s, v6, PORT_NOLSN);
	xenv_expect(e, NAME("no_listener_pass"), &s, XDP_PASS, SG_CNT_PASS_SYN_NO_LISTENER, NULL);

	syn(&s, v6, PORT_OPEN);
	xenv_expect(e, NAME("unprotected_pass"), &s, XDP_PASS, SG_CNT_PASS_UNPROTECTED, NULL);

	/* a SYN on the 4-tuple of an established connection goes to the kernel */
	{
		const char *a = v6 ? "::1" : "127.0.0.1";
		int lfd = xenv_listen(a, PORT + 100), afd = -1, cfd;
		uint16_t cport = 0;

		xenv_protect(e, PORT + 100);
		xenv_write_config(e);
		cfd = lfd < 0 ? lfd : xenv_connect(a, PORT + 100, lfd, &afd, &cport);
		if (cfd < 0) {
			SG_FAIL(NAME("existing_conn_pass"), "cannot connect over lo");
		} else {
			syn(&s, v6, PORT + 100);
			s.sport = cport;
			xenv_expect(e, NAME("existing_conn_pass"), &s, XDP_PASS,
				    SG_CNT_PASS_SYN_EXISTING, NULL);
			close(cfd);
			close(afd);
		}
		if (lfd >= 0)
			close(lfd);
	}
#undef NAME
}

int main(void)
{
	struct xdp_env e;
	int rc = xenv_setup(&e, "synack"), fds[6], i, maxseg = 1000;

	if (rc >= 0)
		return rc;
	fds[0] = xenv_listen("127.0.0.1", PORT);
	fds[1] = xenv_listen("::1", PORT);
	fds[2] = xenv_listen("127.0.0.1", PORT_OPEN);
	fds[3] = xenv_listen("::1", PORT_OPEN);
	fds[4] = xenv_listen_mss("127.0.0.1", PORT_MAXSEG, maxseg);
	fds[5] = xenv_listen_mss("::1", PORT_MAXSEG, maxseg);
	for (i = 0; i < 6; i++)
		if (fds[i] < 0) {
			SG_FAIL("synack", "cannot open listeners");
			return 1;
		}
	xenv_protect(&e, PORT);
	xenv_protect(&e, PORT_NOLSN);
	xenv_protect(&e, PORT_MAXSEG);
	xenv_write_config(&e);
	per_family(&e, false);
	per_family(&e, true);
	for (i = 0; i < 6; i++)
		close(fds[i]);
	xenv_close(&e);
	return sg_test_failures ? 1 : 0;
}
