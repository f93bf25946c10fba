/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tracer_listen.h - the tracer's optional listen-queue hooks
 * (bpf/tcptrace_listen.bpf.c): accept-queue length and listen overflows per
 * listener port, through fentry where the kernel allows it, else a kprobe.
 * Where neither works the caller reports the metrics as absent, with why.
 */
#ifndef SG_TRACER_LISTEN_H
#define SG_TRACER_LISTEN_H

#include <stddef.h>
#include <linux/types.h>

struct tracer_listen;

/* Load and attach; NULL when neither fentry nor kprobes work here, with the
 * reason (both attempts' errors) in why. */
struct tracer_listen *tracer_listen_open(__u16 port, char *why, size_t len);
const char *tracer_listen_kind(const struct tracer_listen *l);	/* "fentry" or "kprobe" */
int tracer_listen_map_fd(const struct tracer_listen *l);		/* tt_listen */
void tracer_listen_detach(struct tracer_listen *l);
void tracer_listen_close(struct tracer_listen *l);

#endif
