// SPDX-License-Identifier: GPL-2.0-only
/* brport.c - bridge ports with br_netfilter on (brport.h says why). */
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "brport.h"
#include "veth.h"

/* net.bridge.* is per netns and /proc/sys/net shows the reader's netns:
 * right also under nsenter --net, which keeps the host's /sys. */
static int sysctl_on(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = 0;

	if (!f)
		return 0;	/* no br_netfilter loaded */
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v != 0;
}

int sg_brnf_port(int ifindex, char *br)
{
	struct sg_link me, master;

	if (sg_link_get(ifindex, -1, &me) || !me.master ||
	    sg_link_get(me.master, -1, &master) || strcmp(master.kind, "bridge"))
		return 0;
	if (!sysctl_on("/proc/sys/net/bridge/bridge-nf-call-iptables") &&
	    !sysctl_on("/proc/sys/net/bridge/bridge-nf-call-ip6tables"))
		return 0;
	snprintf(br, IF_NAMESIZE, "%s", master.name);
	return 1;
}
