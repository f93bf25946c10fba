// SPDX-License-Identifier: GPL-2.0-only
/*
 * sg_hold - hold many TCP connections to one server that never complete a
 * request: the idle and slowloris clients of the metrics abuse test.
 *
 *   sg_hold -a ADDR -p PORT -n N [-s SRC]... [--mode idle|slowloris]
 *           [--byte-ms M] [--reconnect-ms R] [-d SECONDS]
 *
 * N connections, bound round-robin to the -s source addresses (default: the
 * kernel's choice). idle: connect and send nothing. slowloris: a request
 * line and headers, one byte every M ms (default 200) per connection,
 * never the blank line that ends them. A connection the server closes is
 * made again after R ms (default 1000), as a persistent attacker would.
 * Runs D seconds (default: until SIGINT/SIGTERM). Every second, and at the
 * end, it prints one line:
 *   t=S open=N connects=N established=N closed_by_server=N failed=N
 * (open: connected now; established: connects that completed; closed_by_server:
 * EOF or reset from the server on an established connection).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "toolutil.h"

#define MAX_CONNS	8192
#define MAX_SRCS	64

enum state { ST_WAIT, ST_CONNECTING, ST_OPEN };

struct hconn {
	int fd;
	enum state st;
	uint64_t next;		/* ST_WAIT: reconnect at; ST_OPEN: next byte at */
	size_t sent;
	int src;
};

static const char slow_req[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nUser-Agent: sg_hold\r\n";
static volatile sig_atomic_t stop;
static struct sockaddr_storage dst, srcs[MAX_SRCS];
static socklen_t dst_len, src_len[MAX_SRCS];
static int nsrc;
static bool slowloris;
static uint64_t byte_ns = 200000000ull, reconnect_ns = 1000000000ull;
static unsigned long n_connects, n_established, n_closed, n_failed;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void start_connect(struct hconn *c, uint64_t now)
{
	int fd = socket(dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	c->fd = -1;
	c->st = ST_WAIT;
	c->next = now + reconnect_ns;
	if (fd < 0) {
		n_failed++;
		return;
	}
	if (nsrc && bind(fd, (struct sockaddr *)&srcs[c->src], src_len[c->src])) {
		n_failed++;
		close(fd);
		return;
	}
	n_connects++;
	if (connect(fd, (struct sockaddr *)&dst, dst_len) && errno != EINPROGRESS) {
		n_failed++;
		close(fd);
		return;
	}
	c->fd = fd;
	c->st = ST_CONNECTING;
	c->sent = 0;
}

static void drop(struct hconn *c, uint64_t now, bool by_server)
{
	if (by_server)
		n_closed++;
	else
		n_failed++;
	close(c->fd);
	c->fd = -1;
	c->st = ST_WAIT;
	c->next = now + reconnect_ns;
}

static void report(double t, const struct hconn *cs, int n)
{
	int open = 0;

	for (int i = 0; i < n; i++)
		open += cs[i].st == ST_OPEN;
	printf("t=%.1f open=%d connects=%lu established=%lu closed_by_server=%lu failed=%lu\n",
	       t, open, n_connects, n_established, n_closed, n_failed);
	fflush(stdout);
}

static void usage(void)
{
	fprintf(stderr, "usage: sg_hold -a ADDR -p PORT -n N [-s SRC]... [--mode idle|slowloris]\n"
			"               [--byte-ms M] [--reconnect-ms R] [-d SECONDS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "byte-ms", required_argument, NULL, 'b' },
		{ "reconnect-ms", required_argument, NULL, 'r' },
		{}
	};
	const char *addr = NULL;
	struct pollfd *pf;
	struct hconn *cs;
	uint64_t v, port = 0, n = 0, t0, last_report;
	double dur = 0;
	int o, *idx;

	while ((o = getopt_long(argc, argv, "a:p:n:s:d:", opts, NULL)) != -1) {
		switch (o) {
		case 'a': addr = optarg; break;
		case 'p': if (tu_parse_uint(optarg, 1, 65535, &port)) usage(); break;
		case 'n': if (tu_parse_uint(optarg, 1, MAX_CONNS, &n)) usage(); break;
		case 'd': if (tu_parse_seconds(optarg, &dur)) usage(); break;
		case 's':
			if (nsrc == MAX_SRCS || tu_parse_addr(optarg, 0, 0, &srcs[nsrc], &src_len[nsrc]))
				usage();
			nsrc++;
			break;
		case 'm':
			if (!strcmp(optarg, "slowloris"))
				slowloris = true;
			else if (strcmp(optarg, "idle"))
				usage();
			break;
		case 'b': if (tu_parse_uint(optarg, 1, 600000, &v)) usage(); byte_ns = v * 1000000; break;
		case 'r': if (tu_parse_uint(optarg, 0, 600000, &v)) usage(); reconnect_ns = v * 1000000; break;
		default: usage();
		}
	}
	if (!addr || !port || !n || tu_parse_addr(addr, 0, port, &dst, &dst_len))
		usage();
	for (int i = 0; i < nsrc; i++)
		if (srcs[i].ss_family != dst.ss_family)
			usage();
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	cs = calloc(n, sizeof(*cs));
	pf = calloc(n, sizeof(*pf));
	idx = calloc(n, sizeof(*idx));
	if (!cs || !pf || !idx)
		return 1;
	t0 = last_report = tu_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		cs[i].src = nsrc ? (int)(i % nsrc) : 0;
		start_connect(&cs[i], t0);
	}
	while (!stop && (!dur || tu_now_ns() - t0 < dur * 1e9)) {
		uint64_t now = tu_now_ns();
		int np = 0;

		for (uint64_t i = 0; i < n; i++) {
			struct hconn *c = &cs[i];

			if (c->st == ST_WAIT) {
				if (now >= c->next)
					start_connect(c, now);
				if (c->st == ST_WAIT)
					continue;
			}
			if (c->st == ST_OPEN && slowloris && now >= c->next) {
				char b = slow_req[c->sent % (sizeof(slow_req) - 1)];

				/* after the request line: header lines forever */
				if (send(c->fd, &b, 1, MSG_NOSIGNAL) != 1 && errno != EAGAIN) {
					drop(c, now, true);
					continue;
				}
				c->sent++;
				if (c->sent == sizeof(slow_req) - 1)
					c->sent = sizeof("GET /metrics HTTP/1.1\r\n") - 1;
				c->next = now + byte_ns;
			}
			pf[np].fd = c->fd;
			pf[np].events = c->st == ST_CONNECTING ? POLLOUT : POLLIN;
			pf[np].revents = 0;
			idx[np++] = (int)i;
		}
		if (poll(pf, np, 10) < 0 && errno != EINTR)
			break;
		now = tu_now_ns();
		for (int k = 0; k < np; k++) {
			struct hconn *c = &cs[idx[k]];
			char buf[512];
			int err = 0;
			socklen_t el = sizeof(err);

			if (!pf[k].revents)
				continue;
			if (c->st == ST_CONNECTING) {
				getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
				if (err) {
					drop(c, now, false);
					continue;
				}
				c->st = ST_OPEN;
				c->next = now;
				n_established++;
				continue;
			}
			/* the server answered (an error page) or closed */
			ssize_t r = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
				drop(c, now, true);
		}
		if (now - last_report >= 1000000000ull) {
			report((now - t0) / 1e9, cs, (int)n);
			last_report = now;
		}
	}
	report((tu_now_ns() - t0) / 1e9, cs, (int)n);
	return 0;
}
