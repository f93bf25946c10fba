// SPDX-License-Identifier: GPL-2.0-only
/* defense_maps.c - find our programs and maps on a device; see defense_maps.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "attach.h"
#include "attach_libxdp.h"
#include "defense_maps.h"

#define SG_MAX_PROG_MAPS 64

static void init(struct sg_defense *d, int ifindex)
{
	memset(d, 0, sizeof(*d));
	d->ifindex = ifindex;
	d->xdp_fd = d->config_fd = d->stats_fd = d->synts_fd = d->limits_fd = d->src_fd = -1;
	d->keys_fd = d->trace_fd = d->state_fd = -1;
	d->acl4_fd = d->acl6_fd = d->acl_fd = -1;
	for (int i = 0; i < 4; i++)
		d->aclx_fd[i] = -1;
	d->engage_cfg_fd = d->engage_fd = d->engage_log_fd = -1;
	if (!if_indextoname(ifindex, d->ifname))
		snprintf(d->ifname, sizeof(d->ifname), "if%d", ifindex);
}

void sg_defense_close(struct sg_defense *d)
{
	int *fds[] = { &d->xdp_fd, &d->config_fd, &d->stats_fd, &d->synts_fd,
		       &d->keys_fd, &d->trace_fd, &d->state_fd, &d->limits_fd, &d->src_fd,
		       &d->acl4_fd, &d->acl6_fd, &d->acl_fd, &d->engage_cfg_fd, &d->engage_fd,
		       &d->engage_log_fd, &d->aclx_fd[0], &d->aclx_fd[1], &d->aclx_fd[2],
		       &d->aclx_fd[3] };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* Open the maps of prog_fd and keep ours, checking their value sizes so that
 * a program from an incompatible build is reported rather than misread. */
static int open_maps(struct sg_defense *d)
{
	struct bpf_prog_info info = {};
	/* room for every map of sg_xdp (a program that uses more would
	 * have maps we do not see) */
	__u32 len = sizeof(info), ids[SG_MAX_PROG_MAPS], n;

	if (bpf_obj_get_info_by_fd(d->xdp_fd, &info, &len))
		return -errno;
	n = info.nr_map_ids < SG_MAX_PROG_MAPS ? info.nr_map_ids : SG_MAX_PROG_MAPS;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = n;
	info.map_ids = (__u64)(unsigned long)ids;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(d->xdp_fd, &info, &len))
		return -errno;
	for (__u32 i = 0; i < n; i++) {
		struct bpf_map_info mi = {};
		__u32 mlen = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(ids[i]);
		int *slot = NULL;
		__u32 want = 0;

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &mi, &mlen)) {
			close(fd);
			continue;
		}
		if (!strcmp(mi.name, "sg_config")) {
			slot = &d->config_fd;
			want = sizeof(struct sg_config);
		} else if (!strcmp(mi.name, "sg_stats")) {
			slot = &d->stats_fd;
			want = sizeof(struct sg_stats);
		} else if (!strcmp(mi.name, "sg_synts")) {
			slot = &d->synts_fd;
			want = sizeof(struct sg_synts_slot);
		} else if (!strcmp(mi.name, "sg_keys")) {
			slot = &d->keys_fd;
			want = sizeof(struct sg_key_slot);
		} else if (!strcmp(mi.name, "sg_trace")) {
			slot = &d->trace_fd;
			want = sizeof(struct sg_trace);
		} else if (!strcmp(mi.name, "sg_state")) {
			slot = &d->state_fd;
			want = sizeof(struct sg_state);
		} else if (!strcmp(mi.name, "sg_limits")) {
			slot = &d->limits_fd;
			want = sizeof(struct sg_limits);
		} else if (!strcmp(mi.name, "sg_src")) {
			slot = &d->src_fd;
			want = sizeof(struct sg_src_val);
		} else if (!strcmp(mi.name, "sg_acl4") || !strcmp(mi.name, "sg_acl6")) {
			slot = mi.name[6] == '4' ? &d->acl4_fd : &d->acl6_fd;
			want = sizeof(struct sg_acl_val);
		} else if (!strcmp(mi.name, "sg_acl")) {
			slot = &d->acl_fd;
			want = sizeof(struct sg_acl_state);
		} else if (!strcmp(mi.name, "sg_acl4h") || !strcmp(mi.name, "sg_acl6h")) {
			slot = &d->aclx_fd[mi.name[6] == '6'];
			want = sizeof(struct sg_acl_val);
		} else if (!strcmp(mi.name, "sg_acl4b")) {
			slot = &d->aclx_fd[2];
			want = sizeof(struct sg_acl_bucket4);
		} else if (!strcmp(mi.name, "sg_acl6b")) {
			slot = &d->aclx_fd[3];
			want = sizeof(struct sg_acl_bucket6);
		} else if (!strcmp(mi.name, "sg_engage_cfg")) {
			slot = &d->engage_cfg_fd;
			want = sizeof(struct sg_engage_cfg);
		} else if (!strcmp(mi.name, "sg_engage")) {
			slot = &d->engage_fd;
			want = sizeof(struct sg_engage_port);
		} else if (!strcmp(mi.name, "sg_engage_log")) {
			slot = &d->engage_log_fd;
			want = sizeof(struct sg_engage_log);
		}
		if (!slot || *slot >= 0 || mi.value_size != want) {
			close(fd);
			if (slot && mi.value_size != want)
				return -EPROTO;
			continue;
		}
		*slot = fd;
	}
	if (d->config_fd < 0 || d->stats_fd < 0 || d->keys_fd < 0 || d->trace_fd < 0 ||
	    d->state_fd < 0)
		return -EPROTO;
	return 0;
}

