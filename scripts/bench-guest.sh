#!/bin/sh
# Guest side of `make bench` (run by scripts/vm inside the VM, from /interdict):
# runs build/bench/bench with the arguments scripts/bench passes on.
set -eu
echo "bench: kernel $(uname -r), $(nproc) CPU, lsm=$(cat /sys/kernel/security/lsm)"
exec build/bench/bench "$@"
