// SPDX-License-Identifier: GPL-2.0-only
/* pins.c - pin directories of protected interfaces; see pins.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>

#include "pins.h"
#include "synguard.h"

/* Every name we may pin; removal unlinks exactly these (never rm -r). */
static const char *const pin_names[] = {
	SG_PIN_XDP, SG_PIN_TC, "sg_config", "sg_stats", "sg_synts", "sg_acl4", "sg_acl6", "sg_acl",
};

/* 1 if our namespace a is the same as pid 1's b, 0 if not, -1 if we cannot
 * tell (some sandboxes hide /proc/1/ns even from root). */
static int same_ns(const char *a, const char *b, unsigned long *ino)
{
	struct stat sa, sb;

	if (stat(a, &sa))
		return -1;
	if (ino)
		*ino = sa.st_ino;
	if (stat(b, &sb))
		return -1;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Since Linux 6.14 the initial netns has a fixed inode number
 * (PROC_NET_INIT_INO); older kernels number it like any other. */
#define SG_PROC_NET_INIT_INO 0xEFFFFFF9UL

bool sg_netns_is_init(unsigned long *ino)
{
	unsigned long me = 0;
	int r = same_ns("/proc/self/ns/net", "/proc/1/ns/net", &me);

	if (ino)
		*ino = me;
	if (r >= 0)
		return r;
	/* cannot see pid 1: fall back on the fixed number, and otherwise use
	 * netns-INODE, which every command computes the same way */
	return me == SG_PROC_NET_INIT_INO;
}

int sg_mntns_is_init(void)
{
	return same_ns("/proc/self/ns/mnt", "/proc/1/ns/mnt", NULL);
}

bool sg_bpffs_mounted(void)
{
	struct statfs st;

	return statfs("/sys/fs/bpf", &st) == 0 && (long)st.f_type == BPF_FS_MAGIC;
}

int sg_pin_dir(const char *ifname, char *buf, size_t len)
{
	unsigned long ino = 0;
	int n;

	if (sg_netns_is_init(&ino))
		n = snprintf(buf, len, "%s/%s", SG_PIN_ROOT, ifname);
	else
		n = snprintf(buf, len, "%s/netns-%lu/%s", SG_PIN_ROOT, ino, ifname);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int mkdir_p(const char *dir)
{
	char tmp[PATH_MAX];

	if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int sg_pins_create(const char *dir, const struct sg_pin *pins, int n, const char **what)
{
	char path[PATH_MAX];
	int err;

	*what = dir;
	err = mkdir_p(dir);
	if (err)
		return err;
	for (int i = 0; i < n; i++) {
		*what = pins[i].name;
		if (snprintf(path, sizeof(path), "%s/%s", dir, pins[i].name) >= (int)sizeof(path))
			return -ENAMETOOLONG;
		/* a leftover of an earlier protection that lost its device */
		if (unlink(path) && errno != ENOENT)
			return -errno;
		if (bpf_obj_pin(pins[i].fd, path))
			return -errno;
	}
	return 0;
}

bool sg_pins_match(const char *dir, __u32 xdp_prog_id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd;
	bool ok;

	if (!sg_bpffs_mounted())
		return false;
	if (snprintf(path, sizeof(path), "%s/%s", dir, SG_PIN_XDP) >= (int)sizeof(path))
		return false;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	ok = !bpf_obj_get_info_by_fd(fd, &info, &len) && info.id == xdp_prog_id;
	close(fd);
	return ok;
}

int sg_pins_remove(const char *dir)
{
	char path[PATH_MAX], parent[PATH_MAX];
	char *slash;

	if (!sg_bpffs_mounted())
		return 0;
	for (size_t i = 0; i < sizeof(pin_names) / sizeof(pin_names[0]); i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, pin_names[i]) >= (int)sizeof(path))
			return -ENAMETOOLONG;
		unlink(path);
	}
	if (rmdir(dir) && errno != ENOENT)
		return -errno;
	/* netns-INODE/ exists only for its interfaces: drop it when empty */
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash) {
		*slash = '\0';
		if (strstr(parent, "/netns-"))
			rmdir(parent); /* fails harmlessly while not empty */
	}
	return 0;
}
