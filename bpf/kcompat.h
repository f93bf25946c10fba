/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcompat.h - what the XDP program reads from the kernel, written so that it
 * loads on every kernel synguard supports (6.0 and later), without kfuncs:
 * bpf_cast_to_kern_ctx() is 6.2+, and a kfunc the kernel lacks makes the
 * whole object fail to load (libbpf: "extern (func ksym) ... not found").
 */
#ifndef SG_BPF_KCOMPAT_H
#define SG_BPF_KCOMPAT_H

/* The MTU of the device the frame arrived on. bpf_check_mtu() (5.12+) with
 * ifindex 0 looks at the receiving device and always reports its MTU in
 * *mtu, whether the frame fits or not (return 0 or BPF_MTU_CHK_RET_*); only
 * a negative return means it did not. 0: unknown (callers assume 1500). */
static __always_inline __u32 sg_xdp_dev_mtu(struct xdp_md *ctx)
{
	__u32 mtu = 0;

	if (bpf_check_mtu(ctx, 0, &mtu, 0, 0) < 0)
		return 0;
	return mtu;
}

#endif
