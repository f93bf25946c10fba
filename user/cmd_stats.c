// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_stats.c - `synguard stats [IFACE] [--interval S [--count N]]`: the
 * defense counters of protected interfaces, as totals or as rates.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "cli.h"
#include "cli_iface.h"
#include "common.h"
#include "engage_show.h"
#include "defense_maps.h"
#include "escape.h"
#include "stats_percpu.h"
#include "json.h"
#include "stats_read.h"

struct stats_opts {
	const char *ifname;
	double interval;	/* seconds, 0 = print totals once */
	long count;		/* intervals to print, 0 = until a signal */
	bool per_cpu;		/* --per-cpu: each CPU's counters, once */
};

static int parse_args(int argc, char **argv, struct stats_opts *o)
{
	static const struct option lopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "per-cpu", no_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	bool count_given = false;
	char *end;
	int c, err;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:c:jph", lopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			errno = 0;
			o->interval = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->interval >= 0.01) ||
			    o->interval > 86400)
				return sg_fail(SG_EXIT_USAGE, "bad interval '%s': use seconds, "
					       "0.01..86400", optarg);
			break;
		case 'c':
			errno = 0;
			o->count = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || o->count < 1)
				return sg_fail(SG_EXIT_USAGE, "bad count '%s': use a positive "
					       "integer", optarg);
			count_given = true;
			break;
		case 'C':
			o->per_cpu = true;
			break;
		default:
			if ((err = sg_cli_opt("stats", c, argv)))
				return err;
			break;
		}
	}
	if (optind < argc)
		o->ifname = argv[optind++];
	if (optind < argc)
		return sg_fail(SG_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	if (count_given && !o->interval)
		return sg_fail(SG_EXIT_USAGE, "--count needs --interval");
	if (o->per_cpu && o->interval)
		return sg_fail(SG_EXIT_USAGE, "--per-cpu prints totals once: not with --interval");
	return 0;
}

/* The summary rows, in display order (JSON uses the same names). */
static const char *const total_names[] = {
	"syn", "synack_sent", "ack_cookie_valid", "ack_cookie_invalid",
	"established_pass", "pass", "drop",
};

static void totals_array(const struct sg_counters *c, __u64 out[7])
{
	struct sg_totals t;

	sg_stats_totals(c, &t);
	out[0] = t.syn;
	out[1] = t.synack_sent;
	out[2] = t.ack_cookie_valid;
	out[3] = t.ack_cookie_invalid;
	out[4] = t.established_pass;
	out[5] = t.pass;
	out[6] = t.drop;
}

/*
 * Members for one interface's counters: the summary, every raw counter by
 * name (some raw names equal summary names; each name is written once), and
 * "drops" by reason. secs > 0: values divided by secs, as floats (rates).
 */
static void json_counters(struct jw *w, const struct sg_counters *c, double secs)
{
	__u64 tot[7];
	bool done[SG_CNT_MAX] = {};

#define VAL(w, name, v) do {						\
		if (secs > 0)						\
			jw_float_field(w, name, (double)(v) / secs);	\
		else							\
			jw_uint_field(w, name, v);			\
	} while (0)

	totals_array(c, tot);
	for (int i = 0; i < 7; i++) {
		VAL(w, total_names[i], tot[i]);
		for (int k = 0; k < SG_CNT_MAX; k++)
			if (!strcmp(sg_counter_names[k], total_names[i]))
				done[k] = true;
	}
	for (int k = 0; k < SG_CNT_MAX; k++)
		if (!done[k])
			VAL(w, sg_counter_names[k], c->cnt[k]);
	jw_name(w, "drops");
	jw_start_object(w);
	for (int k = 0; k < SG_CNT_XDP_MAX; k++)
		if (sg_counter_is_drop(k))
			VAL(w, sg_counter_names[k], c->cnt[k]);
	jw_end_object(w);
#undef VAL
}

/* The auto ports engaged now (engage_show.h), into an open object. */
static void json_engaged(struct jw *w, const struct sg_defense *d)
{
	struct sg_engage_view v;
	struct sg_config cfg;

	jw_name(w, "engaged_ports");
	jw_start_array(w);
	if (!sg_defense_read_config(d, &cfg)) {
		sg_engage_view_read(d, &cfg, &v);
		for (int i = 0; i < v.nports; i++)
			if (v.ports[i].engaged)
				jw_uint(w, v.ports[i].port);
		sg_engage_view_free(&v);
	}
	jw_end_array(w);
}

