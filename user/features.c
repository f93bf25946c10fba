// SPDX-License-Identifier: GPL-2.0-only
/* features.c - probe what this kernel supports; see features.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "common.h"
#include "features.h"
#include "local_tables.h"
#include "synguard.h"
#include "nft_synproxy.h"

#define SG_MAX_FEATURES 28

static struct sg_feature feats[SG_MAX_FEATURES];
static int nfeats = -1;

static struct sg_feature *add(const char *name, int ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static struct sg_feature *add(const char *name, int ok, const char *fmt, ...)
{
	struct sg_feature *f;
	va_list ap;

	if (nfeats >= SG_MAX_FEATURES)
		return NULL;
	f = &feats[nfeats++];
	f->name = name;
	f->ok = ok;
	va_start(ap, fmt);
	vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
	va_end(ap);
	return f;
}

static int find_ok(const char *name)
{
	for (int i = 0; i < nfeats; i++)
		if (!strcmp(feats[i].name, name))
			return feats[i].ok;
	return 0;
}

/* r0 = 0; exit: enough for the verifier of every program type probed here */
static const struct bpf_insn ret0[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

/* Load a tracing program for BTF type btf_id with attach type at and
 * attach it (raw_tracepoint_open attaches tp_btf and fentry alike): a
 * kernel may load fentry and still refuse to attach it (lockdown). */
static int probe_tracing(int btf_id, enum bpf_attach_type at, char *why, size_t len)
{
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = at,
		    .attach_btf_id = (__u32)btf_id);
	int fd, lfd;

	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "sg_probe", "GPL", ret0, 2, &o);
	if (fd < 0) {
		snprintf(why, len, "load refused: %s", strerror(errno));
		return 0;
	}
	lfd = bpf_raw_tracepoint_open(NULL, fd);
	if (lfd < 0) {
		snprintf(why, len, "loads, attach refused: %s", strerror(errno));
		close(fd);
		return 0;
	}
	close(lfd);
	close(fd);
	return 1;
}

/* A kprobe through the perf kprobe PMU, created and closed again. */
static int probe_kprobe(const char *func, char *why, size_t len)
{
	struct perf_event_attr attr = { .size = sizeof(attr) };
	FILE *f = fopen("/sys/bus/event_source/devices/kprobe/type", "r");
	int type, fd;

	if (!f) {
		snprintf(why, len, "no kprobe PMU (CONFIG_KPROBES off?)");
		return 0;
	}
	if (fscanf(f, "%d", &type) != 1)
		type = -1;
	fclose(f);
	if (type < 0) {
		snprintf(why, len, "unreadable kprobe PMU type");
		return 0;
	}
	attr.type = (__u32)type;
	attr.config1 = (__u64)(unsigned long)func;	/* kprobe_func */
	fd = (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "kprobe on %s refused: %s", func, strerror(errno));
		return 0;
	}
	close(fd);
	return 1;
}

/* Does struct SNAME in the kernel's BTF have member MNAME? */
static int btf_has_member(const struct btf *btf, const char *sname, const char *mname)
{
	int id = btf ? btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT) : -1;
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_member *m = t ? btf_members(t) : NULL;

	for (int i = 0; t && i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, m[i].name_off), mname))
			return 1;
	return 0;
}

struct helper {
	enum bpf_func_id id;
	const char *n;
};

static void probe_helpers(const char *name, const struct helper *h, int nh, const char *release)
{
	char missing[100] = "";
	int ok = 1;

	for (int i = 0; i < nh; i++) {
		if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, h[i].id, NULL) == 1)
			continue;
		ok = 0;
		if (strlen(missing) + strlen(h[i].n) + 2 < sizeof(missing)) {
			if (*missing)
				strcat(missing, " ");
			strcat(missing, h[i].n);
		}
	}
	if (ok)
		add(name, 1, "available to XDP programs");
	else
		add(name, 0, "missing for XDP: %s (Linux %s)", missing, release);
}

/* bpf/local.h before Linux 6.13: the global tables, walked with
 * bpf_probe_read_kernel() */
