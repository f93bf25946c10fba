// SPDX-License-Identifier: GPL-2.0-only
/* http_guard.c - see http_guard.h. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "http_guard.h"

#define NS		1000000000ull
#define REAP_EVERY_NS	(NS / 10)
/* A connection we shut down that MHD never announced (it failed to take it
 * over) would hold its slot forever: give up on it after this long. */
#define ORPHAN_NS	(10 * NS)

/* A source with live connections (IPv4 mapped, IPv6 /64); live == 0: free */
struct hg_src {
	struct in6_addr key;
	unsigned int live;
};

/*
 * One connection handed to MHD, from admit() until MHD reports it closed
 * (its socket_context). Live ones count against the limits; an evicted one
 * was shut down and only waits for MHD to close it: it holds no descriptor
 * of ours and no room under the limits, however long MHD takes (a loaded
 * machine: hundreds).
 */
struct hg_conn {
	struct hg_conn *prev, *next;	/* g->conns */
	bool started, evicted;
	int fd;			/* MHD's descriptor: only a key, never used */
	int dupfd;		/* ours, for shutdown(); -1 once evicted */
	struct hg_src *src;	/* while live */
	uint64_t since;		/* admitted, or evicted (ns) */
	uint64_t wait_since;	/* waiting for a request since (ns); 0 = answering */
	uint64_t deadline;	/* the request must be complete by then */
};

struct http_guard {
	struct hg_limits lim;
	pthread_mutex_t lock;
	struct hg_conn *conns;	/* every record, newest first */
	unsigned int live;	/* records not evicted */
	unsigned int nrec;	/* records: live + closing, at most cap */
	struct hg_src *srcs;	/* max_conns entries: never more sources than live */
	unsigned int cap;	/* connections MHD must take: live + closing */
	struct hg_counts n;
	struct MHD_Daemon *d;
	int lfd, wake[2];
	pthread_t thread;
	bool running;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NS + ts.tv_nsec;
}

void hg_limits_default(struct hg_limits *lim)
{
	*lim = (struct hg_limits){
		.header_timeout_s = HG_DEFAULT_HEADER_TIMEOUT_S,
		.idle_timeout_s = HG_DEFAULT_IDLE_TIMEOUT_S,
		.per_source = HG_DEFAULT_PER_SOURCE,
		.max_conns = HG_DEFAULT_MAX_CONNS,
	};
}

int hg_parse_opt(int which, const char *arg, struct hg_limits *lim)
{
	static const struct { const char *name; unsigned int max; } opt[] = {
		[HG_OPT_HEADER_TIMEOUT] = { "header-timeout", 3600 },
		[HG_OPT_IDLE_TIMEOUT] = { "idle-timeout", 3600 },
		[HG_OPT_PER_SOURCE] = { "max-conns-per-source", HG_MAX_CONNS_LIMIT },
		[HG_OPT_MAX_CONNS] = { "max-connections", HG_MAX_CONNS_LIMIT },
	};
	unsigned int *dst[] = {
		[HG_OPT_HEADER_TIMEOUT] = &lim->header_timeout_s,
		[HG_OPT_IDLE_TIMEOUT] = &lim->idle_timeout_s,
		[HG_OPT_PER_SOURCE] = &lim->per_source,
		[HG_OPT_MAX_CONNS] = &lim->max_conns,
	};
	char *end;
	long v;

	if (which < 0 || which > HG_OPT_MAX_CONNS)
		return sg_fail(SG_EXIT_USAGE, "internal: unknown limit %d", which);
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 1 || v > (long)opt[which].max)
		return sg_fail(SG_EXIT_USAGE, "--%s: '%s': use 1..%u", opt[which].name, arg,
			       opt[which].max);
	*dst[which] = (unsigned int)v;
	return 0;
}

struct http_guard *hg_new(const struct hg_limits *lim)
{
	struct http_guard *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->lim = *lim;
	/* room for connections MHD has yet to close beside the live ones */
	g->cap = lim->max_conns + (lim->max_conns * 4 > 512 ? lim->max_conns * 4 : 512);
	g->srcs = calloc(lim->max_conns, sizeof(*g->srcs));
	if (!g->srcs) {
		free(g);
		return NULL;
	}
	pthread_mutex_init(&g->lock, NULL);
	g->lfd = g->wake[0] = g->wake[1] = -1;
	return g;
}

unsigned int hg_capacity(const struct http_guard *g)
{
	return g->cap;
}

