/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * skel_fixed.h - open the defense object in one of its two builds, both
 * through struct synguard (the same programs and maps under the same names):
 * build/synguard.bpf.o, or build/synguard_fixed.bpf.o, which never changes
 * the packet's length or metadata, for libxdp dispatchers whose slots do
 * not change packet data (bpf/fixed_len.h says why and how).
 */
#ifndef SG_SKEL_FIXED_H
#define SG_SKEL_FIXED_H

#include <stdbool.h>

struct synguard;

/* Like synguard__open(); fixed_len: the fixed-length build. NULL with errno
 * set on failure. Free with synguard__destroy(). */
struct synguard *sg_skel_open(bool fixed_len);

#endif
