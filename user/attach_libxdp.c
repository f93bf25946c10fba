// SPDX-License-Identifier: GPL-2.0-only
/* attach_libxdp.c - sg_xdp in libxdp's dispatcher; see attach_libxdp.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "attach.h"
#include "attach_libxdp.h"
#include "common.h"
#include "pins.h"
#include "freplace_probe.skel.h"

int sg_attach_parse(const char *s, enum sg_attach *a)
{
	if (!strcmp(s, "auto"))
		*a = SG_ATTACH_AUTO;
	else if (!strcmp(s, "libxdp"))
		*a = SG_ATTACH_LIBXDP;
	else if (!strcmp(s, "netlink"))
		*a = SG_ATTACH_NETLINK;
	else
		return -EINVAL;
	return 0;
}

const char *sg_attach_name(enum sg_attach a)
{
	switch (a) {
	case SG_ATTACH_AUTO:
		return "auto";
	case SG_ATTACH_LIBXDP:
		return "libxdp";
	case SG_ATTACH_NETLINK:
		return "netlink";
	}
	return "unknown";
}

/* libxdp's messages only with -v, like libbpf's */
static int lx_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (!sg_env.verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void lx_init(void)
{
	static bool done;

	if (!done) {
		libxdp_set_print(lx_print);
		done = true;
	}
}

/* Load sg_probe_xdp, then the extension `pkt ? sg_probe_ext_pkt :
 * sg_probe_ext` in place of its sg_probe_slot, and attach it. */
static int probe_ext(bool pkt)
{
	struct freplace_probe *target = NULL, *ext = NULL;
	struct bpf_program *p;
	struct bpf_link *link = NULL;
	int err;

	target = freplace_probe__open();
	err = target ? 0 : -errno;
	if (!err)
		err = bpf_program__set_autoload(target->progs.sg_probe_ext, false);
	if (!err)
		err = bpf_program__set_autoload(target->progs.sg_probe_ext_pkt, false);
	if (!err)
		err = freplace_probe__load(target);
	if (!err) {
		ext = freplace_probe__open();
		err = ext ? 0 : -errno;
	}
	p = ext ? (pkt ? ext->progs.sg_probe_ext_pkt : ext->progs.sg_probe_ext) : NULL;
	if (!err)
		err = bpf_program__set_autoload(ext->progs.sg_probe_xdp, false);
	if (!err)
		err = bpf_program__set_autoload(pkt ? ext->progs.sg_probe_ext
						    : ext->progs.sg_probe_ext_pkt, false);
	if (!err)
		err = bpf_program__set_attach_target(p, bpf_program__fd(target->progs.sg_probe_xdp),
						     "sg_probe_slot");
	if (!err)
		err = freplace_probe__load(ext);
	if (!err) {
		link = bpf_program__attach_freplace(p, bpf_program__fd(target->progs.sg_probe_xdp),
						    "sg_probe_slot");
		err = link ? 0 : -errno;
	}
	bpf_link__destroy(link);
	freplace_probe__destroy(ext);
	freplace_probe__destroy(target);
	return err ? (err < 0 ? err : -EINVAL) : 0;
}

int sg_lx_probe_freplace(void)
{
	static int cached = 1;

	if (cached > 0)
		cached = probe_ext(false);
	return cached;
}

int sg_lx_probe_pkt_ext(void)
{
	static int cached = 1;

	if (cached > 0)
		cached = sg_lx_probe_freplace() ?: probe_ext(true);
	return cached;
}

bool sg_lx_ext_refused_by_type(void)
{
	/* r0 = 2 (XDP_PASS); exit */
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 2 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	char log[256] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log),
		    .log_level = 1);
	int fd = bpf_prog_load(BPF_PROG_TYPE_EXT, "sg_probe_type", "GPL", insns, 2, &o);
	int err = fd < 0 ? -errno : 0;

	if (fd >= 0)
		close(fd);
	/* without a target the verifier refuses with EINVAL and says so in
	 * its log ("Tracing programs must provide btf_id") */
	return err == -EPERM && !log[0];
}

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && (long)st.f_type == BPF_FS_MAGIC;
}

