// SPDX-License-Identifier: GPL-2.0-only
/*
 * metrics_render.c - synguard's metric families; see metrics_render.h and
 * docs/metrics.md. Every family is written once with all its series (the
 * text format wants a family's samples together).
 */
#include <stdio.h>
#include <string.h>

#include "attach.h"
#include "metrics_render.h"
#include "ports.h"

/* Help text of every defense counter (sg_counter_names gives the names). */
static const char *const counter_help[SG_CNT_MAX] = {
	[SG_CNT_PASS_NON_TCP]		= "Packets passed by XDP: not TCP over IPv4/IPv6.",
	[SG_CNT_PASS_UNPROTECTED]	= "TCP packets passed by XDP: destination port not protected.",
	[SG_CNT_PASS_FRAGMENT]		= "IP fragments passed by XDP (the kernel reassembles them).",
	[SG_CNT_PASS_MALFORMED]		= "Unparseable packets passed by XDP (the kernel judges them).",
	[SG_CNT_PASS_SYN_NO_LISTENER]	= "SYNs to a protected port without a listener, passed (the kernel answers RST).",
	[SG_CNT_PASS_SYN_EXISTING]	= "SYNs matching an existing socket, passed.",
	[SG_CNT_PASS_SYN_TX_ERROR]	= "SYNs for which no SYN-ACK could be built, passed to the kernel.",
	[SG_CNT_PASS_ACK_NO_SOCKET]	= "ACKs without any socket, passed (the kernel answers RST).",
	[SG_CNT_PASS_ESTABLISHED]	= "Packets of established, time-wait or request sockets, passed untouched.",
	[SG_CNT_PASS_COOKIE_VALID]	= "ACKs with a valid SYN cookie, handed to the listener.",
	[SG_CNT_PASS_OTHER]		= "Other TCP packets to protected ports passed (RST, SYN+ACK, ...).",
	[SG_CNT_PASS_SYN_KERNEL]	= "SYNs to a listener passed for the kernel to answer (kernel-cookies defense).",
	[SG_CNT_PASS_ALLOW_SYN]		= "SYNs from an allowed source (allow list), passed for the kernel's own handshake.",
	[SG_CNT_PASS_ALLOW_ACK]		= "ACKs to a listener from an allowed source without a synguard cookie, passed to the kernel.",
	[SG_CNT_WOULD_DROP_DENY_SYN]	= "Monitor mode: SYNs from a denied source that enforce mode would drop, passed.",
	[SG_CNT_WOULD_DROP_DENY_ACK]	= "Monitor mode: ACKs to a listener from a denied source that enforce mode would drop, passed.",
	[SG_CNT_DROP_DENY_SYN]		= "SYNs from a denied source (deny list), dropped.",
	[SG_CNT_DROP_DENY_ACK]		= "ACKs to a listener from a denied source (deny list), dropped.",
	[SG_CNT_PASS_ACK_RECENT]	= "ACKs to a listener with a bad cookie that belong to a handshake validated just before (its later segments), passed to the kernel.",
	[SG_CNT_DROP_ACK_MAYBE_OURS]	= "ACKs to a listener with a bad cookie whose time is within the cookie bounds (maybe a real client whose handshake ACK was lost), dropped without RST.",
	[SG_CNT_TX_SYNACK]		= "SYNs answered with a SYN-cookie SYN-ACK from XDP (XDP_TX).",
	[SG_CNT_PASS_NOT_LOCAL]		= "SYNs/ACKs to an address this host does not own (bridged or routed), passed untouched.",
	[SG_CNT_TX_RST]			= "ACKs to a listener with a bad or expired cookie, answered with RST (XDP_TX).",
	[SG_CNT_DROP_RST_CAPPED]	= "ACKs with a bad cookie dropped without RST: over the --rst-limit cap.",
	[SG_CNT_DROP_MARTIAN]		= "SYNs/ACKs from a martian source (broadcast, multicast, loopback, unspecified), dropped.",
	[SG_CNT_DROP_BAD_CSUM]		= "SYNs/ACKs to a listener with a bad IPv4 header or TCP checksum, dropped.",
	[SG_CNT_DROP_FRAGMENT]		= "First IP fragments of SYNs/ACKs to protected ports that cannot be checked, dropped.",
	[SG_CNT_DROP_UNCHECKED]		= "IPv6 packets with an extension header chain longer than synguard walks, dropped.",
	[SG_CNT_DROP_COOKIE_INVALID]	= "ACKs to a listener with a bad or expired cookie, dropped without RST (--rst-limit 0).",
	[SG_CNT_DROP_SYN_LIMITED]	= "SYNs dropped: their source prefix was over its --syn-limit.",
	[SG_CNT_DROP_SYNACK_CAPPED]	= "SYNs dropped unanswered: the interface was over its --synack-limit cap.",
	[SG_CNT_WOULD_DROP_SYN_LIMITED]	= "Monitor mode: SYNs over their source prefix's --syn-limit, passed.",
	[SG_CNT_WOULD_DROP_SYNACK_CAPPED] = "Monitor mode: SYNs over the --synack-limit cap, passed.",
	[SG_CNT_DROP_SYN_FIN]		= "SYN+FIN packets dropped.",
	[SG_CNT_DROP_SYN_RST]		= "SYN+RST packets dropped.",
	[SG_CNT_DROP_NO_FLAGS]		= "TCP packets without flags dropped.",
	[SG_CNT_DROP_FIN_PSH_URG]	= "FIN+PSH+URG packets without ACK dropped.",
	[SG_CNT_WOULD_TX_SYNACK]	= "Monitor mode: packets that would have got a SYN-cookie SYN-ACK, passed untouched.",
	[SG_CNT_WOULD_TX_RST]	= "Monitor mode: packets that would have got a RST, passed untouched.",
	[SG_CNT_WOULD_DROP_COOKIE_INVALID]	= "Monitor mode: packets that would have got a ack_cookie_invalid drop, passed untouched.",
	[SG_CNT_WOULD_DROP_SYN_FIN]	= "Monitor mode: packets that would have got a drop_syn_fin drop, passed untouched.",
	[SG_CNT_WOULD_DROP_SYN_RST]	= "Monitor mode: packets that would have got a drop_syn_rst drop, passed untouched.",
	[SG_CNT_WOULD_DROP_NO_FLAGS]	= "Monitor mode: packets that would have got a drop_no_flags drop, passed untouched.",
	[SG_CNT_WOULD_DROP_FIN_PSH_URG]	= "Monitor mode: packets that would have got a drop_fin_psh_urg drop, passed untouched.",
	[SG_CNT_WOULD_DROP_RST_CAPPED]	= "Monitor mode: packets that would have got a drop_rst_capped drop, passed untouched.",
	[SG_CNT_WOULD_DROP_MARTIAN]	= "Monitor mode: packets that would have got a drop_martian drop, passed untouched.",
	[SG_CNT_WOULD_DROP_BAD_CSUM]	= "Monitor mode: packets that would have got a drop_bad_csum drop, passed untouched.",
	[SG_CNT_WOULD_DROP_FRAGMENT]	= "Monitor mode: packets that would have got a drop_fragment drop, passed untouched.",
	[SG_CNT_WOULD_DROP_UNCHECKED]	= "Monitor mode: packets that would have got a drop_unchecked drop, passed untouched.",
	[SG_CNT_TC_HANDOFF_OK]		= "Valid cookie ACKs turned into connections by the tc handoff.",
	[SG_CNT_TC_HANDOFF_FAIL]	= "Valid cookie ACKs the kernel refused in the tc handoff (dropped).",
	[SG_CNT_TC_NO_LISTENER]		= "Valid cookie ACKs whose listener was gone at the tc handoff.",
	[SG_CNT_TC_NO_META]		= "Cookie ACKs without XDP metadata at the tc handoff (driver issue).",
	[SG_CNT_PASS_SYN_DISENGAGED]	= "SYNs to an --engage auto port not under pressure, passed for the kernel's own handshake.",
	[SG_CNT_PASS_ACK_KERNEL_COOKIE]	= "ACKs to a listener carrying the kernel's own SYN cookie (sent while disengaged), passed to the kernel.",
	[SG_CNT_ENGAGE]			= "Times an --engage auto port engaged cookies (transitions, not packets).",
	[SG_CNT_DISENGAGE]		= "Times an --engage auto port disengaged cookies (transitions, not packets).",
};

