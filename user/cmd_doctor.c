// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_doctor.c - `synguard doctor [IFACE] [--ports LIST]`: check everything
 * protect needs and everything known to break it, one line per check with a
 * fix, or JSON with -j. Exit 10 if a check failed, 0 otherwise (warnings do
 * not fail). Checks the current network namespace (its sysctls, netfilter
 * rules) and, with IFACE, that interface.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/timex.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "attach.h"
#include "attach_libxdp.h"
#include "cli.h"
#include "cli_iface.h"
#include "commands.h"
#include "common.h"
#include "defense_maps.h"
#include "json.h"
#include "features.h"
#include "ports.h"
#include "sysctl.h"
#include "veth.h"
#include "xdp_features.h"

enum st { ST_OK, ST_WARN, ST_FAIL, ST_SKIP };
static const char *const st_name[] = { "ok", "warn", "fail", "skip" };

#define MAX_CHECKS 24
struct check {
	const char *name;
	enum st st;
	char detail[384];
	char fix[384];
};
static struct check checks[MAX_CHECKS];
static int nchecks;

static struct check *add(const char *name, enum st st, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static struct check *add(const char *name, enum st st, const char *fix, const char *fmt, ...)
{
	struct check *c = &checks[nchecks < MAX_CHECKS ? nchecks++ : MAX_CHECKS - 1];
	va_list ap;

	c->name = name;
	c->st = st;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	snprintf(c->fix, sizeof(c->fix), "%s", fix ? fix : "");
	return c;
}

/* Which defense design this kernel runs (features.h, probed as `synguard
 * status` lists them), and every probed capability that is missing. */
static void doctor_check_kernel(void)
{
	struct sg_feature f[32];
	int n = sg_features_probe(f, 32);
	enum sg_design best = sg_design_best();
	char missing[512] = "none";
	size_t len = 0;

	for (int i = 0; i < n; i++)
		if (!f[i].ok && len < sizeof(missing))
			len += snprintf(missing + len, sizeof(missing) - len, "%s%s",
					len ? ", " : "", f[i].name);
	if (best == SG_DESIGN_HANDOFF)
		add("kernel", ST_OK, NULL, "the handoff defense runs here (XDP answers SYNs, "
		    "kfunc bpf_sk_assign_tcp_reqsk present); features missing: %s", missing);
	else if (best == SG_DESIGN_SYNPROXY)
		add("kernel", ST_WARN, "Linux 6.9 or later runs the handoff defense (no conntrack, "
		    "no nft table)", "the synproxy defense runs here (XDP answers SYNs with the "
		    "kernel's cookies, nftables SYNPROXY completes them, established flows go "
		    "through conntrack); features missing: %s", missing);
	else if (best == SG_DESIGN_KERNEL_COOKIES)
		add("kernel", ST_WARN, "Linux 6.9 or later runs the handoff defense, in which XDP "
		    "answers SYNs (or install nftables with nft_synproxy for the synproxy "
		    "defense)", "only the kernel-cookies defense runs here (the kernel answers "
		    "SYNs, XDP drops forged ACKs); features missing: %s", missing);
	else
		add("kernel", ST_FAIL, "run Linux 6.0 or later with CONFIG_DEBUG_INFO_BTF=y",
		    "no defense can run here; features missing: %s", missing);
}

static void check_privileges(void)
{
	if (geteuid() == 0)
		add("privileges", ST_OK, NULL, "running as root");
	else
		add("privileges", ST_WARN, "run as root, or with CAP_BPF and CAP_NET_ADMIN",
		    "not root: protect needs CAP_BPF and CAP_NET_ADMIN");
}

static void check_freplace(void)
{
	int err = sg_lx_probe_freplace();

	if (!err && sg_lx_probe_pkt_ext() == -EINVAL)
		add("libxdp", ST_OK, NULL, "freplace programs work: protect attaches through "
		    "libxdp's dispatcher. This kernel refuses an extension that changes packet "
		    "data in a slot that does not (Linux 6.13+, 6.12.y), as the dispatchers of "
		    "libxdp before xdp-tools PR #509 (Debian's 1.3.1) have: there protect loads "
		    "its fixed-length build (no packet resizing or XDP metadata; tc validates "
		    "cookie ACKs)");
	else if (!err)
		add("libxdp", ST_OK, NULL, "freplace programs work: protect attaches through "
		    "libxdp's dispatcher and shares interfaces with other XDP programs");
	else if (err == -EPERM && sg_lx_ext_refused_by_type())
		add("libxdp", ST_WARN, "a kernel (build or security policy) that allows "
		    "BPF_PROG_TYPE_EXT is needed to share an interface with other XDP programs",
		    "this kernel refuses every freplace program (BPF_PROG_TYPE_EXT) with EPERM "
		    "before the verifier runs, also as root with CAP_BPF and CAP_PERFMON; "
		    "libxdp's dispatcher is made of them, so protect attaches through netlink, "
		    "alone on the interface");
	else
		add("libxdp", ST_WARN, "a kernel without this restriction is needed to share an "
		    "interface with other XDP programs",
		    "this kernel refuses freplace programs (%s): no libxdp dispatcher; protect "
		    "attaches through netlink, alone on the interface", strerror(-err));
}

static void check_bpffs(void)
{
	char path[64];

	if (!sg_lx_use_bpffs(path, sizeof(path)))
		add("bpffs", ST_OK, NULL, "%s outlives synguard's commands (pins kept)", path);
	else
		add("bpffs", ST_WARN, "mount -t bpf bpf /sys/fs/bpf (in the host's mount namespace)",
		    "no bpffs that outlives this command: nothing is pinned, protect "
		    "attaches through netlink (found again through the device)");
}

static void check_sysctls(void)
{
	long v;

	if (sg_sysctl_read("net.ipv4.tcp_syncookies", &v))
		add("syncookies", ST_FAIL, "mount /proc", "cannot read net.ipv4.tcp_syncookies");
	else if (v == 0)
		add("syncookies", ST_FAIL, "sysctl -w net.ipv4.tcp_syncookies=1 (or protect "
		    "--enable-syncookies)", "net.ipv4.tcp_syncookies=0: the kernel refuses the "
		    "connections synguard hands over");
	else
		add("syncookies", ST_OK, NULL, "net.ipv4.tcp_syncookies=%ld", v);
}

static void check_rp_filter(const char *ifname)
{
	char name[96];
	long all = 0, dev = 0, eff;

	sg_sysctl_read("net.ipv4.conf.all.rp_filter", &all);
	if (ifname) {
		snprintf(name, sizeof(name), "net.ipv4.conf.%s.rp_filter", ifname);
		sg_sysctl_read(name, &dev);
	}
	eff = all > dev ? all : dev;	/* the kernel uses the maximum */
	if (eff == 1)
		add("rp_filter", ST_WARN, "sysctl -w net.ipv4.conf.all.rp_filter=2 (loose) where "
		    "routes are asymmetric", "strict reverse-path filter (rp_filter=1): synguard "
		    "answers SYNs from XDP before the kernel's check, but the ACKs of sources "
		    "whose reverse route is not via %s are then dropped", ifname ? ifname : "the "
		    "interface");
	else
		add("rp_filter", ST_OK, NULL, "rp_filter=%ld", eff);
}

static void check_conntrack(void)
{
	long loose;

	if (sg_sysctl_read("net.netfilter.nf_conntrack_tcp_loose", &loose)) {
		add("conntrack", ST_OK, NULL, "no connection tracking in this network namespace");
		return;
	}
	if (loose == 0)
		add("conntrack", ST_FAIL, "sysctl -w net.netfilter.nf_conntrack_tcp_loose=1, or "
		    "exempt the protected ports from tracking (notrack)",
		    "nf_conntrack_tcp_loose=0: conntrack never sees the SYN (XDP answers it), so "
		    "it marks every cookie ACK INVALID");
	else
		add("conntrack", ST_OK, NULL, "conntrack picks up cookie connections at their "
		    "ACK (nf_conntrack_tcp_loose=%ld)", loose);
}

/* Scan `nft list ruleset` for rules that drop what conntrack did not see
 * start with a SYN, or that drop the protected ports outright. */
static void check_nft(const __u64 *ports)
{
	char line[512], bad[256] = "";
	int nbad = 0;
	FILE *f;

	if (system("command -v nft >/dev/null 2>&1")) {
		add("nftables", ST_SKIP, "install nftables to check the ruleset", "nft not installed");
		return;
	}
	f = popen("nft list ruleset 2>/dev/null", "r");
	if (!f) {
		add("nftables", ST_SKIP, NULL, "cannot run nft");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		bool drops = strstr(line, " drop") || strstr(line, " reject");
		bool hit = false;

		if (!drops)
			continue;
		if (strstr(line, "ct state invalid") ||
		    (strstr(line, "ct state new") && strstr(line, "tcp flags")))
			hit = true;
		if (ports) {
			const char *d = strstr(line, "dport ");

			if (d) {
				long p = strtol(d + 6, NULL, 10);

				if (p > 0 && p < 65536 && sg_port_is_set(ports, (__u16)p))
					hit = true;
			}
		}
		if (!hit)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (!nbad++)
			snprintf(bad, sizeof(bad), "%s", line + strspn(line, " \t"));
	}
	pclose(f);
	if (nbad)
		add("nftables", ST_FAIL, "accept the protected ports before such rules, or use "
		    "nf_conntrack_tcp_loose=1 without 'ct state invalid drop' for them",
		    "%d rule%s drop%s synguard's cookie ACKs (conntrack never saw their SYN), "
		    "e.g. '%s'", nbad, nbad == 1 ? "" : "s", nbad == 1 ? "s" : "", bad);
	else
		add("nftables", ST_OK, NULL, "no rule drops connections that start at their ACK");
}

static void check_clock(void)
{
	struct timex tx = {};
	int r = adjtimex(&tx);

	if (r == TIME_ERROR || (tx.status & STA_UNSYNC))
		add("clock", ST_WARN, "run NTP (chrony, systemd-timesyncd) on hosts that share "
		    "a --key-file", "the clock is not synchronized: hosts sharing a key must "
		    "agree on the cookie period (68.7 s); alone, it does not matter");
	else
		add("clock", ST_OK, NULL, "synchronized (offset estimate %ld us)",
		    tx.esterror);
}

static void driver_name(const char *ifname, char *buf, size_t len)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(buf, len, "unknown");
	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&di;
	if (!ioctl(fd, SIOCETHTOOL, &ifr))
		snprintf(buf, len, "%s", di.driver);
	close(fd);
}

