// SPDX-License-Identifier: GPL-2.0-only
/* hist_fmt.c - see hist_fmt.h. */
#include <math.h>
#include <string.h>

#include "hist_fmt.h"

double hist_bucket_le_us(int i)
{
	if (i >= TT_NBUCKETS - 1)
		return INFINITY;
	return tt_bucket_lo(i + 1) / 1000.0;
}

double hist_quantile_us(const __u64 *slots, __u64 max_ns, double q)
{
	__u64 total = 0, rank, cum = 0;
	double lo, hi, mid;

	for (int i = 0; i < TT_NBUCKETS; i++)
		total += slots[i];
	if (!total)
		return 0;
	/* the smallest value with at least q of the samples at or below it */
	rank = (__u64)ceil(q * (double)total);
	if (rank < 1)
		rank = 1;
	for (int i = 0; i < TT_NBUCKETS; i++) {
		cum += slots[i];
		if (cum < rank)
			continue;
		lo = (double)tt_bucket_lo(i);
		hi = i < TT_NBUCKETS - 1 ? (double)tt_bucket_lo(i + 1) : lo;
		/* buckets below TT_SUB ns are exact; above, the midpoint is
		 * within half a bucket (<= 3.2%) of any value in it */
		mid = i < (int)TT_SUB ? lo : (lo + hi) / 2;
		if (max_ns && mid > (double)max_ns)
			mid = (double)max_ns;
		return mid / 1000.0;
	}
	return max_ns / 1000.0;
}

void hist_summarize(const __u64 *slots, __u64 max_ns, struct hist_summary *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < TT_NBUCKETS; i++)
		s->count += slots[i];
	if (!s->count)
		return;
	s->p50_us = hist_quantile_us(slots, max_ns, 0.50);
	s->p90_us = hist_quantile_us(slots, max_ns, 0.90);
	s->p99_us = hist_quantile_us(slots, max_ns, 0.99);
	s->max_us = max_ns / 1000.0;
}

static void stars(FILE *f, __u64 v, __u64 max, int width)
{
	int n = max ? (int)((double)v * width / (double)max) : 0;

	if (v && !n)
		n = 1;
	for (int i = 0; i < width; i++)
		fputc(i < n ? '*' : ' ', f);
}

#define ROWS 40

void hist_print_log2(FILE *f, const __u64 *slots)
{
	__u64 rows[ROWS] = {}, max = 0;
	int first = -1, last = -1;

	/* fold the fine ns buckets into bcc's power-of-two usec rows: row 0
	 * is [0, 1] us, row k >= 1 is [2^k, 2^(k+1) - 1] us; a bucket goes to
	 * the row of its lower bound */
	for (int i = 0; i < TT_NBUCKETS; i++) {
		__u64 us = tt_bucket_lo(i) / 1000;
		int r = us < 2 ? 0 : (int)tt_log2(us);

		if (!slots[i])
			continue;
		if (r >= ROWS)
			r = ROWS - 1;
		rows[r] += slots[i];
	}
	for (int r = 0; r < ROWS; r++) {
		if (!rows[r])
			continue;
		if (first < 0)
			first = r;
		last = r;
		if (rows[r] > max)
			max = rows[r];
	}
	fprintf(f, "%24s : %-10s %-40s\n", "usecs", "count", "distribution");
	if (first < 0)
		return;
	for (int r = 0; r <= last; r++) {
		unsigned long long lo = r == 0 ? 0 : 1ULL << r;
		unsigned long long hi = r == 0 ? 1 : (1ULL << (r + 1)) - 1;

		fprintf(f, "%11llu -> %-10llu : %-10llu |", lo, hi, (unsigned long long)rows[r]);
		stars(f, rows[r], max, 40);
		fputs("|\n", f);
	}
}
