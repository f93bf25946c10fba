// SPDX-License-Identifier: GPL-2.0-only
/* metrics_http.c - libmicrohttpd glue for `synguard metrics`; see metrics_http.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <microhttpd.h>

#include "common.h"
#include "http_guard.h"
#include "metrics_http.h"
#include "num_parse.h"

#define CONTENT_TYPE_METRICS	"text/plain; version=0.0.4; charset=utf-8"
/* Polling threads: a scrape blocks its thread while it renders, and the
 * scrapes serialize on the render lock anyway; two keep the other
 * connections moving meanwhile. */
#define POOL_THREADS		2
#define CONN_MEMORY		(32 * 1024)	/* MHD's pool per connection: headers */
#define LISTEN_BACKLOG		1024	/* a connect storm must not drop a scrape's SYN */

struct metrics_http {
	struct MHD_Daemon *d;
	struct http_guard *g;
	int lfd;
	metrics_http_fn fn;
	void *ctx;
};

static const char index_html[] =
	"<html><head><title>synguard</title></head><body>\n"
	"<h1>synguard metrics</h1>\n"
	"<p><a href=\"/metrics\">/metrics</a>: defense counters, attach state, handshake "
	"latency histograms, in the Prometheus text format.</p>\n"
	"</body></html>\n";

