// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_limits_opts.c - the parsers of --syn-limit, --syn-burst,
 * --syn-limit-prefix6, --syn-limit-table, --synack-limit, --rst-limit
 * (user/limits_opts.c) and the sg_limits value they make.
 */
#include <string.h>

#include "limits_opts.h"
#include "testlib.h"

static char err[256];

typedef int (*parse_fn)(const char *, struct sg_limit_opts *, char *, size_t);

static void reject(const char *name, parse_fn f, const char *in, const char *want)
{
	struct sg_limit_opts o, before;

	sg_limit_opts_init(&o);
	before = o;
	err[0] = 0;
	if (!f(in, &o, err, sizeof(err))) {
		SG_FAIL(name, "'%s' accepted", in);
		return;
	}
	SG_EXPECT(name, strstr(err, want) && !memcmp(&o, &before, sizeof(o)),
		  "'%s': message '%s' lacks '%s', or the options changed", in, err, want);
}

int main(void)
{
	struct sg_limit_opts o;
	struct sg_limits l;
	__u32 v;

	sg_limit_opts_init(&o);
	SG_EXPECT("defaults", o.plen4 == 32 && o.plen6 == 64 && !o.syn_rate && !o.synack_limit &&
		  o.rst_limit == SG_RST_LIMIT_DEFAULT && SG_RST_LIMIT_DEFAULT == 1000, "plen %u/%u", o.plen4, o.plen6);

	SG_EXPECT("syn_limit_rate", !sg_syn_limit_parse("100", &o, err, sizeof(err)) &&
		  o.syn_rate == 100 && o.plen4 == 32, "%s", err);
	SG_EXPECT("syn_limit_rate_prefix", !sg_syn_limit_parse("20/24", &o, err, sizeof(err)) &&
		  o.syn_rate == 20 && o.plen4 == 24, "%s", err);
	SG_EXPECT("syn_limit_prefix_1_and_32",
		  !sg_syn_limit_parse("1/1", &o, err, sizeof(err)) && o.plen4 == 1 &&
		  !sg_syn_limit_parse("1/32", &o, err, sizeof(err)) && o.plen4 == 32, "%s", err);
	reject("syn_limit_zero", sg_syn_limit_parse, "0", "1..10000000");
	reject("syn_limit_huge", sg_syn_limit_parse, "10000001", "1..10000000");
	reject("syn_limit_overflow", sg_syn_limit_parse, "99999999999999999999999", "1..10000000");
	reject("syn_limit_non_numeric", sg_syn_limit_parse, "fast", "rate must be");
	reject("syn_limit_negative", sg_syn_limit_parse, "-5", "rate must be");
	reject("syn_limit_empty", sg_syn_limit_parse, "", "rate must be");
	reject("syn_limit_trailing", sg_syn_limit_parse, "10x", "rate must be");
	reject("syn_limit_space", sg_syn_limit_parse, " 10", "rate must be");
	reject("syn_limit_prefix_33", sg_syn_limit_parse, "10/33", "1..32");
	reject("syn_limit_prefix_0", sg_syn_limit_parse, "10/0", "1..32");
	reject("syn_limit_prefix_empty", sg_syn_limit_parse, "10/", "1..32");
	reject("syn_limit_prefix_text", sg_syn_limit_parse, "10/s", "1..32");
	reject("syn_limit_prefix_twice", sg_syn_limit_parse, "10/24/8", "1..32");

	SG_EXPECT("prefix6_ok", !sg_syn_prefix6_parse("48", &o, err, sizeof(err)) && o.plen6 == 48 &&
		  !sg_syn_prefix6_parse("128", &o, err, sizeof(err)) && o.plen6 == 128, "%s", err);
	reject("prefix6_129", sg_syn_prefix6_parse, "129", "1..128");
	reject("prefix6_0", sg_syn_prefix6_parse, "0", "1..128");
	reject("prefix6_text", sg_syn_prefix6_parse, "/64", "1..128");

	SG_EXPECT("burst_ok", !sg_syn_burst_parse("50", &o, err, sizeof(err)) && o.syn_burst == 50,
		  "%s", err);
	reject("burst_zero", sg_syn_burst_parse, "0", "1..10000000");
	reject("burst_text", sg_syn_burst_parse, "many", "1..10000000");

	SG_EXPECT("table_ok", !sg_syn_table_parse("1024", &o, err, sizeof(err)) && o.table == 1024 &&
		  o.table_given, "%s", err);
	reject("table_small", sg_syn_table_parse, "15", "16..16777216");
	reject("table_huge", sg_syn_table_parse, "16777217", "16..16777216");

	SG_EXPECT("synack_ok", !sg_synack_limit_parse("5000", &o, err, sizeof(err)) &&
		  o.synack_limit == 5000 && !sg_synack_limit_parse("7/s", &o, err, sizeof(err)) &&
		  o.synack_limit == 7, "%s", err);
	reject("synack_zero", sg_synack_limit_parse, "0", "1..100000000");
	reject("synack_huge", sg_synack_limit_parse, "100000001", "1..100000000");
	reject("synack_text", sg_synack_limit_parse, "1k", "1..100000000");
	reject("synack_per_minute", sg_synack_limit_parse, "5/m", "1..100000000");

	SG_EXPECT("rst_ok", !sg_rst_limit_parse("0", &v, err, sizeof(err)) && v == 0 &&
		  !sg_rst_limit_parse("10/s", &v, err, sizeof(err)) && v == 10, "%s", err);
	SG_EXPECT("rst_bad", sg_rst_limit_parse("10/m", &v, err, sizeof(err)) &&
		  strstr(err, "--rst-limit"), "'10/m' accepted");

	sg_limit_opts_init(&o);
	o.syn_burst = 5;
	SG_EXPECT("check_burst_needs_limit", sg_limit_opts_check(&o, err, sizeof(err)) &&
		  strstr(err, "--syn-burst needs --syn-limit"), "accepted");

	/* the map value */
	sg_limit_opts_init(&o);
	sg_limit_opts_fill(&o, &l);
	SG_EXPECT("fill_nothing_configured", !l.src_interval_ns && !l.rl_interval_ns[SG_RL_SYNACK] &&
		  !l.rate[SG_RL_SYNACK], "limits set without options");
	sg_syn_limit_parse("100/24", &o, err, sizeof(err));
	sg_synack_limit_parse("3", &o, err, sizeof(err));
	sg_limit_opts_fill(&o, &l);
	SG_EXPECT("fill_syn_limit", l.src_interval_ns == 10000000ULL &&
		  l.src_tau_ns == 99ULL * 10000000ULL && l.src_rate == 100 && l.src_burst == 100 &&
		  l.src_plen4 == 24 && l.src_plen6 == 64, "interval %llu tau %llu",
		  (unsigned long long)l.src_interval_ns, (unsigned long long)l.src_tau_ns);
	SG_EXPECT("fill_synack", l.rate[SG_RL_SYNACK] == 3 &&
		  l.rl_interval_ns[SG_RL_SYNACK] == 333333333ULL, "interval %llu",
		  (unsigned long long)l.rl_interval_ns[SG_RL_SYNACK]);
	o.syn_burst = 1;
	sg_limit_opts_fill(&o, &l);
	SG_EXPECT("fill_burst_1", l.src_tau_ns == 0 && l.src_burst == 1, "tau %llu",
		  (unsigned long long)l.src_tau_ns);
	return sg_test_failures ? 1 : 0;
}
