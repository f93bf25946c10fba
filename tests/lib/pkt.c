// SPDX-License-Identifier: GPL-2.0-only
/* pkt.c - test frame builder and parser (see pkt.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "csum.h"
#include "pkt.h"

uint16_t pkt_get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
uint32_t pkt_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
void pkt_put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }
void pkt_put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v & 0xff;
}

void pkt_spec_init(struct pkt_spec *s)
{
	static const uint8_t d[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	static const uint8_t m[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

	memset(s, 0, sizeof(*s));
	memcpy(s->dmac, d, 6);
	memcpy(s->smac, m, 6);
	s->ttl = 64;
	s->window = 64240;
	s->ip_id = 0x1234;
}

void pkt_set_v4(struct pkt_spec *s, const char *saddr, const char *daddr)
{
	s->ipv6 = false;
	memset(s->saddr, 0, 16);
	memset(s->daddr, 0, 16);
	inet_pton(AF_INET, saddr, s->saddr);
	inet_pton(AF_INET, daddr, s->daddr);
}

void pkt_set_v6(struct pkt_spec *s, const char *saddr, const char *daddr)
{
	s->ipv6 = true;
	inet_pton(AF_INET6, saddr, s->saddr);
	inet_pton(AF_INET6, daddr, s->daddr);
}

void pkt_linux_syn_opts(struct pkt_spec *s, uint16_t mss, uint32_t tsval)
{
	s->opt = (struct pkt_tcp_opts){ .mss = true, .mss_val = mss,
					.sack_perm = true, .ts = true,
					.tsval = tsval, .ws = true, .ws_val = 7 };
}

/* TCP options in Linux's layout; returns their length (multiple of 4). */
static int build_opts(const struct pkt_tcp_opts *o, uint8_t *p)
{
	int n = 0;

	if (o->mss) {
		p[n++] = 2; p[n++] = 4;
		pkt_put16(p + n, o->mss_val); n += 2;
	}
	if (o->ts) {
		if (o->sack_perm) {
			p[n++] = 4; p[n++] = 2;
		} else {
			p[n++] = 1; p[n++] = 1;
		}
		p[n++] = 8; p[n++] = 10;
		pkt_put32(p + n, o->tsval); n += 4;
		pkt_put32(p + n, o->tsecr); n += 4;
	} else if (o->sack_perm) {
		p[n++] = 1; p[n++] = 1; p[n++] = 4; p[n++] = 2;
	}
	if (o->ws) {
		p[n++] = 1; p[n++] = 3; p[n++] = 3; p[n++] = o->ws_val;
	}
	return n;
}

static int tcp_optlen(const struct pkt_spec *s)
{
	uint8_t tmp[40];

	return s->raw_opts ? s->raw_optlen : build_opts(&s->opt, tmp);
}

static int ext_len(uint8_t type)
{
	return type == PKT_EXT_AUTH ? 16 : 8;
}

static int l4_hdr_len(const struct pkt_spec *s)
{
	switch (s->l4) {
	case 0:
	case IPPROTO_TCP:
		return 20 + tcp_optlen(s);
	case IPPROTO_UDP:
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return 8;
	}
	return 0;
}

static int l3_hdr_len(const struct pkt_spec *s)
{
	int i, n;

	if (s->ethertype == PKT_ETH_P_ARP)
		return 28;
	if (!s->ipv6)
		return 20 + s->ip4_optlen;
	for (n = 40, i = 0; i < s->next; i++)
		n += ext_len(s->ext[i]);
	return n;
}

int pkt_hdr_len(const struct pkt_spec *s)
{
	int n = 14 + 4 * s->nvlan + l3_hdr_len(s);

	return s->ethertype == PKT_ETH_P_ARP ? n : n + l4_hdr_len(s);
}

static int build_arp(const struct pkt_spec *s, uint8_t *p)
{
	pkt_put16(p, 1);		/* Ethernet */
	pkt_put16(p + 2, PKT_ETH_P_IP);
	p[4] = 6; p[5] = 4;
	pkt_put16(p + 6, 1);		/* request */
	memcpy(p + 8, s->smac, 6);
	memcpy(p + 14, s->saddr, 4);
	memset(p + 18, 0, 6);
	memcpy(p + 24, s->daddr, 4);
	return 28;
}

