/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pins.h - the pin directory of a protected interface:
 *   /sys/fs/bpf/synguard/IFACE                in the initial network namespace
 *   /sys/fs/bpf/synguard/netns-INODE/IFACE    in any other one
 * holding the programs ("xdp", "tc") and maps ("sg_config", "sg_stats",
 * "sg_synts"). Pins are a convenience for other tools (bpftool, the tracer):
 * synguard itself finds everything through the netlink attachment.
 */
#ifndef SG_PINS_H
#define SG_PINS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define SG_PIN_XDP	"xdp"
#define SG_PIN_TC	"tc"

/* Are we in the initial network namespace? *ino = our netns inode. */
bool sg_netns_is_init(unsigned long *ino);
/* Is the mount namespace the initial one (0 under `ip netns exec`)?
 * 1 yes, 0 no, -1 cannot tell. */
int sg_mntns_is_init(void);
/* Is a bpffs mounted at /sys/fs/bpf (without mounting one)? */
bool sg_bpffs_mounted(void);

/* The pin directory for ifname in the current netns. 0 or -ENAMETOOLONG. */
int sg_pin_dir(const char *ifname, char *buf, size_t len);

/* Pin fds under dir (created with parents; stale pins replaced).
 * 0 or -errno, with *what naming the failing pin. */
struct sg_pin { const char *name; int fd; };
int sg_pins_create(const char *dir, const struct sg_pin *pins, int n, const char **what);

/* Does dir/xdp pin the program with this id? */
bool sg_pins_match(const char *dir, __u32 xdp_prog_id);

/* Remove our pins and dir (and an emptied netns-INODE parent). 0 if the
 * directory is gone afterwards (or never was), else -errno. */
int sg_pins_remove(const char *dir);

#endif
