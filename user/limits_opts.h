/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * limits_opts.h - the policy limits of `protect`/`apply` (--syn-limit,
 * --syn-burst, --syn-limit-prefix6, --syn-limit-table, --synack-limit,
 * --rst-limit): their parsers (shared by the command line and the config
 * file) and the sg_limits map value they make.
 */
#ifndef SG_LIMITS_OPTS_H
#define SG_LIMITS_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "synguard.h"

#define SG_RST_LIMIT_MAX	10000000U	/* RSTs per second per CPU */
#define SG_SYN_LIMIT_MAX	10000000U	/* SYNs per second per source prefix */
#define SG_SYN_BURST_MAX	10000000U
#define SG_SYNACK_LIMIT_MAX	100000000U	/* SYN-ACKs per second per interface */
#define SG_SRC_TABLE_MIN	16U
#define SG_SRC_TABLE_MAX	(1U << 24)

struct sg_limit_opts {
	__u32 rst_limit;	/* RSTs per second per CPU, 0: none */
	__u32 synack_limit;	/* SYN-ACKs per second, 0: no cap */
	__u32 syn_rate;		/* SYNs per second per source prefix, 0: no limit */
	__u32 syn_burst;	/* 0: one second's worth (= syn_rate) */
	__u8 plen4, plen6;
	__u32 table;		/* entries of sg_src, 0: default */
	bool table_given;
};

void sg_limit_opts_init(struct sg_limit_opts *o);

/* Each returns 0, or -1 with a message (naming the option) in err. */
int sg_rst_limit_parse(const char *arg, __u32 *out, char *err, size_t errlen);
/* RATE[/PREFIXLEN]: RATE 1..SG_SYN_LIMIT_MAX, IPv4 PREFIXLEN 1..32 */
int sg_syn_limit_parse(const char *arg, struct sg_limit_opts *o, char *err, size_t errlen);
int sg_syn_burst_parse(const char *arg, struct sg_limit_opts *o, char *err, size_t errlen);
int sg_syn_prefix6_parse(const char *arg, struct sg_limit_opts *o, char *err, size_t errlen);
int sg_syn_table_parse(const char *arg, struct sg_limit_opts *o, char *err, size_t errlen);
int sg_synack_limit_parse(const char *arg, struct sg_limit_opts *o, char *err, size_t errlen);
/* Options that only make sense together: --syn-burst etc. need --syn-limit. */
int sg_limit_opts_check(const struct sg_limit_opts *o, char *err, size_t errlen);

/* The sg_limits value for o. */
void sg_limit_opts_fill(const struct sg_limit_opts *o, struct sg_limits *l);

#endif
