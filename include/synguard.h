/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * synguard.h - the one definition of every struct and constant shared by the
 * BPF programs (bpf/) and the CLI (user/). Include it from both sides; it uses
 * only fixed-width __u types so that it compiles against vmlinux.h and
 * <linux/types.h> alike.
 */
#ifndef SYNGUARD_H
#define SYNGUARD_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* ---- object and program names (user space finds our programs by them) ---- */
#define SG_XDP_PROG_NAME	"sg_xdp"	/* BPF names are at most 15 chars */
#define SG_TC_PROG_NAME		"sg_tc"
#define SG_TC_SPX_PROG_NAME	"sg_tc_spx"	/* the synproxy design's tc program */
#define SG_PIN_ROOT		"/sys/fs/bpf/synguard"
/* tc filter handle/priority used for our clsact ingress filter */
#define SG_TC_HANDLE		0x5347		/* "SG" */
#define SG_TC_PRIO		0x5347
/* libxdp dispatcher run priority of sg_xdp (lower runs first; xdp-filter
 * uses 10, libxdp's default is 50): bpf/run_config.h, protect --prio */
#define SG_XDP_RUN_PRIO		20

/* ---- configuration (map sg_config, ARRAY with one entry) ---- */
#define SG_NPORTS		65536
#define SG_PORT_WORDS		(SG_NPORTS / 64)

/* sg_config.flags (written by `protect` only; see docs/design.md "Who writes
 * which map") */
#define SG_CFG_ACTIVE		(1U << 0)	/* configured by `protect` */
#define SG_CFG_NO_XDP_META	(1U << 2)	/* protect --no-xdp-meta: tc validates */
#define SG_CFG_KERNEL_COOKIES	(1U << 3)	/* the 6.0-6.8 design: the kernel answers SYNs,
						 * XDP drops ACKs without a kernel cookie
						 * (bpf/kcookie.h); no tc program */
#define SG_CFG_MONITOR		(1U << 4)	/* protect --monitor: policy verdicts are
						 * counted as would_*, every packet passes
						 * untouched (bpf/verdict.h) */
#define SG_CFG_SYNPROXY		(1U << 5)	/* the 6.0-6.8 design with nftables SYNPROXY:
						 * XDP answers SYNs with the kernel's cookies,
						 * tc marks valid cookie ACKs for the nft rule
						 * (bpf/synproxy.h, user/nft_synproxy.c) */

/* The synproxy design (SG_CFG_SYNPROXY): XDP tags a valid cookie ACK with
 * one metadata word, sg_config.meta_magic ^ SG_SPX_META_TAG; tc (sg_tc_spx)
 * turns the tag into this skb mark, which the rule of synguard's nft table
 * matches (user/nft_synproxy.c). The mark lives from tc ingress to that
 * rule, which consumes the packet. */
#define SG_SPX_META_TAG		0x53505859U	/* "SPXY" */
#define SG_SPX_MARK		0x53475059U	/* "SGPY" */
#define SG_CFG_ENGAGE_AUTO	(1U << 6)	/* protect --engage auto: some ports engage
						 * cookies only under pressure (include/
						 * engage_defs.h, map sg_engage_cfg) */
#define SG_CFG_FIXED_LEN	(1U << 8)	/* XDP is the fixed-length build in a libxdp
						 * dispatcher (bpf/fixed_len.h); set with
						 * SG_CFG_NO_XDP_META. Read by status only */

/* The handshake contract (cookie layout, clocks, windows) is in
 * include/handshake.h. Key slots of the key ring (map sg_keys). */
#define SG_KEY_SLOTS		3

/* sg_config.keyring: bits 0-1 the current key slot; bits 2-63 the TS tick
 * (include/handshake.h) until which the previous slot, (cur + 2) % 3, is
 * still accepted. One 64-bit word, so a reader never sees a new slot with
 * an old deadline. */
#define SG_KEYRING_CUR_MASK	0x3ULL
#define SG_KEYRING_UNTIL_SHIFT	2

