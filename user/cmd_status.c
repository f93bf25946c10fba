// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_status.c - `synguard status [IFACE]`: the protected interfaces of the
 * current network namespace, found through their netlink attachments. With
 * IFACE the exit code says whether it is protected (0) or not (3).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "acl_show.h"
#include "attach.h"
#include "attach_libxdp.h"
#include "commands.h"
#include "cli.h"
#include "cli_iface.h"
#include "common.h"
#include "defense_maps.h"
#include "engage_show.h"
#include "escape.h"
#include "features.h"
#include "nft_synproxy.h"
#include "json.h"
#include "limits_show.h"
#include "lock.h"
#include "pins.h"
#include "ports.h"
#include "repair.h"
#include "spx_hold.h"

static int parse_args(int argc, char **argv, const char **ifname)
{
	int err = sg_cli_parse_common("status", argc, argv);

	if (err)
		return err;
	*ifname = NULL;
	if (optind < argc)
		*ifname = argv[optind++];
	if (optind < argc)
		return sg_fail(SG_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	return 0;
}

static void iso_time(__u64 unix_s, char *buf, size_t len)
{
	time_t t = (time_t)unix_s;
	struct tm tm;

	if (!unix_s || !gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "unknown");
}

static void json_port(unsigned int port, void *ctx)
{
	jw_uint(ctx, port);
}

/* Fields every entry has: the state and whether a change is under way
 * (then a partial state may just be a protect or unprotect in progress). */
static void json_state_as(struct jw *w, int ifindex, const char *state, bool xdp, bool tc,
			  bool active)
{
	pid_t busy = sg_lock_holder(ifindex);

	jw_string_field(w, "state", state);
	jw_name(w, "missing");
	jw_start_array(w);
	if (!xdp)
		jw_string(w, "xdp");
	if (!tc)
		jw_string(w, "tc");
	if (!active)
		jw_string(w, "active");
	jw_end_array(w);
	jw_name(w, "busy_pid");
	if (busy > 0)
		jw_int(w, busy);
	else
		jw_null(w);
}

static void json_state(struct jw *w, int ifindex, bool xdp, bool tc, bool active)
{
	json_state_as(w, ifindex, xdp && tc && active ? "protected" : "partial", xdp, tc, active);
}

static void text_busy(int ifindex)
{
	pid_t busy = sg_lock_holder(ifindex);

	if (busy > 0)
		printf("  change:   in progress (pid %d holds the lock): the state above may be "
		       "a step of it\n", (int)busy);
}

/* Something of ours without our XDP program (repair.h): tc alone, pins. */
static void show_leftover(struct jw *w, int ifindex, const char *ifname,
			  const struct sg_leftover *lo)
{
	char name[1024], esc[1024];

	if (w) {
		jw_start_object(w);
		jw_string_field(w, "ifname", ifname);
		jw_int_field(w, "ifindex", ifindex);
		json_state(w, ifindex, false, lo->tc_id != 0, true);
		jw_uint_field(w, "xdp_prog_id", 0);
		jw_uint_field(w, "tc_prog_id", lo->tc_id);
		jw_bool_field(w, "healthy", false);
		jw_name(w, "pin_dir");
		if (lo->pins)
			jw_string(w, lo->pin_dir);
		else
			jw_null(w);
		jw_end_object(w);
		return;
	}
	/* names escaped for a terminal (any byte but / and NUL is legal) */
	sg_esc_text(ifname, name, sizeof(name));
	if (lo->tc_id)
		printf("%s (ifindex %d): PARTIAL - synguard's tc handoff (prog id %u) is attached "
		       "without its XDP program: not protected, traffic passes untouched; run "
		       "'synguard protect %s ...' to protect or 'synguard unprotect %s' to clean "
		       "up\n", name, ifindex, lo->tc_id, name, name);
	else
		printf("%s (ifindex %d): PARTIAL - stale pins, no synguard program attached: not "
		       "protected; run 'synguard unprotect %s' to remove them\n", name, ifindex,
		       name);
	printf("  xdp prog: MISSING\n");
	if (lo->tc_id)
		printf("  tc prog:  id %u\n", lo->tc_id);
	else
		printf("  tc prog:  MISSING\n");
	printf("  pin dir:  %s\n", lo->pins ? sg_esc_text(lo->pin_dir, esc, sizeof(esc)) : "none");
	text_busy(ifindex);
}

/* An unprotected interface whose synproxy table unprotect kept for the
 * connections it proxied (spx_hold.h): nothing to repair, shown so that an
 * operator knows where the table comes from and when it goes. */
static void show_held(struct jw *w, int ifindex, const char *ifname, const char *ports,
		      int open)
{
	char table[32], name[1024];
	__u64 set[SG_PORT_WORDS];

	sg_nft_spx_table(ifindex, table, sizeof(table));
	if (w) {
		char e[64];

		jw_start_object(w);
		jw_string_field(w, "ifname", ifname);
		jw_int_field(w, "ifindex", ifindex);
		json_state_as(w, ifindex, "held", true, true, true);	/* nothing missing */
		jw_name(w, "ports");
		jw_start_array(w);
		if (sg_ports_parse(ports, set, e, sizeof(e)) > 0)
			sg_ports_foreach(set, json_port, w);
		jw_end_array(w);
		jw_string_field(w, "nft_table", table);
		jw_name(w, "proxied_connections");
		if (open >= 0)
			jw_int(w, open);
		else
			jw_null(w);
		jw_end_object(w);
		return;
	}
	sg_esc_text(ifname, name, sizeof(name));
	printf("%s (ifindex %d): not protected; nft table inet %s is kept for the connections "
	       "the synproxy defense opened (conntrack translates them until they close): "
	       "'synguard unprotect %s' removes it once none is open\n", name, ifindex, table,
	       name);
	printf("  ports:    %s\n", ports);
	if (open >= 0)
		printf("  open:     %d connection%s to these ports\n", open, open == 1 ? "" : "s");
	else
		printf("  open:     unknown (/proc/net/nf_conntrack not readable)\n");
	text_busy(ifindex);
}

/* An interface without synguard's XDP program and without leftovers may
 * hold a synproxy table: only where conntrack runs (a hold needs it), so
 * that status costs no nft run on hosts without it. */
static bool held_find(int ifindex, char *ports, size_t len, int *open)
{
	return access("/proc/net/nf_conntrack", F_OK) == 0 &&
	       sg_spx_hold_find(ifindex, ports, len, open) == 1;
}

/* Our program answers SYNs: through libxdp it joins the dispatcher inactive
 * and protect activates it once tc is attached (a protect killed in between
 * leaves it passing everything). */
static bool active(const struct sg_config *cfg)
{
	return (cfg->flags & SG_CFG_ACTIVE) != 0;
}

/* Everything beside XDP that the interface's defense needs is attached: the
 * handoff design needs its tc program, the kernel-cookies design has none,
 * the synproxy design needs its tc program and its nft table (nft_present:
 * 1/0/-1). */
static bool tc_part(const struct sg_defense *d, const struct sg_config *cfg, int nft_present)
{
	if (cfg->flags & SG_CFG_SYNPROXY)
		return d->tc_id != 0 && nft_present == 1;
	return d->tc_id != 0 || (cfg->flags & SG_CFG_KERNEL_COOKIES);
}

static bool complete(const struct sg_defense *d, const struct sg_config *cfg, int nft_present)
{
	return active(cfg) && tc_part(d, cfg, nft_present);
}

/* The other programs in our libxdp dispatcher (none when attached through
 * netlink: then we are the device's only XDP program). */
#define MAX_OTHERS 10
static int others(const struct sg_defense *d, struct sg_lx_prog *o, int *err)
{
	struct sg_lx_prog all[MAX_OTHERS + 1];
	char bpffs[64];
	__u32 disp;
	int n, k = 0;

	*err = 0;
	if (!d->dispatcher_id)
		return 0;
	if (sg_lx_use_bpffs(bpffs, sizeof(bpffs))) {
		*err = -ENOENT;
		return 0;
	}
	n = sg_lx_list(d->ifindex, all, MAX_OTHERS + 1, &disp);
	if (n < 0) {
		*err = n;
		return 0;
	}
	for (int i = 0; i < n && i <= MAX_OTHERS; i++)
		if (all[i].id != d->xdp_id && k < MAX_OTHERS)
			o[k++] = all[i];
	return k;
}

static void show(struct jw *w, const struct sg_defense *d)
{
	struct sg_lx_prog oth[MAX_OTHERS];
	int noth, oerr;
	struct sg_config cfg;
	char since[32], ports[1024], pin_dir[PATH_MAX];
	char esc[1024];	/* a name or the pin dir, escaped for a terminal */
	enum sg_design design;
	struct sg_limits_view lv;
	char nft_name[32] = "";
	struct sg_engage_view ev;
	bool pinned;
	int nft = 0;

	sg_limits_view_read(d, &lv);
	if (sg_defense_read_config(d, &cfg))
		memset(&cfg, 0, sizeof(cfg));
	sg_engage_view_read(d, &cfg, &ev);
	design = sg_design_of_flags(cfg.flags);
	if (design == SG_DESIGN_SYNPROXY) {
		nft = sg_nft_spx_present(d->ifindex);
		sg_nft_spx_table(d->ifindex, nft_name, sizeof(nft_name));
	}
	iso_time(cfg.since_unix, since, sizeof(since));
	if (sg_ports_format(cfg.ports, ports, sizeof(ports)) >= sizeof(ports))
		strcpy(ports + sizeof(ports) - 5, "...");
	pinned = !sg_pin_dir(d->ifname, pin_dir, sizeof(pin_dir)) &&
		 sg_pins_match(pin_dir, d->xdp_id);
	noth = others(d, oth, &oerr);

	if (w) {
		jw_start_object(w);
		jw_string_field(w, "ifname", d->ifname);
		jw_int_field(w, "ifindex", d->ifindex);
		json_state(w, d->ifindex, true, tc_part(d, &cfg, nft), active(&cfg));
		jw_name(w, "ports");
		jw_start_array(w);
		sg_ports_foreach(cfg.ports, json_port, w);
		jw_end_array(w);
		jw_string_field(w, "mode", sg_mode_name(d->mode));
		jw_string_field(w, "defense", sg_design_name(design));
		jw_name(w, "nft_table");
		if (design == SG_DESIGN_SYNPROXY)
			jw_string(w, nft_name);
		else
			jw_null(w);
		jw_name(w, "nft_table_present");
		if (design == SG_DESIGN_SYNPROXY && nft >= 0)
			jw_bool(w, nft == 1);
		else
			jw_null(w);
		jw_bool_field(w, "monitor", (cfg.flags & SG_CFG_MONITOR) != 0);
		jw_string_field(w, "since", since);
		jw_uint_field(w, "since_unix", cfg.since_unix);
		jw_uint_field(w, "updated_unix", cfg.updated_unix);
		jw_uint_field(w, "ttl", cfg.ttl);
		sg_limits_view_json(w, &lv);
		sg_engage_view_json(w, &ev);
		sg_engage_view_free(&ev);
		jw_uint_field(w, "xdp_prog_id", d->xdp_id);
		jw_uint_field(w, "tc_prog_id", d->tc_id);
		jw_bool_field(w, "healthy", complete(d, &cfg, nft));
		jw_name(w, "pin_dir");
		if (pinned)
			jw_string(w, pin_dir);
		else
			jw_null(w);
		sg_acl_status_json(w, d);
		jw_string_field(w, "attach", d->dispatcher_id ? "libxdp" : "netlink");
		jw_uint_field(w, "dispatcher_prog_id", d->dispatcher_id);
		jw_string_field(w, "xdp_build", (cfg.flags & SG_CFG_FIXED_LEN) ? "fixed_len" : "default");
		jw_name(w, "other_programs");
		jw_start_array(w);
		for (int i = 0; i < noth; i++) {
			jw_start_object(w);
			jw_uint_field(w, "id", oth[i].id);
			jw_string_field(w, "name", oth[i].name);
			jw_int_field(w, "run_prio", oth[i].prio);
			jw_string_field(w, "chain_call_actions", oth[i].chain);
			jw_end_object(w);
		}
		jw_end_array(w);
		jw_end_object(w);
		return;
	}
	if (complete(d, &cfg, nft))
		printf("%s (ifindex %d): protected since %s\n", sg_esc_text(d->ifname, esc, sizeof(esc)),
		       d->ifindex, since);
	else if (!active(&cfg))
		printf("%s (ifindex %d): PARTIAL - synguard's XDP program is attached but was never "
		       "activated (a protect was interrupted): not protected, traffic passes "
		       "untouched; run 'synguard protect %s ...' to protect or 'synguard unprotect "
		       "%s' to clean up\n", sg_esc_text(d->ifname, esc, sizeof(esc)), d->ifindex,
		       esc, esc);
	else
		printf("%s (ifindex %d): PARTIAL - synguard's XDP program is attached without its "
		       "tc %s (since %s): clients get resets\n",
		       sg_esc_text(d->ifname, esc, sizeof(esc)), d->ifindex,
		       design == SG_DESIGN_SYNPROXY ? "program or nft table" : "handoff", since);
	printf("  ports:    %s\n", ports);
	printf("  mode:     %s\n", sg_mode_name(d->mode));
	printf("  defense:  %s\n", sg_design_name(design));
	if (design == SG_DESIGN_SYNPROXY)
		printf("  nft:      table inet %s %s\n", nft_name, nft == 1 ? "(SYNPROXY rule present)" :
		       nft == 0 ? "MISSING - valid cookie ACKs are not completed; run 'synguard "
		       "protect' again to repair" : "(nft could not be run to check)");
	printf("  verdicts: %s\n", (cfg.flags & SG_CFG_MONITOR) ?
	       "monitor (counted as would_*, every packet passes untouched)" : "enforce");
	printf("  ttl:      %u\n", cfg.ttl);
	sg_limits_view_text(&lv);
	sg_engage_view_text(&ev);
	sg_engage_view_free(&ev);
	printf("  xdp prog: id %u\n", d->xdp_id);
	if (design == SG_DESIGN_KERNEL_COOKIES)
		printf("  tc prog:  none (not needed by the kernel-cookies defense)\n");
	else if (d->tc_id)
		printf("  tc prog:  id %u\n", d->tc_id);
	else
		printf("  tc prog:  MISSING - valid cookie ACKs cannot reach the listener; "
		       "run 'synguard protect %s ...' again to repair\n", d->ifname);
	printf("  pin dir:  %s\n", pinned ? sg_esc_text(pin_dir, esc, sizeof(esc)) : "none");
	sg_acl_status_text(d);
	text_busy(d->ifindex);
	if (!d->dispatcher_id) {
		printf("  attach:   netlink (the interface's only XDP program)\n");
		return;
	}
	printf("  attach:   libxdp dispatcher id %u\n", d->dispatcher_id);
	if (cfg.flags & SG_CFG_FIXED_LEN)
		printf("  build:    fixed-length (never resizes packets; tc validates cookie ACKs)\n");
	if (oerr)
		printf("  others:   unknown (libxdp's pins are not reachable here: %s)\n",
		       strerror(-oerr));
	else if (!noth)
		printf("  others:   none\n");
	for (int i = 0; i < noth; i++)
		printf("  other:    %s (id %u, run priority %d, chain on %s)\n", oth[i].name,
		       oth[i].id, oth[i].prio, oth[i].chain[0] ? oth[i].chain : "-");
}

/* status without IFACE: every interface with anything of ours, in ifindex
 * order (protected ones from list, the others' leftovers looked up here). */
static int show_all(struct jw *w, struct sg_defense *list, int n)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	struct sg_leftover lo;
	int k = 0, shown = 0, tables[64], nt = 0, open;
	char ports[1024];

	/* one nft run for the whole namespace; a table per interface then */
	if (access("/proc/net/nf_conntrack", F_OK) == 0)
		nt = sg_nft_spx_tables(tables, 64);
	for (i = ifs; i && i->if_index; i++) {
		bool tbl = false;

		for (int t = 0; t < nt && !tbl; t++)
			tbl = tables[t] == (int)i->if_index;
		if (k < n && list[k].ifindex == (int)i->if_index) {
			show(w, &list[k++]);
			shown++;
		} else if (sg_leftover_find(i->if_index, i->if_name, &lo)) {
			show_leftover(w, i->if_index, i->if_name, &lo);
			shown++;
		} else if (tbl && sg_spx_hold_find(i->if_index, ports, sizeof(ports), &open) == 1) {
			show_held(w, i->if_index, i->if_name, ports, open);
			shown++;
		}
	}
	for (; k < n; k++, shown++)	/* appeared after if_nameindex() */
		show(w, &list[k]);
	if (ifs)
		if_freenameindex(ifs);
	return shown;
}