static void probe_local_legacy(const struct btf *vm)
{
	char why[160] = "";
	__u64 v4, v6;
	int v6_own = btf_has_member(vm, "netns_ipv6", "inet6_addr_lst");

	if (!sg_local_probe_usable()) {
		add("local_addr_check", 0, "bpf_probe_read_kernel() refused to XDP (lockdown="
		    "confidentiality?), needed before Linux 6.13: SYNs to other hosts' "
		    "addresses on this interface (bridged guests) are answered too");
		return;
	}
	/* no global IPv6 table where each netns has its own (5.19+) */
	if (sg_local_tables(&v4, &v6, why, sizeof(why)) && !(v6_own && v4)) {
		add("local_addr_check", 0, "%s: SYNs to other hosts' addresses on this "
		    "interface (bridged guests) are answered too", why);
		return;
	}
	add("local_addr_check", 1, "SYNs/ACKs to addresses of other hosts (bridged guests) "
	    "pass untouched (before Linux 6.13: the kernel's global address tables, "
	    "bpf_probe_read_kernel)");
}

static void probe_all(void)
{
	static const struct helper base[] = {
		{ BPF_FUNC_skc_lookup_tcp, "bpf_skc_lookup_tcp" },
		{ BPF_FUNC_xdp_adjust_meta, "bpf_xdp_adjust_meta" },
		{ BPF_FUNC_xdp_adjust_tail, "bpf_xdp_adjust_tail" },
		{ BPF_FUNC_ktime_get_coarse_ns, "bpf_ktime_get_coarse_ns" },
		{ BPF_FUNC_check_mtu, "bpf_check_mtu" },
	}, raw[] = {
		{ BPF_FUNC_tcp_raw_check_syncookie_ipv4, "bpf_tcp_raw_check_syncookie_ipv4" },
		{ BPF_FUNC_tcp_raw_check_syncookie_ipv6, "bpf_tcp_raw_check_syncookie_ipv6" },
		{ BPF_FUNC_tcp_raw_gen_syncookie_ipv4, "bpf_tcp_raw_gen_syncookie_ipv4" },
		{ BPF_FUNC_tcp_raw_gen_syncookie_ipv6, "bpf_tcp_raw_gen_syncookie_ipv6" },
	};
	struct btf *vm = NULL, *ct = NULL;
	char why[100];
	int id;

	nfeats = 0;
	if (access("/sys/kernel/btf/vmlinux", R_OK) == 0)
		vm = btf__load_vmlinux_btf();
	if (vm)
		add("btf", 1, "/sys/kernel/btf/vmlinux");
	else
		add("btf", 0, "no kernel BTF (CONFIG_DEBUG_INFO_BTF=y needed)");
	add("prog_xdp", libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, NULL) == 1,
	    "XDP programs");
	add("prog_tc", libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SCHED_CLS, NULL) == 1,
	    "tc (sched_cls) programs");
	probe_helpers("xdp_helpers", base, sizeof(base) / sizeof(base[0]), "5.12+");
	probe_helpers("raw_syncookie", raw, sizeof(raw) / sizeof(raw[0]), "6.0+");

	id = vm ? btf__find_by_name_kind(vm, "bpf_sk_assign_tcp_reqsk", BTF_KIND_FUNC) : -1;
	if (id > 0)
		add("kfunc_sk_assign_tcp_reqsk", 1, "kfunc in the kernel's BTF");
	else
		add("kfunc_sk_assign_tcp_reqsk", 0, "kfunc missing (Linux 6.9+)");
	id = vm ? btf__find_by_name_kind(vm, "bpf_cast_to_kern_ctx", BTF_KIND_FUNC) : -1;
	add("kfunc_cast_to_kern_ctx", id > 0, id > 0 ? "kfunc in the kernel's BTF" :
	    "kfunc missing (Linux 6.2+; not needed)");
	/* bpf/local.h: the per-netns address tables (6.13+) read through BTF */
	if (btf_has_member(vm, "netns_ipv4", "inet_addr_lst") &&
	    btf_has_member(vm, "netns_ipv6", "inet6_addr_lst") &&
	    find_ok("kfunc_cast_to_kern_ctx") &&
	    btf__find_by_name_kind(vm, "bpf_rdonly_cast", BTF_KIND_FUNC) > 0)
		add("local_addr_check", 1, "SYNs/ACKs to addresses of other hosts (bridged "
		    "guests) pass untouched");
	else
		probe_local_legacy(vm);
	id = vm ? btf__find_by_name_kind(vm, "bpf_xdp_ct_lookup", BTF_KIND_FUNC) : -1;
	if (id <= 0 && vm && access("/sys/kernel/btf/nf_conntrack", R_OK) == 0) {
		ct = btf__parse_split("/sys/kernel/btf/nf_conntrack", vm);
		id = ct ? btf__find_by_name_kind(ct, "bpf_xdp_ct_lookup", BTF_KIND_FUNC) : -1;
	}
	if (id > 0)
		add("kfunc_xdp_ct_lookup", 1, "kfunc in the kernel's or nf_conntrack's BTF");
	else
		add("kfunc_xdp_ct_lookup", 0, "kfunc missing (Linux 6.0+, module nf_conntrack %s)",
		    access("/sys/module/nf_conntrack", F_OK) ? "not loaded" : "loaded");
	btf__free(ct);

	add("ringbuf", libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1,
	    "BPF ring buffer maps");
	id = vm ? btf__find_by_name_kind(vm, "btf_trace_inet_sock_set_state", BTF_KIND_TYPEDEF) : -1;
	if (id <= 0)
		add("tp_btf", 0, "no BTF for tracepoint sock:inet_sock_set_state");
	else if (probe_tracing(id, BPF_TRACE_RAW_TP, why, sizeof(why)))
		add("tp_btf", 1, "tp_btf on sock:inet_sock_set_state attaches");
	else
		add("tp_btf", 0, "tp_btf: %s", why);
	if (access("/sys/kernel/tracing/events/sock/inet_sock_set_state/id", R_OK) == 0)
		add("tracepoint", 1, "classic tracepoints (tracefs)");
	else
		add("tracepoint", 0, "sock:inet_sock_set_state not in /sys/kernel/tracing "
		    "(tracefs not mounted?)");
	id = vm ? btf__find_by_name_kind(vm, "tcp_v4_syn_recv_sock", BTF_KIND_FUNC) : -1;
	if (id <= 0)
		add("fentry", 0, "no BTF for tcp_v4_syn_recv_sock");
	else if (probe_tracing(id, BPF_TRACE_FENTRY, why, sizeof(why)))
		add("fentry", 1, "fentry on tcp_v4_syn_recv_sock attaches");
	else
		add("fentry", 0, "fentry: %s", why);
	if (probe_kprobe("tcp_v4_syn_recv_sock", why, sizeof(why)))
		add("kprobe", 1, "kprobe on tcp_v4_syn_recv_sock attaches");
	else
		add("kprobe", 0, "%s", why);
	btf__free(vm);

	/* the defense designs, from the above */
	if (find_ok("btf") && find_ok("prog_xdp") && find_ok("prog_tc") &&
	    find_ok("xdp_helpers") && find_ok("kfunc_sk_assign_tcp_reqsk"))
		add("defense_handoff", 1, "XDP cookies + tc handoff (best)");
	else
		add("defense_handoff", 0, "needs the kfunc bpf_sk_assign_tcp_reqsk (Linux 6.9+)");
	/* nft's check mode: the kernel validates a transaction with the rule
	 * (loading nft_synproxy and conntrack if they are modules) and drops it */
	if (sg_nft_spx_probe(why, sizeof(why)))
		add("nft_synproxy", 1, "nftables synproxy expression (nft, nf_synproxy)");
	else
		add("nft_synproxy", 0, "%s", why);
	if (find_ok("btf") && find_ok("prog_xdp") && find_ok("prog_tc") &&
	    find_ok("xdp_helpers") && find_ok("raw_syncookie") && find_ok("nft_synproxy"))
		add("defense_synproxy", 1, "XDP answers SYNs with the kernel's cookies, nftables "
		    "SYNPROXY completes the connection");
	else
		add("defense_synproxy", 0, "needs bpf_tcp_raw_*_syncookie_* (Linux 6.0+), tc "
		    "programs and nft with the synproxy expression");
	if (find_ok("btf") && find_ok("prog_xdp") && find_ok("xdp_helpers") &&
	    find_ok("raw_syncookie"))
		add("defense_kernel_cookies", 1, "kernel SYN cookies, XDP drops forged ACKs");
	else
		add("defense_kernel_cookies", 0, "needs bpf_tcp_raw_check_syncookie_* (Linux 6.0+)");
}

