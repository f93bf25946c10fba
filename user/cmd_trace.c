// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_trace.c - `synguard trace`: one line (or JSON object) per completed
 * TCP handshake, close or failure, then the loss accounting.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "commands.h"
#include "engage_show.h"
#include "engage_watch.h"
#include "common.h"
#include "json.h"
#include "trace_cli.h"
#include "tracer.h"

struct trace_ctx {
	const struct trace_cli *cli;
	__u64 printed;
	FILE *out;
};

static void fmt_addr(const struct tt_event *e, const __u32 *a, __u16 port, char *buf, size_t len,
		     bool bracket)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(e->family == 6 ? AF_INET6 : AF_INET, a, ip, sizeof(ip));
	if (!bracket)
		snprintf(buf, len, "%s", ip);
	else if (e->family == 6)
		snprintf(buf, len, "[%s]:%u", ip, port);
	else
		snprintf(buf, len, "%s:%u", ip, port);
}

/* Durations of the states before the last one: states[i] lasted
 * ts[i+1] - ts[i]; -1 when a time is unknown. */
static double state_dur_us(const struct tt_event *e, int i)
{
	if (i + 1 >= e->nstates || i + 1 >= TT_MAX_STATES || !e->ts_ns[i] || !e->ts_ns[i + 1])
		return -1;
	return (e->ts_ns[i + 1] - e->ts_ns[i]) / 1000.0;
}

static const char *closed_first(const struct tt_event *e)
{
	for (int i = e->first; i + 1 < e->nstates && i + 1 < TT_MAX_STATES; i++) {
		if (e->states[i] != TT_ESTABLISHED)
			continue;
		if (e->states[i + 1] == TT_FIN_WAIT1)
			return "local";
		if (e->states[i + 1] == TT_CLOSE_WAIT)
			return "remote";
	}
	return NULL;
}

static void print_json(struct trace_ctx *c, const struct tt_event *e)
{
	struct jw *w = jw_new(c->out, sg_env.pretty);
	char buf[64];
	const char *s;

	if (!w)
		return;
	jw_start_object(w);
	jw_string_field(w, "side", tracer_side_name(e->side));
	jw_string_field(w, "kind", tracer_kind_name(e->kind));
	jw_uint_field(w, "family", e->family);
	fmt_addr(e, e->laddr, e->lport, buf, sizeof(buf), false);
	jw_string_field(w, "laddr", buf);
	jw_uint_field(w, "lport", e->lport);
	fmt_addr(e, e->raddr, e->rport, buf, sizeof(buf), false);
	jw_string_field(w, "raddr", buf);
	jw_uint_field(w, "rport", e->rport);
	jw_name(w, "states");
	jw_start_array(w);
	for (int i = e->first; i < e->nstates && i < TT_MAX_STATES; i++)
		jw_string(w, tracer_state_name(e->states[i]));
	jw_end_array(w);
	/* time spent in each state but the last (null = unknown) */
	jw_name(w, "durations_us");
	jw_start_array(w);
	for (int i = e->first; i + 1 < e->nstates && i + 1 < TT_MAX_STATES; i++) {
		double d = state_dur_us(e, i);

		if (d < 0)
			jw_null(w);
		else
			jw_float(w, d);
	}
	jw_end_array(w);
	if (e->kind == TT_KIND_HANDSHAKE && e->basis == TT_BASIS_NONE) {
		jw_name(w, "latency_us");
		jw_null(w);
	} else {
		jw_float_field(w, "latency_us", e->latency_ns / 1000.0);
	}
	s = tracer_basis_name(e->basis);
	if (s)
		jw_string_field(w, "basis", s);
	s = tracer_cause_name(e->cause);
	if (s)
		jw_string_field(w, "cause", s);
	s = closed_first(e);
	if (s)
		jw_string_field(w, "closed_first", s);
	if (e->lifetime_ns)
		jw_float_field(w, "lifetime_us", e->lifetime_ns / 1000.0);
	if (e->flags & TT_F_RST_SENT)
		jw_bool_field(w, "rst_sent", true);
	if (e->flags & TT_F_RST_RCVD)
		jw_bool_field(w, "rst_received", true);
	if (e->flags & TT_F_GAP)
		jw_bool_field(w, "missed_transition", true);
	if (e->retrans)
		jw_uint_field(w, "retransmits", e->retrans);
	if (e->pid) {
		jw_uint_field(w, "pid", e->pid);
		memcpy(buf, e->comm, TT_COMM_LEN);
		buf[TT_COMM_LEN] = 0;
		jw_string_field(w, "comm", buf);
	}
	jw_uint_field(w, "time_ns", e->ts_ns[(e->nstates ? e->nstates - 1 : 0) & (TT_MAX_STATES - 1)]);
	jw_end_object(w);
	jw_free(w);
}

