// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_http_guard.c - the metrics server's connection policy (user/http_guard.c)
 * on a real server (metrics_http_start on 127.0.0.1, port 0) with small
 * limits: per source, the longest-waiting connection goes first; when full,
 * the heaviest source's; a real request gets through a full server; the
 * header timeout closes what never sent a request; and the option parser.
 * Sources are loopback addresses 127.0.0.2.. (all local, no setup).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"
#include "http_guard.h"
#include "metrics_http.h"
#include "testlib.h"

static struct sockaddr_in srv;

static int body(void *ctx, char **b, size_t *len)
{
	(void)ctx;
	*b = strdup("ok 1\n");
	*len = 5;
	return *b ? 0 : -1;
}

/* A connection from 127.0.0.<host>; -1 on failure */
static int conn_from(int host)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(0x7f000000 | host);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    connect(fd, (struct sockaddr *)&srv, sizeof(srv))) {
		close(fd);
		return -1;
	}
	usleep(50000);	/* let the guard take it, in this order */
	return fd;
}

/* true when the server closed fd (EOF or reset), waiting up to ms */
static bool closed(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char b[256];

	if (poll(&p, 1, ms) <= 0)
		return false;
	return recv(fd, b, sizeof(b), MSG_DONTWAIT) <= 0;
}

static void test_parse(void)
{
	struct hg_limits l;

	hg_limits_default(&l);
	SG_EXPECT("guard_defaults", l.header_timeout_s == 5 && l.idle_timeout_s == 10 &&
		  l.per_source == 32 && l.max_conns == 128, "%u %u %u %u", l.header_timeout_s,
		  l.idle_timeout_s, l.per_source, l.max_conns);
	SG_EXPECT("guard_parse_ok", !hg_parse_opt(HG_OPT_PER_SOURCE, "3", &l) && l.per_source == 3,
		  "per_source %u", l.per_source);
	SG_EXPECT("guard_parse_zero", hg_parse_opt(HG_OPT_HEADER_TIMEOUT, "0", &l) == SG_EXIT_USAGE,
		  "0 accepted");
	SG_EXPECT("guard_parse_junk", hg_parse_opt(HG_OPT_MAX_CONNS, "12x", &l) == SG_EXIT_USAGE,
		  "12x accepted");
	SG_EXPECT("guard_parse_big", hg_parse_opt(HG_OPT_IDLE_TIMEOUT, "3601", &l) == SG_EXIT_USAGE,
		  "3601 accepted");
}

static void test_policy(void)
{
	struct hg_limits lim = { .header_timeout_s = 2, .idle_timeout_s = 10, .per_source = 2,
				 .max_conns = 4 };
	struct metrics_http *h;
	char bound[80], resp[256];
	int a1, a2, a3, b1, c1, d1, e1, f1;
	ssize_t n;

	if (metrics_http_start("127.0.0.1:0", &lim, body, NULL, &h, bound, sizeof(bound))) {
		SG_FAIL("guard_start", "cannot start a server");
		return;
	}
	srv.sin_family = AF_INET;
	srv.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv.sin_port = htons(atoi(strrchr(bound, ':') + 1));

	a1 = conn_from(2);
	a2 = conn_from(2);
	a3 = conn_from(2);
	SG_EXPECT("guard_per_source_oldest_closed", closed(a1, 1000) && !closed(a2, 200) &&
		  !closed(a3, 0), "per-source limit 2: a1 should go, a2 and a3 stay");
	b1 = conn_from(3);
	c1 = conn_from(4);
	/* full (a2 a3 b1 c1): the heaviest source (127.0.0.2) pays, oldest first */
	d1 = conn_from(5);
	SG_EXPECT("guard_full_heaviest_source_closed", closed(a2, 1000) && !closed(a3, 200) &&
		  !closed(b1, 0) && !closed(c1, 0) && !closed(d1, 0),
		  "full: a2 (source with 2) should go, the others stay");
	/* full (a3 b1 c1 d1), one each: the longest waiting (a3) */
	e1 = conn_from(6);
	SG_EXPECT("guard_full_oldest_closed", closed(a3, 1000) && !closed(b1, 200) &&
		  !closed(e1, 0), "full, one each: a3 should go");
	/* a real request through a full server */
	f1 = conn_from(7);
	n = -1;
	if (f1 >= 0 && send(f1, "GET /metrics HTTP/1.0\r\n\r\n", 25, 0) == 25) {
		struct pollfd p = { .fd = f1, .events = POLLIN };

		n = poll(&p, 1, 2000) == 1 ? recv(f1, resp, sizeof(resp) - 1, 0) : -1;
	}
	if (n > 0)
		resp[n] = 0;
	SG_EXPECT("guard_full_request_answered", n > 12 && !strncmp(resp, "HTTP/1.", 7) && !strncmp(resp + 8, " 200", 4),
		  "got %zd bytes: %.20s", n, n > 0 ? resp : "");
	SG_EXPECT("guard_full_request_closed_oldest", closed(b1, 1000), "b1 should have gone");
	/* the header timeout (2 s) closes the rest, which never sent a request */
	SG_EXPECT("guard_header_timeout", closed(c1, 3000) && closed(d1, 1000) && closed(e1, 1000),
		  "c1 d1 e1 still open after the 2 s header timeout");
	close(a1); close(a2); close(a3); close(b1); close(c1); close(d1); close(e1); close(f1);
	metrics_http_stop(h);
}

int main(void)
{
	test_parse();
	test_policy();
	return sg_test_failures ? 1 : 0;
}
