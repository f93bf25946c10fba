// SPDX-License-Identifier: GPL-2.0-only
/* keyfile.c - cookie keys from a file or from getrandom(); see keyfile.h. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "keyfile.h"
#include "common.h"

#define KEY_HEX_DIGITS 32

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static __u64 le64(const unsigned char *b)
{
	__u64 v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

int sg_key_parse(const char *text, __u64 key[2], char *err, size_t errlen)
{
	unsigned char bytes[KEY_HEX_DIGITS / 2] = {};
	int ndigits = 0;

	for (const char *p = text; *p; p++) {
		int v;

		if (isspace((unsigned char)*p))
			continue;
		v = hexval((unsigned char)*p);
		if (v < 0) {
			sg_set_err(err, errlen,
				"unexpected character '%c' (the key file must hold exactly %d hex digits)",
				isprint((unsigned char)*p) ? *p : '?', KEY_HEX_DIGITS);
			return -1;
		}
		if (ndigits >= KEY_HEX_DIGITS) {
			sg_set_err(err, errlen, "more than %d hex digits (the key is 128 bits)",
				KEY_HEX_DIGITS);
			return -1;
		}
		bytes[ndigits / 2] |= v << (ndigits % 2 ? 0 : 4);
		ndigits++;
	}
	if (ndigits != KEY_HEX_DIGITS) {
		sg_set_err(err, errlen, "%d hex digits, expected exactly %d (a 128-bit key)",
			ndigits, KEY_HEX_DIGITS);
		return -1;
	}
	key[0] = le64(bytes);
	key[1] = le64(bytes + 8);
	return 0;
}

int sg_key_read_file(const char *path, __u64 key[2], char *err, size_t errlen)
{
	char buf[256], sub[192];
	size_t n;
	FILE *f;

	struct stat st;

	f = fopen(path, "r");
	if (!f) {
		sg_set_err(err, errlen, "cannot read key file %s: %s", path, strerror(errno));
		return -1;
	}
	/* whoever can read the key forges ACKs at will, whoever can write it
	 * chooses it: checked on the open file, not on the name */
	if (fstat(fileno(f), &st)) {
		sg_set_err(err, errlen, "cannot stat key file %s: %s", path, strerror(errno));
		fclose(f);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		sg_set_err(err, errlen, "key file %s is not a regular file", path);
		fclose(f);
		return -1;
	}
	if (st.st_uid != 0) {
		sg_set_err(err, errlen, "key file %s is owned by uid %u, not by root: "
			   "chown root:root %s", path, (unsigned)st.st_uid, path);
		fclose(f);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		sg_set_err(err, errlen, "key file %s has mode %04o: group or others may "
			   "access it, and anyone who reads it forges cookies; chmod 600 %s",
			   path, (unsigned)(st.st_mode & 07777), path);
		fclose(f);
		return -1;
	}
	/* A valid file is 32 digits plus a little whitespace: anything that
	 * does not fit in buf is too long by construction. */
	n = fread(buf, 1, sizeof(buf) - 1, f);
	if (ferror(f)) {
		sg_set_err(err, errlen, "cannot read key file %s: %s", path, strerror(errno));
		fclose(f);
		return -1;
	}
	buf[n] = '\0';
	if (!feof(f) || memchr(buf, '\0', n)) {
		sg_set_err(err, errlen, "key file %s: not a 32-hex-digit key (too long or binary)",
			path);
		fclose(f);
		return -1;
	}
	fclose(f);
	if (sg_key_parse(buf, key, sub, sizeof(sub))) {
		sg_set_err(err, errlen, "key file %s: %s", path, sub);
		return -1;
	}
	return 0;
}

static int fill_random(void *p, size_t n)
{
	unsigned char *b = p;

	while (n) {
		ssize_t r = getrandom(b, n, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		b += r;
		n -= r;
	}
	return 0;
}

int sg_key_random(__u64 key[2])
{
	return fill_random(key, 2 * sizeof(__u64));
}

int sg_random_u32_nonzero(__u32 *v)
{
	int err;

	do {
		err = fill_random(v, sizeof(*v));
	} while (!err && *v == 0);
	return err;
}
