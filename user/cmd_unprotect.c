// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_unprotect.c - `synguard unprotect IFACE`: detach our XDP program (only
 * ours), our tc filter, the clsact qdisc when nothing else uses it, and the
 * pins. Leftovers of an interrupted protection (a lone tc filter, stale pins)
 * are removed too. The synproxy defense's nft table goes last (after tc, which
 * marks packets for it); a failure before leaves it intact.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"
#include "attach_libxdp.h"
#include "commands.h"
#include "cli.h"
#include "cli_iface.h"
#include "common.h"
#include "defense_maps.h"
#include "escape.h"
#include "nft_synproxy.h"
#include "spx_hold.h"
#include "json.h"
#include "lock.h"
#include "pins.h"
#include "testpoint.h"

static int parse_args(int argc, char **argv, const char **ifname)
{
	enum { OPT_WAIT = 256 };
	static const struct option lopts[] = {
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c, err;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":jph", lopts, NULL)) != -1) {
		if (c == OPT_WAIT)
			err = sg_lock_parse_wait(optarg);
		else
			err = sg_cli_opt("unprotect", c, argv);
		if (err)
			return err;
	}
	if (optind >= argc) {
		sg_err("missing interface name");
		sg_usage(stderr, "unprotect");
		return SG_EXIT_USAGE;
	}
	*ifname = argv[optind++];
	if (optind < argc)
		return sg_fail(SG_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	return 0;
}

struct removed {
	__u32 xdp_id;
	__u32 tc_id;
	bool tc_leftover;	/* a tc filter of ours without our XDP program */
	bool clsact;
	bool pins;
	char pin_dir[PATH_MAX];
	char nft_table[32];	/* the synproxy defense's nft table, removed ("": none) */
	char nft_kept[32];	/* ... or kept as a hold table (spx_hold.h) */
	int proxied;		/* then: its open connections (-1: not known) */
};

static void report(const char *ifname, int ifindex, const struct removed *r)
{
	char esc[1024];	/* a name or the pin dir, escaped for a terminal */

	if (sg_env.json) {
		struct jw *w = jw_new(stdout, sg_env.pretty);

		jw_start_object(w);
		jw_string_field(w, "ifname", ifname);
		jw_int_field(w, "ifindex", ifindex);
		jw_bool_field(w, "was_protected", r->xdp_id != 0);
		jw_uint_field(w, "xdp_prog_id", r->xdp_id);
		jw_uint_field(w, "tc_prog_id", r->tc_id);
		jw_bool_field(w, "clsact_removed", r->clsact);
		jw_name(w, "nft_table_removed");
		if (*r->nft_table)
			jw_string(w, r->nft_table);
		else
			jw_null(w);
		jw_name(w, "nft_table_kept");
		if (*r->nft_kept)
			jw_string(w, r->nft_kept);
		else
			jw_null(w);
		jw_name(w, "proxied_connections");
		if (*r->nft_kept && r->proxied >= 0)
			jw_int(w, r->proxied);
		else
			jw_null(w);
		jw_name(w, "pin_dir");
		if (r->pins)
			jw_string(w, r->pin_dir);
		else
			jw_null(w);
		jw_end_object(w);
		jw_free(w);
		return;
	}
	if (r->xdp_id)
		printf("unprotected %s: removed XDP program id %u", sg_esc_text(ifname, esc, sizeof(esc)),
		       r->xdp_id);
	else if (r->tc_id || r->pins || *r->nft_table)
		printf("%s was not protected; removed leftovers:", sg_esc_text(ifname, esc, sizeof(esc)));
	else	/* only a hold table, still needed */
		printf("%s is not protected", sg_esc_text(ifname, esc, sizeof(esc)));
	if (r->tc_id)
		printf("%s tc filter (prog id %u)", r->xdp_id ? "," : "", r->tc_id);
	if (r->clsact)
		printf(", clsact qdisc");
	if (*r->nft_table)
		printf(", nft table inet %s", r->nft_table);
	if (r->pins)
		printf(", pins in %s", sg_esc_text(r->pin_dir, esc, sizeof(esc)));
	printf("\n");
	if (*r->nft_kept && r->proxied >= 0)
		printf("  kept nft table inet %s: conntrack tracks %d open connection(s) to the "
		       "protected ports; those the synproxy defense opened live on its sequence "
		       "number translation until they close. The next protect or unprotect of %s "
		       "removes the table once none is open\n",
		       r->nft_kept, r->proxied, sg_esc_text(ifname, esc, sizeof(esc)));
	else if (*r->nft_kept)
		printf("  kept nft table inet %s: /proc/net/nf_conntrack cannot be read, so "
		       "connections the synproxy defense opened may still be open (conntrack "
		       "translates their sequence numbers); remove it with 'nft delete table inet "
		       "%s' once they have closed\n", r->nft_kept, r->nft_kept);
}