static void check_driver(int ifindex, const char *ifname)
{
	char drv[32];
	__u64 feat;
	int err;

	driver_name(ifname, drv, sizeof(drv));
	err = sg_xdp_features(ifindex, &feat);
	if (err)
		add("driver", ST_SKIP, NULL, "driver %s; the kernel does not report XDP features "
		    "(%s): protect falls back to generic mode if native attach fails", drv,
		    strerror(-err));
	else if (feat & SG_XDP_ACT_BASIC)
		add("driver", ST_OK, NULL, "driver %s has native XDP with XDP_TX", drv);
	else
		add("driver", ST_WARN, "use a NIC whose driver has native XDP for full speed",
		    "driver %s has no native XDP: protect uses generic (skb) mode, which "
		    "works but costs more per packet", drv);
}

static void check_veth(int ifindex, const char *ifname, const struct sg_defense *d, bool prot)
{
	struct sg_veth_peer v;

	if (sg_veth_peer(ifindex, &v) || !v.is_veth) {
		add("veth_peer", ST_OK, NULL, "%s is not a veth", ifname);
		return;
	}
	if (v.peer_known && v.peer_xdp_id) {
		add("veth_peer", ST_OK, NULL, "peer %s runs XDP program id %u: native XDP_TX "
		    "works", v.peer_name, v.peer_xdp_id);
		return;
	}
	if (prot && d->mode == SG_MODE_NATIVE)
		add("veth_peer", ST_FAIL, "synguard unprotect, then protect without -m (generic "
		    "mode), or attach an XDP program to the peer",
		    "protected in native mode, but the peer %s runs no XDP program: SYN-ACKs "
		    "wait in its queue and handshakes stall", v.peer_known ? v.peer_name : "?");
	else
		add("veth_peer", ST_WARN, "none needed: protect uses generic mode here; for native "
		    "mode attach an XDP program to the peer", "the peer %s runs no XDP program: "
		    "native XDP_TX would stall, so protect chooses generic (skb) mode",
		    v.peer_known ? v.peer_name : "(not reachable)");
}

