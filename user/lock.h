/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lock.h - one change at a time per interface. Every command that changes an
 * interface (protect, unprotect, and apply/unapply through them) takes an
 * exclusive flock() on
 *     /run/synguard/netns-NETNS_INODE.if-IFINDEX.lock
 * before it reads the interface's state, and holds it until it is done, so
 * that the final state is always exactly one command's result. The name uses
 * numbers only (never the interface name, which may hold any bytes); /run is
 * the same directory under `ip netns exec` and nsenter (only /sys differs).
 * A second command waits up to sg_lock_wait_s seconds (--wait), then exits
 * SG_EXIT_BUSY naming the holder's pid. The lock dies with its holder, also
 * with SIGKILL: a leftover file is never a held lock.
 */
#ifndef SG_LOCK_H
#define SG_LOCK_H

#include <stddef.h>
#include <sys/types.h>

#define SG_LOCK_DIR		"/run/synguard"
#define SG_LOCK_WAIT_DEFAULT	10.0	/* seconds */

struct sg_lock {
	int fd;			/* -1: not held */
	char path[96];
};
#define SG_LOCK_INIT { .fd = -1 }
/* Declare a lock that is released when it goes out of scope, so that every
 * return path of a command releases it (apply runs several in a row). */
#define SG_LOCK_AUTO __attribute__((cleanup(sg_lock_release))) struct sg_lock

/* How long a command waits for another one's lock (--wait, seconds). */
extern double sg_lock_wait_s;
/* Parse --wait SECONDS (0..86400, fractions allowed) into sg_lock_wait_s.
 * 0, or SG_EXIT_USAGE after a message. */
int sg_lock_parse_wait(const char *arg);

/* The lock file of ifindex in the current network namespace. 0 or -errno. */
int sg_lock_path(int ifindex, char *buf, size_t len);

/* Take the lock of ifindex (ifname is for messages). 0: held (release with
 * sg_lock_release); SG_EXIT_BUSY: another command kept it longer than
 * sg_lock_wait_s; SG_EXIT_ERROR: the lock file cannot be used. Messages are
 * printed. */
int sg_lock_iface(int ifindex, const char *ifname, struct sg_lock *l);
void sg_lock_release(struct sg_lock *l);

/* Pid of the process holding the lock of ifindex right now, 0 if none (or
 * unknown). Creates nothing, waits for nothing: for status. */
pid_t sg_lock_holder(int ifindex);

#endif
