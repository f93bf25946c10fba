// SPDX-License-Identifier: GPL-2.0-only
/*
 * tcptrace.bpf.c - the handshake tracer: TCP state changes, SYN-ACK
 * retransmits, resets and socket destruction, seen through tracepoints only
 * (the development VM's kernel has neither kprobes nor fentry; the optional
 * listen-queue hooks that need them are in tcptrace_listen.bpf.c). Every
 * hook exists twice: as
 * tp_btf (cheap, typed arguments) and as a classic tracepoint (the fallback
 * when tp_btf does not load); user space autoloads one set.
 *
 * Per socket (tt_socks, keyed by the socket's address) we keep the states it
 * went through and when. Latencies go into per-port log-linear histograms in
 * the kernel (tt_hist), so `hist` does no per-event work; `trace` also gets
 * one ring-buffer record per completed handshake, close or failure.
 * Everything we could not see or keep is counted in tt_loss.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>

#include "synguard.h"
#include "tcptrace.h"

#define AF_INET		2
#define AF_INET6	10
#define EEXIST		17

/* Set by user space before load. */
const volatile __u16 tgt_port;		/* 0 = all ports */
const volatile __u8 emit_events;	/* `trace`: fill the ring buffer */
const volatile __u8 do_hist;		/* `hist`: fill histograms and counters */
const volatile __u8 have_synts;		/* sg_synts is synguard's live map */
/* Ports synguard protects (the union over this netns' protected
 * interfaces): their children come from cookies, whose SYN-ACK RTT sample
 * means nothing, so without an XDP arrival they have no usable latency. */
const volatile __u64 sg_prot_ports[SG_PORT_WORDS];
const volatile __u32 wakeup_bytes = TT_RINGBUF_BYTES / 8;

/* What we remember of one socket between its transitions. */
struct tt_sock {
	__u64 ts[TT_MAX_STATES];
	__u8 states[TT_MAX_STATES];
	__u64 hs_ns;		/* handshake latency (basis below) */
	__u32 pid;
	__u16 port;		/* histogram port: local (server) or remote (client) */
	__u8 n;			/* states recorded */
	__u8 side;
	__u8 flags;
	__u8 basis;
	__u8 est;		/* index of ESTABLISHED in states[], 0xff = none */
	__u8 close;		/* index of the first close state, 0xff = none */
	char comm[TT_COMM_LEN];
};

/* Keyed by socket address. No prealloc: memory follows the live sockets, and
 * a full table is counted (TT_L_SOCK_TABLE_FULL), never silently evicted. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, TT_SOCK_ENTRIES);
	__type(key, __u64);
	__type(value, struct tt_sock);
} tt_socks SEC(".maps");

/* Shared (not per-CPU) and preallocated: a per-CPU 5 KB value times every
 * CPU is too much memory, and allocating on first use can fail in a burst.
 * Buckets are bumped with atomic adds instead. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TT_HIST_ENTRIES);
	__type(key, struct tt_hist_key);
	__type(value, struct tt_hist_val);
} tt_hist SEC(".maps");

/* A zeroed histogram to create entries from (too big for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tt_hist_val);
} tt_zero SEC(".maps");

/* Per-port series are bounded (a port scan must not fill the tables and
 * blind the tracer): only ports admitted here get entries of their own in
 * tt_hist and tt_counts; everything else is aggregated under TT_PORT_OTHER.
 * A port is admitted by a real handshake (ESTABLISHED) or a listener's
 * SYN-ACK retransmit, never by a failure or a RST to a closed port. Entries
 * are never removed: a port once real stays exact. User space sizes this
 * map (--max-ports) and tt_hist/tt_counts from it, so those never fill. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TT_PORT_ENTRIES);
	__type(key, __u16);
	__type(value, __u8);
} tt_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, TT_COUNT_ENTRIES);
	__type(key, struct tt_count_key);
	__type(value, struct tt_count_val);
} tt_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TT_HALFOPEN_ENTRIES);
	__type(key, struct sg_flow_key);
	__type(value, struct tt_halfopen);
} tt_halfopen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tt_loss);
} tt_loss SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TT_RINGBUF_BYTES);
} tt_events SEC(".maps");

/* synguard's SYN arrivals: user space replaces this map with the live one
 * of a protected interface (bpf_map__reuse_fd), else shrinks it. */
