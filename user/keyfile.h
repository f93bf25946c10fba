/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * keyfile.h - the 128-bit cookie key: random, or read from a file that holds
 * exactly 32 hex digits (whitespace and newlines anywhere are ignored).
 * Hosts behind one anycast/ECMP address share the file so that any of them
 * accepts the others' cookies.
 *
 * Byte order: the 32 digits are the 16 key bytes in order; key[0] is bytes
 * 0..7 and key[1] bytes 8..15, each read little-endian as in the SipHash
 * reference (k0 = U8TO64_LE(k), k1 = U8TO64_LE(k + 8)).
 */
#ifndef SG_KEYFILE_H
#define SG_KEYFILE_H

#include <stddef.h>
#include <linux/types.h>

/* Parse text (see above) into key. 0, or -1 with a message in err. */
int sg_key_parse(const char *text, __u64 key[2], char *err, size_t errlen);

/* Read and parse a key file. 0, or -1 with a message in err. */
int sg_key_read_file(const char *path, __u64 key[2], char *err, size_t errlen);

/* 16 random bytes from getrandom(). 0 or -errno. */
int sg_key_random(__u64 key[2]);

/* Random non-zero 32-bit value (XDP->tc metadata magic). 0 or -errno. */
int sg_random_u32_nonzero(__u32 *v);

#endif