static const char *xdp_action(int i)
{
	if (i == SG_CNT_TX_SYNACK || i == SG_CNT_TX_RST)
		return "tx";
	return sg_counter_is_drop(i) ? "drop" : "pass";
}

static void iface_labels(struct mlabels *l, const char *ifname)
{
	ml_reset(l);
	ml_add(l, "ifname", ifname);
}

static void render_meta(struct mbuf *b, const struct metrics_input *in)
{
	struct mlabels l;

	mf_family(b, "synguard_build_info", "gauge", "synguard version (always 1).");
	ml_reset(&l);
	ml_add(&l, "version", in->version);
	mf_u64(b, "synguard_build_info", &l, 1);
	mf_family(b, "synguard_metrics_start_time_seconds", "gauge",
		  "When this metrics server started, in unix seconds.");
	mf_f64(b, "synguard_metrics_start_time_seconds", NULL, in->start_time);
	mf_family(b, "synguard_metrics_scrapes_total", "counter",
		  "Scrapes served before this one.");
	mf_u64(b, "synguard_metrics_scrapes_total", NULL, in->scrapes);
	mf_family(b, "synguard_metrics_read_errors_total", "counter",
		  "BPF map reads that failed while serving scrapes.");
	mf_u64(b, "synguard_metrics_read_errors_total", NULL, in->scrape_errors);
}

