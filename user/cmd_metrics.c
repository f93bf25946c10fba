// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_metrics.c - `synguard metrics [--listen ADDR:PORT]`: a Prometheus
 * endpoint. Per scrape it finds every protected interface of this network
 * namespace through its netlink attachment (defense_maps.h: it needs neither
 * the pins nor the process that protected it) and reads their counters and
 * configuration; it runs the handshake tracer for as long as it runs itself
 * and reads its histograms. metrics_render.c turns that into text,
 * metrics_http.c serves it.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "cli.h"
#include "common.h"
#include "conffile.h"
#include "defense_maps.h"
#include "engage_show.h"
#include "json.h"
#include "metrics_fmt.h"
#include "metrics_http.h"
#include "metrics_render.h"
#include "stats_read.h"
#include "trace_cli.h"
#include "tracer.h"

#ifndef SG_VERSION
#define SG_VERSION "0.1.0"
#endif
#define DEFAULT_LISTEN "127.0.0.1:9750"
#define DEFAULT_PER_OCTAVE 2

struct metrics_opts {
	const char *listen;
	const char *config;
	int per_octave;
	__u32 max_ports;
	__u16 port;
	bool no_tracer;
	bool no_xdp;
	struct hg_limits lim;	/* connection limits: http_guard.h */
};

/* Everything a scrape touches; scrapes run on MHD's connection threads. */
struct mstate {
	pthread_mutex_t lock;
	const struct metrics_opts *o;
	struct tracer *t;
	struct mf_bounds bounds;
	struct sg_conf conf;		/* last good read of o->config */
	double start_time;
	__u64 scrapes, errors;
	bool conf_warned;
};

