/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tcptrace.h - the one definition of everything shared by the handshake
 * tracer's BPF object (bpf/tcptrace.bpf.c) and its user space (user/tracer.c,
 * `synguard trace`, `synguard hist`): the ring-buffer event, the histogram key
 * and bucket layout, metric, counter and loss ids.
 */
#ifndef SG_TCPTRACE_H
#define SG_TCPTRACE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* TCP states as the kernel numbers them (include/net/tcp_states.h). */
enum tt_state {
	TT_ESTABLISHED = 1,
	TT_SYN_SENT,
	TT_SYN_RECV,
	TT_FIN_WAIT1,
	TT_FIN_WAIT2,
	TT_TIME_WAIT,
	TT_CLOSE,
	TT_CLOSE_WAIT,
	TT_LAST_ACK,
	TT_LISTEN,
	TT_CLOSING,
	TT_NEW_SYN_RECV,
	TT_STATE_MAX,
};

enum tt_side {
	TT_SIDE_UNKNOWN = 0,
	TT_SIDE_CLIENT = 1,	/* active open (SYN_SENT): keyed by remote port */
	TT_SIDE_SERVER = 2,	/* child of a listener: keyed by local port */
};

enum tt_kind {
	TT_KIND_HANDSHAKE = 1,	/* reached ESTABLISHED */
	TT_KIND_CLOSE = 2,	/* ESTABLISHED ... CLOSE through FINs */
	TT_KIND_FAILED = 3,	/* SYN_SENT -> CLOSE */
	TT_KIND_RESET = 4,	/* established connection ended by a RST */
};

/* What a handshake latency measures (tt_event.basis, histogram metric). */
enum tt_basis {
	TT_BASIS_NONE = 0,
	TT_BASIS_SYN_SENT = 1,	/* client: SYN_SENT -> ESTABLISHED */
	TT_BASIS_SYN_ARRIVAL = 2, /* server: SYN seen by synguard's XDP -> ESTABLISHED */
	TT_BASIS_SYNACK_RTT = 3, /* server: the kernel's SYN-ACK RTT of the child */
};

/* tt_event.cause for failures */
enum tt_cause {
	TT_CAUSE_NONE = 0,
	TT_CAUSE_RESET = 1,	/* a RST was received */
	TT_CAUSE_TIMEOUT = 2,	/* no RST: SYN timeout or the application gave up */
};

/* tt_event.flags / per-socket flags */
#define TT_F_RST_RCVD		(1U << 0)
#define TT_F_RST_SENT		(1U << 1)
#define TT_F_GAP		(1U << 2)	/* a transition was missed (see TT_L_STATE_GAP) */
#define TT_F_TRUNCATED		(1U << 3)	/* more than TT_MAX_STATES states */
#define TT_F_NO_START		(1U << 4)	/* socket was not seen opening */

#define TT_MAX_STATES		8
#define TT_COMM_LEN		16

/* One ring-buffer record: a completed handshake, close or failure. states[i]
 * was entered at ts_ns[i] (CLOCK_MONOTONIC, 0 = unknown). */
struct tt_event {
	__u64 ts_ns[TT_MAX_STATES];
	__u64 latency_ns;	/* handshake: see basis; close: first FIN/close -> CLOSE;
				 * failed: SYN_SENT -> CLOSE */
	__u64 lifetime_ns;	/* close/reset: open (SYN_SENT/SYN_RECV) -> CLOSE, 0 = unknown */
	__u32 laddr[4];		/* network order; IPv4 in [0] */
	__u32 raddr[4];
	__u16 lport;		/* host order */
	__u16 rport;
	__u16 family;		/* 4 or 6 */
	__u8 side;		/* enum tt_side */
	__u8 kind;		/* enum tt_kind */
	__u8 nstates;
	__u8 first;		/* states[first..nstates) belong to this event */
	__u8 basis;		/* enum tt_basis */
	__u8 cause;		/* enum tt_cause */
	__u8 flags;		/* TT_F_* */
	__u8 states[TT_MAX_STATES];
	__u8 pad[3];
	__u32 pid;		/* 0 = unknown */
	__u32 retrans;		/* SYN (client) or SYN-ACK (server) retransmits */
	char comm[TT_COMM_LEN];
};

/* ---- histograms (map tt_hist, HASH with atomic adds) ----
 * Values are ns. Below 2^TT_SUB_BITS ns a bucket is one ns wide; above,
 * every power of two is split into 2^TT_SUB_BITS sub-buckets, so a bucket is
 * at most 1/16 = 6.25% wide relative to its lower bound: percentiles read at
 * a bucket's midpoint are within ~3.2%. Above 2^TT_MAX_EXP ns (~73 min) values
 * land in the last bucket. */
