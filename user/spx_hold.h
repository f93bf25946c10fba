/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * spx_hold.h - what unprotect leaves of the synproxy defense while the
 * connections it opened are still open. nft SYNPROXY answered the client
 * with the cookie's sequence numbers and the listener with its own, so
 * conntrack translates them (seqadj) for the whole life of each connection.
 * Conntrack runs in a network namespace only while something there uses it;
 * when synguard's table is the only user, deleting it stops the translation
 * and breaks every proxied connection; the kernel's synproxy hooks, which
 * translate their timestamps, run only while a SYNPROXY statement exists.
 * So unprotect keeps the table, as a "hold" table (the same rules, which
 * act only on packets that synguard's tc program, removed, marked; the
 * ports in its comment) while such connections remain, and the next protect or unprotect of the
 * interface removes it once they have closed (docs/design.md).
 */
#ifndef SG_SPX_HOLD_H
#define SG_SPX_HOLD_H

#include <stddef.h>
#include <linux/types.h>

#include "synguard.h"

/* Open TCP connections (neither TIME_WAIT nor CLOSE) that conntrack tracks
 * in this network namespace towards ports: from /proc/net/nf_conntrack.
 * Proxied or not (a connection older than the defense is tracked too once
 * conntrack runs): conntrack does not show which. -1 if it cannot be read. */
int sg_ct_open_conns(const __u64 ports[SG_PORT_WORDS]);

/*
 * Unprotect's end of the synproxy defense of ifname/ifindex: with ports (the
 * protected ones, from the configuration) or NULL (then the ports a hold
 * table recorded, if any). Removes synguard's table, or holds conntrack
 * for the connections still open: *kept is their number (-1: not known,
 * /proc/net/nf_conntrack unreadable), 0 if the table was removed or there
 * was none; *had says whether a table (or hold) existed. 0, or -1 with
 * nft's message in err.
 */
int sg_spx_release(const char *ifname, int ifindex, const __u64 *ports, int *kept, int *had,
		   char *err, size_t len);

/* A hold table on ifindex: 1 with its ports (text form) and the open
 * connections to them (*open, -1 if unknown), or 0 if there is none (or nft
 * cannot tell). */
int sg_spx_hold_find(int ifindex, char *ports, size_t len, int *open);

#endif
