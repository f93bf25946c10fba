/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * recent.h - the map of recently validated handshakes (include/recent_defs.h
 * says why and what matches): XDP records every valid cookie ACK, and looks
 * a slot up only for an ACK whose cookie failed while its time was within
 * the bounds (a segment that may be ours), never on the established path.
 */
#ifndef SG_BPF_RECENT_H
#define SG_BPF_RECENT_H

#include "recent_defs.h"
#include "parse.h"

/* Written by XDP only (docs/design.md). An array, not an LRU hash: the
 * write is on the valid-ACK path, and a lost slot is harmless. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_RECENT_ENTRIES);
	__type(key, __u32);
	__type(value, struct sg_recent_slot);
} sg_recent SEC(".maps");

/* The flow key of a client -> server segment (as sg_note_syn builds it). */
static __always_inline void sg_recent_key(const struct sg_pkt *p, __be16 sport, __be16 dport,
					  struct sg_flow_key *k)
{
	if (p->ipv6) {
		__builtin_memcpy(k->laddr, p->daddr, 16);
		__builtin_memcpy(k->raddr, p->saddr, 16);
	} else {
		k->laddr[0] = p->daddr[0];
		k->raddr[0] = p->saddr[0];
	}
	k->lport = bpf_ntohs(dport);
	k->rport = bpf_ntohs(sport);
	k->family = p->ipv6 ? AF_INET6 : AF_INET;
}

#define SG_RECENT_OP_JUDGE	0
#define SG_RECENT_OP_NOTE	1
#define SG_RECENT_OP_NOTE_PURE	2

/* Verifier workaround: one static non-inlined function for both uses.
 * Inlined, the flow key (40 bytes) joined sg_ack_listener's frame, and the
 * call chain sg_xdp -> sg_ack_listener -> sg_cookie_ack_check ->
 * sg_hash_words6 passed the 512-byte stack limit. Ports in network order
 * (sport | dport << 16), seq and ack_seq in host order. Notes (op NOTE*)
 * or judges (op JUDGE: returns an enum sg_recent_verdict). */
static __noinline int sg_recent_op(const struct sg_pkt *p, __u32 ports, __u32 seq,
				   __u32 ack_seq, __u32 op)
{
	struct sg_flow_key k = {};
	struct sg_recent_slot *s;
	__u64 now = bpf_ktime_get_coarse_ns();
	__u32 slot;

	if (!p)
		return SG_RECENT_NONE;
	sg_recent_key(p, (__be16)(ports & 0xffff), (__be16)(ports >> 16), &k);
	slot = sg_recent_slot_of(ack_seq - 1);
	s = bpf_map_lookup_elem(&sg_recent, &slot);
	if (!s)
		return SG_RECENT_NONE;
	if (op == SG_RECENT_OP_JUDGE)
		return sg_recent_judge(s, &k, seq, ack_seq, now);
	sg_recent_record(s, &k, seq - 1, ack_seq - 1, op == SG_RECENT_OP_NOTE_PURE, now);
	return SG_RECENT_NONE;
}

static __always_inline __u32 sg_recent_ports(const struct tcphdr *th)
{
	return (__u32)th->source | ((__u32)th->dest << 16);
}

/* Record a validated cookie ACK (pure: it carries no payload). */
static __always_inline void sg_recent_note(const struct sg_pkt *p, const struct tcphdr *th)
{
	sg_recent_op(p, sg_recent_ports(th), bpf_ntohl(th->seq), bpf_ntohl(th->ack_seq),
		     p->tcp_len <= p->doff ? SG_RECENT_OP_NOTE_PURE : SG_RECENT_OP_NOTE);
}

/* What the handshake validated just before says about this segment. */
static __always_inline enum sg_recent_verdict sg_recent_hit(const struct sg_pkt *p,
							    const struct tcphdr *th)
{
	return sg_recent_op(p, sg_recent_ports(th), bpf_ntohl(th->seq), bpf_ntohl(th->ack_seq),
			    SG_RECENT_OP_JUDGE);
}

#endif
