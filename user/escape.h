/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * escape.h - one place for making names (interface names above all: Linux
 * allows any byte but '/' and NUL) safe in each output format. Valid UTF-8
 * stays as it is wherever the format allows it; what differs per format is
 * what happens to bytes that are not part of valid UTF-8 and to control
 * characters:
 *   JSON        an invalid byte 0xXX becomes \u00XX (the character U+00XX);
 *               controls \n \r \t or \u00XX; '"' and '\' escaped (RFC 8259)
 *   Prometheus  label values: an invalid byte 0xXX becomes U+00XX in UTF-8,
 *               like JSON, so a name reads the same in both; '\', '"' and
 *               newline escaped as the exposition format requires, other
 *               control characters kept (the format allows them)
 *   text        for people and terminals: '\' becomes "\\", controls (C0,
 *               DEL, C1) and invalid bytes become \xXX, so the output is
 *               valid UTF-8 without terminal controls and reversible
 *   messages    (stderr) like text, but newline and tab stay and '\' is
 *               left alone: prose around a name, not a name alone
 * Overlong forms, surrogates (ED A0..BF) and code points above U+10FFFF
 * count as invalid, byte by byte.
 */
#ifndef SG_ESCAPE_H
#define SG_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Length (1..4) of the valid UTF-8 sequence at s[0..n), 0 if s[0] does not
 * start one. ASCII, controls included, is valid (length 1). */
size_t sg_utf8_len(const unsigned char *s, size_t n);

/* The contents of a JSON string for s, without the quotes, written to f. */
void sg_esc_json(FILE *f, const char *s);

/* A Prometheus label value for s (without the quotes) into out (len bytes,
 * NUL-terminated). It never cuts an escape or a UTF-8 sequence: a value that
 * does not fit is shortened at a character boundary. Returns out. */
char *sg_esc_label(const char *s, char *out, size_t len);

/* s for text output into out (len bytes, NUL-terminated, shortened at an
 * escape boundary if it does not fit). Returns out, so that it can go
 * straight into printf("%s"). */
char *sg_esc_text(const char *s, char *out, size_t len);
/* A message for stderr (see above) written to f. */
void sg_esc_msg(FILE *f, const char *s);
/* Room for any interface name escaped by sg_esc_text (15 bytes x "\xXX") */
#define SG_ESC_IFNAME 64

#endif
