// SPDX-License-Identifier: GPL-2.0-only
/* synts_shared.c - the network namespace's one SYN-arrival map; see synts_shared.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "synts_shared.h"

__u32 sg_map_id_of_fd(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

int sg_synts_pick(const struct sg_defense *list, int n, __u32 *map_id, int *others)
{
	__u32 *ids = calloc(n > 0 ? n : 1, sizeof(*ids));
	int best = -1, best_users = 0, with_map = 0;

	*map_id = 0;
	*others = 0;
	if (!ids)
		return -1;
	for (int i = 0; i < n; i++)
		ids[i] = sg_map_id_of_fd(list[i].synts_fd);
	for (int i = 0; i < n; i++) {
		int users = 0;

		if (!ids[i])
			continue;
		with_map++;
		for (int j = 0; j < n; j++)
			users += ids[j] == ids[i];
		if (users > best_users) {
			best = i;
			best_users = users;
		}
	}
	if (best >= 0) {
		*map_id = ids[best];
		*others = with_map - best_users;
	}
	free(ids);
	return best;
}

/* Does the program with this id use map_id? Our own defense programs do not
 * count: they write the map, they do not read it. */
static bool prog_reads(__u32 prog_id, __u32 map_id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), n, *ids;
	bool found = false;
	int fd;

	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return false;	/* unloaded meanwhile */
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || !info.nr_map_ids ||
	    !strcmp(info.name, SG_XDP_PROG_NAME) || !strcmp(info.name, SG_TC_PROG_NAME) ||
	    !strcmp(info.name, SG_TC_SPX_PROG_NAME))
		goto out;
	n = info.nr_map_ids;
	ids = calloc(n, sizeof(*ids));
	if (!ids)
		goto out;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = n;
	info.map_ids = (__u64)(unsigned long)ids;
	len = sizeof(info);
	if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
		/* the program may report fewer maps than it had room for */
		for (__u32 i = 0; i < n && i < info.nr_map_ids; i++)
			found |= ids[i] == map_id;
	}
	free(ids);
out:
	close(fd);
	return found;
}

/* Count attached programs (bpf_links), not loaded ones: a link's id goes
 * away when its last fd is closed, while the program of a tracing link stays
 * loaded until an RCU grace period later (the kernel defers the link's
 * dealloc, and with it the program's last reference). A tracer that just
 * exited would otherwise still count as a reader. */
int sg_synts_readers(__u32 map_id)
{
	__u32 id = 0;
	int n = 0;

	if (!map_id)
		return 0;
	for (;;) {
		struct bpf_link_info li = {};
		__u32 len = sizeof(li);
		int fd;

		if (bpf_link_get_next_id(id, &id))
			return errno == ENOENT ? n : -errno;
		fd = bpf_link_get_fd_by_id(id);
		if (fd < 0)
			continue;	/* detached meanwhile */
		if (!bpf_obj_get_info_by_fd(fd, &li, &len) && li.prog_id)
			n += prog_reads(li.prog_id, map_id);
		close(fd);
	}
}

int sg_synts_set_trace(__u32 map_id, bool on)
{
	struct sg_trace want = { .syn_times = on }, cur;
	struct sg_defense *list;
	__u32 zero = 0;
	int n, changed = 0;

	if (!map_id)
		return 0;
	n = sg_defense_list(&list);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (sg_map_id_of_fd(list[i].synts_fd) != map_id ||
		    bpf_map_lookup_elem(list[i].trace_fd, &zero, &cur))
			continue;
		if (!!cur.syn_times == on)
			continue;
		/* sg_trace is the tracers' own map (protect and XDP never
		 * write it), so this cannot undo their writes; tracers among
		 * themselves re-check their readers after clearing (tracer.c) */
		if (bpf_map_update_elem(list[i].trace_fd, &zero, &want, BPF_ANY) == 0)
			changed++;
	}
	sg_defense_free_list(list, n);
	return changed;
}