#define TT_SUB_BITS		4
#define TT_SUB			(1 << TT_SUB_BITS)
#define TT_MAX_EXP		42
#define TT_NBUCKETS		(TT_SUB + (TT_MAX_EXP - TT_SUB_BITS) * TT_SUB + 1)

/* floor(log2(v)) for v > 0, without builtins (BPF has no clz instruction). */
static inline __u32 tt_log2(__u64 v)
{
	__u32 r = 0, s;

	s = (v > 0xffffffffULL) << 5; v >>= s; r |= s;
	s = (v > 0xffffULL) << 4; v >>= s; r |= s;
	s = (v > 0xffULL) << 3; v >>= s; r |= s;
	s = (v > 0xfULL) << 2; v >>= s; r |= s;
	s = (v > 0x3ULL) << 1; v >>= s; r |= s;
	return r | (__u32)(v >> 1);
}

/* Bucket index of a value in ns. */
static inline __u32 tt_bucket_of(__u64 v)
{
	__u32 e;

	if (v < TT_SUB)
		return (__u32)v;
	e = tt_log2(v);
	if (e >= TT_MAX_EXP)
		return TT_NBUCKETS - 1;
	return TT_SUB + (e - TT_SUB_BITS) * TT_SUB +
	       (__u32)((v >> (e - TT_SUB_BITS)) & (TT_SUB - 1));
}

/* Bucket i holds [tt_bucket_lo(i), tt_bucket_lo(i + 1)); the last one is open. */
static inline __u64 tt_bucket_lo(__u32 i)
{
	__u32 e, sub;

	if (i < TT_SUB)
		return i;
	if (i >= TT_NBUCKETS - 1)
		return 1ULL << TT_MAX_EXP;
	e = (i - TT_SUB) / TT_SUB + TT_SUB_BITS;
	sub = (i - TT_SUB) % TT_SUB;
	return (__u64)(TT_SUB + sub) << (e - TT_SUB_BITS);
}

enum tt_metric {
	TT_M_CONNECT,		/* client SYN_SENT -> ESTABLISHED */
	TT_M_HANDSHAKE_SYN,	/* server SYN arrival (XDP) -> ESTABLISHED */
	TT_M_HANDSHAKE_RTT,	/* server SYN-ACK RTT (kernel, when XDP did not see the SYN) */
	TT_M_CONNECT_FAILED,	/* client SYN_SENT -> CLOSE */
	TT_M_CLOSE,		/* first FIN/close transition -> CLOSE */
	TT_M_LIFETIME,		/* open -> CLOSE */
	TT_M_FIN_WAIT1,		/* FIN_WAIT1 -> FIN_WAIT2 (our FIN acked) */
	TT_M_FIN_WAIT2,		/* FIN_WAIT2 -> CLOSE (kernel hands over to TIME_WAIT) */
	TT_M_CLOSE_WAIT,	/* CLOSE_WAIT -> LAST_ACK (application closes) */
	TT_M_LAST_ACK,		/* LAST_ACK -> CLOSE (peer acks our FIN) */
	TT_M_MAX,
};

struct tt_hist_key {
	__u16 port;		/* server: local port; client: remote port */
	__u8 metric;		/* enum tt_metric */
	__u8 pad;
};

struct tt_hist_val {
	__u64 max_ns;
	__u64 slots[TT_NBUCKETS];
};

/* ---- per-port counters (map tt_counts, PERCPU_HASH) ---- */
enum tt_counter {
	TT_C_CONNECT_OK,	/* client handshakes */
	TT_C_CONNECT_FAIL_RST,	/* client SYN_SENT -> CLOSE after a RST */
	TT_C_CONNECT_FAIL_TIMEOUT, /* ... without a RST: timeout or abort */
	TT_C_HANDSHAKE_OK,	/* server handshakes */
	TT_C_SYNACK_RETRANS,	/* SYN-ACK retransmissions (server) */
	TT_C_RST_SENT,
	TT_C_RST_RCVD,
	TT_C_CLOSE_LOCAL_FIRST,	/* we sent the first FIN */
	TT_C_CLOSE_REMOTE_FIRST, /* the peer sent the first FIN */
	TT_C_CLOSE_RESET,	/* established connection ended by a RST */
	TT_C_MAX,
};

