// SPDX-License-Identifier: GPL-2.0-only
/* num_parse.c - see num_parse.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "num_parse.h"

int sg_num_prefix(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || v < lo || v > hi)
		return -1;
	*out = v;
	return (int)(end - s);
}

int sg_num_parse(const char *s, unsigned long lo, unsigned long hi, const char *suffix,
		 unsigned long *out)
{
	unsigned long v;
	int n = sg_num_prefix(s, lo, hi, &v);

	if (n < 0 || (s[n] && (!suffix || strcmp(s + n, suffix))))
		return -1;
	*out = v;
	return 0;
}