/* Written only by `protect` (and `apply`, which runs protect). */
struct sg_config {
	__u64 ports[SG_PORT_WORDS];	/* bitmap of protected TCP ports (host order) */
	/* Added to CLOCK_MONOTONIC (coarse) to get CLOCK_REALTIME, so that
	 * hosts sharing a key (anycast/ECMP) agree on the cookie clock:
	 * REALTIME - MONOTONIC at protect (re-measured by every protect and
	 * apply, so after a wall-clock step too), plus `--clock-offset` (tests
	 * and labs). */
	__s64 clock_adj_ns;
	__u64 since_unix;		/* when protect first attached (seconds) */
	__u64 updated_unix;		/* when protect last changed the config */
	__u64 keyring;			/* SG_KEYRING_* */
	__u64 key_fp;			/* fingerprint of the current key (not secret:
					 * SipHash of a constant under the key) */
	__u32 max_age_ticks;		/* TS cookies: oldest accepted age (TS ticks) */
	__u32 skew_ticks;		/* tolerated clock skew between key-sharing hosts */
	__u32 nots_window;		/* no-TS periods accepted: sg_hs_nots_window() */
	__u32 key_gen;			/* rotations so far, for status */
	__u32 rmem_max;			/* net.core.rmem_max: a global, not reachable from BPF */
	__u32 meta_magic;		/* random per protect: tags XDP->tc metadata */
	__u32 flags;			/* SG_CFG_* */
	__u8 ttl;			/* IPv4 TTL / IPv6 hop limit of our SYN-ACKs */
	__u8 mode;			/* enum sg_mode, for status */
	__u16 nports;			/* number of bits set in ports[] */
	/* Kernels before 6.13 (global address tables): the kernel addresses
	 * of inet_addr_lst / inet6_addr_lst (user/local_tables.c), 0 if not
	 * known (every destination counts as local); bpf/local.h */
	__u64 addr_lst4;
	__u64 addr_lst6;
};

/* One slot of the key ring (map sg_keys, written only by `protect`, never
 * pinned; like every map, readable only with CAP_SYS_ADMIN/CAP_BPF). */
struct sg_key_slot {
	__u64 key[2];			/* SipHash-2-4 key of the cookies */
	__u64 ts_secret;		/* derived from key: seeds the TS offset */
};

/* Written only by the tracers (trace, hist, metrics); shared, like sg_synts,
 * by every protected interface of a network namespace. */
struct sg_trace {
	__u32 syn_times;		/* non-zero: XDP records SYN arrival times */
	__u32 pad;
};

/* Written only by XDP: what it found out about the driver. */
struct sg_state {
	__u32 meta_broken;		/* the driver refused bpf_xdp_adjust_meta() */
	__u32 pad;
};

/* ---- limits (map sg_limits, ARRAY with one entry, written only by protect) ----
 * rate[]: answers XDP sends on its own, per second, index enum sg_rl_id; 0
 * turns the answer off (the RST) or the cap off (the SYN-ACK). The state of
 * each limiter lives in map sg_rl (per CPU, bpf/ratelimit.h sg_rl_allow) or
 * sg_rl_shared (one bucket for all CPUs, sg_rl_allow_shared). Unused words
 * are for later limits (zero: off). */
enum sg_rl_id {
	SG_RL_RST,		/* RSTs for invalid cookie ACKs: per CPU, burst 1 s */
	SG_RL_SYNACK,		/* --synack-limit: SYN-ACKs of the interface, all
				 * CPUs together (shared bucket), burst 100 ms */
	SG_RL_MAX = 8,		/* room for later limiters */
};

/* RSTs for invalid cookie ACKs, per CPU per second. Only ACKs whose echoed
 * time is outside the cookie bounds get one: under a SYN flood a real
 * client's data segments can reach XDP before its connection exists (its
 * final ACK lost, or still on its way to the stack), fail the check, and an
 * RST would kill them; those echo a time within the bounds and are passed
 * or dropped instead (include/recent_defs.h, drop_ack_maybe_ours). */
#define SG_RST_LIMIT_DEFAULT	1000

