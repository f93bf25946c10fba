// SPDX-License-Identifier: GPL-2.0-only
/* test_conffile.c - /etc/synguard.conf parsing (user/conffile.c) and the
 * protect argument vectors `synguard apply` builds from it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conffile.h"
#include "testlib.h"

static char err[512];

static void reject(const char *name, const char *text, const char *want_in_msg)
{
	struct sg_conf c;

	err[0] = 0;
	if (!sg_conf_parse(text, "t.conf", &c, err, sizeof(err))) {
		SG_FAIL(name, "accepted: %d interfaces", c.n);
		sg_conf_free(&c);
		return;
	}
	SG_EXPECT(name, strstr(err, want_in_msg) && c.n == 0 && !c.ifaces,
		  "message '%s' lacks '%s' (or conf not emptied)", err, want_in_msg);
}

static void argv_is(const char *name, const struct sg_conf_iface *f, const char *want)
{
	char *argv[SG_CONF_ARGV_MAX], got[512] = "";
	int n = sg_conf_protect_argv(f, argv);

	for (int i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? " " : "", argv[i]);
	SG_EXPECT(name, !strcmp(got, want) && argv[n] == NULL && n < SG_CONF_ARGV_MAX,
		  "argv '%s', want '%s'", got, want);
}

int main(void)
{
	struct sg_conf c;
	const char *full =
		"# synguard\n"
		"\n"
		"[eth0]\n"
		"ports = 80,443, 8000-8010\n"
		"  mode=skb  \n"
		"ttl = 70\n"
		"key_file = /etc/synguard.key\n"
		"force = yes\n"
		"enable-syncookies = On\n"
		"; another comment\n"
		"[ veth1 ]\n"
		"ports = 22\n";
	char path[] = "/tmp/sg-conf-XXXXXX";
	FILE *f;
	int fd;

	if (sg_conf_parse(full, "t.conf", &c, err, sizeof(err))) {
		SG_FAIL("conf_full_parses", "%s", err);
		return 1;
	}
	SG_PASS("conf_full_parses");
	SG_EXPECT("conf_two_ifaces", c.n == 2 && !strcmp(c.ifaces[0].ifname, "eth0") &&
		  !strcmp(c.ifaces[1].ifname, "veth1"), "n=%d", c.n);
	SG_EXPECT("conf_values", !strcmp(c.ifaces[0].ports, "80,443, 8000-8010") &&
		  !strcmp(c.ifaces[0].mode, "skb") && c.ifaces[0].ttl == 70 &&
		  !strcmp(c.ifaces[0].key_file, "/etc/synguard.key") && c.ifaces[0].force &&
		  c.ifaces[0].enable_syncookies && c.ifaces[0].line == 3,
		  "eth0 parsed wrong");
	SG_EXPECT("conf_defaults", !c.ifaces[1].mode && !c.ifaces[1].ttl && !c.ifaces[1].key_file &&
		  !c.ifaces[1].force && !c.ifaces[1].enable_syncookies && c.ifaces[1].line == 11,
		  "veth1 defaults wrong (line %d)", c.ifaces[1].line);
	argv_is("conf_argv_full", &c.ifaces[0],
		"protect eth0 --ports 80,443, 8000-8010 --mode skb --ttl 70 --key-file "
		"/etc/synguard.key --force --enable-syncookies --engage auto");
	argv_is("conf_argv_minimal", &c.ifaces[1], "protect veth1 --ports 22 --engage auto");
	sg_conf_free(&c);
	SG_EXPECT("conf_limits_parse", !sg_conf_parse("[eth0]\nports=80\nsyn-limit = 100/24\n"
						      "syn_burst=200\nsyn-limit-prefix6=48\n"
						      "syn-limit-table = 1024\nsynack-limit=5000\n",
						      "t", &c, err, sizeof(err)) && c.n == 1, "%s", err);
	if (c.n == 1)
		argv_is("conf_argv_limits", &c.ifaces[0],
			"protect eth0 --ports 80 --syn-limit 100/24 --syn-burst 200 "
			"--syn-limit-prefix6 48 --syn-limit-table 1024 --synack-limit 5000 "
			"--engage auto");
	sg_conf_free(&c);

	/* how XDP is attached: libxdp's dispatcher and its run priority */
	SG_EXPECT("conf_attach_parse", !sg_conf_parse("[eth0]\nports=80\nattach = libxdp\n"
						      "prio=30\n", "t", &c, err, sizeof(err)) &&
		  c.n == 1, "%s", err);
	if (c.n == 1)
		argv_is("conf_argv_attach", &c.ifaces[0],
			"protect eth0 --ports 80 --attach libxdp --prio 30 --engage auto");
	sg_conf_free(&c);
	SG_EXPECT("conf_attach_bad", sg_conf_parse("[eth0]\nports=80\nattach=dispatcher\n", "t",
						   &c, err, sizeof(err)) &&
		  strstr(err, "auto, libxdp or netlink"), "accepted attach=dispatcher: %s", err);
	SG_EXPECT("conf_prio_bad", sg_conf_parse("[eth0]\nports=80\nprio=0\n", "t", &c, err,
						 sizeof(err)) && strstr(err, "1..1000"),
		  "accepted prio=0: %s", err);

	/* engagement mode: apply's default is auto, the keys become options */
	SG_EXPECT("conf_engage_parse", !sg_conf_parse("[eth0]\nports=80,443\nengage = auto:443\n"
						      "engage-rate=500\nengage_queue = 60%\n"
						      "engage-hold=30\n", "t", &c, err,
						      sizeof(err)) && c.n == 1, "%s", err);
	if (c.n == 1)
		argv_is("conf_argv_engage", &c.ifaces[0],
			"protect eth0 --ports 80,443 --engage auto:443 --engage-rate 500 "
			"--engage-queue 60% --engage-hold 30");
	sg_conf_free(&c);
	SG_EXPECT("conf_engage_always", !sg_conf_parse("[eth0]\nports=80\nengage=always\n", "t",
						       &c, err, sizeof(err)) && c.n == 1, "%s", err);
	if (c.n == 1)
		argv_is("conf_argv_engage_always", &c.ifaces[0],
			"protect eth0 --ports 80 --engage always");
	sg_conf_free(&c);
	reject("conf_engage_bad", "[eth0]\nports=80\nengage = sometimes\n", "t.conf:3: bad --engage");
	reject("conf_engage_rate_bad", "[eth0]\nports=80\nengage-rate = fast\n",
	       "bad --engage-rate 'fast'");
	reject("conf_engage_queue_bad", "[eth0]\nports=80\nengage-queue = 101\n",
	       "bad --engage-queue '101'");
	reject("conf_engage_hold_bad", "[eth0]\nports=80\nengage-hold = 0\n",
	       "bad --engage-hold '0'");
	reject("conf_engage_rate_needs_auto", "[eth0]\nports=80\nengage=always\nengage-rate=5\n",
	       "t.conf:1: [eth0]: --engage-rate needs --engage auto");
	reject("conf_engage_port_unprotected", "[eth0]\nports=80\nengage=auto:81\n",
	       "port 81 is not in --ports");
	reject("conf_engage_no_trigger", "[eth0]\nports=80\nengage-rate=0\nengage-queue=0\n",
	       "would never engage");

	SG_EXPECT("conf_empty_ok", !sg_conf_parse("# nothing\n\n", "t", &c, err, sizeof(err)) &&
		  c.n == 0, "%s", err);
	sg_conf_free(&c);
	SG_EXPECT("conf_no_final_newline", !sg_conf_parse("[lo]\nports=1", "t", &c, err, sizeof(err)) &&
		  c.n == 1, "%s", err);
	sg_conf_free(&c);

	/* refused, with the line number and the reason */
	reject("conf_bad_port", "[eth0]\nports = 0\n", "t.conf:2:");
	reject("conf_bad_port_msg", "[eth0]\nports = 65536\n", "port");
	reject("conf_bad_range", "[eth0]\nports = 10-5\n", "t.conf:2");
	reject("conf_no_ports", "[eth0]\nmode = native\n[eth1]\nports=1\n", "[eth0] has no 'ports'");
	reject("conf_bad_mode", "[eth0]\nports=80\nmode = turbo\n", "bad mode 'turbo'");
	reject("conf_bad_ttl_0", "[eth0]\nports=80\nttl = 0\n", "bad ttl");
	reject("conf_bad_ttl_256", "[eth0]\nports=80\nttl = 256\n", "bad ttl");
	reject("conf_bad_ttl_junk", "[eth0]\nports=80\nttl = 6x\n", "bad ttl");
	reject("conf_bad_bool", "[eth0]\nports=80\nforce = maybe\n", "use yes or no");
	reject("conf_unknown_key", "[eth0]\nports=80\nport = 81\n", "unknown key 'port'");
	reject("conf_key_before_section", "ports = 80\n[eth0]\n", "before any [IFACE]");
	reject("conf_dup_section", "[eth0]\nports=80\n[eth0]\nports=81\n", "given twice");
	reject("conf_dup_ports", "[eth0]\nports=80\nports=81\n", "'ports' given twice");
	reject("conf_bad_header", "[eth0\nports=80\n", "bad section header");
	reject("conf_header_trailing", "[eth0] x\nports=80\n", "bad section header");
	reject("conf_long_ifname", "[abcdefghijklmnop]\nports=80\n", "bad interface name");
	reject("conf_slash_ifname", "[a/b]\nports=80\n", "bad interface name");
	reject("conf_empty_ifname", "[ ]\nports=80\n", "bad interface name");
	reject("conf_no_equals", "[eth0]\nports 80\n", "expected 'key = value'");
	reject("conf_empty_value", "[eth0]\nports =\n", "needs a value");
	reject("conf_bad_syn_limit", "[eth0]\nports=80\nsyn-limit = fast\n", "t.conf:3: bad --syn-limit");
	reject("conf_syn_limit_33", "[eth0]\nports=80\nsyn-limit = 10/33\n", "1..32");
	reject("conf_syn_prefix6_129", "[eth0]\nports=80\nsyn-limit-prefix6 = 129\n", "1..128");
	reject("conf_synack_zero", "[eth0]\nports=80\nsynack-limit = 0\n", "--synack-limit");
	reject("conf_syn_table_huge", "[eth0]\nports=80\nsyn-limit-table = 99999999999\n",
	       "--syn-limit-table");
	reject("conf_burst_needs_limit", "[eth0]\nports=80\nsyn-burst = 5\n", "syn-burst needs");
	reject("conf_line_numbers", "\n\n# c\n[eth0]\nports=80\n\nttl=x\n", "t.conf:7:");

	/* files */
	SG_EXPECT("conf_missing_file", sg_conf_load("/nonexistent/synguard.conf", &c, err,
						      sizeof(err)) && strstr(err, "cannot read"),
		  "%s", err);
	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		SG_SKIP("conf_load_file", "cannot create a temporary file");
	} else {
		fputs("[lo]\nports = 9\n", f);
		fclose(f);
		SG_EXPECT("conf_load_file", !sg_conf_load(path, &c, err, sizeof(err)) && c.n == 1 &&
			  !strcmp(c.ifaces[0].ports, "9"), "%s", err);
		sg_conf_free(&c);
		f = fopen(path, "w");
		fwrite("[lo]\nports=9\n\0x", 1, 15, f);
		fclose(f);
		SG_EXPECT("conf_binary_refused", sg_conf_load(path, &c, err, sizeof(err)) &&
			  strstr(err, "not a text file"), "%s", err);
		unlink(path);
	}
	return sg_test_failures ? 1 : 0;
}
