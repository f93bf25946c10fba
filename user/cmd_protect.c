// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_protect.c - `synguard protect IFACE --ports LIST`: load the defense
 * object, configure it and attach it through netlink (tc first, then XDP).
 * If the interface is protected already, only the configuration is updated,
 * in place, so protection never lapses.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "attach.h"
#include "attach_libxdp.h"
#include "attach_plan.h"
#include "attach_child.h"
#include "commands.h"
#include "cli.h"
#include "cli_iface.h"
#include "common.h"
#include "defense_maps.h"
#include "brport.h"
#include "nft_synproxy.h"
#include "escape.h"
#include "features.h"
#include "json.h"
#include "keyfile.h"
#include "keyring.h"
#include "limits_opts.h"
#include "engage_opts.h"
#include "engage_show.h"
#include "acl_opts.h"
#include "acl_show.h"
#include "handshake.h"
#include "kernel_support.h"
#include "lock.h"
#include "pins.h"
#include "ports.h"
#include "repair.h"
#include "sysctl.h"
#include "synts_shared.h"
#include "local_tables.h"
#include "testpoint.h"
#include "synguard.skel.h"
#include "skel_fixed.h"

#define DEFAULT_TTL 64
#define SYNCOOKIES "net.ipv4.tcp_syncookies"

struct protect_opts {
	const char *ifname;
	const char *ports_arg;
	const char *key_file;
	enum sg_mode mode;
	bool mode_given;
	int ttl;
	bool force;
	bool enable_syncookies;
	bool no_xdp_meta;
	bool monitor;		/* --monitor (SG_CFG_MONITOR); --enforce: off */
	bool enforce_given;
	int max_age_s;		/* --max-ack-age, -1: default */
	int skew_s;		/* --max-clock-skew, -1: default */
	long clock_offset_ms;	/* --clock-offset (tests, labs) */
	struct sg_limit_opts lim;	/* --rst-limit, --syn-limit, --synack-limit ... */
	struct sg_acl_opts acl;		/* --allow, --deny, --allow-file, --deny-file, --acl-max */
	struct sg_engage_opts eng;	/* --engage, --engage-rate, --engage-queue, --engage-hold */
	enum sg_design design;	/* SG_DESIGN_NONE until resolved: --defense auto */
	bool design_given;
	enum sg_attach attach;	/* --attach */
	unsigned int prio;	/* --prio: libxdp run priority */
	bool in_child;		/* protect_new runs in its attach child */
};

/* What this run changed, so that a failure can put everything back. */
struct undo {
	int ifindex;
	bool syncookies_changed;
	long syncookies_old;
	bool tc_attached;
	bool hook_created;
	bool xdp_attached;
	bool lx_attached;	/* through libxdp: detach by prog id */
	__u32 lx_prog_id;
	enum sg_mode mode;
	int xdp_fd;
	bool pinned;
	char pin_dir[PATH_MAX];
	struct sg_foreign foreign;	/* --force: the program to put back */
	bool nft_created;		/* synproxy: our nft table (nft_synproxy.h) */
	/* synproxy: the ports of the hold table (spx_hold.h) that our table
	 * replaced, "" if none: a failure puts the hold back, since the
	 * connections it proxied are still open */
	char nft_hold_ports[1024];
};

/* sg_engage_cfg has one writer: protect. Written before sg_config, so
 * that XDP sees SG_CFG_ENGAGE_AUTO only with the ports it applies to.
 * Sets or clears the flag in *flags. */
/* The engagement config for design: auto ports only with the handoff
 * defense. kernel-cookies answers no SYN in XDP; synproxy answers with the
 * kernel's cookies, so at the final ACK a cookie of the listener's own
 * (sent while disengaged), which must reach the listener, and one of XDP's,
 * which must reach nft SYNPROXY, cannot be told apart (one secret): a
 * handshake straddling a switch would fail (seen: clients failed in
 * test_policy_engage run with --defense synproxy). There every port is
 * always. Returns true if any port is auto. */
static bool engage_fill(const struct protect_opts *o, const __u64 *ports, enum sg_design design,
			struct sg_engage_cfg *c)
{
	bool any = sg_engage_opts_fill(&o->eng, ports, c);

	if (!any || design == SG_DESIGN_HANDOFF)
		return any;
	memset(c->auto_ports, 0, sizeof(c->auto_ports));
	c->nauto = 0;
	return false;
}

static int sg_write_engage(int fd, const struct protect_opts *o, const __u64 *ports,
			   enum sg_design design, __u32 *flags)
{
	struct sg_engage_cfg c;
	__u32 zero = 0;

	if (o->eng.is_auto && design != SG_DESIGN_HANDOFF)
		sg_warn("--engage auto applies to the handoff defense only: with %s every SYN "
			"is answered as with --engage always%s", sg_design_name(design),
			design == SG_DESIGN_SYNPROXY ? " (the kernel's own cookies and synguard's "
			"could not be told apart at the final ACK)" : " (the kernel answers it)");
	if (engage_fill(o, ports, design, &c))
		*flags |= SG_CFG_ENGAGE_AUTO;
	else
		*flags &= ~SG_CFG_ENGAGE_AUTO;
	return bpf_map_update_elem(fd, &zero, &c, BPF_ANY) ? -errno : 0;
}

/* sg_limits has one writer: protect (docs/design.md) */
static int sg_write_limits(int fd, const struct protect_opts *o)
{
	struct sg_limits l;
	__u32 zero = 0;

	sg_limit_opts_fill(&o->lim, &l);
	return bpf_map_update_elem(fd, &zero, &l, BPF_ANY) ? -errno : 0;
}

