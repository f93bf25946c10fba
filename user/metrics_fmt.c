// SPDX-License-Identifier: GPL-2.0-only
/* metrics_fmt.c - Prometheus text format primitives; see metrics_fmt.h. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "metrics_fmt.h"

void mb_init(struct mbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void mb_free(struct mbuf *b)
{
	free(b->p);
	mb_init(b);
}

char *mb_steal(struct mbuf *b, size_t *len)
{
	char *p = b->p;

	*len = b->len;
	mb_init(b);
	return p;
}

void mb_printf(struct mbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += n;
			return;
		}
		size_t ncap = b->cap ? b->cap * 2 : 16384;
		char *np;

		while (ncap - b->len <= (size_t)n)
			ncap *= 2;
		np = realloc(b->p, ncap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
}

char *mf_escape_label(const char *in, char *out, size_t len)
{
	/* \\, \" and \n, and no raw invalid UTF-8: escape.h */
	return sg_esc_label(in, out, len);
}

void ml_reset(struct mlabels *l)
{
	l->s[0] = 0;
	l->len = 0;
	l->truncated = false;
}

void ml_add(struct mlabels *l, const char *name, const char *value)
{
	char esc[256];
	int n;

	mf_escape_label(value ? value : "", esc, sizeof(esc));
	n = snprintf(l->s + l->len, sizeof(l->s) - l->len, "%s%s=\"%s\"", l->len ? "," : "",
		     name, esc);
	if (n < 0 || (size_t)n >= sizeof(l->s) - l->len) {
		/* keep the set well-formed: drop this label rather than cut it */
		l->s[l->len] = 0;
		l->truncated = true;
		return;
	}
	l->len += n;
}

void ml_addu(struct mlabels *l, const char *name, unsigned long long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", v);
	ml_add(l, name, buf);
}

static void help_text(struct mbuf *b, const char *s)
{
	/* HELP escapes only backslash and newline */
	for (; *s; s++) {
		if (*s == '\\')
			mb_printf(b, "\\\\");
		else if (*s == '\n')
			mb_printf(b, "\\n");
		else
			mb_printf(b, "%c", *s);
	}
}

void mf_family(struct mbuf *b, const char *name, const char *type, const char *help)
{
	mb_printf(b, "# HELP %s ", name);
	help_text(b, help);
	mb_printf(b, "\n# TYPE %s %s\n", name, type);
}

static const char *lbl(const struct mlabels *l, char *buf, size_t len)
{
	if (!l || !l->len)
		return "";
	snprintf(buf, len, "{%s}", l->s);
	return buf;
}

void mf_u64(struct mbuf *b, const char *name, const struct mlabels *l, uint64_t v)
{
	char buf[ML_MAX + 2];

	mb_printf(b, "%s%s %" PRIu64 "\n", name, lbl(l, buf, sizeof(buf)), v);
}

void mf_f64(struct mbuf *b, const char *name, const struct mlabels *l, double v)
{
	char buf[ML_MAX + 2];
	const char *ls = lbl(l, buf, sizeof(buf));

	if (isnan(v))
		mb_printf(b, "%s%s NaN\n", name, ls);
	else if (isinf(v))
		mb_printf(b, "%s%s %sInf\n", name, ls, v < 0 ? "-" : "+");
	else
		mb_printf(b, "%s%s %.17g\n", name, ls, v);
}

void mf_ns_to_seconds(uint64_t ns, char *buf, size_t len)
{
	uint64_t s = ns / 1000000000ULL, frac = ns % 1000000000ULL;
	char f[16];
	int n;

	if (!frac) {
		snprintf(buf, len, "%" PRIu64, s);
		return;
	}
	n = snprintf(f, sizeof(f), "%09" PRIu64, frac);
	while (n > 0 && f[n - 1] == '0')
		f[--n] = 0;
	snprintf(buf, len, "%" PRIu64 ".%s", s, f);
}

int mf_bounds_init(struct mf_bounds *bd, int per_octave)
{
	int step;

	if (per_octave != 1 && per_octave != 2 && per_octave != 4 && per_octave != 8 &&
	    per_octave != 16)
		return -1;
	step = TT_SUB / per_octave;
	bd->n = 0;
	for (int e = MF_HIST_MIN_EXP; e < TT_MAX_EXP; e++) {
		for (int sub = 0; sub < TT_SUB; sub += step) {
			__u32 i = TT_SUB + (e - TT_SUB_BITS) * TT_SUB + sub;

			bd->idx[bd->n] = i;
			bd->le_ns[bd->n++] = tt_bucket_lo(i);
		}
	}
	/* 2^TT_MAX_EXP: the start of the kernel's last, open bucket */
	bd->idx[bd->n] = TT_NBUCKETS - 1;
	bd->le_ns[bd->n++] = tt_bucket_lo(TT_NBUCKETS - 1);
	return 0;
}

double mf_hist_sum_ns(const __u64 *slots)
{
	double sum = 0;

	for (int i = 0; i < TT_NBUCKETS; i++) {
		double lo, hi;

		if (!slots[i])
			continue;
		lo = (double)tt_bucket_lo(i);
		/* exact below TT_SUB ns; the open last bucket counts at its start */
		hi = i < (int)TT_SUB || i >= TT_NBUCKETS - 1 ? lo : (double)tt_bucket_lo(i + 1);
		sum += (double)slots[i] * (i < (int)TT_SUB ? lo : (lo + hi) / 2);
	}
	return sum;
}

void mf_histogram(struct mbuf *b, const char *name, const struct mlabels *l,
		  const __u64 *slots, const struct mf_bounds *bd)
{
	char metric[128], le[32];
	struct mlabels bl;
	__u64 cum = 0;
	int i = 0;

	snprintf(metric, sizeof(metric), "%s_bucket", name);
	for (int k = 0; k < bd->n; k++) {
		/* values below this bound: every kernel bucket before idx[k] */
		for (; i < (int)bd->idx[k]; i++)
			cum += slots[i];
		bl = *l;
		mf_ns_to_seconds(bd->le_ns[k], le, sizeof(le));
		ml_add(&bl, "le", le);
		mf_u64(b, metric, &bl, cum);
	}
	for (; i < TT_NBUCKETS; i++)
		cum += slots[i];
	bl = *l;
	ml_add(&bl, "le", "+Inf");
	mf_u64(b, metric, &bl, cum);
	snprintf(metric, sizeof(metric), "%s_sum", name);
	mf_f64(b, metric, l, mf_hist_sum_ns(slots) / 1e9);
	snprintf(metric, sizeof(metric), "%s_count", name);
	mf_u64(b, metric, l, cum);
}
