/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cli_iface.h - what the commands that name an interface share: finding it
 * in this network namespace, and explaining why synguard's defense on it
 * cannot be opened, with the messages and exit codes of README's table
 * (8 no such interface, 3 not protected, 6 another build's program, 1 else).
 */
#ifndef SG_CLI_IFACE_H
#define SG_CLI_IFACE_H

#include "defense_maps.h"

/* ifname's index in this network namespace into *ifindex: 0, or
 * SG_EXIT_NODEV after the message. */
int sg_cli_ifindex(const char *ifname, int *ifindex);

/* The message and exit code for err, an error of sg_defense_open() on
 * ifname (d as it filled it in: -EEXIST names the other XDP program). */
int sg_cli_defense_error(const char *ifname, int err, const struct sg_defense *d);

/* sg_defense_open() for a command on ifname: 0 with d open (close it with
 * sg_defense_close), or the exit code of sg_cli_defense_error(). */
int sg_cli_defense_open(const char *ifname, int ifindex, struct sg_defense *d);

#endif
