// SPDX-License-Identifier: GPL-2.0-only
/*
 * sg_server - the TCP server of synguard's integration tests and lab.
 *
 * For every accepted connection (one thread each): receive N bytes of the
 * client->server payload stream and verify them, send N bytes of the
 * server->client stream, wait for the client's FIN, then print one JSON line
 * with the byte counts, whether the payload checked out, and the accepted
 * socket's TCP_INFO (what the server side negotiated). With --accept-only it
 * accepts, counts and closes (for floods). The last line is a summary.
 *
 * Exit status: 0 when every connection succeeded and --count (if given) was
 * reached; 1 otherwise; 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "json.h"
#include "payload.h"
#include "tcpinfo_json.h"
#include "toolutil.h"

struct opts {
	int family;		/* 0 = dual stack */
	const char *bind;
	uint16_t port;
	uint64_t bytes;
	uint64_t count;		/* 0 = until timeout/signal */
	double timeout;		/* 0 = none */
	double io_timeout;
	uint64_t rcvbuf, clamp;	/* 0 = leave the listener's default */
	uint64_t maxseg;	/* TCP_MAXSEG on the listener, 0 = unset */
	uint64_t backlog;
	bool accept_only, quiet;
};

static struct opts o = { .bytes = 1 << 20, .io_timeout = 30, .backlog = 4096 };
static volatile sig_atomic_t stop;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_ulong n_ok, n_failed, n_running;

struct conn {
	int fd;
	unsigned long id;
	struct sockaddr_storage peer;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: sg_server [-4|-6] [-b ADDR] -p PORT [-n BYTES] [-c N] [-t SEC]\n"
		"                 [--io-timeout SEC] [--rcvbuf BYTES] [--clamp BYTES]\n"
		"                 [--maxseg BYTES] [--backlog N] [--accept-only] [-q]\n"
		"  -4/-6          listen on IPv4 only / IPv6 only (default: dual stack)\n"
		"  -b ADDR        bind address (default: any)\n"
		"  -n BYTES       bytes to receive, then to send back, per connection (1M)\n"
		"  -c, --count N  exit after N connections finished\n"
		"  -t, --timeout  give up after SEC seconds (exit 1 if --count not reached)\n"
		"  --rcvbuf B     SO_RCVBUF on the listener (inherited by children)\n"
		"  --clamp B      TCP_WINDOW_CLAMP on the listener\n"
		"  --maxseg B     TCP_MAXSEG on the listener (the children's MSS clamp)\n"
		"  --accept-only  accept and close, counting connections (for floods)\n"
		"  -q             only the summary line\n");
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const char *run_conn(struct conn *c, uint64_t *in, uint64_t *out, bool *payload_ok)
{
	static const int chunk = 64 * 1024;
	unsigned char *buf = malloc(chunk);
	const char *err = NULL;

	*payload_ok = true;
	if (!buf)
		return "out of memory";
	while (*in < o.bytes) {
		size_t want = o.bytes - *in < (uint64_t)chunk ? o.bytes - *in : (size_t)chunk;
		ssize_t r = recv(c->fd, buf, want, 0);

		if (r == 0) { err = "peer closed early"; goto done; }
		if (r < 0) {
			if (errno == EINTR) continue;
			err = errno == EAGAIN ? "receive timeout" : strerror(errno);
			goto done;
		}
		if (*payload_ok && sg_payload_check(SG_PAYLOAD_C2S, *in, buf, r) >= 0)
			*payload_ok = false;
		*in += r;
	}
	while (*out < o.bytes) {
		size_t n = o.bytes - *out < (uint64_t)chunk ? o.bytes - *out : (size_t)chunk;
		ssize_t r;

		sg_payload_fill(SG_PAYLOAD_S2C, *out, buf, n);
		r = send(c->fd, buf, n, MSG_NOSIGNAL);
		if (r < 0) {
			if (errno == EINTR) continue;
			err = errno == EAGAIN ? "send timeout" : strerror(errno);
			goto done;
		}
		*out += r;
	}
	/* Wait for the client's FIN: by then it read (and acked) everything,
	 * so TCP_INFO's byte counters are final. */
	for (;;) {
		ssize_t r = recv(c->fd, buf, chunk, 0);

		if (r == 0) break;
		if (r < 0 && errno == EINTR) continue;
		if (r < 0) { err = errno == EAGAIN ? "timeout waiting for FIN" : strerror(errno); break; }
		err = "extra data after the payload";
		*payload_ok = false;
	}
done:
	free(buf);
	if (!err && !*payload_ok)
		err = "payload mismatch";
	return err;
}

