// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_limits_path.c - the per-source SYN limit and the SYN-ACK cap in the
 * XDP program (bpf/srclimit.h, bpf/ratelimit.h), run with BPF_PROG_TEST_RUN:
 *  nolimit_*  nothing configured: SYNs are answered, map sg_src stays empty;
 *  src_*      a source prefix over its --syn-limit is dropped
 *             (drop_syn_limited), another prefix is answered; sources in
 *             the same /24 (IPv4) or /64 (IPv6) share one bucket; sg_src
 *             counts SYNs and drops per prefix;
 *  synack_*   over the --synack-limit cap SYNs are dropped unanswered
 *             (drop_synack_capped);
 *  order_*    a prefix over its limit does not use up the SYN-ACK cap;
 *  monitor_*  with SG_CFG_MONITOR the same verdicts are counted as
 *             would_drop_* and the SYN passes untouched.
 */
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "synack.h"
#include "testlib.h"
#include "xdp_env.h"

#define PORT	8080
#define HOST4	"10.9.0.1"
#define HOST6	"fd09::1"

static void syn(struct pkt_spec *s, const char *src)
{
	bool v6 = strchr(src, ':');

	pkt_spec_init(s);
	if (v6)
		pkt_set_v6(s, src, HOST6);
	else
		pkt_set_v4(s, src, HOST4);
	s->sport = 40000;
	s->dport = PORT;
	s->seq = 0x1000;
	s->flags = PKT_SYN;
	pkt_linux_syn_opts(s, 1460, 12345);
}

/* Write the limits and empty every bucket (sg_src, sg_rl_shared). */
static int set_limits(struct xdp_env *e, const struct sg_limits *l)
{
	int fd = xenv_map_fd(e, "sg_limits"), sfd = xenv_map_fd(e, "sg_src");
	int rfd = xenv_map_fd(e, "sg_rl_shared");
	struct sg_src_key k;
	__u64 z = 0;
	__u32 zero = 0;

	if (fd < 0 || sfd < 0 || rfd < 0)
		return -1;
	while (!bpf_map_get_next_key(sfd, NULL, &k))
		if (bpf_map_delete_elem(sfd, &k))
			return -1;
	for (__u32 i = 0; i < SG_RL_MAX; i++)
		bpf_map_update_elem(rfd, &i, &z, BPF_ANY);
	return bpf_map_update_elem(fd, &zero, l, BPF_ANY) ? -1 : 0;
}

static int src_entry(struct xdp_env *e, const char *prefix, int family, int plen,
		     struct sg_src_val *v)
{
	struct sg_src_key k = { .family = (__u8)family, .plen = (__u8)plen };

	inet_pton(family == 4 ? AF_INET : AF_INET6, prefix, k.addr);
	return bpf_map_lookup_elem(xenv_map_fd(e, "sg_src"), &k, v);
}

static int src_count(struct xdp_env *e)
{
	struct sg_src_key k, *prev = NULL;
	int n = 0, fd = xenv_map_fd(e, "sg_src");

	while (!bpf_map_get_next_key(fd, prev, &k)) {
		n++;
		prev = &k;
	}
	return n;
}

static void syn_limit(struct sg_limits *l, __u32 rate, __u32 burst, __u8 plen4, __u8 plen6)
{
	l->src_rate = rate;
	l->src_burst = burst;
	l->src_interval_ns = 1000000000ULL / rate;
	l->src_tau_ns = (__u64)(burst - 1) * l->src_interval_ns;
	l->src_plen4 = plen4;
	l->src_plen6 = plen6;
}