/* What this kernel supports (features.h) and the defense protect picks. */
static void show_kernel(struct jw *w)
{
	struct sg_feature f[32];
	struct utsname u;
	int n = sg_features_probe(f, 32);

	if (uname(&u))
		strcpy(u.release, "unknown");
	if (w) {
		jw_name(w, "kernel");
		jw_start_object(w);
		jw_string_field(w, "release", u.release);
		jw_string_field(w, "best_defense", sg_design_name(sg_design_best()));
		jw_name(w, "features");
		jw_start_array(w);
		for (int i = 0; i < n; i++) {
			jw_start_object(w);
			jw_string_field(w, "name", f[i].name);
			jw_bool_field(w, "ok", f[i].ok);
			jw_string_field(w, "detail", f[i].detail);
			jw_end_object(w);
		}
		jw_end_array(w);
		jw_end_object(w);
		return;
	}
	printf("kernel %s: protect picks the %s defense\n", u.release,
	       sg_design_name(sg_design_best()));
	for (int i = 0; i < n; i++)
		printf("  %-26s %-3s %s\n", f[i].name, f[i].ok ? "yes" : "no", f[i].detail);
}

/* The JSON wrapper of a single entry that is not a protection */
static struct jw *list_begin(void)
{
	struct jw *w = jw_new(stdout, sg_env.pretty);