static void *conn_thread(void *arg)
{
	struct conn *c = arg;
	uint64_t in = 0, out = 0, t0 = tu_now_ns();
	bool payload_ok = false;
	struct timeval tv = { .tv_sec = (time_t)o.io_timeout,
			      .tv_usec = (long)((o.io_timeout - (time_t)o.io_timeout) * 1e6) };
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);
	char peer[80], lstr[80];
	const char *err;
	struct jw *w;

	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	err = run_conn(c, &in, &out, &payload_ok);
	atomic_fetch_add(err ? &n_failed : &n_ok, 1);

	tu_addr_str((struct sockaddr *)&c->peer, peer, sizeof(peer));
	getsockname(c->fd, (struct sockaddr *)&local, &llen);
	tu_addr_str((struct sockaddr *)&local, lstr, sizeof(lstr));
	if (!o.quiet) {
		pthread_mutex_lock(&out_lock);
		w = jw_new(stdout, false);
		jw_start_object(w);
		jw_uint_field(w, "conn", c->id);
		jw_string_field(w, "peer", peer);
		jw_string_field(w, "local", lstr);
		jw_bool_field(w, "ok", !err);
		if (err)
			jw_string_field(w, "error", err);
		jw_uint_field(w, "bytes_in", in);
		jw_uint_field(w, "bytes_out", out);
		jw_bool_field(w, "payload_ok", payload_ok && in == o.bytes);
		jw_float_field(w, "seconds", (tu_now_ns() - t0) / 1e9);
		sg_tcpinfo_json(w, "tcp_info", c->fd);
		jw_end_object(w);
		jw_free(w);
		pthread_mutex_unlock(&out_lock);
	}
	close(c->fd);
	free(c);
	atomic_fetch_sub(&n_running, 1);
	return NULL;
}

static int listen_socket(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, v6only = o.family == AF_INET6;
	const char *addr = o.bind ? o.bind : (o.family == AF_INET ? "0.0.0.0" : "::");

	if (tu_parse_addr(addr, o.family, o.port, &ss, &len) < 0) {
		fprintf(stderr, "sg_server: bad bind address '%s'\n", addr);
		return -2;
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6 && !o.bind)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	/* Set on the listener before listen(): children inherit both, and the
	 * window scale of the SYN-ACK is chosen from them. */
	if (o.rcvbuf) {
		int v = (int)o.rcvbuf;

		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0)
			goto fail;
	}
	if (o.clamp) {
		int v = (int)o.clamp;

		if (setsockopt(fd, IPPROTO_TCP, TCP_WINDOW_CLAMP, &v, sizeof(v)) < 0)
			goto fail;
	}
	if (o.maxseg) {
		int v = (int)o.maxseg;

		if (setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof(v)) < 0)
			goto fail;
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, (int)o.backlog) < 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

