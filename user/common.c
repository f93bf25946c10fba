// SPDX-License-Identifier: GPL-2.0-only
/* common.c - messages, privileges, bpffs/tracefs mounts, signals, clocks. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/libbpf.h>

#include "common.h"
#include "escape.h"

struct sg_env sg_env = { .prog = "synguard" };

static void vmsg(const char *pfx, const char *fmt, va_list ap)
{
	char *m = NULL;

	fprintf(stderr, "synguard: %s", pfx);
	/* messages quote interface names, which may hold any byte */
	if (vasprintf(&m, fmt, ap) >= 0) {
		sg_esc_msg(stderr, m);
		free(m);
	}
	fputc('\n', stderr);
}

void sg_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void sg_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

int sg_fail(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	return code;
}

void sg_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !sg_env.verbose)
		return 0;
	if (!sg_env.verbose)
		return 0; /* errors are reported by the caller, in our words */
	return vfprintf(stderr, fmt, ap);
}

void sg_libbpf_init(void)
{
	libbpf_set_print(libbpf_print);
}

/* Read the effective capability set from the kernel directly (no libcap). */
static int have_cap(int cap)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return 0;
	return !!(data[cap / 32].effective & (1U << (cap % 32)));
}

int sg_check_privileges(void)
{
	if (!have_cap(CAP_NET_ADMIN))
		return sg_fail(SG_EXIT_PERM,
			       "permission denied: CAP_NET_ADMIN is needed (run as root)");
	if (!have_cap(CAP_BPF) && !have_cap(CAP_SYS_ADMIN))
		return sg_fail(SG_EXIT_PERM,
			       "permission denied: CAP_BPF or CAP_SYS_ADMIN is needed (run as root)");
	return 0;
}

static int ensure_fs(const char *path, const char *type, long magic)
{
	struct statfs st;

	if (statfs(path, &st) == 0 && (long)st.f_type == magic)
		return 0;
	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	if (mount(type, path, type, 0, NULL))
		return -errno;
	return 0;
}

int sg_ensure_bpffs(void)
{
	int err = ensure_fs("/sys/fs/bpf", "bpf", BPF_FS_MAGIC);

	if (err)
		return sg_fail(SG_EXIT_BPFFS, "cannot mount bpffs on /sys/fs/bpf: %s",
			       strerror(-err));
	return 0;
}

int sg_ensure_tracefs(void)
{
	int err = ensure_fs("/sys/kernel/tracing", "tracefs", TRACEFS_MAGIC);

	if (err)
		return sg_fail(SG_EXIT_ERROR, "cannot mount tracefs on /sys/kernel/tracing: %s",
			       strerror(-err));
	return 0;
}

static volatile int *sig_flag;

static void on_sig(int sig)
{
	(void)sig;
	if (sig_flag)
		*sig_flag = 1;
}

int sg_on_signal(volatile int *flag)
{
	struct sigaction sa = { .sa_handler = on_sig };

	sig_flag = flag;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static unsigned long long now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

unsigned long long sg_now_mono_ns(void) { return now_ns(CLOCK_MONOTONIC); }
unsigned long long sg_now_real_ns(void) { return now_ns(CLOCK_REALTIME); }
