// SPDX-License-Identifier: GPL-2.0-only
/* test_metrics_fmt.c - the Prometheus text writer (user/metrics_fmt.c) and
 * synguard's families (user/metrics_render.c), on made-up snapshots. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_fmt.h"
#include "metrics_render.h"
#include "testlib.h"

/* The value of the sample line that starts with `prefix ` (-1 if none). */
static double sample(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, prefix, n) && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return -1;
}

static int count_lines(const char *text, const char *prefix)
{
	int k = 0;

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		k += !strncmp(p, prefix, strlen(prefix));
	return k;
}

static void test_primitives(void)
{
	char buf[64];
	struct mlabels l;
	struct mbuf b;

	mf_escape_label("a\"b\\c\nd", buf, sizeof(buf));
	SG_EXPECT("fmt_escape_label", !strcmp(buf, "a\\\"b\\\\c\\nd"), "got '%s'", buf);
	mf_ns_to_seconds(1024, buf, sizeof(buf));
	SG_EXPECT("fmt_ns_small", !strcmp(buf, "0.000001024"), "got '%s'", buf);
	mf_ns_to_seconds(3000000000ULL, buf, sizeof(buf));
	SG_EXPECT("fmt_ns_whole", !strcmp(buf, "3"), "got '%s'", buf);
	mf_ns_to_seconds(1500000000ULL, buf, sizeof(buf));
	SG_EXPECT("fmt_ns_frac", !strcmp(buf, "1.5"), "got '%s'", buf);
	mf_ns_to_seconds(3298534883328ULL, buf, sizeof(buf));
	SG_EXPECT("fmt_ns_large_exact", !strcmp(buf, "3298.534883328"), "got '%s'", buf);

	mb_init(&b);
	ml_reset(&l);
	ml_add(&l, "ifname", "eth\"0");
	ml_addu(&l, "port", 443);
	mf_family(&b, "x_total", "counter", "a\\b\nc");
	mf_u64(&b, "x_total", &l, 18446744073709551615ULL);
	mf_f64(&b, "y", NULL, INFINITY);
	mf_f64(&b, "z", NULL, 0.25);
	SG_EXPECT("fmt_family_and_samples", b.p && !strcmp(b.p,
		  "# HELP x_total a\\\\b\\nc\n# TYPE x_total counter\n"
		  "x_total{ifname=\"eth\\\"0\",port=\"443\"} 18446744073709551615\n"
		  "y +Inf\nz 0.25\n"), "got:\n%s", b.p ? b.p : "(null)");
	mb_free(&b);

	/* a label set that would overflow keeps its complete labels only */
	ml_reset(&l);
	for (int i = 0; i < 100; i++)
		ml_add(&l, "label", "some-long-value-here");
	SG_EXPECT("fmt_labels_truncate_cleanly", l.truncated && l.len < ML_MAX &&
		  l.s[l.len - 1] == '"', "len %zu", l.len);

	/* growth well past the first allocation */
	mb_init(&b);
	for (int i = 0; i < 20000; i++)
		mb_printf(&b, "line %d\n", i);
	SG_EXPECT("fmt_buffer_grows", !b.oom && count_lines(b.p, "line ") == 20000 &&
		  strstr(b.p, "line 19999\n"), "oom %d len %zu", b.oom, b.len);
	mb_free(&b);
}

