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
 * Kernels before 6.13 keep the IPv4 addresses of every netns in one global
 * table (inet_addr_lst, file-static in net/ipv4/devinet.c: not in BTF) and
 * lack bpf_rdonly_cast() before 6.2. There protect finds the table's
 * address in /proc/kallsyms (user/local_tables.c, sg_config.addr_lst4/6),
 * XDP takes the netns from the listener it holds, and walks the bucket with
 * bpf_probe_read_kernel(), comparing each entry's address and netns
 * (sg_dst_is_local_probe). IPv6 uses the netns' own table where the kernel
 * has one (net->ipv6.inet6_addr_lst, 5.19+), else the global one the same
 * way. Without the table's address (kptr_restrict, no KALLSYMS_ALL) every
 * destination counts as local: the behaviour before this check.
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

/* Set by protect before load (user/skel_fixed.c): XDP may call
 * bpf_probe_read_kernel() here. A constant to the verifier, so that with 0
 * (lockdown=confidentiality, or an object loaded by another tool) the walk
 * below is dead code and the program still loads. */
const volatile __u8 sg_local_probe = 0;

/* The layouts of kernels before 6.13 (CO-RE flavors: relocated against the
 * running kernel; on newer kernels the code that uses them is never
 * reached, see sg_dst_is_local). */
struct in_ifaddr___global {
	struct hlist_node hash;
	__be32 ifa_local;
	struct in_device *ifa_dev;
} __attribute__((preserve_access_index));

struct netns_ipv6___lst {
	struct hlist_head *inet6_addr_lst;
} __attribute__((preserve_access_index));

struct net___lst {
	struct netns_ipv6___lst ipv6;
	__u32 hash_mix;
} __attribute__((preserve_access_index));

/* The netns of a listener as an address (what the probe-read walk compares
 * entries with), on kernels that need the walk; 0 elsewhere. Read while
 * the caller holds the listener. */
static __always_inline __u64 sg_local_netns(struct bpf_sock *skc)
{
	struct net *net = NULL;
	struct tcp_sock *tp;
	__u64 n = 0;

	if (bpf_core_field_exists(net->ipv4.inet_addr_lst) || !sg_local_probe)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0;
	/* Verifier workaround: probe-read, not loaded, so that the netns is
	 * a scalar; a BTF pointer could not be passed on to sg_ack_listener()
	 * (a global function's scalar argument) or added to. */
	bpf_probe_read_kernel(&n, sizeof(n), &tp->inet_conn.icsk_inet.sk.__sk_common.skc_net.net);
	return n;
}

static __always_inline __u64 sg_kread64(__u64 addr)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), (const void *)addr);
	return v;
}

/* The netns of an IPv4 / IPv6 address entry (ifa_dev / idev -> dev -> net). */
static __always_inline __u64 sg_ifa_netns(__u64 ifa, int v6)
{
	struct net_device *dev = NULL;
	__u64 n = 0;

	if (v6) {
		struct inet6_dev *idev = NULL;

		bpf_probe_read_kernel(&idev, sizeof(idev), &((struct inet6_ifaddr *)ifa)->idev);
		if (idev)
			bpf_probe_read_kernel(&dev, sizeof(dev), &idev->dev);
	} else {
		struct in_device *idev = NULL;

		bpf_probe_read_kernel(&idev, sizeof(idev),
				      &((struct in_ifaddr___global *)ifa)->ifa_dev);
		if (idev)
			bpf_probe_read_kernel(&dev, sizeof(dev), &idev->dev);
	}
	if (dev)
		bpf_probe_read_kernel(&n, sizeof(n), &dev->nd_net.net);
	return n;
}

/* Walk bucket idx of the table at lst (256 hlist_heads) for p's
 * destination. net != 0: a global table, an entry counts only if it is of
 * that netns. A chain longer than we walk: not called foreign. */
static __always_inline int sg_probe_bucket(const struct sg_pkt *p, __u64 lst, __u32 idx,
					   __u64 net)
{
	__u64 node = sg_kread64(lst + (idx & 0xff) * sizeof(struct hlist_head));
	int i;

	for (i = 0; i < SG_LOCAL_CHAIN && node; i++) {
		if (!p->ipv6) {
			__u64 ifa = node - bpf_core_field_offset(struct in_ifaddr___global, hash);
			__be32 a = 0;

			bpf_probe_read_kernel(&a, sizeof(a),
					      &((struct in_ifaddr___global *)ifa)->ifa_local);
			if (a == p->daddr[0] && (!net || sg_ifa_netns(ifa, 0) == net))
				return 1;
		} else {
			__u64 ifa = node - bpf_core_field_offset(struct inet6_ifaddr, addr_lst);
			__u32 w[4] = {};

			bpf_probe_read_kernel(w, sizeof(w), &((struct inet6_ifaddr *)ifa)->addr);
			if (w[0] == p->daddr[0] && w[1] == p->daddr[1] && w[2] == p->daddr[2] &&
			    w[3] == p->daddr[3] && (!net || sg_ifa_netns(ifa, 1) == net))
				return 1;
		}
		node = sg_kread64(node);	/* hlist_node.next is its first member */
	}
	return node ? 1 : 0;
}

