// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_monitor.c - monitor mode (SG_CFG_MONITOR, protect --monitor) through
 * BPF_PROG_TEST_RUN: every frame that enforce mode answers (XDP_TX) or drops
 * is run again in monitor mode, where it must pass (XDP_PASS) with data_out
 * byte-identical to data_in, no metadata, and exactly the would_* counter of
 * the enforce verdict moved. Then the switch back: the same frame gets the
 * enforce verdict again (the flag is read per packet, no re-attach).
 */
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "handshake.h"
#include "testlib.h"
#include "xdp_env.h"

#define PORT	8080
#define HOST4	"10.9.7.1"	/* ours (on lo) */
#define PEER4	"10.9.7.50"
#define HOST6	"fd09::7:1"
#define PEER6	"fd09::7:50"

/* the would_* counter of each enforce verdict (bpf/verdict.h) */
static int would_of(int c)
{
	switch (c) {
	case SG_CNT_TX_SYNACK: return SG_CNT_WOULD_TX_SYNACK;
	case SG_CNT_TX_RST: return SG_CNT_WOULD_TX_RST;
	case SG_CNT_DROP_COOKIE_INVALID: return SG_CNT_WOULD_DROP_COOKIE_INVALID;
	case SG_CNT_DROP_ACK_MAYBE_OURS: return SG_CNT_WOULD_DROP_COOKIE_INVALID;
	case SG_CNT_DROP_SYN_FIN: return SG_CNT_WOULD_DROP_SYN_FIN;
	case SG_CNT_DROP_SYN_RST: return SG_CNT_WOULD_DROP_SYN_RST;
	case SG_CNT_DROP_NO_FLAGS: return SG_CNT_WOULD_DROP_NO_FLAGS;
	case SG_CNT_DROP_FIN_PSH_URG: return SG_CNT_WOULD_DROP_FIN_PSH_URG;
	case SG_CNT_DROP_RST_CAPPED: return SG_CNT_WOULD_DROP_RST_CAPPED;
	case SG_CNT_DROP_MARTIAN: return SG_CNT_WOULD_DROP_MARTIAN;
	case SG_CNT_DROP_BAD_CSUM: return SG_CNT_WOULD_DROP_BAD_CSUM;
	case SG_CNT_DROP_FRAGMENT: return SG_CNT_WOULD_DROP_FRAGMENT;
	case SG_CNT_DROP_UNCHECKED: return SG_CNT_WOULD_DROP_UNCHECKED;
	default: return c;	/* a pass is a pass in both modes */
	}
}

static int set_rst_limit(struct xdp_env *e, uint32_t rate)
{
	int fd = xenv_map_fd(e, "sg_limits");
	struct sg_limits l;
	__u32 zero = 0;

	if (fd < 0 || bpf_map_lookup_elem(fd, &zero, &l))
		return -1;
	l.rate[SG_RL_RST] = rate;
	return bpf_map_update_elem(fd, &zero, &l, BPF_ANY) ? -1 : 0;
}

static void set_monitor(struct xdp_env *e, bool on)
{
	if (on)
		e->cfg.flags |= SG_CFG_MONITOR;
	else
		e->cfg.flags &= ~SG_CFG_MONITOR;
	xenv_write_config(e);
}

/* the no-TS period the program sees (main() sets it) */
static uint32_t g_period;

/* An ACK without a cookie of ours; its echoed time (the no-TS period bits
 * of ack - 1) the current period (in_time: "maybe ours", never reset) or
 * period + 3 (outside every window: invalid, an RST if on). */
static uint32_t forged_ack(bool in_time)
{
	uint32_t ctr = (g_period + (in_time ? 0 : 3)) & SG_HS_NOTS_CTR_MASK;

	return (0xabcd0000U | (ctr << SG_HS_NOTS_CTR_SHIFT)) + 1;
}

static void base(struct pkt_spec *s, bool v6, const char *src, uint8_t flags)
{
	pkt_spec_init(s);
	if (v6)
		pkt_set_v6(s, src, HOST6);
	else
		pkt_set_v4(s, src, HOST4);
	s->sport = 40000;
	s->dport = PORT;
	s->seq = 0x1000;
	s->flags = flags;
	if (flags == PKT_SYN)
		pkt_linux_syn_opts(s, 1460, 12345);
	if (flags & PKT_ACK)
		s->ack = forged_ack(false);
}