static int parse_args(int argc, char **argv, struct protect_opts *o)
{
	enum { OPT_SYNCOOKIES = 256, OPT_NO_META, OPT_WAIT, OPT_MAX_AGE, OPT_SKEW, OPT_CLOCK_OFFSET,
	       OPT_RST_LIMIT, OPT_DEFENSE, OPT_ATTACH, OPT_PRIO, OPT_SYN_LIMIT, OPT_SYN_BURST,
	       OPT_SYN_PREFIX6, OPT_SYN_TABLE, OPT_SYNACK_LIMIT,
	       OPT_MONITOR, OPT_ENFORCE, OPT_ALLOW,
	       OPT_ALLOW_FILE, OPT_DENY, OPT_DENY_FILE, OPT_ACL_MAX, OPT_ENGAGE, OPT_ENGAGE_RATE,
	       OPT_ENGAGE_QUEUE, OPT_ENGAGE_HOLD };
	static const struct option lopts[] = {
		{ "ports", required_argument, NULL, 'P' },
		{ "mode", required_argument, NULL, 'm' },
		{ "ttl", required_argument, NULL, 't' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "force", no_argument, NULL, 'f' },
		{ "enable-syncookies", no_argument, NULL, OPT_SYNCOOKIES },
		{ "no-xdp-meta", no_argument, NULL, OPT_NO_META },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "max-ack-age", required_argument, NULL, OPT_MAX_AGE },
		{ "max-clock-skew", required_argument, NULL, OPT_SKEW },
		{ "clock-offset", required_argument, NULL, OPT_CLOCK_OFFSET },
		{ "rst-limit", required_argument, NULL, OPT_RST_LIMIT },
		{ "syn-limit", required_argument, NULL, OPT_SYN_LIMIT },
		{ "syn-burst", required_argument, NULL, OPT_SYN_BURST },
		{ "syn-limit-prefix6", required_argument, NULL, OPT_SYN_PREFIX6 },
		{ "syn-limit-table", required_argument, NULL, OPT_SYN_TABLE },
		{ "synack-limit", required_argument, NULL, OPT_SYNACK_LIMIT },
		{ "defense", required_argument, NULL, OPT_DEFENSE },
		{ "attach", required_argument, NULL, OPT_ATTACH },
		{ "prio", required_argument, NULL, OPT_PRIO },
		{ "monitor", no_argument, NULL, OPT_MONITOR },
		{ "enforce", no_argument, NULL, OPT_ENFORCE },
		{ "allow", required_argument, NULL, OPT_ALLOW },
		{ "allow-file", required_argument, NULL, OPT_ALLOW_FILE },
		{ "deny", required_argument, NULL, OPT_DENY },
		{ "deny-file", required_argument, NULL, OPT_DENY_FILE },
		{ "acl-max", required_argument, NULL, OPT_ACL_MAX },
		{ "engage", required_argument, NULL, OPT_ENGAGE },
		{ "engage-rate", required_argument, NULL, OPT_ENGAGE_RATE },
		{ "engage-queue", required_argument, NULL, OPT_ENGAGE_QUEUE },
		{ "engage-hold", required_argument, NULL, OPT_ENGAGE_HOLD },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	char *end, msg[256];
	long v;
	int c, err;

	memset(o, 0, sizeof(*o));
	o->mode = SG_MODE_NATIVE;
	o->ttl = DEFAULT_TTL;
	o->max_age_s = o->skew_s = -1;
	sg_limit_opts_init(&o->lim);
	sg_engage_opts_init(&o->eng);
	o->prio = SG_XDP_RUN_PRIO;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":P:m:t:k:fjph", lopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			o->ports_arg = optarg;
			break;
		case 'm':
			if (sg_mode_parse(optarg, &o->mode))
				return sg_fail(SG_EXIT_USAGE, "bad mode '%s': use native or skb", optarg);
			o->mode_given = true;
			break;
		case 't':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 || v > 255)
				return sg_fail(SG_EXIT_USAGE, "bad TTL '%s': use 1..255", optarg);
			o->ttl = (int)v;
			break;
		case 'k':
			o->key_file = optarg;
			break;
		case 'f':
			o->force = true;
			break;
		case OPT_SYNCOOKIES:
			o->enable_syncookies = true;
			break;
		case OPT_NO_META:
			o->no_xdp_meta = true;
			break;
		case OPT_MONITOR:
			o->monitor = true;
			break;
		case OPT_ENFORCE:
			o->enforce_given = true;
			break;
		case OPT_WAIT:
			if ((err = sg_lock_parse_wait(optarg)))
				return err;
			break;
		case OPT_MAX_AGE:
		case OPT_SKEW:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (c == OPT_MAX_AGE && (errno || end == optarg || *end || v < 1 || v > 60))
				return sg_fail(SG_EXIT_USAGE, "bad --max-ack-age '%s': use 1..60 "
					       "(seconds)", optarg);
			if (c == OPT_SKEW && (errno || end == optarg || *end || v < 0 || v > 60))
				return sg_fail(SG_EXIT_USAGE, "bad --max-clock-skew '%s': use 0..60 "
					       "(seconds)", optarg);
			*(c == OPT_MAX_AGE ? &o->max_age_s : &o->skew_s) = (int)v;
			break;
		case OPT_CLOCK_OFFSET:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < -3600000 || v > 3600000)
				return sg_fail(SG_EXIT_USAGE, "bad --clock-offset '%s': use "
					       "-3600000..3600000 (ms)", optarg);
			o->clock_offset_ms = v;
			break;
		case OPT_RST_LIMIT:
			if (sg_rst_limit_parse(optarg, &o->lim.rst_limit, msg, sizeof(msg)))
				return sg_fail(SG_EXIT_USAGE, "%s", msg);
			break;
		case OPT_SYN_LIMIT:
		case OPT_SYN_BURST:
		case OPT_SYN_PREFIX6:
		case OPT_SYN_TABLE:
		case OPT_SYNACK_LIMIT:
			err = c == OPT_SYN_LIMIT ? sg_syn_limit_parse(optarg, &o->lim, msg, sizeof(msg)) :
			      c == OPT_SYN_BURST ? sg_syn_burst_parse(optarg, &o->lim, msg, sizeof(msg)) :
			      c == OPT_SYN_PREFIX6 ? sg_syn_prefix6_parse(optarg, &o->lim, msg,
									  sizeof(msg)) :
			      c == OPT_SYN_TABLE ? sg_syn_table_parse(optarg, &o->lim, msg, sizeof(msg)) :
			      sg_synack_limit_parse(optarg, &o->lim, msg, sizeof(msg));
			if (err)
				return sg_fail(SG_EXIT_USAGE, "%s", msg);
			break;
		case OPT_ALLOW:
		case OPT_ALLOW_FILE:
		case OPT_DENY:
		case OPT_DENY_FILE: {
			char amsg[640];

			if (sg_acl_opt_parse(&o->acl, (enum sg_acl_opt)(c - OPT_ALLOW), optarg, amsg,
					     sizeof(amsg)))
				return sg_fail(SG_EXIT_USAGE, "%s (nothing was changed)", amsg);
			break;
		}
		case OPT_ACL_MAX:
			if (sg_acl_max_parse(optarg, &o->acl.max, msg, sizeof(msg)))
				return sg_fail(SG_EXIT_USAGE, "%s", msg);
			o->acl.max_given = true;
			break;
		case OPT_ENGAGE:
		case OPT_ENGAGE_RATE:
		case OPT_ENGAGE_QUEUE:
		case OPT_ENGAGE_HOLD:
			err = c == OPT_ENGAGE ? sg_engage_mode_parse(optarg, &o->eng, msg, sizeof(msg)) :
			      c == OPT_ENGAGE_RATE ? sg_engage_rate_parse(optarg, &o->eng, msg,
									  sizeof(msg)) :
			      c == OPT_ENGAGE_QUEUE ? sg_engage_queue_parse(optarg, &o->eng, msg,
									    sizeof(msg)) :
			      sg_engage_hold_parse(optarg, &o->eng, msg, sizeof(msg));
			if (err)
				return sg_fail(SG_EXIT_USAGE, "%s (nothing was changed)", msg);
			break;
		case OPT_DEFENSE:
			if (sg_design_parse(optarg, &o->design))
				return sg_fail(SG_EXIT_USAGE, "bad defense '%s': use auto, handoff, "
					       "synproxy or kernel-cookies", optarg);
			o->design_given = o->design != SG_DESIGN_NONE;
			break;
		case OPT_ATTACH:
			if (sg_attach_parse(optarg, &o->attach))
				return sg_fail(SG_EXIT_USAGE, "bad --attach '%s': use auto, libxdp "
					       "or netlink", optarg);
			break;
		case OPT_PRIO:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 || v > 1000)
				return sg_fail(SG_EXIT_USAGE, "bad --prio '%s': use 1..1000", optarg);
			o->prio = (unsigned int)v;
			break;
		default:
			if ((err = sg_cli_opt("protect", c, argv)))
				return err;
			break;
		}
	}
	if (optind >= argc) {
		sg_err("missing interface name");
		sg_usage(stderr, "protect");
		return SG_EXIT_USAGE;
	}
	o->ifname = argv[optind++];
	if (optind < argc)
		return sg_fail(SG_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	if (!o->ports_arg)
		return sg_fail(SG_EXIT_USAGE, "missing --ports (e.g. --ports 80,443)");
	if (sg_limit_opts_check(&o->lim, msg, sizeof(msg)))
		return sg_fail(SG_EXIT_USAGE, "%s", msg);
	if (o->monitor && o->enforce_given)
		return sg_fail(SG_EXIT_USAGE, "--monitor and --enforce exclude each other");
	if (sg_acl_opts_check(&o->acl, msg, sizeof(msg)))
		return sg_fail(SG_EXIT_USAGE, "%s (nothing was changed)", msg);
	return 0;
}

/* Make sure net.ipv4.tcp_syncookies is on: the kernel refuses a request
 * socket assigned by bpf_sk_assign_tcp_reqsk() otherwise (kernel-facts.md). */
static int check_syncookies(const struct protect_opts *o, struct undo *u)
{
	long v;
	int err = sg_sysctl_read(SYNCOOKIES, &v);

	if (err)
		return sg_fail(SG_EXIT_UNSUPPORTED, "cannot read %s: %s", SYNCOOKIES,
			       strerror(-err));
	if (v != 0)
		return 0;
	if (!o->enable_syncookies)
		return sg_fail(SG_EXIT_UNSUPPORTED,
			       "%s is 0 in this network namespace: the kernel then refuses the "
			       "connections synguard hands over. Set it to 1 (sysctl -w %s=1) "
			       "or pass --enable-syncookies", SYNCOOKIES, SYNCOOKIES);
	err = sg_sysctl_write(SYNCOOKIES, 1);
	if (err)
		return sg_fail(SG_EXIT_ERROR, "cannot set %s=1: %s", SYNCOOKIES, strerror(-err));
	u->syncookies_changed = true;
	u->syncookies_old = v;
	if (!sg_env.json)
		printf("set %s=1 (was 0)\n", SYNCOOKIES);
	return 0;
}

static void rollback(struct undo *u)
{
	if (u->pinned)
		sg_pins_remove(u->pin_dir);
	if (u->lx_attached)
		sg_lx_detach(u->ifindex, u->lx_prog_id);
	if (u->foreign.removed) {
		/* --force removed someone's program: put it back, whatever failed */
		char ifname[IF_NAMESIZE] = "?";
		int err = sg_foreign_restore(u->ifindex, &u->foreign,
					     u->xdp_attached ? u->xdp_fd : -1, u->mode);

		if_indextoname(u->ifindex, ifname);
		if (err)
			sg_err("could not restore XDP program '%s' (id %u) on %s: %s; %s has no "
			       "XDP program now", u->foreign.name, u->foreign.id, ifname,
			       strerror(-err), ifname);
		else
			sg_warn("restored XDP program '%s' (id %u) on %s", u->foreign.name,
				u->foreign.id, ifname);
		u->foreign.removed = false;
	} else if (u->xdp_attached) {
		sg_xdp_detach(u->ifindex, u->mode, u->xdp_fd);
	}
	if (u->tc_attached) {
		sg_tc_detach(u->ifindex);
		if (u->hook_created && sg_tc_count_foreign(u->ifindex) == 0)
			sg_tc_destroy_hook(u->ifindex);
	}
	if (u->nft_created) {
		char msg[256], ifname[IF_NAMESIZE] = "?";

		/* after tc: no ACK is marked for a rule that is gone */
		if (*u->nft_hold_ports) {
			if_indextoname(u->ifindex, ifname);
			if (sg_nft_spx_hold(ifname, u->ifindex, u->nft_hold_ports, msg, sizeof(msg)))
				sg_err("could not put back the hold table of the synproxy defense "
				       "(its proxied connections may break): %s", msg);
		} else if (sg_nft_spx_remove(u->ifindex, msg, sizeof(msg))) {
			sg_err("could not remove the nft table of the synproxy defense: %s", msg);
		}
		u->nft_created = false;
	}
	if (u->syncookies_changed)
		sg_sysctl_write(SYNCOOKIES, u->syncookies_old);
	/* everything is undone: a second call does nothing */
	u->pinned = u->xdp_attached = u->tc_attached = u->syncookies_changed = false;
	u->lx_attached = false;
}

