// SPDX-License-Identifier: GPL-2.0-only
/* lock.c - the per-interface lock; see lock.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "common.h"
#include "lock.h"
#include "pins.h"

double sg_lock_wait_s = SG_LOCK_WAIT_DEFAULT;

/* Polling, not a blocking flock(): a blocking one cannot be bounded without
 * signals, and a command waits for at most a few changes of ~100 ms each. */
#define POLL_NS		(20 * 1000000ULL)
#define NOTE_AFTER_NS	(1000 * 1000000ULL)	/* say that we wait, once */

int sg_lock_parse_wait(const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= 0 && v <= 86400))
		return sg_fail(SG_EXIT_USAGE, "bad --wait '%s': use 0..86400 seconds", arg);
	sg_lock_wait_s = v;
	return 0;
}

int sg_lock_path(int ifindex, char *buf, size_t len)
{
	unsigned long ino = 0;
	int n;

	sg_netns_is_init(&ino);
	if (!ino)
		return -ENOENT;
	n = snprintf(buf, len, "%s/netns-%lu.if-%d.lock", SG_LOCK_DIR, ino, ifindex);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* /run/synguard: ours, a real directory, writable by nobody else. */
static int ensure_dir(void)
{
	struct stat st;

	if (mkdir(SG_LOCK_DIR, 0700) && errno != EEXIST)
		return -errno;
	if (lstat(SG_LOCK_DIR, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		return -EPERM;
	return 0;
}

/* The pid that holds a flock on the file of fd, from /proc/locks (which a
 * waiter can read without disturbing the holder). 0 if none is listed. */
static pid_t holder_of(int fd)
{
	char line[256];
	struct stat st;
	pid_t pid = 0;
	FILE *f;

	if (fstat(fd, &st) || !(f = fopen("/proc/locks", "re")))
		return 0;
	while (!pid && fgets(line, sizeof(line), f)) {
		unsigned int maj, min;
		unsigned long ino;
		int p;

		/* "1: FLOCK  ADVISORY  WRITE 1234 00:19:5678 0 EOF"; waiters are "1: -> ..." */
		if (strstr(line, "->") || !strstr(line, "FLOCK"))
			continue;
		if (sscanf(line, "%*d: FLOCK %*s %*s %d %x:%x:%lu", &p, &maj, &min, &ino) == 4 &&
		    ino == st.st_ino && maj == major(st.st_dev) && min == minor(st.st_dev))
			pid = p;
	}
	fclose(f);
	return pid;
}

/* "synguard protect eth0 --ports 80" for messages; "?" if unknown */
static void cmdline_of(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, len - 1);
		close(fd);
	}
	if (n <= 0) {
		snprintf(buf, len, "?");
		return;
	}
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0' || buf[i] == '\n')
			buf[i] = ' ';
	buf[n] = '\0';
}

static int busy(const char *ifname, pid_t pid)
{
	char cmd[160];

	if (!pid)
		return sg_fail(SG_EXIT_BUSY, "%s is busy: another command is changing it and did "
			       "not finish within %g s (--wait SECONDS waits longer)", ifname,
			       sg_lock_wait_s);
	cmdline_of(pid, cmd, sizeof(cmd));
	if (!strcmp(cmd, "?"))	/* gone meanwhile, or hidden */
		return sg_fail(SG_EXIT_BUSY, "%s is busy: another command (pid %d) is changing "
			       "it and did not finish within %g s (--wait SECONDS waits longer)",
			       ifname, (int)pid, sg_lock_wait_s);
	return sg_fail(SG_EXIT_BUSY, "%s is busy: another command (pid %d: %s) is changing it "
		       "and did not finish within %g s (--wait SECONDS waits longer)", ifname,
		       (int)pid, cmd, sg_lock_wait_s);
}

/* Is fd still the file at path? A holder unlinks the file as it finishes,
 * so a waiter may end up locking a file nobody else will ever look at. */
static bool still_linked(int fd, const char *path)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat(path, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int sg_lock_iface(int ifindex, const char *ifname, struct sg_lock *l)
{
	unsigned long long start = sg_now_mono_ns(), now;
	unsigned long long limit = (unsigned long long)(sg_lock_wait_s * 1e9);
	bool noted = false;
	int err, fd;

	l->fd = -1;
	err = sg_lock_path(ifindex, l->path, sizeof(l->path));
	if (!err)
		err = ensure_dir();
	if (err)
		return sg_fail(SG_EXIT_ERROR, "cannot use the lock directory %s: %s", SG_LOCK_DIR,
			       strerror(-err));
	for (;;) {
		fd = open(l->path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return sg_fail(SG_EXIT_ERROR, "cannot open the lock file %s: %s", l->path,
				       strerror(errno));
		while (flock(fd, LOCK_EX | LOCK_NB)) {
			struct timespec ts = { 0, POLL_NS };

			if (errno != EWOULDBLOCK && errno != EINTR) {
				err = errno;
				close(fd);
				return sg_fail(SG_EXIT_ERROR, "cannot lock %s: %s", l->path,
					       strerror(err));
			}
			now = sg_now_mono_ns();
			if (now - start >= limit) {
				pid_t pid = holder_of(fd);

				close(fd);
				return busy(ifname, pid);
			}
			if (!noted && now - start >= NOTE_AFTER_NS) {
				pid_t pid = holder_of(fd);

				noted = true;
				sg_warn("waiting up to %g s for another command (pid %d) to finish "
					"with %s", sg_lock_wait_s, (int)pid, ifname);
			}
			if (limit - (now - start) < POLL_NS)
				ts.tv_nsec = (long)(limit - (now - start));
			nanosleep(&ts, NULL);
		}
		if (still_linked(fd, l->path))
			break;
		close(fd);	/* its holder finished and removed it: take the new one */
	}
	/* The file stays empty: the holder is found through /proc/locks, and
	 * a file without data blocks is cheap to delete (on a disk-backed /run
	 * with discard, freeing a data block made each release cost ~100 ms). */
	l->fd = fd;
	return 0;
}

void sg_lock_release(struct sg_lock *l)
{
	if (l->fd < 0)
		return;
	/* Unlink while still holding it: waiters see the file is gone and take
	 * a new one (still_linked), and /run/synguard stays empty when idle. */
	unlink(l->path);
	close(l->fd);
	l->fd = -1;
}

pid_t sg_lock_holder(int ifindex)
{
	char path[96];
	pid_t pid;
	int fd;

	if (sg_lock_path(ifindex, path, sizeof(path)))
		return 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	pid = holder_of(fd);
	close(fd);
	return pid;
}