int sg_defense_open(int ifindex, struct sg_defense *d)
{
	struct sg_xdp_state st;
	struct { __u32 id; enum sg_mode mode; } slots[2];
	char name[16];
	int err;

	init(d, ifindex);
	err = sg_xdp_query(ifindex, &st);
	if (err)
		return err;
	slots[0].id = st.drv_id;
	slots[0].mode = SG_MODE_NATIVE;
	slots[1].id = st.skb_id;
	slots[1].mode = SG_MODE_SKB;
	for (int i = 0; i < 2; i++) {
		if (!slots[i].id)
			continue;
		if (sg_prog_name(slots[i].id, name))
			continue; /* detached meanwhile */
		if (!strcmp(name, SG_DISPATCHER_NAME)) {
			__u32 ours;

			if (!sg_lx_find_in_dispatcher(slots[i].id, SG_XDP_PROG_NAME, &ours)) {
				d->xdp_id = ours;
				d->mode = slots[i].mode;
				d->dispatcher_id = slots[i].id;
				continue;
			}
			d->foreign_dispatcher = true;
		}
		if (strcmp(name, SG_XDP_PROG_NAME)) {
			d->foreign_id = slots[i].id;
			d->foreign_mode = slots[i].mode;
			memcpy(d->foreign_name, name, sizeof(name));
			continue;
		}
		d->xdp_id = slots[i].id;
		d->mode = slots[i].mode;
	}
	if (!d->xdp_id) {
		if (st.hw_id && !d->foreign_id) {
			d->foreign_id = st.hw_id;
			if (sg_prog_name(st.hw_id, d->foreign_name))
				strcpy(d->foreign_name, "?");
		}
		return d->foreign_id ? -EEXIST : -ENOENT;
	}
	d->xdp_fd = bpf_prog_get_fd_by_id(d->xdp_id);
	if (d->xdp_fd < 0) {
		err = -errno;
		sg_defense_close(d);
		return err == -ENOENT ? -ENOENT : err;
	}
	err = open_maps(d);
	if (err) {
		sg_defense_close(d);
		return err;
	}
	if (sg_tc_query(ifindex, &d->tc_id) == 0 &&
	    (sg_prog_name(d->tc_id, name) || !sg_tc_name_ours(name)))
		d->tc_id = 0; /* something else sits at our handle: not our handoff */
	return 0;
}

int sg_defense_list(struct sg_defense **out)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	struct sg_defense *list = NULL;
	int n = 0, cap = 0;

	*out = NULL;
	if (!ifs)
		return -errno;
	/* if_nameindex() lists in ifindex order already */
	for (i = ifs; i->if_index; i++) {
		struct sg_defense d;

		if (sg_defense_open(i->if_index, &d))
			continue;
		if (n == cap) {
			struct sg_defense *nl;

			cap = cap ? cap * 2 : 4;
			nl = realloc(list, cap * sizeof(*list));
			if (!nl) {
				sg_defense_close(&d);
				sg_defense_free_list(list, n);
				if_freenameindex(ifs);
				return -ENOMEM;
			}
			list = nl;
		}
		list[n++] = d;
	}
	if_freenameindex(ifs);
	*out = list;
	return n;
}

void sg_defense_free_list(struct sg_defense *list, int n)
{
	for (int i = 0; i < n; i++)
		sg_defense_close(&list[i]);
	free(list);
}

int sg_defense_read_config(const struct sg_defense *d, struct sg_config *cfg)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(d->config_fd, &zero, cfg))
		return -errno;
	return 0;
}

int sg_defense_read_state(const struct sg_defense *d, struct sg_state *st)
{
	__u32 zero = 0;

	if (d->state_fd < 0 || bpf_map_lookup_elem(d->state_fd, &zero, st)) {
		memset(st, 0, sizeof(*st));
		return -errno;
	}
	return 0;
}

bool sg_defense_meta_off(const struct sg_defense *d, const struct sg_config *cfg)
{
	struct sg_state st;

	if (cfg->flags & SG_CFG_NO_XDP_META)
		return true;
	sg_defense_read_state(d, &st);
	return st.meta_broken != 0;
}