static void test_bounds(void)
{
	struct mf_bounds bd;
	bool ok = true;

	SG_EXPECT("bounds_reject_3", mf_bounds_init(&bd, 3) == -1, "accepted 3 per octave");
	SG_EXPECT("bounds_reject_0", mf_bounds_init(&bd, 0) == -1, "accepted 0 per octave");
	for (int k = 1; k <= 16; k *= 2) {
		mf_bounds_init(&bd, k);
		if (bd.n != (TT_MAX_EXP - MF_HIST_MIN_EXP) * k + 1)
			ok = false;
		for (int i = 0; i < bd.n; i++) {
			/* every bound is an exact kernel bucket boundary */
			if (tt_bucket_lo(bd.idx[i]) != bd.le_ns[i] || tt_bucket_of(bd.le_ns[i]) != bd.idx[i])
				ok = false;
			if (i && bd.le_ns[i] <= bd.le_ns[i - 1])
				ok = false;
		}
		if (bd.le_ns[0] != 1ULL << MF_HIST_MIN_EXP || bd.le_ns[bd.n - 1] != 1ULL << TT_MAX_EXP)
			ok = false;
	}
	SG_EXPECT("bounds_exact_increasing", ok, "a bound is not a bucket boundary or not increasing");
	mf_bounds_init(&bd, 2);
	SG_EXPECT("bounds_two_per_octave", bd.le_ns[0] == 1024 && bd.le_ns[1] == 1536 &&
		  bd.le_ns[2] == 2048, "%llu %llu %llu", (unsigned long long)bd.le_ns[0],
		  (unsigned long long)bd.le_ns[1], (unsigned long long)bd.le_ns[2]);
}

static void test_histogram(void)
{
	static __u64 slots[TT_NBUCKETS];
	struct mf_bounds bd;
	struct mlabels l;
	struct mbuf b;
	/* values in ns: below the first bound, around 1.5 us, 100 us, 2 s, huge */
	const __u64 vals[] = { 5, 700, 1535, 1536, 1537, 100000, 100000, 2000000000ULL,
			       1ULL << 50 };
	const int nv = sizeof(vals) / sizeof(vals[0]);
	double prev = -1, sum_s;
	bool monotone = true, exact = true;
	int nb;

	for (int i = 0; i < nv; i++)
		slots[tt_bucket_of(vals[i])]++;
	mf_bounds_init(&bd, 2);
	mb_init(&b);
	ml_reset(&l);
	ml_addu(&l, "port", 80);
	mf_histogram(&b, "h_seconds", &l, slots, &bd);
	nb = count_lines(b.p, "h_seconds_bucket{");
	SG_EXPECT("hist_all_bounds_written", nb == bd.n + 1, "%d bucket lines, want %d", nb, bd.n + 1);
	/* each cumulative count equals the number of values below the bound */
	for (int k = 0; k < bd.n; k++) {
		char pfx[128], le[32];
		int want = 0;
		double got;

		mf_ns_to_seconds(bd.le_ns[k], le, sizeof(le));
		snprintf(pfx, sizeof(pfx), "h_seconds_bucket{port=\"80\",le=\"%s\"}", le);
		for (int i = 0; i < nv; i++)
			want += vals[i] < bd.le_ns[k];
		got = sample(b.p, pfx);
		if (got != want)
			exact = false;
		if (got < prev)
			monotone = false;
		prev = got;
	}
	SG_EXPECT("hist_cumulative_exact", exact, "a bucket count differs from the values below it");
	SG_EXPECT("hist_monotone", monotone, "bucket counts decrease");
	SG_EXPECT("hist_inf_is_count",
		  sample(b.p, "h_seconds_bucket{port=\"80\",le=\"+Inf\"}") == nv &&
		  sample(b.p, "h_seconds_count{port=\"80\"}") == nv, "+Inf/count wrong:\n%.400s", b.p);
	sum_s = sample(b.p, "h_seconds_sum{port=\"80\"}");
	{
		double truth = 0;

		for (int i = 0; i < nv - 1; i++)
			truth += vals[i] / 1e9;
		truth += (double)(1ULL << TT_MAX_EXP) / 1e9;	/* the open bucket counts at its start */
		SG_EXPECT("hist_sum_estimate", fabs(sum_s - truth) <= 0.035 * truth,
			  "sum %.9g, want about %.9g", sum_s, truth);
	}
	mb_free(&b);
}

