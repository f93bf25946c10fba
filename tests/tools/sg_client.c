// SPDX-License-Identifier: GPL-2.0-only
/*
 * sg_client - the TCP client of synguard's integration tests and lab (the
 * "legitimate clients").
 *
 * Each connection: connect (timed), send N bytes of the client->server
 * payload stream (optionally paced with --rate), receive N bytes of the
 * server->client stream and verify them, read TCP_INFO, close. Prints one JSON
 * line per connection (unless -q) with the client socket's TCP_INFO, then a
 * summary line with success/failure counts and connect latency percentiles.
 *
 * Exit status: 0 when every connection succeeded, 1 otherwise, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
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
	int family;
	struct sockaddr_storage dst;
	socklen_t dst_len;
	uint64_t bytes, count, parallel, rate;
	double timeout, connect_timeout, interval;
	bool quiet;
};

static struct opts o = { .bytes = 1 << 20, .count = 1, .parallel = 1,
			 .timeout = 30, .connect_timeout = 10 };
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_ulong next_conn, n_ok, n_failed;
static uint64_t *lat_us;	/* connect latency per connection, UINT64_MAX = none */
static uint64_t deadline_ns;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: sg_client [-4|-6] [-n BYTES] [-c N] [-P N] [-t SEC] [--rate BYTES/S]\n"
		"                 [--connect-timeout SEC] [--interval SEC] [-q] ADDR PORT\n"
		"  -n BYTES       bytes to send, then to receive, per connection (1M; 0 = connect only)\n"
		"  -c, --count N  connections in all (1)\n"
		"  -P, --parallel N  connections at a time (1)\n"
		"  -t, --timeout  per-connection I/O timeout, seconds (30)\n"
		"  --rate B       pace sending to B bytes/s per connection (a long-lived flow)\n"
		"  --connect-timeout SEC (10)\n"
		"  --interval SEC pause between connections of one worker\n"
		"  --duration SEC stop starting new connections after SEC seconds\n"
		"  -q             only the summary line\n");
}

