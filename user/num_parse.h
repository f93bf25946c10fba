/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * num_parse.h - the one decimal-number parser of the command line and the
 * config file: digits only (no sign, space or base prefix, which strtoul
 * would take), within a range, and what may follow the number. The callers
 * word their own error messages.
 */
#ifndef SG_NUM_PARSE_H
#define SG_NUM_PARSE_H

/* The number at the start of s, in lo..hi, into *out. Returns how many
 * characters it took, or -1 if s does not start with a digit, the number
 * overflows or is out of range. The caller checks what follows it. */
int sg_num_prefix(const char *s, unsigned long lo, unsigned long hi, unsigned long *out);

/* All of s is such a number, or one followed by exactly suffix ("%", "s",
 * "/s"; NULL: nothing may follow). 0, or -1 with *out unchanged. */
int sg_num_parse(const char *s, unsigned long lo, unsigned long hi, const char *suffix,
		 unsigned long *out);

#endif
