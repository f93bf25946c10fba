// SPDX-License-Identifier: GPL-2.0-only
/* nft_synproxy.c - synguard's nftables table; see nft_synproxy.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "nft_synproxy.h"
#include "ports.h"
#include "synguard.h"

/* before the usual filter chains (priority 0): the marked ACK is consumed
 * here, the SYN synproxy then sends to the listener passes through every
 * input chain like any local SYN */
#define SG_NFT_PRIO "-5"

void sg_nft_spx_table(int ifindex, char *buf, size_t len)
{
	snprintf(buf, len, "synguard_if%d", ifindex);
}

/* Run `nft ARGS -f -` with script on stdin; its output (at most len - 1
 * bytes, trailing newlines cut) in out. Returns nft's exit status, or -1
 * if it could not run (out says why). */
static int run_nft(const char *mode, const char *script, char *out, size_t len)
{
	static const char *const paths[] = { "nft", "/usr/sbin/nft", "/sbin/nft" };
	int in[2], res[2], status;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	if (len)
		out[0] = '\0';
	if (pipe2(in, O_CLOEXEC))
		return snprintf(out, len, "pipe: %s", strerror(errno)), -1;
	if (pipe2(res, O_CLOEXEC)) {
		close(in[0]);
		close(in[1]);
		return snprintf(out, len, "pipe: %s", strerror(errno)), -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(out, len, "fork: %s", strerror(errno));
		close(in[0]), close(in[1]), close(res[0]), close(res[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(res[1], 1);
		dup2(res[1], 2);
		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
			if (mode)
				execvp(paths[i], (char *const[]){ (char *)paths[i], (char *)mode,
								 "-f", "-", NULL });
			else
				execvp(paths[i], (char *const[]){ (char *)paths[i], "-f", "-",
								 NULL });
		}
		dprintf(2, "cannot run nft (nftables not installed?): %s", strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(res[1]);
	/* the script is far below a pipe's buffer: no deadlock with nft's output */
	signal(SIGPIPE, SIG_IGN);
	if (write(in[1], script, strlen(script)) < 0)
		(void)0;	/* nft died: its status and output tell why */
	close(in[1]);
	while (len && n < len - 1 && (r = read(res[0], out + n, len - 1 - n)) > 0)
		n += (size_t)r;
	if (len) {
		out[n] = '\0';
		while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
			out[--n] = '\0';
		for (size_t i = 0; i < n; i++)
			if (out[i] == '\n' || out[i] == '\t')
				out[i] = ' ';
	}
	close(res[0]);
	if (waitpid(pid, &status, 0) < 0)
		return snprintf(out, len, "waitpid: %s", strerror(errno)), -1;
	if (!WIFEXITED(status))
		return snprintf(out, len, "nft killed by signal %d", WTERMSIG(status)), -1;
	if (WEXITSTATUS(status) == 127)
		return -1;
	return WEXITSTATUS(status);
}

static long read_long(const char *path, int field, long dflt)
{
	FILE *f = fopen(path, "r");
	long v = dflt, x;

	if (!f)
		return dflt;
	for (int i = 0; i <= field; i++) {
		if (fscanf(f, "%ld", &x) != 1)
			break;
		if (i == field)
			v = x;
	}
	fclose(f);
	return v;
}

static int dev_mtu(const char *ifname)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), mtu = 1500;

	if (fd < 0)
		return mtu;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0)
		mtu = ifr.ifr_mtu;
	close(fd);
	return mtu;
}

/* A changing script: 0, or -1 with nft's message (or why it did not run) */
static int change(const char *script, char *err, size_t len)
{
	int rc = run_nft(NULL, script, err, len);

	if (rc == 0)
		return 0;
	if (rc > 0 && !*err)
		snprintf(err, len, "nft exited with status %d", rc);
	return -1;
}

/* The listing of our table of ifindex in out; nft's exit status or -1.
 * (`list` in a script: no listing of the rest of the ruleset.) */
static int list_table(int ifindex, char *out, size_t len)
{
	char name[32], script[64];

	sg_nft_spx_table(ifindex, name, sizeof(name));
	snprintf(script, sizeof(script), "list table inet %s\n", name);
	return run_nft(NULL, script, out, len);
}

