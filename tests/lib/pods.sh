# SPDX-License-Identifier: GPL-2.0-only
# The container layout: a "host" namespace with a bridge, and two "pod"
# namespaces whose eth0 is a veth plugged into that bridge, as a container
# runtime builds it. Nothing runs XDP anywhere (no xdp_pass on any peer), and
# the offloads stay as the kernel sets them. Source after lib.sh.
#
# sg_pods sets NS_H (host, br0 10.78.0.254/24 fd78::fe/64), NS_A (pod A, eth0
# 10.78.0.1 fd78::1, its host end sgpa0), NS_B (pod B, eth0 10.78.0.2 fd78::2,
# host end sgpb0), and ADDR_A4 ADDR_A6 ADDR_B4 ADDR_B6 ADDR_H4 ADDR_H6.
sg_pods() {
	NS_H=${SG_NS_PREFIX}h NS_A=${SG_NS_PREFIX}pa NS_B=${SG_NS_PREFIX}pb
	ADDR_A4=10.78.0.1 ADDR_B4=10.78.0.2 ADDR_H4=10.78.0.254
	ADDR_A6=fd78::1 ADDR_B6=fd78::2 ADDR_H6=fd78::fe
	sg_netns "$NS_H" && sg_netns "$NS_A" && sg_netns "$NS_B" || return 1
	ip -n "$NS_H" link add br0 type bridge || return 1
	ip -n "$NS_H" link set br0 up
	ip -n "$NS_H" addr add $ADDR_H4/24 dev br0
	ip -n "$NS_H" addr add $ADDR_H6/64 dev br0 nodad
	_sg_pod "$NS_A" sgpa0 $ADDR_A4 $ADDR_A6 || return 1
	_sg_pod "$NS_B" sgpb0 $ADDR_B4 $ADDR_B6 || return 1
	ip netns exec "$NS_A" sysctl -qw net.ipv4.tcp_syncookies=1
}

# _sg_pod NS HOSTIF ADDR4 ADDR6: eth0 in NS, its peer HOSTIF on br0
_sg_pod() {
	ip link add "$2" netns "$NS_H" type veth peer name eth0 netns "$1" || return 1
	ip -n "$NS_H" link set "$2" master br0
	ip -n "$NS_H" link set "$2" up
	ip -n "$1" link set eth0 up
	ip -n "$1" addr add "$3"/24 dev eth0
	ip -n "$1" addr add "$4"/64 dev eth0 nodad
}

# sg_pods_xdp_ids: the XDP program ids on every link of the layout, one
# "NS IF ID" line each (for "nothing but synguard attached XDP")
sg_pods_xdp_ids() {
	local ns
	for ns in "$NS_H" "$NS_A" "$NS_B"; do
		ip -n "$ns" -j link show | jq -r --arg ns "$ns" \
			'.[] | select(.xdp != null) | "\($ns) \(.ifname) \(.xdp.prog.id // .xdp.attached_prog // "?")"'
	done
}

# sg_p99 FILE: the 99th percentile of the second column (sg_connloop --latency
# lines "lport connect_us"), in microseconds, or "none"
sg_p99() {
	awk 'NF == 2 && $1 ~ /^[0-9]+$/ { print $2 }' "$1" | sort -n |
		awk '{ v[NR] = $1 } END { if (!NR) { print "none"; exit }
			i = int(NR * 0.99 + 0.999); if (i > NR) i = NR; print v[i] }'
}
