/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hist_fmt.h - percentiles from the tracer's log-linear histograms
 * (include/tcptrace.h) and bcc-style text output.
 */
#ifndef SG_HIST_FMT_H
#define SG_HIST_FMT_H

#include <stdio.h>
#include <linux/types.h>

#include "tcptrace.h"

struct hist_summary {
	__u64 count;
	double p50_us, p90_us, p99_us, max_us;
};

/* Value (us) at quantile q (0..1]: the midpoint of the bucket that holds it,
 * never above max_ns. 0 when the histogram is empty. */
double hist_quantile_us(const __u64 *slots, __u64 max_ns, double q);
void hist_summarize(const __u64 *slots, __u64 max_ns, struct hist_summary *s);

/* Upper bound (exclusive) of bucket i in us, for "le" in JSON; INFINITY for
 * the last bucket. */
double hist_bucket_le_us(int i);

/* bcc-style power-of-two table in usecs, with stars. */
void hist_print_log2(FILE *f, const __u64 *slots);

#endif