#include "synts_map.h"

static __always_inline void loss(enum tt_loss_id id)
{
	__u32 zero = 0;
	struct tt_loss *l = bpf_map_lookup_elem(&tt_loss, &zero);

	if (l && id < TT_L_MAX)
		l->c[id]++;
}

/* The port a sample is filed under: the port itself if admitted to
 * tt_ports (admit: a real handshake or a listener may admit it now), else
 * TT_PORT_OTHER. With --port only that port is traced: it is always exact. */
static __always_inline __u16 series_port(__u16 port, bool admit)
{
	__u8 one = 1;
	long err;

	if (tgt_port || port == TT_PORT_OTHER)
		return port;
	if (bpf_map_lookup_elem(&tt_ports, &port))
		return port;
	if (!admit)
		return TT_PORT_OTHER;
	err = bpf_map_update_elem(&tt_ports, &port, &one, BPF_NOEXIST);
	if (err && err != -EEXIST) {
		loss(TT_L_PORT_TABLE_FULL);
		return TT_PORT_OTHER;
	}
	return port;
}

static __always_inline void count(__u16 port, __u8 side, enum tt_counter id, bool admit)
{
	struct tt_count_key k = { .side = side };
	struct tt_count_val *v, zero = {};

	if (!do_hist || id >= TT_C_MAX)
		return;
	k.port = series_port(port, admit);
	v = bpf_map_lookup_elem(&tt_counts, &k);
	if (!v) {
		/* -EEXIST (another CPU created it meanwhile) is fine: look again */
		bpf_map_update_elem(&tt_counts, &k, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&tt_counts, &k);
		if (!v) {
			loss(TT_L_COUNT_TABLE_FULL);
			return;
		}
	}
	v->c[id]++;	/* per-CPU value */
}

/* Verifier workaround (Linux 6.1): clang checks a bucket index on one
 * register and indexes with a copy of it, and the 6.1 verifier does not
 * carry a bound learnt on a copy ("R2 unbounded memory access"). Clamp the
 * index in the very register that is returned, so every later copy has the
 * bound; out-of-range indices (impossible: tt_bucket_of is bounded) land
 * in the last bucket. */
static __always_inline __u64 hist_slot_index(__u64 b)
{
	asm volatile("if %[b] < %[n] goto +1\n\t"
		     "%[b] = %[last]\n\t"
		     : [b] "+r"(b)
		     : [n] "i"(TT_NBUCKETS), [last] "i"(TT_NBUCKETS - 1));
	return b;
}

static __always_inline void hist_add(__u16 port, __u8 metric, __u64 ns, bool admit)
{
	struct tt_hist_key k = { .metric = metric };
	struct tt_hist_val *v, *z;
	__u32 zero = 0;
	__u64 b;

	if (!do_hist)
		return;
	k.port = series_port(port, admit);
	v = bpf_map_lookup_elem(&tt_hist, &k);
	if (!v) {
		z = bpf_map_lookup_elem(&tt_zero, &zero);
		if (!z)
			return;
		bpf_map_update_elem(&tt_hist, &k, z, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&tt_hist, &k);
		if (!v) {
			loss(TT_L_HIST_TABLE_FULL);
			return;
		}
	}
	b = hist_slot_index(tt_bucket_of(ns));
	__sync_fetch_and_add(&v->slots[b], 1);
	/* racy max: another CPU may write a smaller one in between; the
	 * bucket counts stay exact */
	if (ns > v->max_ns)
		v->max_ns = ns;
}

/* The 4-tuple of a socket. btf: sk is a typed tp_btf argument (direct loads);
 * else a plain address from a classic tracepoint (CO-RE probe reads). */
