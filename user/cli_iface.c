// SPDX-License-Identifier: GPL-2.0-only
/* cli_iface.c - see cli_iface.h. */
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "cli_iface.h"
#include "common.h"

int sg_cli_ifindex(const char *ifname, int *ifindex)
{
	*ifindex = (int)if_nametoindex(ifname);
	if (*ifindex <= 0)
		return sg_fail(SG_EXIT_NODEV, "no such network interface '%s' in this network "
			       "namespace", ifname);
	return 0;
}

int sg_cli_defense_error(const char *ifname, int err, const struct sg_defense *d)
{
	switch (err) {
	case -ENOENT:
		return sg_fail(SG_EXIT_NOT_PROTECTED, "%s is not protected by synguard", ifname);
	case -EEXIST:
		return sg_fail(SG_EXIT_NOT_PROTECTED, "%s is not protected by synguard (it runs "
			       "XDP program '%s', id %u)", ifname, d->foreign_name, d->foreign_id);
	case -EPROTO:
		/* ours by name, but its maps are not this build's: reading them
		 * would misread them, and only unprotect may replace it */
		return sg_fail(SG_EXIT_CONFLICT, "%s runs a synguard XDP program from an "
			       "incompatible build; run 'synguard unprotect %s' first", ifname,
			       ifname);
	default:
		return sg_fail(SG_EXIT_ERROR, "cannot query XDP on %s: %s", ifname,
			       strerror(-err));
	}
}

int sg_cli_defense_open(const char *ifname, int ifindex, struct sg_defense *d)
{
	int err = sg_defense_open(ifindex, d);

	return err ? sg_cli_defense_error(ifname, err, d) : 0;
}
