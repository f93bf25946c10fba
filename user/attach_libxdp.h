/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * attach_libxdp.h - attaching sg_xdp through libxdp's multi-program
 * dispatcher, so that it runs beside other XDP programs (xdp-filter, load
 * balancers) at a run priority, going on to the next program on XDP_PASS.
 *
 * The dispatcher is an XDP program attached through netlink; each program in
 * it replaces one of its slot functions (freplace) through a bpf_link that
 * libxdp pins under BPFFS/xdp/dispatch-IFINDEX-ID/. Those pins are what keeps
 * our program in the dispatcher, so they must be in a bpffs that outlives
 * protect (see sg_lx_use_bpffs and docs/design.md, "Persistence").
 */
#ifndef SG_ATTACH_LIBXDP_H
#define SG_ATTACH_LIBXDP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "synguard.h"

struct bpf_object;

/* How protect attaches XDP: --attach auto|libxdp|netlink */
enum sg_attach {
	SG_ATTACH_AUTO = 0,
	SG_ATTACH_LIBXDP,
	SG_ATTACH_NETLINK,
};
int sg_attach_parse(const char *s, enum sg_attach *a);	/* 0 or -EINVAL */
const char *sg_attach_name(enum sg_attach a);

#define SG_DISPATCHER_NAME	"xdp_dispatcher"	/* libxdp's dispatcher program */

/* 0 if the kernel lets a program replace a function of a loaded XDP program
 * and attach it (what the dispatcher needs), else -errno of the refusal
 * (-EPERM on kernels whose lockdown or LSM forbids it). Cached. */
int sg_lx_probe_freplace(void);

/* true if this kernel refuses every freplace program (BPF_PROG_TYPE_EXT)
 * with EPERM before the verifier runs: one without a target gets EPERM and
 * an empty verifier log, where the verifier would say EINVAL. (Seen on this
 * project's 6.18 development kernel, for every program type that needs a
 * BPF trampoline: fentry, fexit, fmod_ret, LSM, freplace.) */
bool sg_lx_ext_refused_by_type(void);

/* 0 if an extension that changes packet data (as sg_xdp's default build
 * does) may replace a function that does not, as the slots of libxdp's
 * dispatchers before xdp-tools PR #509 (Debian's 1.3.1) are; -EINVAL where
 * the verifier refuses that (Linux 6.13+, 6.12.y: protect then loads the
 * fixed-length build, bpf/fixed_len.h), other -errno as
 * sg_lx_probe_freplace. */
int sg_lx_probe_pkt_ext(void);

/* Make libxdp pin where pins outlive this process: /sys/fs/bpf in pid 1's
 * mount namespace, reached through /proc/1/root/sys/fs/bpf when this one
 * has a private /sys (ip netns exec). Sets LIBXDP_BPFFS and copies the path
 * to buf. 0, or -ENOENT if no such bpffs is reachable. */
int sg_lx_use_bpffs(char *buf, size_t len);

/* The program named name (e.g. sg_xdp) among the programs in the dispatcher
 * disp_id, found through the kernel's bpf_link list (no bpffs needed).
 * 0 with *prog_id set, -ENOENT if none. */
int sg_lx_find_in_dispatcher(__u32 disp_id, const char *name, __u32 *prog_id);

/* Attach the xdp program of obj (not loaded yet: libxdp loads the whole
 * object) at run priority prio. 0 or -errno. */
int sg_lx_attach(struct bpf_object *obj, int ifindex, enum sg_mode mode, unsigned int prio);

/* Remove program prog_id from the dispatcher of ifindex (the dispatcher goes
 * when it was the last program). 0 or -errno. */
int sg_lx_detach(int ifindex, __u32 prog_id);

/* Remove pins of dispatchers of ifindex that are no longer attached (left by
 * a killed loader). */
void sg_lx_clean(int ifindex);

/* One program on an interface as libxdp reports it. */
struct sg_lx_prog {
	__u32 id;
	char name[16];
	int prio;		/* run priority, -1 if unknown (not in a dispatcher) */
	char chain[64];		/* chain-call actions, e.g. "XDP_PASS" */
};

/* The XDP programs of ifindex: every program in its dispatcher, or the one
 * legacy program. Returns how many (at most max are filled), 0 for none,
 * or -errno. *dispatcher_id is the dispatcher's prog id (0: legacy/none). */
int sg_lx_list(int ifindex, struct sg_lx_prog *out, int max, __u32 *dispatcher_id);

#endif
