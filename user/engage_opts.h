/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * engage_opts.h - engagement mode options of `protect`/`apply` (--engage
 * always|auto[:PORTS], --engage-rate, --engage-queue, --engage-hold): their
 * parsers (shared by the command line and the config file) and the
 * sg_engage_cfg map value they make (include/engage_defs.h).
 */
#ifndef SG_ENGAGE_OPTS_H
#define SG_ENGAGE_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "engage_defs.h"

struct sg_engage_opts {
	bool is_auto;		/* --engage auto[:PORTS]; false: always (protect's default) */
	bool mode_given;
	bool all_ports;		/* auto for every protected port (no :PORTS) */
	__u64 ports[SG_PORT_WORDS];	/* auto:PORTS */
	__u32 rate, queue_pct, hold_s;
	bool rate_given, queue_given, hold_given;
};

void sg_engage_opts_init(struct sg_engage_opts *o);

/* Each returns 0, or -1 with a message naming the option in err. */
int sg_engage_mode_parse(const char *arg, struct sg_engage_opts *o, char *err, size_t errlen);
int sg_engage_rate_parse(const char *arg, struct sg_engage_opts *o, char *err, size_t errlen);
int sg_engage_queue_parse(const char *arg, struct sg_engage_opts *o, char *err, size_t errlen);
int sg_engage_hold_parse(const char *arg, struct sg_engage_opts *o, char *err, size_t errlen);

/* Combinations, against the protected ports: thresholds need auto, auto
 * needs a trigger, auto:PORTS must be protected ports. */
int sg_engage_opts_check(const struct sg_engage_opts *o, const __u64 protected_ports[SG_PORT_WORDS],
			 char *err, size_t errlen);

/* The sg_engage_cfg value; returns true if any port is auto (then protect
 * sets SG_CFG_ENGAGE_AUTO). */
bool sg_engage_opts_fill(const struct sg_engage_opts *o, const __u64 protected_ports[SG_PORT_WORDS],
			 struct sg_engage_cfg *c);

#endif
