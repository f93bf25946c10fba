/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * brport.h - is an interface a bridge port on which br_netfilter would undo
 * the handoff? br_netfilter's prerouting hook orphans every skb it sees
 * (setup_pre_routing(): "Must drop socket now because of tproxy"), which
 * frees the request socket that sg_tc assigned at the port's tc ingress:
 * the kernel then resets the host's own connections (test_defense_bridge
 * with SG_BRNF=1). Protecting the bridge device avoids it
 * (docs/cli-defense.md, test_defense_bridge_brnf).
 */
#ifndef SG_BRPORT_H
#define SG_BRPORT_H

#include <stddef.h>

/* 1 if ifindex is a port of a bridge and bridge-nf-call-iptables or
 * -ip6tables is on in this netns, with the bridge's name in br (IF_NAMESIZE
 * bytes); 0 if not (or it cannot tell). */
int sg_brnf_port(int ifindex, char *br);

#endif
