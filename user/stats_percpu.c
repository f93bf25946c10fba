// SPDX-License-Identifier: GPL-2.0-only
/* stats_percpu.c - per-CPU defense counters; see stats_percpu.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common.h"
#include "json.h"
#include "stats_percpu.h"

/* The columns: what tells a CPU's load and its share of the defense. */
static const int cols[] = {
	SG_CNT_TX_SYNACK, SG_CNT_PASS_COOKIE_VALID, SG_CNT_DROP_COOKIE_INVALID,
	SG_CNT_PASS_ESTABLISHED, SG_CNT_TC_HANDOFF_OK,
};
#define NCOLS (int)(sizeof(cols) / sizeof(cols[0]))

static __u64 xdp_packets(const struct sg_stats *s)
{
	__u64 sum = 0;

	for (int i = 0; i < SG_CNT_XDP_MAX; i++)
		sum += s->cnt[i];
	return sum;
}

int sg_stats_print_percpu(const struct sg_defense *list, int n)
{
	int ncpu = libbpf_num_possible_cpus();
	struct sg_stats *vals;
	struct jw *w = NULL;
	__u32 zero = 0;

	if (ncpu <= 0)
		return sg_fail(SG_EXIT_ERROR, "cannot count CPUs: %s", strerror(-ncpu));
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return sg_fail(SG_EXIT_ERROR, "out of memory");
	if (sg_env.json) {
		w = jw_new(stdout, sg_env.pretty);
		jw_start_object(w);
		jw_name(w, "interfaces");
		jw_start_array(w);
	}
	for (int i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(list[i].stats_fd, &zero, vals)) {
			int err = -errno;

			free(vals);
			if (w)
				jw_free(w);
			return sg_fail(SG_EXIT_ERROR, "cannot read the counters of %s: %s",
				       list[i].ifname, strerror(-err));
		}
		if (w) {
			jw_start_object(w);
			jw_string_field(w, "ifname", list[i].ifname);
			jw_name(w, "per_cpu");
			jw_start_array(w);
		} else {
			printf("%s%-4s %12s", i ? "\n" : "", "CPU", "xdp_packets");
			for (int k = 0; k < NCOLS; k++)
				printf(" %18s", sg_counter_names[cols[k]]);
			printf("   (%s)\n", list[i].ifname);
		}
		for (int c = 0; c < ncpu; c++) {
			if (w) {
				jw_start_object(w);
				jw_int_field(w, "cpu", c);
				jw_uint_field(w, "xdp_packets", xdp_packets(&vals[c]));
				for (int k = 0; k < SG_CNT_MAX; k++)
					jw_uint_field(w, sg_counter_names[k], vals[c].cnt[k]);
				jw_end_object(w);
				continue;
			}
			printf("%-4d %12llu", c, (unsigned long long)xdp_packets(&vals[c]));
			for (int k = 0; k < NCOLS; k++)
				printf(" %18llu", (unsigned long long)vals[c].cnt[cols[k]]);
			printf("\n");
		}
		if (w) {
			jw_end_array(w);
			jw_end_object(w);
		}
	}
	if (w) {
		jw_end_array(w);
		jw_end_object(w);
		jw_free(w);
	}
	free(vals);
	return SG_EXIT_OK;
}