struct tt_count_key {
	__u16 port;
	__u8 side;		/* enum tt_side */
	__u8 pad;
};

struct tt_count_val {
	__u64 c[TT_C_MAX];
};

/* ---- half-open handshakes seen through SYN-ACK retransmits (tt_halfopen) ---- */
struct tt_halfopen {
	__u64 first_ns;		/* first SYN-ACK sent (CLOCK_MONOTONIC), 0 = unknown */
	__u64 last_ns;		/* last retransmit */
	__u32 retrans;
	__u32 pad;
};

/* ---- loss accounting (map tt_loss, PERCPU_ARRAY, one entry) ---- */
enum tt_loss_id {
	TT_L_RINGBUF_FULL,	/* events dropped: ring buffer full */
	TT_L_SOCK_TABLE_FULL,	/* sockets never tracked: tt_socks full */
	TT_L_UNMATCHED,		/* transitions of sockets we never saw open */
	TT_L_EVICTED_STALE,	/* entry replaced: its CLOSE was never seen */
	TT_L_EVICTED_DESTROY,	/* entry removed at destroy: its CLOSE was never seen */
	TT_L_STATE_GAP,		/* a transition between two seen ones was missed */
	TT_L_HIST_TABLE_FULL,	/* samples dropped: tt_hist full */
	TT_L_COUNT_TABLE_FULL,	/* counts dropped: tt_counts full */
	TT_L_HALFOPEN_TABLE_FULL, /* half-open handshakes not tracked */
	TT_L_NO_RTT,		/* server handshake without a usable latency measure */
	TT_L_PORT_TABLE_FULL,	/* samples of a real port filed under "other": tt_ports full */
	TT_L_EVENTS_SUBMITTED,	/* not a loss: events put in the ring buffer */
	TT_L_MAX,
};

struct tt_loss {
	__u64 c[TT_L_MAX];
};

/* ---- synguard's SYN arrivals (map sg_synts, include/synguard.h) ----
 * synguard's XDP writes bpf_ktime_get_ns() (always < 2^63) when a SYN
 * arrives. A tracer that matched an arrival to an ESTABLISHED socket sets
 * TT_SYNTS_CONSUMED instead of deleting the entry: another tracer reading the
 * same map sees the same ESTABLISHED and needs the arrival too. Slots are
 * recycled by later SYNs; user space (tracer_read) marks expired ones
 * consumed so that they are counted once. */
#define TT_SYNTS_CONSUMED	(1ULL << 63)
/* An arrival older than a cookie's longest life (2 periods of
 * 2^SG_COOKIE_PERIOD_SHIFT ns, ~137 s) can no longer complete. */
#define TT_SYNTS_MAX_AGE_NS	(2ULL << 36)

/* ---- listen queues (bpf/tcptrace_listen.bpf.c, map tt_listen) ----
 * Seen where the kernel turns a completed handshake into a child socket
 * (tcp_v4/v6_syn_recv_sock, the hook of libbpf-tools' tcpsynbl), through
 * fentry or a kprobe: neither exists as a tracepoint. Keyed by the
 * listener's local port, aggregated like tt_counts (TT_PORT_OTHER). */
struct tt_listen_val {
	__u64 calls;		/* child sockets asked for */
	__u64 overflows;	/* accept queue full: the kernel drops the SYN or
				 * the final ACK (LINUX_MIB_LISTENOVERFLOWS) */
	__u32 backlog_max;	/* highest accept-queue length seen */
	__u32 backlog_limit;	/* the listener's limit (listen() backlog) */
};

#define TT_LISTEN_ENTRIES	1024

/* ---- configuration (global data of the BPF object, set before load) ---- */
#define TT_RINGBUF_BYTES	(16U << 20)
#define TT_SOCK_ENTRIES		131072
#define TT_HIST_ENTRIES		1024	/* x 5 KB, preallocated; resized: (ports + 1) x TT_M_MAX */
#define TT_COUNT_ENTRIES	4096	/* user space resizes: (ports + 1) x 2 sides */
/* Ports with series of their own (map tt_ports; `--max-ports`). Samples of
 * every other port are aggregated under port TT_PORT_OTHER (0: never a TCP
 * port a connection can use). tt_hist and tt_counts are sized from it. */
#define TT_PORT_ENTRIES		100
#define TT_PORT_ENTRIES_MAX	4096
#define TT_PORT_OTHER		0
#define TT_HALFOPEN_ENTRIES	16384

#endif /* SG_TCPTRACE_H */