int sg_features_probe(struct sg_feature *out, int max)
{
	int n;

	if (nfeats < 0)
		probe_all();
	n = nfeats < max ? nfeats : max;
	if (n > 0)
		memcpy(out, feats, (size_t)n * sizeof(*out));
	return n;
}

int sg_feature_ok(const char *name)
{
	if (nfeats < 0)
		probe_all();
	return find_ok(name);
}

enum sg_design sg_design_of_flags(__u32 flags)
{
	if (flags & SG_CFG_SYNPROXY)
		return SG_DESIGN_SYNPROXY;
	if (flags & SG_CFG_KERNEL_COOKIES)
		return SG_DESIGN_KERNEL_COOKIES;
	return SG_DESIGN_HANDOFF;
}

enum sg_design sg_design_best(void)
{
	if (sg_feature_ok("defense_handoff"))
		return SG_DESIGN_HANDOFF;
	if (sg_feature_ok("defense_synproxy"))
		return SG_DESIGN_SYNPROXY;
	if (sg_feature_ok("defense_kernel_cookies"))
		return SG_DESIGN_KERNEL_COOKIES;
	return SG_DESIGN_NONE;
}

const char *sg_design_name(enum sg_design d)
{
	switch (d) {
	case SG_DESIGN_HANDOFF:
		return "handoff";
	case SG_DESIGN_KERNEL_COOKIES:
		return "kernel-cookies";
	case SG_DESIGN_SYNPROXY:
		return "synproxy";
	default:
		return "none";
	}
}