int metrics_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len,
			 char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *port_s;
	unsigned long port;
	size_t hlen;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':') {
			snprintf(err, errlen, "'%s': use [IPV6]:PORT", s);
			return -1;
		}
		hlen = rb - s - 1;
		colon = rb + 1;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (!colon) {
			snprintf(err, errlen, "'%s': use ADDR:PORT (e.g. 127.0.0.1:9750)", s);
			return -1;
		}
		hlen = colon - s;
	}
	if (hlen >= sizeof(host)) {
		snprintf(err, errlen, "'%s': address too long", s);
		return -1;
	}
	memcpy(host, s, hlen);
	host[hlen] = 0;
	port_s = colon + 1;
	if (sg_num_parse(port_s, 0, 65535, NULL, &port)) {
		snprintf(err, errlen, "bad port '%s': use 0..65535", port_s);
		return -1;
	}
	if (!*host || !strcmp(host, "*")) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		a->sin_addr.s_addr = htonl(INADDR_ANY);
		*len = sizeof(*a);
		return 0;
	}
	{
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &a->sin_addr) == 1) {
			a->sin_family = AF_INET;
			a->sin_port = htons(port);
			*len = sizeof(*a);
			return 0;
		}
	}
	{
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &a->sin6_addr) == 1) {
			a->sin6_family = AF_INET6;
			a->sin6_port = htons(port);
			*len = sizeof(*a);
			return 0;
		}
	}
	snprintf(err, errlen, "bad address '%s': use a numeric IPv4 or [IPv6] address", host);
	return -1;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *type,
			     char *body, size_t len, enum MHD_ResponseMemoryMode mode,
			     const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;	/* MHD closes the connection */
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result text(struct MHD_Connection *c, unsigned int status, const char *msg,
			    const char *allow)
{
	return reply(c, status, "text/plain; charset=utf-8", (char *)msg, strlen(msg),
		     MHD_RESPMEM_PERSISTENT, allow);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **req_ctx)
{
	static int first_call_marker;
	struct metrics_http *h = cls;
	bool get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
	bool is_metrics = !strcmp(url, "/metrics"), is_index = !strcmp(url, "/");
	char *body = NULL;
	size_t len = 0;

	(void)version;
	(void)upload;
	/* The first call only announces the request; answering then would
	 * leave a request body (POST ...) unread on the connection. Later calls
	 * deliver the body, which we discard. */
	if (!*req_ctx) {
		*req_ctx = &first_call_marker;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	hg_answering(h->g, c);	/* the request is complete: no header timeout */
	if (!is_metrics && !is_index)
		return text(c, MHD_HTTP_NOT_FOUND, "404 not found: try /metrics\n", NULL);
	if (!get)
		return text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "405 method not allowed: use GET\n",
			    "GET, HEAD");
	if (is_index)
		return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", (char *)index_html,
			     sizeof(index_html) - 1, MHD_RESPMEM_PERSISTENT, NULL);
	if (h->fn(h->ctx, &body, &len)) {
		free(body);
		return text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
			    "500 cannot collect the metrics (see synguard's stderr)\n", NULL);
	}
	/* MHD (a HEAD request) sends the headers and the length only */
	return reply(c, MHD_HTTP_OK, CONTENT_TYPE_METRICS, body, len, MHD_RESPMEM_MUST_FREE, NULL);
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	if (!sg_env.verbose)
		return;	/* client misbehaviour (resets, garbage) is not our error */
	fputs("synguard: http: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* Two descriptors per live connection (MHD's and the guard's dup), one per
 * closing one: make sure the soft limit allows them, as far as the hard
 * limit does. */
static void raise_nofile(unsigned int conns)
{
	rlim_t want = (rlim_t)conns * 2 + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	setrlimit(RLIMIT_NOFILE, &rl);
}

int metrics_http_start(const char *listen_s, const struct hg_limits *lim, metrics_http_fn fn,
		       void *ctx, struct metrics_http **out, char *bound, size_t boundlen)
{
	struct hg_limits defaults;
	struct sockaddr_storage ss, got;
	socklen_t sl, gl = sizeof(got);
	struct metrics_http *h;
	char err[160], host[INET6_ADDRSTRLEN];
	int fd, one = 1, rc;

	*out = NULL;
	hg_limits_default(&defaults);
	if (!lim)
		lim = &defaults;
	if (metrics_parse_listen(listen_s, &ss, &sl, err, sizeof(err)))
		return sg_fail(SG_EXIT_USAGE, "--listen %s", err);
	/* Our own socket, so that a busy port gets a precise message and port 0
	 * a real port number to report. */
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sg_fail(SG_EXIT_ERROR, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, LISTEN_BACKLOG)) {
		int e = errno;

		close(fd);
		return sg_fail(SG_EXIT_ERROR, "cannot listen on %s: %s%s", listen_s, strerror(e),
			       e == EADDRINUSE ? " (another metrics server running?)" :
			       e == EADDRNOTAVAIL ? " (not an address of this host/namespace)" : "");
	}
	if (getsockname(fd, (struct sockaddr *)&got, &gl) == 0) {
		if (got.ss_family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&got;

			inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
			snprintf(bound, boundlen, "[%s]:%u", host, ntohs(a->sin6_port));
		} else {
			struct sockaddr_in *a = (struct sockaddr_in *)&got;

			inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
			snprintf(bound, boundlen, "%s:%u", host, ntohs(a->sin_port));
		}
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		close(fd);
		return sg_fail(SG_EXIT_ERROR, "out of memory");
	}
	h->fn = fn;
	h->ctx = ctx;
	h->lfd = fd;
	h->g = hg_new(lim);
	if (!h->g) {
		close(fd);
		free(h);
		return sg_fail(SG_EXIT_ERROR, "out of memory");
	}
	raise_nofile(hg_capacity(h->g));	/* MHD's + the guard's dups (live ones) */
	/* The guard accepts and hands connections over (http_guard.h). */
	h->d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_NO_LISTEN_SOCKET |
				MHD_USE_ITC | MHD_USE_ERROR_LOG,
				0, NULL, NULL, handle, h,
				MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)POOL_THREADS,
				/* the guard's limits are the real ones: MHD must take
				 * whatever it hands over, closing ones included, in
				 * either pool thread (each gets half of this) */
				MHD_OPTION_CONNECTION_LIMIT, hg_capacity(h->g) * POOL_THREADS,
				MHD_OPTION_CONNECTION_TIMEOUT,
				lim->idle_timeout_s,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
				MHD_OPTION_NOTIFY_CONNECTION, hg_notify_connection, h->g,
				MHD_OPTION_NOTIFY_COMPLETED, hg_request_completed, h->g,
				MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
				MHD_OPTION_END);
	if (!h->d) {
		close(fd);
		hg_free(h->g);
		free(h);
		return sg_fail(SG_EXIT_ERROR, "cannot start the HTTP server on %s", listen_s);
	}
	rc = hg_start(h->g, fd, h->d);
	if (rc) {
		MHD_stop_daemon(h->d);
		close(fd);
		hg_free(h->g);
		free(h);
		return sg_fail(SG_EXIT_ERROR, "cannot start the HTTP server on %s: %s", listen_s,
			       strerror(-rc));
	}
	*out = h;
	return SG_EXIT_OK;
}

void metrics_http_stop(struct metrics_http *h)
{
	if (!h)
		return;
	hg_stop(h->g);		/* no new connections */
	if (sg_env.verbose) {
		struct hg_counts n;

		hg_get_counts(h->g, &n);
		fprintf(stderr, "synguard: http: %llu connections accepted, %llu refused, "
			"closed: %llu over the per-source limit, %llu over the total, "
			"%llu by the header timeout\n", (unsigned long long)n.accepted,
			(unsigned long long)n.refused, (unsigned long long)n.evicted_source,
			(unsigned long long)n.evicted_full, (unsigned long long)n.timed_out);
	}
	MHD_stop_daemon(h->d);	/* closes the connections */
	close(h->lfd);
	hg_free(h->g);
	free(h);
}
