#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# PID 1 of the guest that tests/vm/run.sh boots (the host's root, read-only
# under a tmpfs overlay): mount what synguard's tests need, run the command
# that run.sh wrote, print SG_VM_RC=<status> and power off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LANG=C.UTF-8
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
# what udev would add: bash's <(...) needs /dev/fd
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o mode=0755 tmpfs /run
TREE=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^sg.tree=//p' | tail -n 1)
# a fresh /tmp, unless the shared tree lives there (the overlay keeps /tmp
# writable then)
case $TREE in /tmp/*) ;; *) mount -t tmpfs -o mode=1777 tmpfs /tmp ;; esac
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
mount -t debugfs nodev /sys/kernel/debug 2>/dev/null
mount -t cgroup2 nodev /sys/fs/cgroup 2>/dev/null

arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p" | tail -n 1; }
RUN=$(arg sg.run)
KMODS=$(arg sg.kmods)
# the guest kernel's modules (veth, clsact, nf_conntrack, ...) from the
# extracted package, where modprobe looks for them
mkdir -p "/lib/modules/$(uname -r)"
mount --bind "$KMODS" "/lib/modules/$(uname -r)"
hostname synguard-vm
ip link set lo up
echo 1 > /proc/sys/kernel/sysrq
ulimit -l unlimited

export SG_SLOW_GUEST=1 SG_VM_KERNEL=$(uname -r)
echo "guest: $(uname -r), $(nproc) CPUs, running $RUN/cmd.sh"
bash "$RUN/cmd.sh" </dev/null
rc=$?
sync
echo "SG_VM_RC=$rc"
echo o > /proc/sysrq-trigger
sleep 30
