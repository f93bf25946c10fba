// SPDX-License-Identifier: GPL-2.0-only
/* prefix.c - strict CIDR prefixes; see prefix.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common.h"
#include "prefix.h"

/* The length after '/': decimal, no sign, no leading zero (but "0"). */
static int parse_len(const char *s, int max, int *out)
{
	int v = 0;

	if (!*s || (s[0] == '0' && s[1]) || strlen(s) > 3)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* Clear the bits past len; true if any was set. */
static bool clear_host_bits(__u8 *a, int nbytes, int len)
{
	bool set = false;

	for (int i = 0; i < nbytes; i++) {
		int keep = len - 8 * i;
		__u8 mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (__u8)(0xff << (8 - keep));

		if (a[i] & ~mask)
			set = true;
		a[i] &= mask;
	}
	return set;
}

static const __u8 v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int sg_prefix_parse(const char *s, struct sg_prefix *out, char *err, size_t errlen)
{
	char buf[INET6_ADDRSTRLEN + 8], shown[SG_PREFIX_LINE_MAX / 4 + 4];
	const char *slash;
	size_t alen;
	int len, max;

	/* what we quote back: bounded and printable */
	snprintf(shown, sizeof(shown), "%s", s);
	for (char *c = shown; *c; c++)
		if (!isprint((unsigned char)*c))
			*c = '?';
	memset(out, 0, sizeof(*out));
	if (!*s) {
		sg_set_err(err, errlen, "empty prefix");
		return -1;
	}
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= INET6_ADDRSTRLEN) {
		sg_set_err(err, errlen, "bad prefix '%s': expected ADDRESS[/LENGTH], e.g. "
			   "192.0.2.0/24 or 2001:db8::/32", shown);
		return -1;
	}
	memcpy(buf, s, alen);
	buf[alen] = 0;
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		sg_set_err(err, errlen, "bad prefix '%s': '%s' is not an IPv4 or IPv6 address",
			   shown, buf);
		return -1;
	}
	len = max;
	if (slash && parse_len(slash + 1, max, &len)) {
		sg_set_err(err, errlen, "bad prefix '%s': the length must be 0..%d for %s",
			   shown, max, max == 32 ? "IPv4" : "IPv6");
		return -1;
	}
	if (out->family == AF_INET6 && !memcmp(out->addr, v4mapped, sizeof(v4mapped))) {
		sg_set_err(err, errlen, "bad prefix '%s': an IPv4-mapped IPv6 address never "
			   "matches (IPv4 sources are looked up as IPv4); write %u.%u.%u.%u%s",
			   shown, out->addr[12], out->addr[13], out->addr[14], out->addr[15],
			   len >= 96 ? "" : " with an IPv4 length");
		return -1;
	}
	out->len = (__u8)len;
	if (clear_host_bits(out->addr, max / 8, len)) {
		char net[64];

		sg_prefix_format(out, net, sizeof(net));
		sg_set_err(err, errlen, "bad prefix '%s': host bits set after /%d (did you mean "
			   "%s?)", shown, len, net);
		return -1;
	}
	return 0;
}

void sg_prefix_format(const struct sg_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family, p->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, p->len);
}

bool sg_prefix_eq(const struct sg_prefix *a, const struct sg_prefix *b)
{
	return a->family == b->family && a->len == b->len && !memcmp(a->addr, b->addr, 16);
}

int sg_prefix_cmp(const void *av, const void *bv)
{
	const struct sg_prefix *a = av, *b = bv;
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->addr, b->addr, 16);
	if (c)
		return c;
	return (int)a->len - (int)b->len;
}

int sg_prefix_push(struct sg_prefix **v, size_t *n, size_t *cap, const struct sg_prefix *p)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct sg_prefix *nv = realloc(*v, nc * sizeof(**v));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = *p;
	return 0;
}

