/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * attach_child.h - run the rest of a protection in a child process that a
 * signal to the command does not stop. Attaching through libxdp takes
 * several steps (a new dispatcher, freplace links, pins, the atomic switch
 * on the device, then our tc filter and configuration); a protect killed in
 * between (kill -9, Ctrl-C) would leave a dispatcher pinned but not
 * attached, or our program in it without its tc handoff. The child ignores
 * SIGINT/SIGTERM/SIGHUP and finishes (or rolls back) on its own when the
 * parent dies; the parent only waits for it.
 */
#ifndef SG_ATTACH_CHILD_H
#define SG_ATTACH_CHILD_H

#define SG_CHILD	(-2)

/* In the child: returns SG_CHILD (do the work, then _exit). In the parent:
 * waits and returns the child's exit code. If fork fails, returns -1 (do
 * the work here, unprotected against signals, as before). */
int sg_protect_detach_child(void);

#endif
