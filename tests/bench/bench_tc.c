// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_tc.c - ns/packet of synguard's tc program (sg_tc) with and without
 * XDP metadata, with BPF_PROG_TEST_RUN `repeat` in a private network
 * namespace (real sockets for the lookups, tests/lib/xdp_env.h).
 *
 * What it answers: the fixed-length build (bpf/fixed_len.h), which protect
 * loads into libxdp dispatchers whose slots do not change packet data,
 * writes no XDP metadata, so protect sets SG_CFG_NO_XDP_META and sg_tc
 * checks every pure ACK to a protected port itself (sg_tc_slow). sg_tc is
 * the same code in both builds; only that flag differs. Cases:
 *   established ACK  - an ACK of an established connection to a protected
 *                      port (metadata on: one config lookup; off: parse and
 *                      socket lookup)
 *   listener ACK     - an ACK that finds only the listener, with the
 *                      cookie of sg_xdp's SYN-ACK but one hash bit of the
 *                      echoed TSval flipped (off: parse, lookup and the
 *                      whole cookie check, what a valid cookie ACK pays
 *                      before the handoff that both builds make)
 *   UDP              - not TCP (both: the config lookup / a parse)
 * A skb test run cannot carry XDP metadata, so the default build's handoff
 * itself (metadata read, parse, kfunc) is not measured here; the kfunc is
 * the same in both.
 *
 * Usage: bench_tc [-6] [-r REPEAT] [-n RUNS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "handshake.h"
#include "synguard.skel.h"
#include "xdp_env.h"

#define PORT		8080
#define MAX_RUNS	51

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* median ns/packet over nruns runs of repeat iterations; 0 on error */
static uint32_t measure(int fd, const uint8_t *pkt, int len, int repeat, int nruns, int *ret)
{
	uint32_t v[MAX_RUNS];
	struct __sk_buff ctx = { .ifindex = 1 };

	for (int i = 0; i < nruns; i++) {
		uint8_t out[PKT_MAX + 64];
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = (__u32)len,
			    .data_out = out, .data_size_out = sizeof(out),
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = repeat);

		if (bpf_prog_test_run_opts(fd, &o)) {
			fprintf(stderr, "bench_tc: test run: %s\n", strerror(errno));
			return 0;
		}
		v[i] = o.duration;
		*ret = (int)o.retval;
	}
	qsort(v, nruns, sizeof(v[0]), cmp_u32);
	return v[nruns / 2];
}

int main(int argc, char **argv)
{
	int repeat = 1000000, nruns = 5, opt, fd, ret = 1;
	bool v6 = false;
	struct xenv_flows fl;
	struct xdp_env e;
	struct {
		const char *name;
		struct pkt_spec s;
	} cases[3];
	uint8_t buf[PKT_MAX];

	while ((opt = getopt(argc, argv, "6r:n:h")) != -1) {
		switch (opt) {
		case '6': v6 = true; break;
		case 'r': repeat = atoi(optarg); break;
		case 'n': nruns = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-6] [-r REPEAT] [-n RUNS]\n", argv[0]);
			return 2;
		}
	}
	if (repeat < 1 || nruns < 1 || nruns > MAX_RUNS)
		return 2;
	if (getenv("SG_XDP_OBJ"))
		unsetenv("SG_XDP_OBJ");	/* sg_tc is the same in both builds */
	if (xenv_netns() || xenv_open(&e) || !e.skel) {
		fprintf(stderr, "bench_tc: cannot set up the namespace or load synguard\n");
		return 1;
	}
	fd = bpf_program__fd(e.skel->progs.sg_tc);
	if (fd < 0) {
		printf("bench_tc: skipped: sg_tc not loaded (no handoff kfunc before Linux 6.9)\n");
		return 0;
	}
	/* the TS cookie's age bound at 500 s, as bench_xdp: the runs stay
	 * within it, so the check runs to the hash every time */
	e.cfg.max_age_ticks = (uint32_t)((500ULL * 1000000000ULL) >> SG_HS_TICK_SHIFT);
	xenv_protect(&e, PORT);
	xenv_write_config(&e);
	if (xenv_flows_open(&fl, "bench_tc", PORT))
		return 1;

	cases[0].name = "established ACK";
	xenv_spec_lo(&cases[0].s, v6, fl.cport[v6], PORT);
	cases[0].s.flags = PKT_ACK;
	cases[0].s.seq = 1;
	cases[0].s.ack = 1;
	/* a real cookie from sg_xdp's SYN-ACK, with one hash bit of its
	 * TSval flipped: the whole check runs (hash included) and fails */
	{
		struct pkt_spec syn;
		struct pkt_info pi;
		struct xres r;
		char err[128];

		xenv_spec_lo(&syn, v6, 45000, PORT);
		syn.seq = 999;
		syn.flags = PKT_SYN;
		pkt_linux_syn_opts(&syn, 1400, 0x1000);
		if (xenv_run_spec(&e, &syn, &r) || r.ret != XDP_TX ||
		    pkt_parse(r.data, r.len, &pi, err, sizeof(err)) || !pi.opt.ts) {
			fprintf(stderr, "bench_tc: no cookie SYN-ACK from sg_xdp\n");
			goto out;
		}
		cases[1].name = "listener ACK, cookie check";
		xenv_spec_lo(&cases[1].s, v6, 45000, PORT);
		cases[1].s.flags = PKT_ACK;
		cases[1].s.seq = 1000;
		cases[1].s.ack = pi.seq + 1;
		cases[1].s.opt.ts = true;
		cases[1].s.opt.tsval = 0x1001;
		cases[1].s.opt.tsecr = pi.opt.tsval ^ 1;	/* a hash bit */
	}
	cases[2].name = "UDP";
	xenv_spec_lo(&cases[2].s, v6, 45001, PORT);
	cases[2].s.l4 = IPPROTO_UDP;

	printf("sg_tc: BPF_PROG_TEST_RUN, %s frames, repeat %d, median of %d runs, "
	       "kernel-reported ns/packet\n\n", v6 ? "IPv6" : "IPv4", repeat, nruns);
	printf("%-26s %14s %14s %8s\n", "path", "metadata on", "no metadata", "delta");
	for (int i = 0; i < 3; i++) {
		int len = pkt_build(&cases[i].s, buf), r1 = -1, r2 = -1;
		uint32_t on, off;

		e.cfg.flags &= ~SG_CFG_NO_XDP_META;
		xenv_write_config(&e);
		on = measure(fd, buf, len, repeat, nruns, &r1);
		e.cfg.flags |= SG_CFG_NO_XDP_META;
		xenv_write_config(&e);
		off = measure(fd, buf, len, repeat, nruns, &r2);
		if (!on || !off || r1 != TC_ACT_OK || r2 != TC_ACT_OK) {
			fprintf(stderr, "bench_tc: %s: failed (verdicts %d %d)\n", cases[i].name, r1, r2);
			goto out;
		}
		printf("%-26s %14u %14u %+8d\n", cases[i].name, on, off, (int)off - (int)on);
	}
	ret = 0;
out:
	xenv_flows_close(&fl);
	xenv_close(&e);
	return ret ? 1 : 0;
}