static void source_key(const struct sockaddr_storage *ss, struct in6_addr *k)
{
	memset(k, 0, sizeof(*k));
	if (ss->ss_family == AF_INET) {
		k->s6_addr[10] = k->s6_addr[11] = 0xff;
		memcpy(&k->s6_addr[12], &((const struct sockaddr_in *)ss)->sin_addr, 4);
		return;
	}
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;

		*k = *a;
		/* one host's IPv6 addresses are usually one /64; mapped IPv4 as IPv4 */
		if (!IN6_IS_ADDR_V4MAPPED(a))
			memset(&k->s6_addr[8], 0, 8);
	}
}

/* lock held. The entry of key, or a free one for it (NULL: none free). */
static struct hg_src *src_get(struct http_guard *g, const struct in6_addr *key)
{
	struct hg_src *free_e = NULL;

	for (unsigned int i = 0; i < g->lim.max_conns; i++) {
		struct hg_src *e = &g->srcs[i];

		if (!e->live) {
			free_e = free_e ? free_e : e;
			continue;
		}
		if (!memcmp(&e->key, key, sizeof(*key)))
			return e;
	}
	if (free_e)
		free_e->key = *key;
	return free_e;
}

/* lock held: c stops counting (it is being closed, or gone) */
static void unlive(struct http_guard *g, struct hg_conn *c)
{
	if (c->evicted)
		return;
	c->evicted = true;
	c->src->live--;
	c->src = NULL;
	g->live--;
	close(c->dupfd);
	c->dupfd = -1;
}

/* lock held */
static void evict(struct http_guard *g, struct hg_conn *c, uint64_t now)
{
	shutdown(c->dupfd, SHUT_RDWR);	/* MHD sees EOF, closes and tells us */
	unlive(g, c);
	c->since = now;
}

/* lock held: forget c */
static void release(struct http_guard *g, struct hg_conn *c)
{
	unlive(g, c);
	if (c->prev)
		c->prev->next = c->next;
	else
		g->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	g->nrec--;
	free(c);
}

static void admit(struct http_guard *g, int fd, struct sockaddr_storage *ss, socklen_t len)
{
	struct hg_conn *victim_src = NULL, *victim_any = NULL, *c;
	uint64_t now = now_ns();
	struct in6_addr key;
	struct hg_src *src;

	source_key(ss, &key);
	c = calloc(1, sizeof(*c));
	pthread_mutex_lock(&g->lock);
	for (struct hg_conn *o = g->conns; o; o = o->next) {
		if (o->evicted || !o->wait_since)
			continue;	/* closing, or being answered */
		if (!memcmp(&o->src->key, &key, sizeof(key)) &&
		    (!victim_src || o->wait_since < victim_src->wait_since))
			victim_src = o;
		/* when full, the heaviest source pays first (its longest waiting
		 * connection): a scraper with one connection is closed only if
		 * no source has more */
		if (!victim_any || o->src->live > victim_any->src->live ||
		    (o->src->live == victim_any->src->live && o->wait_since < victim_any->wait_since))
			victim_any = o;
	}
	if (victim_src && victim_src->src->live >= g->lim.per_source) {
		evict(g, victim_src, now);
		g->n.evicted_source++;
	} else if (g->live >= g->lim.max_conns && victim_any) {
		evict(g, victim_any, now);
		g->n.evicted_full++;
	}
	/* still over a limit: every candidate is busy answering */
	src = src_get(g, &key);
	if (!c || !src || src->live >= g->lim.per_source || g->live >= g->lim.max_conns)
		goto refuse;
	/* MHD must never refuse what we hand over: libmicrohttpd 0.9.75 was seen
	 * to deadlock its worker threads after "Failed to start serving new
	 * connection" (its limit reached by connections it had yet to close) */
	if (g->nrec >= g->cap)
		goto refuse;
	c->dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (c->dupfd < 0)
		goto refuse;
	c->fd = fd;
	c->src = src;
	c->since = c->wait_since = now;
	c->deadline = now + g->lim.header_timeout_s * NS;
	src->live++;
	g->live++;
	c->next = g->conns;
	if (g->conns)
		g->conns->prev = c;
	g->conns = c;
	g->nrec++;
	g->n.accepted++;
	pthread_mutex_unlock(&g->lock);
	if (MHD_add_connection(g->d, fd, (struct sockaddr *)ss, len) != MHD_YES) {
		/* MHD closed fd and will not announce it */
		pthread_mutex_lock(&g->lock);
		if (!c->started)
			release(g, c);
		g->n.refused++;
		g->n.accepted--;
		pthread_mutex_unlock(&g->lock);
	}
	return;
refuse:
	g->n.refused++;
	pthread_mutex_unlock(&g->lock);
	free(c);
	close(fd);
}

