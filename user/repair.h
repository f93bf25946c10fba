/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * repair.h - half states and how to undo a failed change.
 *
 * synguard's full state on an interface is: our XDP program, our tc handoff
 * filter and (with the host's bpffs) the pins. A command that was killed, a
 * qdisc someone deleted, or a failure can leave part of it:
 *   - tc without XDP: harmless (the tc program passes every packet that XDP
 *     did not mark; with --no-xdp-meta it hands over only ACKs with a valid
 *     cookie, which only XDP issues), so it is the state unprotect goes
 *     through, and protect attaches tc first;
 *   - XDP without tc: harmful (valid cookie ACKs are never handed over and
 *     the clients get resets);
 *   - stale pins: harmless, but they keep old programs and maps alive.
 * status reports each as "partial" and protect/unprotect repair them.
 */
#ifndef SG_REPAIR_H
#define SG_REPAIR_H

#include <limits.h>
#include <stdbool.h>
#include <linux/types.h>

#include "synguard.h"

/* What of ours is on an interface besides an XDP program. */
struct sg_leftover {
	__u32 tc_id;		/* our tc handoff filter's program, 0 if none */
	bool pins;		/* our pin directory exists */
	char pin_dir[PATH_MAX];
};
/* Fill lo for ifindex/ifname; true if anything of ours is there. */
bool sg_leftover_find(int ifindex, const char *ifname, struct sg_leftover *lo);

/* A foreign XDP program that protect --force removes: held by fd so that it
 * can be put back, exactly as it was, when the protection fails. */
struct sg_foreign {
	bool held;		/* fd is valid */
	bool removed;		/* this run detached or replaced it */
	int fd;
	__u32 id;
	enum sg_mode mode;
	char name[16];
};
/* Take a reference on program id before it is detached. 0 or -errno. */
int sg_foreign_hold(struct sg_foreign *f, __u32 id, enum sg_mode mode, const char *name);
/* Put the removed program back. our_fd: our XDP program if it is attached
 * (in our_mode), else -1. In the same mode the swap is atomic and only
 * happens if ours is still the attached program. 0 or -errno. */
int sg_foreign_restore(int ifindex, struct sg_foreign *f, int our_fd, enum sg_mode our_mode);
void sg_foreign_release(struct sg_foreign *f);


/* A protected interface without (matching) pins, e.g. protect was killed
 * before pinning: pin its programs and maps in pin_dir, if the host's bpffs
 * is here (never into the private one of `ip netns exec`). true if pinned. */
struct sg_defense;
bool sg_repair_pins(const struct sg_defense *d, const char *pin_dir);

#endif
