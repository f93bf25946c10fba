// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_top.c - `synguard top IFACE [-n N] [-i SECONDS]`: the source prefixes
 * that send the most SYNs to IFACE's listeners, with their SYN and drop
 * rates, so that an operator sees who is attacking. XDP counts every SYN
 * that pays the per-source limit in map sg_src (bpf/srclimit.h): top reads
 * the table twice, an interval apart, and divides. A terminal gets a live
 * view refreshed every interval; JSON (-j) or a pipe gets one report.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "cli.h"
#include "cli_iface.h"
#include "commands.h"
#include "common.h"
#include "defense_maps.h"
#include "escape.h"
#include "json.h"

#define TOP_DEFAULT_N		10
#define TOP_MAX_N		10000
#define TOP_BATCH		4096

struct top_opts {
	const char *ifname;
	long n;
	double interval;
};

struct src_ent {
	struct sg_src_key k;
	struct sg_src_val v;
};

struct src_row {
	struct sg_src_key k;
	double syn_rate, drop_rate;
	__u64 syns, dropped;
	double idle_s;		/* since the prefix's last SYN */
};

struct sample {
	struct src_ent *e;
	size_t n;
	unsigned long long at_ns;	/* CLOCK_MONOTONIC when read */
};

static volatile int stop;

static int parse_args(int argc, char **argv, struct top_opts *o)
{
	static const struct option lopts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "interval", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	char *end;
	int c, err;

	o->n = TOP_DEFAULT_N;
	o->interval = 1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:i:jph", lopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			errno = 0;
			o->n = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || o->n < 1 || o->n > TOP_MAX_N)
				return sg_fail(SG_EXIT_USAGE, "bad -n '%s': use 1..%d (prefixes shown)",
					       optarg, TOP_MAX_N);
			break;
		case 'i':
			errno = 0;
			o->interval = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->interval >= 0.1) ||
			    o->interval > 3600)
				return sg_fail(SG_EXIT_USAGE, "bad interval '%s': use 0.1..3600 "
					       "seconds", optarg);
			break;
		default:
			if ((err = sg_cli_opt("top", c, argv)))
				return err;
			break;
		}
	}
	if (optind >= argc) {
		sg_err("missing interface name");
		sg_usage(stderr, "top");
		return SG_EXIT_USAGE;
	}
	o->ifname = argv[optind++];
	if (optind < argc)
		return sg_fail(SG_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* The whole table, in batches (a key walk restarts when XDP evicts the
 * key it stands on; a batch lookup does not). */
static int read_table(int fd, __u32 max, struct sample *s)
{
	struct sg_src_key *keys = calloc(TOP_BATCH, sizeof(*keys));
	struct sg_src_val *vals = calloc(TOP_BATCH, sizeof(*vals));
	__u32 in = 0, out = 0, cnt;
	bool first = true;
	int err = 0;

	s->n = 0;
	s->e = calloc(max ? max : 1, sizeof(*s->e));
	if (!keys || !vals || !s->e) {
		err = -ENOMEM;
		goto done;
	}
	for (;;) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);

		cnt = TOP_BATCH;
		err = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys, vals, &cnt, &opts);
		if (err && errno != ENOENT) {
			err = -errno;
			break;
		}
		for (__u32 i = 0; i < cnt && s->n < max; i++) {
			s->e[s->n].k = keys[i];
			s->e[s->n].v = vals[i];
			s->n++;
		}
		if (err) {	/* ENOENT: that was the last batch */
			err = 0;
			break;
		}
		in = out;
		first = false;
	}
done:
	s->at_ns = sg_now_mono_ns();
	free(keys);
	free(vals);
	return err;
}

static int by_rate(const void *a, const void *b)
{
	const struct src_row *x = a, *y = b;

	if (x->syn_rate != y->syn_rate)
		return x->syn_rate < y->syn_rate ? 1 : -1;
	return x->syns < y->syns ? 1 : x->syns > y->syns ? -1 : 0;
}

