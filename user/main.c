// SPDX-License-Identifier: GPL-2.0-only
/*
 * main.c - `synguard [-j] [-p] [-v] COMMAND [ARGS]`: global options, then the
 * command from the table below. `synguard help CMD` = `synguard CMD --help`.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common.h"

#ifndef SG_VERSION
#define SG_VERSION "0.1.0"
#endif

static const struct sg_cmd cmds[] = {
	/* add one line per command: { "name", cmd_name, "summary" }, */
	{ "protect", cmd_protect, "defend an interface's TCP ports with XDP SYN cookies" },
	{ "unprotect", cmd_unprotect, "remove the defense from an interface" },
	{ "status", cmd_status, "show protected interfaces" },
	{ "stats", cmd_stats, "show defense counters (totals or rates)" },
	{ "top", cmd_top, "the source prefixes sending the most SYNs (live in a terminal)" },
	{ "trace", cmd_trace, "stream TCP handshakes, closes and failures with latencies" },
	{ "hist", cmd_hist, "live per-port TCP handshake latency histograms" },
	{ "metrics", cmd_metrics, "serve Prometheus metrics (counters, state, histograms)" },
	{ "apply", cmd_apply, "protect the interfaces of /etc/synguard.conf" },
	{ "unapply", cmd_unapply, "unprotect the interfaces of /etc/synguard.conf" },
	{ "allow", cmd_allow, "add, remove or list allowed sources (the kernel's handshake)" },
	{ "deny", cmd_deny, "add, remove or list denied sources (dropped)" },
	{ "doctor", cmd_doctor, "check what protect needs and what would break it" },
	{ NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: synguard [-j|--json] [-p|--pretty] [-v|--verbose] COMMAND [ARGS]\n"
		"       synguard help [COMMAND]\n"
		"       synguard --version\n\n"
		"SYN-flood defense with XDP SYN cookies, and TCP handshake tracing.\n\n"
		"Commands:\n");
	for (const struct sg_cmd *c = cmds; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\nRun 'synguard COMMAND --help' for a command's options.\n");
}

static const struct sg_cmd *find(const char *name)
{
	for (const struct sg_cmd *c = cmds; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

int main(int argc, char **argv)
{
	const struct sg_cmd *c;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			sg_env.json = true;
		} else if (!strcmp(a, "-p") || !strcmp(a, "--pretty")) {
			sg_env.json = sg_env.pretty = true;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			sg_env.verbose = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return SG_EXIT_OK;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			if (sg_env.json)
				printf("{\"version\":\"%s\"}\n", SG_VERSION);
			else
				printf("synguard %s\n", SG_VERSION);
			return SG_EXIT_OK;
		} else {
			sg_err("unknown option '%s'", a);
			usage(stderr);
			return SG_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return SG_EXIT_USAGE;
	}
	sg_libbpf_init();

	if (!strcmp(argv[i], "help")) {
		if (i + 1 >= argc) {
			usage(stdout);
			return SG_EXIT_OK;
		}
		c = find(argv[i + 1]);
		if (!c)
			return sg_fail(SG_EXIT_USAGE, "unknown command '%s'", argv[i + 1]);
		char *hargv[] = { (char *)c->name, "--help", NULL };
		return c->run(2, hargv);
	}
	c = find(argv[i]);
	if (!c) {
		sg_err("unknown command '%s'", argv[i]);
		usage(stderr);
		return SG_EXIT_USAGE;
	}
	return c->run(argc - i, argv + i);
}