int pkt_build(const struct pkt_spec *s, uint8_t *buf)
{
	uint8_t proto = s->l4 ? s->l4 : IPPROTO_TCP;
	int off = 12, i, l3, l4, l4len, hl;
	uint8_t *ip, *th;

	memset(buf, 0, PKT_MAX);
	memcpy(buf, s->dmac, 6);
	memcpy(buf + 6, s->smac, 6);
	for (i = 0; i < s->nvlan && i < 2; i++) {
		pkt_put16(buf + off, s->vlan_tpid[i] ? s->vlan_tpid[i] : PKT_ETH_P_8021Q);
		pkt_put16(buf + off + 2, s->vlan_tci[i]);
		off += 4;
	}
	if (s->ethertype == PKT_ETH_P_ARP) {
		pkt_put16(buf + off, PKT_ETH_P_ARP);
		return off + 2 + build_arp(s, buf + off + 2);
	}
	pkt_put16(buf + off, s->ethertype ? s->ethertype :
			     s->ipv6 ? PKT_ETH_P_IPV6 : PKT_ETH_P_IP);
	l3 = off + 2;
	ip = buf + l3;
	hl = l3_hdr_len(s);
	l4 = l3 + hl;
	th = buf + l4;
	l4len = l4_hdr_len(s) + s->payload_len;
	if (l4 + l4len > PKT_MAX)
		return -1;

	/* L4 first, checksum last (it needs the addresses only) */
	for (i = 0; i < s->payload_len; i++)
		th[l4_hdr_len(s) + i] = (uint8_t)i;
	if (proto == IPPROTO_TCP) {
		pkt_put16(th, s->sport);
		pkt_put16(th + 2, s->dport);
		pkt_put32(th + 4, s->seq);
		pkt_put32(th + 8, s->ack);
		th[12] = (uint8_t)((l4_hdr_len(s) / 4) << 4);
		th[13] = s->flags;
		pkt_put16(th + 14, s->window);
		if (s->raw_opts)
			memcpy(th + 20, s->raw_opts, s->raw_optlen);
		else
			build_opts(&s->opt, th + 20);
	} else if (proto == IPPROTO_UDP) {
		pkt_put16(th, s->sport);
		pkt_put16(th + 2, s->dport);
		pkt_put16(th + 4, (uint16_t)l4len);
	} else {
		th[0] = proto == IPPROTO_ICMP ? 8 : 128;	/* echo request */
		pkt_put16(th + 4, 0x4242);
		pkt_put16(th + 6, 1);
	}

	if (!s->ipv6) {
		ip[0] = 0x40 | (uint8_t)(hl / 4);
		ip[1] = s->tos;
		pkt_put16(ip + 2, (uint16_t)(hl + l4len));
		pkt_put16(ip + 4, s->ip_id);
		pkt_put16(ip + 6, (s->no_df ? 0 : 0x4000) | (s->mf ? 0x2000 : 0) |
				  (s->frag_off & 0x1fff));
		ip[8] = s->ttl;
		ip[9] = proto;
		memcpy(ip + 12, s->saddr, 4);
		memcpy(ip + 16, s->daddr, 4);
		if (s->ip4_optlen) {
			/* Router Alert, then NOPs up to the length */
			ip[20] = 0x94; ip[21] = 4; ip[22] = 0; ip[23] = 0;
			memset(ip + 24, 1, s->ip4_optlen - 4);
		}
		pkt_put16(ip + 10, csum_ipv4_hdr(ip, hl) ^ (s->bad_ip_csum ? 0x1111 : 0));
	} else {
		uint8_t *e = ip + 40;

		pkt_put32(ip, 0x60000000u | ((uint32_t)s->tos << 20) | 0x12345);
		pkt_put16(ip + 4, (uint16_t)(hl - 40 + l4len));
		ip[6] = s->next ? s->ext[0] : proto;
		ip[7] = s->ttl;
		memcpy(ip + 8, s->saddr, 16);
		memcpy(ip + 24, s->daddr, 16);
		for (i = 0; i < s->next; i++) {
			uint8_t t = s->ext[i];

			e[0] = i + 1 < s->next ? s->ext[i + 1] : proto;
			switch (t) {
			case PKT_EXT_HOP:
			case PKT_EXT_DEST:
				e[1] = 0;
				e[2] = 1; e[3] = 4;	/* PadN over the rest */
				break;
			case PKT_EXT_ROUTING:
				e[1] = 0;
				e[2] = 253;		/* experimental type */
				e[3] = 0;		/* segments left */
				break;
			case PKT_EXT_FRAG:
				pkt_put16(e + 2, (uint16_t)((s->frag_off << 3) | (s->mf ? 1 : 0)));
				pkt_put32(e + 4, 0xabcdef);
				break;
			case PKT_EXT_AUTH:
				e[1] = 2;		/* (2 + 2) * 4 = 16 bytes */
				pkt_put32(e + 4, 0x100);	/* SPI */
				pkt_put32(e + 8, 1);		/* seq */
				break;
			}
			e += ext_len(t);
		}
	}

	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_ICMPV6) {
		int co = proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2;
		uint16_t c = s->ipv6 ? csum_l4_v6(s->saddr, s->daddr, proto, th, l4len)
				     : csum_l4_v4(s->saddr, s->daddr, proto, th, l4len);

		if (proto == IPPROTO_UDP && c == 0)
			c = 0xffff;
		if (s->partial_l4_csum) {
			/* the checksum of a zero segment is ~pseudo; the
			 * partial value is the pseudo-header sum itself */
			uint8_t zero[PKT_MAX] = { 0 };

			c = (uint16_t)~(s->ipv6 ? csum_l4_v6(s->saddr, s->daddr, proto, zero, l4len)
					       : csum_l4_v4(s->saddr, s->daddr, proto, zero, l4len));
		}
		pkt_put16(th + co, s->bad_l4_csum ? (uint16_t)(c ^ 0x5a5a) : c);
	} else {
		pkt_put16(th + 2, csum_fold_be(csum_partial_be(th, l4len, 0)));
	}
	return l4 + l4len;
}