/* Kernels before 6.13 (see the top of this file). net: sg_local_netns(). */
static __noinline int sg_dst_is_local_probe(const struct sg_config *cfg, const struct sg_pkt *p,
					    __u64 net)
{
	struct net___lst *n = (void *)net;
	__u64 lst = 0, own = 0;
	__u32 mix = 0, h1, h2;

	if (!sg_local_probe || !cfg || !p || !net)
		return 1;
	bpf_probe_read_kernel(&mix, sizeof(mix), &n->hash_mix);
	if (!p->ipv6) {
		__be32 a = p->daddr[0];

		if ((bpf_ntohl(a) >> 24) == 127)
			return 1;
		lst = cfg->addr_lst4;
		if (!lst)
			return 1;
		h1 = sg_hash_32(a ^ mix);
		h2 = sg_hash_32(sg_jhash_1word(a, mix));
		return sg_probe_bucket(p, lst, h1, net) ||
		       (h2 != h1 && sg_probe_bucket(p, lst, h2, net));
	}
	if (bpf_core_field_exists(n->ipv6.inet6_addr_lst))
		bpf_probe_read_kernel(&own, sizeof(own), &n->ipv6.inet6_addr_lst);
	lst = own ? own : cfg->addr_lst6;
	if (!lst)
		return 1;
	h1 = sg_hash_32(p->daddr[0] ^ p->daddr[1] ^ p->daddr[2] ^ p->daddr[3] ^ mix);
	h2 = sg_hash_32(sg_jhash2_4(p->daddr, mix));
	/* the netns' own table holds only its addresses */
	return sg_probe_bucket(p, lst, h1, own ? 0 : net) ||
	       (h2 != h1 && sg_probe_bucket(p, lst, h2, own ? 0 : net));
}

/* 1 if p's destination is an address of the receiving device's netns.
 * net: sg_local_netns() of the listener (used before 6.13 only). */
static __always_inline int sg_dst_is_local(struct xdp_md *ctx, const struct sg_config *cfg,
					   const struct sg_pkt *p, __u64 net)
{
	struct net *kn = NULL;
	struct hlist_head *lst;
	struct xdp_buff *xdp;
	__u32 mix, h1, h2;

	/* Kernels without the per-netns IPv4 table (before 6.13): the
	 * probe-read walk. Checked first, as CO-RE constants: on those
	 * kernels the verifier then never reaches the kfunc calls below, which
	 * kernels before 6.2 lack (left unresolved: __weak), so the object
	 * still loads there (6.1). */
	if (!bpf_core_field_exists(kn->ipv4.inet_addr_lst) ||
	    !bpf_core_field_exists(kn->ipv6.inet6_addr_lst))
		return sg_dst_is_local_probe(cfg, p, net);
	xdp = bpf_cast_to_kern_ctx(ctx);
	kn = xdp->rxq->dev->nd_net.net;
	if (!kn)
		return 1;
	mix = kn->hash_mix;
	if (!p->ipv6) {
		__be32 a = p->daddr[0];

		if (!bpf_core_field_exists(kn->ipv4.inet_addr_lst))
			return 1;
		/* 127/8 is local on lo as a route, not per address */
		if ((bpf_ntohl(a) >> 24) == 127)
			return 1;
		lst = kn->ipv4.inet_addr_lst;
		if (!lst)
			return 1;
		h1 = sg_hash_32(sg_jhash_1word(a, mix));	/* 6.13+ */
		h2 = sg_hash_32(a ^ mix);			/* before the jhash change */
		return sg_v4_in_bucket(lst, h1, a) || (h2 != h1 && sg_v4_in_bucket(lst, h2, a));
	}
	if (!bpf_core_field_exists(kn->ipv6.inet6_addr_lst))
		return 1;
	lst = kn->ipv6.inet6_addr_lst;
	if (!lst)
		return 1;
	h1 = sg_hash_32(sg_jhash2_4(p->daddr, mix));
	h2 = sg_hash_32(p->daddr[0] ^ p->daddr[1] ^ p->daddr[2] ^ p->daddr[3] ^ mix);
	return sg_v6_in_bucket(lst, h1, p->daddr) ||
	       (h2 != h1 && sg_v6_in_bucket(lst, h2, p->daddr));
}

#endif
