// SPDX-License-Identifier: GPL-2.0-only
/* attach_plan.c - choose XDP mode and attach method; see attach_plan.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "attach.h"
#include "attach_plan.h"
#include "common.h"

static void peer_desc(const struct sg_veth_peer *v, char *buf, size_t len)
{
	if (!v->peer_known)
		snprintf(buf, len, "its peer (cannot be queried: %s)", strerror(-v->peer_err));
	else if (v->peer_nsid >= 0)
		snprintf(buf, len, "its peer %s (in another network namespace, nsid %d)",
			 v->peer_name, v->peer_nsid);
	else
		snprintf(buf, len, "its peer %s", v->peer_name);
}

static void plan_mode(const char *ifname, enum sg_mode mode, bool mode_given,
		      const struct sg_defense *d, struct sg_plan *pl)
{
	char peer[128];
	bool stalls = sg_veth_tx_stalls(&pl->veth);

	peer_desc(&pl->veth, peer, sizeof(peer));
	if (mode_given) {
		pl->mode = mode;
		snprintf(pl->mode_why, sizeof(pl->mode_why), "-m %s", sg_mode_name(mode));
		if (mode == SG_MODE_NATIVE && stalls)
			snprintf(pl->warning, sizeof(pl->warning),
				 "%s is a veth and %s runs no XDP program: in native mode its "
				 "SYN-ACKs (XDP_TX) wait in the peer's queue until other traffic "
				 "arrives, so handshakes stall. Use -m skb (the default on such a "
				 "veth) or attach an XDP program to the peer", ifname, peer);
		return;
	}
	if (d->foreign_dispatcher && d->foreign_id) {
		/* one XDP mode per device: join the dispatcher in its mode */
		pl->mode = d->foreign_mode;
		snprintf(pl->mode_why, sizeof(pl->mode_why),
			 "the libxdp dispatcher on %s runs in %s mode", ifname,
			 sg_mode_name(d->foreign_mode));
		if (pl->mode == SG_MODE_NATIVE && stalls)
			snprintf(pl->warning, sizeof(pl->warning),
				 "%s is a veth and %s runs no XDP program: native SYN-ACKs "
				 "stall there; attach an XDP program to the peer", ifname, peer);
		return;
	}
	if (stalls) {
		pl->mode = SG_MODE_SKB;
		snprintf(pl->mode_why, sizeof(pl->mode_why),
			 "%s is a veth and %s runs no XDP program: native XDP_TX frames would "
			 "wait in the peer's queue, generic mode delivers them at once", ifname,
			 peer);
		return;
	}
	pl->mode = SG_MODE_NATIVE;
	if (pl->veth.is_veth)
		snprintf(pl->mode_why, sizeof(pl->mode_why),
			 "veth whose peer %s runs XDP program id %u", pl->veth.peer_name,
			 pl->veth.peer_xdp_id);
	else
		snprintf(pl->mode_why, sizeof(pl->mode_why), "the driver's XDP (default)");
}

int sg_attach_plan(int ifindex, const char *ifname, enum sg_mode mode, bool mode_given,
		   enum sg_attach want, const struct sg_defense *d, struct sg_plan *pl)
{
	int err;

	memset(pl, 0, sizeof(*pl));
	if (sg_veth_peer(ifindex, &pl->veth))
		memset(&pl->veth, 0, sizeof(pl->veth));
	plan_mode(ifname, mode, mode_given, d, pl);

	pl->method = SG_ATTACH_NETLINK;
	if (want == SG_ATTACH_NETLINK) {
		snprintf(pl->method_why, sizeof(pl->method_why), "--attach netlink");
		return 0;
	}
	if (d->foreign_id && !d->foreign_dispatcher) {
		if (want == SG_ATTACH_LIBXDP)
			return sg_fail(SG_EXIT_CONFLICT,
				       "--attach libxdp: %s has XDP program '%s' (id %u) attached "
				       "without a libxdp dispatcher; it cannot share the interface",
				       ifname, d->foreign_name, d->foreign_id);
		err = sg_lx_probe_freplace();
		snprintf(pl->method_why, sizeof(pl->method_why),
			 "'%s' (id %u) is attached without a libxdp dispatcher%s%s%s", d->foreign_name,
			 d->foreign_id, err ? " (and this kernel refuses freplace programs: " : "",
			 err ? strerror(-err) : "", err ? "; libxdp cannot build one)" : "");
		return 0;
	}
	err = sg_lx_probe_freplace();
	if (err) {
		const char *how = err == -EPERM && sg_lx_ext_refused_by_type()
			? " before the verifier runs, for every freplace program" : "";

		if (want == SG_ATTACH_LIBXDP)
			return sg_fail(SG_EXIT_UNSUPPORTED,
				       "--attach libxdp: this kernel refuses freplace programs "
				       "(BPF_PROG_TYPE_EXT: %s%s), which libxdp's dispatcher is made "
				       "of; use --attach netlink", strerror(-err), how);
		snprintf(pl->method_why, sizeof(pl->method_why),
			 "this kernel refuses freplace programs (BPF_PROG_TYPE_EXT: %s%s), which "
			 "libxdp's dispatcher is made of; no other XDP program can share %s",
			 strerror(-err), how, ifname);
		return 0;
	}
	err = sg_lx_use_bpffs(pl->bpffs, sizeof(pl->bpffs));
	if (err) {
		if (want == SG_ATTACH_LIBXDP)
			return sg_fail(SG_EXIT_BPFFS,
				       "--attach libxdp: no bpffs that outlives this command is "
				       "reachable (libxdp's pins keep the program in the dispatcher); "
				       "mount one at /sys/fs/bpf or use --attach netlink");
		snprintf(pl->method_why, sizeof(pl->method_why),
			 "no bpffs that outlives this command is reachable, so libxdp's pins "
			 "would vanish; netlink attachments last as long as the device");
		return 0;
	}
	pl->method = SG_ATTACH_LIBXDP;
	snprintf(pl->method_why, sizeof(pl->method_why), "%s (pins in %s/xdp)",
		 d->foreign_dispatcher ? "joins the dispatcher already on the interface"
				       : "default", pl->bpffs);
	return 0;
}
