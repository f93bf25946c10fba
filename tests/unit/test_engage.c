// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_engage.c - engagement mode (protect --engage auto, bpf/engage.h)
 * through BPF_PROG_TEST_RUN:
 *  always_*   SG_CFG_ENGAGE_AUTO clear: every SYN gets a cookie SYN-ACK;
 *  idle_*     auto, below the rate: SYNs pass untouched to the kernel
 *             (pass_syn_disengaged), the port's state counts them;
 *  rate_*     past --engage-rate in the window: engaged (counted, logged),
 *             SYNs get a SYN-ACK; a port not in auto:PORTS stays always;
 *  cookie_*   a cookie ACK of ours still validates after disengagement;
 *  hold_*     after the hold time without pressure: disengaged at the next
 *             SYN (counted, logged);
 *  monitor_*  monitor mode composes: the same engagement, would_synack_sent;
 *  queue_*    the listener's SYN queue (request sockets kept by
 *             TCP_DEFER_ACCEPT) past --engage-queue: engaged by queue;
 *  kcookie_*  an ACK carrying the kernel's own SYN cookie (the kernel sent
 *             it with tcp_syncookies=2) finds only the listener and fails
 *             our check: passed (pass_ack_kernel_cookie), not dropped; a
 *             forged ACK is still dropped; the handshake's later segments
 *             pass after a pure ACK, drop after a data one (sg_recent).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "engage_defs.h"
#include "handshake.h"
#include "recent_defs.h"
#include "synack.h"
#include "testlib.h"
#include "xdp_env.h"

#define PORT	8080	/* auto */
#define PORT2	8081	/* protected, always */
#define QPORT	8082	/* auto, queue trigger */
#define KPORT	8083	/* auto, kernel cookies */
#define HOST4	"10.9.5.1"
#define HOST6	"fd09::5:1"

static void syn(struct pkt_spec *s, const char *src, uint16_t sport, uint16_t dport)
{
	bool v6 = strchr(src, ':');

	pkt_spec_init(s);
	if (v6)
		pkt_set_v6(s, src, HOST6);
	else
		pkt_set_v4(s, src, HOST4);
	s->sport = sport;
	s->dport = dport;
	s->seq = 0x1000 + sport;
	s->flags = PKT_SYN;
	pkt_linux_syn_opts(s, 1460, 12345);
}

static int write_engage(struct xdp_env *e, const struct sg_engage_cfg *c)
{
	int fd = xenv_map_fd(e, "sg_engage_cfg");
	__u32 zero = 0;

	if (fd < 0 || bpf_map_update_elem(fd, &zero, c, BPF_ANY))
		return -1;
	if (c->nauto)
		e->cfg.flags |= SG_CFG_ENGAGE_AUTO;
	else
		e->cfg.flags &= ~SG_CFG_ENGAGE_AUTO;
	return xenv_write_config(e);
}

static int port_state(struct xdp_env *e, __u32 port, struct sg_engage_port *st)
{
	return bpf_map_lookup_elem(xenv_map_fd(e, "sg_engage"), &port, st);
}

static int read_log(struct xdp_env *e, struct sg_engage_log *log)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(xenv_map_fd(e, "sg_engage_log"), &zero, log);
}

static uint64_t counter(struct xdp_env *e, int c)
{
	uint64_t cnt[SG_CNT_MAX];

	return xenv_counters(e, cnt) ? ~0ULL : cnt[c];
}

/* The SYN passes to the kernel byte-identical, counted as disengaged. */
static void expect_pass(struct xdp_env *e, const char *name, const struct pkt_spec *s)
{
	xenv_expect_untouched(e, name, s, XDP_PASS, SG_CNT_PASS_SYN_DISENGAGED);
}

