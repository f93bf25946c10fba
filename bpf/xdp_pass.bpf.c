// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp_pass.bpf.c - a trivial XDP_PASS program, for two uses:
 *  - the floor of the XDP benchmark;
 *  - the client side of a veth test lab: veth delivers XDP_TX frames to its
 *    peer's ring but kicks the peer's NAPI only when the peer has an XDP
 *    program (veth_xdp_flush()); with GRO alone the SYN-ACK waits there until
 *    unrelated traffic polls the ring (seen: 0.3-1.6 s, or never).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
