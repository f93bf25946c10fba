/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * attach.h - attaching the defense programs through netlink (not bpf_link):
 * XDP on the device and a cls_bpf filter on the clsact ingress hook. Such
 * attachments live as long as the device, independent of this process and of
 * any bpffs (see docs/design.md, "Persistence").
 */
#ifndef SG_ATTACH_H
#define SG_ATTACH_H

#include <stdbool.h>
#include <linux/types.h>

#include "synguard.h"

const char *sg_mode_name(enum sg_mode mode);	/* "native", "skb" */
int sg_mode_parse(const char *s, enum sg_mode *mode);	/* 0 or -EINVAL */

/* XDP programs on a device, by attach mode (0 = none). */
struct sg_xdp_state {
	__u32 drv_id;
	__u32 skb_id;
	__u32 hw_id;
};
int sg_xdp_query(int ifindex, struct sg_xdp_state *st);	/* 0 or -errno */

/* Attach in mode; with replace=false fail with -EBUSY/-EEXIST if a program
 * is there already. 0 or -errno. */
int sg_xdp_attach(int ifindex, int prog_fd, enum sg_mode mode, bool replace);
/* Detach, but only if prog_fd is still the attached program (atomic check in
 * the kernel, so a program someone attached meanwhile is never removed).
 * prog_fd < 0: detach whatever is attached in that mode. 0 or -errno. */
int sg_xdp_detach(int ifindex, enum sg_mode mode, int prog_fd);

/* tc clsact ingress filter with SG_TC_HANDLE/SG_TC_PRIO. *created says
 * whether this call created the clsact qdisc. Replaces a filter already at
 * our handle/prio. 0 or -errno. */
int sg_tc_attach(int ifindex, int prog_fd, bool *created);
/* Prog id of the filter at our handle/prio: 0, or -ENOENT if none. */
int sg_tc_query(int ifindex, __u32 *prog_id);
/* Remove our filter. 0 or -errno (-ENOENT: not there). */
int sg_tc_detach(int ifindex);
/* Number of clsact filters (ingress and egress) that are not ours, via a
 * netlink dump; -errno if the dump fails (then assume there are some). */
int sg_tc_count_foreign(int ifindex);
/* Delete the clsact qdisc (all its filters!). Call only when
 * sg_tc_count_foreign() returned 0. 0 or -errno. */
int sg_tc_destroy_hook(int ifindex);

/* Name of the BPF program with this id (at most 15 chars + NUL). 0 or -errno. */
int sg_prog_name(__u32 id, char name[16]);

#endif
