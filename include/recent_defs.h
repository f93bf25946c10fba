/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * recent_defs.h - handshakes whose cookie ACK XDP just validated (map
 * sg_recent, one direct-mapped slot per flow, written by XDP only), and the
 * rule that says whether a later segment of the flow may go on to the kernel.
 * A slot is chosen by our ISN (sg_recent_slot_of). The kernel's own SYN
 * cookies (the kernel-cookies design, and a disengaged --engage auto port
 * whose listener overflowed) are recorded the same way: their later
 * segments race the same way.
 *
 * Why: a client sends its first flight of data right after its final ACK.
 * XDP runs on a whole receive batch before the stack sees any of it, so
 * those segments find only the listener; their seq is no longer the
 * client's ISN + 1, so their cookie check fails. They are not forged, and an
 * RST would kill a real client (seen under a SYN flood).
 *
 * Passing them is safe only if the kernel gets the segment that validated
 * first. It does when that was a pure ACK: GRO never holds a segment without
 * payload (tcp_gro_receive() flushes len < mss, and mss is 1 for a new
 * flow), so it reaches the stack ahead of the rest of the batch. It may not
 * when the validating segment carried data (the pure ACK was lost, e.g. a
 * ring overflowed under the flood): GRO holds it, and, as it carries XDP
 * metadata, treats the later segments (without) as another flow; one with
 * PSH is flushed at once and overtakes it (seen: the kernel then found only
 * the listener and sent its own RST). Those are dropped instead
 * (drop_ack_maybe_ours): the client retransmits once the child exists.
 *
 * A segment counts only if it is consistent with the validated handshake:
 * the same 4-tuple, ack == our ISN + 1 (the child has sent no data yet, else
 * the segment would have found it), seq within the window the SYN-ACK
 * offered after the client's ISN + 1, and within SG_RECENT_LIFE_NS of the
 * validation. A slot is overwritten by the next flow that maps to it: a
 * miss costs the client a retransmission, never an RST.
 */
#ifndef SG_RECENT_DEFS_H
#define SG_RECENT_DEFS_H

#include "synguard.h"

#define SG_RECENT_ENTRIES	4096	/* a power of two, <= 2^21 */
/* the race lasts one receive batch (GRO's hold included); longer only
 * widens the time in which a failed handoff's later segments would reach
 * the listener (and get the kernel's RST) */
#define SG_RECENT_LIFE_NS	(50ULL * 1000 * 1000)
/* our SYN-ACK's window is not scaled: at most 65535 bytes (and a FIN)
 * after the client's ISN + 1 before the child acks anything */
#define SG_RECENT_SEQ_WINDOW	65536U

struct sg_recent_slot {
	struct sg_flow_key key;
	__u32 isn;		/* the client's ISN: seq - 1 of the validated ACK */
	__u32 cookie;		/* our ISN: ack_seq - 1 of the validated ACK */
	__u64 ts;		/* bpf_ktime_get_coarse_ns() of the validation; 0: empty */
	__u32 pure;		/* a pure ACK validated it: later segments may pass */
	__u32 pad;
};

enum sg_recent_verdict {
	SG_RECENT_NONE,		/* no validated handshake of this flow */
	SG_RECENT_PASS,		/* validated by a pure ACK: pass */
	SG_RECENT_HELD,		/* validated by a segment with data: drop */
};

/* The slot of a handshake: bits of our ISN (the cookie, ack_seq - 1), which
 * are SipHash bits over the 4-tuple and the client's ISN in both layouts
 * (include/handshake.h: bits 11-31 without TS, 8-31 with), so no hash of
 * our own; a later segment of the handshake acks the same ISN + 1. */
static __always_inline __u32 sg_recent_slot_of(__u32 cookie)
{
	return (cookie >> 11) & (SG_RECENT_ENTRIES - 1);
}

/* Does a segment (host-order seq, ack_seq) of flow k at now_ns belong to
 * the handshake recorded in s? */
static __always_inline int sg_recent_match(const struct sg_recent_slot *s,
					   const struct sg_flow_key *k, __u32 seq,
					   __u32 ack_seq, __u64 now_ns)
{
	if (!s->ts || now_ns - s->ts > SG_RECENT_LIFE_NS)
		return 0;
	if (ack_seq - 1 != s->cookie || seq - (s->isn + 1) > SG_RECENT_SEQ_WINDOW)
		return 0;
	return sg_flow_key_eq(&s->key, k);
}

/* Record a validated segment (seq - 1 = isn, ack_seq - 1 = cookie) in s.
 * The same handshake again (its pure ACK and its first data segment both
 * validate) keeps "pure": the pure ACK is ahead of it in the stack. */
static __always_inline void sg_recent_record(struct sg_recent_slot *s,
					     const struct sg_flow_key *k, __u32 isn,
					     __u32 cookie, int pure, __u64 now_ns)
{
	/* the compare only for a data segment (the rarer case) */
	s->pure = pure || (s->pure && s->isn == isn &&
			   sg_recent_match(s, k, isn + 1, cookie + 1, now_ns));
	s->key = *k;
	s->isn = isn;
	s->cookie = cookie;
	s->ts = now_ns;
}

static __always_inline enum sg_recent_verdict
sg_recent_judge(const struct sg_recent_slot *s, const struct sg_flow_key *k, __u32 seq,
		__u32 ack_seq, __u64 now_ns)
{
	if (!sg_recent_match(s, k, seq, ack_seq, now_ns))
		return SG_RECENT_NONE;
	return s->pure ? SG_RECENT_PASS : SG_RECENT_HELD;
}

#endif
