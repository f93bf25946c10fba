/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tracer.h - load, attach and read the handshake tracer (bpf/tcptrace.bpf.c).
 * Used by `trace`, `hist` and anything else that wants handshake metrics
 * while it runs (e.g. a metrics server):
 *
 *   tracer_open()            load + attach (tp_btf, else classic tracepoints);
 *                            finds synguard's XDP SYN-arrival map if protected
 *                            (one per netns, shared by all protected interfaces)
 *   tracer_poll()            deliver ring-buffer events (when opts.events)
 *   tracer_read()            histograms + per-port counters, summed over CPUs
 *   tracer_read_accounting() everything lost or unmatched, incl. recursion misses
 *   tracer_stop()            detach, then drain the ring (final numbers)
 *   tracer_close()           detach everything; turn synguard's SYN-arrival
 *                            recording off unless another tracer still reads
 *                            the map (synts_shared.h)
 */
#ifndef SG_TRACER_H
#define SG_TRACER_H

#include <stdbool.h>
#include <linux/types.h>

#include "tcptrace.h"

struct tracer;

struct tracer_opts {
	__u16 port;		/* 0 = all */
	bool events;		/* fill the ring buffer (trace) */
	bool hist;		/* fill histograms and counters (hist) */
	bool no_xdp;		/* do not look for synguard's XDP SYN arrivals */
	bool force_classic;	/* classic tracepoints even if tp_btf works
				 * (also env SYNGUARD_TRACE_CLASSIC=1) */
	__u32 max_ports;	/* ports with series of their own; 0 = TT_PORT_ENTRIES.
				 * The rest are aggregated under TT_PORT_OTHER. */
};

/* Called for each event; return non-zero to stop polling. */
typedef int (*tracer_event_fn)(void *ctx, const struct tt_event *e);

/* Returns an enum sg_exit code after printing a message on failure. */
int tracer_open(const struct tracer_opts *o, tracer_event_fn fn, void *ctx, struct tracer **out);
void tracer_close(struct tracer *t);

/* Waits up to timeout_ms, then delivers everything in the ring buffer.
 * Returns events delivered, or -errno (-EINTR on a signal). */
int tracer_poll(struct tracer *t, int timeout_ms);

/* Detach the programs (counters freeze) and drain the ring buffer into the
 * callback. Read the final accounting after this. Returns events drained. */
int tracer_stop(struct tracer *t);

/* "tp_btf" or "tracepoint" */
const char *tracer_hook_kind(const struct tracer *t);
/* Interface whose XDP SYN arrivals are used, or NULL. */
const char *tracer_xdp_ifname(const struct tracer *t);

/* Metrics computed in user space on top of the kernel's (tracer_read). */
#define TT_UM_HALFOPEN_AGE	TT_M_MAX	/* gauge: ages of live half-open handshakes */
#define TT_UM_MAX		(TT_M_MAX + 1)
#define TT_UC_HALFOPEN		TT_C_MAX	/* gauge: half-open now */
#define TT_UC_HALFOPEN_EXPIRED	(TT_C_MAX + 1)	/* half-open given up by the kernel */
/* listener ports, from the optional fentry/kprobe hooks (tracer_listen.h) */
#define TT_UC_LISTEN_OVERFLOW	(TT_C_MAX + 2)	/* accept queue full: ACK dropped */
#define TT_UC_ACCEPT_QUEUE_MAX	(TT_C_MAX + 3)	/* gauge: peak accept-queue length */
#define TT_UC_ACCEPT_QUEUE_LIMIT (TT_C_MAX + 4)	/* gauge: the listener's backlog limit */
#define TT_UC_MAX		(TT_C_MAX + 5)

struct tracer_hist {
	__u16 port;
	__u8 metric;		/* enum tt_metric or TT_UM_* */
	__u64 max_ns;
	__u64 slots[TT_NBUCKETS];
};

struct tracer_counts {
	__u16 port;
	__u8 side;
	__u64 c[TT_UC_MAX];
};

struct tracer_snapshot {
	int nhist;
	struct tracer_hist *hist;	/* sorted by metric, port */
	int ncounts;
	struct tracer_counts *counts;	/* sorted by side, port */
};

/* Fill s (malloc'ed arrays; free with tracer_snapshot_free). Scans the
 * half-open tables: expired entries are removed and counted. 0 or -errno. */
int tracer_read(struct tracer *t, struct tracer_snapshot *s);
void tracer_snapshot_free(struct tracer_snapshot *s);

/* What the last tracer_read()'s scan of tt_halfopen did (for benchmarks). */
struct tracer_scan_stats {
	__u32 entries;		/* entries read */
	__u32 expired;		/* of them deleted as expired */
	__u32 lookup_calls;	/* batch lookup syscalls */
	__u64 ns;		/* time the scan took */
};
void tracer_last_scan(const struct tracer *t, struct tracer_scan_stats *st);
/* Ports with series of their own (tt_ports' size). */
__u32 tracer_max_ports(const struct tracer *t);

struct tracer_accounting {
	__u64 loss[TT_L_MAX];		/* summed over CPUs */
	__u64 recursion_misses;		/* bpf_prog_info, all our programs */
	__u64 received;			/* events delivered to user space */
	__u64 unaccounted;		/* submitted - received - in the ring now */
};
int tracer_read_accounting(struct tracer *t, struct tracer_accounting *a);

/* Hooks this kernel lacks: the i-th absent group of metrics (names, comma
 * separated) and why, or NULL past the last. The run goes on without them. */
const char *tracer_absent(const struct tracer *t, int i, const char **why);
/* false: counter id (TT_C_* / TT_UC_*) is not measured here (absent hook) */
bool tracer_counter_present(const struct tracer *t, int id);
/* "fentry" or "kprobe" for the listen-queue hooks, NULL when absent */
const char *tracer_listen_hooks(const struct tracer *t);

/* Stable names (JSON keys). */
const char *tracer_loss_name(int id);
const char *tracer_metric_name(int metric);	/* "connect", "handshake", ... */
const char *tracer_metric_desc(int metric);	/* human label, with the basis */
const char *tracer_metric_basis(int metric);	/* NULL or "syn_arrival"/"synack_rtt" */
bool tracer_metric_is_gauge(int metric);
bool tracer_counter_is_gauge(int id);
const char *tracer_counter_name(int id);
const char *tracer_state_name(int state);
const char *tracer_side_name(int side);
const char *tracer_kind_name(int kind);
const char *tracer_basis_name(int basis);
const char *tracer_cause_name(int cause);

#endif
