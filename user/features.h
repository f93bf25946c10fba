/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * features.h - what this kernel can do for synguard, probed the way
 * `bpftool feature` does: by loading (and where it matters attaching) tiny
 * programs, and by looking names up in the kernel's BTF. Used by protect (to
 * pick the defense), status and doctor (to list them).
 */
#ifndef SG_FEATURES_H
#define SG_FEATURES_H

#include <linux/types.h>

struct sg_feature {
	const char *name;	/* stable, e.g. "kfunc_sk_assign_tcp_reqsk" (JSON key) */
	int ok;			/* 1: usable here, 0: not */
	char detail[128];	/* why, and the kernel release that brings it */
};

/* Probe every feature into out[0..max) (in a fixed order; the first call
 * probes, later calls reuse the results). Returns the count filled. */
int sg_features_probe(struct sg_feature *out, int max);

/* 1 if the named feature is usable here, 0 if not or unknown. */
int sg_feature_ok(const char *name);

/* The defense designs (best first: handoff, synproxy, kernel-cookies). */
enum sg_design {
	SG_DESIGN_NONE = 0,		/* this kernel can run neither */
	SG_DESIGN_KERNEL_COOKIES = 1,	/* 6.0-6.8: kernel answers SYNs, XDP filters ACKs */
	SG_DESIGN_HANDOFF = 2,		/* 6.9+: XDP cookies, tc handoff kfunc */
	SG_DESIGN_SYNPROXY = 3,		/* 6.0+: XDP answers with the kernel's cookies,
					 * nftables SYNPROXY completes (best before 6.9) */
};

/* The design an interface runs, from its sg_config.flags (SG_CFG_*). */
enum sg_design sg_design_of_flags(__u32 flags);
/* The best design this kernel supports. */
enum sg_design sg_design_best(void);
/* "handoff", "synproxy", "kernel-cookies", "none" */
const char *sg_design_name(enum sg_design d);
/* Parse "auto", "handoff", "synproxy" or "kernel-cookies" (auto: SG_DESIGN_NONE). 0 or -1. */
int sg_design_parse(const char *s, enum sg_design *out);
/* 0 if design d can run here, else SG_EXIT_UNSUPPORTED after a message
 * naming what is missing and the release that has it. */
int sg_design_check(enum sg_design d);

#endif