/* The SYN-ACK cap's burst: what the shared bucket may send at once after
 * an idle time, as a share of one second (1/10: a tenth of the rate). */
#define SG_SYNACK_BURST_DIV	10

/* The per-source SYN limit (protect --syn-limit, bpf/srclimit.h). Off while
 * src_interval_ns is 0: then the SYN path does not touch map sg_src. */
#define SG_SRC_PLEN4_DEFAULT	32
#define SG_SRC_PLEN6_DEFAULT	64
#define SG_SRC_TABLE_DEFAULT	65536	/* entries of the LRU table sg_src */

struct sg_limits {
	__u32 rate[SG_RL_MAX];	/* per second, index enum sg_rl_id; 0: never / no cap */
	/* 1e9 / rate[] (0 with rate 0), for the shared buckets: protect
	 * divides, so that XDP does not */
	__u64 rl_interval_ns[SG_RL_MAX];
	/* per-source SYN limit: a GCRA bucket per source prefix. A SYN is
	 * allowed if the prefix's theoretical arrival time is at most
	 * src_tau_ns ahead of now; it then moves by src_interval_ns. */
	__u64 src_interval_ns;	/* 1e9 / --syn-limit; 0: no per-source limit */
	__u64 src_tau_ns;	/* (--syn-burst - 1) * src_interval_ns */
	__u32 src_rate;		/* --syn-limit as given, for status */
	__u32 src_burst;	/* --syn-burst as given, for status */
	__u8 src_plen4;		/* IPv4 prefix length of a source (1..32) */
	__u8 src_plen6;		/* IPv6 prefix length of a source (1..128) */
	__u8 pad[6];
};

/* One source prefix in map sg_src (LRU_HASH, written only by XDP; `top`
 * reads it). Address masked to the prefix, network order, IPv4 in [0]. */
struct sg_src_key {
	__u32 addr[4];
	__u8 family;		/* 4 or 6 */
	__u8 plen;
	__u16 pad;
};

struct sg_src_val {
	__u64 tat_ns;		/* GCRA theoretical arrival time (coarse clock) */
	__u64 syns;		/* SYNs counted against this prefix (all CPUs) */
	__u64 dropped;		/* of them, over the limit */
	__u64 last_ns;		/* coarse clock of the last SYN */
};

enum sg_mode {
	SG_MODE_NATIVE = 1,
	SG_MODE_SKB = 2,
};

static inline int sg_port_is_set(const __u64 *ports, __u16 port)
{
	return (ports[port >> 6] >> (port & 63)) & 1;
}

/* ---- per-CPU counters (map sg_stats, PERCPU_ARRAY, one entry) ----
 * Every packet the XDP program sees increments exactly one SG_CNT_XDP_* entry,
 * so pass and drop totals are sums over reasons. The tc program counts its
 * handoffs separately (SG_CNT_TC_*). Keep sg_counter_names[] in step. */
