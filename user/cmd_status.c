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

#include "attach.h"
#include "attach_libxdp.h"
#include "commands.h"
#include "cli.h"
#include "common.h"
#include "defense_maps.h"
#include "json.h"
#include "pins.h"
#include "ports.h"

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
	bool pinned;

	if (sg_defense_read_config(d, &cfg))
		memset(&cfg, 0, sizeof(cfg));
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
		jw_name(w, "ports");
		jw_start_array(w);
		sg_ports_foreach(cfg.ports, json_port, w);
		jw_end_array(w);
		jw_string_field(w, "mode", sg_mode_name(d->mode));
		jw_string_field(w, "since", since);
		jw_uint_field(w, "since_unix", cfg.since_unix);
		jw_uint_field(w, "updated_unix", cfg.updated_unix);
		jw_uint_field(w, "ttl", cfg.ttl);
		jw_uint_field(w, "xdp_prog_id", d->xdp_id);
		jw_uint_field(w, "tc_prog_id", d->tc_id);
		jw_bool_field(w, "healthy", d->tc_id != 0);
		jw_name(w, "pin_dir");
		if (pinned)
			jw_string(w, pin_dir);
		else
			jw_null(w);
		jw_string_field(w, "attach", d->dispatcher_id ? "libxdp" : "netlink");
		jw_uint_field(w, "dispatcher_prog_id", d->dispatcher_id);
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
	printf("%s (ifindex %d): protected since %s\n", d->ifname, d->ifindex, since);
	printf("  ports:    %s\n", ports);
	printf("  mode:     %s\n", sg_mode_name(d->mode));
	printf("  ttl:      %u\n", cfg.ttl);
	printf("  xdp prog: id %u\n", d->xdp_id);
	if (d->tc_id)
		printf("  tc prog:  id %u\n", d->tc_id);
	else
		printf("  tc prog:  MISSING - valid cookie ACKs cannot reach the listener; "
		       "run 'synguard protect %s ...' again to repair\n", d->ifname);
	printf("  pin dir:  %s\n", pinned ? pin_dir : "none");
	if (!d->dispatcher_id) {
		printf("  attach:   netlink (the interface's only XDP program)\n");
		return;
	}
	printf("  attach:   libxdp dispatcher id %u\n", d->dispatcher_id);
	if (oerr)
		printf("  others:   unknown (libxdp's pins are not reachable here: %s)\n",
		       strerror(-oerr));
	else if (!noth)
		printf("  others:   none\n");
	for (int i = 0; i < noth; i++)
		printf("  other:    %s (id %u, run priority %d, chain on %s)\n", oth[i].name,
		       oth[i].id, oth[i].prio, oth[i].chain[0] ? oth[i].chain : "-");
}

int cmd_status(int argc, char **argv)
{
	struct sg_defense *list = NULL, one;
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
		int ifindex = if_nametoindex(ifname);

		if (!ifindex)
			return sg_fail(SG_EXIT_NODEV, "no such network interface '%s' in this "
				       "network namespace", ifname);
		err = sg_defense_open(ifindex, &one);
		if (err == -EEXIST)
			return sg_fail(SG_EXIT_NOT_PROTECTED, "%s is not protected by synguard "
				       "(it runs XDP program '%s', id %u)", ifname,
				       one.foreign_name, one.foreign_id);
		if (err == -EPROTO)
			return sg_fail(SG_EXIT_ERROR, "%s runs a synguard XDP program from an "
				       "incompatible build", ifname);
		if (err == -ENOENT)
			return sg_fail(SG_EXIT_NOT_PROTECTED, "%s is not protected by synguard",
				       ifname);
		if (err)
			return sg_fail(SG_EXIT_ERROR, "cannot query XDP on %s: %s", ifname,
				       strerror(-err));
		list = &one;
		n = 1;
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
	} else if (n == 0) {
		printf("no interface is protected in this network namespace\n");
	}
	for (int i = 0; i < n; i++)
		show(w, &list[i]);
	if (w) {
		jw_end_array(w);
		jw_end_object(w);
		jw_free(w);
	}
	if (ifname)
		sg_defense_close(&one);
	else
		sg_defense_free_list(list, n);
	return SG_EXIT_OK;
}