static void print_text(struct trace_ctx *c, const struct tt_event *e)
{
	char l[64], r[64], states[160];
	size_t n = 0;
	const char *s;

	fmt_addr(e, e->laddr, e->lport, l, sizeof(l), true);
	fmt_addr(e, e->raddr, e->rport, r, sizeof(r), true);
	states[0] = 0;
	for (int i = e->first; i < e->nstates && i < TT_MAX_STATES && n < sizeof(states); i++)
		n += snprintf(states + n, sizeof(states) - n, "%s%s", i > e->first ? ">" : "",
			      tracer_state_name(e->states[i]));
	/* the arrow points from the side that opened the connection */
	fprintf(c->out, "%s %s %s %s %s", tracer_side_name(e->side), l,
		e->side == TT_SIDE_SERVER ? "<-" : "->", r, states);
	if (e->kind == TT_KIND_HANDSHAKE && e->basis == TT_BASIS_NONE)
		fputs(" - ms", c->out);
	else
		fprintf(c->out, " %.3f ms", e->latency_ns / 1e6);
	if (e->basis == TT_BASIS_SYNACK_RTT)
		fputs(" (synack_rtt)", c->out);
	else if (e->basis == TT_BASIS_SYN_ARRIVAL)
		fputs(" (from SYN)", c->out);
	if (e->kind != TT_KIND_HANDSHAKE)
		fprintf(c->out, " %s", tracer_kind_name(e->kind));
	s = tracer_cause_name(e->cause);
	if (s)
		fprintf(c->out, " cause=%s", s);
	s = closed_first(e);
	if (s)
		fprintf(c->out, " first=%s", s);
	if (e->lifetime_ns)
		fprintf(c->out, " life=%.3f ms", e->lifetime_ns / 1e6);
	if (e->retrans)
		fprintf(c->out, " retrans=%u", e->retrans);
	if (e->flags & TT_F_GAP)
		fputs(" (missed a transition)", c->out);
	if (e->pid)
		fprintf(c->out, " pid=%u comm=%.*s", e->pid, TT_COMM_LEN, e->comm);
	fputc('\n', c->out);
}

/* An engagement transition of a protected interface (engage_watch.h):
 * interleaved with the handshakes, in the order they are read. */
static void on_engage(void *ctx, const char *ifname, const struct sg_engage_event *e,
		      __u64 unix_ns)
{
	struct trace_ctx *c = ctx;
	struct jw *w;

	if (c->cli->port && c->cli->port != e->port)
		return;
	if (!c->cli->json) {
		if (e->engaged)
			fprintf(c->out, "engage %s port %u by %s (%u SYNs in the window, queue %u%%)\n",
				ifname, e->port, sg_engage_reason_name(e->reason), e->syns,
				e->queue_pct);
		else
			fprintf(c->out, "disengage %s port %u (was engaged by %s; %u SYNs in the "
				"window, queue %u%%)\n", ifname, e->port,
				sg_engage_reason_name(e->reason), e->syns, e->queue_pct);
		return;
	}
	w = jw_new(c->out, sg_env.pretty);
	if (!w)
		return;
	jw_start_object(w);
	jw_string_field(w, "kind", e->engaged ? "engage" : "disengage");
	jw_string_field(w, "ifname", ifname);
	jw_uint_field(w, "port", e->port);
	jw_string_field(w, "reason", sg_engage_reason_name(e->reason));
	jw_uint_field(w, "syns", e->syns);
	jw_uint_field(w, "queue_pct", e->queue_pct);
	jw_uint_field(w, "time_unix_ns", unix_ns);
	jw_end_object(w);
	jw_free(w);
}