int main(void)
{
	struct xdp_env e;
	struct pkt_spec s;
	struct sg_limits l;
	struct sg_src_val v;
	char n[96];
	int rc = xenv_setup(&e, "limits_path"), lfd[2], i;

	if (rc >= 0)
		return rc;
	if (xenv_host_port(&e, "limits_path", HOST4, HOST6, PORT, lfd))
		return 1;

	/* nothing configured */
	memset(&l, 0, sizeof(l));
	if (set_limits(&e, &l)) {
		SG_FAIL("limits_maps", "no sg_limits/sg_src/sg_rl_shared map in the object");
		return 1;
	}
	for (i = 0; i < 5; i++) {
		syn(&s, "10.8.0.5");
		snprintf(n, sizeof(n), "nolimit_syn_%d_answered", i);
		synack_test(&e, n, &s, 0);
	}
	SG_EXPECT("nolimit_table_untouched", src_count(&e) == 0, "%d entries", src_count(&e));

	/* per source: 1/s, burst 3, /24 and /64 */
	syn_limit(&l, 1, 3, 24, 64);
	set_limits(&e, &l);
	for (i = 0; i < 3; i++) {
		syn(&s, i == 1 ? "10.8.0.77" : "10.8.0.5");	/* one /24 */
		snprintf(n, sizeof(n), "src_v4_burst_%d_answered", i);
		synack_test(&e, n, &s, 0);
	}
	syn(&s, "10.8.0.5");
	xenv_expect(&e, "src_v4_over_limit_dropped", &s, XDP_DROP, SG_CNT_DROP_SYN_LIMITED, NULL);
	syn(&s, "10.8.0.200");
	xenv_expect(&e, "src_v4_same_prefix_dropped", &s, XDP_DROP, SG_CNT_DROP_SYN_LIMITED, NULL);
	syn(&s, "10.8.1.5");
	synack_test(&e, "src_v4_other_prefix_answered", &s, 0);
	SG_EXPECT("src_v4_entry_counts", !src_entry(&e, "10.8.0.0", 4, 24, &v) && v.syns == 5 &&
		  v.dropped == 2 && v.last_ns, "syns %llu dropped %llu",
		  (unsigned long long)v.syns, (unsigned long long)v.dropped);
	for (i = 0; i < 3; i++) {
		syn(&s, i == 2 ? "fd0a:0:0:1:ffff::9" : "fd0a:0:0:1::5");	/* one /64 */
		snprintf(n, sizeof(n), "src_v6_burst_%d_answered", i);
		synack_test(&e, n, &s, 0);
	}
	syn(&s, "fd0a:0:0:1:8000::1");
	xenv_expect(&e, "src_v6_same_prefix_dropped", &s, XDP_DROP, SG_CNT_DROP_SYN_LIMITED, NULL);
	syn(&s, "fd0a:0:0:2::5");
	synack_test(&e, "src_v6_other_prefix_answered", &s, 0);
	SG_EXPECT("src_v6_entry_counts", !src_entry(&e, "fd0a:0:0:1::", 6, 64, &v) && v.syns == 4 &&
		  v.dropped == 1, "syns %llu dropped %llu", (unsigned long long)v.syns,
		  (unsigned long long)v.dropped);
	/* /128 and /32: each address its own bucket */
	syn_limit(&l, 1, 1, 32, 128);
	set_limits(&e, &l);
	syn(&s, "fd0a::1");
	synack_test(&e, "src_v6_128_first_answered", &s, 0);
	syn(&s, "fd0a::2");
	synack_test(&e, "src_v6_128_neighbour_answered", &s, 0);
	syn(&s, "fd0a::1");
	xenv_expect(&e, "src_v6_128_second_dropped", &s, XDP_DROP, SG_CNT_DROP_SYN_LIMITED, NULL);
	syn(&s, "10.8.0.5");
	synack_test(&e, "src_v4_32_first_answered", &s, 0);
	syn(&s, "10.8.0.6");
	synack_test(&e, "src_v4_32_neighbour_answered", &s, 0);
	syn(&s, "10.8.0.5");
	xenv_expect(&e, "src_v4_32_second_dropped", &s, XDP_DROP, SG_CNT_DROP_SYN_LIMITED, NULL);

	/* the SYN-ACK cap: 5/s, burst 5/10 + 1 = 1 */
	memset(&l, 0, sizeof(l));
	l.rate[SG_RL_SYNACK] = 5;
	l.rl_interval_ns[SG_RL_SYNACK] = 200000000ULL;
	set_limits(&e, &l);
	syn(&s, "10.8.0.5");
	synack_test(&e, "synack_first_answered", &s, 0);
	syn(&s, "10.8.3.3");
	xenv_expect(&e, "synack_over_cap_dropped", &s, XDP_DROP, SG_CNT_DROP_SYNACK_CAPPED, NULL);
	syn(&s, "fd0a::7");
	xenv_expect(&e, "synack_over_cap_v6_dropped", &s, XDP_DROP, SG_CNT_DROP_SYNACK_CAPPED, NULL);
	SG_EXPECT("synack_table_untouched", src_count(&e) == 0, "%d entries", src_count(&e));

	/* both: the limited source first, so it cannot spend the cap */
	syn_limit(&l, 1, 1, 32, 64);
	set_limits(&e, &l);
	syn(&s, "10.8.0.5");
	synack_test(&e, "order_first_answered", &s, 0);
	/* the cap is spent now; the source too: its SYN counts as limited */
	syn(&s, "10.8.0.5");
	xenv_expect(&e, "order_limited_source_first", &s, XDP_DROP, SG_CNT_DROP_SYN_LIMITED, NULL);

	/* monitor: the same verdicts, counted as would_*, the SYN untouched */
	syn_limit(&l, 1, 1, 32, 64);
	l.rate[SG_RL_SYNACK] = 5;
	l.rl_interval_ns[SG_RL_SYNACK] = 200000000ULL;
	set_limits(&e, &l);
	e.cfg.flags |= SG_CFG_MONITOR;
	xenv_write_config(&e);
	syn(&s, "10.8.0.5");
	/* monitor mode writes no SYN-ACK either (would_synack_sent) */
	xenv_expect_untouched(&e, "monitor_first_within_limits", &s, XDP_PASS,
			      SG_CNT_WOULD_TX_SYNACK);
	syn(&s, "10.8.0.5");
	xenv_expect_untouched(&e, "monitor_limited_passes", &s, XDP_PASS,
			      SG_CNT_WOULD_DROP_SYN_LIMITED);
	syn(&s, "10.8.0.6");
	xenv_expect_untouched(&e, "monitor_capped_passes", &s, XDP_PASS,
			      SG_CNT_WOULD_DROP_SYNACK_CAPPED);
	SG_EXPECT("monitor_table_counts", !src_entry(&e, "10.8.0.5", 4, 32, &v) && v.syns == 2 &&
		  v.dropped == 1, "syns %llu dropped %llu", (unsigned long long)v.syns,
		  (unsigned long long)v.dropped);
	e.cfg.flags &= ~SG_CFG_MONITOR;
	xenv_write_config(&e);
	syn(&s, "10.8.0.5");
	xenv_expect(&e, "monitor_off_enforces_again", &s, XDP_DROP, SG_CNT_DROP_SYN_LIMITED, NULL);

	close(lfd[0]);
	close(lfd[1]);
	xenv_close(&e);
	return sg_test_failures ? 1 : 0;
}
