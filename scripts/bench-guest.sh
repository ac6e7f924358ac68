#!/bin/sh
# Guest side of `make bench` (run by scripts/vm inside the VM, from /interdict):
# runs build/bench/bench with the arguments scripts/bench passes on.
set -eu
# Without ASLR the benchmark's own memory layout, and with it the cost of
# an mmap(), is the same at every boot: results compare across commits.
echo 0 >/proc/sys/kernel/randomize_va_space
echo "bench: kernel $(uname -r), $(nproc) CPU, lsm=$(cat /sys/kernel/security/lsm), ASLR off"
exec build/bench/bench "$@"
