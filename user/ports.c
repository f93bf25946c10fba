// SPDX-License-Identifier: GPL-2.0-only
/* ports.c - port list parsing and formatting; see ports.h. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ports.h"
#include "common.h"

/* One decimal port at *p (after optional blanks); advances *p past it. */
static int parse_one(const char **p, const char *item, char *err, size_t errlen)
{
	const char *s = *p;
	char *end;
	long v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s)) {
		sg_set_err(err, errlen, "bad port list item '%s': expected a port number", item);
		return -1;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || v < 1 || v > 65535) {
		sg_set_err(err, errlen, "bad port '%.*s' in '%s': ports are 1..65535",
			(int)(end - s), s, item);
		return -1;
	}
	while (*end == ' ' || *end == '\t')
		end++;
	*p = end;
	return (int)v;
}

int sg_ports_parse(const char *s, __u64 ports[SG_PORT_WORDS], char *err, size_t errlen)
{
	char item[64];

	memset(ports, 0, sizeof(__u64) * SG_PORT_WORDS);
	if (!s || !*s) {
		sg_set_err(err, errlen, "empty port list");
		return -1;
	}
	for (const char *p = s;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		const char *q = item;
		int lo, hi;

		/* Work on a copy of the item so messages quote exactly it. */
		if (n >= sizeof(item)) {
			sg_set_err(err, errlen, "bad port list item '%.20s...': too long", p);
			return -1;
		}
		memcpy(item, p, n);
		item[n] = '\0';
		lo = parse_one(&q, item, err, errlen);
		if (lo < 0)
			return -1;
		hi = lo;
		if (*q == '-') {
			q++;
			hi = parse_one(&q, item, err, errlen);
			if (hi < 0)
				return -1;
			if (hi < lo) {
				sg_set_err(err, errlen, "bad port range '%s': start is above end", item);
				return -1;
			}
		}
		if (*q) {
			sg_set_err(err, errlen,
				"bad port list item '%s': expected PORT or LOW-HIGH, separated by commas",
				item);
			return -1;
		}
		for (int port = lo; port <= hi; port++)
			ports[port >> 6] |= 1ULL << (port & 63);
		if (!comma)
			break;
		p = comma + 1;
	}
	return (int)sg_ports_count(ports);
}

unsigned int sg_ports_count(const __u64 ports[SG_PORT_WORDS])
{
	unsigned int n = 0;

	for (int i = 0; i < SG_PORT_WORDS; i++)
		n += __builtin_popcountll(ports[i]);
	return n;
}

void sg_ports_foreach(const __u64 ports[SG_PORT_WORDS],
		      void (*fn)(unsigned int port, void *ctx), void *ctx)
{
	for (unsigned int i = 0; i < SG_PORT_WORDS; i++) {
		__u64 w = ports[i];

		while (w) {
			unsigned int bit = __builtin_ctzll(w);

			fn(i * 64 + bit, ctx);
			w &= w - 1;
		}
	}
}

size_t sg_ports_format(const __u64 ports[SG_PORT_WORDS], char *buf, size_t len)
{
	size_t need = 0;
	unsigned int port = 0;

	if (len)
		buf[0] = '\0';
	while (port < SG_NPORTS) {
		unsigned int end;
		char tmp[16];
		int n;

		if (!sg_port_is_set(ports, port)) {
			port++;
			continue;
		}
		end = port;
		while (end + 1 < SG_NPORTS && sg_port_is_set(ports, end + 1))
			end++;
		if (end == port)
			n = snprintf(tmp, sizeof(tmp), "%s%u", need ? "," : "", port);
		else
			n = snprintf(tmp, sizeof(tmp), "%s%u-%u", need ? "," : "", port, end);
		if (need + n < len)
			memcpy(buf + need, tmp, n + 1);
		else if (len)
			buf[len - 1] = '\0'; /* truncated: keep what fitted */
		need += n;
		port = end + 1;
	}
	return need;
}
