// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_hist.c - `synguard hist`: live per-port latency histograms. The kernel
 * aggregates (tcptrace.bpf.c); we only read the maps once per report.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "common.h"
#include "hist_fmt.h"
#include "json.h"
#include "trace_cli.h"
#include "tracer.h"

/* cur - prev for the interval; gauges stay as they are. */
static void delta(struct tracer_snapshot *cur, const struct tracer_snapshot *prev)
{
	for (int i = 0; i < cur->nhist; i++) {
		struct tracer_hist *h = &cur->hist[i];
		int top = -1;

		if (tracer_metric_is_gauge(h->metric))
			continue;
		for (int j = 0; j < prev->nhist; j++) {
			const struct tracer_hist *p = &prev->hist[j];

			if (p->port != h->port || p->metric != h->metric)
				continue;
			for (int b = 0; b < TT_NBUCKETS; b++)
				h->slots[b] -= p->slots[b] <= h->slots[b] ? p->slots[b] : h->slots[b];
			break;
		}
		for (int b = 0; b < TT_NBUCKETS; b++)
			if (h->slots[b])
				top = b;
		/* the kernel keeps only the all-time max: the interval's max is
		 * at most the top bucket's upper bound */
		if (top >= 0 && top < TT_NBUCKETS - 1 && h->max_ns >= tt_bucket_lo(top + 1))
			h->max_ns = tt_bucket_lo(top + 1) - 1;
		if (top < 0)
			h->max_ns = 0;
	}
	for (int i = 0; i < cur->ncounts; i++) {
		struct tracer_counts *c = &cur->counts[i];

		for (int j = 0; j < prev->ncounts; j++) {
			const struct tracer_counts *p = &prev->counts[j];

			if (p->port != c->port || p->side != c->side)
				continue;
			for (int k = 0; k < TT_UC_MAX; k++)
				if (!tracer_counter_is_gauge(k) && p->c[k] <= c->c[k])
					c->c[k] -= p->c[k];
			break;
		}
	}
}

static __u64 hist_count(const struct tracer_hist *h)
{
	__u64 n = 0;

	for (int b = 0; b < TT_NBUCKETS; b++)
		n += h->slots[b];
	return n;
}

static void report_json(const struct tracer_snapshot *s, const struct tracer_accounting *a,
			struct tracer *t, double interval)
{
	struct jw *w = jw_new(stdout, sg_env.pretty);
	struct hist_summary hs;

	if (!w)
		return;
	jw_start_object(w);
	jw_float_field(w, "time", sg_now_real_ns() / 1e9);
	if (interval > 0)
		jw_float_field(w, "interval_s", interval);
	jw_string_field(w, "hooks", tracer_hook_kind(t));
	jw_bool_field(w, "xdp_syn_arrival", tracer_xdp_ifname(t) != NULL);
	jw_name(w, "histograms");
	jw_start_array(w);
	for (int i = 0; i < s->nhist; i++) {
		const struct tracer_hist *h = &s->hist[i];
		const char *basis = tracer_metric_basis(h->metric);

		hist_summarize(h->slots, h->max_ns, &hs);
		if (!hs.count)
			continue;
		jw_start_object(w);
		jw_string_field(w, "metric", tracer_metric_name(h->metric));
		if (basis)
			jw_string_field(w, "basis", basis);
		jw_uint_field(w, "port", h->port);
		if (h->port == TT_PORT_OTHER)
			jw_bool_field(w, "other", true);
		jw_string_field(w, "unit", "us");
		jw_uint_field(w, "count", hs.count);
		jw_float_field(w, "p50", hs.p50_us);
		jw_float_field(w, "p90", hs.p90_us);
		jw_float_field(w, "p99", hs.p99_us);
		jw_float_field(w, "max", hs.max_us);
		jw_name(w, "buckets");
		jw_start_array(w);
		for (int b = 0; b < TT_NBUCKETS; b++) {
			if (!h->slots[b])
				continue;
			jw_start_object(w);
			jw_name(w, "le");
			if (b == TT_NBUCKETS - 1)
				jw_string(w, "+Inf");
			else
				jw_float(w, hist_bucket_le_us(b));
			jw_uint_field(w, "count", h->slots[b]);
			jw_end_object(w);
		}
		jw_end_array(w);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_name(w, "counters");
	jw_start_array(w);
	for (int i = 0; i < s->ncounts; i++) {
		const struct tracer_counts *c = &s->counts[i];

		jw_start_object(w);
		jw_uint_field(w, "port", c->port);
		if (c->port == TT_PORT_OTHER)
			jw_bool_field(w, "other", true);
		jw_string_field(w, "side", tracer_side_name(c->side));
		for (int k = 0; k < TT_UC_MAX; k++)
			if (tracer_counter_present(t, k))
				jw_uint_field(w, tracer_counter_name(k), c->c[k]);
		jw_end_object(w);
	}
	jw_end_array(w);
	trace_cli_loss_json(w, a);
	jw_name(w, "listen_hooks");
	jw_string(w, tracer_listen_hooks(t));
	trace_cli_absent_json(w, t);
	jw_end_object(w);
	jw_free(w);
}

static void report_text(const struct tracer_snapshot *s, const struct tracer_accounting *a,
			struct tracer *t, double interval)
{
	struct hist_summary hs;
	char tbuf[32];
	time_t now = time(NULL);