static unsigned long long coarse_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp_key(const void *a, const void *b)
{
	return memcmp(&((const struct src_ent *)a)->k, &((const struct src_ent *)b)->k,
		      sizeof(struct sg_src_key));
}

/* Rows for cur against prev, heaviest first (prev is sorted for the
 * look-ups). A prefix absent from prev (new, or evicted and back) counts
 * from zero: at most its true rate. */
static struct src_row *rows_for(struct sample *prev, const struct sample *cur, size_t *nrows)
{
	double dt = (double)(cur->at_ns - prev->at_ns) / 1e9;
	unsigned long long now = coarse_now_ns();
	struct src_row *rows = calloc(cur->n ? cur->n : 1, sizeof(*rows));

	if (!rows)
		return NULL;
	qsort(prev->e, prev->n, sizeof(*prev->e), cmp_key);
	for (size_t i = 0; i < cur->n; i++) {
		const struct src_ent *c = &cur->e[i];
		struct src_ent *p = bsearch(c, prev->e, prev->n, sizeof(*prev->e), cmp_key);
		__u64 s0 = p && p->v.syns <= c->v.syns ? p->v.syns : 0;
		__u64 d0 = p && p->v.dropped <= c->v.dropped ? p->v.dropped : 0;

		rows[i].k = c->k;
		rows[i].syns = c->v.syns;
		rows[i].dropped = c->v.dropped;
		rows[i].syn_rate = dt > 0 ? (double)(c->v.syns - s0) / dt : 0;
		rows[i].drop_rate = dt > 0 ? (double)(c->v.dropped - d0) / dt : 0;
		rows[i].idle_s = now > c->v.last_ns ? (double)(now - c->v.last_ns) / 1e9 : 0;
	}
	qsort(rows, cur->n, sizeof(*rows), by_rate);
	*nrows = cur->n;
	return rows;
}

static void prefix_text(const struct sg_src_key *k, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(k->family == 6 ? AF_INET6 : AF_INET, k->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, k->plen);
}

struct top_view {
	const char *ifname;
	double interval;
	const struct sg_limits *lim;
	__u32 table_max;
	size_t entries;
	const struct src_row *rows;
	size_t nrows;
	long n;
};

