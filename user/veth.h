/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * veth.h - what kind of link an interface is (rtnetlink RTM_GETLINK), and for
 * a veth, whether its peer runs a native XDP program. The peer may live in
 * another network namespace (a container's eth0 and its host-side end): it is
 * queried there through IFLA_TARGET_NETNSID, no namespace switch needed.
 *
 * Why it matters: XDP_TX on a veth in native mode puts the frame on the
 * peer's ring and kicks the peer's NAPI only if the peer has an XDP program
 * (veth_xdp_flush). Without one, SYN-ACKs wait for unrelated traffic.
 */
#ifndef SG_VETH_H
#define SG_VETH_H

#include <stdbool.h>
#include <net/if.h>
#include <linux/types.h>

struct sg_link {
	int ifindex;
	char name[IF_NAMESIZE];
	char kind[16];		/* IFLA_INFO_KIND ("veth", "bridge", ...), "" if none */
	int link_ifindex;	/* IFLA_LINK: a veth's peer (0: none) */
	int link_nsid;		/* IFLA_LINK_NETNSID: the peer's netns id, -1: ours */
	int master;		/* IFLA_MASTER (bridge, bond), 0: none */
	__u32 xdp_drv_id;	/* native XDP program, 0: none */
	__u32 xdp_skb_id;	/* generic XDP program, 0: none */
};

/* RTM_GETLINK of ifindex in the netns with id nsid (-1: the current one).
 * 0 or -errno (-ENODEV: no such link). */
int sg_link_get(int ifindex, int nsid, struct sg_link *l);

struct sg_veth_peer {
	bool is_veth;
	bool peer_known;	/* the peer could be queried */
	int peer_ifindex;
	int peer_nsid;		/* -1: the peer is in this netns */
	char peer_name[IF_NAMESIZE];
	__u32 peer_xdp_id;	/* the peer's native XDP program (0: none) */
	int peer_err;		/* -errno of the peer query when !peer_known */
};

/* Fill p for ifindex. 0 or -errno (of the query of ifindex itself). */
int sg_veth_peer(int ifindex, struct sg_veth_peer *p);

/* A veth whose peer has no native XDP program (or cannot be checked):
 * native XDP_TX would stall there. */
static inline bool sg_veth_tx_stalls(const struct sg_veth_peer *p)
{
	return p->is_veth && (!p->peer_known || !p->peer_xdp_id);
}

#endif
