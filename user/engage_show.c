// SPDX-License-Identifier: GPL-2.0-only
/* engage_show.c - show engagement mode; see engage_show.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "engage_show.h"
#include "ports.h"

static __u64 clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

void sg_engage_view_read(const struct sg_defense *d, const struct sg_config *cfg,
			 struct sg_engage_view *v)
{
	__u32 zero = 0;

	memset(v, 0, sizeof(*v));
	v->mono_now_ns = clock_ns(CLOCK_MONOTONIC_COARSE);
	v->real_now_ns = clock_ns(CLOCK_REALTIME);
	if (d->engage_cfg_fd < 0 || d->engage_fd < 0 ||
	    bpf_map_lookup_elem(d->engage_cfg_fd, &zero, &v->cfg))
		return;
	v->known = true;
	v->kernel_cookies = (cfg->flags & (SG_CFG_KERNEL_COOKIES | SG_CFG_SYNPROXY)) != 0;
	v->any_auto = (cfg->flags & SG_CFG_ENGAGE_AUTO) != 0;
	v->all_auto = v->any_auto && v->cfg.nauto == sg_ports_count(cfg->ports);
	if (d->engage_log_fd >= 0 && !bpf_map_lookup_elem(d->engage_log_fd, &zero, &v->log))
		v->have_log = true;
	if (!v->any_auto)
		return;
	v->ports = calloc(sg_ports_count(v->cfg.auto_ports) + 1, sizeof(*v->ports));
	if (!v->ports)
		return;
	for (__u32 port = 1; port < SG_NPORTS; port++) {
		struct sg_engage_port_view *p;

		if (!sg_port_is_set(v->cfg.auto_ports, (__u16)port))
			continue;
		p = &v->ports[v->nports];
		p->port = (__u16)port;
		if (bpf_map_lookup_elem(d->engage_fd, &port, &p->st))
			memset(&p->st, 0, sizeof(p->st));
		p->hold_expired = p->st.engaged &&
				  v->mono_now_ns - p->st.hot_ns > v->cfg.hold_ns;
		p->engaged = p->st.engaged && !p->hold_expired;
		p->change_unix_ns = sg_engage_unix_ns(v, p->st.change_ns);
		v->nengaged += p->engaged;
		v->nports++;
	}
}

void sg_engage_view_free(struct sg_engage_view *v)
{
	free(v->ports);
	v->ports = NULL;
	v->nports = 0;
}

__u64 sg_engage_unix_ns(const struct sg_engage_view *v, __u64 mono_ns)
{
	if (!mono_ns)
		return 0;
	return v->real_now_ns - (v->mono_now_ns - mono_ns);
}

const char *sg_engage_reason_name(unsigned int reason)
{
	switch (reason & (SG_ENGAGE_BY_RATE | SG_ENGAGE_BY_QUEUE)) {
	case SG_ENGAGE_BY_RATE: return "rate";
	case SG_ENGAGE_BY_QUEUE: return "queue";
	case SG_ENGAGE_BY_RATE | SG_ENGAGE_BY_QUEUE: return "rate+queue";
	default: return "none";
	}
}

static void json_port(unsigned int port, void *ctx)
{
	jw_uint(ctx, port);
}

static void cfg_fields(struct jw *w, const struct sg_engage_cfg *c, bool kernel_cookies,
		       const char *mode)
{
	jw_string_field(w, "mode", mode);
	jw_name(w, "auto_ports");
	jw_start_array(w);
	sg_ports_foreach(c->auto_ports, json_port, w);
	jw_end_array(w);
	jw_uint_field(w, "rate", c->rate);
	jw_uint_field(w, "queue_pct", c->queue_pct);
	jw_uint_field(w, "hold_s", c->hold_s);
	/* engagement applies to the handoff defense only (cmd_protect.c) */
	jw_bool_field(w, "applies", !kernel_cookies);
}

void sg_engage_cfg_json(struct jw *w, const struct sg_engage_cfg *c, bool kernel_cookies)
{
	jw_name(w, "engage");
	jw_start_object(w);
	cfg_fields(w, c, kernel_cookies, c->nauto ? "auto" : "always");
	jw_end_object(w);
}

static void cfg_line(const struct sg_engage_cfg *c, bool kernel_cookies, bool all_auto)
{
	char ports[256], trig[160];

	if (kernel_cookies) {
		printf("  engage:   always (engagement applies to the handoff defense only)\n");
		return;
	}
	if (!c->nauto) {
		printf("  engage:   always (every SYN gets a cookie)\n");
		return;
	}
	if (sg_ports_format(c->auto_ports, ports, sizeof(ports)) >= sizeof(ports))
		strcpy(ports + sizeof(ports) - 5, "...");
	if (c->rate && c->queue_pct)
		snprintf(trig, sizeof(trig), "> %u SYNs/s or SYN queue >= %u%%", c->rate,
			 c->queue_pct);
	else if (c->rate)
		snprintf(trig, sizeof(trig), "> %u SYNs/s", c->rate);
	else
		snprintf(trig, sizeof(trig), "SYN queue >= %u%%", c->queue_pct);
	printf("  engage:   auto on %s%s: cookies while a port sees %s, off after %u s "
	       "without\n", all_auto ? "every port" : ports, all_auto ? "" : " (always on the "
	       "rest)", trig, c->hold_s);
}

