// SPDX-License-Identifier: GPL-2.0-only
/* tracer_listen.c - see tracer_listen.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "tracer_listen.h"
#include "tcptrace_listen.skel.h"

struct tracer_listen {
	struct tcptrace_listen *skel;
	const char *kind;
};

/* What an attempt's error means here, in words an operator can act on. */
static const char *why_failed(int err, bool fentry)
{
	switch (-err) {
	case EPERM:
		return fentry ? "not permitted (kernel lockdown, or no BTF trampolines)" :
				"not permitted";
	case ENOENT:
		return fentry ? "function not found" :
				"no kprobe (kernel without CONFIG_KPROBES, or function not found)";
	case EOPNOTSUPP:
	case 524:	/* ENOTSUPP, kernel-internal */
		return "not supported by this kernel";
	}
	return strerror(-err);
}

static int try_kind(struct tracer_listen *l, __u16 port, bool fentry)
{
	struct tcptrace_listen *s = tcptrace_listen__open();
	int err;

	if (!s)
		return -errno;
	s->rodata->tgt_port = port;
	bpf_program__set_autoload(s->progs.tt_synrecv4_fentry, fentry);
	bpf_program__set_autoload(s->progs.tt_synrecv6_fentry, fentry);
	bpf_program__set_autoload(s->progs.tt_connreq_fentry, fentry);
	bpf_program__set_autoload(s->progs.tt_connreq_kprobe, !fentry);
	bpf_program__set_autoload(s->progs.tt_synrecv4_kprobe, !fentry);
	bpf_program__set_autoload(s->progs.tt_synrecv6_kprobe, !fentry);
	err = tcptrace_listen__load(s);
	if (!err)
		err = tcptrace_listen__attach(s);
	if (err) {
		tcptrace_listen__destroy(s);
		return err;
	}
	l->skel = s;
	l->kind = fentry ? "fentry" : "kprobe";
	return 0;
}

struct tracer_listen *tracer_listen_open(__u16 port, char *why, size_t len)
{
	struct tracer_listen *l = calloc(1, sizeof(*l));
	int ef, ek;

	if (!l) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	ef = try_kind(l, port, true);
	if (!ef)
		return l;
	ek = try_kind(l, port, false);
	if (!ek)
		return l;
	snprintf(why, len, "needs fentry or a kprobe on tcp_v4/v6_syn_recv_sock and "
		 "tcp_conn_request: fentry: %s; "
		 "kprobe: %s", why_failed(ef, true), why_failed(ek, false));
	free(l);
	return NULL;
}

const char *tracer_listen_kind(const struct tracer_listen *l)
{
	return l->kind;
}

int tracer_listen_map_fd(const struct tracer_listen *l)
{
	return bpf_map__fd(l->skel->maps.tt_listen);
}

void tracer_listen_detach(struct tracer_listen *l)
{
	if (l)
		tcptrace_listen__detach(l->skel);
}

void tracer_listen_close(struct tracer_listen *l)
{
	if (!l)
		return;
	tcptrace_listen__destroy(l->skel);
	free(l);
}