static bool is_protected(const struct metrics_input *in, const char *ifname)
{
	for (int i = 0; i < in->niface; i++)
		if (!strcmp(in->ifaces[i].ifname, ifname))
			return true;
	return false;
}

static void render_state(struct mbuf *b, const struct metrics_input *in)
{
	struct mlabels l;
	char ports[208], buf[24];

	mf_family(b, "synguard_protected", "gauge",
		  "1 if synguard's XDP program is attached to the interface; 0 for an interface "
		  "the configuration file lists that is not protected.");
	for (int i = 0; i < in->niface; i++) {
		iface_labels(&l, in->ifaces[i].ifname);
		mf_u64(b, "synguard_protected", &l, 1);
	}
	for (int i = 0; i < in->nexpected; i++) {
		bool dup = false;

		for (int j = 0; j < i; j++)
			dup |= !strcmp(in->expected[j], in->expected[i]);
		if (dup || is_protected(in, in->expected[i]))
			continue;
		iface_labels(&l, in->expected[i]);
		mf_u64(b, "synguard_protected", &l, 0);
	}

	mf_family(b, "synguard_tc_handoff_attached", "gauge",
		  "1 if the tc handoff program is attached; 0 means valid cookie ACKs cannot "
		  "reach the listener (run protect again).");
	for (int i = 0; i < in->niface; i++) {
		iface_labels(&l, in->ifaces[i].ifname);
		mf_u64(b, "synguard_tc_handoff_attached", &l, in->ifaces[i].tc_id != 0);
	}

	mf_family(b, "synguard_interface_info", "gauge",
		  "Configuration of a protected interface, as labels (always 1).");
	for (int i = 0; i < in->niface; i++) {
		const struct metrics_iface *f = &in->ifaces[i];

		iface_labels(&l, f->ifname);
		ml_addu(&l, "ifindex", (unsigned)f->ifindex);
		ml_add(&l, "mode", sg_mode_name(f->mode));
		ports[0] = 0;
		if (f->have_config &&
		    sg_ports_format(f->cfg.ports, ports, sizeof(ports)) >= sizeof(ports))
			strcpy(ports + sizeof(ports) - 4, "...");
		ml_add(&l, "ports", ports);
		snprintf(buf, sizeof(buf), "%u", f->have_config ? f->cfg.ttl : 0);
		ml_add(&l, "ttl", buf);
		ml_addu(&l, "xdp_prog_id", f->xdp_id);
		ml_addu(&l, "tc_prog_id", f->tc_id);
		mf_u64(b, "synguard_interface_info", &l, 1);
	}

	mf_family(b, "synguard_protected_ports", "gauge", "Number of protected TCP ports.");
	for (int i = 0; i < in->niface; i++) {
		if (!in->ifaces[i].have_config)
			continue;
		iface_labels(&l, in->ifaces[i].ifname);
		mf_u64(b, "synguard_protected_ports", &l, sg_ports_count(in->ifaces[i].cfg.ports));
	}
	mf_family(b, "synguard_protected_since_seconds", "gauge",
		  "When protect first attached to the interface, in unix seconds.");
	for (int i = 0; i < in->niface; i++) {
		if (!in->ifaces[i].have_config)
			continue;
		iface_labels(&l, in->ifaces[i].ifname);
		mf_u64(b, "synguard_protected_since_seconds", &l, in->ifaces[i].cfg.since_unix);
	}
	mf_family(b, "synguard_config_updated_seconds", "gauge",
		  "When protect last changed the interface's configuration, in unix seconds.");
	for (int i = 0; i < in->niface; i++) {
		if (!in->ifaces[i].have_config)
			continue;
		iface_labels(&l, in->ifaces[i].ifname);
		mf_u64(b, "synguard_config_updated_seconds", &l, in->ifaces[i].cfg.updated_unix);
	}
}

