/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * metrics_fmt.h - the Prometheus text exposition format (version 0.0.4):
 * a growable text buffer, label sets with escaping, metric families, and
 * the conversion of the tracer's log-linear histograms (include/tcptrace.h)
 * into cumulative Prometheus buckets with a fixed set of `le` bounds.
 * Knows nothing about synguard's metrics (metrics_render.h does) nor HTTP.
 */
#ifndef SG_METRICS_FMT_H
#define SG_METRICS_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "tcptrace.h"

/* A malloc'ed, growing text buffer. After an allocation failure it stops
 * growing and sets oom (the caller answers 500 then). */
struct mbuf {
	char *p;
	size_t len, cap;
	bool oom;
};
void mb_init(struct mbuf *b);
void mb_free(struct mbuf *b);
void mb_printf(struct mbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the text over (caller frees it); the buffer is empty afterwards. */
char *mb_steal(struct mbuf *b, size_t *len);

/* A label set, rendered as `{a="x",b="y"}` (empty: nothing). */
#define ML_MAX 512
struct mlabels {
	char s[ML_MAX];
	size_t len;
	bool truncated;
};
void ml_reset(struct mlabels *l);
void ml_add(struct mlabels *l, const char *name, const char *value);	/* value escaped */
void ml_addu(struct mlabels *l, const char *name, unsigned long long v);

/* Escape a label value (\\, \" and \n; invalid UTF-8 as escape.h says) into
 * out; returns out. */
char *mf_escape_label(const char *in, char *out, size_t len);

/* "# HELP name help" and "# TYPE name type" (type: counter, gauge, histogram). */
void mf_family(struct mbuf *b, const char *name, const char *type, const char *help);
/* One sample line: name{labels} value. */
void mf_u64(struct mbuf *b, const char *name, const struct mlabels *l, uint64_t v);
void mf_f64(struct mbuf *b, const char *name, const struct mlabels *l, double v);

/* Nanoseconds as exact decimal seconds ("0.000001024", "3", "1.5"). */
void mf_ns_to_seconds(uint64_t ns, char *buf, size_t len);

/*
 * Histogram bounds. The kernel splits every power of two of nanoseconds into
 * TT_SUB sub-buckets; we publish `per_octave` of those boundaries per power of
 * two (1, 2, 4, 8 or 16), from 2^MF_HIST_MIN_EXP ns to 2^TT_MAX_EXP ns, then
 * +Inf. Every bound is an exact in-kernel bucket boundary, so the cumulative
 * counts are exact (not interpolated), and the set of bounds never changes
 * while the server runs (Prometheus needs stable `le` values).
 */
#define MF_HIST_MIN_EXP	10	/* 1.024 us: nothing TCP does is faster */
#define MF_HIST_MAX_BOUNDS ((TT_MAX_EXP - MF_HIST_MIN_EXP) * TT_SUB + 1)
struct mf_bounds {
	int n;
	__u32 idx[MF_HIST_MAX_BOUNDS];	/* kernel bucket index whose lower bound is the le */
	__u64 le_ns[MF_HIST_MAX_BOUNDS];
};
/* 0, or -1 if per_octave is not one of 1, 2, 4, 8, 16. */
int mf_bounds_init(struct mf_bounds *bd, int per_octave);

/*
 * name_bucket{labels,le="..."} cumulative counts, name_sum and name_count.
 * Buckets hold values < le (the kernel's bucket boundaries are exclusive; a
 * value of exactly le ns counts in the next bucket). The kernel keeps no sum:
 * _sum is estimated from bucket midpoints (exact below 16 ns, within 3.2%
 * above; mf_hist_sum_ns). The family header is the caller's.
 */
void mf_histogram(struct mbuf *b, const char *name, const struct mlabels *l,
		  const __u64 *slots, const struct mf_bounds *bd);
/* Estimated sum of the samples in ns (midpoint of each bucket). */
double mf_hist_sum_ns(const __u64 *slots);

#endif