#define PERR(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

static int parse_tcp_opts(const uint8_t *o, int n, struct pkt_info *pi, char *err, int errlen)
{
	int i = 0;

	while (i < n) {
		uint8_t k = o[i], l;

		if (k == 0)
			break;
		if (k == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || (l = o[i + 1]) < 2 || i + l > n)
			PERR("TCP option %u at %d: bad length", k, i);
		pi->nopts++;
		switch (k) {
		case 2:
			if (l != 4)
				PERR("MSS option length %u", l);
			pi->opt.mss = true;
			pi->opt.mss_val = pkt_get16(o + i + 2);
			break;
		case 3:
			if (l != 3)
				PERR("WS option length %u", l);
			pi->opt.ws = true;
			pi->opt.ws_val = o[i + 2];
			break;
		case 4:
			if (l != 2)
				PERR("SACK_PERM option length %u", l);
			pi->opt.sack_perm = true;
			break;
		case 8:
			if (l != 10)
				PERR("TS option length %u", l);
			pi->opt.ts = true;
			pi->opt.tsval = pkt_get32(o + i + 2);
			pi->opt.tsecr = pkt_get32(o + i + 6);
			break;
		default:
			pi->opt_unknown = true;
		}
		i += l;
	}
	return 0;
}

int pkt_parse(const uint8_t *b, int len, struct pkt_info *pi, char *err, int errlen)
{
	int off = 12, l3len;
	uint8_t proto;

	memset(pi, 0, sizeof(*pi));
	pi->len = len;
	if (len < 14)
		PERR("frame of %d bytes", len);
	memcpy(pi->dmac, b, 6);
	memcpy(pi->smac, b + 6, 6);
	pi->ethertype = pkt_get16(b + off);
	while (pi->ethertype == PKT_ETH_P_8021Q || pi->ethertype == PKT_ETH_P_8021AD) {
		if (pi->nvlan == 2)
			PERR("more than two VLAN tags");
		if (off + 6 > len)
			PERR("truncated VLAN tag");
		pi->vlan_tpid[pi->nvlan] = pi->ethertype;
		pi->vlan_tci[pi->nvlan++] = pkt_get16(b + off + 2);
		off += 4;
		pi->ethertype = pkt_get16(b + off);
	}
	pi->l3_off = off + 2;
	if (pi->ethertype == PKT_ETH_P_IP) {
		const uint8_t *ip = b + pi->l3_off;

		if (pi->l3_off + 20 > len)
			PERR("truncated IPv4 header");
		pi->ip_ver = ip[0] >> 4;
		pi->ihl = ip[0] & 15;
		pi->tos = ip[1];
		pi->tot_len = pkt_get16(ip + 2);
		pi->ip_id = pkt_get16(ip + 4);
		pi->frag = pkt_get16(ip + 6);
		pi->ttl = ip[8];
		pi->proto = proto = ip[9];
		memcpy(pi->saddr, ip + 12, 4);
		memcpy(pi->daddr, ip + 16, 4);
		if (pi->ihl < 5 || pi->l3_off + pi->ihl * 4 > len)
			PERR("bad IPv4 ihl %u", pi->ihl);
		if (pi->l3_off + pi->tot_len > len || pi->tot_len < pi->ihl * 4)
			PERR("IPv4 total length %u, frame has %d after L2", pi->tot_len,
			     len - pi->l3_off);
		pi->l4_off = pi->l3_off + pi->ihl * 4;
		pi->l4_len = pi->tot_len - pi->ihl * 4;
	} else if (pi->ethertype == PKT_ETH_P_IPV6) {
		const uint8_t *ip = b + pi->l3_off;
		int e;

		pi->ipv6 = true;
		if (pi->l3_off + 40 > len)
			PERR("truncated IPv6 header");
		pi->ip_ver = ip[0] >> 4;
		pi->tos = (uint8_t)(pkt_get16(ip) >> 4);
		pi->payload_len = pkt_get16(ip + 4);
		proto = ip[6];
		pi->ttl = ip[7];
		memcpy(pi->saddr, ip + 8, 16);
		memcpy(pi->daddr, ip + 24, 16);
		if (pi->l3_off + 40 + pi->payload_len > len)
			PERR("IPv6 payload length %u, frame has %d", pi->payload_len,
			     len - pi->l3_off - 40);
		e = pi->l3_off + 40;
		while (proto == PKT_EXT_HOP || proto == PKT_EXT_ROUTING ||
		       proto == PKT_EXT_DEST || proto == PKT_EXT_FRAG || proto == PKT_EXT_AUTH) {
			int l;

			if (e + 8 > len)
				PERR("truncated extension header");
			l = proto == PKT_EXT_FRAG ? 8 : proto == PKT_EXT_AUTH ?
				(b[e + 1] + 2) * 4 : (b[e + 1] + 1) * 8;
			proto = b[e];
			e += l;
			pi->next++;
		}
		pi->proto = proto;
		pi->l4_off = e;
		pi->l4_len = pi->l3_off + 40 + pi->payload_len - e;
		if (pi->l4_len < 0)
			PERR("extension headers beyond the payload");
	} else {
		return 0;	/* not IP: only L2 is described */
	}
	if (proto != IPPROTO_TCP)
		return 0;
	l3len = pi->l4_len;
	if (l3len < 20)
		PERR("TCP segment of %d bytes", l3len);
	{
		const uint8_t *t = b + pi->l4_off;

		pi->sport = pkt_get16(t);
		pi->dport = pkt_get16(t + 2);
		pi->seq = pkt_get32(t + 4);
		pi->ack = pkt_get32(t + 8);
		pi->doff = (t[12] >> 4) * 4;
		pi->flags = t[13];
		pi->window = pkt_get16(t + 14);
		pi->tcp_csum = pkt_get16(t + 16);
		pi->urg = pkt_get16(t + 18);
		if (pi->doff < 20 || pi->doff > l3len)
			PERR("TCP data offset %u, segment %d", pi->doff, l3len);
		pi->payload_off = pi->l4_off + pi->doff;
		return parse_tcp_opts(t + 20, pi->doff - 20, pi, err, errlen);
	}
}
