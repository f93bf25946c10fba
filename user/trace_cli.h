/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * trace_cli.h - what `trace` and `hist` share on the command line: their
 * options and the loss-accounting report (text and JSON).
 */
#ifndef SG_TRACE_CLI_H
#define SG_TRACE_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "json.h"
#include "tracer.h"

struct trace_cli {
	bool json;
	__u16 port;		/* 0 = all */
	double duration;	/* seconds, 0 = until SIGINT/SIGTERM */
	double interval;	/* hist: seconds between reports, 0 = once at the end */
	__u64 count;		/* trace: stop after this many events, 0 = no limit */
	bool classic;		/* hidden: force classic tracepoints */
	bool no_xdp;		/* ignore synguard's XDP SYN arrivals */
	__u32 max_ports;	/* hist: ports with series of their own, 0 = default */
};

/* Parse argv (argv[0] = command). hist: accept --interval, else --count.
 * Returns 0 to run, -1 after printing --help (exit 0), or an sg_exit code
 * after a message. */
int trace_cli_parse(int argc, char **argv, bool hist, struct trace_cli *c);

/* The "lost" object / line: every counter of tracer_accounting. */
void trace_cli_loss_json(struct jw *w, const struct tracer_accounting *a);
void trace_cli_loss_text(FILE *f, const struct tracer_accounting *a);
/* Metrics this kernel cannot give (tracer_absent): an "absent" array of
 * {"metrics", "why"} / one "absent: ..." line each. */
void trace_cli_absent_json(struct jw *w, const struct tracer *t);
void trace_cli_absent_text(FILE *f, const struct tracer *t);
/* Sum of everything that is a loss (all but events_submitted/received). */
__u64 trace_cli_loss_total(const struct tracer_accounting *a);

#endif