/*
 * The rule. For an ACK, the kernel's synproxy takes the options from the
 * cookie and the TS bits of the ACK (nft_synproxy_eval_v4/v6 ->
 * synproxy_recv_client_ack), not from the rule; XDP chose them per SYN from
 * the listener (synproxy.h). The rule's mss/wscale/timestamp/sack-perm only
 * apply to a SYN that the kernel's synproxy answers itself, which this rule
 * never sees (ACKs only); they are still what the kernel would announce on
 * this interface by default: MTU - 40, the window scale of
 * tcp_select_initial_window() for max(tcp_rmem[2], rmem_max), and the
 * netns' tcp_timestamps / tcp_sack / tcp_window_scaling.
 */
int sg_nft_spx_rule(const char *ifname, char *buf, size_t len)
{
	long rmem = read_long("/proc/sys/net/ipv4/tcp_rmem", 2, 6291456);
	long rmax = read_long("/proc/sys/net/core/rmem_max", 0, 212992);
	long space = rmem > rmax ? rmem : rmax;
	int ws = 0, ts = read_long("/proc/sys/net/ipv4/tcp_timestamps", 0, 1) != 0;
	int sack = read_long("/proc/sys/net/ipv4/tcp_sack", 0, 1) != 0;
	int wsok = read_long("/proc/sys/net/ipv4/tcp_window_scaling", 0, 1) != 0;
	char wsbuf[16] = "";

	while (ws < 14 && (space >> (ws + 16)) > 0)	/* ilog2(space) - 15, clamped */
		ws++;
	if (wsok)
		snprintf(wsbuf, sizeof(wsbuf), " wscale %d", ws);
	return snprintf(buf, len, "meta mark 0x%08x tcp flags & (fin|syn|rst|ack) == ack "
			"synproxy mss %d%s%s%s", SG_SPX_MARK, dev_mtu(ifname) - 40, wsbuf,
			ts ? " timestamp" : "", sack ? " sack-perm" : "") >= (int)len ? -1 : 0;
}

/* The line of table name's script that adds the rule dropping what
 * conntrack calls invalid on its way to a protected port (ports:
 * "80,8000-8010") from ifindex, or "" where the rule cannot be used. Such a segment may be the client's next segment
 * overtaking its proxied handshake: SYNPROXY's SYN has reached the listener,
 * which made its request socket (XDP finds it and passes the segment), but
 * the listener's SYN-ACK is not through conntrack yet, so conntrack cannot
 * translate the segment's ACK number and calls it invalid; untranslated,
 * the listener answers it with a RST that resets the client. Dropped, the
 * client sends it again. (The kernel's own SYNPROXY recipe drops invalid
 * packets too.) Not with net.netfilter.nf_conntrack_tcp_loose=0: then
 * every connection opened before conntrack started is invalid as well. */
static int invalid_rule(const char *name, int ifindex, const char *ports, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!*ports || !read_long("/proc/sys/net/netfilter/nf_conntrack_tcp_loose", 0, 1))
		return 0;
	return snprintf(buf, len, "add rule inet %s input iif %d tcp dport { %s } ct state invalid "
			"tcp flags & (syn|rst|ack) == ack drop\n", name, ifindex, ports) >= (int)len ?
		-1 : 0;
}

/* The whole table in one transaction: `add` then `delete` makes the delete
 * succeed whether or not it existed, so the result is exactly our table. */
static int table_script(const char *name, const char *comment, const char *rule,
			const char *invalid, char *buf, size_t len)
{
	return snprintf(buf, len,
			"add table inet %s\n"
			"delete table inet %s\n"
			"add table inet %s { comment \"%s\"; }\n"
			"add chain inet %s input { type filter hook input priority " SG_NFT_PRIO
			"; policy accept; }\n"
			/* a marked ACK whose connection conntrack already opened
			 * towards the listener (the client's next segment
			 * overtook the listener's handshake over loopback):
			 * dropped, the client sends it again; to the listener
			 * it would be an ACK without a request socket (RST) */
			"add rule inet %s input meta mark 0x%08x ct status & confirmed == confirmed "
			"drop\n"
			"add rule inet %s input %s\n"
			"%s",
			name, name, name, comment, name, name, SG_SPX_MARK, name, rule,
			invalid) >= (int)len ? -1 : 0;
}

/* The comment of a hold table carries the ports: the next unprotect checks
 * them again */
#define SG_HOLD_TAG "synguard hold ports="

