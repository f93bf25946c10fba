// SPDX-License-Identifier: GPL-2.0-only
/* kernel_support.c - probe BTF and the XDP helpers; see kernel_support.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "common.h"
#include "kernel_support.h"

int sg_check_kernel_support(void)
{
	static const struct { enum bpf_func_id id; const char *name; } helpers[] = {
		{ BPF_FUNC_skc_lookup_tcp, "bpf_skc_lookup_tcp" },
		{ BPF_FUNC_xdp_adjust_meta, "bpf_xdp_adjust_meta" },
		{ BPF_FUNC_xdp_adjust_tail, "bpf_xdp_adjust_tail" },
		{ BPF_FUNC_ktime_get_coarse_ns, "bpf_ktime_get_coarse_ns" },
		{ BPF_FUNC_check_mtu, "bpf_check_mtu" },
	};
	struct btf *vmlinux;

	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return sg_fail(SG_EXIT_UNSUPPORTED,
			       "kernel without BTF (/sys/kernel/btf/vmlinux: %s): "
			       "synguard needs CONFIG_DEBUG_INFO_BTF=y", strerror(errno));
	for (size_t i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++) {
		int r = libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, helpers[i].id, NULL);

		if (r == 0)
			return sg_fail(SG_EXIT_UNSUPPORTED,
				       "kernel lacks the BPF helper %s for XDP programs",
				       helpers[i].name);
		if (r < 0)
			return sg_fail(SG_EXIT_UNSUPPORTED,
				       "cannot probe the BPF helper %s: %s", helpers[i].name,
				       strerror(-r));
	}
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return sg_fail(SG_EXIT_UNSUPPORTED, "cannot load the kernel's BTF: %s",
			       strerror(errno));
	btf__free(vmlinux);
	/* The kfunc bpf_sk_assign_tcp_reqsk (Linux 6.9+) is needed only by the
	 * handoff defense: sg_design_check() (features.c) checks it. */
	return 0;
}
