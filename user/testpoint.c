// SPDX-License-Identifier: GPL-2.0-only
/* testpoint.c - TEST-ONLY kill points; see testpoint.h. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testpoint.h"

void sg_test_point(const char *point)
{
	const char *want = getenv("SG_TEST_KILL_AT");

	if (!want || strcmp(want, point))
		return;
	fflush(NULL);
	kill(getpid(), SIGKILL);
}