int sg_lx_use_bpffs(char *buf, size_t len)
{
	const char *path = NULL;

	/* our own mount namespace is pid 1's (or we cannot tell, and it
	 * is mounted: a host or a container that mounts its bpffs) */
	if (sg_mntns_is_init() != 0 && is_bpffs("/sys/fs/bpf"))
		path = "/sys/fs/bpf";
	/* ip netns exec: private /sys; pid 1's bpffs is still reachable */
	else if (is_bpffs("/proc/1/root/sys/fs/bpf"))
		path = "/proc/1/root/sys/fs/bpf";
	if (!path)
		return -ENOENT;
	if (setenv(XDP_BPFFS_ENVVAR, path, 1))
		return -errno;
	snprintf(buf, len, "%s", path);
	return 0;
}

int sg_lx_find_in_dispatcher(__u32 disp_id, const char *name, __u32 *prog_id)
{
	__u32 id = 0;

	while (!bpf_link_get_next_id(id, &id)) {
		struct bpf_link_info li = {};
		__u32 len = sizeof(li);
		char pname[16];
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue; /* gone meanwhile */
		if (bpf_obj_get_info_by_fd(fd, &li, &len)) {
			close(fd);
			continue;
		}
		close(fd);
		if (li.type != BPF_LINK_TYPE_TRACING || li.tracing.target_obj_id != disp_id)
			continue;
		if (!sg_prog_name(li.prog_id, pname) && !strcmp(pname, name)) {
			*prog_id = li.prog_id;
			return 0;
		}
	}
	return -ENOENT;
}

static enum xdp_attach_mode lx_mode(enum sg_mode mode)
{
	return mode == SG_MODE_SKB ? XDP_MODE_SKB : XDP_MODE_NATIVE;
}

void sg_lx_clean(int ifindex)
{
	lx_init();
	libxdp_clean_references(ifindex);
}

int sg_lx_attach(struct bpf_object *obj, int ifindex, enum sg_mode mode, unsigned int prio)
{
	struct xdp_program *p;
	int err;

	lx_init();
	sg_lx_clean(ifindex);
	p = xdp_program__from_bpf_obj(obj, "xdp");
	err = (int)libxdp_get_error(p);
	if (err)
		return err < 0 ? err : -err;
	err = xdp_program__set_run_prio(p, prio);
	if (!err)
		err = xdp_program__attach(p, ifindex, lx_mode(mode), 0);
	xdp_program__close(p); /* the object stays ours */
	return err;
}

int sg_lx_detach(int ifindex, __u32 prog_id)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	enum xdp_attach_mode mode;
	int err;

	lx_init();
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	err = (int)libxdp_get_error(mp);
	if (err)
		return err < 0 ? err : -err;
	mode = xdp_multiprog__attach_mode(mp);
	xdp_multiprog__close(mp);
	p = xdp_program__from_id(prog_id);
	err = (int)libxdp_get_error(p);
	if (err)
		return err < 0 ? err : -err;
	err = xdp_program__detach(p, ifindex, mode, 0);
	xdp_program__close(p);
	sg_lx_clean(ifindex);
	return err;
}

static void fill(struct sg_lx_prog *o, struct xdp_program *p, bool in_dispatcher)
{
	memset(o, 0, sizeof(*o));
	o->id = xdp_program__id(p);
	snprintf(o->name, sizeof(o->name), "%s", xdp_program__name(p));
	o->prio = in_dispatcher ? (int)xdp_program__run_prio(p) : -1;
	if (in_dispatcher && xdp_program__print_chain_call_actions(p, o->chain, sizeof(o->chain)))
		o->chain[0] = '\0';
}

int sg_lx_list(int ifindex, struct sg_lx_prog *out, int max, __u32 *dispatcher_id)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	int n = 0, err;

	lx_init();
	*dispatcher_id = 0;
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	err = (int)libxdp_get_error(mp);
	if (err)
		return err < 0 ? err : -err;
	if (!mp)
		return 0;
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (p && max > 0)
			fill(&out[n], p, false);
		if (p)
			n++;
	} else {
		p = xdp_multiprog__main_prog(mp);
		*dispatcher_id = p ? xdp_program__id(p) : 0;
		for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp)) {
			if (n < max)
				fill(&out[n], p, true);
			n++;
		}
	}
	xdp_multiprog__close(mp);
	return n;
}
