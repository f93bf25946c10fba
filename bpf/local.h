/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * local.h - is the destination of a packet an address of this host (of the
 * receiving device's network namespace)? On a bridge port, a macvlan/ipvlan
 * parent or a router's interface XDP also sees other machines' traffic, and
 * a wildcard listener of ours matches their addresses too: we must answer
 * only for our own.
 *
 * How: the kernel keeps every address of a netns in a per-netns hash table
 * (net->ipv4.inet_addr_lst, net->ipv6.inet6_addr_lst; kernels >= 6.13
 * namespaced them). We read the bucket the address hashes to through BTF and
 * compare the addresses exactly, so a hit is never wrong and the table is
 * always the kernel's current one (no copy to keep in step with netlink).
 * The bucket function changed across kernels (xor or jhash with the netns'
 * hash_mix), so every known one is tried; a miss in all means "not ours".
 *
 * Why not bpf_fib_lookup(): it answers BPF_FIB_LKUP_RET_FWD_DISABLED before
 * looking at the FIB unless forwarding is enabled on the device it is given
 * (net/core/filter.c), and a host with guests behind a bridge routinely has
 * forwarding off, which is exactly the case to get right.
 *
 * Kernels without the per-netns tables (field missing, CO-RE) treat every
 * destination as local: the behaviour before this check.
 */
#ifndef SG_BPF_LOCAL_H
#define SG_BPF_LOCAL_H

#include <bpf/bpf_core_read.h>
#include "parse.h"

/* __weak: both are 6.2+; see sg_dst_is_local() for kernels without them */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym __weak;

#define SG_ADDR_HSHIFT		8	/* IN4_ADDR_HSIZE_SHIFT, IN6_ADDR_HSIZE_SHIFT */
#define SG_LOCAL_CHAIN		8	/* entries walked per bucket */
#define SG_JHASH_INIT		0xdeadbeef
#define SG_GOLDEN_RATIO_32	0x61C88647

static __always_inline __u32 sg_rol32(__u32 w, unsigned int s)
{
	return (w << s) | (w >> ((-s) & 31));
}

static __always_inline __u32 sg_hash_32(__u32 v)
{
	return (v * SG_GOLDEN_RATIO_32) >> (32 - SG_ADDR_HSHIFT);
}

#define SG_JHASH_FINAL(a, b, c) do {					\
	c ^= b; c -= sg_rol32(b, 14);					\
	a ^= c; a -= sg_rol32(c, 11);					\
	b ^= a; b -= sg_rol32(a, 25);					\
	c ^= b; c -= sg_rol32(b, 16);					\
	a ^= c; a -= sg_rol32(c, 4);					\
	b ^= a; b -= sg_rol32(a, 14);					\
	c ^= b; c -= sg_rol32(b, 24);					\
} while (0)

#define SG_JHASH_MIX(a, b, c) do {					\
	a -= c; a ^= sg_rol32(c, 4);  c += b;				\
	b -= a; b ^= sg_rol32(a, 6);  a += c;				\
	c -= b; c ^= sg_rol32(b, 8);  b += a;				\
	a -= c; a ^= sg_rol32(c, 16); c += b;				\
	b -= a; b ^= sg_rol32(a, 19); a += c;				\
	c -= b; c ^= sg_rol32(b, 4);  b += a;				\
} while (0)

/* the kernel's jhash_1word() */
static __always_inline __u32 sg_jhash_1word(__u32 a, __u32 init)
{
	__u32 b = 0, c = 0;

	init += SG_JHASH_INIT + (1 << 2);
	a += init;
	b += init;
	c += init;
	SG_JHASH_FINAL(a, b, c);
	return c;
}

/* the kernel's jhash2(k, 4, init) */
static __always_inline __u32 sg_jhash2_4(const __u32 *k, __u32 init)
{
	__u32 a, b, c;

	a = b = c = SG_JHASH_INIT + (4 << 2) + init;
	a += k[0];
	b += k[1];
	c += k[2];
	SG_JHASH_MIX(a, b, c);
	a += k[3];
	SG_JHASH_FINAL(a, b, c);
	return c;
}

/* The bucket `idx` of a per-netns table: lst points to 256 hlist_heads.
 * bpf_rdonly_cast() turns the computed address back into a BTF pointer
 * (the verifier forbids variable offsets on BTF pointers themselves). */
