// SPDX-License-Identifier: GPL-2.0-only
/* repair.c - half states and undoing a failed --force; see repair.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attach.h"
#include "defense_maps.h"
#include "pins.h"
#include "repair.h"

bool sg_leftover_find(int ifindex, const char *ifname, struct sg_leftover *lo)
{
	char name[16];
	__u32 id;

	memset(lo, 0, sizeof(*lo));
	if (sg_tc_query(ifindex, &id) == 0 && !sg_prog_name(id, name) &&
	    sg_tc_name_ours(name))
		lo->tc_id = id;
	lo->pins = !sg_pin_dir(ifname, lo->pin_dir, sizeof(lo->pin_dir)) && sg_bpffs_mounted() &&
		   access(lo->pin_dir, F_OK) == 0;
	return lo->tc_id || lo->pins;
}

int sg_foreign_hold(struct sg_foreign *f, __u32 id, enum sg_mode mode, const char *name)
{
	memset(f, 0, sizeof(*f));
	f->fd = bpf_prog_get_fd_by_id(id);
	if (f->fd < 0)
		return -errno;
	f->held = true;
	f->id = id;
	f->mode = mode;
	memcpy(f->name, name, sizeof(f->name));
	f->name[sizeof(f->name) - 1] = '\0';
	return 0;
}

int sg_foreign_restore(int ifindex, struct sg_foreign *f, int our_fd, enum sg_mode our_mode)
{
	int err;

	if (!f->held || !f->removed)
		return 0;
	if (our_fd >= 0 && our_mode == f->mode) {
		/* one netlink request: no moment without an XDP program, and
		 * nothing someone else attached meanwhile is replaced */
		LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = our_fd);
		__u32 flags = XDP_FLAGS_REPLACE |
			      (f->mode == SG_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE);

		err = bpf_xdp_attach(ifindex, f->fd, flags, &o);
	} else {
		/* the kernel allows one mode at a time: ours must go first */
		if (our_fd >= 0 && (err = sg_xdp_detach(ifindex, our_mode, our_fd)))
			return err;
		err = sg_xdp_attach(ifindex, f->fd, f->mode, false);
	}
	if (!err)
		f->removed = false;
	return err;
}

void sg_foreign_release(struct sg_foreign *f)
{
	if (f->held)
		close(f->fd);
	f->held = false;
}

bool sg_repair_pins(const struct sg_defense *d, const char *pin_dir)
{
	struct sg_pin pins[8];
	const char *what;
	int n = 0, tc_fd, err;

	if (!sg_bpffs_mounted() || sg_mntns_is_init() == 0 || !d->tc_id)
		return false;
	tc_fd = bpf_prog_get_fd_by_id(d->tc_id);
	if (tc_fd < 0)
		return false;
	pins[n++] = (struct sg_pin){ SG_PIN_XDP, d->xdp_fd };
	pins[n++] = (struct sg_pin){ SG_PIN_TC, tc_fd };
	pins[n++] = (struct sg_pin){ "sg_config", d->config_fd };
	pins[n++] = (struct sg_pin){ "sg_stats", d->stats_fd };
	if (d->synts_fd >= 0)
		pins[n++] = (struct sg_pin){ "sg_synts", d->synts_fd };
	if (d->acl4_fd >= 0 && d->acl6_fd >= 0 && d->acl_fd >= 0) {
		pins[n++] = (struct sg_pin){ "sg_acl4", d->acl4_fd };
		pins[n++] = (struct sg_pin){ "sg_acl6", d->acl6_fd };
		pins[n++] = (struct sg_pin){ "sg_acl", d->acl_fd };
	}
	err = sg_pins_create(pin_dir, pins, n, &what);
	close(tc_fd);
	return err == 0;
}