enum sg_counter {
	SG_CNT_PASS_NON_TCP,		/* not TCP over IPv4/IPv6 */
	SG_CNT_PASS_UNPROTECTED,	/* TCP to a port that is not protected */
	SG_CNT_PASS_FRAGMENT,		/* IP fragment: the kernel reassembles */
	SG_CNT_PASS_MALFORMED,		/* unparseable: the kernel judges (and drops) it */
	SG_CNT_PASS_SYN_NO_LISTENER,	/* SYN, no listener: the kernel answers with RST */
	SG_CNT_PASS_SYN_EXISTING,	/* SYN matching an existing socket */
	SG_CNT_PASS_SYN_TX_ERROR,	/* could not build the SYN-ACK: kernel path */
	SG_CNT_PASS_ACK_NO_SOCKET,	/* ACK, no socket at all: the kernel answers */
	SG_CNT_PASS_ESTABLISHED,	/* established, time-wait or request socket */
	SG_CNT_PASS_COOKIE_VALID,	/* valid cookie ACK, handed to tc (or, with
					 * SG_CFG_KERNEL_COOKIES, to the kernel) */
	SG_CNT_PASS_OTHER,		/* RST, SYN+ACK, other flags the rules allow */
	SG_CNT_PASS_NOT_LOCAL,		/* SYN/ACK to an address this host does not own */
	SG_CNT_PASS_SYN_KERNEL,		/* SYN to a listener, answered by the kernel
					 * (SG_CFG_KERNEL_COOKIES) */
	/* Monitor mode (SG_CFG_MONITOR): the verdict the packet would have
	 * had, counted instead of it; the packet passed untouched, so these
	 * are passes. One per answer or drop reason (bpf/verdict.h). */
	SG_CNT_WOULD_TX_SYNACK,
	SG_CNT_WOULD_TX_RST,
	SG_CNT_WOULD_DROP_COOKIE_INVALID,
	SG_CNT_WOULD_DROP_SYN_FIN,
	SG_CNT_WOULD_DROP_SYN_RST,
	SG_CNT_WOULD_DROP_NO_FLAGS,
	SG_CNT_WOULD_DROP_FIN_PSH_URG,
	SG_CNT_WOULD_DROP_RST_CAPPED,
	SG_CNT_WOULD_DROP_MARTIAN,
	SG_CNT_WOULD_DROP_BAD_CSUM,
	SG_CNT_WOULD_DROP_FRAGMENT,
	SG_CNT_WOULD_DROP_UNCHECKED,
	SG_CNT_WOULD_DROP_SYN_LIMITED,	/* monitor: drop_syn_limited, passed */
	SG_CNT_WOULD_DROP_SYNACK_CAPPED, /* monitor: drop_synack_capped, passed */
	SG_CNT_PASS_ALLOW_SYN,		/* SYN from an allowed source: the kernel's handshake */
	SG_CNT_PASS_ALLOW_ACK,		/* ACK to a listener from an allowed source without
					 * our cookie: the kernel judges it */
	SG_CNT_WOULD_DROP_DENY_SYN,	/* monitor: drop_deny_syn, passed */
	SG_CNT_WOULD_DROP_DENY_ACK,	/* monitor: drop_deny_ack, passed */
	SG_CNT_PASS_SYN_DISENGAGED,	/* SYN to a listener of an --engage auto port that
					 * is not under pressure: the kernel's handshake */
	SG_CNT_PASS_ACK_KERNEL_COOKIE,	/* ACK to a listener without our cookie but with
					 * the kernel's (it answered while disengaged) */
	SG_CNT_PASS_ACK_RECENT,		/* bad cookie, but a later segment of a handshake
					 * validated just before (include/recent_defs.h) */
	SG_CNT_TX_SYNACK,		/* SYN answered with a cookie SYN-ACK (XDP_TX) */
	SG_CNT_TX_RST,			/* invalid cookie ACK answered with RST (XDP_TX) */
	SG_CNT_DROP_COOKIE_INVALID,	/* ACK to a listener with a bad or expired cookie */
	SG_CNT_DROP_SYN_FIN,
	SG_CNT_DROP_SYN_RST,
	SG_CNT_DROP_NO_FLAGS,
	SG_CNT_DROP_FIN_PSH_URG,	/* "xmas": FIN+PSH+URG without ACK */
	SG_CNT_DROP_RST_CAPPED,		/* invalid cookie ACK, RST over the --rst-limit cap */
	SG_CNT_DROP_MARTIAN,		/* SYN/ACK from a source the kernel drops */
	SG_CNT_DROP_BAD_CSUM,		/* SYN/ACK with a bad IPv4 or TCP checksum */
	SG_CNT_DROP_FRAGMENT,		/* first fragment of a SYN/ACK to a protected port */
	SG_CNT_DROP_UNCHECKED,		/* IPv6 extension chain longer than we walk */
	SG_CNT_DROP_SYN_LIMITED,	/* SYN over its source prefix's --syn-limit */
	SG_CNT_DROP_SYNACK_CAPPED,	/* SYN not answered: over the --synack-limit cap */
	SG_CNT_DROP_DENY_SYN,		/* SYN from a denied source */
	SG_CNT_DROP_DENY_ACK,		/* ACK to a listener from a denied source */
	SG_CNT_DROP_ACK_MAYBE_OURS,	/* bad cookie, but its time within the bounds:
					 * maybe a real client's segment whose
					 * handshake ACK is lost or not through yet,
					 * dropped (not reset) so that it retransmits */
	SG_CNT_XDP_MAX,			/* end of the XDP reasons */
	SG_CNT_TC_HANDOFF_OK = SG_CNT_XDP_MAX, /* bpf_sk_assign_tcp_reqsk() succeeded */
	SG_CNT_TC_HANDOFF_FAIL,		/* the kfunc refused: packet dropped */
	SG_CNT_TC_NO_LISTENER,		/* listener gone between XDP and tc */
	SG_CNT_TC_NO_META,		/* XDP could not attach metadata (driver) */
	/* events, not packets: a port of --engage auto engaged or disengaged
	 * cookies (per port in map sg_engage) */
	SG_CNT_ENGAGE,
	SG_CNT_DISENGAGE,
	SG_CNT_MAX
};

