/* SPDX-License-Identifier: GPL-2.0-only */
/* defs.h - constants that are macros in the kernel, so vmlinux.h lacks them. */
#ifndef SG_BPF_DEFS_H
#define SG_BPF_DEFS_H

#define TC_ACT_OK		0
#define TC_ACT_SHOT		2

#define ETH_ALEN		6
#define ETH_P_IP		0x0800
#define ETH_P_IPV6		0x86DD
#define ETH_P_8021Q		0x8100
#define ETH_P_8021AD		0x88A8

#define AF_INET			2
#define AF_INET6		10

#define IP_MF			0x2000
#define IP_DF			0x4000
#define IP_OFFSET		0x1FFF

/* IPv6 extension headers we walk (IPPROTO_* values) */
#define NEXTHDR_HOP		0
#define NEXTHDR_ROUTING		43
#define NEXTHDR_FRAGMENT	44
#define NEXTHDR_AUTH		51
#define NEXTHDR_DEST		60

/* TCP flag bits in byte 13 of the header */
#define TCPF_FIN		0x01
#define TCPF_SYN		0x02
#define TCPF_RST		0x04
#define TCPF_PSH		0x08
#define TCPF_ACK		0x10
#define TCPF_URG		0x20
#define TCPF_ECE		0x40
#define TCPF_CWR		0x80

/* TCP option kinds */
#define TCPOPT_EOL		0
#define TCPOPT_NOP		1
#define TCPOPT_MSS		2
#define TCPOPT_WINDOW		3
#define TCPOPT_SACK_PERM	4
#define TCPOPT_TIMESTAMP	8

#define TCP_LISTEN_STATE	10	/* TCP_LISTEN in enum, used on bpf_sock->state */
#define SOCK_RCVBUF_LOCK	2

#endif