static int apply(const char *ifname, int ifindex, const char *comment, const char *ports,
		 char *err, size_t len)
{
	char name[32], rule[256], invalid[SG_PORTS_TEXT_MAX + 128], script[2 * SG_PORTS_TEXT_MAX + 1024];

	sg_nft_spx_table(ifindex, name, sizeof(name));
	if (sg_nft_spx_rule(ifname, rule, sizeof(rule)) ||
	    invalid_rule(name, ifindex, ports, invalid, sizeof(invalid)) ||
	    table_script(name, comment, rule, invalid, script, sizeof(script)))
		return snprintf(err, len, "nft rule too long"), -1;
	return change(script, err, len);
}

int sg_nft_spx_apply(const char *ifname, int ifindex, const __u64 ports[SG_PORT_WORDS],
		     char *err, size_t len)
{
	char text[SG_PORTS_TEXT_MAX];

	if (sg_ports_format(ports, text, sizeof(text)) >= sizeof(text))
		return snprintf(err, len, "port list too long for nft"), -1;
	return apply(ifname, ifindex, "synguard synproxy defense", text, err, len);
}

/* The same table: its SYNPROXY statement keeps the kernel's synproxy hooks
 * on, which translate the proxied connections' timestamps (besides
 * conntrack's sequence numbers). Nothing marks packets for it any more:
 * unprotect removed the tc program first. */
int sg_nft_spx_hold(const char *ifname, int ifindex, const char *ports, char *err, size_t len)
{
	char comment[SG_PORTS_TEXT_MAX + 32];

	if (snprintf(comment, sizeof(comment), SG_HOLD_TAG "%s", ports) >= (int)sizeof(comment))
		return snprintf(err, len, "port list too long"), -1;
	return apply(ifname, ifindex, comment, ports, err, len);
}

int sg_nft_spx_remove(int ifindex, char *err, size_t len)
{
	char name[32], script[128];

	sg_nft_spx_table(ifindex, name, sizeof(name));
	snprintf(script, sizeof(script), "add table inet %s\ndelete table inet %s\n", name, name);
	return change(script, err, len);
}

int sg_nft_spx_list(int ifindex, char *hold_ports, size_t len)
{
	char out[3 * SG_PORTS_TEXT_MAX + 1024], *p, *q;
	int rc = list_table(ifindex, out, sizeof(out));

	if (rc < 0)
		return -1;
	if (rc != 0 || !strstr(out, "synproxy"))
		return 0;
	if (!len)
		return 1;
	hold_ports[0] = '\0';
	if ((p = strstr(out, SG_HOLD_TAG))) {
		p += strlen(SG_HOLD_TAG);
		q = strchr(p, '"');
		snprintf(hold_ports, len, "%.*s", q ? (int)(q - p) : (int)strlen(p), p);
	}
	return 1;
}

int sg_nft_spx_tables(int *ifindex, int max)
{
	static const char tag[] = "table inet synguard_if";
	char out[8192], *p = out;
	int n = 0, idx;

	if (run_nft(NULL, "list tables inet\n", out, sizeof(out)) != 0)
		return -1;
	while (n < max && (p = strstr(p, tag))) {
		p += strlen(tag);
		if (sscanf(p, "%d", &idx) == 1 && idx > 0)
			ifindex[n++] = idx;
	}
	return n;
}

int sg_nft_spx_present(int ifindex)
{
	return sg_nft_spx_list(ifindex, NULL, 0);
}

int sg_nft_spx_probe(char *why, size_t len)
{
	char script[1024], invalid[160], out[256];
	int rc;

	/* the rules as protect writes them (lo: ifindex 1 in every netns) */
	if (invalid_rule("synguard_probe", 1, "80", invalid, sizeof(invalid)) ||
	    table_script("synguard_probe", "synguard probe", "meta mark 0x53475059 tcp flags & (fin|syn|rst|ack) "
			 "== ack synproxy mss 1460 wscale 7 timestamp sack-perm", invalid, script,
			 sizeof(script)))
		return 0;
	/* --check: the kernel validates the transaction, then it is dropped */
	rc = run_nft("--check", script, out, sizeof(out));
	if (rc == 0)
		return 1;
	snprintf(why, len, "%s", *out ? out : "nft --check refused the synproxy rule");
	return 0;
}
