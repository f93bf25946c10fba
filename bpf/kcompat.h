/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcompat.h - what the XDP program reads from the kernel, written so that it
 * loads on every kernel synguard supports (6.0 and later), without kfuncs:
 * bpf_cast_to_kern_ctx() is 6.2+, and a kfunc the kernel lacks makes the
 * whole object fail to load (libbpf: "extern (func ksym) ... not found").
 */
#ifndef SG_BPF_KCOMPAT_H
#define SG_BPF_KCOMPAT_H

#include <bpf/bpf_core_read.h>

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

/* sk->sk_userlocks: a 4-bit bitfield before 6.x, a u8 since; a plain read
 * is a byte-offset relocation that fails on the bitfield. The bitfield read
 * works for both. */
static __always_inline __u32 sg_sk_userlocks(struct sock *sk)
{
	return (__u32)BPF_CORE_READ_BITFIELD(sk, sk_userlocks);
}

/* tcp_full_space(): the window a receive buffer of rcvbuf bytes allows.
 * 6.7+ scale it by the socket's scaling_ratio; older kernels (which lack
 * the field, a CO-RE relocation that would fail the load) by
 * net.ipv4.tcp_adv_win_scale (tcp_win_from_space() of 6.1). */
static __always_inline __u32 sg_tcp_full_space(struct tcp_sock *tp, struct net *net,
					       __u32 rcvbuf, int rmem_to_win_scale)
{
	int adv;

	if (bpf_core_field_exists(tp->scaling_ratio))
		return ((__u64)rcvbuf * tp->scaling_ratio) >> rmem_to_win_scale;
	adv = net->ipv4.sysctl_tcp_adv_win_scale;
	if (adv <= 0)
		return rcvbuf >> ((-adv) & 31);
	return rcvbuf - (rcvbuf >> (adv & 31));
}

#endif
