/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * defense_maps.h - find synguard's programs and maps on an interface from the
 * netlink attachment alone: query the device's XDP program, check it is
 * ours by name (SG_XDP_PROG_NAME), open its maps by id and pick them by name.
 * Works in any network namespace and without bpffs.
 */
#ifndef SG_DEFENSE_MAPS_H
#define SG_DEFENSE_MAPS_H

#include <stdbool.h>
#include <string.h>
#include <net/if.h>
#include <linux/types.h>

#include "synguard.h"
#include "acl_defs.h"
#include "engage_defs.h"

struct sg_defense {
	int ifindex;
	char ifname[IF_NAMESIZE];
	enum sg_mode mode;	/* how our XDP program is attached */
	__u32 xdp_id;		/* our XDP program */
	__u32 tc_id;		/* our tc filter's program, 0 if it is missing */
	int xdp_fd;
	int config_fd;		/* map sg_config */
	int stats_fd;		/* map sg_stats */
	int synts_fd;		/* map sg_synts (-1 if absent) */
	int keys_fd;		/* map sg_keys */
	int trace_fd;		/* map sg_trace */
	int state_fd;		/* map sg_state */
	int limits_fd;		/* map sg_limits (-1 if absent: an older build) */
	int src_fd;		/* map sg_src, per-source SYN limit (-1 if absent) */
	int acl4_fd;		/* maps sg_acl4, sg_acl6, sg_acl: the allow and deny */
	int acl6_fd;		/* lists (include/acl_defs.h); -1 if absent (an */
	int acl_fd;		/* older build) */
	int aclx_fd[4];		/* sg_acl4h, sg_acl6h, sg_acl4b, sg_acl6b: their fast */
				/* structure (-1 if absent: an older build) */
	int engage_cfg_fd;	/* maps sg_engage_cfg, sg_engage, sg_engage_log: */
	int engage_fd;		/* engagement mode (include/engage_defs.h); -1 if */
	int engage_log_fd;	/* absent (an older build) */
	/* Set when another XDP program is attached (return -EEXIST). */
	__u32 foreign_id;
	enum sg_mode foreign_mode;
	char foreign_name[16];
	/* libxdp: our program sits in this dispatcher (0: attached alone
	 * through netlink); or the foreign program is a dispatcher that we
	 * can join (attach_libxdp.h) */
	__u32 dispatcher_id;
	bool foreign_dispatcher;
};

/*
 * Look at ifindex (also inside a libxdp dispatcher). Returns 0 with d filled and fds open (close them with
 * sg_defense_close), -ENOENT if no XDP program is attached, -EEXIST if a
 * foreign one is (foreign_* filled), -EPROTO if ours is attached but its maps
 * do not match this build (another synguard version), other -errno on
 * failure.
 */
int sg_defense_open(int ifindex, struct sg_defense *d);
void sg_defense_close(struct sg_defense *d);

/* Every protected interface of the current netns, in ifindex order.
 * Returns the count (>= 0) with *out malloc'ed (free with
 * sg_defense_free_list), or -errno. */
int sg_defense_list(struct sg_defense **out);
void sg_defense_free_list(struct sg_defense *list, int n);

int sg_defense_read_config(const struct sg_defense *d, struct sg_config *cfg);
/* XDP's own findings (sg_state); zeroed if unreadable. */
int sg_defense_read_state(const struct sg_defense *d, struct sg_state *st);
/* Is XDP->tc metadata off (protect --no-xdp-meta, or the driver refused)? */
bool sg_defense_meta_off(const struct sg_defense *d, const struct sg_config *cfg);

/* Is a tc program of this name one of ours: the handoff (sg_tc) or the
 * synproxy design's (sg_tc_spx)? */
static inline bool sg_tc_name_ours(const char *name)
{
	return !strcmp(name, SG_TC_PROG_NAME) || !strcmp(name, SG_TC_SPX_PROG_NAME);
}

#endif
