// SPDX-License-Identifier: GPL-2.0-only
/*
 * sg_rawhs - one TCP handshake made by hand over an AF_PACKET socket, with
 * the final ACK held back: a client whose round trip takes --delay-ms (this
 * kernel has no netem), or, with a long delay, the replay of a captured ACK.
 *
 *   sg_rawhs -i IFACE -s SRC4 -d DST4 -p PORT --dmac MAC [--delay-ms N]
 *            [--no-ts] [--ack-no-ts] [--sport P] [--next-after-ms N]
 *
 * Sends a Linux-like SYN (MSS 1460, SACK, WS 7, TS unless --no-ts), waits for
 * the SYN-ACK, sleeps --delay-ms, then sends the ACK with 6 bytes of data
 * (echoing the SYN-ACK's TSval unless --ack-no-ts drops the TS option) and
 * waits 2 s for the server to acknowledge the data. Prints one line:
 *   accepted | refused (rst) | refused (no answer) | no synack
 * With --next-after-ms, N ms after the ACK it sends the next 6 bytes (the
 * client's next segment, which can overtake a proxied handshake) and waits
 * for the answer to that one instead.
 * Exit 0 accepted, 1 refused, 2 usage, 3 no SYN-ACK or socket error.
 * The client kernel, which has no socket for this port, would answer the
 * SYN-ACK with a RST: the caller drops outgoing RSTs in the client netns.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pkt.h"
#include "toolutil.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wait up to timeout for a TCP frame from the server to our port; 1 with pi
 * filled, 0 on timeout. */
static int wait_tcp(int fd, const struct pkt_spec *s, double timeout, struct pkt_info *pi)
{
	double end = now_s() + timeout;
	uint8_t buf[PKT_MAX];
	char err[128];

	for (;;) {
		double left = end - now_s();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (left <= 0)
			return 0;
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0 || pkt_parse(buf, (int)n, pi, err, sizeof(err)))
			continue;
		if (pi->ipv6 || pi->proto != 6 || pi->sport != s->dport || pi->dport != s->sport ||
		    memcmp(pi->saddr, s->daddr, 4))
			continue;
		return 1;
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dmac", required_argument, 0, 'm' },
		{ "delay-ms", required_argument, 0, 'D' },
		{ "no-ts", no_argument, 0, 'N' },
		{ "ack-no-ts", no_argument, 0, 'A' },
		{ "sport", required_argument, 0, 'P' },
		{ "next-after-ms", required_argument, 0, 'X' },
		{ 0 }
	};
	const char *ifname = NULL, *src = NULL, *dst = NULL;
	bool ts = true, ack_ts = true, have_dmac = false;
	int port = 0, delay_ms = 0, next_ms = -1, sport = 40000 + getpid() % 20000, c, fd, len;
	struct sockaddr_ll sll = { 0 };
	struct pkt_spec s;
	struct pkt_info pi;
	struct ifreq ifr = { 0 };
	uint8_t dmac[6], frame[PKT_MAX];
	uint32_t isn, cookie, their_ts = 0;

	while ((c = getopt_long(argc, argv, "i:s:d:p:", lo, NULL)) != -1) {
		switch (c) {
		case 'i': ifname = optarg; break;
		case 's': src = optarg; break;
		case 'd': dst = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'm': have_dmac = tu_parse_mac(optarg, dmac) == 0; break;
		case 'D': delay_ms = atoi(optarg); break;
		case 'N': ts = false; break;
		case 'A': ack_ts = false; break;
		case 'P': sport = atoi(optarg); break;
		case 'X': next_ms = atoi(optarg); break;
		default: return 2;
		}
	}
	if (!ifname || !src || !dst || port <= 0 || port > 65535 || !have_dmac || delay_ms < 0) {
		fprintf(stderr, "usage: sg_rawhs -i IFACE -s SRC4 -d DST4 -p PORT --dmac MAC "
			"[--delay-ms N] [--no-ts] [--ack-no-ts] [--sport P] [--next-after-ms N]\n");
		return 2;
	}
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
	if (fd < 0) {
		perror("socket");
		return 3;
	}
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		perror("SIOCGIFHWADDR");
		return 3;
	}
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, dmac, 6);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror("bind");
		return 3;
	}

	srand((unsigned)(now_s() * 1e6));
	isn = (uint32_t)rand() * 2654435761U;
	pkt_spec_init(&s);
	pkt_set_v4(&s, src, dst);
	memcpy(s.smac, ifr.ifr_hwaddr.sa_data, 6);
	memcpy(s.dmac, dmac, 6);
	s.sport = (uint16_t)sport;
	s.dport = (uint16_t)port;
	s.seq = isn;
	s.flags = PKT_SYN;
	pkt_linux_syn_opts(&s, 1460, ts ? 0x01000000U : 0);
	s.opt.ts = ts;
	len = pkt_build(&s, frame);
	if (len < 0 || send(fd, frame, len, 0) != len) {
		perror("send SYN");
		return 3;
	}
	for (;;) {
		if (!wait_tcp(fd, &s, 2.0, &pi)) {
			printf("no synack\n");
			return 3;
		}
		if ((pi.flags & (PKT_SYN | PKT_ACK)) == (PKT_SYN | PKT_ACK) && pi.ack == isn + 1)
			break;
	}
	cookie = pi.seq;
	their_ts = pi.opt.ts ? pi.opt.tsval : 0;
	if (delay_ms)
		usleep((useconds_t)delay_ms * 1000);

	pkt_spec_init(&s);
	pkt_set_v4(&s, src, dst);
	memcpy(s.smac, ifr.ifr_hwaddr.sa_data, 6);
	memcpy(s.dmac, dmac, 6);
	s.sport = (uint16_t)sport;
	s.dport = (uint16_t)port;
	s.seq = isn + 1;
	s.ack = cookie + 1;
	s.flags = PKT_ACK | PKT_PSH;
	s.window = 502;
	s.opt.ts = pi.opt.ts && ack_ts;
	s.opt.tsval = 0x01000000U + (uint32_t)delay_ms;
	s.opt.tsecr = their_ts;
	s.payload_len = 6;
	len = pkt_build(&s, frame);
	if (len < 0 || send(fd, frame, len, 0) != len) {
		perror("send ACK");
		return 3;
	}
	if (next_ms >= 0) {
		usleep((useconds_t)next_ms * 1000);
		s.seq += 6;
		s.opt.tsval += (uint32_t)next_ms;
		len = pkt_build(&s, frame);
		if (len < 0 || send(fd, frame, len, 0) != len) {
			perror("send the next segment");
			return 3;
		}
	}
	for (;;) {
		if (!wait_tcp(fd, &s, 2.0, &pi)) {
			printf("refused (no answer)\n");
			return 1;
		}
		if (pi.flags & PKT_RST) {
			printf("refused (rst)\n");
			return 1;
		}
		if ((pi.flags & PKT_ACK) && pi.ack == isn + 1 + (next_ms >= 0 ? 12 : 6)) {
			printf("accepted\n");
			return 0;
		}
	}
}
