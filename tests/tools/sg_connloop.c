// SPDX-License-Identifier: GPL-2.0-only
/*
 * sg_connloop - a TCP connect/accept/close loop with known outcomes, for the
 * tracer's tests and benchmark.
 *
 *   sg_connloop [--server|--client|--both] -a ADDR -p PORT [-c CLIENTS] [-n N]
 *               [--close client|server|any] [--linger-ms M] [--timeout-ms T]
 *               [--latency] [--accept-threads K]
 *
 * --both (default) runs a listener and CLIENTS client threads that each do N
 * connect/close cycles. --close says who closes first; the other side waits
 * for EOF, then --linger-ms, then closes (so that state sequences are
 * deterministic); with --close any both close at once (fastest, for
 * benchmarks). --latency prints "lport connect_us" per connection, timed
 * around connect() by the client itself. The last line is a summary:
 *   ok=N refused=N timeout=N error=N elapsed_s=S rate=R
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_storage dst;
static socklen_t dst_len;
static int nclients = 1, per_client = 1, linger_ms, timeout_ms, accept_threads = 1;
static bool server_first, any_first, print_latency;
static atomic_ulong n_ok, n_refused, n_timeout, n_error;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static int lfd = -1;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void wait_eof_then_close(int fd)
{
	char buf[256];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	if (linger_ms)
		usleep(linger_ms * 1000);
	close(fd);
}

static void *conn_thread(void *arg)
{
	wait_eof_then_close((int)(long)arg);
	return NULL;
}

static void *acceptor(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		pthread_t th;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL;
		}
		if (server_first || any_first) {
			if (linger_ms && server_first)	/* let the client see ESTABLISHED first */
				usleep(1000);
			close(fd);
		} else if (linger_ms) {
			/* one thread per connection so lingering does not
			 * serialize the accepts */
			if (pthread_create(&th, NULL, conn_thread, (void *)(long)fd))
				wait_eof_then_close(fd);
			else
				pthread_detach(th);
		} else {
			wait_eof_then_close(fd);
		}
	}
}

/* connect with an optional timeout; 0, or the errno */
static int do_connect(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int err = 0;
	socklen_t len = sizeof(err);

	if (!timeout_ms)
		return connect(fd, (struct sockaddr *)&dst, dst_len) ? errno : 0;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (connect(fd, (struct sockaddr *)&dst, dst_len) == 0)
		goto ok;
	if (errno != EINPROGRESS)
		return errno;
	if (poll(&p, 1, timeout_ms) == 0)
		return ETIMEDOUT;
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err)
		return err;
ok:
	fcntl(fd, F_SETFL, 0);
	return 0;
}

static void *client(void *arg)
{
	(void)arg;
	for (int i = 0; i < per_client; i++) {
		int fd = socket(dst.ss_family, SOCK_STREAM, 0), err;
		double t0, t1;

		if (fd < 0) {
			n_error++;
			continue;
		}
		t0 = now_us();
		err = do_connect(fd);
		t1 = now_us();
		if (err) {
			if (err == ECONNREFUSED)
				n_refused++;
			else if (err == ETIMEDOUT)
				n_timeout++;
			else
				n_error++;
			close(fd);
			continue;
		}
		n_ok++;
		if (print_latency) {
			struct sockaddr_storage me;
			socklen_t ml = sizeof(me);

			getsockname(fd, (struct sockaddr *)&me, &ml);
			pthread_mutex_lock(&out_lock);
			printf("%u %.1f\n", ntohs(((struct sockaddr_in *)&me)->sin_port), t1 - t0);
			pthread_mutex_unlock(&out_lock);
		}
		if (server_first && !any_first)
			wait_eof_then_close(fd);
		else
			close(fd);
	}
	return NULL;
}

static int parse_addr(const char *a, int port)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&dst;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&dst;

	memset(&dst, 0, sizeof(dst));
	if (inet_pton(AF_INET, a, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		dst_len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, a, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		dst_len = sizeof(*s6);
		return 0;
	}
	return -1;
}

static void usage(void)
{
	fprintf(stderr, "usage: sg_connloop [--server|--client|--both] -a ADDR -p PORT [-c CLIENTS]\n"
			"       [-n N] [--close client|server|any] [--linger-ms M] [--timeout-ms T]\n"
			"       [--latency] [--accept-threads K]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", no_argument, NULL, 'S' },
		{ "client", no_argument, NULL, 'C' },
		{ "both", no_argument, NULL, 'B' },
		{ "close", required_argument, NULL, 'x' },
		{ "linger-ms", required_argument, NULL, 'l' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "latency", no_argument, NULL, 'L' },
		{ "accept-threads", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	bool run_server = true, run_client = true;
	const char *addr = NULL;
	int port = 0, o, one = 1;
	pthread_t *th, ath;
	double t0, el;

	while ((o = getopt_long(argc, argv, "a:p:c:n:", opts, NULL)) != -1) {
		switch (o) {
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'c': nclients = atoi(optarg); break;
		case 'n': per_client = atoi(optarg); break;
		case 'S': run_client = false; run_server = true; break;
		case 'C': run_server = false; run_client = true; break;
		case 'B': run_server = run_client = true; break;
		case 'x':
			if (!strcmp(optarg, "server"))
				server_first = true;
			else if (!strcmp(optarg, "any"))	/* both close at once: fastest */
				any_first = true;
			else if (strcmp(optarg, "client"))
				usage();
			break;
		case 'l': linger_ms = atoi(optarg); break;
		case 't': timeout_ms = atoi(optarg); break;
		case 'L': print_latency = true; break;
		case 'k': accept_threads = atoi(optarg); break;
		default: usage();
		}
	}
	if (!addr || port <= 0 || port > 65535 || nclients < 1 || per_client < 0 ||
	    accept_threads < 1 || parse_addr(addr, port))
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (run_server) {
		lfd = socket(dst.ss_family, SOCK_STREAM, 0);
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&dst, dst_len) || listen(lfd, 4096)) {
			perror("sg_connloop: listen");
			return 1;
		}
		for (int i = 0; i < accept_threads; i++)
			pthread_create(&ath, NULL, acceptor, NULL);
		if (!run_client) {
			printf("listening\n");
			pause();
			return 0;
		}
	}
	th = calloc(nclients, sizeof(*th));
	t0 = now_us();
	for (int i = 0; i < nclients; i++)
		pthread_create(&th[i], NULL, client, NULL);
	for (int i = 0; i < nclients; i++)
		pthread_join(th[i], NULL);
	el = (now_us() - t0) / 1e6;
	/* let lingering server sides finish before we exit */
	if (run_server && linger_ms)
		usleep((linger_ms + 50) * 1000);
	printf("ok=%lu refused=%lu timeout=%lu error=%lu elapsed_s=%.3f rate=%.0f\n",
	       (unsigned long)n_ok, (unsigned long)n_refused, (unsigned long)n_timeout,
	       (unsigned long)n_error, el, el > 0 ? (n_ok + n_refused + n_timeout) / el : 0);
	return n_error ? 1 : 0;
}
