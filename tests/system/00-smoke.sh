#!/bin/sh
# The test system itself, before any interdict package: systemd booted it,
# the journal works, BPF LSM is active, bpffs is mounted, and the local apt
# repository alone resolves interdict's run-time dependencies.
. "${0%/*}/lib.sh"

t_begin smoke

t_eq "systemd is pid 1" "$(cat /proc/1/comm)" systemd
t_run systemctl is-system-running --wait
state=$T_OUTPUT
[ "$state" = running ] || t_run systemctl --failed --no-legend
t_eq "the boot finished with no failed unit" "$state" running

tag="smoke-$$-$(date +%s%N)"
logger -t interdict-smoke "$tag"
t_wait "journald has a logger line" 20 \
	sh -c 'journalctl -t interdict-smoke -o cat | grep -qx "$1"' sh "$tag"
t_wait "the payload's output is in the journal" 20 \
	sh -c 'journalctl -t interdict-test -o cat | grep -q "^TAP version 13"'

lsm=$(cat /sys/kernel/security/lsm)
t_match "bpf is in the active LSM list" ",$lsm," ',bpf,'
t_eq "/sys/fs/bpf is a bpf file system" "$(findmnt -n -o FSTYPE /sys/fs/bpf)" bpf
t_ok "the kernel has BTF" test -s /sys/kernel/btf/vmlinux

t_eq "the VM has no network but loopback" "$(ls /sys/class/net)" lo
t_eq "apt's only source is the local repository" \
	"$(apt-get indextargets --format '$(SITE)' | sort -u)" file:/srv/localrepo
t_run apt-cache policy libbpf1
t_match "libbpf1's candidate comes from the local repository" "$T_OUTPUT" \
	'^ +[0-9]+ file:/srv/localrepo \./ Packages$'
t_cmd_fails "libbpf1 is not installed yet" \
	sh -c 'dpkg-query -W -f="\${db:Status-Status}" libbpf1 | grep -qx installed'
t_ok "apt resolves libbpf1 (dry run)" \
	apt-get install --dry-run --no-install-recommends libbpf1
t_match "... and would install it" "$T_OUTPUT" '^Inst libbpf1 '
t_ok "every package of the local repository installs (dry run)" \
	sh -c 'apt-get install --dry-run --no-install-recommends \
		$(sed -n "s/^Package: //p" /srv/localrepo/Packages)'

t_ok "ansible-core runs (UTF-8 locale)" ansible-playbook --version

t_end