static void test_render(void)
{
	static struct tracer_hist hist[3];
	struct tracer_counts counts[2] = {};
	struct tracer_snapshot snap = { .nhist = 3, .hist = hist, .ncounts = 2, .counts = counts };
	struct tracer_accounting acct = {};
	struct metrics_iface ifs[1] = {};
	const char *expected[] = { "eth0", "eth9", "eth9" };
	struct metrics_input in = {};
	struct mf_bounds bd;
	struct mbuf b;

	strcpy(ifs[0].ifname, "eth0");
	ifs[0].ifindex = 2;
	ifs[0].mode = SG_MODE_NATIVE;
	ifs[0].xdp_id = 10;
	ifs[0].tc_id = 11;
	ifs[0].have_config = ifs[0].have_counters = true;
	ifs[0].cfg.ports[80 / 64] |= 1ULL << (80 % 64);
	ifs[0].cfg.ports[443 / 64] |= 1ULL << (443 % 64);
	ifs[0].cfg.ttl = 64;
	ifs[0].cfg.since_unix = 1700000000;
	for (int k = 0; k < SG_CNT_MAX; k++)
		ifs[0].c.cnt[k] = 1000 + k;
	hist[0].metric = TT_M_CONNECT;
	hist[0].port = 443;
	hist[0].slots[tt_bucket_of(50000)] = 7;
	hist[1].metric = TT_M_HANDSHAKE_SYN;
	hist[1].port = 443;
	hist[1].slots[tt_bucket_of(80000)] = 5;
	hist[2].metric = TT_M_HANDSHAKE_RTT;
	hist[2].port = 443;
	hist[2].slots[tt_bucket_of(90000)] = 2;
	counts[0].port = 443;
	counts[0].side = TT_SIDE_CLIENT;
	counts[0].c[TT_C_CONNECT_OK] = 7;
	counts[1].port = 443;
	counts[1].side = TT_SIDE_SERVER;
	counts[1].c[TT_C_HANDSHAKE_OK] = 7;
	counts[1].c[TT_UC_HALFOPEN] = 3;
	acct.loss[TT_L_RINGBUF_FULL] = 4;
	acct.recursion_misses = 9;
	mf_bounds_init(&bd, 1);

	in.version = "9.9";
	in.niface = 1;
	in.ifaces = ifs;
	in.nexpected = 3;
	in.expected = expected;
	in.tracer_hooks = "tp_btf";
	in.tracer_xdp_ifname = "eth0";
	in.snap = &snap;
	in.acct = &acct;
	in.bounds = &bd;
	mb_init(&b);
	metrics_render(&b, &in);
	SG_EXPECT("render_counter_named", sample(b.p, "synguard_synack_sent_total{ifname=\"eth0\"}") ==
		  1000 + SG_CNT_TX_SYNACK, "synack_sent missing");
	SG_EXPECT("render_every_counter", count_lines(b.p, "# TYPE synguard_") > SG_CNT_MAX &&
		  sample(b.p, "synguard_handoff_no_meta_total{ifname=\"eth0\"}") ==
		  1000 + SG_CNT_TC_NO_META, "a defense counter is missing");
	SG_EXPECT("render_packets_by_reason",
		  sample(b.p, "synguard_xdp_packets_total{ifname=\"eth0\",action=\"drop\",reason=\"drop_syn_fin\"}") ==
		  1000 + SG_CNT_DROP_SYN_FIN &&
		  count_lines(b.p, "synguard_xdp_packets_total{") == SG_CNT_XDP_MAX,
		  "xdp_packets_total wrong");
	SG_EXPECT("render_protected", sample(b.p, "synguard_protected{ifname=\"eth0\"}") == 1 &&
		  sample(b.p, "synguard_protected{ifname=\"eth9\"}") == 0 &&
		  count_lines(b.p, "synguard_protected{") == 2, "protected gauges wrong");
	SG_EXPECT("render_info", strstr(b.p, "synguard_interface_info{ifname=\"eth0\",ifindex=\"2\","
					"mode=\"native\",ports=\"80,443\",ttl=\"64\",xdp_prog_id=\"10\","
					"tc_prog_id=\"11\"} 1\n") != NULL, "interface_info missing");
	SG_EXPECT("render_hist_basis",
		  sample(b.p, "synguard_tcp_handshake_duration_seconds_count{port=\"443\",basis=\"syn_arrival\"}") == 5 &&
		  sample(b.p, "synguard_tcp_handshake_duration_seconds_count{port=\"443\",basis=\"synack_rtt\"}") == 2 &&
		  count_lines(b.p, "# TYPE synguard_tcp_handshake_duration_seconds histogram") == 1,
		  "handshake family wrong");
	SG_EXPECT("render_connect_hist",
		  sample(b.p, "synguard_tcp_connect_duration_seconds_count{port=\"443\"}") == 7,
		  "connect histogram missing");
	SG_EXPECT("render_tracer_counters",
		  sample(b.p, "synguard_tcp_handshake_ok_total{side=\"server\",port=\"443\"}") == 7 &&
		  sample(b.p, "synguard_tcp_half_open{port=\"443\"}") == 3 &&
		  !strstr(b.p, "synguard_tcp_half_open_total"), "per-port counters wrong");
	SG_EXPECT("render_loss",
		  sample(b.p, "synguard_tracer_lost_total{reason=\"ringbuf_full\"}") == 4 &&
		  sample(b.p, "synguard_tracer_recursion_misses_total") == 9 &&
		  !strstr(b.p, "events_submitted"), "loss counters wrong");
	SG_EXPECT("render_tracer_up", sample(b.p, "synguard_tracer_up") == 1, "tracer_up");
	/* every sample belongs to the family declared last (text format rule) */
	{
		char fam[128] = "";
		bool ok = true;

		for (const char *p = b.p; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
			if (!strncmp(p, "# TYPE ", 7)) {
				sscanf(p + 7, "%127s", fam);
				continue;
			}
			if (*p == '#')
				continue;
			if (strncmp(p, fam, strlen(fam)))
				ok = false;
		}
		SG_EXPECT("render_samples_in_family", ok, "a sample outside its family");
	}
	mb_free(&b);

	/* no tracer: up 0, no tracer families */
	in.snap = NULL;
	in.acct = NULL;
	mb_init(&b);
	metrics_render(&b, &in);
	SG_EXPECT("render_no_tracer", sample(b.p, "synguard_tracer_up") == 0 &&
		  !strstr(b.p, "synguard_tcp_"), "tracer families without a tracer");
	mb_free(&b);
}

