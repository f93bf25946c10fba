// SPDX-License-Identifier: GPL-2.0-only
/* xdp_features.c - a driver's XDP features over generic netlink; see xdp_features.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "xdp_features.h"

/* from linux/netdev.h (6.3+) */
#define SG_NETDEV_FAMILY		"netdev"
#define SG_NETDEV_CMD_DEV_GET		1
#define SG_NETDEV_A_DEV_IFINDEX		1
#define SG_NETDEV_A_DEV_XDP_FEATURES	3

struct req {
	struct nlmsghdr nh;
	struct genlmsghdr g;
	char attrs[64];
};

static void put_attr(struct req *r, __u16 type, const void *data, __u16 len)
{
	struct nlattr *a = (struct nlattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/* r as a new generic netlink request: family, sequence number, command */
static void start_req(struct req *r, __u16 family, __u32 seq, __u8 cmd)
{
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->nh.nlmsg_type = family;
	r->nh.nlmsg_flags = NLM_F_REQUEST;
	r->nh.nlmsg_seq = seq;
	r->g.cmd = cmd;
	r->g.version = 1;
}

/* Send r, find attribute want in the reply; copy up to len bytes. */
static int transact(int fd, struct req *r, __u16 want, void *out, size_t len)
{
	char buf[8192] __attribute__((aligned(4)));
	ssize_t n;

	if (send(fd, r, r->nh.nlmsg_len, 0) < 0)
		return -errno;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	for (struct nlmsghdr *nh = (void *)buf; NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
		struct nlattr *a;
		int alen;

		if (nh->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr *e = NLMSG_DATA(nh);

			return e->error ? e->error : -ENOENT;
		}
		a = (struct nlattr *)((char *)NLMSG_DATA(nh) + GENL_HDRLEN);
		alen = (int)nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
		while (alen >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= alen) {
			if ((a->nla_type & NLA_TYPE_MASK) == want) {
				size_t plen = a->nla_len - NLA_HDRLEN;

				memcpy(out, (char *)a + NLA_HDRLEN, plen < len ? plen : len);
				return 0;
			}
			alen -= NLA_ALIGN(a->nla_len);
			a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
		}
	}
	return -ENOENT;
}

int sg_xdp_features(int ifindex, __u64 *feat)
{
	struct req r;
	__u16 family = 0;
	__u32 idx = (__u32)ifindex;
	int fd, err;

	*feat = 0;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	start_req(&r, GENL_ID_CTRL, 1, CTRL_CMD_GETFAMILY);
	put_attr(&r, CTRL_ATTR_FAMILY_NAME, SG_NETDEV_FAMILY, sizeof(SG_NETDEV_FAMILY));
	err = transact(fd, &r, CTRL_ATTR_FAMILY_ID, &family, sizeof(family));
	if (err) {
		close(fd);
		return err == -ENOENT ? -EOPNOTSUPP : err;
	}
	start_req(&r, family, 2, SG_NETDEV_CMD_DEV_GET);
	put_attr(&r, SG_NETDEV_A_DEV_IFINDEX, &idx, sizeof(idx));
	err = transact(fd, &r, SG_NETDEV_A_DEV_XDP_FEATURES, feat, sizeof(*feat));
	close(fd);
	return err;
}