/* Enforce, then monitor, then enforce again, for one frame. */
static void one(struct xdp_env *e, const char *name, const struct pkt_spec *s, int want_c,
		uint32_t want_v)
{
	uint8_t in[PKT_MAX];
	int len = pkt_build(s, in);
	struct xres r;
	char n[128];

	set_monitor(e, false);
	snprintf(n, sizeof(n), "%s_enforce", name);
	if (xenv_run(e, in, len, &r) || r.ret != want_v || r.counter != want_c) {
		SG_FAIL(n, "%s with %s, want %s with %s", xenv_verdict(r.ret),
			xenv_counter_name(r.counter), xenv_verdict(want_v), xenv_counter_name(want_c));
		return;
	}
	SG_PASS(n);
	set_monitor(e, true);
	snprintf(n, sizeof(n), "%s_monitor", name);
	if (xenv_run(e, in, len, &r) || r.ret != XDP_PASS || r.counter != would_of(want_c)) {
		SG_FAIL(n, "%s with %s, want XDP_PASS with %s", xenv_verdict(r.ret),
			xenv_counter_name(r.counter), xenv_counter_name(would_of(want_c)));
	} else {
		SG_PASS(n);
	}
	snprintf(n, sizeof(n), "%s_monitor_byte_identical", name);
	SG_EXPECT(n, r.len == len && !memcmp(r.data, in, len) && !r.meta_len,
		  "frame changed (len %d -> %d, meta %d)", len, r.len, r.meta_len);
	set_monitor(e, false);
	snprintf(n, sizeof(n), "%s_enforce_again", name);
	SG_EXPECT(n, !xenv_run(e, in, len, &r) && r.ret == want_v && r.counter == want_c,
		  "%s with %s after switching back", xenv_verdict(r.ret),
		  xenv_counter_name(r.counter));
}

static void run_family(struct xdp_env *e, bool v6)
{
	const char *f = v6 ? "v6" : "v4", *peer = v6 ? PEER6 : PEER4;
	struct pkt_spec s;
	char n[64];

#define CASE(tag, c, v) do { snprintf(n, sizeof(n), "monitor_%s_%s", f, tag); one(e, n, &s, c, v); } while (0)
	base(&s, v6, peer, PKT_SYN);
	CASE("syn", SG_CNT_TX_SYNACK, XDP_TX);
	base(&s, v6, peer, PKT_SYN);
	s.bad_l4_csum = true;
	CASE("syn_bad_csum", SG_CNT_DROP_BAD_CSUM, XDP_DROP);
	base(&s, v6, v6 ? "ff02::1" : "255.255.255.255", PKT_SYN);
	CASE("syn_martian", SG_CNT_DROP_MARTIAN, XDP_DROP);
	base(&s, v6, peer, PKT_SYN | PKT_FIN);
	CASE("syn_fin", SG_CNT_DROP_SYN_FIN, XDP_DROP);
	base(&s, v6, peer, PKT_SYN | PKT_RST);
	CASE("syn_rst", SG_CNT_DROP_SYN_RST, XDP_DROP);
	base(&s, v6, peer, 0);
	CASE("no_flags", SG_CNT_DROP_NO_FLAGS, XDP_DROP);
	base(&s, v6, peer, PKT_FIN | PKT_PSH | PKT_URG);
	CASE("xmas", SG_CNT_DROP_FIN_PSH_URG, XDP_DROP);
	base(&s, v6, peer, PKT_ACK);
	set_rst_limit(e, 0);
	CASE("forged_ack", SG_CNT_DROP_COOKIE_INVALID, XDP_DROP);
	if (set_rst_limit(e, 100000)) {
		SG_FAIL("monitor_rst_limit", "cannot write sg_limits");
	} else {
		base(&s, v6, peer, PKT_ACK);
		CASE("forged_ack_rst", SG_CNT_TX_RST, XDP_TX);
		/* within the cookie's time: dropped, RSTs on or not */
		s.ack = forged_ack(true);
		CASE("forged_ack_in_time", SG_CNT_DROP_ACK_MAYBE_OURS, XDP_DROP);
		set_rst_limit(e, 0);
	}
	base(&s, v6, peer, PKT_ACK);
	s.dport = PORT + 1;	/* not protected: a pass either way */
	CASE("unprotected", SG_CNT_PASS_UNPROTECTED, XDP_PASS);
#undef CASE
}

int main(void)
{
	struct xdp_env e;
	int rc = xenv_setup(&e, "monitor"), lfd[2];

	if (rc >= 0)
		return rc;
	g_period = e.period;
	if (xenv_host_port(&e, "monitor", HOST4, HOST6, PORT, lfd))
		return 1;
	run_family(&e, false);
	run_family(&e, true);
	xenv_close(&e);
	close(lfd[0]);
	close(lfd[1]);
	return sg_test_failures ? 1 : 0;
}
