/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nft_synproxy.h - synguard's nftables table for the synproxy defense
 * (docs/design.md "Kernels 6.0-6.8"): `table inet synguard_ifIFINDEX`, one
 * per protected interface of a network namespace, whose input rules hand
 * the ACKs marked SG_SPX_MARK by sg_tc_spx to the kernel's SYNPROXY and
 * drop what conntrack calls invalid on its way to a protected port (a
 * client's segment that overtook its proxied handshake). Written through `nft -f -` in one transaction each, so a
 * failure leaves the previous table as it was. Nothing else in the
 * ruleset is read or changed.
 */
#ifndef SG_NFT_SYNPROXY_H
#define SG_NFT_SYNPROXY_H

#include <stddef.h>
#include <linux/types.h>

#include "synguard.h"	/* SG_PORT_WORDS */

/* The table's name for an interface, e.g. "synguard_if3". */
void sg_nft_spx_table(int ifindex, char *buf, size_t len);

/* Create the table of ifname/ifindex for the protected ports, or replace
 * its contents (idempotent). 0, or -1 with nft's message (or why nft did
 * not run) in err. */
int sg_nft_spx_apply(const char *ifname, int ifindex, const __u64 ports[SG_PORT_WORDS],
		     char *err, size_t len);

/* Delete the table if it exists (idempotent). 0 or -1 with err. */
int sg_nft_spx_remove(int ifindex, char *err, size_t len);

/* Make the table a hold table (spx_hold.h) for the connections to ports
 * (text form, "80,8000-8010"): the same rules, the ports in its comment.
 * 0 or -1 with err. */
int sg_nft_spx_hold(const char *ifname, int ifindex, const char *ports, char *err, size_t len);

/* One listing: 1 if the table exists with the rule, and then (len > 0) in
 * hold_ports the ports a hold table was made for ("" if it is not one); 0
 * if not, -1 if nft cannot tell. */
int sg_nft_spx_list(int ifindex, char *hold_ports, size_t len);

/* The ifindexes of synguard's tables in this network namespace (at most
 * max, in nft's order): their count, or -1 if nft cannot tell. */
int sg_nft_spx_tables(int *ifindex, int max);

/* 1 if the table exists with the rule, 0 if not, -1 if nft cannot tell. */
int sg_nft_spx_present(int ifindex);

/* 1 if nft runs here and this kernel accepts the rule (a check-only
 * transaction, nothing is changed), else 0 with why. */
int sg_nft_spx_probe(char *why, size_t len);

/* The rule's text for ifname (what sg_nft_spx_apply installs), for status. */
int sg_nft_spx_rule(const char *ifname, char *buf, size_t len);

#endif
