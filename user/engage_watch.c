// SPDX-License-Identifier: GPL-2.0-only
/* engage_watch.c - report new engagement transitions; see engage_watch.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "defense_maps.h"
#include "engage_watch.h"

int sg_engage_watch_open(struct sg_engage_watch *w)
{
	struct sg_defense *list;
	int n = sg_defense_list(&list);

	memset(w, 0, sizeof(*w));
	if (n <= 0)
		return n < 0 ? n : 0;
	w->ifs = calloc(n, sizeof(*w->ifs));
	if (!w->ifs) {
		sg_defense_free_list(list, n);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		struct sg_engage_watch_if *f = &w->ifs[w->n];
		struct sg_engage_log log;
		__u32 zero = 0;

		if (list[i].engage_log_fd < 0 ||
		    bpf_map_lookup_elem(list[i].engage_log_fd, &zero, &log))
			continue;
		memcpy(f->ifname, list[i].ifname, sizeof(f->ifname));
		f->log_fd = dup(list[i].engage_log_fd);
		if (f->log_fd < 0)
			continue;
		f->next = log.next;
		w->n++;
	}
	sg_defense_free_list(list, n);
	return 0;
}

static __u64 clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

void sg_engage_watch_poll(struct sg_engage_watch *w, sg_engage_watch_fn fn, void *ctx)
{
	__u64 mono = clock_ns(CLOCK_MONOTONIC_COARSE), real = clock_ns(CLOCK_REALTIME);

	for (int i = 0; i < w->n; i++) {
		struct sg_engage_watch_if *f = &w->ifs[i];
		struct sg_engage_log log;
		__u32 zero = 0;
		__u64 k;

		if (bpf_map_lookup_elem(f->log_fd, &zero, &log) || log.next <= f->next)
			continue;
		k = f->next;
		if (log.next - k > SG_ENGAGE_LOG_SLOTS) {
			w->missed += log.next - k - SG_ENGAGE_LOG_SLOTS;
			k = log.next - SG_ENGAGE_LOG_SLOTS;
		}
		for (; k < log.next; k++) {
			const struct sg_engage_event *e = &log.ev[k % SG_ENGAGE_LOG_SLOTS];

			/* a slot being rewritten (seq 0) is taken at the next poll */
			if (e->seq != k + 1)
				break;
			fn(ctx, f->ifname, e, real - (mono - e->ts_ns));
		}
		f->next = k;
	}
}

void sg_engage_watch_close(struct sg_engage_watch *w)
{
	for (int i = 0; i < w->n; i++)
		close(w->ifs[i].log_fd);
	free(w->ifs);
	memset(w, 0, sizeof(*w));
}
