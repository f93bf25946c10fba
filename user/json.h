/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * json.h - a small streaming JSON writer (bpftool style): the caller opens
 * objects and arrays, names members and writes values; commas, quoting and
 * (with pretty) indentation are the writer's job.
 */
#ifndef SG_JSON_H
#define SG_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct jw;

struct jw *jw_new(FILE *f, bool pretty);
void jw_free(struct jw *w);	/* ends the line of a finished top-level value */

void jw_start_object(struct jw *w);
void jw_end_object(struct jw *w);
void jw_start_array(struct jw *w);
void jw_end_array(struct jw *w);
void jw_name(struct jw *w, const char *name);

void jw_string(struct jw *w, const char *s);
void jw_uint(struct jw *w, uint64_t v);
void jw_int(struct jw *w, int64_t v);
void jw_float(struct jw *w, double v);	/* %.6g; NaN/inf become null */
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* A complete JSON value written by someone else (e.g. a captured command's
 * output), inserted as is. */
void jw_raw(struct jw *w, const char *json);

/* name + value in one call */
void jw_string_field(struct jw *w, const char *name, const char *s);
void jw_uint_field(struct jw *w, const char *name, uint64_t v);
void jw_int_field(struct jw *w, const char *name, int64_t v);
void jw_float_field(struct jw *w, const char *name, double v);
void jw_bool_field(struct jw *w, const char *name, bool v);

#endif
