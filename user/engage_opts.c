// SPDX-License-Identifier: GPL-2.0-only
/* engage_opts.c - engagement mode options; see engage_opts.h. */
#include <string.h>

#include "common.h"
#include "engage_opts.h"
#include "num_parse.h"
#include "ports.h"

void sg_engage_opts_init(struct sg_engage_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->all_ports = true;
	o->rate = SG_ENGAGE_RATE_DEFAULT;
	o->queue_pct = SG_ENGAGE_QUEUE_DEFAULT;
	o->hold_s = SG_ENGAGE_HOLD_DEFAULT;
}

int sg_engage_mode_parse(const char *arg, struct sg_engage_opts *o, char *err, size_t errlen)
{
	char msg[160];

	if (!strcmp(arg, "always")) {
		o->is_auto = false;
		o->all_ports = true;
	} else if (!strcmp(arg, "auto")) {
		o->is_auto = true;
		o->all_ports = true;
	} else if (!strncmp(arg, "auto:", 5)) {
		if (sg_ports_parse(arg + 5, o->ports, msg, sizeof(msg)) < 0) {
			sg_set_err(err, errlen, "bad --engage '%s': %s", arg, msg);
			return -1;
		}
		o->is_auto = true;
		o->all_ports = false;
	} else {
		sg_set_err(err, errlen, "bad --engage '%s': use always, auto or auto:PORTS "
			   "(e.g. auto:80,443)", arg);
		return -1;
	}
	o->mode_given = true;
	return 0;
}

int sg_engage_rate_parse(const char *arg, struct sg_engage_opts *o, char *err, size_t errlen)
{
	unsigned long v;

	if (sg_num_parse(arg, 0, SG_ENGAGE_RATE_MAX, NULL, &v)) {
		sg_set_err(err, errlen, "bad --engage-rate '%s': use 0..%u (SYNs per second per "
			   "listener port that engage cookies; 0: the rate never does)", arg,
			   SG_ENGAGE_RATE_MAX);
		return -1;
	}
	o->rate = (__u32)v;
	o->rate_given = true;
	return 0;
}

int sg_engage_queue_parse(const char *arg, struct sg_engage_opts *o, char *err, size_t errlen)
{
	unsigned long v;

	/* N or N% */
	if (sg_num_parse(arg, 0, 100, "%", &v)) {
		sg_set_err(err, errlen, "bad --engage-queue '%s': use 0..100 (percent of the "
			   "listener's SYN queue that engages cookies; 0: the queue never does)",
			   arg);
		return -1;
	}
	o->queue_pct = (__u32)v;
	o->queue_given = true;
	return 0;
}

int sg_engage_hold_parse(const char *arg, struct sg_engage_opts *o, char *err, size_t errlen)
{
	unsigned long v;

	/* N or Ns */
	if (sg_num_parse(arg, 1, SG_ENGAGE_HOLD_MAX, "s", &v)) {
		sg_set_err(err, errlen, "bad --engage-hold '%s': use 1..%u (seconds without "
			   "pressure before cookies disengage)", arg, SG_ENGAGE_HOLD_MAX);
		return -1;
	}
	o->hold_s = (__u32)v;
	o->hold_given = true;
	return 0;
}

int sg_engage_opts_check(const struct sg_engage_opts *o, const __u64 protected_ports[SG_PORT_WORDS],
			 char *err, size_t errlen)
{
	if (!o->is_auto && (o->rate_given || o->queue_given || o->hold_given)) {
		sg_set_err(err, errlen, "--engage-%s needs --engage auto (with --engage always "
			   "every SYN gets a cookie)", o->rate_given ? "rate" :
			   o->queue_given ? "queue" : "hold");
		return -1;
	}
	if (o->is_auto && !o->rate && !o->queue_pct) {
		sg_set_err(err, errlen, "--engage auto with --engage-rate 0 and --engage-queue 0 "
			   "would never engage cookies: give one of them a threshold, or use "
			   "--engage always");
		return -1;
	}
	if (o->is_auto && !o->all_ports && protected_ports) {
		for (unsigned int w = 0; w < SG_PORT_WORDS; w++) {
			__u64 extra = o->ports[w] & ~protected_ports[w];

			if (extra) {
				sg_set_err(err, errlen, "bad --engage auto:...: port %u is not in "
					   "--ports (only protected ports have an engagement mode)",
					   w * 64 + (unsigned int)__builtin_ctzll(extra));
				return -1;
			}
		}
	}
	return 0;
}

bool sg_engage_opts_fill(const struct sg_engage_opts *o, const __u64 protected_ports[SG_PORT_WORDS],
			 struct sg_engage_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->rate = o->rate;
	c->queue_pct = o->queue_pct;
	c->hold_s = o->hold_s;
	c->hold_ns = (__u64)o->hold_s * 1000000000ULL;
	if (!o->is_auto)
		return false;
	for (unsigned int w = 0; w < SG_PORT_WORDS; w++)
		c->auto_ports[w] = protected_ports[w] & (o->all_ports ? ~0ULL : o->ports[w]);
	c->nauto = sg_ports_count(c->auto_ports);
	return c->nauto > 0;
}