static int parse_args(int argc, char **argv, struct metrics_opts *o)
{
	/* O_HDR_TMO.. in the order of enum hg_opt */
	enum { O_PORT = 256, O_PER_OCTAVE, O_NO_TRACER, O_NO_XDP, O_HDR_TMO, O_IDLE_TMO,
	       O_PER_SOURCE, O_MAX_CONNS, O_MAX_PORTS };
	static const struct option lopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "config", required_argument, NULL, 'c' },
		{ "port", required_argument, NULL, O_PORT },
		{ "buckets-per-octave", required_argument, NULL, O_PER_OCTAVE },
		{ "no-tracer", no_argument, NULL, O_NO_TRACER },
		{ "no-xdp", no_argument, NULL, O_NO_XDP },
		{ "max-ports", required_argument, NULL, O_MAX_PORTS },
		{ "header-timeout", required_argument, NULL, O_HDR_TMO },
		{ "idle-timeout", required_argument, NULL, O_IDLE_TMO },
		{ "max-conns-per-source", required_argument, NULL, O_PER_SOURCE },
		{ "max-connections", required_argument, NULL, O_MAX_CONNS },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct mf_bounds probe;
	char *end;
	long v;
	int c, err;

	memset(o, 0, sizeof(*o));
	o->listen = DEFAULT_LISTEN;
	o->per_octave = DEFAULT_PER_OCTAVE;
	o->max_ports = TT_PORT_ENTRIES;
	hg_limits_default(&o->lim);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":l:c:jph", lopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o->listen = optarg;
			break;
		case 'c':
			o->config = optarg;
			break;
		case O_PORT:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 || v > 65535)
				return sg_fail(SG_EXIT_USAGE, "--port: '%s' is not a port (1-65535)",
					       optarg);
			o->port = (__u16)v;
			break;
		case O_PER_OCTAVE:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v > 16 || mf_bounds_init(&probe, (int)v))
				return sg_fail(SG_EXIT_USAGE, "--buckets-per-octave: '%s': use 1, 2, "
					       "4, 8 or 16", optarg);
			o->per_octave = (int)v;
			break;
		case O_MAX_PORTS:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 || v > TT_PORT_ENTRIES_MAX)
				return sg_fail(SG_EXIT_USAGE, "--max-ports: '%s' is not a number "
					       "of ports (1-%d)", optarg, TT_PORT_ENTRIES_MAX);
			o->max_ports = (__u32)v;
			break;
		case O_NO_TRACER:
			o->no_tracer = true;
			break;
		case O_HDR_TMO:
		case O_IDLE_TMO:
		case O_PER_SOURCE:
		case O_MAX_CONNS:
			if ((err = hg_parse_opt(c - O_HDR_TMO, optarg, &o->lim)))
				return err;
			break;
		case O_NO_XDP:
			o->no_xdp = true;
			break;
		default:
			if ((err = sg_cli_opt("metrics", c, argv)))
				return err;
			break;
		}
	}
	if (optind < argc)
		return sg_fail(SG_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* Re-read the config file on every scrape, so that an edited file shows
 * without a restart; a file that became invalid keeps the last good one. */
static void refresh_conf(struct mstate *s)
{
	struct sg_conf c;
	char msg[512];

	if (!s->o->config)
		return;
	if (sg_conf_load(s->o->config, &c, msg, sizeof(msg))) {
		s->errors++;
		if (!s->conf_warned)
			sg_warn("%s (keeping the last good configuration)", msg);
		s->conf_warned = true;
		return;
	}
	s->conf_warned = false;
	sg_conf_free(&s->conf);
	s->conf = c;
}

static int scrape(void *ctx, char **body, size_t *len)
{
	struct mstate *s = ctx;
	struct sg_defense *defs = NULL;
	struct metrics_iface *ifs = NULL;
	struct sg_engage_view *ev = NULL;
	struct tracer_snapshot snap = {};
	struct tracer_accounting acct;
	const char **expected = NULL;
	struct metrics_input in = {};
	const char *absent_m[8], *absent_w[8];
	bool counter_absent[TT_UC_MAX];
	struct mbuf b;
	int n, rc = 0;

	pthread_mutex_lock(&s->lock);
	refresh_conf(s);
	n = sg_defense_list(&defs);
	if (n < 0) {
		s->errors++;
		n = 0;
	}
	ifs = calloc(n ? n : 1, sizeof(*ifs));
	ev = calloc(n ? n : 1, sizeof(*ev));
	expected = calloc(s->conf.n ? s->conf.n : 1, sizeof(*expected));
	if (!ifs || !ev || !expected) {
		rc = -1;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		struct metrics_iface *f = &ifs[i];

		memcpy(f->ifname, defs[i].ifname, sizeof(f->ifname));
		f->ifindex = defs[i].ifindex;
		f->mode = defs[i].mode;
		f->xdp_id = defs[i].xdp_id;
		f->tc_id = defs[i].tc_id;
		f->have_config = sg_defense_read_config(&defs[i], &f->cfg) == 0;
		f->have_counters = sg_stats_read(defs[i].stats_fd, &f->c) == 0;
		s->errors += !f->have_config + !f->have_counters;
		if (f->have_config) {
			sg_engage_view_read(&defs[i], &f->cfg, &ev[i]);
			f->engage = ev[i].ports;
			f->nengage = ev[i].nports;
		}
	}
	for (int i = 0; i < s->conf.n; i++)
		expected[i] = s->conf.ifaces[i].ifname;

	in.version = SG_VERSION;
	in.start_time = s->start_time;
	in.scrapes = s->scrapes;
	in.niface = n;
	in.ifaces = ifs;
	in.nexpected = s->conf.n;
	in.expected = expected;
	in.bounds = &s->bounds;
	if (s->t) {
		in.tracer_hooks = tracer_hook_kind(s->t);
		in.tracer_xdp_ifname = tracer_xdp_ifname(s->t);
		in.tracer_max_ports = tracer_max_ports(s->t);
		in.tracer_listen_hooks = tracer_listen_hooks(s->t);
		for (const char *m, *why; in.nabsent < 8 &&
		     (m = tracer_absent(s->t, in.nabsent, &why)); in.nabsent++) {
			absent_m[in.nabsent] = m;
			absent_w[in.nabsent] = why;
		}
		in.absent_metrics = absent_m;
		in.absent_why = absent_w;
		for (int k = 0; k < TT_UC_MAX; k++)
			counter_absent[k] = !tracer_counter_present(s->t, k);
		in.counter_absent = counter_absent;
		if (tracer_read(s->t, &snap) == 0) {
			in.snap = &snap;
			if (tracer_read_accounting(s->t, &acct) == 0)
				in.acct = &acct;
		} else {
			s->errors++;
		}
	}
	in.scrape_errors = s->errors;
	mb_init(&b);
	metrics_render(&b, &in);
	if (b.oom) {
		mb_free(&b);
		rc = -1;
		goto out;
	}
	*body = mb_steal(&b, len);
	s->scrapes++;
out:
	pthread_mutex_unlock(&s->lock);
	tracer_snapshot_free(&snap);
	for (int i = 0; ev && i < n; i++)
		sg_engage_view_free(&ev[i]);
	free(ev);
	sg_defense_free_list(defs, n);
	free(ifs);
	free(expected);
	return rc;
}

static void print_ready(const char *bound, struct tracer *t)
{
	if (sg_env.json) {
		struct jw *w = jw_new(stdout, sg_env.pretty);
		char url[128];

		snprintf(url, sizeof(url), "http://%s/metrics", bound);
		jw_start_object(w);
		jw_string_field(w, "event", "ready");
		jw_string_field(w, "listen", bound);
		jw_string_field(w, "url", url);
		jw_bool_field(w, "tracer", t != NULL);
		jw_name(w, "tracer_hooks");
		jw_string(w, t ? tracer_hook_kind(t) : NULL);
		jw_name(w, "syn_arrival_ifname");
		jw_string(w, t ? tracer_xdp_ifname(t) : NULL);
		jw_name(w, "listen_hooks");
		jw_string(w, t ? tracer_listen_hooks(t) : NULL);
		if (t)
			trace_cli_absent_json(w, t);
		jw_end_object(w);
		jw_free(w);
		return;
	}
	printf("serving metrics on http://%s/metrics", bound);
	if (t)
		printf(" (tracer: %s%s%s)", tracer_hook_kind(t),
		       tracer_xdp_ifname(t) ? ", SYN arrivals from XDP on " : "",
		       tracer_xdp_ifname(t) ? tracer_xdp_ifname(t) : "");
	else
		printf(" (no tracer)");
	printf("; Ctrl-C to stop\n");
	if (t)
		trace_cli_absent_text(stdout, t);
	fflush(stdout);
}

int cmd_metrics(int argc, char **argv)
{
	struct metrics_opts o;
	struct mstate s = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct metrics_http *h = NULL;
	volatile int stop = 0;
	char bound[80] = "", msg[512];
	int err;

	err = parse_args(argc, argv, &o);
	if (err)
		return err < 0 ? SG_EXIT_OK : err;
	s.o = &o;
	mf_bounds_init(&s.bounds, o.per_octave);
	if (o.config && sg_conf_load(o.config, &s.conf, msg, sizeof(msg)))
		return sg_fail(SG_EXIT_USAGE, "%s", msg);
	err = sg_check_privileges();
	if (err)
		goto out;
	s.start_time = sg_now_real_ns() / 1e9;
	if (!o.no_tracer) {
		struct tracer_opts to = { .port = o.port, .hist = true, .no_xdp = o.no_xdp,
					  .max_ports = o.max_ports };

		/* Without the tracer the defense metrics still matter: go on */
		if (tracer_open(&to, NULL, NULL, &s.t) != SG_EXIT_OK) {
			sg_warn("serving defense metrics without the handshake tracer");
			s.t = NULL;
		}
	}
	/* signals before the server starts, so no thread inherits the default */
	sg_on_signal(&stop);
	err = metrics_http_start(o.listen, &o.lim, scrape, &s, &h, bound, sizeof(bound));
	if (err)
		goto out;
	print_ready(bound, s.t);
	while (!stop)
		usleep(100000);
	metrics_http_stop(h);	/* waits for scrapes in flight */
	if (sg_env.json) {
		struct jw *w = jw_new(stdout, sg_env.pretty);

		jw_start_object(w);
		jw_string_field(w, "event", "stopped");
		jw_uint_field(w, "scrapes", s.scrapes);
		jw_uint_field(w, "read_errors", s.errors);
		jw_end_object(w);
		jw_free(w);
	} else {
		printf("stopped after %llu scrapes\n", (unsigned long long)s.scrapes);
	}
	err = SG_EXIT_OK;
out:
	tracer_close(s.t);	/* detaches the tracer programs */
	sg_conf_free(&s.conf);
	return err;
}