struct sg_stats {
	__u64 cnt[SG_CNT_MAX];
};

#ifndef __bpf__
/* Stable names, used as JSON keys and Prometheus labels. */
static const char *const sg_counter_names[SG_CNT_MAX] = {
	[SG_CNT_PASS_NON_TCP]		= "pass_non_tcp",
	[SG_CNT_PASS_UNPROTECTED]	= "pass_unprotected",
	[SG_CNT_PASS_FRAGMENT]		= "pass_fragment",
	[SG_CNT_PASS_MALFORMED]		= "pass_malformed",
	[SG_CNT_PASS_SYN_NO_LISTENER]	= "pass_syn_no_listener",
	[SG_CNT_PASS_SYN_EXISTING]	= "pass_syn_existing",
	[SG_CNT_PASS_SYN_TX_ERROR]	= "pass_syn_tx_error",
	[SG_CNT_PASS_ACK_NO_SOCKET]	= "pass_ack_no_socket",
	[SG_CNT_PASS_ESTABLISHED]	= "established_pass",
	[SG_CNT_PASS_COOKIE_VALID]	= "ack_cookie_valid",
	[SG_CNT_PASS_OTHER]		= "pass_other",
	[SG_CNT_PASS_NOT_LOCAL]		= "pass_not_local",
	[SG_CNT_PASS_SYN_KERNEL]	= "pass_syn_kernel",
	[SG_CNT_WOULD_TX_SYNACK]	= "would_synack_sent",
	[SG_CNT_WOULD_TX_RST]		= "would_rst_sent",
	[SG_CNT_WOULD_DROP_COOKIE_INVALID] = "would_ack_cookie_invalid",
	[SG_CNT_WOULD_DROP_SYN_FIN]	= "would_drop_syn_fin",
	[SG_CNT_WOULD_DROP_SYN_RST]	= "would_drop_syn_rst",
	[SG_CNT_WOULD_DROP_NO_FLAGS]	= "would_drop_no_flags",
	[SG_CNT_WOULD_DROP_FIN_PSH_URG]	= "would_drop_fin_psh_urg",
	[SG_CNT_WOULD_DROP_RST_CAPPED]	= "would_drop_rst_capped",
	[SG_CNT_WOULD_DROP_MARTIAN]	= "would_drop_martian",
	[SG_CNT_WOULD_DROP_BAD_CSUM]	= "would_drop_bad_csum",
	[SG_CNT_WOULD_DROP_FRAGMENT]	= "would_drop_fragment",
	[SG_CNT_WOULD_DROP_UNCHECKED]	= "would_drop_unchecked",
	[SG_CNT_WOULD_DROP_SYN_LIMITED]	= "would_drop_syn_limited",
	[SG_CNT_WOULD_DROP_SYNACK_CAPPED] = "would_drop_synack_capped",
	[SG_CNT_PASS_ALLOW_SYN]		= "pass_allow_syn",
	[SG_CNT_PASS_ALLOW_ACK]		= "pass_allow_ack",
	[SG_CNT_WOULD_DROP_DENY_SYN]	= "would_drop_deny_syn",
	[SG_CNT_WOULD_DROP_DENY_ACK]	= "would_drop_deny_ack",
	[SG_CNT_PASS_SYN_DISENGAGED]	= "pass_syn_disengaged",
	[SG_CNT_PASS_ACK_KERNEL_COOKIE]	= "pass_ack_kernel_cookie",
	[SG_CNT_PASS_ACK_RECENT]	= "pass_ack_recent",
	[SG_CNT_TX_SYNACK]		= "synack_sent",
	[SG_CNT_TX_RST]			= "rst_sent",
	[SG_CNT_DROP_COOKIE_INVALID]	= "ack_cookie_invalid",
	[SG_CNT_DROP_SYN_FIN]		= "drop_syn_fin",
	[SG_CNT_DROP_SYN_RST]		= "drop_syn_rst",
	[SG_CNT_DROP_NO_FLAGS]		= "drop_no_flags",
	[SG_CNT_DROP_FIN_PSH_URG]	= "drop_fin_psh_urg",
	[SG_CNT_DROP_RST_CAPPED]	= "drop_rst_capped",
	[SG_CNT_DROP_MARTIAN]		= "drop_martian",
	[SG_CNT_DROP_BAD_CSUM]		= "drop_bad_csum",
	[SG_CNT_DROP_FRAGMENT]		= "drop_fragment",
	[SG_CNT_DROP_UNCHECKED]		= "drop_unchecked",
	[SG_CNT_DROP_SYN_LIMITED]	= "drop_syn_limited",
	[SG_CNT_DROP_SYNACK_CAPPED]	= "drop_synack_capped",
	[SG_CNT_DROP_DENY_SYN]		= "drop_deny_syn",
	[SG_CNT_DROP_DENY_ACK]		= "drop_deny_ack",
	[SG_CNT_DROP_ACK_MAYBE_OURS]	= "drop_ack_maybe_ours",
	[SG_CNT_TC_HANDOFF_OK]		= "handoff_ok",
	[SG_CNT_TC_HANDOFF_FAIL]	= "handoff_fail",
	[SG_CNT_TC_NO_LISTENER]		= "handoff_no_listener",
	[SG_CNT_TC_NO_META]		= "handoff_no_meta",
	[SG_CNT_ENGAGE]			= "engages",
	[SG_CNT_DISENGAGE]		= "disengages",
};

