/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * engage_show.h - engagement mode of a protected interface (maps
 * sg_engage_cfg, sg_engage, sg_engage_log) for protect's report, `status`,
 * `stats`, `trace` and the metrics, as text and JSON.
 */
#ifndef SG_ENGAGE_SHOW_H
#define SG_ENGAGE_SHOW_H

#include <stdbool.h>
#include <linux/types.h>

#include "defense_maps.h"
#include "engage_defs.h"
#include "json.h"

/* One auto port's state, as XDP left it. */
struct sg_engage_port_view {
	__u16 port;
	struct sg_engage_port st;
	/* engaged, and pressure seen within the hold time; an engaged port
	 * whose hold has run out disengages at its next SYN (XDP decides
	 * per SYN): `engaged` false, st.engaged still set */
	bool engaged;
	bool hold_expired;
	__u64 change_unix_ns;	/* st.change_ns as unix time, 0: never */
};

struct sg_engage_view {
	bool known;		/* the maps were readable (not an older build) */
	bool kernel_cookies;	/* the kernel-cookies or synproxy defense: engagement
				 * does not apply (cmd_protect.c engage_fill) */
	bool any_auto;		/* SG_CFG_ENGAGE_AUTO */
	bool all_auto;		/* ... for every protected port */
	struct sg_engage_cfg cfg;
	int nports;		/* auto ports (ports[] below) */
	struct sg_engage_port_view *ports;
	int nengaged;		/* of them, engaged now */
	struct sg_engage_log log;
	bool have_log;
	__u64 mono_now_ns;	/* CLOCK_MONOTONIC_COARSE at the read */
	__u64 real_now_ns;	/* CLOCK_REALTIME at the read */
};

/* Read everything (cfg: the interface's sg_config). Free with _free. */
void sg_engage_view_read(const struct sg_defense *d, const struct sg_config *cfg,
			 struct sg_engage_view *v);
void sg_engage_view_free(struct sg_engage_view *v);

/* A coarse-monotonic BPF time (bpf_ktime_get_coarse_ns) as unix ns. */
__u64 sg_engage_unix_ns(const struct sg_engage_view *v, __u64 mono_ns);
/* "rate", "queue", "rate+queue" */
const char *sg_engage_reason_name(unsigned int reason);

/* The configuration: "engage": {...} into an open object, and protect's
 * "  engage:   ..." line; kernel_cookies: a defense other than handoff. */
void sg_engage_cfg_json(struct jw *w, const struct sg_engage_cfg *c, bool kernel_cookies);
void sg_engage_cfg_text(const struct sg_engage_cfg *c, const __u64 *protected_ports,
			bool kernel_cookies);

/* status: configuration, every auto port's state, the recent transitions */
void sg_engage_view_json(struct jw *w, const struct sg_engage_view *v);
void sg_engage_view_text(const struct sg_engage_view *v);

#endif
