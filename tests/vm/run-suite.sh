#!/bin/sh
# Guest side of the VM tests: run inside a VM by `scripts/vm run`, it runs each
# test binary of build/tests/vm/ (or only the NAMEs given) in turn, framed by
# marker lines that scripts/check reads.
# usage: sh tests/vm/run-suite.sh [-t SECONDS_PER_BINARY] [NAME...]
#
# Each binary's own output (kselftest TAP, ending with its "# Totals:" line)
# goes straight to the console between
#   # interdict-suite: begin NAME
#   # interdict-suite: end NAME exit=STATUS
# The script exits 0 when every binary exited 0 or 4 (kselftest's "skipped"),
# 1 otherwise.

set -u

per_binary=300
if [ "${1:-}" = -t ]; then
	[ $# -ge 2 ] || {
		echo "run-suite.sh: -t needs a number of seconds" >&2
		exit 2
	}
	per_binary=$2
	shift 2
fi

dir=build/tests/vm
elf_magic=$(printf '\177ELF')

is_elf() {
	[ -f "$1" ] && [ -x "$1" ] && [ "$(head -c 4 "$1" 2>/dev/null)" = "$elf_magic" ]
}

if [ $# -eq 0 ]; then
	for f in "$dir"/*; do
		is_elf "$f" && set -- "$@" "${f##*/}"
	done
fi

echo "# interdict-suite: kernel $(uname -r), $# binaries, lsm=$(cat /sys/kernel/security/lsm 2>/dev/null)"
failed=0
for name in "$@"; do
	echo "# interdict-suite: begin $name"
	if is_elf "$dir/$name"; then
		start=$(date +%s)
		timeout -s TERM -k 10 "$per_binary" "$dir/$name"
		status=$?
		if [ $status -ge 128 ] && [ $(($(date +%s) - start)) -ge "$per_binary" ]; then
			echo "# interdict-suite: $name stopped after $per_binary s"
		fi
	else
		echo "# interdict-suite: $dir/$name is not an executable ELF file"
		status=127
	fi
	echo "# interdict-suite: end $name exit=$status"
	case $status in
	0 | 4) ;;
	*) failed=1 ;;
	esac
done
exit $failed
