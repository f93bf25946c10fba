/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tcpinfo_json.h - a socket's TCP_INFO as a JSON object, with tcpi_options
 * decoded, so that tests can compare what two handshakes negotiated.
 */
#ifndef SG_TCPINFO_JSON_H
#define SG_TCPINFO_JSON_H

#include "json.h"

/* Write member `name` = the TCP_INFO object of fd (or null if getsockopt
 * fails). Returns 0, or -errno. */
int sg_tcpinfo_json(struct jw *w, const char *name, int fd);

#endif