/* The tracer's aggregate of ports without series of their own (port 0,
 * TT_PORT_OTHER) is port="other"; absent metrics are named and left out. */
static void test_render_other_absent(void)
{
	static struct tracer_hist hist[1];
	struct tracer_counts counts[2] = {};
	struct tracer_snapshot snap = { .nhist = 1, .hist = hist, .ncounts = 2, .counts = counts };
	const char *am[] = { "listen_overflows, accept_queue_max, accept_queue_limit" };
	const char *aw[] = { "no fentry, no kprobes" };
	bool cabs[TT_UC_MAX] = {};
	struct metrics_input in = {};
	struct mf_bounds bd;
	struct mbuf b;

	hist[0].metric = TT_M_CONNECT_FAILED;
	hist[0].port = TT_PORT_OTHER;
	hist[0].slots[tt_bucket_of(30000)] = 5000;
	counts[0].port = TT_PORT_OTHER;
	counts[0].side = TT_SIDE_CLIENT;
	counts[0].c[TT_C_CONNECT_FAIL_RST] = 5000;
	counts[1].port = 8080;
	counts[1].side = TT_SIDE_SERVER;
	counts[1].c[TT_C_HANDSHAKE_OK] = 20;
	counts[1].c[TT_UC_ACCEPT_QUEUE_MAX] = 4;
	cabs[TT_UC_LISTEN_OVERFLOW] = cabs[TT_UC_ACCEPT_QUEUE_MAX] = cabs[TT_UC_ACCEPT_QUEUE_LIMIT] = true;
	mf_bounds_init(&bd, 2);
	in.version = "9.9";
	in.snap = &snap;
	in.bounds = &bd;
	in.tracer_max_ports = 100;
	in.nabsent = 1;
	in.absent_metrics = am;
	in.absent_why = aw;
	in.counter_absent = cabs;
	mb_init(&b);
	metrics_render(&b, &in);
	SG_EXPECT("render_port_other",
		  sample(b.p, "synguard_tcp_connect_failed_reset_total{side=\"client\",port=\"other\"}") == 5000 &&
		  sample(b.p, "synguard_tcp_connect_failed_duration_seconds_count{port=\"other\"}") == 5000 &&
		  !strstr(b.p, "port=\"0\""), "port 0 not rendered as other");
	SG_EXPECT("render_max_ports", sample(b.p, "synguard_tracer_max_ports") == 100, "max_ports");
	SG_EXPECT("render_absent",
		  strstr(b.p, "synguard_tracer_metric_absent{metrics=\"listen_overflows, accept_queue_max, "
			 "accept_queue_limit\",why=\"no fentry, no kprobes\"} 1\n") != NULL &&
		  !strstr(b.p, "listen_overflows_total") && !strstr(b.p, "synguard_tcp_accept_queue"),
		  "absent metrics not named, or their series present");
	mb_free(&b);
	/* present: the gauges appear, per listener port */
	memset(cabs, 0, sizeof(cabs));
	in.nabsent = 0;
	mb_init(&b);
	metrics_render(&b, &in);
	SG_EXPECT("render_accept_queue", sample(b.p, "synguard_tcp_accept_queue_max{port=\"8080\"}") == 4 &&
		  strstr(b.p, "# TYPE synguard_tcp_listen_overflows_total counter") != NULL,
		  "listen-queue series missing");
	mb_free(&b);
}

