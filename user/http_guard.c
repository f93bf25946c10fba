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

struct hg_conn {
	bool used, started, evicted;
	int fd;			/* MHD's descriptor: only a key, never used */
	int dupfd;		/* ours, for shutdown() */
	struct hg_src *src;	/* while live (not evicted) */
	uint64_t wait_since;	/* waiting for a request since (ns); 0 = answering */
	uint64_t deadline;	/* the request must be complete by then */
	uint64_t evicted_at;
	uint64_t gen;
};

struct http_guard {
	struct hg_limits lim;
	pthread_mutex_t lock;
	struct hg_conn *tab;
	struct hg_src *srcs;	/* cap entries: never more sources than slots */
	unsigned int cap;
	uint64_t gen;
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
	/* room for the connections being closed beside max_conns live ones */
	g->cap = lim->max_conns + lim->max_conns / 2 + 16;
	g->tab = calloc(g->cap, sizeof(*g->tab));
	g->srcs = calloc(g->cap, sizeof(*g->srcs));
	if (!g->tab || !g->srcs) {
		free(g->tab);
		free(g->srcs);
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

	for (unsigned int i = 0; i < g->cap; i++) {
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

/* lock held: c no longer counts for its source */
static void unlive(struct hg_conn *c)
{
	if (c->src) {
		c->src->live--;
		c->src = NULL;
	}
}

/* lock held */
static void evict(struct hg_conn *c, uint64_t now)
{
	shutdown(c->dupfd, SHUT_RDWR);	/* MHD sees EOF, closes and tells us */
	c->evicted = true;
	c->evicted_at = now;
	unlive(c);
}

/* lock held */
static void release(struct hg_conn *c)
{
	unlive(c);
	close(c->dupfd);
	memset(c, 0, sizeof(*c));
}

static void admit(struct http_guard *g, int fd, struct sockaddr_storage *ss, socklen_t len)
{
	struct hg_conn *victim_src = NULL, *victim_any = NULL, *slot = NULL, *c;
	unsigned int live = 0, live_src;
	uint64_t now = now_ns(), gen;
	struct in6_addr key;
	struct hg_src *src;
	int dupfd;

	source_key(ss, &key);
	pthread_mutex_lock(&g->lock);
	src = src_get(g, &key);
	if (!src)
		goto refuse;	/* cannot happen: no more sources than slots */
	live_src = src->live;
	for (unsigned int i = 0; i < g->cap; i++) {
		c = &g->tab[i];
		if (!c->used) {
			slot = slot ? slot : c;
			continue;
		}
		if (c->evicted)
			continue;
		live++;
		if (!c->wait_since)
			continue;	/* being answered */
		if (c->src == src && (!victim_src || c->wait_since < victim_src->wait_since))
			victim_src = c;
		/* when full, the heaviest source pays first (its longest waiting
		 * connection): a scraper with one connection is closed only if
		 * no source has more */
		if (!victim_any || c->src->live > victim_any->src->live ||
		    (c->src->live == victim_any->src->live &&
		     c->wait_since < victim_any->wait_since))
			victim_any = c;
	}
	if (live_src >= g->lim.per_source) {
		if (!victim_src)
			goto refuse;	/* all of this source's connections are busy */
		evict(victim_src, now);
		g->n.evicted_source++;
		live--;
	}
	if (live >= g->lim.max_conns) {
		if (!victim_any)
			goto refuse;
		evict(victim_any, now);
		g->n.evicted_full++;
	}
	if (!slot)
		goto refuse;	/* every slot holds a connection still closing */
	dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dupfd < 0)
		goto refuse;
	gen = ++g->gen;
	src->live++;
	*slot = (struct hg_conn){ .used = true, .fd = fd, .dupfd = dupfd, .src = src,
				  .wait_since = now,
				  .deadline = now + g->lim.header_timeout_s * NS, .gen = gen };
	g->n.accepted++;
	pthread_mutex_unlock(&g->lock);
	if (MHD_add_connection(g->d, fd, (struct sockaddr *)ss, len) != MHD_YES) {
		/* MHD closed fd; the slot is still ours unless MHD announced it */
		pthread_mutex_lock(&g->lock);
		if (slot->used && slot->gen == gen && !slot->started)
			release(slot);
		g->n.refused++;
		g->n.accepted--;
		pthread_mutex_unlock(&g->lock);
	}
	return;
refuse:
	g->n.refused++;
	pthread_mutex_unlock(&g->lock);
	close(fd);
}

static void reap(struct http_guard *g)
{
	uint64_t now = now_ns();

	pthread_mutex_lock(&g->lock);
	for (unsigned int i = 0; i < g->cap; i++) {
		struct hg_conn *c = &g->tab[i];

		if (!c->used)
			continue;
		if (c->evicted) {
			if (!c->started && now - c->evicted_at > ORPHAN_NS)
				release(c);
			continue;
		}
		if (c->wait_since && now > c->deadline) {
			evict(c, now);
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
	for (unsigned int i = 0; i < g->cap; i++)
		if (g->tab[i].used)
			release(&g->tab[i]);
	if (g->wake[0] >= 0) {
		close(g->wake[0]);
		close(g->wake[1]);
	}
	pthread_mutex_destroy(&g->lock);
	free(g->srcs);
	free(g->tab);
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
		/* not started yet: an old slot of a reused number is started */
		for (unsigned int i = 0; ci && i < g->cap; i++) {
			hc = &g->tab[i];
			if (hc->used && !hc->started && hc->fd == ci->connect_fd) {
				hc->started = true;
				*socket_context = hc;
				break;
			}
		}
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
		release(*socket_context);
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
	if (hc->used && !hc->evicted) {
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
	if (hc->used)
		hc->wait_since = 0;
	pthread_mutex_unlock(&g->lock);
}

void hg_get_counts(struct http_guard *g, struct hg_counts *out)
{
	pthread_mutex_lock(&g->lock);
	*out = g->n;
	pthread_mutex_unlock(&g->lock);
}