int cmd_unprotect(int argc, char **argv)
{
	SG_LOCK_AUTO lock = SG_LOCK_INIT;
	struct removed r = {};
	struct sg_defense d;
	const char *ifname;
	char name[16], msg[512];
	bool spx_ports_ok = false;
	__u64 spx_ports[SG_PORT_WORDS];
	__u32 tc_id;
	int ifindex, err;

	err = parse_args(argc, argv, &ifname);
	if (err)
		return err < 0 ? SG_EXIT_OK : err;
	err = sg_check_privileges();
	if (err)
		return err;
	err = sg_cli_ifindex(ifname, &ifindex);
	if (err)
		return err;
	/* one change at a time: nothing below may read the state before this */
	err = sg_lock_iface(ifindex, ifname, &lock);
	if (err)
		return err;
	if ((int)if_nametoindex(ifname) != ifindex)
		return sg_fail(SG_EXIT_NODEV, "%s changed while waiting for its lock", ifname);

	err = sg_defense_open(ifindex, &d);
	if (err && err != -ENOENT && err != -EEXIST && err != -EPROTO)
		return sg_fail(SG_EXIT_ERROR, "cannot query XDP on %s: %s", ifname, strerror(-err));
	if (err == -EPROTO)
		/* ours by name, maps from another build: still ours to remove */
		sg_warn("%s runs a synguard XDP program from another build; removing it", ifname);

	if (!err) {
		struct sg_config cfg;

		if (!sg_defense_read_config(&d, &cfg) && (cfg.flags & SG_CFG_SYNPROXY)) {
			memcpy(spx_ports, cfg.ports, sizeof(spx_ports));
			spx_ports_ok = true;
		}
	}
	if (!err || err == -EPROTO) {
		__u32 id = d.xdp_id;
		int fd = d.xdp_fd;
		struct sg_xdp_state st;

		if (err == -EPROTO && d.dispatcher_id) {
			err = 0; /* in a dispatcher: ours by id, libxdp removes it */
		} else if (err == -EPROTO) { /* sg_defense_open closed it: find it again */
			if (sg_xdp_query(ifindex, &st))
				return sg_fail(SG_EXIT_ERROR, "cannot query XDP on %s", ifname);
			id = st.drv_id ? st.drv_id : st.skb_id;
			d.mode = st.drv_id ? SG_MODE_NATIVE : SG_MODE_SKB;
			fd = -1;
		}
		if (d.dispatcher_id && !err) {
			/* in libxdp's dispatcher: only libxdp can take us out
			 * (it rebuilds the dispatcher from its pins) */
			char bpffs[64];

			if (sg_lx_use_bpffs(bpffs, sizeof(bpffs))) {
				sg_defense_close(&d);
				return sg_fail(SG_EXIT_BPFFS, "%s runs synguard in libxdp dispatcher "
					       "%u, whose pins are in a bpffs not reachable here; run "
					       "unprotect where /sys/fs/bpf is the host's", ifname,
					       d.dispatcher_id);
			}
			err = sg_lx_detach(ifindex, id);
		} else {
			err = sg_xdp_detach(ifindex, d.mode, fd);
		}
		sg_defense_close(&d);
		if (err)
			return sg_fail(SG_EXIT_ERROR, "cannot detach XDP program %u from %s: %s",
				       id, ifname, strerror(-err));
		r.xdp_id = id;
		/* XDP first: tc without XDP passes everything (repair.h) */
		sg_test_point("unprotect:after-xdp");
	} else if (err == -EEXIST) {
		sg_warn("%s has XDP program '%s' (id %u), which is not synguard's: left alone",
			ifname, d.foreign_name, d.foreign_id);
	}

	/* Our tc filter: the handoff, or a leftover of an interrupted protect */
	if (sg_tc_query(ifindex, &tc_id) == 0 && !sg_prog_name(tc_id, name) &&
	    sg_tc_name_ours(name)) {
		err = sg_tc_detach(ifindex);
		if (err && err != -ENOENT)
			return sg_fail(SG_EXIT_ERROR, "cannot remove the tc filter from %s: %s",
				       ifname, strerror(-err));
		r.tc_id = tc_id;
		/* The clsact qdisc holds only filters: without any left, it is
		 * ours to remove (the dump tells us about everybody else's). */
		if (sg_tc_count_foreign(ifindex) == 0 && sg_tc_destroy_hook(ifindex) == 0)
			r.clsact = true;
		sg_test_point("unprotect:after-tc");
	}

	/* the synproxy defense's table, or one left by a protect killed
	 * before its tc program (checked only where nft runs) */
	{
		int had = 0;

		if (sg_spx_release(ifname, ifindex, spx_ports_ok ? spx_ports : NULL, &r.proxied, &had, msg,
				   sizeof(msg)))
			return sg_fail(SG_EXIT_ERROR, "cannot remove the nft table of %s: %s", ifname,
				       msg);
		if (had && r.proxied)
			sg_nft_spx_table(ifindex, r.nft_kept, sizeof(r.nft_kept));
		else if (had)
			sg_nft_spx_table(ifindex, r.nft_table, sizeof(r.nft_table));
	}
	sg_test_point("unprotect:after-nft");

	if (!sg_pin_dir(ifname, r.pin_dir, sizeof(r.pin_dir)) && sg_bpffs_mounted()) {
		r.pins = access(r.pin_dir, F_OK) == 0;
		err = sg_pins_remove(r.pin_dir);
		if (err)
			sg_warn("cannot remove %s: %s", r.pin_dir, strerror(-err));
	}

	if (!r.xdp_id && !r.tc_id && !r.pins && !*r.nft_table) {
		if (sg_env.json || *r.nft_kept)
			report(ifname, ifindex, &r);
		return sg_fail(SG_EXIT_NOT_PROTECTED, "%s is not protected by synguard", ifname);
	}
	report(ifname, ifindex, &r);
	return SG_EXIT_OK;
}
