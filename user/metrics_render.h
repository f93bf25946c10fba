/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * metrics_render.h - synguard's metrics, as Prometheus text, from a snapshot
 * that the caller collected (cmd_metrics.c reads the BPF maps). Pure: no
 * BPF, no I/O, so unit tests feed it made-up numbers. The metric names and
 * labels are documented in docs/metrics.md and must stay stable.
 */
#ifndef SG_METRICS_RENDER_H
#define SG_METRICS_RENDER_H

#include <stdbool.h>
#include <net/if.h>
#include <linux/types.h>

#include "engage_show.h"
#include "metrics_fmt.h"
#include "stats_read.h"
#include "synguard.h"
#include "tracer.h"

struct metrics_iface {
	char ifname[IF_NAMESIZE];
	int ifindex;
	enum sg_mode mode;
	__u32 xdp_id, tc_id;		/* tc_id 0: handoff missing */
	bool have_config;
	struct sg_config cfg;
	bool have_counters;
	struct sg_counters c;
	/* engagement mode: the auto ports' state (engage_show.h); NULL/0
	 * when no port is auto */
	const struct sg_engage_port_view *engage;
	int nengage;
};

struct metrics_input {
	const char *version;
	double start_time;		/* unix seconds when the server started */
	__u64 scrapes;			/* scrapes served before this one */
	__u64 scrape_errors;		/* map reads that failed, since start */
	int niface;
	const struct metrics_iface *ifaces;
	/* interfaces the config file (-c) wants protected; NULL/0 if none */
	int nexpected;
	const char *const *expected;
	/* the tracer; snap/acct NULL when it is not running */
	const char *tracer_hooks;	/* "tp_btf" / "tracepoint" */
	const char *tracer_xdp_ifname;	/* NULL: server handshakes from SYN-ACK RTT */
	__u32 tracer_max_ports;		/* ports with series of their own */
	const char *tracer_listen_hooks;	/* "fentry"/"kprobe", NULL: absent */
	/* metrics the kernel cannot give: names and why (tracer_absent) */
	int nabsent;
	const char *const *absent_metrics, *const *absent_why;
	const bool *counter_absent;	/* [TT_UC_MAX], NULL: all present */
	const struct tracer_snapshot *snap;
	const struct tracer_accounting *acct;
	const struct mf_bounds *bounds;
};

void metrics_render(struct mbuf *b, const struct metrics_input *in);

#endif