static void print_json(const struct top_view *t)
{
	struct jw *w = jw_new(stdout, sg_env.pretty);
	char pfx[64];

	jw_start_object(w);
	jw_string_field(w, "ifname", t->ifname);
	jw_float_field(w, "interval_s", t->interval);
	jw_name(w, "syn_limit");
	if (t->lim->src_interval_ns) {
		jw_start_object(w);
		jw_uint_field(w, "rate", t->lim->src_rate);
		jw_uint_field(w, "burst", t->lim->src_burst);
		jw_uint_field(w, "prefix4", t->lim->src_plen4);
		jw_uint_field(w, "prefix6", t->lim->src_plen6);
		jw_end_object(w);
	} else {
		jw_null(w);
	}
	jw_uint_field(w, "table_size", t->table_max);
	jw_uint_field(w, "entries", t->entries);
	jw_name(w, "sources");
	jw_start_array(w);
	for (size_t i = 0; i < t->nrows && (long)i < t->n; i++) {
		const struct src_row *r = &t->rows[i];

		prefix_text(&r->k, pfx, sizeof(pfx));
		jw_start_object(w);
		jw_string_field(w, "prefix", pfx);
		jw_uint_field(w, "family", r->k.family);
		jw_float_field(w, "syn_rate", r->syn_rate);
		jw_float_field(w, "drop_rate", r->drop_rate);
		jw_uint_field(w, "syns", r->syns);
		jw_uint_field(w, "dropped", r->dropped);
		jw_float_field(w, "idle_s", r->idle_s);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_end_object(w);
	jw_free(w);
}

static void print_text(const struct top_view *t, bool live)
{
	char pfx[64], esc[64];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	if (live)
		fputs("\033[H\033[2J", stdout);	/* home, clear: a refreshing view */
	printf("synguard top %s - %02d:%02d:%02d, SYN rates over %.1f s\n",
	       sg_esc_text(t->ifname, esc, sizeof(esc)), tm.tm_hour, tm.tm_min, tm.tm_sec,
	       t->interval);
	if (t->lim->src_interval_ns)
		printf("per-source limit %u/s, burst %u, per /%u (IPv4) and /%u (IPv6); "
		       "%zu of %u prefixes tracked\n", t->lim->src_rate, t->lim->src_burst,
		       t->lim->src_plen4, t->lim->src_plen6, t->entries, t->table_max);
	else
		printf("no per-source limit on %s: SYNs are not counted per source "
		       "(protect --syn-limit RATE)\n", sg_esc_text(t->ifname, esc, sizeof(esc)));
	printf("%-44s %12s %12s %14s %14s %8s\n", "PREFIX", "SYN/s", "DROP/s", "SYNS",
	       "DROPPED", "IDLE_S");
	for (size_t i = 0; i < t->nrows && (long)i < t->n; i++) {
		const struct src_row *r = &t->rows[i];

		prefix_text(&r->k, pfx, sizeof(pfx));
		printf("%-44s %12.1f %12.1f %14llu %14llu %8.1f\n", pfx, r->syn_rate, r->drop_rate,
		       (unsigned long long)r->syns, (unsigned long long)r->dropped, r->idle_s);
	}
	if (!t->nrows)
		printf("(no sources)\n");
	fflush(stdout);
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int run(const struct top_opts *o, struct sg_defense *d)
{
	struct sample prev = {}, cur = {};
	struct bpf_map_info mi = {};
	struct sg_limits lim = {};
	__u32 len = sizeof(mi), zero = 0;
	bool live = !sg_env.json && isatty(STDOUT_FILENO);
	int err;

	if (d->src_fd < 0 || d->limits_fd < 0)
		return sg_fail(SG_EXIT_ERROR, "%s runs a synguard XDP program without the "
			       "per-source SYN table (an older build)", o->ifname);
	if (bpf_obj_get_info_by_fd(d->src_fd, &mi, &len) ||
	    bpf_map_lookup_elem(d->limits_fd, &zero, &lim))
		return sg_fail(SG_EXIT_ERROR, "cannot read the maps of %s: %s", o->ifname,
			       strerror(errno));
	if (live)
		sg_on_signal(&stop);
	err = read_table(d->src_fd, mi.max_entries, &prev);
	while (!err) {
		struct top_view t = { .ifname = o->ifname, .interval = o->interval, .lim = &lim,
				      .table_max = mi.max_entries, .n = o->n };
		struct src_row *rows;

		sleep_s(o->interval);
		if (stop)
			break;
		err = read_table(d->src_fd, mi.max_entries, &cur);
		if (err)
			break;
		/* the limits may change meanwhile (protect): show the current ones */
		bpf_map_lookup_elem(d->limits_fd, &zero, &lim);
		rows = rows_for(&prev, &cur, &t.nrows);
		if (!rows) {
			err = -ENOMEM;
			break;
		}
		t.rows = rows;
		t.entries = cur.n;
		if (sg_env.json)
			print_json(&t);
		else
			print_text(&t, live);
		free(rows);
		free(prev.e);
		prev = cur;
		cur.e = NULL;
		if (!live)
			break;
	}
	free(prev.e);
	free(cur.e);
	if (err)
		return sg_fail(SG_EXIT_ERROR, "cannot read the per-source SYN table of %s: %s",
			       o->ifname, strerror(-err));
	return SG_EXIT_OK;
}

int cmd_top(int argc, char **argv)
{
	struct top_opts o = {};
	struct sg_defense d;
	int ifindex, err;

	err = parse_args(argc, argv, &o);
	if (err)
		return err < 0 ? SG_EXIT_OK : err;
	err = sg_check_privileges();
	if (err)
		return err;
	err = sg_cli_ifindex(o.ifname, &ifindex);
	if (!err)
		err = sg_cli_defense_open(o.ifname, ifindex, &d);
	if (err)
		return err;
	err = run(&o, &d);
	sg_defense_close(&d);
	return err;
}