#define SG_ENGAGE_METRIC_PORTS 64

/* Engagement mode: per auto port, engaged now (a port whose hold has run
 * out counts as disengaged: its next SYN gets the kernel's handshake), its
 * transitions and when the last one happened. */
static void render_engage(struct mbuf *b, const struct metrics_input *in)
{
	static const struct { const char *name, *type, *help; } fam[] = {
		{ "synguard_engaged", "gauge", "1 while cookies are engaged for an --engage auto "
		  "port (under pressure, or within the hold time after it), 0 while SYNs get the "
		  "kernel's own handshake." },
		{ "synguard_engage_transitions_total", "counter", "Times cookies engaged for an "
		  "--engage auto port." },
		{ "synguard_disengage_transitions_total", "counter", "Times cookies disengaged for "
		  "an --engage auto port." },
		{ "synguard_engage_last_change_seconds", "gauge", "When an --engage auto port last "
		  "engaged or disengaged, in unix seconds (0: never)." },
	};
	struct mlabels l;

	for (size_t k = 0; k < sizeof(fam) / sizeof(fam[0]); k++) {
		mf_family(b, fam[k].name, fam[k].type, fam[k].help);
		for (int i = 0; i < in->niface; i++) {
			for (int j = 0; j < in->ifaces[i].nengage; j++) {
				const struct sg_engage_port_view *p = &in->ifaces[i].engage[j];

				/* many auto ports (a range): series only for
				 * those that ever engaged, so that a range adds
				 * no series of its own */
				if (in->ifaces[i].nengage > SG_ENGAGE_METRIC_PORTS && !p->st.engages)
					continue;
				iface_labels(&l, in->ifaces[i].ifname);
				ml_addu(&l, "port", p->port);
				if (k == 0)
					mf_u64(b, fam[k].name, &l, p->engaged);
				else if (k == 1)
					mf_u64(b, fam[k].name, &l, p->st.engages);
				else if (k == 2)
					mf_u64(b, fam[k].name, &l, p->st.disengages);
				else
					mf_f64(b, fam[k].name, &l, p->change_unix_ns / 1e9);
			}
		}
	}
}

static void render_counters(struct mbuf *b, const struct metrics_input *in)
{
	struct mlabels l;
	char name[96];

	for (int k = 0; k < SG_CNT_MAX; k++) {
		snprintf(name, sizeof(name), "synguard_%s_total", sg_counter_names[k]);
		mf_family(b, name, "counter", counter_help[k]);
		for (int i = 0; i < in->niface; i++) {
			if (!in->ifaces[i].have_counters)
				continue;
			iface_labels(&l, in->ifaces[i].ifname);
			mf_u64(b, name, &l, in->ifaces[i].c.cnt[k]);
		}
	}
	/* the same XDP counters as one family, for sum by (action) */
	mf_family(b, "synguard_xdp_packets_total", "counter",
		  "Packets seen by synguard's XDP program, by action (pass, drop, tx) and "
		  "reason; every packet counts exactly once.");
	for (int i = 0; i < in->niface; i++) {
		if (!in->ifaces[i].have_counters)
			continue;
		for (int k = 0; k < SG_CNT_XDP_MAX; k++) {
			iface_labels(&l, in->ifaces[i].ifname);
			ml_add(&l, "action", xdp_action(k));
			ml_add(&l, "reason", sg_counter_names[k]);
			mf_u64(b, "synguard_xdp_packets_total", &l, in->ifaces[i].c.cnt[k]);
		}
	}
}