static unsigned long long clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The cookie clock's time now, as XDP will read it (with --clock-offset). */
static unsigned long long cookie_now_ns(const struct protect_opts *o)
{
	return sg_now_real_ns() + (unsigned long long)(o->clock_offset_ms * 1000000LL);
}

/* Cookie time bounds (handshake.h): --max-ack-age, --max-clock-skew (by
 * default 10 s with a key file, which hosts may share, else 0), kept from
 * old when given neither and the key does not change. */
static void fill_cookie_bounds(const struct protect_opts *o, struct sg_config *cfg,
			       const struct sg_config *old)
{
	int age = o->max_age_s >= 0 ? o->max_age_s : SG_HS_DEFAULT_MAX_AGE_S;
	__u32 skew;

	if (o->skew_s >= 0)
		skew = (__u32)(((unsigned long long)o->skew_s * 1000000000ULL) >> SG_HS_TICK_SHIFT);
	else if (o->key_file)
		skew = (__u32)((SG_HS_DEFAULT_SKEW_S * 1000000000ULL) >> SG_HS_TICK_SHIFT);
	else
		skew = old ? old->skew_ticks : 0;
	cfg->max_age_ticks = (__u32)(((unsigned long long)age * 1000000000ULL) >> SG_HS_TICK_SHIFT);
	cfg->skew_ticks = skew;
	cfg->nots_window = sg_hs_nots_window(skew);
}

static void fill_clock_fields(const struct protect_opts *o, struct sg_config *cfg)
{
	long rmem;

	/* BPF reads CLOCK_MONOTONIC (coarse) and adds this to get
	 * CLOCK_REALTIME, plus the test offset; re-measured on every run, so
	 * a reload after a wall-clock step follows it */
	cfg->clock_adj_ns = (__s64)(clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC)) +
			    (__s64)o->clock_offset_ms * 1000000LL;
	cfg->updated_unix = sg_now_real_ns() / 1000000000ULL;
	if (sg_sysctl_read("net.core.rmem_max", &rmem) == 0 && rmem > 0)
		cfg->rmem_max = rmem > UINT_MAX ? UINT_MAX : (__u32)rmem;
}

/* bpf/local.h on kernels before 6.13: where the address tables are (found
 * again on every run: the addresses change with every boot, KASLR) */
static void fill_local_tables(struct sg_config *cfg)
{
	/* what is missing stays 0: those destinations count as local */
	sg_local_tables(&cfg->addr_lst4, &cfg->addr_lst6, NULL, 0);
}

struct report {
	const char *action;	/* "protected" or "updated" */
	const char *ifname;
	int ifindex;
	enum sg_mode mode;
	const __u64 *ports;
	int ttl;
	const struct sg_limit_opts *lim;
	__u32 src_table;	/* entries of sg_src */
	const char *key_source;	/* "random", "file", "unchanged" */
	const char *key_file;
	bool key_rotated;	/* a new key became current (the old one still valid) */
	__u32 xdp_id, tc_id;
	const char *pin_dir;	/* NULL: none */
	bool syncookies_enabled;
	bool tc_repaired;
	const char *synts_shared_with;	/* SYN-arrival map reused from, or NULL */
	enum sg_design design;
	const struct sg_plan *plan;	/* fresh protection: mode/attach and why */
	unsigned int prio;
	bool monitor;		/* SG_CFG_MONITOR */
	const struct sg_acl_state *acl;	/* the lists' sizes after this run */
	const char *nft_table;	/* synproxy: synguard's nft table (inet family) */
	const struct sg_engage_cfg *engage;	/* as written (NULL: not known) */
};

static void json_port(unsigned int port, void *ctx)
{
	jw_uint(ctx, port);
}

static void print_report(const struct report *r)
{
	char ports[512];
	char esc[1024];	/* a name or the pin dir, escaped for a terminal */
	unsigned int n = sg_ports_count(r->ports);

	if (sg_ports_format(r->ports, ports, sizeof(ports)) >= sizeof(ports))
		strcpy(ports + sizeof(ports) - 5, "...");
	if (sg_env.json) {
		struct jw *w = jw_new(stdout, sg_env.pretty);

		jw_start_object(w);
		jw_string_field(w, "action", r->action);
		jw_string_field(w, "ifname", r->ifname);
		jw_int_field(w, "ifindex", r->ifindex);
		jw_string_field(w, "mode", sg_mode_name(r->mode));
		jw_string_field(w, "defense", sg_design_name(r->design));
		jw_name(w, "nft_table");
		if (r->nft_table)
			jw_string(w, r->nft_table);
		else
			jw_null(w);
		jw_bool_field(w, "monitor", r->monitor);
		jw_name(w, "ports");
		jw_start_array(w);
		sg_ports_foreach(r->ports, json_port, w);
		jw_end_array(w);
		jw_int_field(w, "ttl", r->ttl);
		jw_uint_field(w, "rst_limit", r->lim->rst_limit);
		jw_uint_field(w, "synack_limit", r->lim->synack_limit);
		jw_name(w, "syn_limit");
		if (r->lim->syn_rate) {
			jw_start_object(w);
			jw_uint_field(w, "rate", r->lim->syn_rate);
			jw_uint_field(w, "burst", r->lim->syn_burst ? r->lim->syn_burst :
						     r->lim->syn_rate);
			jw_uint_field(w, "prefix4", r->lim->plen4);
			jw_uint_field(w, "prefix6", r->lim->plen6);
			jw_uint_field(w, "table", r->src_table);
			jw_end_object(w);
		} else {
			jw_null(w);
		}
		jw_string_field(w, "key_source", r->key_source);
		if (r->key_file)
			jw_string_field(w, "key_file", r->key_file);
		jw_bool_field(w, "key_rotated", r->key_rotated);
		jw_uint_field(w, "xdp_prog_id", r->xdp_id);
		jw_uint_field(w, "tc_prog_id", r->tc_id);
		jw_name(w, "pin_dir");
		if (r->pin_dir)
			jw_string(w, r->pin_dir);
		else
			jw_null(w);
		jw_bool_field(w, "syncookies_enabled", r->syncookies_enabled);
		jw_bool_field(w, "tc_repaired", r->tc_repaired);
		jw_name(w, "synts_shared_with");
		if (r->synts_shared_with)
			jw_string(w, r->synts_shared_with);
		else
			jw_null(w);
		if (r->plan) {
			jw_string_field(w, "mode_reason", r->plan->mode_why);
			jw_string_field(w, "attach", sg_attach_name(r->plan->method));
			jw_string_field(w, "attach_reason", r->plan->method_why);
			if (r->plan->method == SG_ATTACH_LIBXDP)
				jw_uint_field(w, "run_prio", r->prio);
			jw_string_field(w, "xdp_build", r->plan->fixed_len ? "fixed_len" : "default");
			if (r->plan->fixed_len)
				jw_string_field(w, "xdp_build_reason", r->plan->fixed_why);
		}
		if (r->engage)
			sg_engage_cfg_json(w, r->engage, r->design != SG_DESIGN_HANDOFF);
		if (r->acl) {
			jw_name(w, "acl");
			jw_start_object(w);
			sg_acl_state_fields(w, r->acl);
			jw_end_object(w);
		}
		jw_end_object(w);
		jw_free(w);
		return;
	}
	printf("%s %s (ifindex %d)\n", r->action, sg_esc_text(r->ifname, esc, sizeof(esc)),
	       r->ifindex);
	if (r->plan) {
		printf("  mode:     %s (%s)\n", sg_mode_name(r->mode), r->plan->mode_why);
		if (r->plan->method == SG_ATTACH_LIBXDP)
			printf("  attach:   libxdp dispatcher, run priority %u, next program on "
			       "XDP_PASS (%s)\n", r->prio, r->plan->method_why);
		else
			printf("  attach:   netlink (%s)\n", r->plan->method_why);
		if (r->plan->fixed_len)
			printf("  build:    fixed-length (%s)\n", r->plan->fixed_why);
	} else {
		printf("  mode:     %s\n", sg_mode_name(r->mode));
	}
	printf("  defense:  %s\n", sg_design_name(r->design));
	if (r->nft_table)
		printf("  nft:      table inet %s (SYNPROXY for the cookie ACKs XDP marks)\n",
		       r->nft_table);
	printf("  verdicts: %s\n", r->monitor ? "monitor (counted as would_*, every packet "
	       "passes untouched)" : "enforce");
	printf("  ports:    %s (%u port%s)\n", ports, n, n == 1 ? "" : "s");
	if (r->engage)
		sg_engage_cfg_text(r->engage, r->ports, r->design != SG_DESIGN_HANDOFF);
	printf("  ttl:      %d\n", r->ttl);
	if (r->lim->syn_rate)
		printf("  syn:      at most %u/s per source prefix (/%u IPv4, /%u IPv6), burst "
		       "%u, %u prefixes tracked\n", r->lim->syn_rate, r->lim->plen4, r->lim->plen6,
		       r->lim->syn_burst ? r->lim->syn_burst : r->lim->syn_rate, r->src_table);
	else
		printf("  syn:      no per-source limit\n");
	if (r->lim->synack_limit)
		printf("  synack:   at most %u/s for the interface (all CPUs)\n",
		       r->lim->synack_limit);
	else
		printf("  synack:   no cap\n");
	if (r->lim->rst_limit)
		printf("  rst:      at most %u/s per CPU for invalid cookie ACKs\n", r->lim->rst_limit);
	else
		printf("  rst:      off (invalid cookie ACKs are dropped silently)\n");
	if (r->key_file)
		printf("  key:      %s (%s)%s\n", r->key_source, r->key_file,
		       r->key_rotated ? ", rotated: the previous key stays valid for a while" : "");
	else
		printf("  key:      %s\n", r->key_source);
	printf("  xdp prog: id %u (%s)\n", r->xdp_id, SG_XDP_PROG_NAME);
	if (r->design == SG_DESIGN_KERNEL_COOKIES)
		printf("  tc prog:  none (the kernel-cookies defense needs none)\n");
	else
		printf("  tc prog:  id %u (%s, clsact ingress)%s\n", r->tc_id,
		       r->design == SG_DESIGN_SYNPROXY ? SG_TC_SPX_PROG_NAME : SG_TC_PROG_NAME,
		       r->tc_repaired ? " - re-attached, it was missing" : "");
	printf("  pin dir:  %s\n", r->pin_dir ? sg_esc_text(r->pin_dir, esc, sizeof(esc)) : "none");
	if (r->synts_shared_with)
		printf("  SYN-arrival map shared with %s\n", r->synts_shared_with);
	if (r->acl)
		printf("  lists:    allow %u IPv4, %u IPv6; deny %u IPv4, %u IPv6 prefixes\n",
		       r->acl->n[SG_ACL_ALLOW4], r->acl->n[SG_ACL_ALLOW6], r->acl->n[SG_ACL_DENY4],
		       r->acl->n[SG_ACL_DENY6]);
}

