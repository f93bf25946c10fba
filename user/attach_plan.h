/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * attach_plan.h - how protect attaches to an interface, and why: the XDP
 * mode (native, or generic on a veth whose peer runs no XDP program) and the
 * attach method (libxdp's dispatcher, or netlink alone where libxdp cannot
 * work). protect prints both reasons; doctor checks the same conditions.
 */
#ifndef SG_ATTACH_PLAN_H
#define SG_ATTACH_PLAN_H

#include <stdbool.h>

#include "attach_libxdp.h"
#include "defense_maps.h"
#include "synguard.h"
#include "veth.h"

struct sg_plan {
	enum sg_mode mode;
	char mode_why[512];
	enum sg_attach method;		/* LIBXDP or NETLINK, never AUTO */
	char method_why[512];
	char bpffs[64];			/* libxdp's bpffs ("" for netlink) */
	bool fixed_len;			/* the fixed-length build (skel_fixed.h) */
	char fixed_why[512];
	char warning[640];		/* printed on stderr if not empty */
	struct sg_veth_peer veth;
};

/*
 * Decide for ifindex/ifname. mode/mode_given: -m; want: --attach; d: what is
 * attached now (sg_defense_open, foreign_* filled). Returns 0, or an exit
 * code after a message when an explicit request cannot be met (--attach
 * libxdp without freplace or a lasting bpffs: 5 or 7).
 */
int sg_attach_plan(int ifindex, const char *ifname, enum sg_mode mode, bool mode_given,
		   enum sg_attach want, const struct sg_defense *d, struct sg_plan *pl);

#endif
