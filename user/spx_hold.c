// SPDX-License-Identifier: GPL-2.0-only
/* spx_hold.c - conntrack kept for proxied connections; see spx_hold.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft_synproxy.h"
#include "ports.h"
#include "spx_hold.h"

int sg_ct_open_conns(const __u64 ports[SG_PORT_WORDS])
{
	FILE *f = fopen("/proc/net/nf_conntrack", "re");
	char line[1024];
	int n = 0;

	if (!f)
		return -1;
	/* "ipv6 10 tcp 6 431999 ESTABLISHED src=.. dst=.. sport=.. dport=P
	 * src=.. (the reply tuple) ...": the first dport is the listener's */
	while (fgets(line, sizeof(line), f)) {
		char *dp = strstr(line, " dport=");
		unsigned long port;

		if (!strstr(line, " tcp ") || !dp)
			continue;
		if (strstr(line, " TIME_WAIT ") || strstr(line, " CLOSE "))
			continue;
		/* SYN_SENT too: synproxy's SYN to the listener, in progress */
		port = strtoul(dp + 7, NULL, 10);
		if (port && port < 65536 && (ports[port / 64] >> (port % 64) & 1))
			n++;
	}
	fclose(f);
	return n;
}

int sg_spx_release(const char *ifname, int ifindex, const __u64 *ports, int *kept, int *had,
		   char *err, size_t len)
{
	__u64 held[SG_PORT_WORDS];
	char list[SG_PORTS_TEXT_MAX], e[64];
	int present = sg_nft_spx_list(ifindex, list, sizeof(list));

	*kept = 0;
	*had = present == 1;
	if (!*had)
		return 0;
	if (!ports && *list) {	/* a hold table: the ports it recorded */
		if (sg_ports_parse(list, held, e, sizeof(e)) > 0)
			ports = held;
		else
			return snprintf(err, len, "cannot read the ports of the hold table"), -1;
	}
	if (!ports)		/* a leftover of a protect killed early: nothing to keep */
		return sg_nft_spx_remove(ifindex, err, len);
	*kept = sg_ct_open_conns(ports);
	if (*kept == 0)
		return sg_nft_spx_remove(ifindex, err, len);
	if (sg_ports_format(ports, list, sizeof(list)) >= sizeof(list))
		return snprintf(err, len, "port list too long for the hold table"), -1;
	return sg_nft_spx_hold(ifname, ifindex, list, err, len);
}

int sg_spx_hold_find(int ifindex, char *ports, size_t len, int *open)
{
	__u64 set[SG_PORT_WORDS];
	char e[64];

	if (sg_nft_spx_list(ifindex, ports, len) != 1 || !*ports)
		return 0;
	*open = sg_ports_parse(ports, set, e, sizeof(e)) > 0 ? sg_ct_open_conns(set) : -1;
	return 1;
}
