/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pkt.h - build test frames (Ethernet, 0-2 VLAN tags, IPv4 with options or
 * IPv6 with extension headers, TCP with options, UDP, ICMP, ARP) and parse
 * the frames a program sends back, so tests can check every field.
 * All multi-byte fields in the structs below are in host byte order, except
 * addresses, which stay as bytes in network order.
 */
#ifndef SG_TEST_PKT_H
#define SG_TEST_PKT_H

#include <stdbool.h>
#include <stdint.h>

#define PKT_MAX		2048
#define PKT_MAX_EXT	72	/* long chains: synguard walks up to 64 */

#define PKT_ETH_P_IP	0x0800
#define PKT_ETH_P_ARP	0x0806
#define PKT_ETH_P_IPV6	0x86dd
#define PKT_ETH_P_8021Q	0x8100
#define PKT_ETH_P_8021AD 0x88a8

/* TCP flags (byte 13) */
#define PKT_FIN	0x01
#define PKT_SYN	0x02
#define PKT_RST	0x04
#define PKT_PSH	0x08
#define PKT_ACK	0x10
#define PKT_URG	0x20
#define PKT_ECE	0x40
#define PKT_CWR	0x80

/* IPv6 extension headers (next-header values) */
#define PKT_EXT_HOP	0
#define PKT_EXT_ROUTING	43
#define PKT_EXT_FRAG	44
#define PKT_EXT_AUTH	51
#define PKT_EXT_DEST	60

struct pkt_tcp_opts {
	bool mss, sack_perm, ts, ws;
	uint16_t mss_val;
	uint8_t ws_val;
	uint32_t tsval, tsecr;
};

struct pkt_spec {
	uint8_t dmac[6], smac[6];
	int nvlan;			/* 0..2, outermost first */
	uint16_t vlan_tpid[2];		/* 0 = 0x8100 */
	uint16_t vlan_tci[2];
	uint16_t ethertype;		/* 0 = from ipv6; PKT_ETH_P_ARP builds ARP */
	bool ipv6;
	uint8_t l4;			/* 0 = TCP; else IPPROTO_UDP/ICMP/ICMPV6 */
	uint8_t saddr[16], daddr[16];	/* IPv4 in the first 4 bytes */
	/* IPv4 */
	int ip4_optlen;			/* bytes of options, multiple of 4, <= 40 */
	bool no_df;			/* default: DF set */
	bool mf;			/* more fragments (IPv4 or IPv6 frag hdr) */
	uint16_t frag_off;		/* fragment offset in 8-byte units */
	uint8_t ttl;			/* 0 = 64 */
	uint8_t tos;
	uint16_t ip_id;
	/* IPv6 extension headers, in order, each 8 bytes (frag hdr too) */
	int next;
	uint8_t ext[PKT_MAX_EXT];
	/* TCP */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;		/* 0 = 64240 */
	struct pkt_tcp_opts opt;	/* laid out as Linux does */
	const uint8_t *raw_opts;	/* if set, used instead of opt */
	int raw_optlen;			/* multiple of 4, <= 40 */
	int payload_len;		/* bytes 0,1,2,... after the L4 header */
	bool bad_l4_csum;		/* corrupt the TCP/UDP checksum */
	bool bad_ip_csum;		/* corrupt the IPv4 header checksum */
	/* TCP/UDP checksum as a sender with TX offload leaves it
	 * (CHECKSUM_PARTIAL): the folded pseudo-header sum only */
	bool partial_l4_csum;
};

/* Fill a spec with defaults: MACs, TTL 64, window 64240, DF. */
void pkt_spec_init(struct pkt_spec *s);
void pkt_set_v4(struct pkt_spec *s, const char *saddr, const char *daddr);
void pkt_set_v6(struct pkt_spec *s, const char *saddr, const char *daddr);
/* Linux's SYN options: MSS, SACK_PERM, TS, WS */
void pkt_linux_syn_opts(struct pkt_spec *s, uint16_t mss, uint32_t tsval);

/* Build the frame into buf (PKT_MAX bytes); returns its length. */
int pkt_build(const struct pkt_spec *s, uint8_t *buf);

/* Offsets and fields of a parsed frame. */
struct pkt_info {
	int len;
	uint8_t dmac[6], smac[6];
	int nvlan;
	uint16_t vlan_tpid[2], vlan_tci[2];
	uint16_t ethertype;		/* after the VLAN tags */
	int l3_off, l4_off, payload_off;
	bool ipv6;
	/* IPv4 header fields */
	uint8_t ip_ver, ihl, tos, ttl, proto;	/* ttl = hop limit for IPv6 */
	uint16_t tot_len, ip_id, frag;		/* frag = flags+offset field */
	/* IPv6 */
	uint16_t payload_len;
	int next;
	uint8_t saddr[16], daddr[16];
	/* TCP */
	uint16_t sport, dport, window, tcp_csum, urg;
	uint32_t seq, ack;
	uint8_t flags, doff;		/* doff in bytes */
	struct pkt_tcp_opts opt;
	int nopts;			/* options seen (NOP/EOL excluded) */
	bool opt_unknown;		/* an option kind other than the four */
	int l4_len;			/* TCP header + payload, as the IP header says */
};

/* Parse buf; returns 0, or -1 with a reason in err (errlen bytes). */
int pkt_parse(const uint8_t *buf, int len, struct pkt_info *pi, char *err, int errlen);

/* Header length up to the end of the L4 header (TCP incl. options): the
 * length below which a truncated frame lacks a header. */
int pkt_hdr_len(const struct pkt_spec *s);

uint16_t pkt_get16(const uint8_t *p);
uint32_t pkt_get32(const uint8_t *p);
void pkt_put16(uint8_t *p, uint16_t v);
void pkt_put32(uint8_t *p, uint32_t v);

#endif
