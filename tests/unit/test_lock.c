// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_lock.c - user/lock.c on its own: mutual exclusion under contention
 * (PROCS processes each do ITERS read-sleep-write increments of a counter
 * file under the lock; any overlap loses increments), including waiters that
 * end up holding a lock on a file its previous holder unlinked; the bounded
 * wait (SG_EXIT_BUSY after about --wait); the lock file is gone when idle;
 * a holder killed with SIGKILL does not block the next one. It uses an
 * ifindex no real interface has, in the test's network namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "lock.h"
#include "testlib.h"


#define PROCS	4
#define ITERS	40

static int fake_ifindex(void)
{
	return 2000000000 + (int)(getpid() % 100000);
}

static void bump(const char *counter)
{
	char buf[32] = "";
	int fd = open(counter, O_RDWR), n;
	long v;

	if (fd < 0)
		_exit(3);
	n = (int)read(fd, buf, sizeof(buf) - 1);
	v = n > 0 ? strtol(buf, NULL, 10) : 0;
	usleep(300);	/* widen the window a second holder would hit */
	n = snprintf(buf, sizeof(buf), "%ld\n", v + 1);
	if (pwrite(fd, buf, n, 0) != n)
		_exit(3);
	close(fd);
}

static void contention(int ifindex)
{
	char counter[] = "/tmp/sg-lock-counter.XXXXXX", buf[32] = "";
	int fd = mkstemp(counter), status, bad = 0;
	long v;

	if (fd < 0) {
		SG_FAIL("lock_contention", "mkstemp: %s", strerror(errno));
		return;
	}
	close(fd);
	for (int p = 0; p < PROCS; p++) {
		if (fork() == 0) {
			sg_lock_wait_s = 60;
			for (int i = 0; i < ITERS; i++) {
				struct sg_lock l = SG_LOCK_INIT;

				if (sg_lock_iface(ifindex, "fake0", &l))
					_exit(2);
				bump(counter);
				sg_lock_release(&l);
			}
			_exit(0);
		}
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			bad++;
	fd = open(counter, O_RDONLY);
	v = fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 ? strtol(buf, NULL, 10) : -1;
	if (fd >= 0)
		close(fd);
	unlink(counter);
	SG_EXPECT("lock_contention_exclusive", !bad && v == PROCS * ITERS,
		  "counter %ld, want %d (%d workers failed)", v, PROCS * ITERS, bad);
}

int main(void)
{
	int ifindex = fake_ifindex(), pfd[2], status;
	struct sg_lock l = SG_LOCK_INIT;
	char path[96];
	pid_t pid;


	if (geteuid() != 0) {
		SG_SKIP("lock", "needs root (/run/synguard)");
		return 0;
	}
	if (sg_lock_path(ifindex, path, sizeof(path))) {
		SG_FAIL("lock_path", "no path");
		return 1;
	}
	SG_EXPECT("lock_path_numeric", strstr(path, SG_LOCK_DIR "/netns-") == path &&
		  strstr(path, ".if-") && !strstr(path, "fake0"), "%s", path);

	contention(ifindex);
	SG_EXPECT("lock_file_gone_when_idle", access(path, F_OK) != 0, "%s still exists", path);

	/* a holder that stays: the waiter gives up after about its --wait */
	if (pipe(pfd))
		return 1;
	pid = fork();
	if (pid == 0) {
		char c;

		if (sg_lock_iface(ifindex, "fake0", &l))
			_exit(2);
		/* tell the parent we hold it; never read the pipe here: the
		 * holder could take back its own byte and the parent would
		 * wait for it forever */
		c = 'x';
		if (write(pfd[1], &c, 1) != 1)
			_exit(3);
		pause();	/* until SIGKILL */
		_exit(0);
	}
	{
		char c;
		unsigned long long t0;
		int rc;

		if (read(pfd[0], &c, 1) != 1)
			return 1;
		sg_lock_wait_s = 0.3;
		t0 = sg_now_mono_ns();
		rc = sg_lock_iface(ifindex, "fake0", &l);
		t0 = (sg_now_mono_ns() - t0) / 1000000;
		SG_EXPECT("lock_busy_exit_code", rc == SG_EXIT_BUSY, "rc %d", rc);
		SG_EXPECT("lock_busy_bounded", t0 >= 290 && t0 < 2000, "%llu ms", t0);
		SG_EXPECT("lock_holder_pid", sg_lock_holder(ifindex) == pid, "holder %d, want %d",
			  (int)sg_lock_holder(ifindex), (int)pid);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		sg_lock_wait_s = 0;
		rc = sg_lock_iface(ifindex, "fake0", &l);
		SG_EXPECT("lock_free_after_sigkill", rc == 0, "rc %d", rc);
		SG_EXPECT("lock_holder_is_us", sg_lock_holder(ifindex) == getpid(), "holder %d",
			  (int)sg_lock_holder(ifindex));
		sg_lock_release(&l);
		SG_EXPECT("lock_no_holder_after_release", sg_lock_holder(ifindex) == 0, "holder %d",
			  (int)sg_lock_holder(ifindex));
		SG_EXPECT("lock_file_gone_after_release", access(path, F_OK) != 0, "%s", path);
	}
	SG_EXPECT("lock_parse_wait_rejects", sg_lock_parse_wait("-1") == SG_EXIT_USAGE &&
		  sg_lock_parse_wait("x") == SG_EXIT_USAGE && sg_lock_parse_wait("1e9") == SG_EXIT_USAGE &&
		  sg_lock_parse_wait("nan") == SG_EXIT_USAGE, "accepted a bad value");
	SG_EXPECT("lock_parse_wait_accepts", sg_lock_parse_wait("2.5") == 0 && sg_lock_wait_s == 2.5,
		  "%g", sg_lock_wait_s);
	return sg_test_failures ? 1 : 0;
}
