// SPDX-License-Identifier: GPL-2.0-only
/* json.c - see json.h. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "escape.h"
#include "json.h"

#define JW_MAX_DEPTH 32

struct jw {
	FILE *f;
	bool pretty;
	int depth;
	bool first[JW_MAX_DEPTH];	/* no member written yet at this depth */
	bool after_name;		/* a name was just written: no comma */
};

struct jw *jw_new(FILE *f, bool pretty)
{
	struct jw *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->f = f;
	w->pretty = pretty;
	w->first[0] = true;
	return w;
}

void jw_free(struct jw *w)
{
	if (!w)
		return;
	fputc('\n', w->f);
	fflush(w->f);
	free(w);
}

static void indent(struct jw *w)
{
	if (!w->pretty)
		return;
	fputc('\n', w->f);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

/* Separator before a value or a name. */
static void sep(struct jw *w)
{
	if (w->after_name) {
		w->after_name = false;
		return;
	}
	if (!w->first[w->depth])
		fputc(',', w->f);
	w->first[w->depth] = false;
	if (w->depth > 0)
		indent(w);
}

static void open(struct jw *w, char c)
{
	sep(w);
	fputc(c, w->f);
	if (w->depth < JW_MAX_DEPTH - 1)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_(struct jw *w, char c)
{
	bool empty = w->first[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (!empty)
		indent(w);
	fputc(c, w->f);
}

void jw_start_object(struct jw *w) { open(w, '{'); }
void jw_end_object(struct jw *w) { close_(w, '}'); }
void jw_start_array(struct jw *w) { open(w, '['); }
void jw_end_array(struct jw *w) { close_(w, ']'); }

static void quoted(struct jw *w, const char *s)
{
	fputc('"', w->f);
	sg_esc_json(w->f, s);	/* invalid UTF-8 too: escape.h */
	fputc('"', w->f);
}

void jw_name(struct jw *w, const char *name)
{
	sep(w);
	quoted(w, name);
	fputs(w->pretty ? ": " : ":", w->f);
	w->after_name = true;
}

void jw_string(struct jw *w, const char *s)
{
	sep(w);
	if (s)
		quoted(w, s);
	else
		fputs("null", w->f);
}

void jw_uint(struct jw *w, uint64_t v) { sep(w); fprintf(w->f, "%" PRIu64, v); }
void jw_int(struct jw *w, int64_t v) { sep(w); fprintf(w->f, "%" PRId64, v); }
void jw_bool(struct jw *w, bool v) { sep(w); fputs(v ? "true" : "false", w->f); }
void jw_null(struct jw *w) { sep(w); fputs("null", w->f); }
void jw_raw(struct jw *w, const char *json) { sep(w); fputs(json, w->f); }

void jw_float(struct jw *w, double v)
{
	sep(w);
	if (isnan(v) || isinf(v))
		fputs("null", w->f);
	else
		fprintf(w->f, "%.6g", v);
}

void jw_string_field(struct jw *w, const char *n, const char *s) { jw_name(w, n); jw_string(w, s); }
void jw_uint_field(struct jw *w, const char *n, uint64_t v) { jw_name(w, n); jw_uint(w, v); }
void jw_int_field(struct jw *w, const char *n, int64_t v) { jw_name(w, n); jw_int(w, v); }
void jw_float_field(struct jw *w, const char *n, double v) { jw_name(w, n); jw_float(w, v); }
void jw_bool_field(struct jw *w, const char *n, bool v) { jw_name(w, n); jw_bool(w, v); }
