/* SPDX-License-Identifier: GPL-2.0-only */
/* toolutil.h - argument parsing, addresses and clocks for tests/tools. */
#ifndef SG_TOOLUTIL_H
#define SG_TOOLUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* "123", "64K", "1M", "2G" (binary units). Returns 0, or -1 on bad input. */
int tu_parse_size(const char *s, uint64_t *out);
/* A plain unsigned integer in [min, max]. Returns 0, or -1. */
int tu_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Seconds, possibly fractional ("0.5"). Returns 0, or -1. */
int tu_parse_seconds(const char *s, double *out);

/* Address + port into a sockaddr (family from the text unless family != 0,
 * in which case it must match). Returns 0, or -1. */
int tu_parse_addr(const char *s, int family, uint16_t port,
		  struct sockaddr_storage *ss, socklen_t *len);
/* "ADDR" or "[ADDR]:PORT" textual form of a sockaddr. */
void tu_addr_str(const struct sockaddr *sa, char *buf, size_t len);

/* "aa:bb:cc:dd:ee:ff" into 6 bytes (nothing may follow). Returns 0, or -1. */
int tu_parse_mac(const char *s, uint8_t mac[6]);

/* CLOCK_MONOTONIC in ns / as seconds. */
uint64_t tu_now_ns(void);
/* Sleep until CLOCK_MONOTONIC reaches t (ns). */
void tu_sleep_until_ns(uint64_t t);

#endif
