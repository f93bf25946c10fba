// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_engage_opts.c - the parsers of --engage, --engage-rate,
 * --engage-queue and --engage-hold (user/engage_opts.c): what they accept,
 * the message of what they refuse, the combinations, and the map value.
 */
#include <stdio.h>
#include <string.h>

#include "engage_opts.h"
#include "ports.h"
#include "testlib.h"

static char err[512];

typedef int (*parse_fn)(const char *, struct sg_engage_opts *, char *, size_t);

static void bad(const char *name, parse_fn fn, const char *arg, const char *want)
{
	struct sg_engage_opts o, before;

	sg_engage_opts_init(&o);
	before = o;
	err[0] = 0;
	SG_EXPECT(name, fn(arg, &o, err, sizeof(err)) && strstr(err, want) &&
		  !memcmp(&o, &before, sizeof(o)), "'%s': message '%s' lacks '%s' (or opts changed)",
		  arg, err, want);
}

int main(void)
{
	struct sg_engage_opts o;
	struct sg_engage_cfg c;
	__u64 ports[SG_PORT_WORDS];

	sg_engage_opts_init(&o);
	SG_EXPECT("defaults", !o.is_auto && o.rate == SG_ENGAGE_RATE_DEFAULT &&
		  o.queue_pct == SG_ENGAGE_QUEUE_DEFAULT && o.hold_s == SG_ENGAGE_HOLD_DEFAULT,
		  "auto %d rate %u queue %u hold %u", o.is_auto, o.rate, o.queue_pct, o.hold_s);
	SG_EXPECT("always", !sg_engage_mode_parse("always", &o, err, sizeof(err)) && !o.is_auto,
		  "%s", err);
	SG_EXPECT("auto", !sg_engage_mode_parse("auto", &o, err, sizeof(err)) && o.is_auto &&
		  o.all_ports, "%s", err);
	SG_EXPECT("auto_ports", !sg_engage_mode_parse("auto:443,8000-8001", &o, err, sizeof(err)) &&
		  o.is_auto && !o.all_ports && sg_ports_count(o.ports) == 3, "%s", err);
	SG_EXPECT("rate", !sg_engage_rate_parse("0", &o, err, sizeof(err)) && o.rate == 0 &&
		  !sg_engage_rate_parse("250000", &o, err, sizeof(err)) && o.rate == 250000, "%s", err);
	SG_EXPECT("queue", !sg_engage_queue_parse("75%", &o, err, sizeof(err)) && o.queue_pct == 75 &&
		  !sg_engage_queue_parse("100", &o, err, sizeof(err)) && o.queue_pct == 100 &&
		  !sg_engage_queue_parse("00000000000000000050", &o, err, sizeof(err)) &&
		  o.queue_pct == 50, "%s", err);
	SG_EXPECT("hold", !sg_engage_hold_parse("30s", &o, err, sizeof(err)) && o.hold_s == 30 &&
		  !sg_engage_hold_parse("86400", &o, err, sizeof(err)) && o.hold_s == 86400, "%s", err);

	bad("mode_empty", sg_engage_mode_parse, "", "bad --engage ''");
	bad("mode_word", sg_engage_mode_parse, "on", "use always, auto or auto:PORTS");
	bad("mode_case", sg_engage_mode_parse, "AUTO", "bad --engage 'AUTO'");
	bad("mode_no_ports", sg_engage_mode_parse, "auto:", "bad --engage 'auto:'");
	bad("mode_bad_port", sg_engage_mode_parse, "auto:70000", "bad --engage 'auto:70000'");
	bad("mode_bad_range", sg_engage_mode_parse, "auto:90-80", "bad --engage");
	bad("rate_word", sg_engage_rate_parse, "fast", "bad --engage-rate 'fast'");
	bad("rate_negative", sg_engage_rate_parse, "-1", "use 0..100000000");
	bad("rate_huge", sg_engage_rate_parse, "100000001", "bad --engage-rate");
	bad("rate_suffix", sg_engage_rate_parse, "10k", "bad --engage-rate");
	bad("rate_empty", sg_engage_rate_parse, "", "bad --engage-rate");
	bad("queue_over", sg_engage_queue_parse, "101", "use 0..100");
	bad("queue_word", sg_engage_queue_parse, "half", "bad --engage-queue 'half'");
	bad("queue_pct_only", sg_engage_queue_parse, "%", "bad --engage-queue");
	bad("queue_float", sg_engage_queue_parse, "50.5", "bad --engage-queue");
	bad("queue_long", sg_engage_queue_parse, "18446744073709551666%", "bad --engage-queue");
	bad("queue_two_pct", sg_engage_queue_parse, "50%%", "bad --engage-queue");
	bad("queue_space", sg_engage_queue_parse, " 50", "bad --engage-queue");
	bad("hold_zero", sg_engage_hold_parse, "0", "use 1..86400");
	bad("hold_over", sg_engage_hold_parse, "86401", "bad --engage-hold");
	bad("hold_unit", sg_engage_hold_parse, "5m", "bad --engage-hold '5m'");
	bad("hold_s_only", sg_engage_hold_parse, "s", "bad --engage-hold");

	/* combinations, against --ports 80,443 */
	sg_ports_parse("80,443", ports, err, sizeof(err));
	sg_engage_opts_init(&o);
	sg_engage_rate_parse("5", &o, err, sizeof(err));
	SG_EXPECT("check_rate_needs_auto", sg_engage_opts_check(&o, ports, err, sizeof(err)) &&
		  strstr(err, "--engage-rate needs --engage auto"), "%s", err);
	sg_engage_opts_init(&o);
	sg_engage_hold_parse("5", &o, err, sizeof(err));
	SG_EXPECT("check_hold_needs_auto", sg_engage_opts_check(&o, ports, err, sizeof(err)) &&
		  strstr(err, "--engage-hold needs"), "%s", err);
	sg_engage_opts_init(&o);
	sg_engage_mode_parse("auto", &o, err, sizeof(err));
	sg_engage_rate_parse("0", &o, err, sizeof(err));
	sg_engage_queue_parse("0", &o, err, sizeof(err));
	SG_EXPECT("check_no_trigger", sg_engage_opts_check(&o, ports, err, sizeof(err)) &&
		  strstr(err, "never engage"), "%s", err);
	sg_engage_opts_init(&o);
	sg_engage_mode_parse("auto:443,8080", &o, err, sizeof(err));
	SG_EXPECT("check_port_not_protected", sg_engage_opts_check(&o, ports, err, sizeof(err)) &&
		  strstr(err, "port 8080 is not in --ports"), "%s", err);
	sg_engage_opts_init(&o);
	SG_EXPECT("check_always_ok", !sg_engage_opts_check(&o, ports, err, sizeof(err)), "%s", err);

	/* the map value */
	sg_engage_opts_init(&o);
	SG_EXPECT("fill_always", !sg_engage_opts_fill(&o, ports, &c) && c.nauto == 0 &&
		  sg_ports_count(c.auto_ports) == 0, "nauto %u", c.nauto);
	sg_engage_mode_parse("auto", &o, err, sizeof(err));
	sg_engage_hold_parse("7", &o, err, sizeof(err));
	SG_EXPECT("fill_auto_all", sg_engage_opts_fill(&o, ports, &c) && c.nauto == 2 &&
		  sg_port_is_set(c.auto_ports, 80) && sg_port_is_set(c.auto_ports, 443) &&
		  c.hold_ns == 7000000000ULL && c.hold_s == 7 && c.rate == SG_ENGAGE_RATE_DEFAULT &&
		  c.queue_pct == SG_ENGAGE_QUEUE_DEFAULT, "nauto %u hold %llu", c.nauto,
		  (unsigned long long)c.hold_ns);
	sg_engage_mode_parse("auto:443", &o, err, sizeof(err));
	SG_EXPECT("fill_auto_some", sg_engage_opts_fill(&o, ports, &c) && c.nauto == 1 &&
		  !sg_port_is_set(c.auto_ports, 80) && sg_port_is_set(c.auto_ports, 443),
		  "nauto %u", c.nauto);
	return sg_test_failures ? 1 : 0;
}
