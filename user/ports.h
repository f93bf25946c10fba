/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ports.h - TCP port lists on the command line ("80,443,8000-8010") and the
 * bitmap of sg_config.ports (include/synguard.h).
 */
#ifndef SG_PORTS_H
#define SG_PORTS_H

#include <stddef.h>
#include <linux/types.h>

#include "synguard.h"

/*
 * Parse a comma-separated list of ports (1..65535) and ranges LO-HI
 * (LO <= HI) into ports[SG_PORT_WORDS] (cleared first). Whitespace around
 * items is allowed, empty items are not. Returns the number of distinct ports
 * (> 0), or -1 with a message in err (no "synguard:" prefix).
 */
int sg_ports_parse(const char *s, __u64 ports[SG_PORT_WORDS], char *err, size_t errlen);

/* Number of ports set in the bitmap. */
unsigned int sg_ports_count(const __u64 ports[SG_PORT_WORDS]);

/* Room for the text form of the port lists synguard writes into nftables
 * (the synproxy design's table: a rule's port set, a hold table's comment) */
#define SG_PORTS_TEXT_MAX 1024

/*
 * Compact text form with ranges folded ("22,80,8000-8010"); "" when empty.
 * Returns the length it needed (like snprintf); buf is always terminated.
 */
size_t sg_ports_format(const __u64 ports[SG_PORT_WORDS], char *buf, size_t len);

/* Call fn(port, ctx) for every port set, in increasing order. */
void sg_ports_foreach(const __u64 ports[SG_PORT_WORDS],
		      void (*fn)(unsigned int port, void *ctx), void *ctx);

#endif
