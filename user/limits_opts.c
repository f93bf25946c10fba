// SPDX-License-Identifier: GPL-2.0-only
/* limits_opts.c - parsers and the map value of the policy limits; see limits_opts.h. */
#include <string.h>

#include "common.h"
#include "limits_opts.h"
#include "num_parse.h"

void sg_limit_opts_init(struct sg_limit_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->rst_limit = SG_RST_LIMIT_DEFAULT;
	o->plen4 = SG_SRC_PLEN4_DEFAULT;
	o->plen6 = SG_SRC_PLEN6_DEFAULT;
}

int sg_rst_limit_parse(const char *arg, __u32 *out, char *err, size_t errlen)
{
	unsigned long v;

	/* N or N/s */
	if (sg_num_parse(arg, 0, SG_RST_LIMIT_MAX, "/s", &v)) {
		sg_set_err(err, errlen, "bad --rst-limit '%s': use 0..%u (RSTs per second per "
			   "CPU; 0: never send RSTs)", arg, SG_RST_LIMIT_MAX);
		return -1;
	}
	*out = (__u32)v;
	return 0;
}

int sg_syn_limit_parse(const char *arg, struct sg_limit_opts *o, char *err, size_t errlen)
{
	unsigned long rate, plen = o->plen4;
	int n = sg_num_prefix(arg, 1, SG_SYN_LIMIT_MAX, &rate);

	/* RATE or RATE/PREFIXLEN */
	if (n < 0 || (arg[n] && arg[n] != '/')) {
		sg_set_err(err, errlen, "bad --syn-limit '%s': the rate must be 1..%u (SYNs per "
			   "second per source prefix; omit the option for no limit)", arg,
			   SG_SYN_LIMIT_MAX);
		return -1;
	}
	if (arg[n] && sg_num_parse(arg + n + 1, 1, 32, NULL, &plen)) {
		sg_set_err(err, errlen, "bad --syn-limit '%s': the IPv4 prefix length after '/' "
			   "must be 1..32 (IPv6: --syn-limit-prefix6)", arg);
		return -1;
	}
	o->syn_rate = (__u32)rate;
	o->plen4 = (__u8)plen;
	return 0;
}

int sg_syn_burst_parse(const char *arg, struct sg_limit_opts *o, char *err, size_t errlen)
{
	unsigned long v;

	if (sg_num_parse(arg, 1, SG_SYN_BURST_MAX, NULL, &v)) {
		sg_set_err(err, errlen, "bad --syn-burst '%s': use 1..%u (SYNs a source prefix "
			   "may send at once)", arg, SG_SYN_BURST_MAX);
		return -1;
	}
	o->syn_burst = (__u32)v;
	return 0;
}

int sg_syn_prefix6_parse(const char *arg, struct sg_limit_opts *o, char *err, size_t errlen)
{
	unsigned long v;

	if (sg_num_parse(arg, 1, 128, NULL, &v)) {
		sg_set_err(err, errlen, "bad --syn-limit-prefix6 '%s': use 1..128 (the IPv6 "
			   "prefix length of a source)", arg);
		return -1;
	}
	o->plen6 = (__u8)v;
	return 0;
}

int sg_syn_table_parse(const char *arg, struct sg_limit_opts *o, char *err, size_t errlen)
{
	unsigned long v;

	if (sg_num_parse(arg, SG_SRC_TABLE_MIN, SG_SRC_TABLE_MAX, NULL, &v)) {
		sg_set_err(err, errlen, "bad --syn-limit-table '%s': use %u..%u (source prefixes "
			   "tracked)", arg, SG_SRC_TABLE_MIN, SG_SRC_TABLE_MAX);
		return -1;
	}
	o->table = (__u32)v;
	o->table_given = true;
	return 0;
}

int sg_synack_limit_parse(const char *arg, struct sg_limit_opts *o, char *err, size_t errlen)
{
	unsigned long v;

	/* N or N/s */
	if (sg_num_parse(arg, 1, SG_SYNACK_LIMIT_MAX, "/s", &v)) {
		sg_set_err(err, errlen, "bad --synack-limit '%s': use 1..%u (SYN-ACKs per second "
			   "for the interface; omit the option for no cap)", arg,
			   SG_SYNACK_LIMIT_MAX);
		return -1;
	}
	o->synack_limit = (__u32)v;
	return 0;
}

int sg_limit_opts_check(const struct sg_limit_opts *o, char *err, size_t errlen)
{
	if (!o->syn_rate && o->syn_burst) {
		sg_set_err(err, errlen, "--syn-burst needs --syn-limit");
		return -1;
	}
	return 0;
}

void sg_limit_opts_fill(const struct sg_limit_opts *o, struct sg_limits *l)
{
	memset(l, 0, sizeof(*l));
	l->rate[SG_RL_RST] = o->rst_limit;
	l->rate[SG_RL_SYNACK] = o->synack_limit;
	if (o->synack_limit)
		l->rl_interval_ns[SG_RL_SYNACK] = 1000000000ULL / o->synack_limit;
	if (o->syn_rate) {
		__u32 burst = o->syn_burst ? o->syn_burst : o->syn_rate;

		l->src_rate = o->syn_rate;
		l->src_burst = burst;
		l->src_interval_ns = 1000000000ULL / o->syn_rate;
		l->src_tau_ns = (__u64)(burst - 1) * l->src_interval_ns;
		l->src_plen4 = o->plen4;
		l->src_plen6 = o->plen6;
	}
}