static void check_xdp_programs(const char *ifname, const struct sg_defense *d, int oerr)
{
	if (oerr == -ENOENT) {
		add("xdp_programs", ST_OK, NULL, "no XDP program on %s", ifname);
	} else if (oerr == 0) {
		add("xdp_programs", ST_OK, NULL, "synguard's only (%s)",
		    d->dispatcher_id ? "in a libxdp dispatcher" : "attached through netlink");
	} else if (oerr == -EEXIST && d->foreign_dispatcher && !sg_lx_probe_freplace()) {
		add("xdp_programs", ST_OK, NULL, "a libxdp dispatcher (id %u): protect joins it",
		    d->foreign_id);
	} else if (oerr == -EEXIST) {
		add("xdp_programs", ST_FAIL, "load it through libxdp (xdp-loader) on a kernel with "
		    "freplace so both share the interface, or protect --force to replace it",
		    "'%s' (id %u, %s mode) is attached alone: protect would refuse (exit 6)",
		    d->foreign_name, d->foreign_id, sg_mode_name(d->foreign_mode));
	} else {
		add("xdp_programs", ST_FAIL, NULL, "cannot query XDP on %s: %s", ifname,
		    strerror(-oerr));
	}
}

static void check_protected(const struct sg_defense *d, bool prot)
{
	if (!prot)
		add("protection", ST_OK, NULL, "not protected");
	else if (!d->tc_id)
		add("protection", ST_FAIL, "run 'synguard protect IFACE --ports ...' again",
		    "protected, but the tc handoff is missing: valid cookie ACKs cannot reach "
		    "the listener");
	else
		add("protection", ST_OK, NULL, "protected (%s mode, %s), xdp id %u, tc id %u",
		    sg_mode_name(d->mode), d->dispatcher_id ? "libxdp" : "netlink", d->xdp_id,
		    d->tc_id);
}

