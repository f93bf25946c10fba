/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * metrics_http.h - the HTTP side of `synguard metrics`, on libmicrohttpd:
 *   GET/HEAD /metrics  the exposition from the render callback (200, or 500)
 *   GET/HEAD /         a small index page
 *   other methods on those paths: 405 with an Allow header
 *   any other path: 404
 * Two polling threads serve every connection (the callback guards its own
 * state); http_guard.h decides who gets a connection and for how long, so
 * idle, slow or vanishing clients cannot pile up or lock scrapes out.
 */
#ifndef SG_METRICS_HTTP_H
#define SG_METRICS_HTTP_H

#include <stddef.h>
#include <sys/socket.h>

#include "http_guard.h"

/* Fill *body (malloc'ed, the server frees it) and *len; non-zero = 500. */
typedef int (*metrics_http_fn)(void *ctx, char **body, size_t *len);

struct metrics_http;

/* "ADDR:PORT", "[V6ADDR]:PORT" or ":PORT" (all IPv4 addresses). Port 0 asks
 * the kernel for a free one. 0, or -1 with a message in err. */
int metrics_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len,
			 char *err, size_t errlen);

/* Bind, listen and start serving with the connection limits lim (NULL: the
 * HG_DEFAULT_* ones). On success *bound is "ADDR:PORT" as bound (the real
 * port when 0 was asked). Returns an sg_exit code after a message. */
int metrics_http_start(const char *listen, const struct hg_limits *lim, metrics_http_fn fn,
		       void *ctx, struct metrics_http **out, char *bound, size_t boundlen);
/* Close the listener and every connection, wait for the threads. */
void metrics_http_stop(struct metrics_http *h);

#endif
