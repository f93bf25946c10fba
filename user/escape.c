// SPDX-License-Identifier: GPL-2.0-only
/* escape.c - see escape.h. */
#include <stdbool.h>
#include <string.h>

#include "escape.h"

size_t sg_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;
	unsigned int lo = 0x80, hi = 0xbf;	/* allowed range of the 2nd byte */

	if (!n)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong below */
		else if (c == 0xed)
			hi = 0x9f;	/* UTF-16 surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else {
		return 0;	/* continuation byte, C0/C1 overlong lead, F5..FF */
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

void sg_esc_json(FILE *f, const char *str)
{
	const unsigned char *p = (const unsigned char *)str;
	size_t n = strlen(str), k;

	while (n) {
		k = sg_utf8_len(p, n);
		if (k > 1) {
			fwrite(p, 1, k, f);
		} else if (k == 0 || *p < 0x20) {
			switch (*p) {
			case '\n': fputs("\\n", f); break;
			case '\r': fputs("\\r", f); break;
			case '\t': fputs("\\t", f); break;
			default: fprintf(f, "\\u%04x", *p);	/* invalid byte: U+00XX */
			}
			k = 1;
		} else if (*p == '"' || *p == '\\') {
			fputc('\\', f);
			fputc(*p, f);
		} else {
			fputc(*p, f);
		}
		p += k;
		n -= k;
	}
}

/* Append piece (plen bytes) if it fits with the NUL; false if it does not. */
static bool put(char *out, size_t len, size_t *o, const char *piece, size_t plen)
{
	if (*o + plen + 1 > len)
		return false;
	memcpy(out + *o, piece, plen);
	*o += plen;
	return true;
}

char *sg_esc_label(const char *str, char *out, size_t len)
{
	const unsigned char *p = (const unsigned char *)str;
	size_t n = strlen(str), o = 0, k;
	char piece[4];
	size_t plen;

	if (!len)
		return out;
	while (n) {
		k = sg_utf8_len(p, n);
		if (k == 0) {
			/* U+00XX for the invalid byte 0xXX (always >= 0x80 here) */
			piece[0] = (char)(0xc0 | (*p >> 6));
			piece[1] = (char)(0x80 | (*p & 0x3f));
			plen = 2;
			k = 1;
		} else if (k == 1 && (*p == '\\' || *p == '"')) {
			piece[0] = '\\';
			piece[1] = (char)*p;
			plen = 2;
		} else if (k == 1 && *p == '\n') {
			memcpy(piece, "\\n", 2);
			plen = 2;
		} else {
			memcpy(piece, p, k);
			plen = k;
		}
		if (!put(out, len, &o, piece, plen))
			break;
		p += k;
		n -= k;
	}
	out[o] = 0;
	return out;
}

char *sg_esc_text(const char *str, char *out, size_t len)
{
	const unsigned char *p = (const unsigned char *)str;
	size_t n = strlen(str), o = 0, k;
	char piece[5];
	size_t plen;

	if (!len)
		return out;
	while (n) {
		k = sg_utf8_len(p, n);
		/* C1 controls U+0080..U+009F are C2 80..C2 9F in UTF-8 */
		if (k == 0 || (k == 1 && (*p < 0x20 || *p == 0x7f)) ||
		    (k == 2 && p[0] == 0xc2 && p[1] < 0xa0)) {
			k = k ? k : 1;
			for (size_t i = 0; i < k; i++) {
				snprintf(piece, sizeof(piece), "\\x%02x", p[i]);
				if (!put(out, len, &o, piece, 4))
					goto out;
			}
			p += k;
			n -= k;
			continue;
		}
		if (k == 1 && *p == '\\') {
			memcpy(piece, "\\\\", 2);
			plen = 2;
		} else {
			memcpy(piece, p, k);
			plen = k;
		}
		if (!put(out, len, &o, piece, plen))
			break;
		p += k;
		n -= k;
	}
out:
	out[o] = 0;
	return out;
}

void sg_esc_msg(FILE *f, const char *str)
{
	const unsigned char *p = (const unsigned char *)str;
	size_t n = strlen(str), k;

	while (n) {
		k = sg_utf8_len(p, n);
		if (k == 0 || (k == 1 && ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)) ||
		    (k == 2 && p[0] == 0xc2 && p[1] < 0xa0)) {
			k = k ? k : 1;
			for (size_t i = 0; i < k; i++)
				fprintf(f, "\\x%02x", p[i]);
		} else {
			fwrite(p, 1, k, f);
		}
		p += k;
		n -= k;
	}
}
