/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sysctl.h - integer sysctls through /proc/sys. Network sysctls read this way
 * belong to the network namespace of the calling process, which is what we
 * want for the interface we protect (also under `ip netns exec`/nsenter).
 */
#ifndef SG_SYSCTL_H
#define SG_SYSCTL_H

/* name in dotted form, e.g. "net.ipv4.tcp_syncookies". 0 or -errno. */
int sg_sysctl_read(const char *name, long *val);
int sg_sysctl_write(const char *name, long val);

#endif
