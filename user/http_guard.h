/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * http_guard.h - who gets a connection to the metrics server, and for how
 * long. libmicrohttpd (0.9.75) only refuses connections beyond its limits,
 * so clients that connect and never finish a request (idle or slowloris)
 * would lock real scrapes out. The guard accepts connections itself and
 * hands them to MHD (MHD_add_connection), and
 *   - gives every connection header_timeout_s to send a complete request
 *     after it connected, and idle_timeout_s after the end of a response for
 *     the next one (MHD's own idle timeout covers silence at any time);
 *   - keeps at most per_source connections per source (IPv4 address, IPv6
 *     /64) and max_conns in all: a new connection beyond the first limit
 *     closes the connection of that source that has been waiting for its
 *     request the longest; beyond the second, that of the source with the
 *     most connections (so a burst from heavy sources cannot close a lone
 *     scraper's connection before its request arrived); only when every
 *     candidate is busy with a response is the new one refused;
 * so a scrape always finds room, and memory stays bounded (max_conns MHD
 * connections with a fixed memory pool each, plus those MHD has yet to
 * close: hg_capacity() in all, 4 x max_conns or at least 512 more).
 * A connection is closed by shutdown() on a dup of its socket, so that the
 * descriptor MHD owns is never touched and never reused under us; the dup
 * is closed at once, and a closing connection takes no room under the
 * limits however long MHD takes to close it.
 */
#ifndef SG_HTTP_GUARD_H
#define SG_HTTP_GUARD_H

#include <stdint.h>
#include <microhttpd.h>

struct hg_limits {
	unsigned int header_timeout_s;	/* 1.. */
	unsigned int idle_timeout_s;	/* 1.. */
	unsigned int per_source;	/* 1.. */
	unsigned int max_conns;		/* 1.. */
};
#define HG_DEFAULT_HEADER_TIMEOUT_S	5
#define HG_DEFAULT_IDLE_TIMEOUT_S	10
#define HG_DEFAULT_PER_SOURCE		32
#define HG_DEFAULT_MAX_CONNS		128
#define HG_MAX_CONNS_LIMIT		4096

void hg_limits_default(struct hg_limits *lim);
/* The command-line options, in this order: --header-timeout,
 * --idle-timeout, --max-conns-per-source, --max-connections */
enum hg_opt { HG_OPT_HEADER_TIMEOUT, HG_OPT_IDLE_TIMEOUT, HG_OPT_PER_SOURCE, HG_OPT_MAX_CONNS };
/* Set one limit from its option's argument: 0, or SG_EXIT_USAGE after a
 * message. */
int hg_parse_opt(int which, const char *arg, struct hg_limits *lim);

struct hg_counts {
	uint64_t accepted, refused, evicted_source, evicted_full, timed_out;
};

struct http_guard;

/* NULL when out of memory. */
struct http_guard *hg_new(const struct hg_limits *lim);
/* Live and closing connections: MHD must be allowed this many. */
unsigned int hg_capacity(const struct http_guard *g);
/* For MHD_OPTION_NOTIFY_CONNECTION (cls = the guard). */
void hg_notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe);
/* For MHD_OPTION_NOTIFY_COMPLETED (cls = the guard): the response is over,
 * the connection waits for its next request. */
void hg_request_completed(void *cls, struct MHD_Connection *c, void **req_ctx,
			  enum MHD_RequestTerminationCode toe);
/* The request on c is complete and being answered: no timeout but MHD's. */
void hg_answering(struct http_guard *g, struct MHD_Connection *c);
/* Accept on listen_fd (the guard makes it non-blocking) and feed d, in a
 * thread of the guard's. 0, or -errno. */
int hg_start(struct http_guard *g, int listen_fd, struct MHD_Daemon *d);
/* Stop accepting (call before MHD_stop_daemon). */
void hg_stop(struct http_guard *g);
/* After MHD_stop_daemon: closes what is left. */
void hg_free(struct http_guard *g);
void hg_get_counts(struct http_guard *g, struct hg_counts *out);

#endif
