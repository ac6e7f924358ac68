#!/bin/sh
# Guest side of `make bench` (run by scripts/vm inside the VM, from /interdict):
# runs build/bench/bench with the arguments scripts/bench passes on, and
# with fapolicyd when scripts/bench installed it (/usr/sbin/fapolicyd).
set -eu
# Without ASLR the benchmark's own memory layout, and with it the cost of
# an mmap(), is the same at every boot: results compare across commits.
echo 0 >/proc/sys/kernel/randomize_va_space
echo "bench: kernel $(uname -r), $(nproc) CPU, lsm=$(cat /sys/kernel/security/lsm), ASLR off"
# What the emulated CPU offers the SHA-256 of policy files and of binaries.
echo "bench: cpu: $(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //');" \
	"sha_ni $(grep -qw sha_ni /proc/cpuinfo && echo yes || echo no)," \
	"avx2 $(grep -qw avx2 /proc/cpuinfo && echo yes || echo no)"
if [ ! -x /usr/sbin/fapolicyd ]; then
	exec build/bench/bench "$@"
fi

# fapolicyd as its package sets it up, but for the trust source (no rpm or
# dpkg database here: the file backend, empty) and the file systems of
# this guest (the initramfs is rootfs). One rule denies the canary tree,
# the same one interdict's policy denies; everything else is allowed.
grep -q '^fapolicyd:' /etc/passwd ||
	echo 'fapolicyd:x:998:998:fapolicyd:/var/lib/fapolicyd:/bin/false' >>/etc/passwd
grep -q '^fapolicyd:' /etc/group || echo 'fapolicyd:x:998:' >>/etc/group
mkdir -p /etc/fapolicyd/rules.d /etc/fapolicyd/trust.d /var/lib/fapolicyd \
	/run/fapolicyd
chown 998:998 /var/lib/fapolicyd /run/fapolicyd
cat >/etc/fapolicyd/fapolicyd.conf <<'CONF'
permissive = 0
nice_val = 14
q_size = 640
uid = fapolicyd
gid = fapolicyd
do_stat_report = 0
detailed_report = 0
db_max_size = 50
subj_cache_size = 1549
obj_cache_size = 8191
watch_fs = rootfs,ext2,ext3,ext4,tmpfs,xfs,vfat,iso9660,btrfs
trust = file
integrity = none
syslog_format = rule,dec,perm,auid,pid,exe,:,path,ftype,trust
rpm_sha256_only = 0
allow_filesystem_mark = 0
CONF
: >/etc/fapolicyd/fapolicyd.trust
printf '%s\n' 'deny perm=any all : dir=/opt/bench-canary/' \
	'allow perm=any all : all' >/etc/fapolicyd/compiled.rules
cp /etc/fapolicyd/compiled.rules /etc/fapolicyd/fapolicyd.rules
exec build/bench/bench --fapolicyd /usr/sbin/fapolicyd "$@"