/* Non-blocking connect with a timeout; returns fd or -1 with *err set. */
static int do_connect(uint64_t *us, const char **err)
{
	int fd = socket(o.dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	uint64_t t0 = tu_now_ns();
	struct pollfd p;
	int soerr = 0, r;
	socklen_t sl = sizeof(soerr);

	if (fd < 0) {
		*err = strerror(errno);
		return -1;
	}
	r = connect(fd, (struct sockaddr *)&o.dst, o.dst_len);
	if (r < 0 && errno != EINPROGRESS) {
		*err = strerror(errno);
		goto fail;
	}
	if (r < 0) {
		p.fd = fd;
		p.events = POLLOUT;
		do
			r = poll(&p, 1, (int)(o.connect_timeout * 1000));
		while (r < 0 && errno == EINTR);
		if (r == 0) {
			*err = "connect timeout";
			goto fail;
		}
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (soerr) {
			*err = strerror(soerr);
			goto fail;
		}
	}
	*us = (tu_now_ns() - t0) / 1000;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
fail:
	close(fd);
	return -1;
}

static const char *transfer(int fd, uint64_t *out, uint64_t *in, bool *payload_ok)
{
	static const size_t chunk_max = 64 * 1024;
	size_t chunk = chunk_max;
	unsigned char *buf = malloc(chunk_max);
	uint64_t t0 = tu_now_ns();
	const char *err = NULL;

	*payload_ok = true;
	if (!buf)
		return "out of memory";
	/* With --rate, small chunks on a fixed schedule: data keeps flowing
	 * at an even pace instead of in bursts. */
	if (o.rate) {
		chunk = o.rate / 50;
		if (chunk < 1) chunk = 1;
		if (chunk > chunk_max) chunk = chunk_max;
	}
	while (*out < o.bytes) {
		size_t n = o.bytes - *out < chunk ? o.bytes - *out : chunk;
		ssize_t r;

		if (o.rate)
			tu_sleep_until_ns(t0 + (uint64_t)((double)*out * 1e9 / (double)o.rate));
		sg_payload_fill(SG_PAYLOAD_C2S, *out, buf, n);
		r = send(fd, buf, n, MSG_NOSIGNAL);
		if (r < 0) {
			if (errno == EINTR) continue;
			err = errno == EAGAIN ? "send timeout" : strerror(errno);
			goto done;
		}
		*out += r;
	}
	while (*in < o.bytes) {
		size_t want = o.bytes - *in < chunk_max ? o.bytes - *in : chunk_max;
		ssize_t r = recv(fd, buf, want, 0);

		if (r == 0) { err = "server closed early"; goto done; }
		if (r < 0) {
			if (errno == EINTR) continue;
			err = errno == EAGAIN ? "receive timeout" : strerror(errno);
			goto done;
		}
		if (*payload_ok && sg_payload_check(SG_PAYLOAD_S2C, *in, buf, r) >= 0)
			*payload_ok = false;
		*in += r;
	}
	if (!*payload_ok)
		err = "payload mismatch";
done:
	free(buf);
	return err;
}

static void one_conn(unsigned long id)
{
	struct timeval tv = { .tv_sec = (time_t)o.timeout,
			      .tv_usec = (long)((o.timeout - (time_t)o.timeout) * 1e6) };
	uint64_t us = 0, in = 0, out = 0, t0 = tu_now_ns();
	bool payload_ok = false;
	const char *err = NULL;
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);
	char lstr[80] = "";
	struct jw *w;
	int fd;

	fd = do_connect(&us, &err);
	if (fd >= 0) {
		lat_us[id] = us;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		err = transfer(fd, &out, &in, &payload_ok);
		if (!getsockname(fd, (struct sockaddr *)&local, &llen))
			tu_addr_str((struct sockaddr *)&local, lstr, sizeof(lstr));
	}
	atomic_fetch_add(err ? &n_failed : &n_ok, 1);
	if (!o.quiet) {
		pthread_mutex_lock(&out_lock);
		w = jw_new(stdout, false);
		jw_start_object(w);
		jw_uint_field(w, "conn", id);
		jw_string_field(w, "local", lstr);
		jw_bool_field(w, "ok", !err);
		if (err)
			jw_string_field(w, "error", err);
		if (fd >= 0)
			jw_uint_field(w, "connect_us", us);
		jw_uint_field(w, "bytes_out", out);
		jw_uint_field(w, "bytes_in", in);
		jw_bool_field(w, "payload_ok", payload_ok && in == o.bytes);
		jw_float_field(w, "seconds", (tu_now_ns() - t0) / 1e9);
		if (fd >= 0)
			sg_tcpinfo_json(w, "tcp_info", fd);
		jw_end_object(w);
		jw_free(w);
		pthread_mutex_unlock(&out_lock);
	}
	if (fd >= 0)
		close(fd);
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		unsigned long id = atomic_fetch_add(&next_conn, 1);

		if (id >= o.count || (deadline_ns && tu_now_ns() >= deadline_ns))
			break;
		one_conn(id);
		if (o.interval > 0)
			usleep((useconds_t)(o.interval * 1e6));
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of the n sorted values. */
static uint64_t pct(const uint64_t *v, size_t n, double p)
{
	size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);

	if (rank < 1) rank = 1;
	if (rank > n) rank = n;
	return v[rank - 1];
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "bytes", required_argument, 0, 'n' },
		{ "count", required_argument, 0, 'c' },
		{ "parallel", required_argument, 0, 'P' },
		{ "timeout", required_argument, 0, 't' },
		{ "rate", required_argument, 0, 'r' },
		{ "connect-timeout", required_argument, 0, 'C' },
		{ "interval", required_argument, 0, 'i' },
		{ "duration", required_argument, 0, 'd' },
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' },
		{ 0 }
	};
	double duration = 0;
	uint64_t port, t0, *sorted;
	size_t n = 0;
	pthread_t *th;
	struct jw *w;
	int c;

	while ((c = getopt_long(argc, argv, "46n:c:P:t:qh", lo, NULL)) != -1) {
		switch (c) {
		case '4': o.family = AF_INET; break;
		case '6': o.family = AF_INET6; break;
		case 'n': if (tu_parse_size(optarg, &o.bytes) < 0) goto bad; break;
		case 'c': if (tu_parse_uint(optarg, 1, 100000000, &o.count) < 0) goto bad; break;
		case 'P': if (tu_parse_uint(optarg, 1, 1024, &o.parallel) < 0) goto bad; break;
		case 't': if (tu_parse_seconds(optarg, &o.timeout) < 0 || o.timeout < 0.001) goto bad; break;
		case 'r': if (tu_parse_size(optarg, &o.rate) < 0) goto bad; break;
		case 'C': if (tu_parse_seconds(optarg, &o.connect_timeout) < 0 || o.connect_timeout < 0.001) goto bad; break;
		case 'i': if (tu_parse_seconds(optarg, &o.interval) < 0) goto bad; break;
		case 'd': if (tu_parse_seconds(optarg, &duration) < 0) goto bad; break;
		case 'q': o.quiet = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "sg_client: need ADDR and PORT\n");
		usage(stderr);
		return 2;
	}
	if (tu_parse_uint(argv[optind + 1], 1, 65535, &port) < 0) {
		fprintf(stderr, "sg_client: bad port '%s'\n", argv[optind + 1]);
		return 2;
	}
	if (tu_parse_addr(argv[optind], o.family, (uint16_t)port, &o.dst, &o.dst_len) < 0) {
		fprintf(stderr, "sg_client: bad %saddress '%s'\n",
			o.family == AF_INET ? "IPv4 " : o.family == AF_INET6 ? "IPv6 " : "",
			argv[optind]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	lat_us = malloc(o.count * sizeof(*lat_us));
	sorted = malloc(o.count * sizeof(*sorted));
	th = calloc(o.parallel, sizeof(*th));
	if (!lat_us || !sorted || !th) {
		fprintf(stderr, "sg_client: out of memory\n");
		return 1;
	}
	for (uint64_t i = 0; i < o.count; i++)
		lat_us[i] = UINT64_MAX;
	t0 = tu_now_ns();
	if (duration > 0)
		deadline_ns = t0 + (uint64_t)(duration * 1e9);
	for (uint64_t i = 0; i < o.parallel; i++)
		if (pthread_create(&th[i], NULL, worker, NULL)) {
			fprintf(stderr, "sg_client: cannot start thread\n");
			return 1;
		}
	for (uint64_t i = 0; i < o.parallel; i++)
		pthread_join(th[i], NULL);

	for (uint64_t i = 0; i < o.count; i++)
		if (lat_us[i] != UINT64_MAX)
			sorted[n++] = lat_us[i];
	qsort(sorted, n, sizeof(*sorted), cmp_u64);
	w = jw_new(stdout, false);
	jw_start_object(w);
	jw_bool_field(w, "summary", true);
	jw_uint_field(w, "attempted", atomic_load(&n_ok) + atomic_load(&n_failed));
	jw_uint_field(w, "ok", atomic_load(&n_ok));
	jw_uint_field(w, "failed", atomic_load(&n_failed));
	jw_uint_field(w, "connected", n);
	{
		/* connects that needed no SYN retransmission (the first is at 1 s) */
		uint64_t fast = 0;

		for (uint64_t i = 0; i < n; i++)
			fast += sorted[i] < 1000000;
		jw_uint_field(w, "connected_within_1s", fast);
	}
	if (n) {
		jw_uint_field(w, "connect_p50_us", pct(sorted, n, 50));
		jw_uint_field(w, "connect_p99_us", pct(sorted, n, 99));
		jw_uint_field(w, "connect_max_us", sorted[n - 1]);
	}
	jw_float_field(w, "seconds", (tu_now_ns() - t0) / 1e9);
	jw_end_object(w);
	jw_free(w);
	return atomic_load(&n_failed) || !atomic_load(&n_ok) ? 1 : 0;
bad:
	fprintf(stderr, "sg_client: bad value '%s' for option -%c\n", optarg, c);
	return 2;
}