/* Histogram families: tracer metric ids that share a name share a family
 * (handshake: by SYN arrival or by SYN-ACK RTT, told apart by "basis"). */
static void hist_family_name(int metric, char *buf, size_t len)
{
	const char *n = tracer_metric_name(metric);

	if (!strcmp(n, "lifetime"))
		snprintf(buf, len, "synguard_tcp_lifetime_seconds");
	else
		snprintf(buf, len, "synguard_tcp_%s_duration_seconds", n);
}

/* port="other": every port without series of its own (tcptrace.h,
 * TT_PORT_OTHER), so that a port scan adds no series. */
static void port_label(struct mlabels *l, __u16 port)
{
	if (port == TT_PORT_OTHER)
		ml_add(l, "port", "other");
	else
		ml_addu(l, "port", port);
}

static void render_tracer(struct mbuf *b, const struct metrics_input *in)
{
	const struct tracer_snapshot *s = in->snap;
	struct mlabels l;
	char name[96], help[160];

	mf_family(b, "synguard_tracer_up", "gauge",
		  "1 if the handshake tracer runs (histograms and per-port counters below).");
	mf_u64(b, "synguard_tracer_up", NULL, s != NULL);
	if (!s)
		return;
	mf_family(b, "synguard_tracer_info", "gauge",
		  "How the tracer hooks TCP (tp_btf or tracepoint) and whose XDP SYN arrival "
		  "times it uses (empty: server handshakes are timed from the SYN-ACK RTT).");
	ml_reset(&l);
	ml_add(&l, "hooks", in->tracer_hooks ? in->tracer_hooks : "");
	ml_add(&l, "syn_arrival_ifname", in->tracer_xdp_ifname ? in->tracer_xdp_ifname : "");
	mf_u64(b, "synguard_tracer_info", &l, 1);
	mf_family(b, "synguard_tracer_max_ports", "gauge",
		  "Ports with series of their own (--max-ports): ports with real handshakes "
		  "or a listener, first come; all others are aggregated under port=\"other\".");
	mf_u64(b, "synguard_tracer_max_ports", NULL, in->tracer_max_ports);
	mf_family(b, "synguard_tracer_metric_absent", "gauge",
		  "1 for metrics this kernel cannot give (a hook is missing), with why; their "
		  "series are left out.");
	for (int i = 0; i < in->nabsent; i++) {
		ml_reset(&l);
		ml_add(&l, "metrics", in->absent_metrics[i]);
		ml_add(&l, "why", in->absent_why[i]);
		mf_u64(b, "synguard_tracer_metric_absent", &l, 1);
	}

	for (int m = 0; m < TT_M_MAX; m++) {
		bool first_of_family = true;

		/* a later id with the same name was written with the first */
		for (int p = 0; p < m; p++)
			if (!strcmp(tracer_metric_name(p), tracer_metric_name(m)))
				first_of_family = false;
		if (!first_of_family)
			continue;
		hist_family_name(m, name, sizeof(name));
		snprintf(help, sizeof(help), "TCP %s latency per service port (%s).",
			 tracer_metric_name(m), tracer_metric_desc(m));
		mf_family(b, name, "histogram", help);
		for (int i = 0; i < s->nhist; i++) {
			const struct tracer_hist *h = &s->hist[i];
			const char *basis = tracer_metric_basis(h->metric);

			if (h->metric >= TT_M_MAX ||
			    strcmp(tracer_metric_name(h->metric), tracer_metric_name(m)))
				continue;
			ml_reset(&l);
			port_label(&l, h->port);
			if (basis)
				ml_add(&l, "basis", basis);
			mf_histogram(b, name, &l, h->slots, in->bounds);
		}
	}

	mf_family(b, "synguard_tcp_half_open", "gauge",
		  "Half-open server handshakes now (SYN-ACK retransmitted or XDP SYN arrival "
		  "not completed within 1 s), per local port.");
	for (int i = 0; i < s->ncounts; i++) {
		if (s->counts[i].side != TT_SIDE_SERVER)
			continue;
		ml_reset(&l);
		port_label(&l, s->counts[i].port);
		mf_u64(b, "synguard_tcp_half_open", &l, s->counts[i].c[TT_UC_HALFOPEN]);
	}
	mf_family(b, "synguard_tcp_half_open_oldest_seconds", "gauge",
		  "Age of the oldest half-open server handshake now, per local port.");
	for (int i = 0; i < s->nhist; i++) {
		if (s->hist[i].metric != TT_UM_HALFOPEN_AGE)
			continue;
		ml_reset(&l);
		port_label(&l, s->hist[i].port);
		mf_f64(b, "synguard_tcp_half_open_oldest_seconds", &l, s->hist[i].max_ns / 1e9);
	}

	for (int k = TT_UC_ACCEPT_QUEUE_MAX; k <= TT_UC_ACCEPT_QUEUE_LIMIT; k++) {
		if (in->counter_absent && in->counter_absent[k])
			continue;
		snprintf(name, sizeof(name), "synguard_tcp_%s", tracer_counter_name(k));
		mf_family(b, name, "gauge", k == TT_UC_ACCEPT_QUEUE_MAX ?
			  "Longest accept queue seen when a handshake completed, per listener port "
			  "(fentry/kprobe on tcp_v4/v6_syn_recv_sock)." :
			  "Accept queue limit (listen() backlog) of the listener, per port.");
		for (int i = 0; i < s->ncounts; i++) {
			if (s->counts[i].side != TT_SIDE_SERVER)
				continue;
			ml_reset(&l);
			port_label(&l, s->counts[i].port);
			mf_u64(b, name, &l, s->counts[i].c[k]);
		}
	}

	for (int k = 0; k < TT_UC_MAX; k++) {
		if (tracer_counter_is_gauge(k) || (in->counter_absent && in->counter_absent[k]))
			continue;
		snprintf(name, sizeof(name), "synguard_tcp_%s_total", tracer_counter_name(k));
		snprintf(help, sizeof(help), "TCP %s per side and service port (clients by "
			 "remote port, servers by local port).", tracer_counter_name(k));
		mf_family(b, name, "counter", help);
		for (int i = 0; i < s->ncounts; i++) {
			ml_reset(&l);
			ml_add(&l, "side", tracer_side_name(s->counts[i].side));
			port_label(&l, s->counts[i].port);
			mf_u64(b, name, &l, s->counts[i].c[k]);
		}
	}

	if (!in->acct)
		return;
	mf_family(b, "synguard_tracer_lost_total", "counter",
		  "What the tracer missed, by reason (tables full, unmatched sockets, "
		  "missed transitions ...).");
	for (int i = 0; i < TT_L_MAX; i++) {
		if (i == TT_L_EVENTS_SUBMITTED || i == TT_L_NO_RTT)
			continue;
		ml_reset(&l);
		ml_add(&l, "reason", tracer_loss_name(i));
		mf_u64(b, "synguard_tracer_lost_total", &l, in->acct->loss[i]);
	}
	mf_family(b, "synguard_tracer_recursion_misses_total", "counter",
		  "Tracer runs the kernel skipped because another BPF program ran on that CPU.");
	mf_u64(b, "synguard_tracer_recursion_misses_total", NULL, in->acct->recursion_misses);
	mf_family(b, "synguard_tracer_handshakes_no_latency_total", "counter",
		  "Server handshakes without a usable latency measure (counted, not timed).");
	mf_u64(b, "synguard_tracer_handshakes_no_latency_total", NULL,
	       in->acct->loss[TT_L_NO_RTT]);
}

void metrics_render(struct mbuf *b, const struct metrics_input *in)
{
	render_meta(b, in);
	render_state(b, in);
	render_counters(b, in);
	render_engage(b, in);
	render_tracer(b, in);
}