static void cfg_auto(struct sg_engage_cfg *c, __u32 rate, __u32 queue, __u64 hold_ns)
{
	memset(c, 0, sizeof(*c));
	c->rate = rate;
	c->queue_pct = queue;
	c->hold_ns = hold_ns;
	c->hold_s = 1;
	c->auto_ports[PORT >> 6] |= 1ULL << (PORT & 63);
	c->auto_ports[QPORT >> 6] |= 1ULL << (QPORT & 63);
	c->auto_ports[KPORT >> 6] |= 1ULL << (KPORT & 63);
	c->nauto = 3;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* rate, hold, cookie across the switch, monitor: on PORT */
static void rate_and_hold(struct xdp_env *e)
{
	struct sg_engage_cfg c;
	struct sg_engage_port st;
	struct sg_engage_log log;
	struct pkt_spec s, ack;
	struct pkt_info pi;
	struct xres r;
	char perr[64];
	uint64_t eng0, dis0;
	char n[64];
	int i;

	memset(&c, 0, sizeof(c));
	write_engage(e, &c);
	syn(&s, "10.8.0.5", 40000, PORT);
	synack_test(e, "always_syn_answered", &s, 0);

	/* rate 5 per second, hold 300 ms */
	cfg_auto(&c, 5, 0, 300000000ULL);
	if (write_engage(e, &c)) {
		SG_FAIL("engage_maps", "no sg_engage_cfg map in the object");
		return;
	}
	eng0 = counter(e, SG_CNT_ENGAGE);
	dis0 = counter(e, SG_CNT_DISENGAGE);
	for (i = 0; i < 5; i++) {
		syn(&s, i & 1 ? "fd0a::5" : "10.8.0.5", 40001 + i, PORT);
		snprintf(n, sizeof(n), "idle_syn_%d_passes", i);
		expect_pass(e, n, &s);
	}
	SG_EXPECT("idle_state", !port_state(e, PORT, &st) && !st.engaged && st.win_syns == 5 &&
		  !st.engages, "engaged %u syns %u engages %u", st.engaged, st.win_syns, st.engages);
	SG_EXPECT("idle_no_transition", counter(e, SG_CNT_ENGAGE) == eng0, "engages moved");
	syn(&s, "10.8.0.5", 40100, PORT2);
	synack_test(e, "rate_always_port_answered", &s, 0);

	syn(&s, "10.8.0.6", 40010, PORT);
	synack_test(e, "rate_sixth_syn_engages", &s, 0);
	SG_EXPECT("rate_state", !port_state(e, PORT, &st) && st.engaged == SG_ENGAGE_BY_RATE &&
		  st.engages == 1 && st.change_ns, "engaged %u engages %u", st.engaged, st.engages);
	SG_EXPECT("rate_counted", counter(e, SG_CNT_ENGAGE) == eng0 + 1, "engages %llu",
		  (unsigned long long)(counter(e, SG_CNT_ENGAGE) - eng0));
	SG_EXPECT("rate_logged", !read_log(e, &log) && log.next == 1 && log.ev[0].seq == 1 &&
		  log.ev[0].port == PORT && log.ev[0].engaged == 1 &&
		  log.ev[0].reason == SG_ENGAGE_BY_RATE && log.ev[0].syns == 6,
		  "next %llu seq %llu port %u engaged %u syns %u", (unsigned long long)log.next,
		  (unsigned long long)log.ev[0].seq, log.ev[0].port, log.ev[0].engaged,
		  log.ev[0].syns);
	syn(&s, "fd0a::6", 40011, PORT);
	synack_test(e, "rate_engaged_v6_answered", &s, 0);

	/* a cookie issued while engaged, for the ACK after disengagement */
	syn(&ack, "10.8.0.7", 40012, PORT);
	if (xenv_run_spec(e, &ack, &r) || r.ret != XDP_TX ||
	    pkt_parse(r.data, r.len, &pi, perr, sizeof(perr))) {
		SG_FAIL("cookie_synack", "%s", xenv_counter_name(r.counter));
		pi.seq = 0;
	}

	/* the window rolls over (1 s), then the hold (300 ms) runs out; the
	 * window before counted up to rate + 1 (6), then only read */
	sleep_ms(1400);
	syn(&s, "10.8.0.8", 40013, PORT);
	expect_pass(e, "hold_expired_syn_passes", &s);
	SG_EXPECT("hold_state", !port_state(e, PORT, &st) && !st.engaged && st.disengages == 1 &&
		  st.win_syns == 1 && st.prev_syns == 6, "engaged %u disengages %u syns %u prev %u",
		  st.engaged, st.disengages, st.win_syns, st.prev_syns);
	SG_EXPECT("hold_counted", counter(e, SG_CNT_DISENGAGE) == dis0 + 1, "disengages %llu",
		  (unsigned long long)(counter(e, SG_CNT_DISENGAGE) - dis0));
	SG_EXPECT("hold_logged", !read_log(e, &log) && log.next == 2 && log.ev[1].seq == 2 &&
		  log.ev[1].engaged == 0 && log.ev[1].port == PORT, "next %llu",
		  (unsigned long long)log.next);

	/* the handshake begun while engaged completes after the switch */
	ack.flags = PKT_ACK;
	ack.seq += 1;
	ack.ack = pi.seq + 1;
	ack.opt.mss = ack.opt.sack_perm = ack.opt.ws = false;
	ack.opt.tsecr = pi.opt.tsval;
	xenv_expect(e, "cookie_ack_after_disengage_valid", &ack, XDP_PASS, SG_CNT_PASS_COOKIE_VALID,
		    NULL);

	/* monitor: the same engagement, no SYN-ACK written */
	e->cfg.flags |= SG_CFG_MONITOR;
	xenv_write_config(e);
	for (i = 0; i < 4; i++) {
		syn(&s, "10.8.0.9", 40020 + i, PORT);
		snprintf(n, sizeof(n), "monitor_syn_%d_passes", i);
		expect_pass(e, n, &s);
	}
	syn(&s, "10.8.0.9", 40030, PORT);
	xenv_expect(e, "monitor_engaged_would_synack", &s, XDP_PASS, SG_CNT_WOULD_TX_SYNACK, NULL);
	SG_EXPECT("monitor_state", !port_state(e, PORT, &st) && st.engaged == SG_ENGAGE_BY_RATE &&
		  st.engages == 2, "engaged %u engages %u", st.engaged, st.engages);
	e->cfg.flags &= ~SG_CFG_MONITOR;
	xenv_write_config(e);
	syn(&s, "10.8.0.9", 40031, PORT);
	synack_test(e, "monitor_off_engaged_answered", &s, 0);
}

/* TCP_DEFER_ACCEPT keeps each request socket after its bare final ACK, so
 * clients that connect and send nothing fill the listener's SYN queue. */
static void queue_fill(struct xdp_env *e)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(QPORT) };
	int lfd, one = 1, defer = 30, cfd[3] = { -1, -1, -1 };
	struct sg_engage_cfg c;
	struct sg_engage_port st;
	struct pkt_spec s;
	struct xres r;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(lfd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer, sizeof(defer)) ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 4)) {
		SG_FAIL("queue_listener", "%s", strerror(errno));
		return;
	}
	cfg_auto(&c, 0, 50, 300000000ULL);
	write_engage(e, &c);
	xenv_spec_lo(&s, false, 41000, QPORT);
	s.flags = PKT_SYN;
	s.seq = 77;
	pkt_linux_syn_opts(&s, 1460, 1);
	if (!xenv_run_spec(e, &s, &r))
		SG_EXPECT("queue_empty_syn_passes", r.counter == SG_CNT_PASS_SYN_DISENGAGED,
			  "%s", xenv_counter_name(r.counter));
	for (int i = 0; i < 3; i++) {
		cfd[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (cfd[i] < 0 || connect(cfd[i], (struct sockaddr *)&a, sizeof(a)))
			SG_FAIL("queue_connect", "%s", strerror(errno));
	}
	sleep_ms(50);
	s.sport = 41001;
	if (!xenv_run_spec(e, &s, &r))
		SG_EXPECT("queue_full_engages", r.counter != SG_CNT_PASS_SYN_DISENGAGED,
			  "%s (3 of 4 requests queued)", xenv_counter_name(r.counter));
	SG_EXPECT("queue_state", !port_state(e, QPORT, &st) && st.engaged == SG_ENGAGE_BY_QUEUE &&
		  st.queue_pct == 75, "engaged %u queue %u%%", st.engaged, st.queue_pct);
	for (int i = 0; i < 3; i++)
		if (cfd[i] >= 0)
			close(cfd[i]);
	close(lfd);
}

