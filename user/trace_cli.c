// SPDX-License-Identifier: GPL-2.0-only
/* trace_cli.c - see trace_cli.h. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "cli.h"
#include "num_parse.h"
#include "trace_cli.h"

static int parse_seconds(const char *opt, const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > 1e7)
		return sg_fail(SG_EXIT_USAGE, "%s: '%s' is not a positive number of seconds", opt, s);
	*out = v;
	return 0;
}

int trace_cli_parse(int argc, char **argv, bool hist, struct trace_cli *c)
{
	enum { O_PORT = 256, O_DURATION, O_INTERVAL, O_COUNT, O_CLASSIC, O_NOXDP, O_MAX_PORTS };
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "port", required_argument, NULL, O_PORT },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "interval", required_argument, NULL, O_INTERVAL },
		{ "count", required_argument, NULL, O_COUNT },
		{ "classic", no_argument, NULL, O_CLASSIC },	/* hidden: test the fallback */
		{ "no-xdp", no_argument, NULL, O_NOXDP },
		{ "max-ports", required_argument, NULL, O_MAX_PORTS },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	int o, err;

	memset(c, 0, sizeof(*c));
	c->json = sg_env.json;
	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+:jph", opts, NULL)) != -1) {
		switch (o) {
		case O_PORT:
			if (sg_num_parse(optarg, 1, 65535, NULL, &v))
				return sg_fail(SG_EXIT_USAGE, "--port: '%s' is not a port (1-65535)", optarg);
			c->port = (__u16)v;
			break;
		case O_DURATION:
			err = parse_seconds("--duration", optarg, &c->duration);
			if (err)
				return err;
			break;
		case O_INTERVAL:
			if (!hist)
				goto bad;
			err = parse_seconds("--interval", optarg, &c->interval);
			if (err)
				return err;
			break;
		case O_COUNT:
			if (hist)
				goto bad;
			if (sg_num_parse(optarg, 1, ULONG_MAX, NULL, &v))
				return sg_fail(SG_EXIT_USAGE, "--count: '%s' is not a positive number", optarg);
			c->count = v;
			break;
		case O_MAX_PORTS:
			if (!hist)
				goto bad;
			if (sg_num_parse(optarg, 1, TT_PORT_ENTRIES_MAX, NULL, &v))
				return sg_fail(SG_EXIT_USAGE, "--max-ports: '%s' is not a number of "
					       "ports (1-%d)", optarg, TT_PORT_ENTRIES_MAX);
			c->max_ports = (__u32)v;
			break;
		case O_CLASSIC:
			c->classic = true;
			break;
		case O_NOXDP:
			c->no_xdp = true;
			break;
		default:
			if ((err = sg_cli_opt(hist ? "hist" : "trace", o, argv)))
				return err;
			break;
		}
	}
	c->json = sg_env.json;
	if (optind < argc)
		return sg_fail(SG_EXIT_USAGE, "unexpected argument '%s' (see 'synguard %s --help')",
			       argv[optind], argv[0]);
	return 0;
bad:	/* an option of the other command */
	return sg_cli_opt(hist ? "hist" : "trace", '?', argv);
}

__u64 trace_cli_loss_total(const struct tracer_accounting *a)
{
	__u64 t = a->recursion_misses + a->unaccounted;

	for (int i = 0; i < TT_L_MAX; i++)
		if (i != TT_L_EVENTS_SUBMITTED && i != TT_L_NO_RTT)
			t += a->loss[i];
	return t;
}

void trace_cli_loss_json(struct jw *w, const struct tracer_accounting *a)
{
	jw_name(w, "lost");
	jw_start_object(w);
	jw_uint_field(w, "recursion_misses", a->recursion_misses);
	for (int i = 0; i < TT_L_MAX; i++)
		jw_uint_field(w, tracer_loss_name(i), a->loss[i]);
	jw_uint_field(w, "events_received", a->received);
	jw_uint_field(w, "unaccounted", a->unaccounted);
	jw_uint_field(w, "total", trace_cli_loss_total(a));
	jw_end_object(w);
}

void trace_cli_loss_text(FILE *f, const struct tracer_accounting *a)
{
	fprintf(f, "lost: total=%llu recursion_misses=%llu",
		(unsigned long long)trace_cli_loss_total(a),
		(unsigned long long)a->recursion_misses);
	for (int i = 0; i < TT_L_MAX; i++)
		fprintf(f, " %s=%llu", tracer_loss_name(i), (unsigned long long)a->loss[i]);
	fprintf(f, " events_received=%llu unaccounted=%llu\n",
		(unsigned long long)a->received, (unsigned long long)a->unaccounted);
}

void trace_cli_absent_json(struct jw *w, const struct tracer *t)
{
	const char *m, *why;

	jw_name(w, "absent");
	jw_start_array(w);
	for (int i = 0; (m = tracer_absent(t, i, &why)); i++) {
		jw_start_object(w);
		jw_string_field(w, "metrics", m);
		jw_string_field(w, "why", why);
		jw_end_object(w);
	}
	jw_end_array(w);
}

void trace_cli_absent_text(FILE *f, const struct tracer *t)
{
	const char *m, *why;

	for (int i = 0; (m = tracer_absent(t, i, &why)); i++)
		fprintf(f, "absent on this kernel: %s (%s)\n", m, why);
}
