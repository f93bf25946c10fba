// SPDX-License-Identifier: GPL-2.0-only
/* attach.c - XDP and tc attachment through netlink; see attach.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attach.h"

const char *sg_mode_name(enum sg_mode mode)
{
	switch (mode) {
	case SG_MODE_NATIVE:
		return "native";
	case SG_MODE_SKB:
		return "skb";
	}
	return "unknown";
}

int sg_mode_parse(const char *s, enum sg_mode *mode)
{
	if (!strcmp(s, "native") || !strcmp(s, "drv"))
		*mode = SG_MODE_NATIVE;
	else if (!strcmp(s, "skb") || !strcmp(s, "generic"))
		*mode = SG_MODE_SKB;
	else
		return -EINVAL;
	return 0;
}

static __u32 mode_flag(enum sg_mode mode)
{
	return mode == SG_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

int sg_xdp_query(int ifindex, struct sg_xdp_state *st)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int err;

	memset(st, 0, sizeof(*st));
	err = bpf_xdp_query(ifindex, 0, &q);
	if (err)
		return err;
	st->drv_id = q.drv_prog_id;
	st->skb_id = q.skb_prog_id;
	st->hw_id = q.hw_prog_id;
	return 0;
}

int sg_xdp_attach(int ifindex, int prog_fd, enum sg_mode mode, bool replace)
{
	__u32 flags = mode_flag(mode);

	if (!replace)
		flags |= XDP_FLAGS_UPDATE_IF_NOEXIST;
	return bpf_xdp_attach(ifindex, prog_fd, flags, NULL);
}

int sg_xdp_detach(int ifindex, enum sg_mode mode, int prog_fd)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o);
	__u32 flags = mode_flag(mode);

	if (prog_fd >= 0) {
		/* XDP_FLAGS_REPLACE: the kernel swaps only if old_prog_fd is
		 * still the attached program. */
		o.old_prog_fd = prog_fd;
		flags |= XDP_FLAGS_REPLACE;
	}
	return bpf_xdp_detach(ifindex, flags, &o);
}

int sg_tc_attach(int ifindex, int prog_fd, bool *created)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = SG_TC_HANDLE, .priority = SG_TC_PRIO,
		    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	int err;

	*created = false;
	err = bpf_tc_hook_create(&hook);
	if (err == 0)
		*created = true;
	else if (err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &o);
}

int sg_tc_query(int ifindex, __u32 *prog_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = SG_TC_HANDLE, .priority = SG_TC_PRIO);
	int err;

	*prog_id = 0;
	err = bpf_tc_query(&hook, &o);
	if (err)
		/* no clsact qdisc at all reports -EINVAL: same as no filter */
		return err == -EINVAL ? -ENOENT : err;
	*prog_id = o.prog_id;
	return 0;
}

int sg_tc_detach(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = SG_TC_HANDLE, .priority = SG_TC_PRIO);
	int err = bpf_tc_detach(&hook, &o);

	return err == -EINVAL ? -ENOENT : err;
}

int sg_tc_destroy_hook(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

	return bpf_tc_hook_destroy(&hook);
}

/* Dump the filters of one clsact direction; count those that are not ours.
 * A dump yields one message per filter chain head (handle 0) and one per
 * filter; both carry the priority in the upper half of tcm_info. */
static int count_foreign_dir(int fd, int ifindex, __u32 parent, unsigned int seq)
{
	struct {
		struct nlmsghdr nh;
		struct tcmsg t;
	} req = {
		.nh = {
			.nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)),
			.nlmsg_type = RTM_GETTFILTER,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = seq,
		},
		.t = { .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex, .tcm_parent = parent },
	};
	char buf[16384] __attribute__((aligned(4)));
	int count = 0;

	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			struct tcmsg *t;
			__u32 prio;

			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE)
				return count;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);

				return e->error ? e->error : count;
			}
			if (nh->nlmsg_type != RTM_NEWTFILTER)
				continue;
			t = NLMSG_DATA(nh);
			prio = TC_H_MAJ(t->tcm_info) >> 16;
			if (parent != TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS) ||
			    prio != SG_TC_PRIO ||
			    (t->tcm_handle != 0 && t->tcm_handle != SG_TC_HANDLE))
				count++;
		}
	}
}

int sg_tc_count_foreign(int ifindex)
{
	int fd, in, eg;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	in = count_foreign_dir(fd, ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS), 1);
	eg = in < 0 ? in : count_foreign_dir(fd, ifindex,
					      TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS), 2);
	close(fd);
	if (in < 0)
		return in;
	if (eg < 0)
		return eg;
	return in + eg;
}

int sg_prog_name(__u32 id, char name[16])
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd, err;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (err)
		return -errno;
	memcpy(name, info.name, 16);
	name[15] = '\0';
	return 0;
}