	jw_start_object(w);
	jw_name(w, "interfaces");
	jw_start_array(w);
	return w;
}

static void list_end(struct jw *w)
{
	if (!w)
		return;
	jw_end_array(w);
	jw_end_object(w);
	jw_free(w);
}

int cmd_status(int argc, char **argv)
{
	struct sg_defense *list = NULL, one;
	struct sg_config ocfg;
	bool complete_ok = false;
	const char *ifname;
	struct jw *w = NULL;
	int n, err;

	err = parse_args(argc, argv, &ifname);
	if (err)
		return err < 0 ? SG_EXIT_OK : err;
	err = sg_check_privileges();
	if (err)
		return err;

	if (ifname) {
		int ifindex;

		err = sg_cli_ifindex(ifname, &ifindex);
		if (err)
			return err;
		err = sg_defense_open(ifindex, &one);
		if (err == -EEXIST || err == -ENOENT) {
			struct sg_leftover lo;
			char ports[1024];
			int open, kind = 0;

			if (sg_leftover_find(ifindex, ifname, &lo))
				kind = 1;
			else if (err == -ENOENT && held_find(ifindex, ports, sizeof(ports), &open))
				kind = 2;
			if (kind) {
				w = sg_env.json ? list_begin() : NULL;
				if (kind == 1)
					show_leftover(w, ifindex, ifname, &lo);
				else
					show_held(w, ifindex, ifname, ports, open);
				list_end(w);
				return SG_EXIT_NOT_PROTECTED;
			}
		}
		if (err)
			return sg_cli_defense_error(ifname, err, &one);
		list = &one;
		n = 1;
		if (sg_defense_read_config(&one, &ocfg))
			memset(&ocfg, 0, sizeof(ocfg));
		complete_ok = complete(&one, &ocfg, (ocfg.flags & SG_CFG_SYNPROXY) ?
				       sg_nft_spx_present(one.ifindex) : 0);
	} else {
		n = sg_defense_list(&list);
		if (n < 0)
			return sg_fail(SG_EXIT_ERROR, "cannot list interfaces: %s", strerror(-n));
	}

	if (sg_env.json) {
		w = jw_new(stdout, sg_env.pretty);
		jw_start_object(w);
		jw_name(w, "interfaces");
		jw_start_array(w);
	}
	if (ifname)
		show(w, &one);
	else if (show_all(w, list, n) == 0 && !w)
		printf("no interface is protected in this network namespace\n");
	if (w)
		jw_end_array(w);
	if (!ifname)
		show_kernel(w);
	if (w) {
		jw_end_object(w);
		jw_free(w);
	}
	if (ifname)
		sg_defense_close(&one);
	else
		sg_defense_free_list(list, n);
	/* a half state is not protected: `status IFACE || protect ...` repairs */
	if (ifname && !complete_ok)
		return SG_EXIT_NOT_PROTECTED;
	return SG_EXIT_OK;
}
