// SPDX-License-Identifier: GPL-2.0-only
/* payload.c - see payload.h. */
#include "payload.h"

/* splitmix64 of the 8-byte word index: cheap, and no short period, so a
 * chunk shifted by any amount below 2^64 bytes does not match by accident. */
static inline uint64_t word(uint64_t dir, uint64_t idx)
{
	uint64_t z = idx * 0x9e3779b97f4a7c15ULL + dir;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline unsigned char byte_at(uint64_t dir, uint64_t off)
{
	return (unsigned char)(word(dir, off >> 3) >> ((off & 7) * 8));
}

void sg_payload_fill(uint64_t dir, uint64_t off, unsigned char *buf, size_t len)
{
	size_t i = 0;

	/* head until 8-byte aligned, then whole words, then the tail */
	for (; i < len && ((off + i) & 7); i++)
		buf[i] = byte_at(dir, off + i);
	for (; i + 8 <= len; i += 8) {
		uint64_t w = word(dir, (off + i) >> 3);

		for (int b = 0; b < 8; b++)
			buf[i + b] = (unsigned char)(w >> (b * 8));
	}
	for (; i < len; i++)
		buf[i] = byte_at(dir, off + i);
}

long sg_payload_check(uint64_t dir, uint64_t off, const unsigned char *buf, size_t len)
{
	unsigned char tmp[4096];

	for (size_t done = 0; done < len;) {
		size_t n = len - done < sizeof(tmp) ? len - done : sizeof(tmp);

		sg_payload_fill(dir, off + done, tmp, n);
		for (size_t i = 0; i < n; i++)
			if (tmp[i] != buf[done + i])
				return (long)(done + i);
		done += n;
	}
	return -1;
}