/* The tc filter of a protected interface vanished (e.g. someone deleted the
 * clsact qdisc): load a new tc program on the existing maps and attach it. */
static int repair_tc(struct sg_defense *d, __u32 *tc_id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct synguard *skel;
	bool created;
	int err;

	skel = synguard__open();
	if (!skel)
		return -errno;
	err = bpf_map__reuse_fd(skel->maps.sg_config, d->config_fd);
	if (!err)
		err = bpf_map__reuse_fd(skel->maps.sg_keys, d->keys_fd);
	if (!err)
		err = bpf_map__reuse_fd(skel->maps.sg_trace, d->trace_fd);
	if (!err)
		err = bpf_map__reuse_fd(skel->maps.sg_state, d->state_fd);
	if (!err)
		err = bpf_map__reuse_fd(skel->maps.sg_stats, d->stats_fd);
	if (!err && d->synts_fd >= 0)
		err = bpf_map__reuse_fd(skel->maps.sg_synts, d->synts_fd);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.sg_xdp, false);
	if (!err)
		err = synguard__load(skel);
	if (!err)
		err = sg_tc_attach(d->ifindex, bpf_program__fd(skel->progs.sg_tc), &created);
	if (!err && !bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.sg_tc), &info, &len))
		*tc_id = info.id;
	synguard__destroy(skel);
	return err;
}

/* A key signs only synguard's own cookies (the handoff design); the other
 * designs' cookies are the kernel's, made with its per-host secret. */
static void warn_key_unused(const struct protect_opts *o, enum sg_design design)
{
	if (o->key_file && design != SG_DESIGN_HANDOFF)
		sg_warn("--key-file has no effect with the %s defense: its SYN cookies are the "
			"kernel's own, made with the kernel's secret, which hosts cannot share (a "
			"cookie answered by one anycast host fails on another); the key is used "
			"only by the handoff defense (Linux 6.9+)", sg_design_name(design));
}

static const char *key_source(const void *key, enum sg_design design, const char *dflt)
{
	if (design != SG_DESIGN_HANDOFF)
		return "the kernel's secret (its own cookies)";
	return key ? "file" : dflt;
}

/* Already protected by synguard: rewrite sg_config in place. The programs
 * stay attached, so there is no moment without protection. */