static __always_inline void read_tuple(const struct sock *sk, bool btf, bool full,
				       struct tt_event *e)
{
	__u16 fam;

	if (btf) {
		fam = sk->__sk_common.skc_family;
		e->rport = bpf_ntohs(sk->__sk_common.skc_dport);
		if (fam == AF_INET6) {
			__builtin_memcpy(e->laddr, &sk->__sk_common.skc_v6_rcv_saddr, 16);
			__builtin_memcpy(e->raddr, &sk->__sk_common.skc_v6_daddr, 16);
		} else {
			e->laddr[0] = sk->__sk_common.skc_rcv_saddr;
			e->raddr[0] = sk->__sk_common.skc_daddr;
		}
	} else {
		fam = BPF_CORE_READ(sk, __sk_common.skc_family);
		e->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		if (fam == AF_INET6) {
			BPF_CORE_READ_INTO(&e->laddr, sk, __sk_common.skc_v6_rcv_saddr);
			BPF_CORE_READ_INTO(&e->raddr, sk, __sk_common.skc_v6_daddr);
		} else {
			e->laddr[0] = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
			e->raddr[0] = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		}
	}
	e->family = fam == AF_INET6 ? 6 : 4;
	/* skc_num is cleared (inet_put_port) before the CLOSE transition is
	 * traced; inet_sport keeps the port. A request socket has no
	 * inet_sport: its skc_num (ir_num) stays. */
	if (full)
		e->lport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	else
		e->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
}

/* Local (server) port for servers, remote port for clients. */
static __always_inline __u16 sock_port(const struct sock *sk, bool btf, __u8 side)
{
	if (side == TT_SIDE_SERVER)
		return btf ? sk->__sk_common.skc_num : BPF_CORE_READ(sk, __sk_common.skc_num);
	return bpf_ntohs(btf ? sk->__sk_common.skc_dport :
			       BPF_CORE_READ(sk, __sk_common.skc_dport));
}

static __always_inline bool v4_mapped(const __u32 *a)
{
	return !a[0] && !a[1] && a[2] == bpf_htonl(0xffff);
}

/* The key synguard's XDP uses for the connection's SYN. An IPv4 connection
 * to a dual-stack (::) listener has an AF_INET6 child with v4-mapped
 * addresses, while XDP saw an IPv4 packet (and the request socket is
 * AF_INET): key it as IPv4 so the arrival (and tt_halfopen) entries match. */
static __always_inline void flow_key(const struct tt_event *e, struct sg_flow_key *k)
{
	__builtin_memset(k, 0, sizeof(*k));
	if (e->family == 6 && v4_mapped(e->laddr) && v4_mapped(e->raddr)) {
		k->laddr[0] = e->laddr[3];
		k->raddr[0] = e->raddr[3];
		k->family = AF_INET;
	} else {
		__builtin_memcpy(k->laddr, e->laddr, 16);
		__builtin_memcpy(k->raddr, e->raddr, 16);
		k->family = e->family == 6 ? AF_INET6 : AF_INET;
	}
	k->lport = e->lport;
	k->rport = e->rport;
}

