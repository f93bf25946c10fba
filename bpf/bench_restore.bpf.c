// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_restore.bpf.c - benchmark harness for XDP programs that rewrite their
 * packet (tests/bench/bench_xdp.c).
 *
 * BPF_PROG_TEST_RUN with `repeat` runs every iteration on the same buffer, so
 * a program that turns a SYN into a SYN-ACK would measure itself on its own
 * output from the second iteration on. bench_wrap puts the original frame
 * back (metadata removed, length restored, bytes copied) and tail-calls the
 * program under test; its own cost is measured by tail-calling bench_pass
 * instead, and subtracted. The helper calls are made unconditionally (with
 * zero deltas when nothing changed) so that the wrapper costs the same
 * whatever the target did.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define BENCH_FRAME_MAX	256
#define BENCH_META_MAX	32	/* the kernel's limit for XDP metadata */

/* The frame to restore before every run; written by user space. */
__u8 bench_frame[BENCH_FRAME_MAX];
__u32 bench_frame_len;

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_target SEC(".maps");

SEC("xdp")
int bench_wrap(struct xdp_md *ctx)
{
	__u32 len = bench_frame_len;
	long meta, cur;

	if (len < 14 || len > BENCH_FRAME_MAX)
		return XDP_ABORTED;

	/* Drop metadata the previous iteration left. Pointer subtraction needs
	 * CAP_PERFMON (allow_ptr_leaks), which the benchmark runs with. */
	meta = (long)ctx->data - (long)ctx->data_meta;
	if (meta < 0 || meta > BENCH_META_MAX)
		return XDP_ABORTED;
	if (bpf_xdp_adjust_meta(ctx, (int)meta))
		return XDP_ABORTED;

	/* Back to the original length (the SYN-ACK may be shorter or longer) */
	cur = (long)ctx->data_end - (long)ctx->data;
	/* Only the low 32 bits of the difference are used below, so clang
	 * would subtract in 32 bits, which the verifier refuses on pointers;
	 * the empty asm forces the full 64-bit subtraction first. */
	asm volatile("" : "+r"(cur));
	if (bpf_xdp_adjust_tail(ctx, (int)((long)len - cur)))
		return XDP_ABORTED;

	/* the range check above bounds len for the verifier's size check */
	if (bpf_xdp_store_bytes(ctx, 0, bench_frame, len))
		return XDP_ABORTED;

	bpf_tail_call(ctx, &bench_target, 0);
	return XDP_ABORTED;	/* no target installed */
}

/* The floor (run directly) and the wrapper's trivial target. */
SEC("xdp")
int bench_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