static int count_engaged(const struct sg_defense *d)
{
	struct sg_engage_view v;
	struct sg_config cfg;
	int n = 0;

	if (!sg_defense_read_config(d, &cfg)) {
		sg_engage_view_read(d, &cfg, &v);
		n = v.nengaged;
		sg_engage_view_free(&v);
	}
	return n;
}

static void print_totals(const struct sg_defense *list, const struct sg_counters *c, int n)
{
	char esc[SG_ESC_IFNAME];

	if (sg_env.json) {
		struct jw *w = jw_new(stdout, sg_env.pretty);

		jw_start_object(w);
		jw_name(w, "interfaces");
		jw_start_array(w);
		for (int i = 0; i < n; i++) {
			jw_start_object(w);
			jw_string_field(w, "ifname", list[i].ifname);
			jw_int_field(w, "ifindex", list[i].ifindex);
			json_counters(w, &c[i], 0);
			json_engaged(w, &list[i]);
			jw_end_object(w);
		}
		jw_end_array(w);
		jw_end_object(w);
		jw_free(w);
		return;
	}
	if (!n) {
		printf("no interface is protected in this network namespace\n");
		return;
	}
	/* one column per interface; summary first, then every reason */
	printf("%-22s", "COUNTER");
	for (int i = 0; i < n; i++)
		printf(" %15s", sg_esc_text(list[i].ifname, esc, sizeof(esc)));
	printf("\n");
	for (int r = 0; r < 7; r++) {
		printf("%-22s", total_names[r]);
		for (int i = 0; i < n; i++) {
			__u64 tot[7];

			totals_array(&c[i], tot);
			printf(" %15llu", (unsigned long long)tot[r]);
		}
		printf("\n");
	}
	printf("\n");
	for (int k = 0; k < SG_CNT_MAX; k++) {
		printf("%-22s", sg_counter_names[k]);
		for (int i = 0; i < n; i++)
			printf(" %15llu", (unsigned long long)c[i].cnt[k]);
		printf("\n");
	}
	/* --engage auto: ports with cookies engaged now (status lists them) */
	printf("%-22s", "engaged_ports");
	for (int i = 0; i < n; i++)
		printf(" %15d", count_engaged(&list[i]));
	printf("\n");
}

static void print_rates(const struct sg_defense *list, const struct sg_counters *delta,
			int n, double secs, int line)
{
	time_t now = time(NULL);
	char ts[32];
	char esc[SG_ESC_IFNAME];
	struct tm tm;

	if (sg_env.json) {
		struct jw *w = jw_new(stdout, sg_env.pretty);

		gmtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		jw_start_object(w);
		jw_string_field(w, "time", ts);
		jw_int_field(w, "time_unix", (int64_t)now);
		jw_float_field(w, "interval_s", secs);
		jw_name(w, "interfaces");
		jw_start_array(w);
		for (int i = 0; i < n; i++) {
			jw_start_object(w);
			jw_string_field(w, "ifname", list[i].ifname);
			jw_int_field(w, "ifindex", list[i].ifindex);
			jw_name(w, "deltas");
			jw_start_object(w);
			json_counters(w, &delta[i], 0);
			jw_end_object(w);
			jw_name(w, "rates");
			jw_start_object(w);
			json_counters(w, &delta[i], secs);
			jw_end_object(w);
			jw_end_object(w);
		}
		jw_end_array(w);
		jw_end_object(w);
		jw_free(w);
		return;
	}
	localtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	if (line % 20 == 0)
		printf("%-8s %-15s %10s %10s %10s %10s %10s %10s %10s\n", "TIME", "IFACE",
		       "SYN/s", "SYNACK/s", "VALID/s", "INVALID/s", "ESTAB/s", "PASS/s", "DROP/s");
	for (int i = 0; i < n; i++) {
		__u64 tot[7];

		totals_array(&delta[i], tot);
		printf("%-8s %-15s", ts, sg_esc_text(list[i].ifname, esc, sizeof(esc)));
		for (int r = 0; r < 7; r++)
			printf(" %10.0f", (double)tot[r] / secs);
		printf("\n");
	}
	fflush(stdout);
}