static __always_inline void emit(const struct sock *sk, bool btf, struct tt_sock *s,
				 __u8 kind, __u8 first, __u64 latency, __u64 lifetime,
				 __u8 cause, __u32 retrans)
{
	struct tt_event *e;
	__u64 avail;

	if (!emit_events)
		return;
	e = bpf_ringbuf_reserve(&tt_events, sizeof(*e), 0);
	if (!e) {
		loss(TT_L_RINGBUF_FULL);
		return;
	}
	__builtin_memset(e->laddr, 0, sizeof(e->laddr));
	__builtin_memset(e->raddr, 0, sizeof(e->raddr));
	read_tuple(sk, btf, true, e);
	#pragma unroll
	for (int i = 0; i < TT_MAX_STATES; i++) {
		e->ts_ns[i] = s->ts[i];
		e->states[i] = s->states[i];
	}
	e->latency_ns = latency;
	e->lifetime_ns = lifetime;
	e->side = s->side;
	e->kind = kind;
	e->nstates = s->n;
	e->first = first;
	e->basis = kind == TT_KIND_HANDSHAKE ? s->basis : TT_BASIS_NONE;
	e->cause = cause;
	e->flags = s->flags;
	e->pad[0] = e->pad[1] = e->pad[2] = 0;
	e->pid = s->pid;
	e->retrans = retrans;
	__builtin_memcpy(e->comm, s->comm, TT_COMM_LEN);
	loss(TT_L_EVENTS_SUBMITTED);
	/* Batched wakeups: wake the reader only when a good share of the ring
	 * is filled; it polls with a short timeout for the rest. A wakeup per
	 * event (perf buffer style) is what makes tcpstates expensive here. */
	avail = bpf_ringbuf_query(&tt_events, BPF_RB_AVAIL_DATA);
	bpf_ringbuf_submit(e, avail >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

static __always_inline void set_task(struct tt_sock *s)
{
	s->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(s->comm, sizeof(s->comm));
}

/* A socket starts: SYN_SENT (client) or a listener's child (server). */
static __always_inline void sock_open(const struct sock *sk, bool btf, __u8 side, int new,
				      __u64 now)
{
	__u64 key = (__u64)sk;
	struct tt_sock s = {};
	long err;

	s.side = side;
	s.port = sock_port(sk, btf, side);
	if (tgt_port && s.port != tgt_port)
		return;
	s.states[0] = new;
	s.ts[0] = now;
	s.n = 1;
	s.est = s.close = 0xff;
	/* connect() runs in the application's context; a server child is
	 * created in softirq, where "current" is whoever was interrupted. */
	if (side == TT_SIDE_CLIENT)
		set_task(&s);
	err = bpf_map_update_elem(&tt_socks, &key, &s, BPF_NOEXIST);
	if (err == -EEXIST) {
		/* the address was reused while its old entry stayed: the old
		 * socket's CLOSE (and destroy) were never seen */
		loss(TT_L_EVICTED_STALE);
		err = bpf_map_update_elem(&tt_socks, &key, &s, BPF_ANY);
	}
	if (err)
		loss(TT_L_SOCK_TABLE_FULL);
}

static __always_inline void on_established(const struct sock *sk, bool btf, struct tt_sock *s,
					   __u64 now)
{
	struct tt_event t = {};
	__u32 retrans;
	__u64 *syn = NULL, arrival = 0;

	s->est = s->n - 1;
	retrans = BPF_CORE_READ((struct tcp_sock *)sk, total_retrans);
	if (s->side == TT_SIDE_CLIENT) {
		s->hs_ns = s->ts[0] ? now - s->ts[0] : 0;
		s->basis = TT_BASIS_SYN_SENT;
		if (s->ts[0]) {
			hist_add(s->port, TT_M_CONNECT, s->hs_ns, true);
			count(s->port, s->side, TT_C_CONNECT_OK, true);
		}
	} else if (s->side == TT_SIDE_SERVER) {
		count(s->port, s->side, TT_C_HANDSHAKE_OK, true);
		if (have_synts || retrans) {
			read_tuple(sk, btf, true, &t);
			flow_key(&t, (struct sg_flow_key *)&t.ts_ns);
		}
		/* a handshake that needed SYN-ACK retransmits is no longer half-open */
		if (retrans)
			bpf_map_delete_elem(&tt_halfopen, &t.ts_ns);
		if (have_synts) {
			struct sg_flow_key *fk = (struct sg_flow_key *)&t.ts_ns;
			__u32 slot = sg_flow_slot(fk);
			struct sg_synts_slot *sl = bpf_map_lookup_elem(&sg_synts, &slot);

			/* the slot may hold another flow's SYN (a later one
			 * that mapped to it): only ours counts */
			if (sl && sg_flow_key_eq(&sl->key, fk))
				syn = &sl->ts;
		}
		if (syn)
			arrival = *syn & ~TT_SYNTS_CONSUMED;
		/* older than a cookie can live: a stale entry of an earlier
		 * connection with the same 4-tuple */
		if (arrival && arrival < now && now - arrival < TT_SYNTS_MAX_AGE_NS) {
			s->hs_ns = now - arrival;
			s->basis = TT_BASIS_SYN_ARRIVAL;
			/* mark, not delete: see TT_SYNTS_CONSUMED */
			if (syn && !(*syn & TT_SYNTS_CONSUMED))
				__sync_fetch_and_or(syn, TT_SYNTS_CONSUMED);
			hist_add(s->port, TT_M_HANDSHAKE_SYN, s->hs_ns, true);
		} else {
			/* The kernel path creates the child only when the final
			 * ACK arrives (SYN_RECV and ESTABLISHED come together),
			 * so the best measure it exposes is the SYN-ACK RTT it
			 * took as the child's first RTT sample (srtt_us is <<3). */
			__u32 srtt = BPF_CORE_READ((struct tcp_sock *)sk, srtt_us) >> 3;

			/* A synguard cookie child (no XDP arrival: --no-xdp, a
			 * later SYN took its slot, or it came before we started):
			 * the kernel continues its TS clock from our TSval, so
			 * its first RTT sample is always one tick (1 ms), not a
			 * measure. (A port protected on one interface but
			 * reached through an unprotected one lands here too.) */
			if ((sg_prot_ports[(s->port >> 6) & (SG_PORT_WORDS - 1)] >>
			     (s->port & 63)) & 1)
				srtt = 0;
			if (srtt) {
				s->hs_ns = (__u64)srtt * 1000;
				s->basis = TT_BASIS_SYNACK_RTT;
				hist_add(s->port, TT_M_HANDSHAKE_RTT, s->hs_ns, true);
			} else {
				s->basis = TT_BASIS_NONE;
				loss(TT_L_NO_RTT);
			}
		}
	}
	emit(sk, btf, s, TT_KIND_HANDSHAKE, 0, s->hs_ns, 0, TT_CAUSE_NONE, retrans);
}

static __always_inline __u64 ts_of(const struct tt_sock *s, __u8 i)
{
	return s->ts[i & (TT_MAX_STATES - 1)];
}

/* The socket reached CLOSE: account for its whole life and forget it. */
static __always_inline void on_close(const struct sock *sk, bool btf, struct tt_sock *s,
				     int old, __u64 now)
{
	__u64 lifetime = 0, dur = 0, a, b;
	__u8 kind, cause = TT_CAUSE_NONE, first = 0;

	if (s->est == 0xff) {
		/* never established: a failed connect (or a server child reset
		 * in SYN_RECV) */
		kind = TT_KIND_FAILED;
		cause = (s->flags & TT_F_RST_RCVD) ? TT_CAUSE_RESET : TT_CAUSE_TIMEOUT;
		dur = s->ts[0] ? now - s->ts[0] : 0;
		if (s->side == TT_SIDE_CLIENT) {
			count(s->port, s->side, cause == TT_CAUSE_RESET ?
			      TT_C_CONNECT_FAIL_RST : TT_C_CONNECT_FAIL_TIMEOUT, false);
			if (dur)
				hist_add(s->port, TT_M_CONNECT_FAILED, dur, false);
		}
	} else {
		first = s->est;
		if (s->ts[0])
			lifetime = now - s->ts[0];
		if (s->close != 0xff) {
			kind = TT_KIND_CLOSE;
			a = ts_of(s, s->close);
			dur = a ? now - a : 0;
		} else {
			/* ESTABLISHED -> CLOSE: aborted, normally by a RST */
			kind = TT_KIND_RESET;
			cause = (s->flags & TT_F_RST_RCVD) ? TT_CAUSE_RESET : TT_CAUSE_TIMEOUT;
			count(s->port, s->side, TT_C_CLOSE_RESET, true);
		}
		if (s->flags & (TT_F_RST_RCVD | TT_F_RST_SENT))
			kind = TT_KIND_RESET;
		if (lifetime)
			hist_add(s->port, TT_M_LIFETIME, lifetime, true);
		if (kind == TT_KIND_CLOSE && dur)
			hist_add(s->port, TT_M_CLOSE, dur, true);
		/* phase durations between consecutive known transitions */
		#pragma unroll
		for (int i = 1; i < TT_MAX_STATES; i++) {
			__u8 st;

			if (i >= s->n)
				break;
			st = s->states[i - 1];
			a = s->ts[i - 1];
			b = s->ts[i];
			if (!a || !b)
				continue;
			if (st == TT_FIN_WAIT1)
				hist_add(s->port, TT_M_FIN_WAIT1, b - a, true);
			else if (st == TT_FIN_WAIT2)
				hist_add(s->port, TT_M_FIN_WAIT2, b - a, true);
			else if (st == TT_CLOSE_WAIT)
				hist_add(s->port, TT_M_CLOSE_WAIT, b - a, true);
			else if (st == TT_LAST_ACK)
				hist_add(s->port, TT_M_LAST_ACK, b - a, true);
		}
	}
	emit(sk, btf, s, kind, first, dur, lifetime, cause, 0);
}

static __always_inline int on_state(const struct sock *sk, bool btf, int old, int new)
{
	__u64 key = (__u64)sk, now;
	struct tt_sock *s;
	__u8 n;

	if (new == TT_LISTEN || (old == TT_LISTEN && new == TT_CLOSE))
		return 0;	/* listeners themselves */
	now = bpf_ktime_get_ns();
	if (new == TT_SYN_SENT) {
		sock_open(sk, btf, TT_SIDE_CLIENT, new, now);
		return 0;
	}
	if (old == TT_LISTEN) {	/* LISTEN -> SYN_RECV: a listener's child */
		sock_open(sk, btf, TT_SIDE_SERVER, new, now);
		return 0;
	}
	s = bpf_map_lookup_elem(&tt_socks, &key);
	if (!s) {
		/* opened before we started, or not tracked (table full, other
		 * port): only the first counts as unmatched */
		if (!tgt_port)
			loss(TT_L_UNMATCHED);
		return 0;
	}
	n = s->n;
	if (n >= TT_MAX_STATES) {
		s->flags |= TT_F_TRUNCATED;
	} else {
		if (n && s->states[(n - 1) & (TT_MAX_STATES - 1)] != old) {
			/* a transition we did not see (recursion guard): keep
			 * the state it left from, with an unknown time */
			s->flags |= TT_F_GAP;
			loss(TT_L_STATE_GAP);
			s->states[n & (TT_MAX_STATES - 1)] = old;
			s->ts[n & (TT_MAX_STATES - 1)] = 0;
			n++;
			if (old == TT_ESTABLISHED && s->est == 0xff) {
				/* the handshake completed unseen: report it
				 * without a latency rather than not at all */
				s->n = n;
				s->est = n - 1;
				s->basis = TT_BASIS_NONE;
				count(s->port, s->side, s->side == TT_SIDE_CLIENT ?
				      TT_C_CONNECT_OK : TT_C_HANDSHAKE_OK, true);
				emit(sk, btf, s, TT_KIND_HANDSHAKE, 0, 0, 0, TT_CAUSE_NONE, 0);
			}
		}
		if (n < TT_MAX_STATES) {
			s->states[n & (TT_MAX_STATES - 1)] = new;
			s->ts[n & (TT_MAX_STATES - 1)] = now;
			n++;
		} else {
			s->flags |= TT_F_TRUNCATED;
		}
		s->n = n;
	}

	switch (new) {
	case TT_ESTABLISHED:
		if (s->est == 0xff)
			on_established(sk, btf, s, now);
		break;
	case TT_FIN_WAIT1:
	case TT_CLOSE_WAIT:
		if (s->close == 0xff && old == TT_ESTABLISHED) {
			s->close = s->n - 1;
			count(s->port, s->side, new == TT_FIN_WAIT1 ?
			      TT_C_CLOSE_LOCAL_FIRST : TT_C_CLOSE_REMOTE_FIRST, true);
			/* ESTABLISHED -> FIN_WAIT1 runs in close()/shutdown() */
			if (new == TT_FIN_WAIT1 && !s->pid)
				set_task(s);
		}
		break;
	case TT_LAST_ACK:
		if (!s->pid)	/* CLOSE_WAIT -> LAST_ACK runs in close() */
			set_task(s);
		break;
	case TT_CLOSE:
		on_close(sk, btf, s, old, now);
		bpf_map_delete_elem(&tt_socks, &key);
		break;
	}
	return 0;
}

static __always_inline void on_rst(const struct sock *sk, __u8 flag, __u16 lport)
{
	__u64 key = (__u64)sk;
	struct tt_sock *s = sk ? bpf_map_lookup_elem(&tt_socks, &key) : NULL;

	if (s) {
		s->flags |= flag;
		/* a failing connect's RST does not make its port real */
		count(s->port, s->side, flag == TT_F_RST_RCVD ? TT_C_RST_RCVD : TT_C_RST_SENT,
		      s->est != 0xff);
	} else if (lport && (!tgt_port || lport == tgt_port)) {
		/* no socket we track (e.g. RST to a closed port): the local
		 * port is a "server" port; kept apart only if already real */
		count(lport, TT_SIDE_SERVER, flag == TT_F_RST_RCVD ? TT_C_RST_RCVD : TT_C_RST_SENT,
		      false);
	}
}

static __always_inline void on_synack_retrans(const struct request_sock *req, bool btf)
{
	struct tt_event t = {};
	struct sg_flow_key *k = (struct sg_flow_key *)&t.ts_ns;
	struct tt_halfopen *h, nh = {};
	__u64 now = bpf_ktime_get_ns();

	read_tuple((const struct sock *)req, false, false, &t);
	if (tgt_port && t.lport != tgt_port)
		return;
	count(t.lport, TT_SIDE_SERVER, TT_C_SYNACK_RETRANS, true);
	flow_key(&t, k);
	h = bpf_map_lookup_elem(&tt_halfopen, k);
	if (h) {
		h->retrans++;
		h->last_ns = now;
		return;
	}
	/* snt_synack: when the first SYN-ACK left, in tcp_clock_us() (the
	 * same monotonic clock as bpf_ktime_get_ns) */
	nh.first_ns = BPF_CORE_READ((struct tcp_request_sock *)req, snt_synack) * 1000;
	nh.last_ns = now;
	nh.retrans = 1;
	if (bpf_map_update_elem(&tt_halfopen, k, &nh, BPF_ANY))
		loss(TT_L_HALFOPEN_TABLE_FULL);
}

static __always_inline void on_destroy(const struct sock *sk, bool btf)
{
	__u64 key = (__u64)sk;
	struct tt_sock *s = bpf_map_lookup_elem(&tt_socks, &key);
	__u8 n;

	/* Normally gone at CLOSE: if it is still here, that CLOSE was missed
	 * (recursion guard). Report the connection's end with CLOSE at an
	 * unknown time, so that it is neither lost nor timed wrongly. */
	if (!s)
		return;
	loss(TT_L_EVICTED_DESTROY);
	s->flags |= TT_F_GAP;
	n = s->n;
	if (n < TT_MAX_STATES) {
		s->states[n & (TT_MAX_STATES - 1)] = TT_CLOSE;
		s->ts[n & (TT_MAX_STATES - 1)] = 0;
		s->n = n + 1;
	}
	if (s->est == 0xff)
		emit(sk, btf, s, TT_KIND_FAILED, 0, 0, 0,
		     (s->flags & TT_F_RST_RCVD) ? TT_CAUSE_RESET : TT_CAUSE_TIMEOUT, 0);
	else
		emit(sk, btf, s, (s->flags & (TT_F_RST_RCVD | TT_F_RST_SENT)) ? TT_KIND_RESET :
		     s->close != 0xff ? TT_KIND_CLOSE : TT_KIND_RESET, s->est, 0, 0,
		     TT_CAUSE_NONE, 0);
	bpf_map_delete_elem(&tt_socks, &key);
}

/* ---- tp_btf ---- */

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tt_state_btf, const struct sock *sk, const int old, const int new)
{
	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	return on_state(sk, true, old, new);
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(tt_synack_btf, const struct sock *sk, const struct request_sock *req)
{
	on_synack_retrans(req, true);
	return 0;
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tt_sendrst_btf, const struct sock *sk, const struct sk_buff *skb)
{
	__u16 lport = 0;
	unsigned char *data;

	if (sk) {
		lport = sk->__sk_common.skc_num;
	} else if (skb) {
		/* no socket: the RST answers skb, whose TCP header is at
		 * skb->data here; its destination port is our local port */
		data = BPF_CORE_READ(skb, data);
		if (data && !bpf_probe_read_kernel(&lport, sizeof(lport), data + 2))
			lport = bpf_ntohs(lport);
	}
	on_rst(sk, TT_F_RST_SENT, lport);
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(tt_rcvrst_btf, struct sock *sk)
{
	on_rst(sk, TT_F_RST_RCVD, sk->__sk_common.skc_num);
	return 0;
}

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(tt_destroy_btf, struct sock *sk)
{
	on_destroy(sk, true);
	return 0;
}

/* ---- classic tracepoints (fallback) ---- */

SEC("tracepoint/sock/inet_sock_set_state")
int tt_state_tp(struct trace_event_raw_inet_sock_set_state *ctx)
{
	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	return on_state((const struct sock *)ctx->skaddr, false, ctx->oldstate, ctx->newstate);
}

SEC("tracepoint/tcp/tcp_retransmit_synack")
int tt_synack_tp(struct trace_event_raw_tcp_retransmit_synack *ctx)
{
	on_synack_retrans((const struct request_sock *)ctx->req, false);
	return 0;
}

/* The classic tcp_send_reset record changed layout (CO-RE flavours below):
 * since Linux 6.10 it has its own event (trace_event_raw_tcp_send_reset)
 * whose saddr is a sockaddr_in/in6 of the local end, also for RSTs without
 * a socket; before, it was an instance of the tcp_event_sk_skb class, which
 * needs a socket and has the local port as "sport" (host order). Only the
 * branch the running kernel has is relocated; the other is dead code. */
struct trace_event_raw_tcp_send_reset___new {
	const void *skaddr;
	__u8 saddr[28];
} __attribute__((preserve_access_index));

struct trace_event_raw_tcp_event_sk_skb___old {
	const void *skaddr;
	__u16 sport;
} __attribute__((preserve_access_index));

SEC("tracepoint/tcp/tcp_send_reset")
int tt_sendrst_tp(void *ctx)
{
	const struct sock *sk;
	__u16 lport = 0;

	if (bpf_core_type_exists(struct trace_event_raw_tcp_send_reset___new)) {
		struct trace_event_raw_tcp_send_reset___new *c = ctx;

		sk = c->skaddr;
		/* saddr is a sockaddr_in/in6 of the local end: port at offset 2 */
		lport = bpf_ntohs(*(__u16 *)&c->saddr[2]);
	} else {
		struct trace_event_raw_tcp_event_sk_skb___old *c = ctx;

		sk = c->skaddr;
		if (sk)
			lport = c->sport;
	}
	on_rst(sk, TT_F_RST_SENT, lport);
	return 0;
}

SEC("tracepoint/tcp/tcp_receive_reset")
int tt_rcvrst_tp(struct trace_event_raw_tcp_event_sk *ctx)
{
	on_rst((const struct sock *)ctx->skaddr, TT_F_RST_RCVD, ctx->sport);
	return 0;
}

SEC("tracepoint/tcp/tcp_destroy_sock")
int tt_destroy_tp(struct trace_event_raw_tcp_event_sk *ctx)
{
	on_destroy((const struct sock *)ctx->skaddr, false);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