void sg_engage_cfg_text(const struct sg_engage_cfg *c, const __u64 *protected_ports,
			bool kernel_cookies)
{
	cfg_line(c, kernel_cookies, c->nauto == sg_ports_count(protected_ports));
}

static void iso(__u64 unix_ns, char *buf, size_t len)
{
	time_t t = (time_t)(unix_ns / 1000000000ULL);
	struct tm tm;

	if (!unix_ns || !gmtime_r(&t, &tm)) {
		snprintf(buf, len, "never");
		return;
	}
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), len - strlen(buf), ".%03uZ",
		 (unsigned int)(unix_ns / 1000000ULL % 1000));
}

/* The log's events, oldest first; returns how many went into out. */
static int events(const struct sg_engage_log *log, const struct sg_engage_event **out)
{
	__u64 next = log->next, first = next > SG_ENGAGE_LOG_SLOTS ? next - SG_ENGAGE_LOG_SLOTS : 0;
	int n = 0;

	for (__u64 k = first; k < next; k++) {
		const struct sg_engage_event *e = &log->ev[k % SG_ENGAGE_LOG_SLOTS];

		if (e->seq == k + 1)
			out[n++] = e;
	}
	return n;
}

void sg_engage_view_json(struct jw *w, const struct sg_engage_view *v)
{
	const struct sg_engage_event *ev[SG_ENGAGE_LOG_SLOTS];
	int n;

	jw_name(w, "engage");
	if (!v->known) {
		jw_null(w);
		return;
	}
	jw_start_object(w);
	cfg_fields(w, &v->cfg, v->kernel_cookies, v->any_auto ? "auto" : "always");
	jw_uint_field(w, "engaged_ports", v->nengaged);
	jw_name(w, "ports");
	jw_start_array(w);
	for (int i = 0; i < v->nports; i++) {
		const struct sg_engage_port_view *p = &v->ports[i];

		jw_start_object(w);
		jw_uint_field(w, "port", p->port);
		jw_bool_field(w, "engaged", p->engaged);
		jw_bool_field(w, "hold_expired", p->hold_expired);
		jw_string_field(w, "reason", sg_engage_reason_name(p->st.engaged));
		jw_uint_field(w, "syns_last_window", p->st.prev_syns);
		jw_uint_field(w, "syns_this_window", p->st.win_syns);
		jw_uint_field(w, "queue_pct", p->st.queue_pct);
		jw_uint_field(w, "engages", p->st.engages);
		jw_uint_field(w, "disengages", p->st.disengages);
		jw_uint_field(w, "last_change_unix_ns", sg_engage_unix_ns(v, p->st.change_ns));
		jw_uint_field(w, "last_pressure_unix_ns", sg_engage_unix_ns(v, p->st.hot_ns));
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_name(w, "events");
	jw_start_array(w);
	n = v->have_log ? events(&v->log, ev) : 0;
	for (int i = 0; i < n; i++) {
		jw_start_object(w);
		jw_uint_field(w, "time_unix_ns", sg_engage_unix_ns(v, ev[i]->ts_ns));
		jw_uint_field(w, "port", ev[i]->port);
		jw_string_field(w, "event", ev[i]->engaged ? "engage" : "disengage");
		jw_string_field(w, "reason", sg_engage_reason_name(ev[i]->reason));
		jw_uint_field(w, "syns", ev[i]->syns);
		jw_uint_field(w, "queue_pct", ev[i]->queue_pct);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_end_object(w);
}

void sg_engage_view_text(const struct sg_engage_view *v)
{
	char t[40];

	if (!v->known)
		return;
	cfg_line(&v->cfg, v->kernel_cookies, v->all_auto);
	if (v->kernel_cookies || !v->any_auto)
		return;
	for (int i = 0; i < v->nports; i++) {
		const struct sg_engage_port_view *p = &v->ports[i];

		/* every auto port while few; else only those that ever engaged */
		if (v->nports > 16 && !p->st.engages)
			continue;
		iso(sg_engage_unix_ns(v, p->st.change_ns), t, sizeof(t));
		/* XDP stops counting a window once it passed the rate */
		printf("  port %-5u %s%s, %s%u SYNs in the last second, queue %u%%; %u engage%s, "
		       "%u disengage%s, last change %s\n", p->port,
		       p->engaged ? "ENGAGED by " : p->hold_expired ?
		       "engaged (hold over: the next SYN disengages), by " : "disengaged",
		       p->st.engaged ? sg_engage_reason_name(p->st.engaged) : "",
		       v->cfg.rate && p->st.prev_syns > v->cfg.rate ? "more than " : "",
		       v->cfg.rate && p->st.prev_syns > v->cfg.rate ? v->cfg.rate : p->st.prev_syns,
		       p->st.queue_pct, p->st.engages, p->st.engages == 1 ? "" : "s",
		       p->st.disengages, p->st.disengages == 1 ? "" : "s", t);
	}
}