/* Is this XDP counter a drop (else a pass, or the one XDP_TX reason)? */
static inline int sg_counter_is_drop(int i)
{
	return i >= SG_CNT_DROP_COOKIE_INVALID && i < SG_CNT_XDP_MAX;
}
#endif

/* ---- the cookie: data bits (low byte of our SYN-ACK's seq) ----
 *   bits 0-1   MSS table index
 *   bits 2-5   client window scale, SG_WSCALE_NONE if it sent none
 *   bit  6     client sent SACK-permitted
 *   bit  7     ECN negotiated
 * The rest of the seq, our TSval and the time bounds: include/handshake.h. */
#define SG_COOKIE_MSS_SHIFT	0
#define SG_COOKIE_MSS_MASK	0x3U
#define SG_COOKIE_WS_SHIFT	2
#define SG_COOKIE_WS_MASK	0xfU
#define SG_COOKIE_SACK		(1U << 6)
#define SG_COOKIE_ECN		(1U << 7)
#define SG_COOKIE_DATA_MASK	0xffU
#define SG_WSCALE_NONE		0xf
#define SG_MAX_WSCALE		14

/* MSS values a cookie can carry (index in bits 0-1). The client's MSS is
 * rounded down to the largest entry that does not exceed it. */
#define SG_MSS4_0		536
#define SG_MSS4_1		1300
#define SG_MSS4_2		1440
#define SG_MSS4_3		1460
#define SG_MSS6_0		1220
#define SG_MSS6_1		1420
#define SG_MSS6_2		1440
#define SG_MSS6_3		8940
#define SG_MSS4_TABLE		{ SG_MSS4_0, SG_MSS4_1, SG_MSS4_2, SG_MSS4_3 }
#define SG_MSS6_TABLE		{ SG_MSS6_0, SG_MSS6_1, SG_MSS6_2, SG_MSS6_3 }