static int on_event(void *ctx, const struct tt_event *e)
{
	struct trace_ctx *c = ctx;

	if (c->cli->json)
		print_json(c, e);
	else
		print_text(c, e);
	c->printed++;
	return c->cli->count && c->printed >= c->cli->count;
}

int cmd_trace(int argc, char **argv)
{
	static char obuf[1 << 20];
	struct tracer_opts o = {};
	struct tracer_accounting a;
	struct trace_cli cli;
	struct trace_ctx c = { .cli = &cli, .out = stdout };
	struct tracer *t;
	struct sg_engage_watch ew;
	volatile int stop = 0;
	unsigned long long end = 0, next_engage = 0;
	int err;

	err = trace_cli_parse(argc, argv, false, &cli);
	if (err)
		return err < 0 ? SG_EXIT_OK : err;
	/* Events arrive in batches; a big buffer keeps writing them cheap. */
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	o.port = cli.port;
	o.events = true;
	o.force_classic = cli.classic;
	o.no_xdp = cli.no_xdp;
	err = tracer_open(&o, on_event, &c, &t);
	if (err)
		return err;
	/* engagement transitions too (protect --engage auto) */
	if (sg_engage_watch_open(&ew))
		memset(&ew, 0, sizeof(ew));
	sg_on_signal(&stop);
	if (!cli.json) {
		fprintf(stderr, "synguard: tracing TCP handshakes (%s%s%s); Ctrl-C to stop\n",
			tracer_hook_kind(t), tracer_xdp_ifname(t) ? ", XDP SYN arrivals on " : "",
			tracer_xdp_ifname(t) ? tracer_xdp_ifname(t) : "");
		trace_cli_absent_text(stderr, t);
	}
	if (cli.duration)
		end = sg_now_mono_ns() + (unsigned long long)(cli.duration * 1e9);
	while (!stop) {
		if (cli.count && c.printed >= cli.count)
			break;
		if (end && sg_now_mono_ns() >= end)
			break;
		err = tracer_poll(t, 100);
		if (err < 0 && err != -EINTR) {
			sg_err("reading events: %s", strerror(-err));
			break;
		}
		if (ew.n && sg_now_mono_ns() >= next_engage) {
			sg_engage_watch_poll(&ew, on_engage, &c);
			next_engage = sg_now_mono_ns() + 100000000ULL;
			fflush(stdout);
		}
		if (c.printed)
			fflush(stdout);
	}
	err = err < 0 && err != -EINTR ? SG_EXIT_ERROR : SG_EXIT_OK;
	if (ew.n)
		sg_engage_watch_poll(&ew, on_engage, &c);
	tracer_stop(t);
	tracer_read_accounting(t, &a);
	if (cli.json) {
		struct jw *w = jw_new(stdout, sg_env.pretty);

		if (w) {
			jw_start_object(w);
			jw_bool_field(w, "summary", true);
			jw_uint_field(w, "events", c.printed);
			jw_string_field(w, "hooks", tracer_hook_kind(t));
			jw_bool_field(w, "xdp_syn_arrival", tracer_xdp_ifname(t) != NULL);
			trace_cli_loss_json(w, &a);
			trace_cli_absent_json(w, t);
			jw_end_object(w);
			jw_free(w);
		}
	} else {
		fprintf(stdout, "# %llu events; ", (unsigned long long)c.printed);
		trace_cli_loss_text(stdout, &a);
		trace_cli_absent_text(stdout, t);
		/* also where an operator sees it when stdout goes to a file */
		if (!isatty(STDOUT_FILENO)) {
			fprintf(stderr, "synguard: %llu events; ", (unsigned long long)c.printed);
			trace_cli_loss_text(stderr, &a);
		}
	}
	fflush(stdout);
	sg_engage_watch_close(&ew);
	tracer_close(t);
	return err;
}