static int update_in_place(const struct protect_opts *o, struct sg_defense *d,
			   const __u64 *ports, const __u64 *key, struct undo *u)
{
	struct report r = { .action = "updated" };
	struct sg_engage_cfg eng_cfg;
	struct sg_config cfg, old;
	char pin_dir[PATH_MAX], amsg[640], nft_name[32];
	struct sg_acl_saved acl_saved;
	struct sg_acl_state acl_st;
	struct sg_acl_fds acl_fds;
	bool rotated = false;
	__u32 zero = 0;
	int err;

	if (o->mode_given && o->mode != d->mode)
		return sg_fail(SG_EXIT_CONFLICT,
			       "%s is protected in %s mode; switching to %s mode needs a re-attach, "
			       "which leaves it unprotected for a moment. Run 'synguard unprotect %s' "
			       "first if that is acceptable", o->ifname, sg_mode_name(d->mode),
			       sg_mode_name(o->mode), o->ifname);
	err = sg_defense_read_config(d, &cfg);
	if (err)
		return sg_fail(SG_EXIT_ERROR, "cannot read the configuration of %s: %s",
			       o->ifname, strerror(-err));
	r.design = sg_design_of_flags(cfg.flags);
	if (r.design == SG_DESIGN_SYNPROXY && o->no_xdp_meta)
		return sg_fail(SG_EXIT_USAGE, "%s runs the synproxy defense, which needs XDP "
			       "metadata: --no-xdp-meta is not possible there", o->ifname);
	if (o->design_given && o->design != r.design)
		return sg_fail(SG_EXIT_CONFLICT,
			       "%s is protected with the %s defense; switching to %s needs a "
			       "re-attach. Run 'synguard unprotect %s' first", o->ifname,
			       sg_design_name(r.design), sg_design_name(o->design), o->ifname);
	if (!d->tc_id && r.design == SG_DESIGN_HANDOFF) {
		err = repair_tc(d, &d->tc_id);
		if (err)
			return sg_fail(SG_EXIT_ERROR,
				       "the tc handoff of %s is missing and cannot be re-attached "
				       "(%s); run 'synguard unprotect %s' and protect again",
				       o->ifname, strerror(-err), o->ifname);
		r.tc_repaired = true;
	}
	if (!d->tc_id && r.design == SG_DESIGN_SYNPROXY)
		return sg_fail(SG_EXIT_ERROR, "the tc program of the synproxy defense of %s is "
			       "missing; run 'synguard unprotect %s' and protect again", o->ifname,
			       o->ifname);
	if (r.design == SG_DESIGN_SYNPROXY) {
		char msg[512];

		/* idempotent: puts back a table removed by hand, with the
		 * interface's current MTU and sysctls */
		if (sg_nft_spx_apply(o->ifname, d->ifindex, ports, msg, sizeof(msg)))
			return sg_fail(SG_EXIT_ERROR, "cannot write the nft table of %s: %s",
				       o->ifname, msg);
		sg_nft_spx_table(d->ifindex, nft_name, sizeof(nft_name));
		r.nft_table = nft_name;
	}
	/* killed before it pinned, or pins removed by hand: pin again */
	if (!sg_pin_dir(o->ifname, pin_dir, sizeof(pin_dir)) && !sg_pins_match(pin_dir, d->xdp_id) &&
	    sg_repair_pins(d, pin_dir))
		sg_warn("re-created the missing pins of %s in %s", o->ifname, pin_dir);
	/* Written as one map update: a concurrent BPF reader may see a mix of
	 * old and new 64-bit words, so a port in both lists stays protected
	 * throughout. */
	memcpy(cfg.ports, ports, sizeof(cfg.ports));
	cfg.nports = (__u16)sg_ports_count(ports);
	cfg.ttl = (__u8)o->ttl;
	cfg.flags |= SG_CFG_ACTIVE;
	/* XDP records a driver's refusal in its own map (sg_state) */
	if (o->no_xdp_meta)
		cfg.flags |= SG_CFG_NO_XDP_META;
	/* live: the next packet XDP sees gets the new mode (no re-attach) */
	if (o->monitor)
		cfg.flags |= SG_CFG_MONITOR;
	else
		cfg.flags &= ~SG_CFG_MONITOR;
	old = cfg;
	fill_cookie_bounds(o, &cfg, &old);
	fill_clock_fields(o, &cfg);
	fill_local_tables(&cfg);
	if (d->limits_fd < 0)
		return sg_fail(SG_EXIT_CONFLICT, "%s runs a synguard XDP program without the "
			       "limits map (an older build); run 'synguard unprotect %s' first",
			       o->ifname, o->ifname);
	if (d->engage_cfg_fd < 0)
		return sg_fail(SG_EXIT_CONFLICT, "%s runs a synguard XDP program without "
			       "engagement mode (an older build); run 'synguard unprotect %s' first",
			       o->ifname, o->ifname);
	if (d->src_fd < 0)
		return sg_fail(SG_EXIT_CONFLICT, "%s runs a synguard XDP program without the "
			       "per-source SYN table (an older build); run 'synguard unprotect %s' "
			       "first", o->ifname, o->ifname);
	{
		struct bpf_map_info mi = {};
		__u32 len = sizeof(mi);

		if (bpf_obj_get_info_by_fd(d->src_fd, &mi, &len))
			return sg_fail(SG_EXIT_ERROR, "cannot read the per-source SYN table of %s: "
				       "%s", o->ifname, strerror(errno));
		if (o->lim.table_given && o->lim.table != mi.max_entries)
			return sg_fail(SG_EXIT_CONFLICT, "the per-source SYN table of %s holds %u "
				       "prefixes; resizing it to %u needs a re-attach. Run "
				       "'synguard unprotect %s' first if that is acceptable (nothing "
				       "was changed)", o->ifname, mi.max_entries, o->lim.table,
				       o->ifname);
		r.src_table = mi.max_entries;
	}
	if (!sg_acl_fds_of(d, &acl_fds))
		return sg_fail(SG_EXIT_CONFLICT, "%s runs a synguard XDP program without the "
			       "allow/deny lists (an older build); run 'synguard unprotect %s' first",
			       o->ifname, o->ifname);
	if ((err = sg_acl_read_state(&acl_fds, &acl_st)))
		return sg_fail(SG_EXIT_ERROR, "cannot read the lists of %s: %s", o->ifname,
			       strerror(-err));
	if (o->acl.max_given && o->acl.max != acl_st.max)
		return sg_fail(SG_EXIT_CONFLICT, "the allow and deny lists of %s hold up to %u "
			       "prefixes each; resizing them to %u needs a re-attach. Run 'synguard "
			       "unprotect %s' first if that is acceptable (nothing was changed)",
			       o->ifname, acl_st.max, o->acl.max, o->ifname);
	/* the lists first: refused lists change nothing else */
	if ((err = sg_acl_opts_apply(&acl_fds, (struct sg_acl_opts *)&o->acl, &acl_saved, amsg,
				     sizeof(amsg))))
		return sg_fail(err, "%s: %s (nothing was changed)", o->ifname, amsg);
	/* a new key goes into a free slot first, then the config makes it
	 * current: the old key is accepted for as long as a cookie lives */
	if (key && (err = sg_keyring_rotate(d->keys_fd, &cfg, key, cookie_now_ns(o), &rotated))) {
		sg_acl_opts_restore(&acl_fds, &acl_saved);
		sg_acl_saved_free(&acl_saved);
		return sg_fail(SG_EXIT_ERROR, "cannot write the new key of %s: %s", o->ifname,
			       strerror(-err));
	}
	err = sg_write_limits(d->limits_fd, o);
	/* live: the next SYN sees the new mode and thresholds; a port's
	 * state (engaged or not) carries over */
	if (!err)
		err = sg_write_engage(d->engage_cfg_fd, o, ports, r.design, &cfg.flags);
	if (!err && bpf_map_update_elem(d->config_fd, &zero, &cfg, BPF_ANY))
		err = -errno;
	if (err)
		sg_acl_opts_restore(&acl_fds, &acl_saved);
	sg_acl_saved_free(&acl_saved);
	if (!sg_acl_read_state(&acl_fds, &acl_st))
		r.acl = &acl_st;
	if (err) {
		rollback(u);
		return sg_fail(SG_EXIT_ERROR, "cannot update the configuration of %s: %s",
			       o->ifname, strerror(-err));
	}
	r.ifname = o->ifname;
	r.ifindex = d->ifindex;
	r.mode = d->mode;
	r.ports = cfg.ports;
	r.ttl = cfg.ttl;
	r.lim = &o->lim;
	engage_fill(o, ports, r.design, &eng_cfg);
	r.engage = &eng_cfg;
	r.monitor = o->monitor;
	r.key_source = key_source(key, r.design, "unchanged");
	warn_key_unused(o, r.design);
	r.key_rotated = rotated;
	r.key_file = key && r.design == SG_DESIGN_HANDOFF ? o->key_file : NULL;
	r.xdp_id = d->xdp_id;
	r.tc_id = d->tc_id;
	if (!sg_pin_dir(o->ifname, pin_dir, sizeof(pin_dir)) && sg_pins_match(pin_dir, d->xdp_id))
		r.pin_dir = pin_dir;
	r.syncookies_enabled = u->syncookies_changed;
	print_report(&r);
	return SG_EXIT_OK;
}

/* The tc program of a design: the handoff's sg_tc or synproxy's sg_tc_spx. */
static struct bpf_program *tc_prog(struct synguard *skel, enum sg_design d)
{
	return d == SG_DESIGN_SYNPROXY ? skel->progs.sg_tc_spx : skel->progs.sg_tc;
}

/* Load only the tc program the design uses: sg_tc needs the handoff kfunc
 * (handoff.h), so it cannot load before 6.9; sg_tc_spx is synproxy's. */
static int set_autoload(struct synguard *skel, enum sg_design d)
{
	int err = bpf_program__set_autoload(skel->progs.sg_tc, d == SG_DESIGN_HANDOFF);

	return err ? err : bpf_program__set_autoload(skel->progs.sg_tc_spx,
						     d == SG_DESIGN_SYNPROXY);
}

static __u32 prog_id(struct bpf_program *p)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
		return 0;
	return info.id;
}

static int attach_fail(struct undo *u, int code, const char *what, int err,
		       const struct protect_opts *o)
{
	rollback(u);
	if (err == -EOPNOTSUPP && o->mode == SG_MODE_NATIVE && !strcmp(what, "XDP"))
		return sg_fail(code, "cannot attach XDP to %s: its driver lacks native XDP "
			       "(try -m skb)", o->ifname);
	/* veth (drivers/net/veth.c, veth_xdp_set) refuses a program without
	 * multi-buffer support while the peer's MTU exceeds one page */
	if (err == -ERANGE && o->mode == SG_MODE_NATIVE && !strcmp(what, "XDP"))
		return sg_fail(code, "cannot attach XDP to %s in native mode: its MTU (on a veth, "
			       "its peer's) is too large for native XDP; lower it or use -m skb "
			       "(nothing was changed)", o->ifname);
	return sg_fail(code, "cannot attach %s to %s: %s (nothing was changed)", what,
		       o->ifname, strerror(-err));
}

/* The SYN-arrival map this protection reuses (synts_shared.h). */
struct synts_share {
	__u32 map_id;		/* 0: nothing shared, the object gets its own */
	char ifname[IF_NAMESIZE];	/* a protected interface using it */
};

/* Make the new object use the sg_synts map of the interfaces protected in
 * this network namespace already, so that one map serves them all and a
 * tracer reads every interface's SYN arrivals. A map that does not fit this
 * build's definition (another synguard version) is not shared. */
static int share_synts(struct synguard *skel, struct synts_share *s)
{
	struct bpf_map *m = skel->maps.sg_synts;
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi);
	struct sg_defense *list;
	int n, idx, others, err = 0;

	n = sg_defense_list(&list);
	if (n <= 0)
		return 0;
	idx = sg_synts_pick(list, n, &s->map_id, &others);
	if (idx < 0) {
		s->map_id = 0;
	} else if (bpf_obj_get_info_by_fd(list[idx].synts_fd, &mi, &len) ||
		   mi.type != bpf_map__type(m) || mi.key_size != bpf_map__key_size(m) ||
		   mi.value_size != bpf_map__value_size(m) ||
		   mi.max_entries != bpf_map__max_entries(m) ||
		   mi.map_flags != bpf_map__map_flags(m)) {
		sg_warn("the SYN-arrival map of %s does not match this build: this "
			"interface gets its own", list[idx].ifname);
		s->map_id = 0;
	} else {
		/* libbpf keeps its own dup of the fd; the tracers' flag map
		 * goes with the arrivals it switches on */
		err = bpf_map__reuse_fd(m, list[idx].synts_fd);
		if (!err)
			err = bpf_map__reuse_fd(skel->maps.sg_trace, list[idx].trace_fd);
		memcpy(s->ifname, list[idx].ifname, sizeof(s->ifname));
		if (err)
			s->map_id = 0;
	}
	sg_defense_free_list(list, n);
	return err;
}

