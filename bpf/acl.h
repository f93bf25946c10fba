/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * acl.h - the allow and deny lists on the fast path (include/acl_defs.h has the
 * layout). Only SYNs to a protected port and ACKs that found only a listener
 * pay for sg_acl_verdict(); with no entry for the packet's family it costs
 * one array lookup and two loads.
 */
#ifndef SG_BPF_ACL_H
#define SG_BPF_ACL_H

#include "acl_defs.h"
#include "parse.h"

/* Both lists of one family; written only by user/acl_maps.c. max_entries is
 * the default, protect --acl-max changes it before load. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 2 * SG_ACL_MAX_DEFAULT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_acl_key4);
	__type(value, struct sg_acl_val);
} sg_acl4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 2 * SG_ACL_MAX_DEFAULT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_acl_key6);
	__type(value, struct sg_acl_val);
} sg_acl6 SEC(".maps");

/* Entry counts: an empty family skips its trie. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_acl_state);
} sg_acl SEC(".maps");

/* The list the packet's source is in (longest prefix over both lists). */
static __always_inline enum sg_acl_verdict sg_acl_verdict(const struct sg_pkt *p)
{
	struct sg_acl_state *st;
	struct sg_acl_val *v;
	__u32 zero = 0;

	st = bpf_map_lookup_elem(&sg_acl, &zero);
	if (!st)
		return SG_ACL_NONE;
	if (p->ipv6) {
		struct sg_acl_key6 k6;

		if (!(st->n[SG_ACL_ALLOW6] | st->n[SG_ACL_DENY6]))
			return SG_ACL_NONE;
		k6.prefixlen = 128;
		__builtin_memcpy(k6.addr, p->saddr, sizeof(k6.addr));
		v = bpf_map_lookup_elem(&sg_acl6, &k6);
	} else {
		struct sg_acl_key4 k4;

		if (!(st->n[SG_ACL_ALLOW4] | st->n[SG_ACL_DENY4]))
			return SG_ACL_NONE;
		k4.prefixlen = 32;
		k4.addr = p->saddr[0];
		v = bpf_map_lookup_elem(&sg_acl4, &k4);
	}
	return v ? (enum sg_acl_verdict)v->verdict : SG_ACL_NONE;
}

#endif
