// SPDX-License-Identifier: GPL-2.0-only
/* sysctl.c - see sysctl.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysctl.h"

static int path_of(const char *name, char *path, size_t len)
{
	int n = snprintf(path, len, "/proc/sys/%s", name);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	for (char *p = path + strlen("/proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
	return 0;
}

int sg_sysctl_read(const char *name, long *val)
{
	char path[256], buf[64], *end;
	FILE *f;
	int err = path_of(name, path, sizeof(path));

	if (err)
		return err;
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f)) {
		err = ferror(f) ? -errno : -EINVAL;
		fclose(f);
		return err ? err : -EINVAL;
	}
	fclose(f);
	errno = 0;
	*val = strtol(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

int sg_sysctl_write(const char *name, long val)
{
	char path[256];
	FILE *f;
	int err = path_of(name, path, sizeof(path));

	if (err)
		return err;
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "%ld\n", val);
	/* the kernel reports a refused value at write/close time */
	if (fclose(f))
		return -errno;
	return 0;
}