/* Through libxdp the dispatcher loads the object itself, so XDP is live
 * before we can write sg_config: it starts inactive (an all-zero config
 * passes everything) and becomes active once tc is in place. A native attach
 * that the driver refuses is retried in generic mode unless -m was given. */
#define SG_LX_FALLBACK 1000	/* attach_libxdp: use netlink instead */
#define SG_LX_SPX_WHY "the kernel refuses the default build in this libxdp's dispatcher (it " \
	"changes packet data: Linux 6.13+ and 6.12.y with libxdp before xdp-tools PR #509), " \
	"and the synproxy defense cannot use the fixed-length build: it needs XDP metadata"
#define SG_LX_RETRY_FIXED 1001	/* attach_libxdp: try the fixed-length build */

/* Why a libxdp attach that failed to load (-EINVAL: the verifier refused
 * sg_xdp as an extension of the dispatcher) most likely failed. */
#define SG_LX_EINVAL_WHY "the kernel refuses synguard as an extension of this libxdp's " \
	"dispatcher, in its fixed-length build too (bpf/fixed_len.h: the one that does not " \
	"change packet data, for the dispatchers of libxdp before xdp-tools PR #509, such as " \
	"Debian's 1.3.1, on Linux 6.13+ and 6.12.y); run with -v for the verifier's words"

/* Why protect loaded the fixed-length build (plan->fixed_why). */
#define SG_LX_FIXED_WHY "the kernel refused the default build in this libxdp's dispatcher: " \
	"it changes packet data (bpf_xdp_adjust_tail/_meta) and the dispatcher's slots do not, " \
	"which Linux 6.13+ and 6.12.y refuse for an extension (libxdp before xdp-tools PR #509, " \
	"such as Debian's 1.3.1); this build writes replies at the received frame's length " \
	"and tc validates cookie ACKs itself (no XDP metadata)"

static int attach_libxdp(const struct protect_opts *o, struct synguard *skel, int ifindex,
			 struct sg_plan *plan, struct undo *u, const struct sg_defense *d)
{
	/* plan->fixed_len: skel is the fixed-length build (the second try) */
	int err = sg_lx_attach(skel->obj, ifindex, plan->mode, o->prio);
	const char *why;
	char msg[128];

	if (err == -EOPNOTSUPP && plan->mode == SG_MODE_NATIVE && !o->mode_given) {
		plan->mode = SG_MODE_SKB;
		snprintf(plan->mode_why, sizeof(plan->mode_why),
			 "the driver of %s has no native XDP", o->ifname);
		err = sg_lx_attach(skel->obj, ifindex, plan->mode, o->prio);
	}
	/* the verifier refused the extension; nothing was changed. Next the
	 * fixed-length build, except for synproxy: that build carries no XDP
	 * metadata, which the synproxy defense's tc tag needs */
	if (err == -EINVAL && !plan->fixed_len && o->design != SG_DESIGN_SYNPROXY)
		return SG_LX_RETRY_FIXED;
	why = plan->fixed_len ? SG_LX_EINVAL_WHY : SG_LX_SPX_WHY;
	if (err == -EINVAL && o->attach == SG_ATTACH_AUTO && !d->foreign_id) {
		/* alone on the interface anyway: netlink does the same job */
		snprintf(plan->method_why, sizeof(plan->method_why), "%s", why);
		return SG_LX_FALLBACK;
	}
	if (err == -EINVAL) {
		rollback(u);
		return sg_fail(d->foreign_id ? SG_EXIT_CONFLICT : SG_EXIT_UNSUPPORTED,
			       "cannot attach XDP to %s through libxdp: %s%s", o->ifname, why,
			       !plan->fixed_len ? " (--defense kernel-cookies or handoff can "
			       "share the interface)" : d->foreign_id ? "; the programs cannot "
			       "share the interface here, 'synguard protect --force' replaces the "
			       "dispatcher" : "");
	}
	/* -m native asked for on a driver without it, or a veth whose peer's
	 * MTU is too large for native XDP: the netlink path's messages
	 * (attach_fail), not libxdp's bare "not supported" or "out of range" */
	if ((err == -EOPNOTSUPP || err == -ERANGE) && plan->mode == SG_MODE_NATIVE)
		return attach_fail(u, SG_EXIT_ERROR, "XDP", err, o);
	if (err) {
		libxdp_strerror(err, msg, sizeof(msg));
		rollback(u);
		return sg_fail(err == -EEXIST || err == -EBUSY ? SG_EXIT_CONFLICT : SG_EXIT_ERROR,
			       "cannot attach XDP to %s through libxdp: %s (nothing was changed; "
			       "--attach netlink attaches without libxdp)", o->ifname, msg);
	}
	u->lx_attached = true;
	u->lx_prog_id = prog_id(skel->progs.sg_xdp);
	u->mode = plan->mode;
	return 0;
}

/* --syn-limit-table: the size of the LRU table sg_src, fixed at load */
static int set_src_table(struct synguard *skel, const struct protect_opts *o)
{
	return bpf_map__set_max_entries(skel->maps.sg_src,
					o->lim.table ? o->lim.table : SG_SRC_TABLE_DEFAULT);
}

/* --acl-max: the tries hold both lists, fixed at load */
static int set_acl_size(struct synguard *skel, const struct protect_opts *o)
{
	__u32 max = o->acl.max ? o->acl.max : SG_ACL_MAX_DEFAULT;
	int err = bpf_map__set_max_entries(skel->maps.sg_acl4, 2 * max);

	if (!err)
		err = bpf_map__set_max_entries(skel->maps.sg_acl6, 2 * max);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.sg_acl4h, 2 * max);
	return err ? err : bpf_map__set_max_entries(skel->maps.sg_acl6h, 2 * max);
}

/* The defense object of a fresh protection, ready to load: the fixed-length
 * build (skel_fixed.h) or the default one. *errp: 0 or -errno. */
static struct synguard *open_defense(const struct protect_opts *o, struct synts_share *share,
				     bool fixed_len, int *errp)
{
	struct synguard *skel = sg_skel_open(fixed_len);
	int err = skel ? share_synts(skel, share) : -errno;

	if (!err)
		err = set_src_table(skel, o);
	if (!err)
		err = set_acl_size(skel, o);
	if (!err)
		err = set_autoload(skel, o->design);
	*errp = err;
	return skel;
}