static __always_inline struct hlist_node *sg_bucket_first(struct hlist_head *lst, __u32 idx)
{
	struct hlist_head *h;

	h = bpf_rdonly_cast((void *)lst + (idx & 0xff) * sizeof(*h),
			    bpf_core_type_id_kernel(struct hlist_head));
	return h->first;
}

static __always_inline int sg_v4_in_bucket(struct hlist_head *lst, __u32 idx, __be32 addr)
{
	struct hlist_node *n = sg_bucket_first(lst, idx);
	int i;

	for (i = 0; i < SG_LOCAL_CHAIN && n; i++) {
		/* addr_lst is the first member: the node is the in_ifaddr */
		struct in_ifaddr *ifa = bpf_rdonly_cast((void *)n - bpf_core_field_offset(struct in_ifaddr, addr_lst),
							bpf_core_type_id_kernel(struct in_ifaddr));

		if (ifa->ifa_local == addr)
			return 1;
		n = n->next;
	}
	/* a longer chain than we walk: do not call it foreign */
	return n ? 1 : 0;
}

static __always_inline int sg_v6_in_bucket(struct hlist_head *lst, __u32 idx, const __u32 *a)
{
	struct hlist_node *n = sg_bucket_first(lst, idx);
	int i;

	for (i = 0; i < SG_LOCAL_CHAIN && n; i++) {
		struct inet6_ifaddr *ifa = bpf_rdonly_cast((void *)n - bpf_core_field_offset(struct inet6_ifaddr, addr_lst),
							   bpf_core_type_id_kernel(struct inet6_ifaddr));
		const __u32 *w = ifa->addr.in6_u.u6_addr32;

		if (w[0] == a[0] && w[1] == a[1] && w[2] == a[2] && w[3] == a[3])
			return 1;
		n = n->next;
	}
	return n ? 1 : 0;
}

/* 1 if p's destination is an address of the receiving device's netns. */
static __always_inline int sg_dst_is_local(struct xdp_md *ctx, const struct sg_pkt *p)
{
	struct net *net = NULL;
	struct hlist_head *lst;
	struct xdp_buff *xdp;
	__u32 mix, h1, h2;

	/* Kernels without the per-netns tables (before 6.13) count every
	 * destination as local. Checked first, as CO-RE constants: on those
	 * kernels the verifier then never reaches the kfunc calls below, which
	 * kernels before 6.2 lack (left unresolved: __weak), so the object
	 * still loads there (6.1). */
	if (!bpf_core_field_exists(net->ipv4.inet_addr_lst) ||
	    !bpf_core_field_exists(net->ipv6.inet6_addr_lst))
		return 1;
	xdp = bpf_cast_to_kern_ctx(ctx);
	net = xdp->rxq->dev->nd_net.net;
	if (!net)
		return 1;
	mix = net->hash_mix;
	if (!p->ipv6) {
		__be32 a = p->daddr[0];

		if (!bpf_core_field_exists(net->ipv4.inet_addr_lst))
			return 1;
		/* 127/8 is local on lo as a route, not per address */
		if ((bpf_ntohl(a) >> 24) == 127)
			return 1;
		lst = net->ipv4.inet_addr_lst;
		if (!lst)
			return 1;
		h1 = sg_hash_32(sg_jhash_1word(a, mix));	/* 6.13+ */
		h2 = sg_hash_32(a ^ mix);			/* before the jhash change */
		return sg_v4_in_bucket(lst, h1, a) || (h2 != h1 && sg_v4_in_bucket(lst, h2, a));
	}
	if (!bpf_core_field_exists(net->ipv6.inet6_addr_lst))
		return 1;
	lst = net->ipv6.inet6_addr_lst;
	if (!lst)
		return 1;
	h1 = sg_hash_32(sg_jhash2_4(p->daddr, mix));
	h2 = sg_hash_32(p->daddr[0] ^ p->daddr[1] ^ p->daddr[2] ^ p->daddr[3] ^ mix);
	return sg_v6_in_bucket(lst, h1, p->daddr) ||
	       (h2 != h1 && sg_v6_in_bucket(lst, h2, p->daddr));
}

#endif