static void reap(struct http_guard *g)
{
	uint64_t now = now_ns();
	struct hg_conn *c, *next;

	pthread_mutex_lock(&g->lock);
	for (c = g->conns; c; c = next) {
		next = c->next;
		if (c->evicted) {
			/* MHD never took it over: nobody will report it closed */
			if (!c->started && now - c->since > ORPHAN_NS)
				release(g, c);
			continue;
		}
		if (c->wait_since && now > c->deadline) {
			evict(g, c, now);
			g->n.timed_out++;
		}
	}
	pthread_mutex_unlock(&g->lock);
}

static void *accept_loop(void *arg)
{
	struct http_guard *g = arg;
	uint64_t last_reap = 0;

	for (;;) {
		struct pollfd p[2] = { { .fd = g->lfd, .events = POLLIN },
				       { .fd = g->wake[0], .events = POLLIN } };

		if (poll(p, 2, 100) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;	/* hg_stop */
		/* a bounded batch, so that the reaper runs under a connect storm */
		for (int k = 0; k < 256 && (p[0].revents & POLLIN); k++) {
			struct sockaddr_storage ss;
			socklen_t len = sizeof(ss);
			int fd = accept4(g->lfd, (struct sockaddr *)&ss, &len,
					 SOCK_CLOEXEC | SOCK_NONBLOCK);

			if (fd < 0) {
				if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
				    errno == ENOMEM)
					usleep(10000);	/* out of descriptors: let closes finish */
				if (errno != EINTR && errno != ECONNABORTED)
					break;
				continue;
			}
			admit(g, fd, &ss, len);
		}
		if (now_ns() - last_reap >= REAP_EVERY_NS) {
			reap(g);
			last_reap = now_ns();
		}
	}
	return NULL;
}

int hg_start(struct http_guard *g, int listen_fd, struct MHD_Daemon *d)
{
	int fl = fcntl(listen_fd, F_GETFL);

	if (fl < 0 || fcntl(listen_fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	if (pipe2(g->wake, O_CLOEXEC | O_NONBLOCK))
		return -errno;
	g->lfd = listen_fd;
	g->d = d;
	if (pthread_create(&g->thread, NULL, accept_loop, g)) {
		close(g->wake[0]);
		close(g->wake[1]);
		g->wake[0] = g->wake[1] = -1;
		return -EAGAIN;
	}
	g->running = true;
	return 0;
}

void hg_stop(struct http_guard *g)
{
	if (!g || !g->running)
		return;
	if (write(g->wake[1], "x", 1) < 0)
		pthread_cancel(g->thread);	/* cannot happen with an empty pipe */
	pthread_join(g->thread, NULL);
	g->running = false;
}

void hg_free(struct http_guard *g)
{
	if (!g)
		return;
	hg_stop(g);
	while (g->conns)	/* MHD stopped: none of these will be reported */
		release(g, g->conns);
	if (g->wake[0] >= 0) {
		close(g->wake[0]);
		close(g->wake[1]);
	}
	pthread_mutex_destroy(&g->lock);
	free(g->srcs);
	free(g);
}

static struct hg_conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

void hg_notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct http_guard *g = cls;
	const union MHD_ConnectionInfo *ci;
	struct hg_conn *hc;

	pthread_mutex_lock(&g->lock);
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = NULL;
		/* not started yet (the record of a closed connection whose number
		 * was reused is started); newest first */
		for (hc = g->conns; ci && hc; hc = hc->next) {
			if (!hc->started && hc->fd == ci->connect_fd) {
				hc->started = true;
				*socket_context = hc;
				break;
			}
		}
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
		release(g, *socket_context);
		*socket_context = NULL;
	}
	pthread_mutex_unlock(&g->lock);
}

void hg_request_completed(void *cls, struct MHD_Connection *c, void **req_ctx,
			  enum MHD_RequestTerminationCode toe)
{
	struct http_guard *g = cls;
	struct hg_conn *hc = conn_of(c);
	unsigned int t = g->lim.idle_timeout_s > g->lim.header_timeout_s ?
			 g->lim.idle_timeout_s : g->lim.header_timeout_s;
	uint64_t now = now_ns();

	(void)req_ctx;
	(void)toe;
	if (!hc)
		return;
	pthread_mutex_lock(&g->lock);
	if (!hc->evicted) {
		hc->wait_since = now;
		hc->deadline = now + t * NS;
	}
	pthread_mutex_unlock(&g->lock);
}

void hg_answering(struct http_guard *g, struct MHD_Connection *c)
{
	struct hg_conn *hc = conn_of(c);

	if (!hc)
		return;
	pthread_mutex_lock(&g->lock);
	hc->wait_since = 0;
	pthread_mutex_unlock(&g->lock);
}

void hg_get_counts(struct http_guard *g, struct hg_counts *out)
{
	pthread_mutex_lock(&g->lock);
	*out = g->n;
	pthread_mutex_unlock(&g->lock);
}
