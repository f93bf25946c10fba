/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * local_tables.h - where the kernel keeps the address hash tables before
 * Linux 6.13 (file-static globals, not in BTF), for bpf/local.h's check of
 * "is this destination ours" on those kernels.
 */
#ifndef SG_LOCAL_TABLES_H
#define SG_LOCAL_TABLES_H

#include <stddef.h>
#include <linux/types.h>

/* Addresses of inet_addr_lst (net/ipv4/devinet.c) and inet6_addr_lst
 * (net/ipv6/addrconf.c) from /proc/kallsyms, 0 each if not there (a 6.13+
 * kernel namespaced them; kptr_restrict shows zeros; no CONFIG_KALLSYMS_ALL).
 * Returns 0 if both were found, else -1 with why in why (if why); what was
 * found is kept (5.19-6.12 have a per-netns IPv6 table, no global one). */
int sg_local_tables(__u64 *v4, __u64 *v6, char *why, size_t why_len);

/* 1 if XDP programs may call bpf_probe_read_kernel() here (CAP_PERFMON,
 * no lockdown=confidentiality): what the walk of the tables needs. */
int sg_local_probe_usable(void);

#endif
