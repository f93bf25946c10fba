// SPDX-License-Identifier: GPL-2.0-only
/*
 * lab_drop.bpf.c - the XDP_DROP floor of tests/bench/bench_e2e.sh: drops the
 * flood's SYNs (lab_floor.h), passes everything else. What a SYN costs the
 * server when nothing answers it: the veth and XDP themselves.
 */
#include "lab_floor.h"

SEC("xdp")
int lab_drop(struct xdp_md *ctx)
{
	struct ethhdr *eth;
	struct iphdr *ip;

	if (!lab_syn((void *)(long)ctx->data, (void *)(long)ctx->data_end, &eth, &ip))
		return XDP_PASS;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
