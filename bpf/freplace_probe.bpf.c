// SPDX-License-Identifier: GPL-2.0-only
/*
 * freplace_probe.bpf.c - can this kernel replace a function of a loaded XDP
 * program (BPF_PROG_TYPE_EXT, "freplace")? libxdp's multi-program dispatcher
 * is built on it: each program on the interface replaces one slot function
 * of the dispatcher. Some kernels refuse it (lockdown, or an LSM: EPERM even
 * as root). user/attach_libxdp.c loads sg_probe_xdp, then sg_probe_ext as
 * a replacement of its sg_probe_slot, and attaches it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* global, so that it is a separate function with BTF that can be replaced;
 * the volatile read keeps the compiler from folding it away */
__noinline int sg_probe_slot(struct xdp_md *ctx)
{
	volatile int ret = XDP_PASS;

	return ctx ? ret : XDP_ABORTED;
}

SEC("xdp")
int sg_probe_xdp(struct xdp_md *ctx)
{
	return sg_probe_slot(ctx);
}

SEC("freplace/sg_probe_slot")
int sg_probe_ext(struct xdp_md *ctx)
{
	return XDP_PASS;
}

/* The same, but changing packet data, as sg_xdp does: since Linux 6.13 (and
 * 6.12.y) the verifier refuses it in place of a function that does not,
 * which is what the slots of libxdp's older dispatchers are. */
SEC("freplace/sg_probe_slot")
int sg_probe_ext_pkt(struct xdp_md *ctx)
{
	return bpf_xdp_adjust_meta(ctx, 0) ? XDP_ABORTED : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