	strftime(tbuf, sizeof(tbuf), "%H:%M:%S", localtime(&now));
	if (interval > 0)
		printf("%s (last %.3g s)\n", tbuf, interval);
	else
		printf("%s\n", tbuf);
	for (int i = 0; i < s->nhist; i++) {
		const struct tracer_hist *h = &s->hist[i];

		if (!hist_count(h))
			continue;
		hist_summarize(h->slots, h->max_ns, &hs);
		if (h->port == TT_PORT_OTHER)
			printf("\n%s, other ports: %s\n", tracer_metric_name(h->metric),
			       tracer_metric_desc(h->metric));
		else
			printf("\n%s, port %u: %s\n", tracer_metric_name(h->metric), h->port,
			       tracer_metric_desc(h->metric));
		hist_print_log2(stdout, h->slots);
		printf("count %llu  p50 %.1f us  p90 %.1f us  p99 %.1f us  max %.1f us\n",
		       (unsigned long long)hs.count, hs.p50_us, hs.p90_us, hs.p99_us, hs.max_us);
	}
	if (s->ncounts)
		printf("\n");
	for (int i = 0; i < s->ncounts; i++) {
		const struct tracer_counts *c = &s->counts[i];

		if (c->port == TT_PORT_OTHER)
			printf("%s other ports:", tracer_side_name(c->side));
		else
			printf("%s port %u:", tracer_side_name(c->side), c->port);
		for (int k = 0; k < TT_UC_MAX; k++)
			if (c->c[k])
				printf(" %s=%llu", tracer_counter_name(k), (unsigned long long)c->c[k]);
		printf("\n");
	}
	if (!s->nhist && !s->ncounts)
		printf("(no connections)\n");
	trace_cli_loss_text(stdout, a);
	trace_cli_absent_text(stdout, t);
	printf("\n");
	fflush(stdout);
}

static int report(struct tracer *t, const struct trace_cli *cli, struct tracer_snapshot *prev,
		  double interval)
{
	struct tracer_snapshot cur, keep;
	struct tracer_accounting a;
	int err;

	err = tracer_read(t, &cur);
	if (err)
		return sg_fail(SG_EXIT_ERROR, "reading histograms: %s", strerror(-err));
	tracer_read_accounting(t, &a);
	if (interval > 0) {
		/* keep the cumulative snapshot for the next interval */
		keep = cur;
		keep.hist = malloc(cur.nhist * sizeof(*cur.hist) + 1);
		keep.counts = malloc(cur.ncounts * sizeof(*cur.counts) + 1);
		if (!keep.hist || !keep.counts) {
			free(keep.hist);
			free(keep.counts);
			tracer_snapshot_free(&cur);
			return sg_fail(SG_EXIT_ERROR, "out of memory");
		}
		memcpy(keep.hist, cur.hist, cur.nhist * sizeof(*cur.hist));
		memcpy(keep.counts, cur.counts, cur.ncounts * sizeof(*cur.counts));
		delta(&cur, prev);
		tracer_snapshot_free(prev);
		*prev = keep;
	}
	if (cli->json)
		report_json(&cur, &a, t, interval);
	else
		report_text(&cur, &a, t, interval);
	tracer_snapshot_free(&cur);
	return 0;
}

int cmd_hist(int argc, char **argv)
{
	struct tracer_snapshot prev = {};
	struct tracer_opts o = {};
	struct trace_cli cli;
	struct tracer *t;
	volatile int stop = 0;
	unsigned long long start, end = 0, next = 0, last, now;
	int err, rc = SG_EXIT_OK;

	err = trace_cli_parse(argc, argv, true, &cli);
	if (err)
		return err < 0 ? SG_EXIT_OK : err;
	o.port = cli.port;
	o.hist = true;
	o.force_classic = cli.classic;
	o.no_xdp = cli.no_xdp;
	o.max_ports = cli.max_ports;
	err = tracer_open(&o, NULL, NULL, &t);
	if (err)
		return err;
	sg_on_signal(&stop);
	if (!cli.json)
		fprintf(stderr, "synguard: aggregating TCP handshake latencies (%s%s%s); Ctrl-C to %s\n",
			tracer_hook_kind(t), tracer_xdp_ifname(t) ? ", XDP SYN arrivals on " : "",
			tracer_xdp_ifname(t) ? tracer_xdp_ifname(t) : "",
			cli.interval > 0 ? "stop" : "print and stop");
	if (!cli.json)
		trace_cli_absent_text(stderr, t);
	start = last = sg_now_mono_ns();
	if (cli.duration)
		end = start + (unsigned long long)(cli.duration * 1e9);
	if (cli.interval > 0)
		next = start + (unsigned long long)(cli.interval * 1e9);
	for (;;) {
		now = sg_now_mono_ns();
		if (stop || (end && now >= end))
			break;
		if (next && now >= next) {
			rc = report(t, &cli, &prev, (now - last) / 1e9);
			if (rc)
				break;
			last = now;
			next += (unsigned long long)(cli.interval * 1e9);
			continue;
		}
		/* sleep in short steps so that signals and the deadline are prompt */
		usleep(50000);
	}
	/* freeze the counters, then the final (or only) report */
	tracer_stop(t);
	now = sg_now_mono_ns();
	if (!rc && (!next || now - last > 50000000ULL))
		rc = report(t, &cli, &prev, next ? (now - last) / 1e9 : 0);
	tracer_snapshot_free(&prev);
	tracer_close(t);
	return rc;
}
