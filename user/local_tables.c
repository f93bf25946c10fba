// SPDX-License-Identifier: GPL-2.0-only
/*
 * local_tables.c - see local_tables.h. /proc/kallsyms lists static data
 * symbols with CONFIG_KALLSYMS_ALL (Debian, Ubuntu, Fedora, Amazon Linux
 * kernels set it); root reads real addresses unless kptr_restrict is 2.
 */
#include <stdio.h>
#include <linux/bpf.h>
#include <bpf/libbpf.h>
#include <string.h>

#include "local_tables.h"

int sg_local_tables(__u64 *v4, __u64 *v6, char *why, size_t why_len)
{
	char line[256], name[128], type;
	unsigned long long addr;
	int zero = 0;
	FILE *f;

	*v4 = *v6 = 0;
	f = fopen("/proc/kallsyms", "re");
	if (!f) {
		if (why)
			snprintf(why, why_len, "cannot read /proc/kallsyms");
		return -1;
	}
	while (fgets(line, sizeof(line), f) && (!*v4 || !*v6)) {
		/* only the kernel's own symbols: a module's line ends "[mod]" */
		if (sscanf(line, "%llx %c %127s", &addr, &type, name) != 3 || strchr(line, '['))
			continue;
		if (strcmp(name, "inet_addr_lst") && strcmp(name, "inet6_addr_lst"))
			continue;
		if (!addr) {
			zero = 1;
			continue;
		}
		if (!strcmp(name, "inet_addr_lst"))
			*v4 = addr;
		else
			*v6 = addr;
	}
	fclose(f);
	if (*v4 && *v6)
		return 0;
	if (why)
		snprintf(why, why_len, "%s",
			 zero ? "/proc/kallsyms shows zero addresses (kernel.kptr_restrict)" :
			 !*v4 ? "inet_addr_lst not in /proc/kallsyms (no CONFIG_KALLSYMS_ALL?)" :
			 "inet6_addr_lst not in /proc/kallsyms (the netns' own table, or IPv6 "
			 "a module)");
	return -1;
}

int sg_local_probe_usable(void)
{
	static int known = -1;

	if (known < 0)
		known = libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_probe_read_kernel,
						NULL) == 1;
	return known;
}
