// SPDX-License-Identifier: GPL-2.0-only
/* attach_child.c - finish a protection beyond the command's death; see attach_child.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
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
	if (WIFSIGNALED(status)) {
		/* The child that attaches was killed (the OOM killer, kill -9
		 * of its pid, a test point): the command dies of the same
		 * signal, so a script sees what it sees for a killed protect
		 * (128 + N) and not an ordinary failure. What the child left
		 * is a safe step (testpoint.h); status shows which. */
		int sig = WTERMSIG(status);

		sg_warn("the process attaching synguard (pid %d) was killed by signal %d (%s) "
			"mid-way; 'synguard status' shows what is attached, and the next "
			"protect or unprotect repairs it", (int)pid, sig, strsignal(sig));
		fflush(stderr);
		signal(sig, SIG_DFL);
		raise(sig);
	}
	return SG_EXIT_ERROR;
}
