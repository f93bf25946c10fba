/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * engage_watch.h - new engagement transitions of every protected interface
 * of this network namespace, for `trace`: polls each interface's
 * sg_engage_log (written by XDP, include/engage_defs.h) and reports the
 * events it has not reported yet. Many readers can watch at once (nothing
 * is consumed). Interfaces protected after the watch opened are not seen.
 */
#ifndef SG_ENGAGE_WATCH_H
#define SG_ENGAGE_WATCH_H

#include <net/if.h>
#include <linux/types.h>

#include "engage_defs.h"

struct sg_engage_watch_if {
	char ifname[IF_NAMESIZE];
	int log_fd;
	__u64 next;		/* events reported (or skipped at open) so far */
};

struct sg_engage_watch {
	int n;
	struct sg_engage_watch_if *ifs;
	__u64 missed;		/* events overwritten before a poll saw them */
};

typedef void (*sg_engage_watch_fn)(void *ctx, const char *ifname, const struct sg_engage_event *e,
				   __u64 unix_ns);

/* Opens the logs; events already there are not reported. 0 or -errno. */
int sg_engage_watch_open(struct sg_engage_watch *w);
/* Calls fn for each new event, oldest first per interface. */
void sg_engage_watch_poll(struct sg_engage_watch *w, sg_engage_watch_fn fn, void *ctx);
void sg_engage_watch_close(struct sg_engage_watch *w);

#endif