/* ---- XDP -> tc metadata (in front of the packet, at most 32 bytes) ----
 * XDP writes it only on a cookie ACK that it validated; tc hands exactly those
 * packets to the listener and ignores all others without a socket lookup. */
struct sg_meta {
	__u32 magic;		/* sg_config.meta_magic */
	__u32 tsval;		/* client's TSval from the ACK (0 without TS) */
	__u32 tsecr;		/* client's TSecr: our TSval echoed */
	__u16 mss;		/* decoded MSS (the client's, from the table) */
	__u8 snd_wscale;	/* client's window scale or SG_WSCALE_NONE */
	__u8 opts;		/* SG_META_* */
	__u8 rcv_wscale;	/* our announced window scale, decoded from the
				 * TSval; SG_WSCALE_NONE: not carried (no TS),
				 * the handoff derives it from the listener */
	__u8 pad[3];
};
#define SG_META_SACK		(1U << 0)
#define SG_META_TS		(1U << 1)
#define SG_META_ECN		(1U << 2)

/* ---- SYN arrival times for the tracer (map sg_synts) ----
 * An ARRAY of slots, direct-mapped by sg_flow_slot() and written by XDP only
 * while sg_trace.syn_times is set. A later SYN that maps to the same slot
 * overwrites it, as an LRU would evict under a flood, but the write is two
 * plain stores: an LRU hash update cost the SYN path ~175-250 ns more, which
 * made watching a flood with `hist` expensive. */
struct sg_flow_key {
	__u32 laddr[4];		/* local (server) address, network order; IPv4 in [0] */
	__u32 raddr[4];		/* remote (client) address */
	__u16 lport;		/* host order */
	__u16 rport;		/* host order */
	__u16 family;		/* AF_INET or AF_INET6 */
	__u16 pad;
};

struct sg_synts_slot {
	struct sg_flow_key key;
	__u64 ts;		/* bpf_ktime_get_ns() of the SYN; 0: empty */
};

#define SG_SYNTS_ENTRIES	65536	/* a power of two */

/* The slot of a flow: a multiply-xorshift mix of the key's 32-bit words (the
 * key sits 4-aligned on BPF stacks, where 8-byte loads must be aligned). */
static __always_inline __u32 sg_flow_slot(const struct sg_flow_key *k)
{
	__u64 h = 0x9e3779b97f4a7c15ULL;

#define SG_MIX(w) do { h ^= (w); h *= 0xff51afd7ed558ccdULL; h ^= h >> 32; } while (0)
	SG_MIX((__u64)k->laddr[0] | ((__u64)k->laddr[1] << 32));
	SG_MIX((__u64)k->laddr[2] | ((__u64)k->laddr[3] << 32));
	SG_MIX((__u64)k->raddr[0] | ((__u64)k->raddr[1] << 32));
	SG_MIX((__u64)k->raddr[2] | ((__u64)k->raddr[3] << 32));
	SG_MIX((__u64)k->lport | ((__u64)k->rport << 16) | ((__u64)k->family << 32));
#undef SG_MIX
	return (__u32)(h >> 16) & (SG_SYNTS_ENTRIES - 1);
}

static __always_inline int sg_flow_key_eq(const struct sg_flow_key *a,
					  const struct sg_flow_key *b)
{
	return a->laddr[0] == b->laddr[0] && a->laddr[1] == b->laddr[1] &&
	       a->laddr[2] == b->laddr[2] && a->laddr[3] == b->laddr[3] &&
	       a->raddr[0] == b->raddr[0] && a->raddr[1] == b->raddr[1] &&
	       a->raddr[2] == b->raddr[2] && a->raddr[3] == b->raddr[3] &&
	       a->lport == b->lport && a->rport == b->rport && a->family == b->family;
}

#endif /* SYNGUARD_H */
