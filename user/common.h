/* SPDX-License-Identifier: GPL-2.0-only */
/* common.h - exit codes, messages and small helpers shared by all commands. */
#ifndef SG_COMMON_H
#define SG_COMMON_H

#include <stdbool.h>
#include <stdio.h>

/* Exit codes: documented in README.md ("Exit codes") and synguard.8. */
enum sg_exit {
	SG_EXIT_OK = 0,
	SG_EXIT_ERROR = 1,		/* runtime failure (attach, map, I/O ...) */
	SG_EXIT_USAGE = 2,		/* bad command line: option, port list, value */
	SG_EXIT_NOT_PROTECTED = 3,	/* the interface is not protected */
	SG_EXIT_PERM = 4,		/* missing privileges (root / CAP_BPF+CAP_NET_ADMIN) */
	SG_EXIT_UNSUPPORTED = 5,	/* kernel lacks BTF, a helper, a kfunc or a setting */
	SG_EXIT_CONFLICT = 6,		/* another XDP program is attached (use --force) */
	SG_EXIT_BPFFS = 7,		/* bpffs cannot be mounted or used */
	SG_EXIT_NODEV = 8,		/* no such network interface */
	SG_EXIT_BUSY = 9,		/* another command holds the interface lock (lock.h) */
	SG_EXIT_DOCTOR = 10,		/* doctor: a check failed */
};

/* Global options (set by main before a command runs; commands may set them too). */
struct sg_env {
	bool json;	/* -j/--json */
	bool pretty;	/* -p/--pretty (implies json) */
	bool verbose;	/* -v: libbpf debug output */
	const char *prog; /* argv[0] */
};
extern struct sg_env sg_env;

/* "synguard: <msg>" on stderr. */
void sg_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the message and return code, so that callers can `return sg_fail(...)`. */
int sg_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Format an error message into err[errlen] (nothing if err is NULL): for
 * parsers that report to their caller instead of printing. */
void sg_set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Install the libbpf print callback (quiet unless -v). */
void sg_libbpf_init(void);

/* 0 if we may load BPF programs and attach to interfaces, else SG_EXIT_PERM
 * with a message naming the missing capability. */
int sg_check_privileges(void);

/* Make sure a bpffs is mounted at /sys/fs/bpf (mounting it if needed). */
int sg_ensure_bpffs(void);

/* Make sure tracefs is mounted at /sys/kernel/tracing (mounting it if needed). */
int sg_ensure_tracefs(void);

/* Install handlers so that SIGINT/SIGTERM set *flag; returns 0 on success. */
int sg_on_signal(volatile int *flag);

/* Monotonic and wall clocks in ns. */
unsigned long long sg_now_mono_ns(void);
unsigned long long sg_now_real_ns(void);

#endif