static int parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "port", required_argument, 0, 'p' },
		{ "bind", required_argument, 0, 'b' },
		{ "bytes", required_argument, 0, 'n' },
		{ "count", required_argument, 0, 'c' },
		{ "timeout", required_argument, 0, 't' },
		{ "io-timeout", required_argument, 0, 'I' },
		{ "rcvbuf", required_argument, 0, 'R' },
		{ "clamp", required_argument, 0, 'C' },
		{ "maxseg", required_argument, 0, 'M' },
		{ "backlog", required_argument, 0, 'B' },
		{ "accept-only", no_argument, 0, 'A' },
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' },
		{ 0 }
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "46p:b:n:c:t:qh", lo, NULL)) != -1) {
		switch (c) {
		case '4': o.family = AF_INET; break;
		case '6': o.family = AF_INET6; break;
		case 'b': o.bind = optarg; break;
		case 'p':
			if (tu_parse_uint(optarg, 1, 65535, &v) < 0)
				goto bad;
			o.port = (uint16_t)v;
			break;
		case 'n': if (tu_parse_size(optarg, &o.bytes) < 0) goto bad; break;
		case 'c': if (tu_parse_uint(optarg, 0, UINT32_MAX, &o.count) < 0) goto bad; break;
		case 't': if (tu_parse_seconds(optarg, &o.timeout) < 0) goto bad; break;
		case 'I':
			if (tu_parse_seconds(optarg, &o.io_timeout) < 0 || o.io_timeout < 0.001)
				goto bad;
			break;
		case 'R': if (tu_parse_size(optarg, &o.rcvbuf) < 0 || o.rcvbuf > INT32_MAX) goto bad; break;
		case 'C': if (tu_parse_size(optarg, &o.clamp) < 0 || o.clamp > INT32_MAX) goto bad; break;
		case 'M': if (tu_parse_uint(optarg, 88, 65535, &o.maxseg) < 0) goto bad; break;
		case 'B': if (tu_parse_uint(optarg, 1, 65535, &o.backlog) < 0) goto bad; break;
		case 'A': o.accept_only = true; break;
		case 'q': o.quiet = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc || !o.port) {
		fprintf(stderr, "sg_server: %s\n", o.port ? "unexpected argument" : "-p PORT is required");
		usage(stderr);
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "sg_server: bad value '%s' for option -%c\n", optarg, c);
	return -1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t t0, deadline = 0, accepted = 0;
	bool timed_out = false;
	pthread_attr_t attr;
	struct jw *w;
	int lfd;

	if (parse_args(argc, argv) < 0)
		return 2;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	lfd = listen_socket();
	if (lfd < 0) {
		if (lfd == -1)
			fprintf(stderr, "sg_server: cannot listen on port %u: %s\n", o.port, strerror(errno));
		return lfd == -2 ? 2 : 1;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	t0 = tu_now_ns();
	if (o.timeout > 0)
		deadline = t0 + (uint64_t)(o.timeout * 1e9);

	while (!stop && (!o.count || accepted < o.count)) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int ms = 200;
		struct conn *c;
		socklen_t plen;
		pthread_t th;

		if (deadline) {
			uint64_t now = tu_now_ns();

			if (now >= deadline) { timed_out = true; break; }
			if ((deadline - now) / 1000000 < (uint64_t)ms)
				ms = (int)((deadline - now) / 1000000) + 1;
		}
		if (poll(&p, 1, ms) <= 0)
			continue;
		c = calloc(1, sizeof(*c));
		if (!c)
			break;
		plen = sizeof(c->peer);
		c->fd = accept(lfd, (struct sockaddr *)&c->peer, &plen);
		if (c->fd < 0) {
			free(c);
			continue;
		}
		c->id = accepted++;
		if (o.accept_only) {
			char peer[80];

			if (!o.quiet) {
				tu_addr_str((struct sockaddr *)&c->peer, peer, sizeof(peer));
				pthread_mutex_lock(&out_lock);
				printf("{\"conn\":%lu,\"peer\":\"%s\",\"accept_only\":true}\n", c->id, peer);
				fflush(stdout);
				pthread_mutex_unlock(&out_lock);
			}
			atomic_fetch_add(&n_ok, 1);
			close(c->fd);
			free(c);
			continue;
		}
		atomic_fetch_add(&n_running, 1);
		if (pthread_create(&th, &attr, conn_thread, c)) {
			atomic_fetch_sub(&n_running, 1);
			atomic_fetch_add(&n_failed, 1);
			close(c->fd);
			free(c);
		}
	}
	close(lfd);
	/* Let running transfers finish (each is bounded by --io-timeout). */
	while (atomic_load(&n_running) > 0 && !(stop && deadline && tu_now_ns() >= deadline))
		usleep(10000);

	pthread_mutex_lock(&out_lock);
	w = jw_new(stdout, false);
	jw_start_object(w);
	jw_bool_field(w, "summary", true);
	jw_uint_field(w, "accepted", accepted);
	jw_uint_field(w, "ok", atomic_load(&n_ok));
	jw_uint_field(w, "failed", atomic_load(&n_failed));
	jw_uint_field(w, "unfinished", atomic_load(&n_running));
	jw_bool_field(w, "timed_out", timed_out);
	jw_float_field(w, "seconds", (tu_now_ns() - t0) / 1e9);
	jw_end_object(w);
	jw_free(w);
	pthread_mutex_unlock(&out_lock);

	if (atomic_load(&n_failed) || atomic_load(&n_running))
		return 1;
	if (o.count && accepted < o.count)
		return 1;
	return 0;
}