/* A fresh protection: load, configure, attach tc, attach XDP, pin. */
static int protect_new(const struct protect_opts *o_arg, int ifindex, const struct sg_defense *d,
		       const __u64 *ports, const __u64 *key, struct undo *u)
{
	struct report r = { .action = "protected" };
	struct sg_engage_cfg eng_cfg;
	struct sg_acl_saved acl_saved;
	struct sg_acl_state acl_st;
	struct sg_acl_fds acl_fds;
	char amsg[640], nft_name[32];
	struct synts_share share = {};
	struct sg_config cfg = {};
	__u64 newkey[2];
	struct synguard *skel;
	bool private_bpffs = false, replace = false;
	__u32 zero = 0, tc_id;
	char name[16], br[IF_NAMESIZE];
	int err, xdp_fd;
	struct protect_opts oc = *o_arg;
	const struct protect_opts *o = &oc;
	struct sg_plan plan;

	err = sg_attach_plan(ifindex, o->ifname, o->mode, o->mode_given, o->attach, d, &plan);
	if (err)
		return err;
	if (plan.method == SG_ATTACH_NETLINK && d->foreign_id && !o->force)
		return sg_fail(SG_EXIT_CONFLICT,
			       "%s already has an XDP program: '%s' (id %u, %s mode), and synguard "
			       "cannot join it through libxdp: %s. Use --force to replace it",
			       o->ifname, d->foreign_name, d->foreign_id,
			       sg_mode_name(d->foreign_mode), plan.method_why);
	oc.mode = plan.mode;
	if (plan.warning[0])
		sg_warn("%s", plan.warning);
	if (o->design == SG_DESIGN_HANDOFF && sg_brnf_port(ifindex, br))
		sg_warn("%s is a port of bridge %s and br_netfilter is on "
			"(net.bridge.bridge-nf-call-iptables/ip6tables): it drops the socket that "
			"synguard hands over, and the kernel resets this host's own connections to "
			"protected ports. Protect %s instead (-m skb), or set those sysctls to 0 "
			"(docs/cli-defense.md)", o->ifname, br, br);
	if (!o->in_child)
		warn_key_unused(o, o->design);
	if (plan.method == SG_ATTACH_LIBXDP && !o->in_child) {
		err = sg_protect_detach_child();
		if (err >= 0)
			return err; /* the parent: the child's exit code */
		if (err == SG_CHILD) {
			/* the whole protection, then exit: the caller (apply
			 * too) goes on in the parent only */
			oc.in_child = true;
			err = protect_new(&oc, ifindex, d, ports, key, u);
			if (err)
				rollback(u);
			fflush(stdout);
			fflush(stderr);
			_exit(err);
		}
	}

	/* Someone else's filter at our exact tc handle/prio is a conflict too */
	if (sg_tc_query(ifindex, &tc_id) == 0 && !sg_prog_name(tc_id, name) &&
	    !sg_tc_name_ours(name) && !o->force)
		return sg_fail(SG_EXIT_CONFLICT,
			       "%s has a foreign tc filter (program '%s', id %u) at synguard's "
			       "handle/priority 0x%x; use --force to replace it", o->ifname, name,
			       tc_id, SG_TC_PRIO);

	if (!sg_bpffs_mounted()) {
		/* We mount it ourselves: it outlives us only in the initial
		 * mount namespace. If we cannot tell, a missing bpffs most
		 * likely means `ip netns exec` (hosts mount it at boot). */
		private_bpffs = sg_mntns_is_init() != 1;
		err = sg_ensure_bpffs();
		if (err)
			return err;
	}
	if (sg_pin_dir(o->ifname, u->pin_dir, sizeof(u->pin_dir)))
		return sg_fail(SG_EXIT_ERROR, "pin path too long");

	cfg.since_unix = sg_now_real_ns() / 1000000000ULL;
	memcpy(cfg.ports, ports, sizeof(cfg.ports));
	cfg.nports = (__u16)sg_ports_count(ports);
	cfg.ttl = (__u8)o->ttl;
	cfg.mode = o->mode;
	cfg.flags = SG_CFG_ACTIVE | (o->no_xdp_meta ? SG_CFG_NO_XDP_META : 0) |
		    (o->monitor ? SG_CFG_MONITOR : 0);
	if (o->design == SG_DESIGN_KERNEL_COOKIES)
		cfg.flags |= SG_CFG_KERNEL_COOKIES;
	if (o->design == SG_DESIGN_SYNPROXY)
		cfg.flags |= SG_CFG_SYNPROXY;
	if (key)
		memcpy(newkey, key, sizeof(newkey));
	else if ((err = sg_key_random(newkey)))
		return sg_fail(SG_EXIT_ERROR, "getrandom: %s", strerror(-err));
	if ((err = sg_random_u32_nonzero(&cfg.meta_magic)))
		return sg_fail(SG_EXIT_ERROR, "getrandom: %s", strerror(-err));
	fill_cookie_bounds(o, &cfg, NULL);
	fill_clock_fields(o, &cfg);
	fill_local_tables(&cfg);

	skel = open_defense(o, &share, false, &err);
	if (!err && plan.method == SG_ATTACH_LIBXDP) {
		err = attach_libxdp(o, skel, ifindex, &plan, u, d);
		if (err == SG_LX_RETRY_FIXED) {
			/* libxdp changed the object (extension type, target):
			 * a fresh one, in the build without packet changes */
			synguard__destroy(skel);
			memset(&share, 0, sizeof(share));
			plan.fixed_len = true;
			snprintf(plan.fixed_why, sizeof(plan.fixed_why), "%s", SG_LX_FIXED_WHY);
			skel = open_defense(o, &share, true, &err);
			if (!err)
				err = attach_libxdp(o, skel, ifindex, &plan, u, d);
		}
		if (err == SG_LX_FALLBACK) {
			/* start over with a fresh default object for netlink */
			synguard__destroy(skel);
			memset(&share, 0, sizeof(share));
			plan.method = SG_ATTACH_NETLINK;
			plan.fixed_len = false;
			plan.fixed_why[0] = '\0';
			skel = open_defense(o, &share, false, &err);
			if (!err)
				err = synguard__load(skel);
		} else if (err) {
			synguard__destroy(skel);
			return err;
		} else {
			oc.mode = plan.mode;
			cfg.mode = plan.mode;
		}
	} else if (!err) {
		err = synguard__load(skel);
	}
	if (err) {
		synguard__destroy(skel);
		rollback(u);
		return sg_fail(SG_EXIT_ERROR, "cannot load the BPF programs: %s%s", strerror(-err),
			       sg_env.verbose ? "" : " (run with -v for the verifier log)");
	}
	/* a tracer reading the shared map has set the shared sg_trace already */
	err = sg_keyring_init(bpf_map__fd(skel->maps.sg_keys), &cfg, newkey);
	memset(newkey, 0, sizeof(newkey));
	if (!err)
		err = sg_write_limits(bpf_map__fd(skel->maps.sg_limits), o);
	if (!err)
		err = sg_write_engage(bpf_map__fd(skel->maps.sg_engage_cfg), o, ports, o->design,
				      &cfg.flags);
	/* in the dispatcher XDP runs already: inactive until tc is attached */
	if (plan.method == SG_ATTACH_LIBXDP)
		cfg.flags &= ~SG_CFG_ACTIVE;
	/* the fixed-length build writes no metadata: tc validates (sticky:
	 * an update keeps both flags) */
	if (plan.fixed_len)
		cfg.flags |= SG_CFG_NO_XDP_META | SG_CFG_FIXED_LEN;
	if (err || bpf_map_update_elem(bpf_map__fd(skel->maps.sg_config), &zero, &cfg, BPF_ANY)) {
		err = err ? err : -errno;
		rollback(u);
		synguard__destroy(skel);
		return sg_fail(SG_EXIT_ERROR, "cannot write the configuration: %s", strerror(-err));
	}
	/* the lists are in place before XDP sees a packet */
	acl_fds.fd4 = bpf_map__fd(skel->maps.sg_acl4);
	acl_fds.fd6 = bpf_map__fd(skel->maps.sg_acl6);
	acl_fds.state_fd = bpf_map__fd(skel->maps.sg_acl);
	acl_fds.h4 = bpf_map__fd(skel->maps.sg_acl4h);
	acl_fds.h6 = bpf_map__fd(skel->maps.sg_acl6h);
	acl_fds.b4 = bpf_map__fd(skel->maps.sg_acl4b);
	acl_fds.b6 = bpf_map__fd(skel->maps.sg_acl6b);
	err = sg_acl_init(&acl_fds, o->acl.max ? o->acl.max : SG_ACL_MAX_DEFAULT);
	if (err) {
		rollback(u);
		synguard__destroy(skel);
		return sg_fail(SG_EXIT_ERROR, "cannot write the lists: %s", strerror(-err));
	}
	err = sg_acl_opts_apply(&acl_fds, (struct sg_acl_opts *)&o->acl, &acl_saved, amsg,
				sizeof(amsg));
	sg_acl_saved_free(&acl_saved);
	if (err) {
		rollback(u);
		synguard__destroy(skel);
		return sg_fail(err, "%s: %s (nothing was changed)", o->ifname, amsg);
	}
	if (!sg_acl_read_state(&acl_fds, &acl_st))
		r.acl = &acl_st;

	/* the synproxy design: the nft rule before the tc program that marks
	 * packets for it (and both before XDP answers a SYN) */
	if (o->design == SG_DESIGN_SYNPROXY) {
		char msg[512];

		/* an unprotect's hold table: replaced now, put back on failure */
		if (sg_nft_spx_list(ifindex, u->nft_hold_ports, sizeof(u->nft_hold_ports)) != 1)
			u->nft_hold_ports[0] = '\0';
		if (sg_nft_spx_apply(o->ifname, ifindex, ports, msg, sizeof(msg))) {
			rollback(u);
			synguard__destroy(skel);
			return sg_fail(SG_EXIT_ERROR, "cannot create the nft table of the synproxy "
				       "defense: %s (nothing was changed)", msg);
		}
		u->nft_created = true;
		sg_nft_spx_table(ifindex, nft_name, sizeof(nft_name));
		r.nft_table = nft_name;
	}
	sg_test_point("protect:after-nft");
	/* tc first: once XDP answers SYNs, every valid cookie ACK must find
	 * its handoff in place. (The kernel-cookies defense has no tc part.) */
	if (o->design == SG_DESIGN_HANDOFF || o->design == SG_DESIGN_SYNPROXY) {
		err = sg_tc_attach(ifindex, bpf_program__fd(tc_prog(skel, o->design)),
				   &u->hook_created);
		if (err) {
			synguard__destroy(skel);
			return attach_fail(u, SG_EXIT_ERROR, "the tc handoff filter", err, o);
		}
		u->tc_attached = true;
	}
	sg_test_point("protect:after-tc");

	if (plan.method == SG_ATTACH_LIBXDP) {
		/* XDP is in the dispatcher already: now it may answer SYNs */
		xdp_fd = bpf_program__fd(skel->progs.sg_xdp);
		cfg.flags |= SG_CFG_ACTIVE;
		if (bpf_map_update_elem(bpf_map__fd(skel->maps.sg_config), &zero, &cfg, BPF_ANY)) {
			err = -errno;
			rollback(u);
			synguard__destroy(skel);
			return sg_fail(SG_EXIT_ERROR, "cannot write the configuration: %s",
				       strerror(-err));
		}
		sg_test_point("protect:after-xdp");
		goto pin;
	}
	/* --force: a foreign program in our mode is replaced atomically; one in
	 * the other mode must go first (the kernel allows only one mode). */
	if (d->foreign_id) {
		/* a reference, so that a failure can put it back (repair.h) */
		if ((err = sg_foreign_hold(&u->foreign, d->foreign_id, d->foreign_mode,
					   d->foreign_name))) {
			synguard__destroy(skel);
			return attach_fail(u, SG_EXIT_CONFLICT, "XDP (the other program vanished)",
					   err, o);
		}
		if (d->foreign_mode == o->mode) {
			replace = true;
		} else if ((err = sg_xdp_detach(ifindex, d->foreign_mode, u->foreign.fd))) {
			synguard__destroy(skel);
				return attach_fail(u, SG_EXIT_CONFLICT, "XDP (removing the other program)",
					   err, o);
		} else {
			u->foreign.removed = true;
		}
	}
	xdp_fd = bpf_program__fd(skel->progs.sg_xdp);
	err = sg_xdp_attach(ifindex, xdp_fd, o->mode, replace);
	if (err == -EOPNOTSUPP && o->mode == SG_MODE_NATIVE && !o->mode_given) {
		/* auto: the driver has no native XDP, generic works anywhere */
		oc.mode = plan.mode = SG_MODE_SKB;
		snprintf(plan.mode_why, sizeof(plan.mode_why),
			 "the driver of %s has no native XDP", o->ifname);
		cfg.mode = SG_MODE_SKB;
		err = bpf_map_update_elem(bpf_map__fd(skel->maps.sg_config), &zero, &cfg,
					  BPF_ANY) ? -errno : 0;
		if (!err)
			err = sg_xdp_attach(ifindex, xdp_fd, o->mode, replace);
	}
	if (err) {
		synguard__destroy(skel);
		if (err == -EBUSY || err == -EEXIST)
			return attach_fail(u, SG_EXIT_CONFLICT,
					   "XDP (another program was attached meanwhile)", err, o);
		return attach_fail(u, SG_EXIT_ERROR, "XDP", err, o);
	}
	u->xdp_attached = true;
	u->mode = o->mode;
	u->xdp_fd = xdp_fd;
	if (replace)
		u->foreign.removed = true;
	sg_test_point("protect:after-xdp");

pin:
	{
		struct sg_pin pins[] = {
			{ SG_PIN_XDP, xdp_fd },
			{ "sg_config", bpf_map__fd(skel->maps.sg_config) },
			{ "sg_stats", bpf_map__fd(skel->maps.sg_stats) },
			{ "sg_synts", bpf_map__fd(skel->maps.sg_synts) },
			{ "sg_acl4", bpf_map__fd(skel->maps.sg_acl4) },
			{ "sg_acl6", bpf_map__fd(skel->maps.sg_acl6) },
			{ "sg_acl", bpf_map__fd(skel->maps.sg_acl) },
			{ SG_PIN_TC, bpf_program__fd(tc_prog(skel, o->design)) },	/* last: optional */
		};
		size_t npins = sizeof(pins) / sizeof(pins[0]);
		const char *what;

		if (o->design == SG_DESIGN_KERNEL_COOKIES)
			npins--;	/* no tc program loaded */
		u->pinned = true; /* partial pins are removed by rollback too */
		err = sg_pins_create(u->pin_dir, pins, npins, &what);
		if (err) {
			rollback(u);
			synguard__destroy(skel);
				return sg_fail(SG_EXIT_BPFFS, "cannot pin %s under %s: %s (nothing was changed)",
				       what, u->pin_dir, strerror(-err));
		}
	}
	if (private_bpffs)
		/* `ip netns exec` gives us a private mount namespace: pins made
		 * there die with this process, the netlink attachment does not */
		fprintf(stderr, "synguard: note: no host bpffs here (ip netns exec?), so nothing "
			"stays pinned; protection stays attached to %s\n", o->ifname);

	r.ifname = o->ifname;
	r.ifindex = ifindex;
	r.mode = o->mode;
	r.ports = cfg.ports;
	r.ttl = cfg.ttl;
	r.lim = &o->lim;
	engage_fill(o, ports, o->design, &eng_cfg);
	r.engage = &eng_cfg;
	r.src_table = bpf_map__max_entries(skel->maps.sg_src);
	r.monitor = o->monitor;
	r.key_source = key_source(key, o->design, "random");
	r.key_file = key && o->design == SG_DESIGN_HANDOFF ? o->key_file : NULL;
	r.xdp_id = prog_id(skel->progs.sg_xdp);
	r.tc_id = o->design == SG_DESIGN_KERNEL_COOKIES ? 0 : prog_id(tc_prog(skel, o->design));
	r.design = o->design;
	r.pin_dir = private_bpffs ? NULL : u->pin_dir;
	r.syncookies_enabled = u->syncookies_changed;
	r.synts_shared_with = share.map_id ? share.ifname : NULL;
	r.plan = &plan;
	r.prio = o->prio;
	if (d->foreign_id && plan.method == SG_ATTACH_NETLINK)
		sg_warn("replaced XDP program '%s' (id %u) on %s", d->foreign_name, d->foreign_id,
			o->ifname);
	print_report(&r);
	/* Closing our fds leaves the netlink attachments (and pins) in place. */
	synguard__destroy(skel);
	return SG_EXIT_OK;
}

