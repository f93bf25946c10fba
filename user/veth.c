// SPDX-License-Identifier: GPL-2.0-only
/* veth.c - link kind and veth peer through rtnetlink; see veth.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "veth.h"

static void parse_linkinfo(struct rtattr *li, int len, struct sg_link *l)
{
	for (struct rtattr *a = li; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_INFO_KIND)
			snprintf(l->kind, sizeof(l->kind), "%.*s", (int)RTA_PAYLOAD(a),
				 (char *)RTA_DATA(a));
}

static void parse_xdp(struct rtattr *x, int len, struct sg_link *l)
{
	__u8 attached = 0;
	__u32 id = 0;

	for (struct rtattr *a = x; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		switch (a->rta_type) {
		case IFLA_XDP_ATTACHED:
			attached = *(__u8 *)RTA_DATA(a);
			break;
		case IFLA_XDP_PROG_ID:
			id = *(__u32 *)RTA_DATA(a);
			break;
		case IFLA_XDP_DRV_PROG_ID:
			l->xdp_drv_id = *(__u32 *)RTA_DATA(a);
			break;
		case IFLA_XDP_SKB_PROG_ID:
			l->xdp_skb_id = *(__u32 *)RTA_DATA(a);
			break;
		}
	}
	/* a single program is reported only as PROG_ID with its mode */
	if (attached == XDP_ATTACHED_DRV && !l->xdp_drv_id)
		l->xdp_drv_id = id;
	else if (attached == XDP_ATTACHED_SKB && !l->xdp_skb_id)
		l->xdp_skb_id = id;
}

static int parse_link(struct nlmsghdr *nh, struct sg_link *l)
{
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int len = (int)nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi));

	l->ifindex = ifi->ifi_index;
	for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		switch (a->rta_type) {
		case IFLA_IFNAME:
			snprintf(l->name, sizeof(l->name), "%.*s", (int)RTA_PAYLOAD(a),
				 (char *)RTA_DATA(a));
			break;
		case IFLA_LINK:
			l->link_ifindex = *(int *)RTA_DATA(a);
			break;
		case IFLA_LINK_NETNSID:
			l->link_nsid = *(int *)RTA_DATA(a);
			break;
		case IFLA_MASTER:
			l->master = *(int *)RTA_DATA(a);
			break;
		case IFLA_LINKINFO:
			parse_linkinfo(RTA_DATA(a), (int)RTA_PAYLOAD(a), l);
			break;
		case IFLA_XDP:
			parse_xdp(RTA_DATA(a), (int)RTA_PAYLOAD(a), l);
			break;
		}
	}
	return 0;
}

int sg_link_get(int ifindex, int nsid, struct sg_link *l)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		char attrs[64];
	} req;
	char buf[32768] __attribute__((aligned(4)));
	struct rtattr *a;
	int fd, err = -EIO;
	ssize_t n;

	memset(l, 0, sizeof(*l));
	l->link_nsid = -1;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
	req.nh.nlmsg_type = RTM_GETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = ifindex;
	if (nsid >= 0) {
		a = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
		a->rta_type = IFLA_TARGET_NETNSID;
		a->rta_len = RTA_LENGTH(sizeof(int));
		memcpy(RTA_DATA(a), &nsid, sizeof(int));
		req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(a->rta_len);
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) {
		err = -errno;
		goto out;
	}
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto out;
		}
		for (struct nlmsghdr *nh = (void *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);

				err = e->error ? e->error : -EIO;
				goto out;
			}
			if (nh->nlmsg_type == RTM_NEWLINK) {
				err = parse_link(nh, l);
				goto out;
			}
		}
	}
out:
	close(fd);
	return err;
}

int sg_veth_peer(int ifindex, struct sg_veth_peer *p)
{
	struct sg_link me, peer;
	int err;

	memset(p, 0, sizeof(*p));
	p->peer_nsid = -1;
	err = sg_link_get(ifindex, -1, &me);
	if (err)
		return err;
	if (strcmp(me.kind, "veth"))
		return 0;
	p->is_veth = true;
	p->peer_ifindex = me.link_ifindex;
	p->peer_nsid = me.link_nsid;
	if (!me.link_ifindex) {
		p->peer_err = -ENOENT;
		return 0;
	}
	err = sg_link_get(me.link_ifindex, me.link_nsid, &peer);
	if (err) {
		p->peer_err = err;
		return 0;
	}
	p->peer_known = true;
	memcpy(p->peer_name, peer.name, sizeof(p->peer_name));
	p->peer_xdp_id = peer.xdp_drv_id;
	return 0;
}