/* Engagement: a gauge and two counters per auto port; with more than 64
 * auto ports, only the ports that ever engaged. */
static void test_render_engage(void)
{
	static struct sg_engage_port_view pv[100];
	struct metrics_iface ifs[1] = {};
	struct metrics_input in = {};
	struct mbuf b;

	strcpy(ifs[0].ifname, "eth0");
	ifs[0].have_config = ifs[0].have_counters = true;
	for (int i = 0; i < 100; i++)
		pv[i].port = (__u16)(8000 + i);
	pv[1].engaged = true;
	pv[1].st.engages = 3;
	pv[1].st.disengages = 2;
	pv[1].change_unix_ns = 1700000000500000000ULL;
	pv[2].st.engages = 1;
	pv[2].st.disengages = 1;
	ifs[0].engage = pv;
	ifs[0].nengage = 3;
	in.niface = 1;
	in.ifaces = ifs;
	mb_init(&b);
	metrics_render(&b, &in);
	SG_EXPECT("render_engaged", sample(b.p, "synguard_engaged{ifname=\"eth0\",port=\"8001\"}") == 1 &&
		  sample(b.p, "synguard_engaged{ifname=\"eth0\",port=\"8000\"}") == 0 &&
		  count_lines(b.p, "synguard_engaged{") == 3, "engaged gauge wrong");
	SG_EXPECT("render_engage_transitions",
		  sample(b.p, "synguard_engage_transitions_total{ifname=\"eth0\",port=\"8001\"}") == 3 &&
		  sample(b.p, "synguard_disengage_transitions_total{ifname=\"eth0\",port=\"8001\"}") == 2 &&
		  fabs(sample(b.p, "synguard_engage_last_change_seconds{ifname=\"eth0\",port=\"8001\"}") -
		       1700000000.5) < 1e-3, "transition series wrong");
	mb_free(&b);
	ifs[0].nengage = 100;
	mb_init(&b);
	metrics_render(&b, &in);
	SG_EXPECT("render_engage_many_ports", count_lines(b.p, "synguard_engaged{") == 2 &&
		  sample(b.p, "synguard_engaged{ifname=\"eth0\",port=\"8002\"}") == 0,
		  "%d series for 100 auto ports, 2 ever engaged", count_lines(b.p, "synguard_engaged{"));
	mb_free(&b);
}

int main(void)
{
	test_render_engage();
	test_primitives();
	test_bounds();
	test_histogram();
	test_render();
	test_render_other_absent();
	return sg_test_failures ? 1 : 0;
}
