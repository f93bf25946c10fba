#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench`: synguard's XDP microbenchmark (tests/bench/bench_xdp.c),
# then the same against commit 1a12dd8 built beside this tree, interleaved,
# IPv4, IPv6 and with a tracer's SYN recording (bench_ab.sh: ratios new/base).
# Then issue 11's policy costs (bench_policy.sh: no policy against aa2a420,
# the object from before issue 11; 100k + 100k lists, limits and engagement
# against no policy).
# Then sg_tc with and without XDP metadata (bench_tc: what the fixed-length
# build of libxdp dispatchers costs in tc), the tracer overhead
# (bench_trace.sh), the cost of a metrics scrape
# with a full half-open table (bench_halfopen.sh) and the end-to-end
# SYN-flood lab benchmark (bench_e2e.sh) and its two-CPU scaling (bench_scale.sh).
# Extra arguments go to bench_xdp: -r REPEAT (default 1000000), -n RUNS
# (default 7, the median is reported), -c CPU.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (network namespaces, BPF)" >&2
	exit 4
fi
build/tests/bench/bench_xdp "$@"
tests/bench/bench_ab.sh
tests/bench/bench_policy.sh
build/tests/bench/bench_tc
tests/bench/bench_trace.sh
tests/bench/bench_halfopen.sh
tests/bench/bench_e2e.sh
tests/bench/bench_scale.sh
