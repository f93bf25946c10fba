// SPDX-License-Identifier: GPL-2.0-only
/*
 * tcptrace_listen.bpf.c - the tracer's optional listen-queue hooks: accept
 * queue length and listen overflows per listener port, seen at
 * tcp_v4_syn_recv_sock / tcp_v6_syn_recv_sock (where the kernel creates the
 * child of a completed handshake and checks sk_acceptq_is_full()). No
 * tracepoint exists there, so this needs fentry or, failing that, a kprobe.
 * A full accept queue also makes tcp_conn_request() drop new SYNs (the same
 * kernel counter, LINUX_MIB_LISTENOVERFLOWS): hooked too, so that
 * listen_overflows counts both. A separate object: on kernels with neither (e.g. under lockdown, fentry
 * EPERM, and without CONFIG_KPROBES) the main tracer loads without it and
 * reports these metrics as absent. User space autoloads one flavour.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "tcptrace.h"

#define EEXIST		17

const volatile __u16 tgt_port;		/* 0 = all ports */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TT_LISTEN_ENTRIES);
	__type(key, __u16);
	__type(value, struct tt_listen_val);
} tt_listen SEC(".maps");

/* syn: at a SYN (tcp_conn_request), else at the completed handshake */
static __always_inline void on_listener(__u16 port, __u32 backlog, __u32 limit, bool syn)
{
	struct tt_listen_val *v, zero = {};
	long err;

	if (tgt_port && port != tgt_port)
		return;
	v = bpf_map_lookup_elem(&tt_listen, &port);
	if (!v) {
		err = bpf_map_update_elem(&tt_listen, &port, &zero, BPF_NOEXIST);
		if (err && err != -EEXIST) {
			/* full (more listener ports than entries): aggregate */
			port = TT_PORT_OTHER;
			bpf_map_update_elem(&tt_listen, &port, &zero, BPF_NOEXIST);
		}
		v = bpf_map_lookup_elem(&tt_listen, &port);
		if (!v)
			return;
	}
	if (!syn)
		__sync_fetch_and_add(&v->calls, 1);
	/* the kernel's sk_acceptq_is_full(): backlog > limit */
	if (backlog > limit)
		__sync_fetch_and_add(&v->overflows, 1);
	/* racy maxima: good enough for a peak gauge */
	if (backlog > v->backlog_max)
		v->backlog_max = backlog;
	v->backlog_limit = limit;
}

static __always_inline void from_sock(const struct sock *sk, bool syn)
{
	on_listener(BPF_CORE_READ(sk, __sk_common.skc_num), BPF_CORE_READ(sk, sk_ack_backlog),
		    BPF_CORE_READ(sk, sk_max_ack_backlog), syn);
}

SEC("fentry/tcp_v4_syn_recv_sock")
int BPF_PROG(tt_synrecv4_fentry, const struct sock *sk)
{
	from_sock(sk, false);
	return 0;
}

SEC("fentry/tcp_v6_syn_recv_sock")
int BPF_PROG(tt_synrecv6_fentry, const struct sock *sk)
{
	from_sock(sk, false);
	return 0;
}

/* tcp_conn_request(rsk_ops, af_ops, sk, skb): the listener is the third */
SEC("fentry/tcp_conn_request")
int BPF_PROG(tt_connreq_fentry, void *rsk_ops, void *af_ops, const struct sock *sk)
{
	from_sock(sk, true);
	return 0;
}

SEC("kprobe/tcp_v4_syn_recv_sock")
int BPF_KPROBE(tt_synrecv4_kprobe, const struct sock *sk)
{
	from_sock(sk, false);
	return 0;
}

SEC("kprobe/tcp_v6_syn_recv_sock")
int BPF_KPROBE(tt_synrecv6_kprobe, const struct sock *sk)
{
	from_sock(sk, false);
	return 0;
}

SEC("kprobe/tcp_conn_request")
int BPF_KPROBE(tt_connreq_kprobe, void *rsk_ops, void *af_ops, const struct sock *sk)
{
	from_sock(sk, true);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