/* Send the SYN of s through a raw socket (the kernel answers it) and
 * capture the kernel's SYN-ACK on lo; returns its seq or -1. */
static int64_t kernel_synack(const struct pkt_spec *s)
{
	uint8_t frame[PKT_MAX], buf[PKT_MAX];
	int len = pkt_build(s, frame), raw, cap, on = 1;
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct pkt_info pi;
	char err[64];
	int64_t seq = -1;

	raw = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	cap = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (raw < 0 || cap < 0 || setsockopt(raw, IPPROTO_IP, IP_HDRINCL, &on, sizeof(on)))
		goto out;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sendto(raw, frame + 14, len - 14, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		goto out;
	for (int tries = 0; tries < 50 && seq < 0; tries++) {
		struct pollfd p = { .fd = cap, .events = POLLIN };
		int n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recv(cap, buf, sizeof(buf), 0);
		if (n <= 0 || pkt_parse(buf, n, &pi, err, sizeof(err)))
			continue;
		if (pi.sport == s->dport && pi.dport == s->sport &&
		    pi.flags == (PKT_SYN | PKT_ACK))
			seq = pi.seq;
	}
out:
	if (raw >= 0)
		close(raw);
	if (cap >= 0)
		close(cap);
	return seq;
}

/* A SYN from port sport without timestamps, the kernel's SYN-ACK (a cookie
 * of its own), and s made the client's pure ACK to it: 0, or -1 after FAIL
 * name. */
static int kcookie_ack(struct pkt_spec *s, uint16_t sport, const char *name)
{
	int64_t seq;

	xenv_spec_lo(s, false, sport, KPORT);
	s->flags = PKT_SYN;
	s->seq = 1000;
	pkt_linux_syn_opts(s, 1460, 0);
	s->opt.ts = false;
	seq = kernel_synack(s);
	if (seq < 0) {
		SG_FAIL(name, "no SYN-ACK from the kernel");
		return -1;
	}
	s->flags = PKT_ACK;
	s->seq = 1001;
	s->ack = (uint32_t)seq + 1;
	memset(&s->opt, 0, sizeof(s->opt));
	return 0;
}

static void kernel_cookie(struct xdp_env *e)
{
	struct sg_engage_cfg c;
	struct pkt_spec s;
	uint64_t t0;
	int lfd;

	/* the kernel answers every SYN with a cookie of its own */
	if (xenv_sysctl_set("net/ipv4/tcp_syncookies", 2)) {
		SG_FAIL("kcookie_sysctl", "cannot set tcp_syncookies=2");
		return;
	}
	lfd = xenv_listen("127.0.0.1", KPORT);
	if (lfd < 0)
		SG_FAIL("kcookie_listen", "cannot listen on %d", KPORT);
	cfg_auto(&c, 1000, 0, 300000000ULL);
	write_engage(e, &c);
	/* no kernel cookie sent yet: an ACK without ours is dropped */
	xenv_spec_lo(&s, false, 42000, KPORT);
	s.flags = PKT_ACK;
	s.seq = 1001;
	s.ack = 0x5eed0001;
	/* (ack_cookie_invalid, or drop_ack_maybe_ours if its bits look like
	 * a time of ours: synack_refusal) */
	xenv_expect(e, "kcookie_none_sent_forged_dropped", &s, XDP_DROP,
		    synack_refusal(e, &s), NULL);
	if (lfd >= 0 && !kcookie_ack(&s, 42001, "kcookie_synack")) {
		t0 = xenv_coarse_ns();
		xenv_expect(e, "kcookie_ack_passes", &s, XDP_PASS, SG_CNT_PASS_ACK_KERNEL_COOKIE,
			    NULL);
		/* the client's 2nd data segment in the same receive batch:
		 * its seq is past the ISN + 1 that the kernel's cookie
		 * hashes, so both checks fail; the pure ACK ahead of it
		 * makes the child (was reset: 1 of 100 clients) */
		s.seq = 1001 + 1448;
		s.payload_len = 1448;
		xenv_expect_within(e, "kcookie_later_segment_passes", &s, XDP_PASS,
				   SG_CNT_PASS_ACK_RECENT, NULL, t0, SG_RECENT_LIFE_NS);
		s.seq = 1001;
		s.payload_len = 0;
		s.ack ^= 0x01000000;
		xenv_expect(e, "kcookie_forged_dropped", &s, XDP_DROP, synack_refusal(e, &s),
			    NULL);
	}
	/* validated by its first data segment (the pure ACK lost): GRO may
	 * hold that one, so the later segments are dropped, not passed */
	if (lfd >= 0 && !kcookie_ack(&s, 42002, "kcookie_synack_data")) {
		s.payload_len = 1448;
		t0 = xenv_coarse_ns();
		xenv_expect(e, "kcookie_data_ack_passes", &s, XDP_PASS,
			    SG_CNT_PASS_ACK_KERNEL_COOKIE, NULL);
		s.seq = 1001 + 1448;
		xenv_expect_within(e, "kcookie_after_data_dropped", &s, XDP_DROP,
				   SG_CNT_DROP_ACK_MAYBE_OURS, NULL, t0, SG_RECENT_LIFE_NS);
	}
	xenv_sysctl_set("net/ipv4/tcp_syncookies", 1);
	if (lfd >= 0)
		close(lfd);
}

int main(void)
{
	struct xdp_env e;
	int rc = xenv_setup(&e, "engage"), l4, l6, l4b;

	if (rc >= 0)
		return rc;
	if (system("ip addr add " HOST4 "/32 dev lo && ip -6 addr add " HOST6 "/128 dev lo nodad")) {
		SG_FAIL("engage", "cannot add the test addresses (ip)");
		return 1;
	}
	l4 = xenv_listen("0.0.0.0", PORT);
	l6 = xenv_listen("::", PORT);
	l4b = xenv_listen("0.0.0.0", PORT2);
	if (l4 < 0 || l6 < 0 || l4b < 0) {
		SG_FAIL("engage", "cannot open the listeners");
		return 1;
	}
	xenv_protect(&e, PORT);
	xenv_protect(&e, PORT2);
	xenv_protect(&e, QPORT);
	xenv_protect(&e, KPORT);
	xenv_write_config(&e);
	rate_and_hold(&e);
	queue_fill(&e);
	kernel_cookie(&e);
	close(l4);
	close(l6);
	close(l4b);
	xenv_close(&e);
	return sg_test_failures ? 1 : 0;
}
