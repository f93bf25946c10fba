/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcookie.h - the defense for kernels without bpf_sk_assign_tcp_reqsk
 * (6.0-6.8), flag SG_CFG_KERNEL_COOKIES: the kernel answers SYNs itself
 * (with its own SYN cookies once a listener's queue overflows) and XDP is
 * the early filter. An ACK that finds only a listener (no request, full or
 * time-wait socket) can only be the last ACK of a cookie handshake: XDP
 * checks it against the kernel's cookie secret and drops it unless it
 * holds, so forged-ACK floods die here instead of costing the kernel a
 * cookie check and a RST each. See docs/design.md "Kernels 6.0-6.8".
 */
#ifndef SG_BPF_KCOOKIE_H
#define SG_BPF_KCOOKIE_H

#include "parse.h"

/* 1 if the ACK's ack_seq - 1 is a cookie of the kernel's (current or
 * recent secret, any MSS class), 0 if not or if the headers are not in the
 * frame. bpf_tcp_raw_check_syncookie_*() (6.0+) need fixed-size header
 * pointers; they do not check tcp_synq_no_recent_overflow() (the kernel
 * does, after us). */
static __always_inline int sg_kernel_cookie_ok(void *data, void *data_end,
					       const struct sg_pkt *p)
{
	__u32 l3 = p->l3_off, l4 = p->l4_off;
	struct tcphdr *th;
	void *ip;

	if (l3 > SG_MAX_L4_OFF || l4 > SG_MAX_L4_OFF)
		return 0;
	/* Verifier workaround: without the barrier clang reuses a
	 * data + l4_off computed before the bound check, which the verifier
	 * sees as an unbounded packet pointer ("outside of the packet"). */
	asm volatile("" : "+r"(l3), "+r"(l4));
	th = data + l4;
	ip = data + l3;
	if ((void *)(th + 1) > data_end)
		return 0;
	if (p->ipv6) {
		if (ip + sizeof(struct ipv6hdr) > data_end)
			return 0;
		return bpf_tcp_raw_check_syncookie_ipv6(ip, th) == 0;
	}
	if (ip + sizeof(struct iphdr) > data_end)
		return 0;
	return bpf_tcp_raw_check_syncookie_ipv4(ip, th) == 0;
}

#endif