static int protect_run(int argc, char **argv, struct protect_opts *op);

int cmd_protect(int argc, char **argv)
{
	struct protect_opts o;
	int rc;

	memset(&o, 0, sizeof(o));
	rc = protect_run(argc, argv, &o);
	sg_acl_opts_free(&o.acl);
	return rc;
}

static int protect_run(int argc, char **argv, struct protect_opts *op)
{
	struct undo u = { .xdp_fd = -1 };
	SG_LOCK_AUTO lock = SG_LOCK_INIT;
	struct sg_defense d;
	__u64 ports[SG_PORT_WORDS], key[2];
	char err_msg[256];
	int ifindex, err;

	err = parse_args(argc, argv, op);
	if (err)
		return err < 0 ? SG_EXIT_OK : err;
	if (sg_ports_parse(op->ports_arg, ports, err_msg, sizeof(err_msg)) < 0)
		return sg_fail(SG_EXIT_USAGE, "%s", err_msg);
	if (sg_engage_opts_check(&op->eng, ports, err_msg, sizeof(err_msg)))
		return sg_fail(SG_EXIT_USAGE, "%s (nothing was changed)", err_msg);
	err = sg_check_privileges();
	if (err)
		return err;
	if (op->key_file && sg_key_read_file(op->key_file, key, err_msg, sizeof(err_msg)))
		return sg_fail(SG_EXIT_USAGE, "%s", err_msg);
	err = sg_cli_ifindex(op->ifname, &ifindex);
	if (err)
		return err;
	u.ifindex = ifindex;
	err = sg_check_kernel_support();
	if (err)
		return err;
	/* --defense auto (the default): the best this kernel supports */
	if (!op->design_given)
		op->design = sg_design_best();
	/* the synproxy design carries its verdict to tc in XDP metadata */
	if (op->design == SG_DESIGN_SYNPROXY && op->no_xdp_meta) {
		if (op->design_given)
			return sg_fail(SG_EXIT_USAGE, "the synproxy defense needs XDP metadata: "
				       "--no-xdp-meta works with handoff or kernel-cookies only");
		op->design = SG_DESIGN_KERNEL_COOKIES;
	}
	err = sg_design_check(op->design);
	if (err)
		return err;
	/* one change at a time: nothing below may read the state before this */
	err = sg_lock_iface(ifindex, op->ifname, &lock);
	if (err)
		return err;
	if ((int)if_nametoindex(op->ifname) != ifindex)
		return sg_fail(SG_EXIT_NODEV, "%s changed while waiting for its lock", op->ifname);

	err = sg_defense_open(ifindex, &d);
	if (err == -EPROTO)
		return sg_cli_defense_error(op->ifname, err, &d);
	if (err == -EEXIST && !op->force && !d.foreign_dispatcher && op->attach == SG_ATTACH_NETLINK)
		return sg_fail(SG_EXIT_CONFLICT,
			       "%s already has an XDP program: '%s' (id %u, %s mode). Use --force "
			       "to replace it", op->ifname, d.foreign_name, d.foreign_id,
			       sg_mode_name(d.foreign_mode));
	if (err && err != -ENOENT && err != -EEXIST)
		return sg_fail(SG_EXIT_ERROR, "cannot query XDP on %s: %s", op->ifname,
			       strerror(-err));

	err = check_syncookies(op, &u);
	if (!err) {
		if (d.xdp_id)
			err = update_in_place(op, &d, ports, op->key_file ? key : NULL, &u);
		else
			err = protect_new(op, ifindex, &d, ports, op->key_file ? key : NULL, &u);
	}
	if (err)
		rollback(&u); /* whatever the failing step left behind */
	sg_foreign_release(&u.foreign);
	sg_defense_close(&d);
	return err;
}
