// SPDX-License-Identifier: GPL-2.0-only
/* trace_cli.c - see trace_cli.h. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "trace_cli.h"

static void usage(FILE *f, bool hist)
{
	if (hist)
		fprintf(f,
			"Usage: synguard hist [-j] [-p] [--port P] [--interval S] [--duration S]\n\n"
			"Live TCP handshake latency histograms per port, aggregated in the kernel:\n"
			"client connect, server handshake, close phases, lifetime; plus failed\n"
			"connects, SYN-ACK retransmits, half-open handshakes, resets.\n"
			"Servers are keyed by local port, clients by remote port.\n\n"
			"  -j, --json        one JSON object per report\n"
			"  -p, --pretty      indented JSON\n"
			"  --port P          only connections to/from service port P\n"
			"  --interval S      report every S seconds (the interval's counts);\n"
			"                    default: one cumulative report at the end\n"
			"  --duration S      stop after S seconds (default: SIGINT/SIGTERM)\n"
			"  --no-xdp          ignore synguard's XDP SYN arrival times\n"
			"  -h, --help        this help\n");
	else
		fprintf(f,
			"Usage: synguard trace [-j] [-p] [--port P] [--duration S] [--count N]\n\n"
			"One line per completed TCP handshake, close or failure on this host,\n"
			"with the state sequence and its latency.\n\n"
			"  -j, --json        one JSON object per line\n"
			"  -p, --pretty      indented JSON (one object per event, several lines each)\n"
			"  --port P          only connections to/from service port P\n"
			"  --duration S      stop after S seconds (default: SIGINT/SIGTERM)\n"
			"  --count N         stop after N events\n"
			"  --no-xdp          ignore synguard's XDP SYN arrival times\n"
			"  -h, --help        this help\n");
	fprintf(f,
		"\nEvery report ends with the loss accounting: events dropped by a full ring\n"
		"buffer, runs skipped by the kernel's recursion guard, sockets not tracked.\n");
}

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
	enum { O_PORT = 256, O_DURATION, O_INTERVAL, O_COUNT, O_CLASSIC, O_NOXDP };
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
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	char *end;
	int o, err;

	memset(c, 0, sizeof(*c));
	c->json = sg_env.json;
	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+jph", opts, NULL)) != -1) {
		switch (o) {
		case 'j':
			c->json = true;
			break;
		case 'p':
			c->json = sg_env.json = sg_env.pretty = true;
			break;
		case 'h':
			usage(stdout, hist);
			return -1;
		case O_PORT:
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 || v > 65535 || optarg[0] == '-')
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
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 || optarg[0] == '-')
				return sg_fail(SG_EXIT_USAGE, "--count: '%s' is not a positive number", optarg);
			c->count = v;
			break;
		case O_CLASSIC:
			c->classic = true;
			break;
		case O_NOXDP:
			c->no_xdp = true;
			break;
		case ':':
			return sg_fail(SG_EXIT_USAGE, "option '%s' needs a value", argv[optind - 1]);
		default:
			goto bad;
		}
	}
	if (optind < argc)
		return sg_fail(SG_EXIT_USAGE, "unexpected argument '%s' (see 'synguard %s --help')",
			       argv[optind], argv[0]);
	return 0;
bad:
	sg_err("unknown option '%s'", argv[optind - 1]);
	usage(stderr, hist);
	return SG_EXIT_USAGE;
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