int sg_design_parse(const char *s, enum sg_design *out)
{
	if (!strcmp(s, "auto"))
		*out = SG_DESIGN_NONE;
	else if (!strcmp(s, "handoff"))
		*out = SG_DESIGN_HANDOFF;
	else if (!strcmp(s, "kernel-cookies"))
		*out = SG_DESIGN_KERNEL_COOKIES;
	else if (!strcmp(s, "synproxy"))
		*out = SG_DESIGN_SYNPROXY;
	else
		return -1;
	return 0;
}

static int fail_missing(const char *feature, const char *what)
{
	for (int i = 0; i < nfeats; i++)
		if (!strcmp(feats[i].name, feature))
			return sg_fail(SG_EXIT_UNSUPPORTED, "%s: %s", what, feats[i].detail);
	return sg_fail(SG_EXIT_UNSUPPORTED, "%s", what);
}

int sg_design_check(enum sg_design d)
{
	static const char *const base[] = { "btf", "prog_xdp", "xdp_helpers" };

	if (nfeats < 0)
		probe_all();
	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		if (!find_ok(base[i]))
			return fail_missing(base[i], "kernel cannot run synguard's XDP program");
	if (d == SG_DESIGN_HANDOFF) {
		if (!find_ok("prog_tc"))
			return fail_missing("prog_tc", "kernel cannot run the tc handoff");
		if (!find_ok("kfunc_sk_assign_tcp_reqsk"))
			return sg_fail(SG_EXIT_UNSUPPORTED,
				       "kernel lacks the kfunc bpf_sk_assign_tcp_reqsk (Linux 6.9 "
				       "or later) for the handoff defense; use --defense "
				       "kernel-cookies (or auto) on this kernel");
		return 0;
	}
	if (d == SG_DESIGN_SYNPROXY) {
		if (!find_ok("prog_tc"))
			return fail_missing("prog_tc", "kernel cannot run the synproxy defense's tc "
					    "program");
		if (!find_ok("raw_syncookie"))
			return fail_missing("raw_syncookie", "kernel cannot run the synproxy defense");
		if (!find_ok("nft_synproxy"))
			return fail_missing("nft_synproxy", "the synproxy defense needs nftables' "
					    "synproxy");
		return 0;
	}
	if (d == SG_DESIGN_KERNEL_COOKIES) {
		if (!find_ok("raw_syncookie"))
			return fail_missing("raw_syncookie",
					    "kernel cannot run the kernel-cookies defense");
		return 0;
	}
	return sg_fail(SG_EXIT_UNSUPPORTED,
		       "kernel supports no synguard defense: it needs the kfunc "
		       "bpf_sk_assign_tcp_reqsk (Linux 6.9+) or the helpers "
		       "bpf_tcp_raw_check_syncookie_* (Linux 6.0+)");
}
