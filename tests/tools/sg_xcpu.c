// SPDX-License-Identifier: GPL-2.0-only
/*
 * sg_xcpu - one TCP handshake whose SYN and final ACK leave on different
 * CPUs, for the multi-queue tests: a cookie issued by the XDP program on one
 * CPU must validate on the other.
 *
 *   sg_xcpu -i IFACE --src ADDR --dst ADDR --dport P --dst-mac MAC
 *           [--sport S] [--syn-cpu 0] [--ack-cpu 1] [--timeout-ms 2000]
 *
 * Frames go out through an AF_PACKET socket (veth runs the receiver's XDP on
 * the sending CPU). The SYN carries Linux's options; the ACK echoes the
 * SYN-ACK's timestamp. The client's kernel answers the SYN-ACK with a RST (it
 * has no socket); a listener ignores that. Prints one JSON line; exit 0 if
 * the SYN-ACK came and the ACK was sent, 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pkt.h"
#include "toolutil.h"

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -1;
	sched_yield(); /* move now, before the next send */
	return sched_getcpu() == cpu ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "iface", required_argument, 0, 'i' },
		{ "src", required_argument, 0, 'S' },
		{ "dst", required_argument, 0, 'D' },
		{ "dport", required_argument, 0, 'p' },
		{ "sport", required_argument, 0, 's' },
		{ "dst-mac", required_argument, 0, 'M' },
		{ "syn-cpu", required_argument, 0, '0' },
		{ "ack-cpu", required_argument, 0, '1' },
		{ "timeout-ms", required_argument, 0, 't' },
		{ 0 }
	};
	const char *iface = NULL, *src = NULL, *dst = NULL;
	uint64_t dport = 0, sport = 40000 + (getpid() % 20000), syn_cpu = 0, ack_cpu = 1;
	uint64_t timeout_ms = 2000;
	uint8_t dmac[6], buf[PKT_MAX];
	bool have_mac = false, got = false;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct pkt_spec s;
	struct pkt_info synack = {};
	struct ifreq ifr = {};
	uint32_t isn = 0x1000000 + (uint32_t)getpid() * 7919u;
	int c, fd, len, syn_on, ack_on;
	uint64_t deadline;

	while ((c = getopt_long(argc, argv, "i:", lo, NULL)) != -1) {
		switch (c) {
		case 'i': iface = optarg; break;
		case 'S': src = optarg; break;
		case 'D': dst = optarg; break;
		case 'p': if (tu_parse_uint(optarg, 1, 65535, &dport)) goto usage; break;
		case 's': if (tu_parse_uint(optarg, 1, 65535, &sport)) goto usage; break;
		case 'M': if (tu_parse_mac(optarg, dmac)) goto usage; have_mac = true; break;
		case '0': if (tu_parse_uint(optarg, 0, CPU_SETSIZE - 1, &syn_cpu)) goto usage; break;
		case '1': if (tu_parse_uint(optarg, 0, CPU_SETSIZE - 1, &ack_cpu)) goto usage; break;
		case 't': if (tu_parse_uint(optarg, 1, 600000, &timeout_ms)) goto usage; break;
		default: goto usage;
		}
	}
	if (!iface || !src || !dst || !dport || !have_mac)
		goto usage;

	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	sll.sll_ifindex = (int)if_nametoindex(iface);
	if (!sll.sll_ifindex || ioctl(fd, SIOCGIFHWADDR, &ifr) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror(iface);
		return 1;
	}

	pkt_spec_init(&s);
	if (strchr(dst, ':'))
		pkt_set_v6(&s, src, dst);
	else
		pkt_set_v4(&s, src, dst);
	memcpy(s.smac, ifr.ifr_hwaddr.sa_data, 6);
	memcpy(s.dmac, dmac, 6);
	s.sport = (uint16_t)sport;
	s.dport = (uint16_t)dport;
	s.seq = isn;
	s.flags = PKT_SYN;
	pkt_linux_syn_opts(&s, s.ipv6 ? 1440 : 1460, 12345);

	if (pin((int)syn_cpu)) {
		fprintf(stderr, "cannot run on CPU %lu\n", (unsigned long)syn_cpu);
		return 1;
	}
	syn_on = sched_getcpu();
	len = pkt_build(&s, buf);
	if (send(fd, buf, len, 0) != len) {
		perror("send SYN");
		return 1;
	}
	deadline = tu_now_ns() + timeout_ms * 1000000ULL;
	while (!got && tu_now_ns() < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		char err[64];
		int n;

		if (poll(&p, 1, 50) <= 0)
			continue;
		n = (int)recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n <= 0 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (pkt_parse(buf, n, &synack, err, sizeof(err)) || synack.ipv6 != s.ipv6)
			continue;
		got = synack.sport == s.dport && synack.dport == s.sport &&
		      (synack.flags & (PKT_SYN | PKT_ACK)) == (PKT_SYN | PKT_ACK) &&
		      synack.ack == isn + 1;
	}
	if (!got) {
		printf("{\"synack\":false,\"syn_cpu\":%d}\n", syn_on);
		return 1;
	}

	if (pin((int)ack_cpu)) {
		fprintf(stderr, "cannot run on CPU %lu\n", (unsigned long)ack_cpu);
		return 1;
	}
	ack_on = sched_getcpu();
	s.flags = PKT_ACK;
	s.seq = isn + 1;
	s.ack = synack.seq + 1;
	memset(&s.opt, 0, sizeof(s.opt));
	if (synack.opt.ts) {
		s.opt.ts = true;
		s.opt.tsval = 12346;
		s.opt.tsecr = synack.opt.tsval;
	}
	len = pkt_build(&s, buf);
	if (send(fd, buf, len, 0) != len) {
		perror("send ACK");
		return 1;
	}
	printf("{\"synack\":true,\"syn_cpu\":%d,\"ack_cpu\":%d,\"sport\":%u,\"cookie\":%u}\n",
	       syn_on, ack_on, s.sport, synack.seq);
	close(fd);
	return 0;
usage:
	fprintf(stderr, "usage: sg_xcpu -i IFACE --src ADDR --dst ADDR --dport P --dst-mac MAC "
		"[--sport S] [--syn-cpu N] [--ack-cpu N] [--timeout-ms T]\n");
	return 2;
}
