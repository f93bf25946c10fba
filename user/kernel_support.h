/* SPDX-License-Identifier: GPL-2.0-only */
/* kernel_support.h - does this kernel have what the defense programs need? */
#ifndef SG_KERNEL_SUPPORT_H
#define SG_KERNEL_SUPPORT_H

/* 0, or SG_EXIT_UNSUPPORTED after a message naming what is missing
 * (BTF, an XDP helper). The defense's own needs: sg_design_check(). */
int sg_check_kernel_support(void);

#endif
