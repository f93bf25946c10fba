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
#include <sys/utsname.h>

#include "attach.h"
#include "commands.h"
#include "cli.h"
#include "common.h"
#include "defense_maps.h"
#include "features.h"
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

static void show(struct jw *w, const struct sg_defense *d)
{
	struct sg_config cfg;
	char since[32], ports[1024], pin_dir[PATH_MAX];
	enum sg_design design;
	bool pinned;

	if (sg_defense_read_config(d, &cfg))
		memset(&cfg, 0, sizeof(cfg));
	design = (cfg.flags & SG_CFG_KERNEL_COOKIES) ? SG_DESIGN_KERNEL_COOKIES :
							SG_DESIGN_HANDOFF;
	iso_time(cfg.since_unix, since, sizeof(since));
	if (sg_ports_format(cfg.ports, ports, sizeof(ports)) >= sizeof(ports))
		strcpy(ports + sizeof(ports) - 5, "...");
	pinned = !sg_pin_dir(d->ifname, pin_dir, sizeof(pin_dir)) &&
		 sg_pins_match(pin_dir, d->xdp_id);

	if (w) {
		jw_start_object(w);
		jw_string_field(w, "ifname", d->ifname);
		jw_int_field(w, "ifindex", d->ifindex);
		jw_name(w, "ports");
		jw_start_array(w);
		sg_ports_foreach(cfg.ports, json_port, w);
		jw_end_array(w);
		jw_string_field(w, "mode", sg_mode_name(d->mode));
		jw_string_field(w, "defense", sg_design_name(design));
		jw_string_field(w, "since", since);
		jw_uint_field(w, "since_unix", cfg.since_unix);
		jw_uint_field(w, "updated_unix", cfg.updated_unix);
		jw_uint_field(w, "ttl", cfg.ttl);
		jw_uint_field(w, "xdp_prog_id", d->xdp_id);
		jw_uint_field(w, "tc_prog_id", d->tc_id);
		jw_bool_field(w, "healthy", d->tc_id != 0 || design == SG_DESIGN_KERNEL_COOKIES);
		jw_name(w, "pin_dir");
		if (pinned)
			jw_string(w, pin_dir);
		else
			jw_null(w);
		jw_end_object(w);
		return;
	}
	printf("%s (ifindex %d): protected since %s\n", d->ifname, d->ifindex, since);
	printf("  ports:    %s\n", ports);
	printf("  mode:     %s\n", sg_mode_name(d->mode));
	printf("  defense:  %s\n", sg_design_name(design));
	printf("  ttl:      %u\n", cfg.ttl);
	printf("  xdp prog: id %u\n", d->xdp_id);
	if (design == SG_DESIGN_KERNEL_COOKIES)
		printf("  tc prog:  none (not needed by the kernel-cookies defense)\n");
	else if (d->tc_id)
		printf("  tc prog:  id %u\n", d->tc_id);
	else
		printf("  tc prog:  MISSING - valid cookie ACKs cannot reach the listener; "
		       "run 'synguard protect %s ...' again to repair\n", d->ifname);
	printf("  pin dir:  %s\n", pinned ? pin_dir : "none");
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
	return SG_EXIT_OK;
}
