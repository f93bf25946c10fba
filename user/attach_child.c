// SPDX-License-Identifier: GPL-2.0-only
/* attach_child.c - finish a protection beyond the command's death; see attach_child.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>

#include "attach_child.h"
#include "common.h"

int sg_protect_detach_child(void)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGPIPE, SIG_IGN); /* a closed terminal must not stop it either */
		return SG_CHILD;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return SG_EXIT_ERROR;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return SG_EXIT_ERROR;
}