size_t sg_prefix_dedup(struct sg_prefix *v, size_t n)
{
	size_t o = 0;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), sg_prefix_cmp);
	for (size_t i = 1; i < n; i++)
		if (!sg_prefix_eq(&v[i], &v[o]))
			v[++o] = v[i];
	return o + 1;
}

int sg_prefix_parse_text(const char *text, size_t textlen, const char *src,
			 struct sg_prefix **v, size_t *n, size_t *cap, char *err, size_t errlen)
{
	const char *line = text, *end = text + textlen;
	char msg[256];
	int lineno = 0;

	if (memchr(text, 0, textlen)) {
		sg_set_err(err, errlen, "%s is not a text file (it has a NUL byte)", src);
		return -1;
	}
	while (line < end) {
		const char *nl = memchr(line, '\n', end - line);
		size_t l = nl ? (size_t)(nl - line) : (size_t)(end - line);
		char buf[SG_PREFIX_LINE_MAX + 1], *s, *e, *hash;
		struct sg_prefix p;

		lineno++;
		if (l > SG_PREFIX_LINE_MAX) {
			sg_set_err(err, errlen, "%s:%d: line longer than %d bytes", src, lineno,
				   SG_PREFIX_LINE_MAX);
			return -1;
		}
		memcpy(buf, line, l);
		buf[l] = 0;
		line = nl ? nl + 1 : end;
		hash = strchr(buf, '#');
		if (hash)
			*hash = 0;
		for (s = buf; isspace((unsigned char)*s); s++)
			;
		for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); )
			*--e = 0;
		if (!*s)
			continue;
		for (char *c = s; *c; c++) {
			if (isspace((unsigned char)*c)) {
				sg_set_err(err, errlen, "%s:%d: one prefix per line, got '%s'", src,
					   lineno, s);
				return -1;
			}
		}
		if (sg_prefix_parse(s, &p, msg, sizeof(msg))) {
			sg_set_err(err, errlen, "%s:%d: %s", src, lineno, msg);
			return -1;
		}
		if (sg_prefix_push(v, n, cap, &p)) {
			sg_set_err(err, errlen, "%s: out of memory", src);
			return -1;
		}
	}
	return 0;
}

int sg_prefix_read_file(const char *path, struct sg_prefix **v, size_t *n, size_t *cap,
			char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	size_t got;
	char *buf;
	int rc;

	if (!f) {
		sg_set_err(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(SG_PREFIX_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		sg_set_err(err, errlen, "out of memory");
		return -1;
	}
	got = fread(buf, 1, SG_PREFIX_FILE_MAX + 1, f);
	if (ferror(f) || got > SG_PREFIX_FILE_MAX) {
		sg_set_err(err, errlen, ferror(f) ? "cannot read %s" : "%s is larger than %d MiB",
			   path, SG_PREFIX_FILE_MAX >> 20);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	rc = sg_prefix_parse_text(buf, got, path, v, n, cap, err, errlen);
	free(buf);
	return rc;
}

int sg_prefix_parse_list(const char *csv, struct sg_prefix **v, size_t *n, size_t *cap,
			 char *err, size_t errlen)
{
	const char *s = csv;

	if (!*csv) {
		sg_set_err(err, errlen, "empty prefix list");
		return -1;
	}
	for (;;) {
		const char *c = strchr(s, ',');
		size_t l = c ? (size_t)(c - s) : strlen(s);
		char buf[SG_PREFIX_LINE_MAX + 1];
		struct sg_prefix p;

		if (l > SG_PREFIX_LINE_MAX)
			l = SG_PREFIX_LINE_MAX;	/* refused below as a bad prefix */
		memcpy(buf, s, l);
		buf[l] = 0;
		if (sg_prefix_parse(buf, &p, err, errlen))
			return -1;
		if (sg_prefix_push(v, n, cap, &p)) {
			sg_set_err(err, errlen, "out of memory");
			return -1;
		}
		if (!c)
			return 0;
		s = c + 1;
	}
}