static void print_checks(const char *ifname)
{
	int fails = 0, warns = 0;

	for (int i = 0; i < nchecks; i++) {
		fails += checks[i].st == ST_FAIL;
		warns += checks[i].st == ST_WARN;
	}
	if (sg_env.json) {
		struct jw *w = jw_new(stdout, sg_env.pretty);

		jw_start_object(w);
		jw_name(w, "ifname");
		if (ifname)
			jw_string(w, ifname);
		else
			jw_null(w);
		jw_name(w, "checks");
		jw_start_array(w);
		for (int i = 0; i < nchecks; i++) {
			jw_start_object(w);
			jw_string_field(w, "name", checks[i].name);
			jw_string_field(w, "status", st_name[checks[i].st]);
			jw_string_field(w, "detail", checks[i].detail);
			jw_name(w, "fix");
			if (checks[i].fix[0] && checks[i].st != ST_OK)
				jw_string(w, checks[i].fix);
			else
				jw_null(w);
			jw_end_object(w);
		}
		jw_end_array(w);
		jw_int_field(w, "failed", fails);
		jw_int_field(w, "warnings", warns);
		jw_end_object(w);
		jw_free(w);
		return;
	}
	for (int i = 0; i < nchecks; i++) {
		const struct check *c = &checks[i];

		printf("%-4s  %-12s %s", st_name[c->st], c->name, c->detail);
		if (c->st != ST_OK && c->fix[0])
			printf(" -- fix: %s", c->fix);
		printf("\n");
	}
	printf("%d check%s: %d failed, %d warning%s\n", nchecks, nchecks == 1 ? "" : "s", fails,
	       warns, warns == 1 ? "" : "s");
}

int cmd_doctor(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "ports", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	__u64 ports[SG_PORT_WORDS];
	const char *ifname = NULL, *ports_arg = NULL;
	const __u64 *scan_ports = NULL;
	struct sg_defense d;
	struct sg_config cfg;
	char err_msg[256];
	bool prot = false;
	int c, err, ifindex = 0, oerr = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":P:jph", lopts, NULL)) != -1) {
		if (c == 'P') {
			ports_arg = optarg;
		} else if ((err = sg_cli_opt("doctor", c, argv))) {
			return err < 0 ? SG_EXIT_OK : err;
		}
	}
	if (optind < argc)
		ifname = argv[optind++];
	if (optind < argc)
		return sg_fail(SG_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	if (ports_arg) {
		if (sg_ports_parse(ports_arg, ports, err_msg, sizeof(err_msg)) < 0)
			return sg_fail(SG_EXIT_USAGE, "%s", err_msg);
		scan_ports = ports;
	}
	if (ifname) {
		int err = sg_cli_ifindex(ifname, &ifindex);

		if (err)
			return err;
	}

	check_privileges();
	doctor_check_kernel();
	check_freplace();
	check_bpffs();
	check_sysctls();
	check_rp_filter(ifname);
	check_conntrack();
	if (ifindex) {
		oerr = sg_defense_open(ifindex, &d);
		prot = oerr == 0;
		if (prot && !scan_ports && !sg_defense_read_config(&d, &cfg)) {
			memcpy(ports, cfg.ports, sizeof(ports));
			scan_ports = ports;
		}
		check_driver(ifindex, ifname);
		check_veth(ifindex, ifname, &d, prot);
		check_xdp_programs(ifname, &d, oerr);
		check_protected(&d, prot);
		if (prot)
			sg_defense_close(&d);
	}
	check_nft(scan_ports);
	check_clock();
	print_checks(ifname);
	for (int i = 0; i < nchecks; i++)
		if (checks[i].st == ST_FAIL)
			return SG_EXIT_DOCTOR;
	return SG_EXIT_OK;
}