static volatile int stop;

/* Sleep secs, waking early on a signal. */
static void nap(double secs)
{
	struct timespec ts = { .tv_sec = (time_t)secs };

	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int read_all(const struct sg_defense *list, struct sg_counters *c, int n)
{
	for (int i = 0; i < n; i++) {
		int err = sg_stats_read(list[i].stats_fd, &c[i]);

		if (err)
			return sg_fail(SG_EXIT_ERROR, "cannot read the counters of %s: %s",
				       list[i].ifname, strerror(-err));
	}
	return 0;
}

/* read_all() and the time the counters were read: the middle of a clock
 * bracket around the read. A read the scheduler interrupted (a loaded
 * machine: hundreds of ms seen) leaves that time uncertain by the length
 * of the interruption, which a rate over a few seconds would carry as an
 * error of tens of percent: such a read is made again (the counters only
 * grow, so a later read is as good). */
#define READ_BRACKET_NS	2000000ULL
static int read_all_timed(const struct sg_defense *list, struct sg_counters *c, int n,
			  unsigned long long *t)
{
	for (int tries = 0;; tries++) {
		unsigned long long a = sg_now_mono_ns(), b;
		int err = read_all(list, c, n);

		if (err)
			return err;
		b = sg_now_mono_ns();
		*t = a + (b - a) / 2;
		if (b - a <= READ_BRACKET_NS || tries >= 10)
			return 0;
	}
}

static int run(const struct stats_opts *o, struct sg_defense *list, int n)
{
	struct sg_counters *prev, *cur, *delta;
	unsigned long long t0, t1;
	int err, line = 0;

	if (o->per_cpu)
		return sg_stats_print_percpu(list, n);
	prev = calloc(n ? n : 1, sizeof(*prev));
	cur = calloc(n ? n : 1, sizeof(*cur));
	delta = calloc(n ? n : 1, sizeof(*delta));
	if (!prev || !cur || !delta) {
		err = sg_fail(SG_EXIT_ERROR, "out of memory");
		goto out;
	}
	err = read_all_timed(list, prev, n, &t0);
	if (err)
		goto out;
	if (!o->interval) {
		print_totals(list, prev, n);
		goto out;
	}
	if (!n) {
		/* nothing to watch, and nothing will appear in these fds */
		print_totals(list, prev, n);
		goto out;
	}
	sg_on_signal(&stop);
	for (long k = 0; !stop && (!o->count || k < o->count); k++) {
		double secs;

		nap(o->interval);
		if (stop)
			break;
		/* t0 and t1 are the times of the two reads (t0 used to be
		 * taken after the set-up that follows the first read: a
		 * preemption there made the first interval's rate high) */
		err = read_all_timed(list, cur, n, &t1);
		if (err)
			goto out;
		secs = (double)(t1 - t0) / 1e9;
		for (int i = 0; i < n; i++)
			sg_stats_delta(&cur[i], &prev[i], &delta[i]);
		print_rates(list, delta, n, secs, line++);
		memcpy(prev, cur, n * sizeof(*cur));
		t0 = t1;
	}
out:
	free(prev);
	free(cur);
	free(delta);
	return err;
}

int cmd_stats(int argc, char **argv)
{
	struct sg_defense *list = NULL, one;
	struct stats_opts o;
	int n, err;

	err = parse_args(argc, argv, &o);
	if (err)
		return err < 0 ? SG_EXIT_OK : err;
	err = sg_check_privileges();
	if (err)
		return err;
	if (o.ifname) {
		int ifindex;

		err = sg_cli_ifindex(o.ifname, &ifindex);
		if (!err)
			err = sg_cli_defense_open(o.ifname, ifindex, &one);
		if (err)
			return err;
		err = run(&o, &one, 1);
		sg_defense_close(&one);
		return err;
	}
	n = sg_defense_list(&list);
	if (n < 0)
		return sg_fail(SG_EXIT_ERROR, "cannot list interfaces: %s", strerror(-n));
	err = run(&o, list, n);
	sg_defense_free_list(list, n);
	return err;
}
